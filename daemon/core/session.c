/*
 * session.c — console sessions as signed cookie values. A value carries the
 * session id, its expiry and the fingerprint of the token it was signed in
 * with, and an HMAC over them: any daemon holding the key checks it without
 * asking Redis. Signing out is kept as a revoked id (engine/sessions.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leadroute/session.h"
#include "leadroute/util.h"

static void
session_mac(const unsigned char *key, size_t keylen, const char *text, size_t len,
    unsigned char mac[32])
{
	unsigned int maclen = 32;

	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)text, len, mac, &maclen);
}

static int
session_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

void
session_fingerprint(const unsigned char token_hash[32], char fp[SESSION_FP_HEX + 1])
{
	util_hex_encode(token_hash, SESSION_FP_HEX / 2, fp);
}

int
session_seal(const unsigned char *key, size_t keylen, const struct session *s,
    char out[SESSION_VALUE_MAX])
{
	unsigned char mac[32];
	int n;

	if (keylen < SESSION_KEY_MIN || strlen(s->id) != SESSION_ID_HEX ||
	    !session_is_hex(s->id, SESSION_ID_HEX) || strlen(s->fp) != SESSION_FP_HEX ||
	    !session_is_hex(s->fp, SESSION_FP_HEX) || s->expires_ms <= 0)
		return -1;
	n = snprintf(out, SESSION_VALUE_MAX, "1.%s.%lld.%s.", s->id, (long long)s->expires_ms,
	    s->fp);
	if (n < 0 || (size_t)n + 64 >= SESSION_VALUE_MAX)
		return -1;
	/* The MAC covers everything before it, the last dot included. */
	session_mac(key, keylen, out, (size_t)n, mac);
	util_hex_encode(mac, sizeof(mac), out + n);
	return 0;
}

enum session_check
session_open(const unsigned char *key, size_t keylen, const char *value, int64_t now_ms,
    struct session *out)
{
	unsigned char mac[32], sent[32];
	const char *id, *exp, *fp, *m;
	size_t len, signed_len;
	int64_t expires;

	memset(out, 0, sizeof(*out));
	if (keylen < SESSION_KEY_MIN || value == NULL)
		return SESSION_MALFORMED;
	len = strlen(value);
	if (len < 2 || len >= SESSION_VALUE_MAX || strncmp(value, "1.", 2) != 0)
		return SESSION_MALFORMED;
	id = value + 2;
	if (len < 2 + SESSION_ID_HEX + 1 || id[SESSION_ID_HEX] != '.' ||
	    !session_is_hex(id, SESSION_ID_HEX))
		return SESSION_MALFORMED;
	exp = id + SESSION_ID_HEX + 1;
	for (expires = 0, fp = exp; *fp >= '0' && *fp <= '9' && fp - exp < 18; fp++)
		expires = expires * 10 + (*fp - '0');
	if (fp == exp || *fp != '.' || expires <= 0)
		return SESSION_MALFORMED;
	fp++;
	if (strlen(fp) != SESSION_FP_HEX + 1 + 64 || fp[SESSION_FP_HEX] != '.' ||
	    !session_is_hex(fp, SESSION_FP_HEX))
		return SESSION_MALFORMED;
	m = fp + SESSION_FP_HEX + 1;
	/* Lower case only, as sealed: one session, one cookie value. */
	if (!session_is_hex(m, 64) || util_hex_decode(m, sent, sizeof(sent)) == -1)
		return SESSION_MALFORMED;
	signed_len = (size_t)(m - value);
	session_mac(key, keylen, value, signed_len, mac);
	if (CRYPTO_memcmp(mac, sent, sizeof(mac)) != 0)
		return SESSION_FORGED;
	if (now_ms >= expires)
		return SESSION_EXPIRED;
	memcpy(out->id, id, SESSION_ID_HEX);
	out->expires_ms = expires;
	memcpy(out->fp, fp, SESSION_FP_HEX);
	return SESSION_OK;
}

void
session_csrf(const unsigned char *key, size_t keylen, const char *id,
    char out[SESSION_CSRF_HEX + 1])
{
	unsigned char mac[32];
	char text[8 + SESSION_ID_HEX + 1];
	int n;

	/* A different message from the cookie's, so neither MAC stands for the other. */
	n = snprintf(text, sizeof(text), "csrf.%s", id);
	session_mac(key, keylen, text, n > 0 ? (size_t)n : 0, mac);
	util_hex_encode(mac, SESSION_CSRF_HEX / 2, out);
}

int
session_csrf_ok(const unsigned char *key, size_t keylen, const char *id, const char *sent)
{
	char want[SESSION_CSRF_HEX + 1];

	if (sent == NULL || strlen(sent) != SESSION_CSRF_HEX)
		return 0;
	session_csrf(key, keylen, id, want);
	return CRYPTO_memcmp(want, sent, SESSION_CSRF_HEX) == 0;
}

int
session_cookie_find(const char *header, const char *name, char *out, size_t len)
{
	size_t nlen = strlen(name), vlen;
	const char *p = header, *v;

	if (header == NULL)
		return -1;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			v = p + nlen + 1;
			vlen = strcspn(v, ";");
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen == 0 || vlen >= len)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p += strcspn(p, ";");
	}
	return -1;
}
