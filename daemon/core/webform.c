/* webform.c — origins, redirect targets and client addresses of webform.h; pure, so unit-tested. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "leadroute/util.h"
#include "leadroute/webform.h"

#define WEBFORM_HOST_MAX	256

/* The parts of an authority ("host[:port]", "[v6]:port"), checked. */
struct webform_authority {
	char	 host[WEBFORM_HOST_MAX];	/* lower case; an IPv6 literal in brackets */
	long	 port;				/* 0: none given */
};

/*
 * Read the authority of len bytes at s: a host name of letters, digits, '.'
 * and '-', an IPv4 address or a bracketed IPv6 one, then an optional port of
 * 1-65535. 0, or -1 with *why.
 */
static int
webform_authority(const char *s, size_t len, struct webform_authority *a, const char **why)
{
	const char *port = NULL, *end = s + len;
	unsigned char v6[16];
	char inner[WEBFORM_HOST_MAX];
	size_t hlen, i;

	memset(a, 0, sizeof(*a));
	if (len == 0) {
		*why = "it has no host";
		return -1;
	}
	if (memchr(s, '@', len) != NULL) {
		*why = "it holds a user name (\"user@\")";
		return -1;
	}
	if (*s == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || (size_t)(close - s) - 1 >= sizeof(inner)) {
			*why = "its IPv6 address is not closed with ']'";
			return -1;
		}
		memcpy(inner, s + 1, (size_t)(close - s) - 1);
		inner[close - s - 1] = '\0';
		if (inet_pton(AF_INET6, inner, v6) != 1) {
			*why = "its host is not a valid IPv6 address";
			return -1;
		}
		hlen = (size_t)(close - s) + 1;
		if (close + 1 < end) {
			if (close[1] != ':') {
				*why = "its IPv6 address is followed by something but a port";
				return -1;
			}
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);

		hlen = colon != NULL ? (size_t)(colon - s) : len;
		if (colon != NULL)
			port = colon + 1;
		if (hlen == 0) {
			*why = "it has no host";
			return -1;
		}
		for (i = 0; i < hlen; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-') {
				*why = "its host may hold only letters, digits, '.' and '-'";
				return -1;
			}
	}
	if (hlen >= sizeof(a->host)) {
		*why = "its host is too long";
		return -1;
	}
	for (i = 0; i < hlen; i++)
		a->host[i] = (char)tolower((unsigned char)s[i]);
	a->host[hlen] = '\0';
	if (port != NULL) {
		a->port = 0;
		if (port == end || end - port > 5) {
			*why = "its port is not a number from 1 to 65535";
			return -1;
		}
		for (; port < end; port++) {
			if (!isdigit((unsigned char)*port)) {
				*why = "its port is not a number from 1 to 65535";
				return -1;
			}
			a->port = a->port * 10 + (*port - '0');
		}
		if (a->port < 1 || a->port > 65535) {
			*why = "its port is not a number from 1 to 65535";
			return -1;
		}
	}
	return 0;
}

/* Plain http is for a developer's own machine only. */
static int
webform_local_host(const char *host)
{
	return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
	    strcmp(host, "[::1]") == 0;
}

int
webform_origin(const char *text, char **out, const char **why)
{
	struct webform_authority a;
	const char *rest;
	size_t len;
	int https;

	*out = NULL;
	if (strcmp(text, "*") == 0 || strcmp(text, "null") == 0) {
		*why = "list each origin itself: \"*\" and \"null\" are not allowed";
		return -1;
	}
	if (strncasecmp(text, "https://", 8) == 0) {
		https = 1;
		rest = text + 8;
	} else if (strncasecmp(text, "http://", 7) == 0) {
		https = 0;
		rest = text + 7;
	} else {
		*why = "an origin is https://HOST[:PORT] (or http://localhost[:PORT])";
		return -1;
	}
	len = strlen(rest);
	if (strcspn(rest, "/?#") != len) {
		*why = "an origin is scheme://host[:port], without a path, not even \"/\"";
		return -1;
	}
	if (webform_authority(rest, len, &a, why) == -1)
		return -1;
	if (!https && !webform_local_host(a.host)) {
		*why = "an origin must be https:// (http:// only for localhost, 127.0.0.1 or "
		    "[::1])";
		return -1;
	}
	if (a.port == (https ? 443 : 80))
		a.port = 0;
	if (a.port != 0)
		*out = xasprintf("%s://%s:%ld", https ? "https" : "http", a.host, a.port);
	else
		*out = xasprintf("%s://%s", https ? "https" : "http", a.host);
	return 0;
}

