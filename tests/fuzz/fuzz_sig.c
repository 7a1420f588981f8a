/*
 * fuzz_sig.c — signature checks: any header values, URL and body, every
 * scheme. The input is split at its first three NUL bytes: three header
 * values, then the body (not NUL-terminated). The first value doubles as the
 * URL. The input's length picks the variations (a timestamp header for
 * hmac_sha256, empty values as absent headers, one or two secrets).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadroute/sig.h"

struct fuzz_headers {
	const char	*v[3];
	int		 empty_absent;
};

static const char *
fuzz_value(const struct fuzz_headers *h, size_t i)
{
	return h->empty_absent && h->v[i][0] == '\0' ? NULL : h->v[i];
}

/* Ids and hex signatures from the first value, timestamps from the second, the rest from the third. */
static const char *
fuzz_header(void *arg, const char *name)
{
	const struct fuzz_headers *h = arg;

	if (strcasecmp(name, "webhook-id") == 0 || strcasecmp(name, "X-Signature") == 0)
		return fuzz_value(h, 0);
	if (strcasecmp(name, "webhook-timestamp") == 0 ||
	    strcasecmp(name, "X-HubSpot-Request-Timestamp") == 0 ||
	    strcasecmp(name, "X-Timestamp") == 0)
		return fuzz_value(h, 1);
	return fuzz_value(h, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The secrets that signed the seeds in tests/fuzz/corpus/sig/. */
	static const struct {
		enum sig_scheme	 scheme;
		const char	*secrets[2];
	} runs[] = {
		{ SIG_STANDARD, { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		    "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=" } },
		{ SIG_HUBSPOT_V3, { "hubspot-app-client-secret", "a-fuzzing-secret-0123456789" } },
		{ SIG_HMAC_HEX, { "a-fuzzing-secret-0123456789", "marketo-shared-secret-0001" } },
	};
	struct fuzz_headers h = { { "", "", "" }, (size & 2) != 0 };
	struct sig_config cfg;
	struct sig_request rq;
	struct sig_error err;
	char *copy, *p, *end, *cause = NULL;
	unsigned char *body = NULL;
	size_t i, j, len = 0;

	if ((copy = malloc(size + 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	for (i = 0; i < 3 && p < end; i++) {
		h.v[i] = p;
		p += strlen(p) + 1;
	}
	/* The body on its own, exactly len bytes, so ASan sees any read past it. */
	if (p < end && (body = malloc((len = (size_t)(end - p)))) != NULL)
		memcpy(body, p, len);
	else
		len = 0;
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		memset(&cfg, 0, sizeof(cfg));
		cfg.scheme = runs[i].scheme;
		cfg.header = "X-Signature";
		cfg.timestamp_header = (size & 1) != 0 ? "X-Timestamp" : NULL;
		cfg.tolerance_ms = (size & 4) != 0 ? 1000 : 0;
		cfg.nsecrets = (size & 8) != 0 ? 1 : 2;
		for (j = 0; j < cfg.nsecrets; j++)
			if (sig_secret_parse(cfg.scheme, runs[i].secrets[j], &cfg.secrets[j],
			    &cause) != 0)
				abort();
		memset(&rq, 0, sizeof(rq));
		rq.method = "POST";
		rq.url = h.v[0];
		rq.body = body;
		rq.len = len;
		rq.header = fuzz_header;
		rq.arg = &h;
		rq.now_ms = 1614265330000LL;
		if (sig_verify(&cfg, &rq, &err) == -1 && (err.status != 401 || err.code == NULL))
			abort();
		for (j = 0; j < cfg.nsecrets; j++)
			sig_secret_free(&cfg.secrets[j]);
	}
	free(body);
	free(copy);
	return 0;
}
