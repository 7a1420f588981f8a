/*
 * fuzz_reqcheck.c — a request's target and headers as the checks of
 * reqcheck.h see them, and UTF-8 scrubbing. The input's first line is the
 * target; each further line a header, split at its first colon (values may
 * hold NUL bytes: they are passed with their lengths). Then the whole input,
 * cut at its first NUL, is scrubbed and must come out as valid UTF-8.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/reqcheck.h"
#include "leadroute/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl, *colon;
	struct reqcheck rc = { 0 };
	char *text;
	json_t *s;

	nl = memchr(p, '\n', size);
	text = strndup(p, nl != NULL ? (size_t)(nl - p) : size);
	reqcheck_target(&rc, text);
	free(text);
	while (nl != NULL) {
		p = nl + 1;
		nl = memchr(p, '\n', (size_t)(end - p));
		colon = memchr(p, ':', (size_t)((nl != NULL ? nl : end) - p));
		if (colon == NULL)
			reqcheck_header(&rc, p, (size_t)((nl != NULL ? nl : end) - p), NULL, 0);
		else
			reqcheck_header(&rc, p, (size_t)(colon - p), colon + 1,
			    (size_t)((nl != NULL ? nl : end) - colon - 1));
	}
	if (reqcheck_framing(&rc) == -1 &&
	    (rc.status == 0 || rc.code == NULL || rc.why == NULL))
		abort();	/* a refusal always says what and why */

	text = strndup((const char *)data, size);
	util_utf8_scrub(text);
	if ((s = json_string(text)) == NULL)
		abort();	/* jansson found what the scrub let through */
	json_decref(s);
	free(text);
	return 0;
}
