/*
 * sig.c — inbound webhook signatures, checked over the raw body before
 * anything parses it. Each expected MAC is computed once per secret (two at
 * most) and every offered signature is decoded to bytes and compared with
 * CRYPTO_memcmp, so the work is linear in the header's length and the time
 * taken says nothing about how close a guess came.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leadroute/sig.h"
#include "leadroute/util.h"

#define SIG_MAC_LEN	32
#define SIG_ID_MAX	255

static const char *const sig_names[] = {
	[SIG_NONE] = "none", [SIG_STANDARD] = "standard_webhooks",
	[SIG_HUBSPOT_V3] = "hubspot_v3", [SIG_HMAC_HEX] = "hmac_sha256",
};

int
sig_scheme_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < LR_NELEM(sig_names); i++)
		if (strcmp(name, sig_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
sig_scheme_name(enum sig_scheme scheme)
{
	return (size_t)scheme < LR_NELEM(sig_names) ? sig_names[scheme] : "?";
}

void
sig_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[32])
{
	unsigned int outlen = 0;

	HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &outlen);
}

int
sig_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/*
 * Decode standard base64 (padded) of exactly len characters into out (room
 * for 3 * len / 4 bytes); the number of bytes, or -1 when it is not base64.
 */
static int
sig_base64_decode(const char *s, size_t len, unsigned char *out)
{
	size_t pad = 0, i;
	int n;

	if (len == 0 || len % 4 != 0 || len > 4096)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			if (i < len - 2)
				return -1;
			pad++;
		} else if (pad > 0 || !(isalnum(c) || c == '+' || c == '/')) {
			return -1;
		}
	}
	n = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad)
		return -1;
	return n - (int)pad;
}

static char *
sig_base64(const unsigned char *mac, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, mac, (int)len);
	return out;
}

static int
sig_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void LR_PRINTF(4, 5)
sig_fail(struct sig_error *err, const char *code, const char *header, const char *fmt, ...)
{
	va_list ap;

	err->status = 401;
	err->code = code;
	err->header = header;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* A header that must be there and not empty; NULL after failing. */
static const char *
sig_need(const struct sig_request *rq, const char *name, struct sig_error *err)
{
	const char *v = rq->header != NULL ? rq->header(rq->arg, name) : NULL;

	if (v == NULL || v[0] == '\0') {
		sig_fail(err, "signature_missing", name, "the %s header is missing", name);
		return NULL;
	}
	return v;
}

/* Decimal digits only, 1 to max of them; -1 otherwise. */
static int64_t
sig_digits(const char *s, size_t max)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n > max || s[n] != '\0')
		return -1;
	return strtoll(s, NULL, 10);
}

/* The timestamp is within the window either side of now; -1 after failing. */
static int
sig_check_window(const struct sig_config *cfg, const struct sig_request *rq, const char *header,
    int64_t ts_ms, struct sig_error *err)
{
	int64_t tol = cfg->tolerance_ms > 0 ? cfg->tolerance_ms : SIG_TOLERANCE_MS;
	int64_t off = rq->now_ms - ts_ms;

	if (off > tol) {
		sig_fail(err, "signature_expired", header, "the %s header is %lld s in the past; "
		    "the limit is %lld s (a replay, or a clock out of step)", header,
		    (long long)(off / 1000), (long long)(tol / 1000));
		return -1;
	}
	if (-off > tol) {
		sig_fail(err, "signature_expired", header, "the %s header is %lld s in the future; "
		    "the limit is %lld s (a clock out of step)", header, (long long)(-off / 1000),
		    (long long)(tol / 1000));
		return -1;
	}
	return 0;
}

/* The expected MAC of content under each secret. */
static void
sig_expected(const struct sig_config *cfg, const struct buf *content,
    unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN])
{
	size_t i;

	for (i = 0; i < cfg->nsecrets && i < SIG_MAX_SECRETS; i++)
		sig_hmac_sha256(cfg->secrets[i].key, cfg->secrets[i].len, content->data,
		    content->len, macs[i]);
}

/* True when mac matches one secret's expected MAC (every one is compared). */
static int
sig_matches(const struct sig_config *cfg, unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN],
    const unsigned char *mac)
{
	size_t i;
	int ok = 0;

	for (i = 0; i < cfg->nsecrets && i < SIG_MAX_SECRETS; i++)
		ok |= sig_equal(macs[i], mac, SIG_MAC_LEN);
	return ok;
}

