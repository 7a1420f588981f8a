/*
 * sig.c — inbound webhook signatures, checked over the raw body before
 * anything parses it. The expected MAC is computed once per secret (two at
 * most); every offered signature is decoded to its 32 bytes and compared with
 * CRYPTO_memcmp against each of them, without stopping at a match. So the
 * work is linear in the header's length, and the time taken says nothing
 * about how close a guess came.
 */
#include "config.h"

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

#define SIG_MAC_LEN		32
#define SIG_MAC_B64_LEN		44	/* base64 of 32 bytes, padded */
#define SIG_KEY_MAX		64	/* a whsec_ secret, decoded */
#define SIG_B64_MAX		88	/* base64 of SIG_KEY_MAX bytes, padded */
#define SIG_ID_MAX		255

static const char *const sig_names[] = {
	[SIG_NONE] = "none",
	[SIG_STANDARD] = "standard_webhooks",
	[SIG_HUBSPOT_V3] = "hubspot_v3",
	[SIG_HMAC_HEX] = "hmac_sha256",
};

int
sig_scheme_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < LR_NELEM(sig_names); i++)
		if (strcmp(name, sig_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
sig_scheme_name(enum sig_scheme scheme)
{
	return (size_t)scheme < LR_NELEM(sig_names) ? sig_names[scheme] : "unknown";
}

/* HMAC-SHA256 into out; -1 (out zeroed) if OpenSSL fails, which only running out of memory does. */
static int
sig_mac(const void *key, size_t keylen, const void *msg, size_t len, unsigned char out[SIG_MAC_LEN])
{
	static const unsigned char empty;
	unsigned int outlen = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, len > 0 ? msg : &empty, len, out,
	    &outlen) == NULL || outlen != SIG_MAC_LEN) {
		memset(out, 0, SIG_MAC_LEN);
		return -1;
	}
	return 0;
}

int
sig_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, unsigned char out[32])
{
	return sig_mac(key, keylen, msg, len, out);
}

int
sig_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* A character of the standard base64 alphabet (padding aside). */
static int
sig_is_base64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '/';
}

int
sig_base64_decode(const char *s, size_t len, unsigned char *out, size_t cap)
{
	unsigned char tmp[SIG_B64_MAX / 4 * 3];
	size_t pad = 0, i;
	int n;

	if (len == 0 || len % 4 != 0 || len > SIG_B64_MAX)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=' && i + 2 >= len)
			pad++;
		else if (pad > 0 || !sig_is_base64(c))
			return -1;
	}
	n = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad > cap) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(out, tmp, (size_t)n - pad);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return n - (int)pad;
}

/* Standard, padded base64 of len bytes (malloc'd). */
static char *
sig_base64(const unsigned char *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	return out;
}

/* Fill err: always 401, with code, the header at fault and a one-sentence message. */
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

	if (v == NULL) {
		sig_fail(err, "signature_missing", name, "the %s header is missing", name);
		return NULL;
	}
	if (v[0] == '\0') {
		sig_fail(err, "signature_missing", name, "the %s header is empty", name);
		return NULL;
	}
	return v;
}

/*
 * The timestamp (ms, at most 15 digits) is within the window either side of
 * now; -1 after failing. Unsigned differences, so no now_ms can overflow.
 */
static int
sig_check_window(const struct sig_config *cfg, const struct sig_request *rq, const char *header,
    int64_t ts_ms, struct sig_error *err)
{
	uint64_t tol = (uint64_t)(cfg->tolerance_ms > 0 ? cfg->tolerance_ms : SIG_TOLERANCE_MS);
	int past = rq->now_ms >= ts_ms;
	uint64_t off = past ? (uint64_t)rq->now_ms - (uint64_t)ts_ms :
	    (uint64_t)ts_ms - (uint64_t)rq->now_ms;

	if (off <= tol)
		return 0;
	sig_fail(err, "signature_expired", header, "the %s header is %llu s in the %s; "
	    "the limit is %llu s", header, (unsigned long long)((off + 999) / 1000),
	    past ? "past" : "future", (unsigned long long)(tol / 1000));
	return -1;
}

