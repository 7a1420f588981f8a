/*
 * actlink.c — signed, expiring links for the buttons of an email. A token is
 * base64url("v1.<lead>.<rep>.<action>.<expiry>"), '.', and base64url of the
 * first 16 bytes of HMAC-SHA256(key, payload): 128 bits leave a forger one
 * chance in 2^128 a try, and the token stays short (about 120 characters for
 * a ULID lead). The ids can hold no '.', so the payload splits one way only.
 * Both parts are decoded canonically (no padding, no stray bits), so one
 * payload has one token. Verifying computes every key's MAC and compares it
 * in constant time before it reads anything of the payload but its framing.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "leadroute/actlink.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"

#define ACTLINK_FULL_MAC	32
#define ACTLINK_MAC_B64		22	/* base64url of ACTLINK_MAC_LEN bytes, unpadded */
#define ACTLINK_EXPIRY_DIGITS	12
/* "v1." and three ids and an expiry, each after a '.'. */
#define ACTLINK_PAYLOAD_MAX	(3 + 3 * (ACTLINK_ID_MAX + 1) + ACTLINK_EXPIRY_DIGITS)

static const char actlink_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* len bytes as unpadded base64url and a NUL into out (4 * ceil(len / 3) + 1 bytes); its length. */
static size_t
actlink_b64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i, n = 0, left;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[n++] = actlink_alphabet[v >> 18 & 63];
		out[n++] = actlink_alphabet[v >> 12 & 63];
		out[n++] = actlink_alphabet[v >> 6 & 63];
		out[n++] = actlink_alphabet[v & 63];
	}
	if ((left = len - i) > 0) {
		v = (uint32_t)in[i] << 16 | (left == 2 ? (uint32_t)in[i + 1] << 8 : 0);
		out[n++] = actlink_alphabet[v >> 18 & 63];
		out[n++] = actlink_alphabet[v >> 12 & 63];
		if (left == 2)
			out[n++] = actlink_alphabet[v >> 6 & 63];
	}
	out[n] = '\0';
	return n;
}

/* A base64url character's value, or -1. */
static int
actlink_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode len characters of unpadded base64url into out (room for len * 3 / 4
 * bytes): the byte count, or -1 when a character is not base64url, the
 * length cannot be, or the last character has bits set past the data.
 */
static int
actlink_b64_decode(const char *s, size_t len, unsigned char *out)
{
	uint32_t v = 0;
	size_t i, n = 0, bits = 0;
	int d;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		if ((d = actlink_b64_value((unsigned char)s[i])) < 0)
			return -1;
		v = (v << 6 | (uint32_t)d) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	if ((v & ((1u << bits) - 1)) != 0)
		return -1;
	return (int)n;
}

/* HMAC-SHA256 of the payload; -1 if OpenSSL fails. */
static int
actlink_mac(const unsigned char *key, size_t keylen, const void *payload, size_t len,
    unsigned char out[ACTLINK_FULL_MAC])
{
	return sig_hmac_sha256(key, keylen, payload, len, out);
}

/* A key long enough to sign or verify with. */
static int
actlink_key_ok(const unsigned char *key, size_t keylen)
{
	return key != NULL && keylen >= ACTLINK_KEY_MIN && keylen <= INT_MAX;
}

/* A character of an id: [A-Za-z0-9_-]. */
static int
actlink_id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '-';
}

/* True when s is 1 to ACTLINK_ID_MAX id characters. */
static int
actlink_valid_id(const char *s)
{
	size_t n;

	if (s == NULL)
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (n == ACTLINK_ID_MAX || !actlink_id_char(s[n]))
			return 0;
	return n > 0;
}

char *
actlink_sign(const unsigned char *key, size_t keylen, const char *lead, const char *rep,
    const char *action, int64_t expires_s)
{
	char payload[ACTLINK_PAYLOAD_MAX + 1], *token;
	unsigned char mac[ACTLINK_FULL_MAC];
	size_t n;
	int len;

	if (!actlink_key_ok(key, keylen) || !actlink_valid_id(lead) || !actlink_valid_id(rep) ||
	    !actlink_valid_id(action) || expires_s < 0 || expires_s > ACTLINK_EXPIRY_MAX)
		return NULL;
	len = snprintf(payload, sizeof(payload), "v1.%s.%s.%s.%" PRId64, lead, rep, action,
	    expires_s);
	if (len < 0 || (size_t)len >= sizeof(payload) ||
	    actlink_mac(key, keylen, payload, (size_t)len, mac) == -1)
		return NULL;
	token = xmalloc(ACTLINK_TOKEN_MAX + 1);
	n = actlink_b64_encode((const unsigned char *)payload, (size_t)len, token);
	token[n++] = '.';
	actlink_b64_encode(mac, ACTLINK_MAC_LEN, token + n);
	OPENSSL_cleanse(mac, sizeof(mac));
	return token;
}

