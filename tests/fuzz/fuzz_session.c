/*
 * fuzz_session.c — console session cookies. The input up to its first NUL is
 * a Cookie header: the lr_session cookie session_cookie_find takes from it
 * must be a non-empty piece of the header that fits, and session_open must
 * judge it (and the whole input as a value) without reading astray. A value
 * that opens must be exactly what session_seal makes of what it says, with a
 * CSRF token that session_csrf_ok takes; the seeds in
 * tests/fuzz/corpus/session/ are signed with this key.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/session.h"

static const unsigned char key[] = "session-fuzz-key-0123456789abcdef";
#define NOW	1795422600000LL	/* an hour before the seeds' expiry */

static void
check_open(const char *value)
{
	struct session s;
	char again[SESSION_VALUE_MAX], csrf[SESSION_CSRF_HEX + 1];
	enum session_check rc;

	rc = session_open(key, sizeof(key) - 1, value, NOW, &s);
	if (rc != SESSION_OK) {
		if (s.id[0] != '\0' || s.fp[0] != '\0' || s.expires_ms != 0)
			abort();
		if (rc != SESSION_MALFORMED && rc != SESSION_FORGED && rc != SESSION_EXPIRED)
			abort();
		return;
	}
	if (s.expires_ms <= NOW || strlen(s.id) != SESSION_ID_HEX ||
	    strlen(s.fp) != SESSION_FP_HEX)
		abort();
	if (session_seal(key, sizeof(key) - 1, &s, again) != 0 || strcmp(again, value) != 0)
		abort();
	session_csrf(key, sizeof(key) - 1, s.id, csrf);
	if (!session_csrf_ok(key, sizeof(key) - 1, s.id, csrf) ||
	    session_csrf_ok(key, sizeof(key) - 1, s.id, value))
		abort();
}

static void
check_find(const char *header)
{
	char value[SESSION_VALUE_MAX];
	const char *at;
	size_t n;

	if (session_cookie_find(header, SESSION_COOKIE, value, sizeof(value)) == -1)
		return;
	n = strlen(value);
	if (n == 0 || n >= sizeof(value) || strchr(value, ';') != NULL)
		abort();
	/* What it found follows "lr_session=" somewhere in the header. */
	for (at = header; (at = strstr(at, SESSION_COOKIE "=")) != NULL; at++)
		if (strncmp(at + sizeof(SESSION_COOKIE), value, n) == 0)
			break;
	if (at == NULL)
		abort();
	check_open(value);
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
	check_find(text);
	check_open(text);
	free(text);
	return 0;
}
