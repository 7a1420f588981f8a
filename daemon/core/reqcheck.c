/* reqcheck.c — the request checks of reqcheck.h; pure, so they are unit-tested and fuzzed. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "leadroute/reqcheck.h"

/* Record the first problem; -1 for the caller to return. */
static int
reqcheck_fail(struct reqcheck *rc, int status, const char *code, const char *why)
{
	if (rc->status == 0) {
		rc->status = status;
		rc->code = code;
		rc->why = why;
	}
	return -1;
}

/* RFC 9110 token characters: the only ones a header name may hold. */
static int
reqcheck_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int
reqcheck_target(struct reqcheck *rc, const char *target)
{
	const char *p;

	/* Decoded, %00 would cut the path short: /v1/leads%00.json is not /v1/leads. */
	for (p = target; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return reqcheck_fail(rc, 400, "bad_request",
			    "the request target holds an escaped NUL byte (%00)");
	return 0;
}

int
reqcheck_header(struct reqcheck *rc, const char *name, size_t name_len, const char *value,
    size_t value_len)
{
	size_t i;

	if (name_len == 0)
		return reqcheck_fail(rc, 400, "bad_header", "a header has an empty name");
	for (i = 0; i < name_len; i++)
		if (!reqcheck_tchar((unsigned char)name[i]))
			return reqcheck_fail(rc, 400, "bad_header",
			    "a header name holds a character a name may not (a space before the colon?)");
	if (value != NULL && memchr(value, '\0', value_len) != NULL)
		return reqcheck_fail(rc, 400, "bad_header", "a header value holds a NUL byte");
	if (name_len == 14 && strncasecmp(name, "Content-Length", 14) == 0)
		rc->content_lengths++;
	if (name_len == 17 && strncasecmp(name, "Transfer-Encoding", 17) == 0) {
		rc->transfer_encodings++;
		rc->chunked = value != NULL && value_len == 7 && strncasecmp(value, "chunked", 7) == 0;
	}
	return 0;
}

int
reqcheck_framing(struct reqcheck *rc)
{
	if (rc->status != 0)
		return -1;
	if (rc->content_lengths > 1)
		return reqcheck_fail(rc, 400, "ambiguous_length",
		    "the request has more than one Content-Length; send one");
	if (rc->transfer_encodings > 1 || (rc->transfer_encodings == 1 && !rc->chunked))
		return reqcheck_fail(rc, 501, "unsupported_transfer_encoding",
		    "the only transfer coding taken is a lone chunked");
	if (rc->transfer_encodings > 0 && rc->content_lengths > 0)
		return reqcheck_fail(rc, 400, "ambiguous_length",
		    "the request has both Content-Length and Transfer-Encoding; send one");
	return 0;
}
