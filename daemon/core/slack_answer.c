/*
 * slack_answer.c — reading Slack's Web API answers. Pure: io/outbound.c makes the
 * call; this finds "ok", "error", "channel" and "ts" in the answer and says
 * whether a failure may pass, so every answer Slack documents is
 * unit-tested. The reader is a small scanner rather than a JSON parser: an
 * ok answer echoes the whole message, and what is kept of a long one ends
 * mid-way, but Slack's members come before its echo.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/slack_answer.h"
#include "leadroute/util.h"

/* Where the scanner is in the text. */
struct slack_scan {
	const char	*p;
	const char	*end;
};

/* Results of the scanner's steps: a value read, the text cut in it, or no JSON. */
#define SCAN_OK		1
#define SCAN_CUT	0
#define SCAN_BAD	(-1)

static void
slack_ws(struct slack_scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/*
 * The string at s->p (its opening quote) into out (NULL: skipped), escapes
 * decoded; a \u escape outside ASCII becomes '?' (the members read are
 * ASCII). *fits is cleared when it is longer than outlen - 1.
 */
static int
slack_string(struct slack_scan *s, char *out, size_t outlen, int *fits)
{
	size_t n = 0;
	int i, v, d;
	unsigned char c;

	s->p++;
	while (s->p < s->end) {
		c = (unsigned char)*s->p++;
		if (c == '"') {
			if (out != NULL)
				out[n] = '\0';
			return SCAN_OK;
		}
		if (c < 0x20)
			return SCAN_BAD;
		if (c == '\\') {
			if (s->p >= s->end)
				return SCAN_CUT;
			c = (unsigned char)*s->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (s->end - s->p < 4)
					return SCAN_CUT;
				for (i = 0, v = 0; i < 4; i++) {
					if ((d = util_hex_digit((unsigned char)s->p[i])) < 0)
						return SCAN_BAD;
					v = v * 16 + d;
				}
				s->p += 4;
				c = v >= 0x20 && v < 0x7f ? (unsigned char)v : '?';
				break;
			default:
				return SCAN_BAD;
			}
		}
		if (out != NULL && n + 1 < outlen)
			out[n++] = (char)c;
		else if (out != NULL)
			*fits = 0;
	}
	return SCAN_CUT;
}

/* Step over the value at s->p: a string, an object or array (whole), a literal or number. */
static int
slack_skip(struct slack_scan *s)
{
	const char *start = s->p;
	int depth = 0, r;

	if (*s->p == '"')
		return slack_string(s, NULL, 0, NULL);
	if (*s->p == '{' || *s->p == '[') {
		while (s->p < s->end) {
			if (*s->p == '"') {
				if ((r = slack_string(s, NULL, 0, NULL)) != SCAN_OK)
					return r;
				continue;
			}
			if (*s->p == '{' || *s->p == '[')
				depth++;
			else if ((*s->p == '}' || *s->p == ']') && --depth == 0) {
				s->p++;
				return SCAN_OK;
			}
			s->p++;
		}
		return SCAN_CUT;
	}
	while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || (*s->p >= '0' && *s->p <= '9') ||
	    *s->p == '-' || *s->p == '+' || *s->p == '.' || *s->p == 'E'))
		s->p++;
	if (s->p == s->end)
		return SCAN_CUT;	/* "tru" or 12 may go on past the cut */
	return s->p > start ? SCAN_OK : SCAN_BAD;
}

/* Read one member's value: ok, the string members kept, anything else skipped. */
static int
slack_member(struct slack_scan *s, const char *key, struct slack_answer *a)
{
	char *field = NULL, value[SLACK_FIELD_LEN];
	const char *start = s->p;
	int r, fits = 1;

	if (strcmp(key, "error") == 0)
		field = a->error;
	else if (strcmp(key, "channel") == 0)
		field = a->channel;
	else if (strcmp(key, "ts") == 0)
		field = a->ts;
	if (field != NULL && *s->p == '"') {
		if ((r = slack_string(s, value, sizeof(value), &fits)) != SCAN_OK)
			return r;
		/* A cut error code still says what went wrong; a cut id names nothing. */
		if (fits || field == a->error)
			memcpy(field, value, sizeof(value));
		else
			field[0] = '\0';
		return SCAN_OK;
	}
	if ((r = slack_skip(s)) != SCAN_OK)
		return r;
	if (strcmp(key, "ok") == 0 && s->p - start == 4 && memcmp(start, "true", 4) == 0)
		a->ok = 1;
	else if (strcmp(key, "ok") == 0 && s->p - start == 5 && memcmp(start, "false", 5) == 0)
		a->ok = 0;
	return SCAN_OK;
}

