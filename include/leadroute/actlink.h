/* actlink.h — signed, expiring action links for emails: a lead, a rep and an action. */
#ifndef LEADROUTE_ACTLINK_H
#define LEADROUTE_ACTLINK_H

#include <stddef.h>
#include <stdint.h>

#define ACTLINK_ID_MAX		64	/* lead, rep, action: 1 to 64 of [A-Za-z0-9_-] */
#define ACTLINK_EXPIRY_MAX	999999999999LL	/* 12 digits of unix seconds */
#define ACTLINK_KEY_MIN		16	/* shorter keys neither sign nor verify */
#define ACTLINK_MAX_KEYS	2	/* the new key and the old one during rotation */
#define ACTLINK_MAC_LEN		16	/* HMAC-SHA256 truncated to 128 bits */
/* The longest token: base64url of the longest payload (210 bytes), '.', 22 characters of MAC. */
#define ACTLINK_TOKEN_MAX	303

/*
 * What a valid token says. It authorises showing a confirmation page only: a
 * mail scanner may open the link, so the action itself waits for a POST.
 */
struct actlink {
	char	lead[ACTLINK_ID_MAX + 1];
	char	rep[ACTLINK_ID_MAX + 1];
	char	action[ACTLINK_ID_MAX + 1];
	int64_t	expires_s;	/* unix seconds; valid while now is before it */
};

/*
 * A token for lead, rep and action that expires at expires_s, malloc'd: the
 * payload "v1.<lead>.<rep>.<action>.<expires_s>" in base64url, '.', and the
 * first ACTLINK_MAC_LEN bytes of HMAC-SHA256(key, payload) in base64url (no
 * padding anywhere, so the token is URL-safe as it is). NULL when an id is
 * not 1 to ACTLINK_ID_MAX of [A-Za-z0-9_-], expires_s is outside 0 to
 * ACTLINK_EXPIRY_MAX, or the key is shorter than ACTLINK_KEY_MIN.
 */
char *actlink_sign(const unsigned char *key, size_t keylen, const char *lead, const char *rep,
    const char *action, int64_t expires_s);

/*
 * 0 with out filled when key signed token and now_s is before its expiry; -1
 * with *why (a static English sentence) otherwise: malformed, a signature
 * that does not match (compared in constant time), or expired. An expired
 * link is the one failure that fills out (its expires_s says when), so the
 * caller can tell when it lapsed; after any other failure out is cleared.
 */
int actlink_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now_s,
    struct actlink *out, const char **why);

/*
 * actlink_verify with any of nkeys keys (1 to ACTLINK_MAX_KEYS): every key's
 * MAC is computed and compared, whichever matches. Keys shorter than
 * ACTLINK_KEY_MIN are skipped; with none left, nothing verifies.
 */
int actlink_verify_any(const unsigned char *const keys[], const size_t lens[], size_t nkeys,
    const char *token, int64_t now_s, struct actlink *out, const char **why);

#endif
