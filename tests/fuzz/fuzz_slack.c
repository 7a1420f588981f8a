/*
 * fuzz_slack.c — Slack's interactive requests. The whole input is an
 * interaction body for slack_interaction_parse; split at its first two NUL
 * bytes it is also X-Slack-Request-Timestamp, X-Slack-Signature and a body
 * for slack_verify (the secret and clock of Slack's documented example).
 * Checks what the header promises: a parsed action's strings are present,
 * bounded, NUL-free UTF-8; every refusal says why; and a signature that
 * slack_sign makes verifies, where one changed bit does not.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/slack.h"
#include "leadroute/util.h"

static const unsigned char secret[] = "8f742231b10e8888abcd99yyyzzz85a5";
#define SECRET_LEN	(sizeof(secret) - 1)
#define NOW		1531420618LL

/* s is NULL (when it may be) or NUL-free UTF-8 of at most max bytes. */
static void
check_string(const char *s, size_t max, int may_be_null)
{
	size_t n;

	if (s == NULL) {
		if (!may_be_null)
			abort();
		return;
	}
	n = strlen(s);
	if (n > max || util_utf8_bad((const unsigned char *)s, n) != n)
		abort();
}

static void
check_parse(const uint8_t *data, size_t size)
{
	char *body = malloc(size > 0 ? size : 1);
	struct slack_action a;
	const char *why = NULL;
	int rc;

	if (body == NULL)
		return;
	if (size > 0)
		memcpy(body, data, size);
	rc = slack_interaction_parse(body, size, &a, &why);
	if (rc == 0) {
		if (strcmp(a.type, "block_actions") != 0 ||
		    (strncmp(a.response_url, "https://", 8) != 0 &&
		    strncmp(a.response_url, "http://", 7) != 0))
			abort();
		check_string(a.user_id, SLACK_ID_MAX, 0);
		check_string(a.team_id, SLACK_ID_MAX, 0);
		check_string(a.response_url, SLACK_URL_MAX, 0);
		check_string(a.action_id, SLACK_ID_MAX, 0);
		check_string(a.block_id, SLACK_ID_MAX, 0);
		check_string(a.action_ts, SLACK_ID_MAX, 0);
		check_string(a.action_type, SLACK_ID_MAX, 1);
		check_string(a.value, SLACK_VALUE_MAX, 1);
		check_string(a.channel_id, SLACK_ID_MAX, 1);
		check_string(a.message_ts, SLACK_ID_MAX, 1);
	} else if (rc == SLACK_UNSUPPORTED) {
		check_string(a.type, SLACK_ID_MAX, 0);
		if (strcmp(a.type, "block_actions") == 0 || a.user_id != NULL || why == NULL)
			abort();
	} else if (rc != -1 || why == NULL || why[0] == '\0' || a.type != NULL ||
	    a.user_id != NULL || a.response_url != NULL || a.value != NULL) {
		abort();
	}
	slack_action_free(&a);
	slack_action_free(&a);
	free(body);
}

/* The timestamp's value when it is 1 to 12 digits; -1 otherwise. */
static int64_t
digits(const char *s)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 12)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i > 0 && s[i] == '\0' ? v : -1;
}

static void
check_verify(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *p, *end, *body = NULL, *sig;
	const char *hdr[2] = { NULL, NULL }, *why = NULL;
	size_t i, len = 0;
	int64_t ts;

	if (copy == NULL)
		return;
	if (size > 0)
		memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	for (i = 0; i < 2 && p < end; i++) {
		hdr[i] = p;
		p += strlen(p) + 1;
	}
	/* The body on its own, exactly len bytes, so ASan sees any read past it. */
	if (p < end && (body = malloc((len = (size_t)(end - p)))) != NULL)
		memcpy(body, p, len);
	else
		len = 0;
	why = NULL;
	if (slack_verify(secret, SECRET_LEN, hdr[0], hdr[1], body, len, NOW, &why) != 0 &&
	    (why == NULL || why[0] == '\0'))
		abort();
	if (hdr[0] != NULL && (ts = digits(hdr[0])) >= 0) {
		sig = slack_sign(secret, SECRET_LEN, hdr[0], body, len);
		if (slack_verify(secret, SECRET_LEN, hdr[0], sig, body, len, ts, &why) != 0)
			abort();
		/* One bit of the MAC, picked by the input's length, flipped. */
		i = 3 + (size & 63);
		sig[i] = "0123456789abcdef"[util_hex_digit((unsigned char)sig[i]) ^ 1];
		if (slack_verify(secret, SECRET_LEN, hdr[0], sig, body, len, ts, &why) != -1 ||
		    strcmp(why, "signature does not match") != 0)
			abort();
		free(sig);
	}
	free(body);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_verify(data, size);
	return 0;
}