int
actlink_verify(const unsigned char *key, size_t keylen, const char *token, int64_t now_s,
    struct actlink *out, const char **why)
{
	const unsigned char *keys[1] = { key };
	const size_t lens[1] = { keylen };

	return actlink_verify_any(keys, lens, 1, token, now_s, out, why);
}

/* Set *why and fail. */
static int
actlink_refuse(const char **why, const char *reason)
{
	*why = reason;
	return -1;
}

/* An id up to the next '.' (consumed) into dst; -1 when there is none or it is not an id. */
static int
actlink_take_id(const char **p, const char *end, char dst[ACTLINK_ID_MAX + 1])
{
	size_t n = 0;

	while (*p + n < end && (*p)[n] != '.') {
		if (n == ACTLINK_ID_MAX || !actlink_id_char((*p)[n]))
			return -1;
		n++;
	}
	if (n == 0 || *p + n == end)
		return -1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p += n + 1;
	return 0;
}

/* "v1.<lead>.<rep>.<action>.<expiry>" (len bytes) into out; -1 if it is not that. */
static int
actlink_parse(const char *s, size_t len, struct actlink *out)
{
	const char *p, *end = s + len;
	int64_t v = 0;
	size_t n;

	if (len < 3 || memcmp(s, "v1.", 3) != 0)
		return -1;
	p = s + 3;
	if (actlink_take_id(&p, end, out->lead) == -1 ||
	    actlink_take_id(&p, end, out->rep) == -1 ||
	    actlink_take_id(&p, end, out->action) == -1)
		return -1;
	/* Canonical digits: no sign, no leading zero but "0" itself. */
	n = (size_t)(end - p);
	if (n == 0 || n > ACTLINK_EXPIRY_DIGITS || (n > 1 && p[0] == '0'))
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	out->expires_s = v;
	return 0;
}

int
actlink_verify_any(const unsigned char *const keys[], const size_t lens[], size_t nkeys,
    const char *token, int64_t now_s, struct actlink *out, const char **why)
{
	unsigned char payload[ACTLINK_TOKEN_MAX], mac[ACTLINK_MAC_B64], want[ACTLINK_FULL_MAC];
	size_t i, tlen, plen, usable = 0;
	const char *dot;
	int n, ok = 0;

	memset(out, 0, sizeof(*out));
	if (nkeys == 0 || nkeys > ACTLINK_MAX_KEYS)
		return actlink_refuse(why, "a link is checked against one or two keys");
	for (i = 0; i < nkeys; i++)
		usable += actlink_key_ok(keys[i], lens[i]);
	if (usable == 0)
		return actlink_refuse(why, "no key of at least 16 bytes to check the link with");
	if (token == NULL || token[0] == '\0')
		return actlink_refuse(why, "the link has no token");
	if ((tlen = strnlen(token, ACTLINK_TOKEN_MAX + 1)) > ACTLINK_TOKEN_MAX)
		return actlink_refuse(why, "the link's token is too long");
	if ((dot = memchr(token, '.', tlen)) == NULL)
		return actlink_refuse(why, "the link's token has no signature part");
	if ((n = actlink_b64_decode(token, (size_t)(dot - token), payload)) <= 0)
		return actlink_refuse(why, "the link's payload is not base64url");
	plen = (size_t)n;
	if (token + tlen - (dot + 1) != ACTLINK_MAC_B64 ||
	    actlink_b64_decode(dot + 1, ACTLINK_MAC_B64, mac) != ACTLINK_MAC_LEN)
		return actlink_refuse(why, "the link's signature is not 16 bytes of base64url");
	for (i = 0; i < nkeys; i++) {
		if (!actlink_key_ok(keys[i], lens[i]) ||
		    actlink_mac(keys[i], lens[i], payload, plen, want) == -1)
			continue;
		ok |= CRYPTO_memcmp(want, mac, ACTLINK_MAC_LEN) == 0;
	}
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok)
		return actlink_refuse(why, "the link's signature does not match");
	if (actlink_parse((const char *)payload, plen, out) == -1) {
		memset(out, 0, sizeof(*out));
		return actlink_refuse(why,
		    "the link's payload is not v1.<lead>.<rep>.<action>.<expiry>");
	}
	if (now_s >= out->expires_s)
		return actlink_refuse(why, "the link has expired");
	return 0;
}