static int
sig_verify_standard(const struct sig_config *cfg, const struct sig_request *rq,
    struct sig_error *err)
{
	unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN], mac[3 * 4096 / 4];
	struct buf content = { NULL, 0, 0 };
	const char *id, *ts, *sig, *p;
	size_t i, wellformed = 0;
	int64_t t;
	int ok = 0;

	if ((id = sig_need(rq, "webhook-id", err)) == NULL ||
	    (ts = sig_need(rq, "webhook-timestamp", err)) == NULL ||
	    (sig = sig_need(rq, "webhook-signature", err)) == NULL)
		return -1;
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < 0x21 || id[i] > 0x7e || id[i] == ',')
			break;
	if (id[i] != '\0' || i > SIG_ID_MAX) {
		sig_fail(err, "signature_malformed", "webhook-id",
		    "the webhook-id header must be 1-%d printable characters", SIG_ID_MAX);
		return -1;
	}
	if ((t = sig_digits(ts, 12)) == -1) {
		sig_fail(err, "signature_malformed", "webhook-timestamp",
		    "the webhook-timestamp header must be unix seconds (digits only)");
		return -1;
	}
	if (sig_check_window(cfg, rq, "webhook-timestamp", t * 1000, err) == -1)
		return -1;
	buf_appendf(&content, "%s.%s.", id, ts);
	if (rq->len > 0)
		buf_append(&content, rq->body, rq->len);
	sig_expected(cfg, &content, macs);
	buf_free(&content);
	/* "v1,<base64> v1,<base64> …": any v1 entry may match; other versions are skipped. */
	for (p = sig; *p != '\0';) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len > 3 && strncmp(p, "v1,", 3) == 0 &&
		    sig_base64_decode(p + 3, len - 3, mac) == SIG_MAC_LEN) {
			wellformed++;
			ok |= sig_matches(cfg, macs, mac);
		}
		p += len;
	}
	if (ok)
		return 0;
	if (wellformed == 0) {
		sig_fail(err, "signature_malformed", "webhook-signature", "the webhook-signature "
		    "header holds no v1,<base64 of 32 bytes> entry");
		return -1;
	}
	sig_fail(err, "signature_invalid", "webhook-signature",
	    "no signature in webhook-signature matches this source's secrets");
	return -1;
}

/*
 * The URI as HubSpot signs it: these escapes decoded, every other byte as
 * written.
 */
static void
sig_hubspot_uri(const char *url, struct buf *out)
{
	static const char decode[] = ":/?@!$'()*,;";
	const char *p;

	for (p = url; *p != '\0'; p++) {
		if (p[0] == '%' && sig_hex_value((unsigned char)p[1]) >= 0 &&
		    sig_hex_value((unsigned char)p[2]) >= 0) {
			char c = (char)(sig_hex_value((unsigned char)p[1]) * 16 +
			    sig_hex_value((unsigned char)p[2]));

			if (c != '\0' && strchr(decode, c) != NULL) {
				buf_append(out, &c, 1);
				p += 2;
				continue;
			}
		}
		buf_append(out, p, 1);
	}
}

static void
sig_hubspot_content(const struct sig_request *rq, const char *ts, struct buf *content)
{
	buf_appendf(content, "%s", rq->method != NULL ? rq->method : "");
	sig_hubspot_uri(rq->url != NULL ? rq->url : "", content);
	if (rq->len > 0)
		buf_append(content, rq->body, rq->len);
	buf_appendf(content, "%s", ts);
}

static int
sig_verify_hubspot(const struct sig_config *cfg, const struct sig_request *rq,
    struct sig_error *err)
{
	static const char sh[] = "X-HubSpot-Signature-v3", th[] = "X-HubSpot-Request-Timestamp";
	unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN], mac[3 * 4096 / 4];
	struct buf content = { NULL, 0, 0 };
	const char *sig, *ts;
	int64_t t;

	if ((sig = sig_need(rq, sh, err)) == NULL || (ts = sig_need(rq, th, err)) == NULL)
		return -1;
	if ((t = sig_digits(ts, 15)) == -1) {
		sig_fail(err, "signature_malformed", th, "the %s header must be epoch "
		    "milliseconds (digits only)", th);
		return -1;
	}
	if (sig_base64_decode(sig, strlen(sig), mac) != SIG_MAC_LEN) {
		sig_fail(err, "signature_malformed", sh, "the %s header must be the base64 of a "
		    "SHA-256 HMAC", sh);
		return -1;
	}
	if (sig_check_window(cfg, rq, th, t, err) == -1)
		return -1;
	sig_hubspot_content(rq, ts, &content);
	sig_expected(cfg, &content, macs);
	buf_free(&content);
	if (sig_matches(cfg, macs, mac))
		return 0;
	sig_fail(err, "signature_invalid", sh, "the %s header does not match this source's "
	    "secrets over the method, URL, body and timestamp", sh);
	return -1;
}