/* The expected MAC of content under each secret; how many there are. */
static size_t
sig_expected(const struct sig_config *cfg, const struct buf *content,
    unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN])
{
	size_t i, n = 0;

	for (i = 0; i < cfg->nsecrets && i < SIG_MAX_SECRETS; i++) {
		if (cfg->secrets[i].key == NULL || cfg->secrets[i].len == 0)
			continue;
		if (sig_mac(cfg->secrets[i].key, cfg->secrets[i].len, content->data, content->len,
		    macs[n]) == 0)
			n++;
	}
	return n;
}

/* 1 when mac is one of the n expected MACs; compares with every one of them. */
static int
sig_matches(unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN], size_t n,
    const unsigned char mac[SIG_MAC_LEN])
{
	size_t i;
	int ok = 0;

	for (i = 0; i < n; i++)
		ok |= sig_equal(macs[i], mac, SIG_MAC_LEN);
	return ok;
}

/* 1 when mac is content's MAC under one of the secrets; content is freed. */
static int
sig_content_matches(const struct sig_config *cfg, struct buf *content,
    const unsigned char mac[SIG_MAC_LEN])
{
	unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN];
	size_t n = sig_expected(cfg, content, macs);
	int ok = sig_matches(macs, n, mac);

	buf_free(content);
	OPENSSL_cleanse(macs, sizeof(macs));
	return ok;
}

/* Append the body, which may be NULL when empty. */
static void
sig_append_body(struct buf *content, const struct sig_request *rq)
{
	if (rq->body != NULL && rq->len > 0)
		buf_append(content, rq->body, rq->len);
}

/*
 * Walk "v1,<base64> v1,<base64> …": the number of v1 entries that decode to
 * 32 bytes, and through *ok whether one of them is one of the n MACs. Other
 * versions (v1a, the asymmetric one) and entries of another length are
 * skipped. One pass, constant work per character.
 */
static size_t
sig_standard_scan(const char *sig, unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN], size_t n,
    int *ok)
{
	unsigned char mac[SIG_MAC_LEN];
	const char *p = sig;
	size_t len, wellformed = 0;

	*ok = 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len == 3 + SIG_MAC_B64_LEN && strncmp(p, "v1,", 3) == 0 &&
		    sig_base64_decode(p + 3, SIG_MAC_B64_LEN, mac, sizeof(mac)) == SIG_MAC_LEN) {
			wellformed++;
			*ok |= sig_matches(macs, n, mac);
		}
		p += len;
	}
	return wellformed;
}

/* webhook-id, webhook-timestamp and webhook-signature, as Standard Webhooks and Svix send them. */
static int
sig_verify_standard(const struct sig_config *cfg, const struct sig_request *rq,
    struct sig_error *err)
{
	unsigned char macs[SIG_MAX_SECRETS][SIG_MAC_LEN];
	struct buf content = { NULL, 0, 0 };
	const char *id, *ts, *sig;
	size_t i, n;
	int64_t t;
	int ok;

