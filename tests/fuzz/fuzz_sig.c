/* fuzz_sig.c — signature headers: any header values and body, every scheme. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadroute/sig.h"

/* The input is split at NUL bytes: three header values, then the body. */
struct fuzz_headers {
	const char	*v[3];
};

static const char *
fuzz_header(void *arg, const char *name)
{
	struct fuzz_headers *h = arg;

	if (strcasecmp(name, "webhook-id") == 0 || strcasecmp(name, "X-Signature") == 0)
		return h->v[0];
	if (strcasecmp(name, "webhook-timestamp") == 0 ||
	    strcasecmp(name, "X-HubSpot-Request-Timestamp") == 0 ||
	    strcasecmp(name, "X-Timestamp") == 0)
		return h->v[1];
	return h->v[2];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sig_scheme schemes[] = { SIG_STANDARD, SIG_HUBSPOT_V3, SIG_HMAC_HEX };
	char *copy = malloc(size + 1), *p, *end;
	struct fuzz_headers h = { { "", "", "" } };
	struct sig_config cfg;
	struct sig_request rq;
	struct sig_error err;
	char *cause = NULL;
	size_t i;

	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	for (i = 0; i < 3 && p < end; i++) {
		h.v[i] = p;
		p += strlen(p) + 1;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.scheme = schemes[i];
		cfg.header = "X-Signature";
		cfg.timestamp_header = i == 2 && size % 2 ? "X-Timestamp" : NULL;
		if (sig_secret_parse(cfg.scheme, cfg.scheme == SIG_STANDARD ?
		    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" : "a-fuzzing-secret-0123456789",
		    &cfg.secrets[0], &cause) != 0)
			abort();
		cfg.nsecrets = 1;
		rq.method = "POST";
		rq.url = h.v[0];
		rq.body = p < end ? (const unsigned char *)p : NULL;
		rq.len = p < end ? (size_t)(end - p) : 0;
		rq.header = fuzz_header;
		rq.arg = &h;
		rq.now_ms = 1614265330000LL;
		(void)sig_verify(&cfg, &rq, &err);
		sig_secret_free(&cfg.secrets[0]);
	}
	free(copy);
	return 0;
}