static int
sig_verify_hex(const struct sig_config *cfg, const struct sig_request *rq, struct sig_error *err)
{
	unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN], mac[SIG_MAC_LEN];
	struct buf content = { NULL, 0, 0 };
	const char *sig, *ts = NULL;
	size_t i;
	int64_t t;

	if ((sig = sig_need(rq, cfg->header, err)) == NULL)
		return -1;
	if (strncasecmp(sig, "sha256=", 7) == 0)
		sig += 7;
	for (i = 0; i < SIG_MAC_LEN; i++) {
		int hi = sig_hex_value((unsigned char)sig[2 * i]), lo;

		lo = hi < 0 ? -1 : sig_hex_value((unsigned char)sig[2 * i + 1]);
		if (hi < 0 || lo < 0)
			break;
		mac[i] = (unsigned char)(hi * 16 + lo);
	}
	if (i < SIG_MAC_LEN || sig[2 * SIG_MAC_LEN] != '\0') {
		sig_fail(err, "signature_malformed", cfg->header, "the %s header must be 64 hex "
		    "digits (optionally after sha256=)", cfg->header);
		return -1;
	}
	if (cfg->timestamp_header != NULL) {
		if ((ts = sig_need(rq, cfg->timestamp_header, err)) == NULL)
			return -1;
		if ((t = sig_digits(ts, 12)) == -1) {
			sig_fail(err, "signature_malformed", cfg->timestamp_header,
			    "the %s header must be unix seconds (digits only)", cfg->timestamp_header);
			return -1;
		}
		if (sig_check_window(cfg, rq, cfg->timestamp_header, t * 1000, err) == -1)
			return -1;
		buf_appendf(&content, "%s.", ts);
	}
	if (rq->len > 0)
		buf_append(&content, rq->body, rq->len);
	sig_expected(cfg, &content, macs);
	buf_free(&content);
	if (sig_matches(cfg, macs, mac))
		return 0;
	sig_fail(err, "signature_invalid", cfg->header,
	    "the %s header does not match this source's secrets", cfg->header);
	return -1;
}

int
sig_verify(const struct sig_config *cfg, const struct sig_request *rq, struct sig_error *err)
{
	memset(err, 0, sizeof(*err));
	switch (cfg->scheme) {
	case SIG_NONE:
		return 0;
	case SIG_STANDARD:
		return sig_verify_standard(cfg, rq, err);
	case SIG_HUBSPOT_V3:
		return sig_verify_hubspot(cfg, rq, err);
	case SIG_HMAC_HEX:
		return sig_verify_hex(cfg, rq, err);
	}
	sig_fail(err, "signature_invalid", NULL, "unknown signature scheme");
	return -1;
}

int
sig_secret_parse(enum sig_scheme scheme, const char *text, struct sig_secret *out, char **cause)
{
	unsigned char key[3 * 4096 / 4];
	int n;

	memset(out, 0, sizeof(*out));
	if (scheme == SIG_STANDARD) {
		if (strncmp(text, "whsec_", 6) != 0) {
			*cause = xstrdup("a Standard Webhooks secret starts with whsec_");
			return -1;
		}
		n = sig_base64_decode(text + 6, strlen(text + 6), key);
		if (n < 1 || n > 64) {
			*cause = xstrdup("after whsec_ must come the base64 of 1 to 64 bytes");
			return -1;
		}
		out->key = xmalloc((size_t)n);
		memcpy(out->key, key, (size_t)n);
		out->len = (size_t)n;
		OPENSSL_cleanse(key, sizeof(key));
		return 0;
	}
	if (strlen(text) < 16) {
		*cause = xstrdup("a signing secret must be at least 16 bytes");
		return -1;
	}
	out->len = strlen(text);
	out->key = (unsigned char *)xstrdup(text);
	return 0;
}

void
sig_secret_free(struct sig_secret *secret)
{
	if (secret->key != NULL) {
		OPENSSL_cleanse(secret->key, secret->len);
		free(secret->key);
	}
	secret->key = NULL;
	secret->len = 0;
}

char *
sig_sign_standard(const struct sig_secret *s, const char *id, int64_t ts, const void *body,
    size_t len)
{
	struct buf content = { NULL, 0, 0 };
	unsigned char mac[SIG_MAC_LEN];
	char *b64, *out;

	buf_appendf(&content, "%s.%lld.", id, (long long)ts);
	if (len > 0)
		buf_append(&content, body, len);
	sig_hmac_sha256(s->key, s->len, content.data, content.len, mac);
	buf_free(&content);
	b64 = sig_base64(mac, sizeof(mac));
	out = xasprintf("v1,%s", b64);
	free(b64);
	return out;
}

char *
sig_sign_hubspot_v3(const struct sig_secret *s, const char *method, const char *url,
    const void *body, size_t len, int64_t ts_ms)
{
	struct sig_request rq = { method, url, body, len, NULL, NULL, 0 };
	struct buf content = { NULL, 0, 0 };
	unsigned char mac[SIG_MAC_LEN];
	char ts[24];

	snprintf(ts, sizeof(ts), "%lld", (long long)ts_ms);
	sig_hubspot_content(&rq, ts, &content);
	sig_hmac_sha256(s->key, s->len, content.data, content.len, mac);
	buf_free(&content);
	return sig_base64(mac, sizeof(mac));
}

char *
sig_sign_hmac_hex(const struct sig_secret *s, const char *ts, const void *body, size_t len)
{
	struct buf content = { NULL, 0, 0 };
	unsigned char mac[SIG_MAC_LEN];
	char *out = xmalloc(2 * SIG_MAC_LEN + 1);
	size_t i;

	if (ts != NULL)
		buf_appendf(&content, "%s.", ts);
	if (len > 0)
		buf_append(&content, body, len);
	sig_hmac_sha256(s->key, s->len, content.data, content.len, mac);
	buf_free(&content);
	for (i = 0; i < SIG_MAC_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return out;
}