	if ((id = sig_need(rq, "webhook-id", err)) == NULL ||
	    (ts = sig_need(rq, "webhook-timestamp", err)) == NULL ||
	    (sig = sig_need(rq, "webhook-signature", err)) == NULL)
		return -1;
	for (i = 0; id[i] != '\0' && i <= SIG_ID_MAX; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e || id[i] == ',')
			break;
	if (id[i] != '\0' || i > SIG_ID_MAX) {
		sig_fail(err, "signature_malformed", "webhook-id", "the webhook-id header must be "
		    "1 to %d printable ASCII characters without spaces or commas", SIG_ID_MAX);
		return -1;
	}
	if (util_parse_digits(ts, 12, &t) == -1) {
		sig_fail(err, "signature_malformed", "webhook-timestamp",
		    "the webhook-timestamp header must be unix seconds: 1 to 12 digits");
		return -1;
	}
	if (sig_standard_scan(sig, macs, 0, &ok) == 0) {
		sig_fail(err, "signature_malformed", "webhook-signature", "the webhook-signature "
		    "header holds no v1 signature (v1, then the base64 of 32 bytes)");
		return -1;
	}
	if (sig_check_window(cfg, rq, "webhook-timestamp", t * 1000, err) == -1)
		return -1;
	buf_appendf(&content, "%s.%s.", id, ts);
	sig_append_body(&content, rq);
	n = sig_expected(cfg, &content, macs);
	buf_free(&content);
	(void)sig_standard_scan(sig, macs, n, &ok);
	OPENSSL_cleanse(macs, sizeof(macs));
	if (ok)
		return 0;
	sig_fail(err, "signature_invalid", "webhook-signature",
	    "no v1 signature in the webhook-signature header matches this source's secrets");
	return -1;
}

/*
 * The URI as HubSpot signs it: the escapes of : / ? @ ! $ ' ( ) * , ;
 * decoded (either case of hex digit), every other byte as written.
 */
static void
sig_hubspot_uri(const char *url, struct buf *out)
{
	static const char decoded[] = ":/?@!$'()*,;";
	const char *p;
	int hi, lo;
	char c;

	for (p = url; *p != '\0'; p++) {
		if (p[0] == '%' && (hi = util_hex_digit((unsigned char)p[1])) >= 0 &&
		    (lo = util_hex_digit((unsigned char)p[2])) >= 0) {
			c = (char)(hi * 16 + lo);
			if (c != '\0' && strchr(decoded, c) != NULL) {
				buf_append(out, &c, 1);
				p += 2;
				continue;
			}
		}
		buf_append(out, p, 1);
	}
}

/* method + uri + body + timestamp, as HubSpot signs them. */
static void
sig_hubspot_content(const char *method, const char *url, const struct sig_request *rq,
    const char *ts, struct buf *content)
{
	buf_appendf(content, "%s", method != NULL ? method : "");
	sig_hubspot_uri(url != NULL ? url : "", content);
	sig_append_body(content, rq);
	buf_appendf(content, "%s", ts);
}

/* X-HubSpot-Signature-v3 over method, URI, body and X-HubSpot-Request-Timestamp. */
static int
sig_verify_hubspot(const struct sig_config *cfg, const struct sig_request *rq,
    struct sig_error *err)
{
	static const char sh[] = "X-HubSpot-Signature-v3", th[] = "X-HubSpot-Request-Timestamp";
	unsigned char mac[SIG_MAC_LEN];
	struct buf content = { NULL, 0, 0 };
	const char *sig, *ts;
	int64_t t;

	if ((sig = sig_need(rq, sh, err)) == NULL || (ts = sig_need(rq, th, err)) == NULL)
		return -1;
	if (sig_base64_decode(sig, strlen(sig), mac, sizeof(mac)) != SIG_MAC_LEN) {
		sig_fail(err, "signature_malformed", sh,
		    "the %s header must be the base64 of 32 bytes", sh);
		return -1;
	}
	if (util_parse_digits(ts, 15, &t) == -1) {
		sig_fail(err, "signature_malformed", th,
		    "the %s header must be epoch milliseconds: 1 to 15 digits", th);
		return -1;
	}
	if (sig_check_window(cfg, rq, th, t, err) == -1)
		return -1;
	sig_hubspot_content(rq->method, rq->url, rq, ts, &content);
	if (sig_content_matches(cfg, &content, mac))
		return 0;
	sig_fail(err, "signature_invalid", sh, "the %s header does not match this source's "
	    "secrets over the method, URL, body and timestamp", sh);
	return -1;
}

