/* sig.h — verifying inbound webhook signatures: Standard Webhooks, HubSpot v3, HMAC-SHA256. */
#ifndef LEADROUTE_SIG_H
#define LEADROUTE_SIG_H

#include <stddef.h>
#include <stdint.h>

#define SIG_MAX_SECRETS		2		/* two live secrets during rotation */
#define SIG_TOLERANCE_MS	(5 * 60 * 1000)	/* default timestamp window, either side */

enum sig_scheme {
	SIG_NONE,		/* nothing to verify (the caller authenticates otherwise) */
	SIG_STANDARD,		/* Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature */
	SIG_HUBSPOT_V3,		/* X-HubSpot-Signature-v3 + X-HubSpot-Request-Timestamp */
	SIG_HMAC_HEX,		/* HMAC-SHA256 of the body, hex, in a named header */
};

struct sig_secret {
	unsigned char	*key;	/* the key bytes the HMAC uses (malloc'd) */
	size_t		 len;
};

struct sig_config {
	enum sig_scheme		 scheme;
	struct sig_secret	 secrets[SIG_MAX_SECRETS];	/* any one may match */
	size_t			 nsecrets;
	const char		*header;		/* SIG_HMAC_HEX: the signature header's name */
	const char		*timestamp_header;	/* SIG_HMAC_HEX: optional: "<ts>.<body>" is signed */
	int64_t			 tolerance_ms;		/* 0: SIG_TOLERANCE_MS */
};

/* Look up a request header by name, case-insensitively; NULL when absent. */
typedef const char *sig_header_fn(void *arg, const char *name);

struct sig_request {
	const char		*method;	/* "POST" */
	const char		*url;		/* what the sender signed: scheme://host/path?query */
	const unsigned char	*body;		/* not NUL-terminated */
	size_t			 len;
	sig_header_fn		*header;
	void			*arg;
	int64_t			 now_ms;	/* epoch ms */
};

/* Why a request was refused; status is always 401. */
struct sig_error {
	int		 status;
	const char	*code;		/* signature_missing, _malformed, _expired or _invalid */
	const char	*header;	/* the header at fault, or NULL */
	char		 message[256];	/* one sentence; never a secret or a signature */
};

/*
 * 0 when one of cfg's secrets signed the request; -1 and err otherwise
 * (err is cleared first). SIG_NONE: 0. Checks run in the order missing,
 * malformed, timestamp window, HMAC, and the first failure is reported.
 * Header values are borrowed for the call only. Nothing is kept, so one cfg
 * may serve many threads.
 */
int sig_verify(const struct sig_config *cfg, const struct sig_request *rq, struct sig_error *err);

/*
 * A secret as written in the config, decoded for scheme: SIG_STANDARD takes
 * "whsec_" and base64 (1-64 bytes once decoded); the others take the text's
 * bytes (16 at least). 0, or -1 with *cause (malloc'd).
 */
int sig_secret_parse(enum sig_scheme scheme, const char *text, struct sig_secret *out,
    char **cause);
void sig_secret_free(struct sig_secret *secret);

/*
 * Decode len characters of standard, padded base64 (at most 88) into out,
 * which has room for cap bytes: the number of bytes, or -1 when it is not
 * base64 or does not fit.
 */
int sig_base64_decode(const char *s, size_t len, unsigned char *out, size_t cap);

/* "standard_webhooks", "hubspot_v3", "hmac_sha256", "none" → the scheme; -1 if unknown. */
int sig_scheme_from_name(const char *name);
const char *sig_scheme_name(enum sig_scheme scheme);

/*
 * HMAC-SHA256 (32 bytes out; -1 and out zeroed if OpenSSL fails), and a
 * constant-time comparison (1 when equal).
 */
int sig_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
    unsigned char out[32]);
int sig_equal(const void *a, const void *b, size_t len);

/*
 * What a sender puts in its signature header (malloc'd), for tests and tools:
 * HubSpot v3 base64 over method + uri + body + ts_ms (uri normalized as
 * HubSpot does); HMAC hex over the body, or over "<ts>.<body>" when ts is set.
 * (Standard Webhooks signatures are webhook_sign's, as notifications send them.)
 */
char *sig_sign_hubspot_v3(const struct sig_secret *s, const char *method, const char *url,
    const void *body, size_t len, int64_t ts_ms);
char *sig_sign_hmac_hex(const struct sig_secret *s, const char *ts, const void *body, size_t len);

#endif
