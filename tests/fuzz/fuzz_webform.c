/*
 * fuzz_webform.c — what a browser's form sends that webform.h reads: the
 * input's lines are an origin, a redirect a form asks for, an
 * X-Forwarded-For value and an address range. Whatever they hold, a
 * redirect allowed begins with one of the prefixes at a boundary and holds
 * no byte that could end a header; an origin accepted is one a browser
 * could send; a client key is short.
 */
#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/webform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The n-th line of the input (malloc'd; "" past the end). */
static char *
line(const uint8_t *data, size_t size, int n)
{
	const char *p = (const char *)data, *end = p + size, *nl;

	for (; n > 0 && p < end; n--) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl != NULL ? nl + 1 : end;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	return strndup(p, (size_t)((nl != NULL ? nl : end) - p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *prefixes[] = { "https://www.example.com/thanks/", "https://go.example.com" };
	char *origin = line(data, size, 0), *url = line(data, size, 1);
	char *xff = line(data, size, 2), *net = line(data, size, 3);
	char addr[WEBFORM_ADDR_MAX], key[WEBFORM_ADDR_MAX], *out = NULL, *loc;
	struct webform_net n;
	const char *why, *p;

	if (webform_origin(origin, &out, &why) == 0) {
		assert(strncmp(out, "https://", 8) == 0 || strncmp(out, "http://", 7) == 0);
		assert(strpbrk(out + 8, "/?#@ \r\n") == NULL);
		free(out);
	}
	if (webform_redirect_allowed(url, prefixes, 2)) {
		size_t a = strlen(prefixes[0]), b = strlen(prefixes[1]);

		assert(strncmp(url, prefixes[0], a) == 0 || (strncmp(url, prefixes[1], b) == 0 &&
		    strchr("/?#", url[b]) != NULL));
		for (p = url; *p != '\0'; p++)
			assert((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f && *p != '\\');
		loc = webform_error_location(url, "missing_field");
		assert(strstr(loc, "error=missing_field") != NULL);
		free(loc);
	}
	if (webform_forwarded_for(xff, addr, sizeof(addr)) == 0) {
		assert(webform_client_key(addr, key, sizeof(key)) == 0);
		assert(strlen(key) < sizeof(key));
		if (webform_net_parse(net, &n) == 0)
			(void)webform_in_net(addr, &n);
	}
	free(origin);
	free(url);
	free(xff);
	free(net);
	return 0;
}