/* The hex MAC in cfg->header over the body, or over "<ts>.<body>" with a timestamp header. */
static int
sig_verify_hex(const struct sig_config *cfg, const struct sig_request *rq, struct sig_error *err)
{
	unsigned char mac[SIG_MAC_LEN];
	const char *hh = cfg->header, *th = cfg->timestamp_header, *sig, *ts = NULL;
	struct buf content = { NULL, 0, 0 };
	int64_t t;

	if (hh == NULL || hh[0] == '\0') {
		sig_fail(err, "signature_missing", NULL,
		    "no signature header is configured for this source");
		return -1;
	}
	if (th != NULL && th[0] == '\0')
		th = NULL;
	if ((sig = sig_need(rq, hh, err)) == NULL ||
	    (th != NULL && (ts = sig_need(rq, th, err)) == NULL))
		return -1;
	if (strncasecmp(sig, "sha256=", 7) == 0)
		sig += 7;
	if (util_hex_decode(sig, mac, SIG_MAC_LEN) == -1) {
		sig_fail(err, "signature_malformed", hh,
		    "the %s header must be 64 hex digits, optionally after sha256=", hh);
		return -1;
	}
	if (ts != NULL) {
		if (util_parse_digits(ts, 12, &t) == -1) {
			sig_fail(err, "signature_malformed", th,
			    "the %s header must be unix seconds: 1 to 12 digits", th);
			return -1;
		}
		if (sig_check_window(cfg, rq, th, t * 1000, err) == -1)
			return -1;
		buf_appendf(&content, "%s.", ts);
	}
	sig_append_body(&content, rq);
	if (sig_content_matches(cfg, &content, mac))
		return 0;
	sig_fail(err, "signature_invalid", hh,
	    "the %s header does not match this source's secrets", hh);
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
	sig_fail(err, "signature_invalid", NULL, "this source's signature scheme is unknown");
	return -1;
}

/* Set *cause (when wanted) and fail. */
static int
sig_cause(char **cause, const char *text)
{
	if (cause != NULL)
		*cause = xstrdup(text);
	return -1;
}

int
sig_secret_parse(enum sig_scheme scheme, const char *text, struct sig_secret *out, char **cause)
{
	unsigned char key[SIG_KEY_MAX];
	size_t len;
	int n;

	out->key = NULL;
	out->len = 0;
	if (text == NULL)
		return sig_cause(cause, "a signing secret is required");
	if (scheme == SIG_STANDARD) {
		if (strncmp(text, "whsec_", 6) != 0)
			return sig_cause(cause, "a Standard Webhooks secret starts with whsec_");
		n = sig_base64_decode(text + 6, strlen(text + 6), key, sizeof(key));
		if (n < 1)
			return sig_cause(cause,
			    "after whsec_ must come the base64 of 1 to 64 bytes");
		out->key = xmalloc((size_t)n);
		memcpy(out->key, key, (size_t)n);
		out->len = (size_t)n;
		OPENSSL_cleanse(key, sizeof(key));
		return 0;
	}
	if ((len = strlen(text)) < 16)
		return sig_cause(cause, "a signing secret must be at least 16 bytes");
	out->key = xmalloc(len);
	memcpy(out->key, text, len);
	out->len = len;
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
sig_sign_hubspot_v3(const struct sig_secret *s, const char *method, const char *url,
    const void *body, size_t len, int64_t ts_ms)
{
	struct sig_request rq = { method, url, body, len, NULL, NULL, 0 };
	struct buf content = { NULL, 0, 0 };
	unsigned char mac[SIG_MAC_LEN];
	char ts[24];

	snprintf(ts, sizeof(ts), "%lld", (long long)ts_ms);
	sig_hubspot_content(method, url, &rq, ts, &content);
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

	if (ts != NULL)
		buf_appendf(&content, "%s.", ts);
	if (body != NULL && len > 0)
		buf_append(&content, body, len);
	sig_hmac_sha256(s->key, s->len, content.data, content.len, mac);
	buf_free(&content);
	util_hex_encode(mac, SIG_MAC_LEN, out);
	return out;
}