int
slack_answer_parse(const char *text, size_t len, struct slack_answer *a)
{
	struct slack_scan s = { text, text + len };
	char key[16];
	int r, first, fits;

	memset(a, 0, sizeof(*a));
	a->ok = -1;
	slack_ws(&s);
	if (s.end - s.p >= 2 && memcmp(s.p, "ok", 2) == 0) {
		s.p += 2;
		slack_ws(&s);
		if (s.p == s.end) {
			a->ok = 1;
			return SCAN_OK;
		}
		return SCAN_BAD;
	}
	if (s.p == s.end || *s.p != '{')
		return SCAN_BAD;
	s.p++;
	for (first = 1;; first = 0) {
		slack_ws(&s);
		if (s.p == s.end)
			return SCAN_CUT;
		if (*s.p == '}') {
			s.p++;
			slack_ws(&s);
			return s.p == s.end ? SCAN_OK : SCAN_BAD;
		}
		if (!first) {
			if (*s.p != ',')
				return SCAN_BAD;
			s.p++;
			slack_ws(&s);
			if (s.p == s.end)
				return SCAN_CUT;
		}
		if (*s.p != '"')
			return SCAN_BAD;
		fits = 1;
		if ((r = slack_string(&s, key, sizeof(key), &fits)) != SCAN_OK)
			return r;
		if (!fits)
			key[0] = '\0';	/* none of ours */
		slack_ws(&s);
		if (s.p == s.end)
			return SCAN_CUT;
		if (*s.p++ != ':')
			return SCAN_BAD;
		slack_ws(&s);
		if (s.p == s.end)
			return SCAN_CUT;
		if ((r = slack_member(&s, key, a)) != SCAN_OK)
			return r;
	}
}

int
slack_error_retryable(const char *code)
{
	static const char *const again[] = {
		"ratelimited", "rate_limited", "internal_error", "service_unavailable",
		"fatal_error", "request_timeout", "team_added_to_org",
	};
	size_t i;

	for (i = 0; i < LR_NELEM(again); i++)
		if (strcmp(code, again[i]) == 0)
			return 1;
	return 0;
}

enum slack_verdict
slack_verdict(long status, const char *body, size_t len, struct slack_answer *a, char *err,
    size_t errlen)
{
	int two = status >= 200 && status <= 299;

	slack_answer_parse(body != NULL ? body : "", body != NULL ? len : 0, a);
	if (two && a->ok == 1) {
		snprintf(err, errlen, "HTTP %ld", status);
		return SLACK_DONE;
	}
	if (a->ok == 0 && a->error[0] != '\0' && status == 200)
		snprintf(err, errlen, "slack: %s", a->error);
	else if (a->ok == 0 && a->error[0] != '\0')
		snprintf(err, errlen, "slack: %s (HTTP %ld)", a->error, status);
	else if (two && a->ok == 0)
		snprintf(err, errlen, "slack: \"ok\":false without an error (HTTP %ld)", status);
	else if (two)
		snprintf(err, errlen, "slack: an answer without \"ok\" (HTTP %ld)", status);
	else
		snprintf(err, errlen, "HTTP %ld", status);
	if (status == 429 || status == 408 || status == 425 || status >= 500)
		return SLACK_RETRY;
	if (!two)
		return SLACK_PERMANENT;
	if (a->ok == 0 && a->error[0] != '\0' && !slack_error_retryable(a->error))
		return SLACK_PERMANENT;
	return SLACK_RETRY;
}
