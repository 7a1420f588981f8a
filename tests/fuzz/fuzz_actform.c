/*
 * fuzz_actform.c — the form an email action link's page posts. The input's
 * first byte picks the Content-Type (a form's, with parameters, another,
 * none) and whether the address carries a token; up to the first NUL after
 * it is that token, the rest the body. Checks what the header promises: a
 * form read is NUL-free UTF-8 within its limits, the address's token agrees
 * with the body's, a refusal says why and keeps nothing; reading twice
 * gives the same; and the idempotency key is always "link:" and 32 hex.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/actform.h"
#include "leadroute/util.h"

static const char *const types[] = {
	"application/x-www-form-urlencoded",
	"application/x-www-form-urlencoded; charset=UTF-8",
	"APPLICATION/X-WWW-FORM-URLENCODED",
	"application/json",
	"text/plain",
	NULL,
};

/* s is NULL or NUL-free UTF-8 of 1 to max bytes. */
static void
check_string(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (n == 0 || n > max || util_utf8_bad((const unsigned char *)s, n) != n)
		abort();
}

/* Two reads of one input agree. */
static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
check_key(const char *token)
{
	char key[ACTFORM_IDEM_LEN + 1];
	size_t i;

	actform_idem_key(token, key);
	if (strlen(key) != ACTFORM_IDEM_LEN || strncmp(key, "link:", 5) != 0)
		abort();
	for (i = 5; i < ACTFORM_IDEM_LEN; i++)
		if (util_hex_digit((unsigned char)key[i]) < 0)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *ct, *query = NULL, *nul;
	char *copy, *body = NULL, *qtok = NULL;
	struct actform f, g;
	size_t len = 0, rest;
	int rc;

	if (size == 0)
		return 0;
	ct = types[data[0] % LR_NELEM(types)];
	copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	rest = size - 1;
	if (data[0] & 0x80) {
		/* The address's token: up to the first NUL (or all of it). */
		nul = memchr(copy, '\0', rest);
		len = nul != NULL ? (size_t)(nul - copy) : rest;
		if ((qtok = malloc(len + 1)) == NULL) {
			free(copy);
			return 0;
		}
		memcpy(qtok, copy, len);
		qtok[len] = '\0';
		query = qtok;
		len = nul != NULL ? len + 1 : rest;
	}
	/* The body on its own, exactly its bytes, so ASan sees any read past it. */
	if (rest - len > 0 && (body = malloc(rest - len)) != NULL)
		memcpy(body, copy + len, rest - len);
	len = body != NULL ? rest - len : 0;

	rc = actform_parse(ct, body, len, query, &f);
	if (rc == 0) {
		if (f.why[0] != '\0')
			abort();
		check_string(f.token, ACTFORM_BODY_MAX);
		check_string(f.reason, ACTFORM_REASON_MAX);
		check_string(f.note, ACTFORM_NOTE_MAX);
		/* A token in the address is the form's token. */
		if (query != NULL && query[0] != '\0' &&
		    (f.token == NULL || strcmp(f.token, query) != 0))
			abort();
		if (f.token != NULL)
			check_key(f.token);
	} else if (rc != -1 || f.why[0] == '\0' || f.token != NULL || f.reason != NULL ||
	    f.note != NULL) {
		abort();
	}
	if (actform_parse(ct, body, len, query, &g) != rc || !same(f.token, g.token) ||
	    !same(f.reason, g.reason) || !same(f.note, g.note) || strcmp(f.why, g.why) != 0)
		abort();
	actform_clear(&f);
	actform_clear(&f);
	actform_clear(&g);
	free(body);
	free(qtok);
	free(copy);
	return 0;
}
