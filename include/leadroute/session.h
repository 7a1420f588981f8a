/* session.h — console sessions: signed, expiring cookie values and their CSRF tokens. */
#ifndef LEADROUTE_SESSION_H
#define LEADROUTE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_COOKIE		"lr_session"
#define SESSION_ID_HEX		32	/* 128 random bits */
#define SESSION_FP_HEX		16	/* the first 64 bits of the token's SHA-256 */
#define SESSION_CSRF_HEX	32
#define SESSION_KEY_MIN		16
/* "1.<id>.<expires ms>.<fp>.<mac>": the longest value, with its NUL. */
#define SESSION_VALUE_MAX	(2 + SESSION_ID_HEX + 1 + 19 + 1 + SESSION_FP_HEX + 1 + 64 + 1)

/*
 * What a valid cookie says: which session, until when, and for which token.
 * The token is named by a fingerprint of its hash, so replacing a token in
 * the config ends every session signed in with it.
 */
struct session {
	char	id[SESSION_ID_HEX + 1];
	int64_t	expires_ms;
	char	fp[SESSION_FP_HEX + 1];
};

enum session_check {
	SESSION_OK,
	SESSION_MALFORMED,
	SESSION_FORGED,		/* the MAC does not match */
	SESSION_EXPIRED,
};

/* The fingerprint of a token's SHA-256, as sessions carry it. */
void session_fingerprint(const unsigned char token_hash[32], char fp[SESSION_FP_HEX + 1]);

/*
 * The cookie value for s, signed with key (HMAC-SHA256), into out
 * (SESSION_VALUE_MAX bytes). -1 when key is shorter than SESSION_KEY_MIN or s
 * is not well formed.
 */
int session_seal(const unsigned char *key, size_t keylen, const struct session *s,
    char out[SESSION_VALUE_MAX]);

/* Check a cookie value: SESSION_OK with out filled, else why not (out cleared). */
enum session_check session_open(const unsigned char *key, size_t keylen, const char *value,
    int64_t now_ms, struct session *out);

/* The session's CSRF token: what its page must send back in X-CSRF-Token. */
void session_csrf(const unsigned char *key, size_t keylen, const char *id,
    char out[SESSION_CSRF_HEX + 1]);

/* True when the header's value is this session's CSRF token (constant time). */
int session_csrf_ok(const unsigned char *key, size_t keylen, const char *id, const char *sent);

/*
 * Find a cookie by name in a Cookie header ("a=1; b=2"): its value copied to
 * out (len bytes with the NUL), 0; -1 when it is absent, empty or too long.
 */
int session_cookie_find(const char *header, const char *name, char *out, size_t len);

#endif