int
webform_url_ok(const char *url, const char **why)
{
	struct webform_authority a;
	const char *rest, *p;
	int https;

	if (strlen(url) > WEBFORM_URL_MAX) {
		*why = "the address is too long";
		return -1;
	}
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\') {
			*why = "the address may hold only printable ASCII, without spaces or '\\' "
			    "(escape others with %XX)";
			return -1;
		}
	if (strncmp(url, "https://", 8) == 0) {
		https = 1;
		rest = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		https = 0;
		rest = url + 7;
	} else {
		*why = "the address must start with https:// (or http://localhost)";
		return -1;
	}
	if (webform_authority(rest, strcspn(rest, "/?#"), &a, why) == -1)
		return -1;
	if (!https && !webform_local_host(a.host)) {
		*why = "the address must be https:// (http:// only for localhost, 127.0.0.1 "
		    "or [::1])";
		return -1;
	}
	return 0;
}

int
webform_redirect_allowed(const char *url, char *const *prefixes, size_t n)
{
	const char *why;
	size_t i, len;

	if (webform_url_ok(url, &why) == -1)
		return 0;
	for (i = 0; i < n; i++) {
		len = strlen(prefixes[i]);
		if (len == 0 || strncmp(url, prefixes[i], len) != 0)
			continue;
		if (prefixes[i][len - 1] == '/' || url[len] == '\0' ||
		    strchr("/?#", url[len]) != NULL)
			return 1;
	}
	return 0;
}

char *
webform_error_location(const char *base, const char *code)
{
	size_t pre = strcspn(base, "#");
	const char *q = memchr(base, '?', pre), *sep;

	if (q == NULL)
		sep = "?";
	else if (base[pre - 1] == '?' || base[pre - 1] == '&')
		sep = "";
	else
		sep = "&";
	return xasprintf("%.*s%serror=%s%s", (int)pre, base, sep, code, base + pre);
}

/* addr as bytes: 4 for IPv4 (also when IPv4-mapped), else 16; 0 when it is no address. */
static size_t
webform_addr_bytes(const char *addr, unsigned char out[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, addr, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, addr, out) != 1)
		return 0;
	if (memcmp(out, mapped, sizeof(mapped)) == 0) {
		memmove(out, out + 12, 4);
		return 4;
	}
	return 16;
}

int
webform_net_parse(const char *text, struct webform_net *out)
{
	char addr[WEBFORM_ADDR_MAX], *end;
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned max;
	long bits;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, text, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -1;
	max = out->family == AF_INET ? 32 : 128;
	out->bits = max;
	if (slash == NULL)
		return 0;
	if (!isdigit((unsigned char)slash[1]))
		return -1;
	bits = strtol(slash + 1, &end, 10);
	if (*end != '\0' || bits < 0 || bits > (long)max)
		return -1;
	out->bits = (unsigned)bits;
	return 0;
}

int
webform_in_net(const char *addr, const struct webform_net *net)
{
	unsigned char b[16];
	size_t n = webform_addr_bytes(addr, b), whole = net->bits / 8;
	unsigned rest = net->bits % 8;

	if (n == 0 || (n == 4) != (net->family == AF_INET))
		return 0;
	if (memcmp(b, net->addr, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((b[whole] ^ net->addr[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int
webform_forwarded_for(const char *value, char *out, size_t size)
{
	const char *last = strrchr(value, ','), *end;
	unsigned char b[16];
	char addr[WEBFORM_ADDR_MAX];
	size_t len;

	last = last != NULL ? last + 1 : value;
	last += strspn(last, " \t");
	for (end = last + strlen(last); end > last && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	len = (size_t)(end - last);
	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, last, len);
	addr[len] = '\0';
	if (webform_addr_bytes(addr, b) == 0 || len >= size)
		return -1;
	memcpy(out, addr, len + 1);
	return 0;
}

int
webform_client_key(const char *addr, char *out, size_t size)
{
	unsigned char b[16];
	char text[INET6_ADDRSTRLEN];
	size_t n = webform_addr_bytes(addr, b);
	int w;

	if (n == 0)
		return -1;
	if (n == 4) {
		inet_ntop(AF_INET, b, text, sizeof(text));
		w = snprintf(out, size, "%s", text);
	} else {
		memset(b + 8, 0, 8);
		inet_ntop(AF_INET6, b, text, sizeof(text));
		w = snprintf(out, size, "%s/64", text);
	}
	return w > 0 && (size_t)w < size ? 0 : -1;
}
