/*
 * fuzz_actlink.c — action link tokens. The input up to its first NUL is a
 * token, checked with one key and with two (the seeds in
 * tests/fuzz/corpus/actlink/ are signed with the first); a token that
 * verifies must be exactly what actlink_sign makes of what it says, and an
 * expired one must still say what it was. The input's first three
 * '.'-separated pieces are also a lead, rep and action: signed when they are
 * ids, the token must verify to them; refused when they are not.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/actlink.h"

static const unsigned char key[] = "actlink-test-key-0123456789abcdef";
static const unsigned char old_key[] = "actlink-previous-key-000000000000";
#define NOW	1795422600LL	/* an hour before the seeds' expiry */

/* What actlink_sign takes as an id: 1 to ACTLINK_ID_MAX of [A-Za-z0-9_-]. */
static int
is_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= ACTLINK_ID_MAX && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static void
check_verify(const char *token)
{
	const unsigned char *keys[2] = { old_key, key };
	const size_t lens[2] = { sizeof(old_key) - 1, sizeof(key) - 1 };
	struct actlink out, any;
	const char *why = NULL, *why_any = NULL;
	char *again;
	int rc, rc_any;

	rc = actlink_verify(key, sizeof(key) - 1, token, NOW, &out, &why);
	rc_any = actlink_verify_any(keys, lens, 2, token, NOW, &any, &why_any);
	if ((rc != 0 && (why == NULL || why_any == NULL)) || (rc == 0 && rc_any != 0))
		abort();
	if (rc == 0 || (why != NULL && strcmp(why, "the link has expired") == 0)) {
		if (!is_id(out.lead) || !is_id(out.rep) || !is_id(out.action) ||
		    (rc == 0) != (NOW < out.expires_s))
			abort();
		again = actlink_sign(key, sizeof(key) - 1, out.lead, out.rep, out.action,
		    out.expires_s);
		if (again == NULL || strcmp(again, token) != 0)
			abort();
		free(again);
	} else if (out.lead[0] != '\0' || out.expires_s != 0) {
		abort();
	}
}

static void
check_sign(const char *text, size_t size)
{
	char *piece[3] = { NULL, NULL, NULL }, *copy = strdup(text), *p, *token;
	struct actlink out;
	const char *why = NULL;
	int64_t expires = (int64_t)(size * 7919) % (ACTLINK_EXPIRY_MAX + 1);
	size_t i;

	if (copy == NULL)
		return;
	for (p = copy, i = 0; i < 3; i++) {
		piece[i] = p;
		if ((p = strchr(p, '.')) == NULL)
			break;
		*p++ = '\0';
	}
	if (i < 3 && p == NULL) {
		/* Fewer than three pieces: the missing ones are empty, never ids. */
		for (i++; i < 3; i++)
			piece[i] = "";
	}
	token = actlink_sign(key, sizeof(key) - 1, piece[0], piece[1], piece[2], expires);
	if ((token != NULL) != (is_id(piece[0]) && is_id(piece[1]) && is_id(piece[2])))
		abort();
	if (token != NULL) {
		if (strlen(token) > ACTLINK_TOKEN_MAX ||
		    actlink_verify(key, sizeof(key) - 1, token, expires - 1, &out, &why) != 0 ||
		    strcmp(out.lead, piece[0]) != 0 || strcmp(out.rep, piece[1]) != 0 ||
		    strcmp(out.action, piece[2]) != 0 || out.expires_s != expires ||
		    actlink_verify(key, sizeof(key) - 1, token, expires, &out, &why) != -1)
			abort();
		free(token);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	check_verify(text);
	check_sign(text, size);
	free(text);
	return 0;
}
