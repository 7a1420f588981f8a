/* test_sig.c — inbound webhook signatures: Standard Webhooks, HubSpot v3, HMAC hex. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadroute/sig.h"
#include "leadroute/util.h"
#include "leadroute/webhook.h"

#include "check_suites.h"

/* 2021-02-25T15:02:10Z: the Standard Webhooks example's timestamp, in ms. */
#define NOW_MS	1614265330000LL

/* The Standard Webhooks spec's own example. */
static const char SPEC_SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char SPEC_ID[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char SPEC_TS[] = "1614265330";
static const char SPEC_BODY[] = "{\"test\": 2432232314}";
static const char SPEC_SIG[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
/* base64 of "second-secret-for-rotation". */
static const char OTHER_SECRET[] = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";

static const char HS_SECRET[] = "hubspot-app-client-secret";
static const char HS_OTHER[] = "hubspot-previous-client-secret";
static const char HS_BODY[] = "{\"email\":\"ana@example.com\"}";
static const char HS_TS[] = "1614265330000";
/* Python: base64(hmac(secret, "POST" + url with %3A, %2F decoded + body + ts)). */
static const char HS_URL[] = "https://www.example.com/webhook?portal=62515%3Aa%2Fb";
static const char HS_SIG[] = "7lHPKTZHrpzCL5Q30rNrWVNkFJT1Ky1r6ShdliOCgkE=";

static const char HEX_SECRET[] = "marketo-shared-secret-0001";
static const char HEX_OTHER[] = "marketo-shared-secret-0000";
/* Python: hmac(secret, HS_BODY).hexdigest(), and over "1614265330." + HS_BODY. */
static const char HEX_SIG[] = "84563d8e9173c66a4f20dd7707b84dbbf4aeb2bd62bb4865e37ae5dd8cd7a906";
static const char HEX_TS_SIG[] =
    "5b3baa9aaefb2db6630c9d08f9b2f5abff47bc6599a924b1d16212a80bed8155";

/* A request's headers as name, value pairs; a NULL value is an absent header. */
struct hdrs {
	const char	*kv[16];
};

static const char *
hdr(void *arg, const char *name)
{
	struct hdrs *h = arg;
	size_t i;

	for (i = 0; i < LR_NELEM(h->kv) && h->kv[i] != NULL; i += 2)
		if (strcasecmp(h->kv[i], name) == 0)
			return h->kv[i + 1];
	return NULL;
}

/* A config of scheme with one or two secrets as written in the config file. */
static struct sig_config
config(enum sig_scheme scheme, const char *s1, const char *s2)
{
	struct sig_config c;
	char *cause = NULL;

	memset(&c, 0, sizeof(c));
	c.scheme = scheme;
	ck_assert_int_eq(sig_secret_parse(scheme, s1, &c.secrets[c.nsecrets++], &cause), 0);
	if (s2 != NULL)
		ck_assert_int_eq(sig_secret_parse(scheme, s2, &c.secrets[c.nsecrets++], &cause), 0);
	if (scheme == SIG_HMAC_HEX)
		c.header = "X-Signature";
	return c;
}

static void
config_free(struct sig_config *c)
{
	size_t i;

	for (i = 0; i < c->nsecrets; i++)
		sig_secret_free(&c->secrets[i]);
}

/* A Standard Webhooks signature as senders (and our own notifications) make it (malloc'd). */
static char *
standard_sig(const struct sig_secret *s, const char *id, int64_t ts, const char *body, size_t len)
{
	char sig[WEBHOOK_SIG_LEN];

	webhook_sign(s->key, s->len, id, ts, body, len, sig);
	return xstrdup(sig);
}

static int
verify(const struct sig_config *c, struct hdrs *h, const char *url, const char *body,
    int64_t now, struct sig_error *err)
{
	struct sig_request rq = { "POST", url, (const unsigned char *)body, strlen(body), hdr, h,
	    now };

	return sig_verify(c, &rq, err);
}

/* The spec example's headers with sig as webhook-signature. */
static struct hdrs
standard(const char *sig)
{
	struct hdrs h = { { "webhook-id", SPEC_ID, "webhook-timestamp", SPEC_TS,
	    "webhook-signature", sig, NULL } };

	return h;
}

static struct hdrs
hubspot(const char *sig, const char *ts)
{
	struct hdrs h = { { "X-HubSpot-Signature-v3", sig, "X-HubSpot-Request-Timestamp", ts,
	    NULL } };

	return h;
}

static struct hdrs
hex(const char *sig, const char *ts)
{
	struct hdrs h = { { "X-Signature", sig, "X-Timestamp", ts, NULL } };

	return h;
}

/* Verify a Standard Webhooks request with the spec's id, timestamp and body. */
static int
verify_standard(const char *secret2, const char *sig, int64_t now, struct sig_error *err)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, secret2);
	struct hdrs h = standard(sig);
	int rc = verify(&c, &h, "", SPEC_BODY, now, err);

	config_free(&c);
	return rc;
}

/* The failure must be code, for header, with exactly message. */
static void
assert_error(const struct sig_error *err, const char *code, const char *header,
    const char *message)
{
	ck_assert_int_eq(err->status, 401);
	ck_assert_str_eq(err->code, code);
	if (header == NULL)
		ck_assert_ptr_null(err->header);
	else
		ck_assert_str_eq(err->header, header);
	ck_assert_str_eq(err->message, message);
}

/* Standard Webhooks */

START_TEST(test_sig_standard_accepts_the_spec_example)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, SPEC_SIG, NOW_MS, &err), 0);
}
END_TEST

START_TEST(test_sig_standard_refuses_a_changed_body)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", "{\"test\": 2432232315}", NOW_MS, &err), -1);
	assert_error(&err, "signature_invalid", "webhook-signature",
	    "no v1 signature in the webhook-signature header matches this source's secrets");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_signs_the_id_and_timestamp)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs other_id = standard(SPEC_SIG), other_ts = standard(SPEC_SIG);
	struct sig_error err;

	other_id.kv[1] = "msg_p5jXN8AQM9LWM0D4loKWxJeK";
	other_ts.kv[3] = "1614265331";
	ck_assert_int_eq(verify(&c, &other_id, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	ck_assert_int_eq(verify(&c, &other_ts, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_reports_a_missing_signature_header)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, NULL, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "webhook-signature",
	    "the webhook-signature header is missing");
}
END_TEST

START_TEST(test_sig_standard_reports_the_first_missing_header)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = { { "webhook-signature", SPEC_SIG, NULL } };
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "webhook-id", "the webhook-id header is missing");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_treats_an_empty_header_as_missing)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;

	h.kv[3] = "";
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "webhook-timestamp",
	    "the webhook-timestamp header is empty");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_refuses_a_timestamp_too_old)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, SPEC_SIG, NOW_MS + 412000, &err), -1);
	assert_error(&err, "signature_expired", "webhook-timestamp",
	    "the webhook-timestamp header is 412 s in the past; the limit is 300 s");
}
END_TEST

START_TEST(test_sig_standard_refuses_a_timestamp_in_the_future)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, SPEC_SIG, NOW_MS - 301000, &err), -1);
	assert_error(&err, "signature_expired", "webhook-timestamp",
	    "the webhook-timestamp header is 301 s in the future; the limit is 300 s");
}
END_TEST

START_TEST(test_sig_standard_accepts_the_edges_of_the_window)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, SPEC_SIG, NOW_MS + 300000, &err), 0);
	ck_assert_int_eq(verify_standard(NULL, SPEC_SIG, NOW_MS - 300000, &err), 0);
	ck_assert_int_eq(verify_standard(NULL, SPEC_SIG, NOW_MS + 300001, &err), -1);
	ck_assert_str_eq(err.message,
	    "the webhook-timestamp header is 301 s in the past; the limit is 300 s");
}
END_TEST

START_TEST(test_sig_standard_uses_the_configured_tolerance)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;

	c.tolerance_ms = 60000;
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS + 60000, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS + 61000, &err), -1);
	assert_error(&err, "signature_expired", "webhook-timestamp",
	    "the webhook-timestamp header is 61 s in the past; the limit is 60 s");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_refuses_a_timestamp_that_is_not_digits)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	const char *bad[] = { "16142653x0", "-1614265330", "1614265330.5", " 1614265330",
	    "1614265330000" };
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		h.kv[3] = bad[i];
		ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
		assert_error(&err, "signature_malformed", "webhook-timestamp",
		    "the webhook-timestamp header must be unix seconds: 1 to 12 digits");
	}
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_refuses_a_bad_webhook_id)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	const char *bad[] = { "msg 1", "msg,1", "msg\t1", "msg_\xc3\xa9" };
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		h.kv[1] = bad[i];
		ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
		assert_error(&err, "signature_malformed", "webhook-id", "the webhook-id header "
		    "must be 1 to 255 printable ASCII characters without spaces or commas");
	}
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_allows_a_webhook_id_of_255_characters)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = standard(NULL);
	struct sig_error err;
	char id[257], *s;

	memset(id, 'a', 256);
	id[255] = '\0';
	s = standard_sig(&c.secrets[0], id, 1614265330, SPEC_BODY, strlen(SPEC_BODY));
	h.kv[1] = id;
	h.kv[5] = s;
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), 0);
	id[255] = 'a';
	id[256] = '\0';
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	free(s);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_accepts_the_second_secret)
{
	struct sig_error err;

	/* Rotation: the new secret first, the old one (which signed) still live. */
	ck_assert_int_eq(verify_standard(OTHER_SECRET, SPEC_SIG, NOW_MS, &err), 0);
}
END_TEST

START_TEST(test_sig_standard_refuses_when_neither_secret_signed)
{
	struct sig_config c = config(SIG_STANDARD, OTHER_SECRET, "whsec_dGhpcmQtc2VjcmV0");
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_finds_the_valid_entry_last_of_100)
{
	struct sig_config other = config(SIG_STANDARD, OTHER_SECRET, NULL);
	char *wrong = standard_sig(&other.secrets[0], SPEC_ID, 1614265330, SPEC_BODY,
	    strlen(SPEC_BODY));
	struct buf header = { NULL, 0, 0 };
	struct sig_error err;
	int i;

	for (i = 0; i < 99; i++)
		buf_appendf(&header, "%s ", wrong);
	buf_appendf(&header, "%s", SPEC_SIG);
	ck_assert_int_eq(verify_standard(NULL, header.data, NOW_MS, &err), 0);
	buf_free(&header);
	free(wrong);
	config_free(&other);
}
END_TEST

START_TEST(test_sig_standard_refuses_100_invalid_entries)
{
	struct sig_config other = config(SIG_STANDARD, OTHER_SECRET, NULL);
	char *wrong = standard_sig(&other.secrets[0], SPEC_ID, 1614265330, SPEC_BODY,
	    strlen(SPEC_BODY));
	struct buf header = { NULL, 0, 0 };
	struct sig_error err;
	int i;

	for (i = 0; i < 100; i++)
		buf_appendf(&header, "%s%s", i > 0 ? " " : "", wrong);
	ck_assert_int_eq(verify_standard(NULL, header.data, NOW_MS, &err), -1);
	/* The message names the header, never a signature. */
	assert_error(&err, "signature_invalid", "webhook-signature",
	    "no v1 signature in the webhook-signature header matches this source's secrets");
	buf_free(&header);
	free(wrong);
	config_free(&other);
}
END_TEST

START_TEST(test_sig_standard_ignores_a_v1a_entry)
{
	struct sig_error err;

	/* The right bytes under another version do not count... */
	ck_assert_int_eq(verify_standard(NULL, "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	/* ...and do not stop a v1 entry after them from matching. */
	ck_assert_int_eq(verify_standard(NULL, "v1a,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOL"
	    "J1OE=", NOW_MS, &err), 0);
}
END_TEST

START_TEST(test_sig_standard_reports_malformed_base64)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
	    NOW_MS, &err), -1);
	assert_error(&err, "signature_malformed", "webhook-signature", "the webhook-signature "
	    "header holds no v1 signature (v1, then the base64 of 32 bytes)");
	ck_assert_int_eq(verify_standard(NULL, "v1,!!!! v1,AAAA v1, v2,abc", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
}
END_TEST

START_TEST(test_sig_standard_skips_bad_base64_beside_a_good_entry)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, "v1,!!!!  v1,AAAA   v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3"
	    "uFJELVlNIOLJ1OE= ", NOW_MS, &err), 0);
	/* A well-formed entry beside junk: the junk does not make it malformed. */
	ck_assert_int_eq(verify_standard(NULL, "v1,!!!! v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAA=", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
}
END_TEST

START_TEST(test_sig_standard_reports_malformed_before_expired)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, "v1,AAAA", NOW_MS + 3600000, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
}
END_TEST

START_TEST(test_sig_standard_reports_expired_before_invalid)
{
	struct sig_error err;

	ck_assert_int_eq(verify_standard(NULL, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	    NOW_MS + 3600000, &err), -1);
	ck_assert_str_eq(err.code, "signature_expired");
}
END_TEST

START_TEST(test_sig_standard_reads_no_further_than_len)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;
	unsigned char *body = xmalloc(strlen(SPEC_BODY));
	struct sig_request rq = { "POST", "", body, strlen(SPEC_BODY), hdr, &h, NOW_MS };

	/* Exactly the body's bytes, no NUL after them (ASan catches an overread). */
	memcpy(body, SPEC_BODY, strlen(SPEC_BODY));
	ck_assert_int_eq(sig_verify(&c, &rq, &err), 0);
	rq.len--;
	ck_assert_int_eq(sig_verify(&c, &rq, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	free(body);
	config_free(&c);
}
END_TEST

/* HubSpot v3 */

START_TEST(test_sig_hubspot_v3_signs_as_hubspot_does)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	char *s = sig_sign_hubspot_v3(&c.secrets[0], "POST", HS_URL, HS_BODY, strlen(HS_BODY),
	    1614265330000LL);

	ck_assert_str_eq(s, HS_SIG);
	free(s);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_accepts_a_valid_request)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_decodes_colon_and_slash_escapes)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_error err;

	/* The same URI once decoded: written plainly, or with lower-case hex. */
	ck_assert_int_eq(verify(&c, &h, "https://www.example.com/webhook?portal=62515:a/b",
	    HS_BODY, NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "https://www.example.com/webhook?portal=62515%3aa%2fb",
	    HS_BODY, NOW_MS, &err), 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_keeps_other_escapes)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot("UTbM5uDgJlDcP1dlAM4wESMoV57UPfHO3b7U0i7d+HM=", HS_TS);
	const char *url = "https://www.example.com/webhook?name=Jane%20Doe";
	struct sig_error err;
	char *s;

	/* Python, over "...?name=Jane%20Doe" with the %20 as written. */
	s = sig_sign_hubspot_v3(&c.secrets[0], "POST", url, HS_BODY, strlen(HS_BODY),
	    1614265330000LL);
	ck_assert_str_eq(s, h.kv[1]);
	ck_assert_int_eq(verify(&c, &h, url, HS_BODY, NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "https://www.example.com/webhook?name=Jane Doe", HS_BODY,
	    NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	free(s);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_decodes_exactly_the_listed_escapes)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	char *s = sig_sign_hubspot_v3(&c.secrets[0], "POST",
	    "https://h/p?q=%3a%2f%3F%40%21%24%27%28%29%2A%2C%3B%25%26%3D", HS_BODY, strlen(HS_BODY),
	    1614265330000LL);

	/* Python, over "https://h/p?q=:/?@!$'()*,;%25%26%3D". */
	ck_assert_str_eq(s, "ZyJ41G5xhqfFzeUy0EpMT5Z3gD6j86kXFni3mGJspos=");
	free(s);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_signs_the_method)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_request rq = { "PUT", HS_URL, (const unsigned char *)HS_BODY, strlen(HS_BODY),
	    hdr, &h, NOW_MS };
	struct sig_error err;

	ck_assert_int_eq(sig_verify(&c, &rq, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_refuses_a_changed_body)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, "{\"email\":\"bob@example.com\"}", NOW_MS, &err),
	    -1);
	assert_error(&err, "signature_invalid", "X-HubSpot-Signature-v3", "the "
	    "X-HubSpot-Signature-v3 header does not match this source's secrets over the method, "
	    "URL, body and timestamp");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_reports_a_missing_signature)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(NULL, HS_TS);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "X-HubSpot-Signature-v3",
	    "the X-HubSpot-Signature-v3 header is missing");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_reports_a_missing_timestamp)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, NULL);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "X-HubSpot-Request-Timestamp",
	    "the X-HubSpot-Request-Timestamp header is missing");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_refuses_a_request_older_than_5_minutes)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS + 300000, &err), 0);
	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS + 300001, &err), -1);
	assert_error(&err, "signature_expired", "X-HubSpot-Request-Timestamp", "the "
	    "X-HubSpot-Request-Timestamp header is 301 s in the past; the limit is 300 s");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_refuses_a_request_from_the_future)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS - 600000, &err), -1);
	assert_error(&err, "signature_expired", "X-HubSpot-Request-Timestamp", "the "
	    "X-HubSpot-Request-Timestamp header is 600 s in the future; the limit is 300 s");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_refuses_a_timestamp_that_is_not_digits)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	struct hdrs h = hubspot(HS_SIG, "1614265330000000");
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_malformed", "X-HubSpot-Request-Timestamp", "the "
	    "X-HubSpot-Request-Timestamp header must be epoch milliseconds: 1 to 15 digits");
	h.kv[3] = "1614265330000ms";
	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_refuses_a_signature_that_is_not_base64)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	const char *bad[] = { "not base64", "7lHPKTZHrpzCL5Q30rNrWVNkFJT1Ky1r6ShdliOCgkE",
	    "AAAA", "7lHPKTZHrpzCL5Q30rNrWVNkFJT1Ky1r6ShdliOCgkE=AAAA" };
	struct hdrs h = hubspot(NULL, HS_TS);
	struct sig_error err;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		h.kv[1] = bad[i];
		ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), -1);
		assert_error(&err, "signature_malformed", "X-HubSpot-Signature-v3",
		    "the X-HubSpot-Signature-v3 header must be the base64 of 32 bytes");
	}
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hubspot_v3_accepts_the_second_secret)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_OTHER, HS_SECRET);
	struct sig_config neither = config(SIG_HUBSPOT_V3, HS_OTHER, "yet-another-client-secret");
	struct hdrs h = hubspot(HS_SIG, HS_TS);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, HS_URL, HS_BODY, NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&neither, &h, HS_URL, HS_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	config_free(&c);
	config_free(&neither);
}
END_TEST

START_TEST(test_sig_hubspot_v3_round_trips_an_empty_url_and_body)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, HS_SECRET, NULL);
	char *s = sig_sign_hubspot_v3(&c.secrets[0], "POST", "", NULL, 0, 1614265330000LL);
	struct hdrs h = hubspot(s, HS_TS);
	struct sig_request rq = { "POST", "", NULL, 0, hdr, &h, NOW_MS };
	struct sig_error err;

	ck_assert_int_eq(sig_verify(&c, &rq, &err), 0);
	free(s);
	config_free(&c);
}
END_TEST

/* HMAC-SHA256 hex */

START_TEST(test_sig_hmac_hex_signs_as_python_does)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	char *plain = sig_sign_hmac_hex(&c.secrets[0], NULL, HS_BODY, strlen(HS_BODY));
	char *stamped = sig_sign_hmac_hex(&c.secrets[0], "1614265330", HS_BODY, strlen(HS_BODY));

	ck_assert_str_eq(plain, HEX_SIG);
	ck_assert_str_eq(stamped, HEX_TS_SIG);
	free(plain);
	free(stamped);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_accepts_a_valid_request)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_SIG, NULL);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_accepts_upper_case_digits)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(NULL, NULL);
	struct sig_error err;
	char upper[65];
	size_t i;

	for (i = 0; i < sizeof(upper); i++)
		upper[i] = (char)toupper((unsigned char)HEX_SIG[i]);
	h.kv[1] = upper;
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_accepts_a_sha256_prefix)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex("sha256="
	    "84563d8e9173c66a4f20dd7707b84dbbf4aeb2bd62bb4865e37ae5dd8cd7a906", NULL);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_refuses_a_changed_body)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_SIG, NULL);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", "{\"email\":\"ana@example.org\"}", NOW_MS, &err), -1);
	assert_error(&err, "signature_invalid", "X-Signature",
	    "the X-Signature header does not match this source's secrets");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_reports_a_missing_header)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(NULL, NULL);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "X-Signature",
	    "the X-Signature header is missing");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_refuses_anything_but_64_hex_digits)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	const char *bad[] = {
		"84563d8e9173c66a4f20dd7707b84dbbf4aeb2bd62bb4865e37ae5dd8cd7a90",
		"84563d8e9173c66a4f20dd7707b84dbbf4aeb2bd62bb4865e37ae5dd8cd7a9060",
		"84563d8e9173c66a4f20dd7707b84dbbf4aeb2bd62bb4865e37ae5dd8cd7a90g",
		"sha1=84563d8e9173c66a4f20dd7707b84dbbf4aeb2bd62bb4865e37ae5dd8cd7a906",
		"sha256=",
	};
	struct hdrs h = hex(NULL, NULL);
	struct sig_error err;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		h.kv[1] = bad[i];
		ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), -1);
		assert_error(&err, "signature_malformed", "X-Signature",
		    "the X-Signature header must be 64 hex digits, optionally after sha256=");
	}
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_accepts_the_second_secret)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_OTHER, HEX_SECRET);
	struct sig_config neither = config(SIG_HMAC_HEX, HEX_OTHER, "marketo-shared-secret-0002");
	struct hdrs h = hex(HEX_SIG, NULL);
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&neither, &h, "", HS_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	config_free(&c);
	config_free(&neither);
}
END_TEST

START_TEST(test_sig_hmac_hex_with_a_timestamp_signs_it)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_TS_SIG, "1614265330");
	struct sig_error err;

	c.timestamp_header = "X-Timestamp";
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), 0);
	/* The body alone's MAC no longer does. */
	h.kv[1] = HEX_SIG;
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_with_a_timestamp_requires_it)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_TS_SIG, NULL);
	struct sig_error err;

	c.timestamp_header = "X-Timestamp";
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", "X-Timestamp", "the X-Timestamp header is missing");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_with_a_timestamp_refuses_an_old_one)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_TS_SIG, "1614265330");
	struct sig_error err;

	c.timestamp_header = "X-Timestamp";
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS + 412000, &err), -1);
	assert_error(&err, "signature_expired", "X-Timestamp",
	    "the X-Timestamp header is 412 s in the past; the limit is 300 s");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_with_a_timestamp_refuses_a_future_one)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_TS_SIG, "1614265330");
	struct sig_error err;

	c.timestamp_header = "X-Timestamp";
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS - 412000, &err), -1);
	assert_error(&err, "signature_expired", "X-Timestamp",
	    "the X-Timestamp header is 412 s in the future; the limit is 300 s");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_with_a_timestamp_refuses_one_in_ms)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_TS_SIG, "1614265330000");
	struct sig_error err;

	c.timestamp_header = "X-Timestamp";
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_malformed", "X-Timestamp",
	    "the X-Timestamp header must be unix seconds: 1 to 12 digits");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_without_a_header_name_refuses)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	struct hdrs h = hex(HEX_SIG, NULL);
	struct sig_error err;

	c.header = NULL;
	ck_assert_int_eq(verify(&c, &h, "", HS_BODY, NOW_MS, &err), -1);
	assert_error(&err, "signature_missing", NULL,
	    "no signature header is configured for this source");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_round_trips_an_empty_body)
{
	struct sig_config c = config(SIG_HMAC_HEX, HEX_SECRET, NULL);
	char *s = sig_sign_hmac_hex(&c.secrets[0], NULL, NULL, 0);
	struct hdrs h = hex(s, NULL);
	struct sig_request rq = { "POST", NULL, NULL, 0, hdr, &h, NOW_MS };
	struct sig_error err;

	ck_assert_int_eq(sig_verify(&c, &rq, &err), 0);
	free(s);
	config_free(&c);
}
END_TEST

/* Secrets, names and primitives */

START_TEST(test_sig_secret_parse_decodes_whsec)
{
	static const unsigned char key[] = {
		0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
		0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0,
	};
	struct sig_secret s;
	char *cause = NULL;

	ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, SPEC_SECRET, &s, &cause), 0);
	ck_assert_uint_eq(s.len, sizeof(key));
	ck_assert_mem_eq(s.key, key, sizeof(key));
	ck_assert_ptr_null(cause);
	sig_secret_free(&s);
	ck_assert_ptr_null(s.key);
	ck_assert_uint_eq(s.len, 0);
}
END_TEST

START_TEST(test_sig_secret_parse_requires_whsec)
{
	struct sig_secret s;
	char *cause = NULL;

	ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &s,
	    &cause), -1);
	ck_assert_str_eq(cause, "a Standard Webhooks secret starts with whsec_");
	ck_assert_ptr_null(s.key);
	free(cause);
}
END_TEST

START_TEST(test_sig_secret_parse_refuses_bad_base64)
{
	const char *bad[] = { "whsec_", "whsec_!!!!", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
	    "whsec_MfKQ 9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    /* 65 bytes */
	    "whsec_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" };
	struct sig_secret s;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, bad[i], &s, &cause), -1);
		ck_assert_str_eq(cause, "after whsec_ must come the base64 of 1 to 64 bytes");
		free(cause);
		cause = NULL;
	}
}
END_TEST

START_TEST(test_sig_secret_parse_allows_64_bytes)
{
	struct sig_secret s;
	char *cause = NULL;

	ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, "whsec_"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", &s, &cause), 0);
	ck_assert_uint_eq(s.len, 64);
	sig_secret_free(&s);
}
END_TEST

START_TEST(test_sig_secret_parse_refuses_a_short_secret)
{
	struct sig_secret s;
	char *cause = NULL;

	ck_assert_int_eq(sig_secret_parse(SIG_HMAC_HEX, "fifteen-bytes!!", &s, &cause), -1);
	ck_assert_str_eq(cause, "a signing secret must be at least 16 bytes");
	free(cause);
	ck_assert_int_eq(sig_secret_parse(SIG_HUBSPOT_V3, "sixteen-bytes!!!", &s, &cause), 0);
	ck_assert_uint_eq(s.len, 16);
	ck_assert_mem_eq(s.key, "sixteen-bytes!!!", 16);
	sig_secret_free(&s);
}
END_TEST

START_TEST(test_sig_scheme_names_round_trip)
{
	ck_assert_int_eq(sig_scheme_from_name("none"), SIG_NONE);
	ck_assert_int_eq(sig_scheme_from_name("standard_webhooks"), SIG_STANDARD);
	ck_assert_int_eq(sig_scheme_from_name("hubspot_v3"), SIG_HUBSPOT_V3);
	ck_assert_int_eq(sig_scheme_from_name("hmac_sha256"), SIG_HMAC_HEX);
	ck_assert_int_eq(sig_scheme_from_name("hubspot"), -1);
	ck_assert_int_eq(sig_scheme_from_name(NULL), -1);
	ck_assert_str_eq(sig_scheme_name(SIG_STANDARD), "standard_webhooks");
	ck_assert_str_eq(sig_scheme_name(SIG_HMAC_HEX), "hmac_sha256");
}
END_TEST

START_TEST(test_sig_hmac_sha256_matches_rfc_4231)
{
	static const unsigned char want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26,
		0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	const char *msg = "what do ya want for nothing?";
	unsigned char mac[32];

	sig_hmac_sha256("Jefe", 4, msg, strlen(msg), mac);
	ck_assert_mem_eq(mac, want, sizeof(want));
	ck_assert_int_eq(sig_equal(mac, want, sizeof(want)), 1);
	mac[31] ^= 1;
	ck_assert_int_eq(sig_equal(mac, want, sizeof(want)), 0);
}
END_TEST

START_TEST(test_sig_none_accepts_anything)
{
	struct sig_config c;
	struct sig_request rq = { NULL, NULL, NULL, 0, NULL, NULL, 0 };
	struct sig_error err;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(sig_verify(&c, &rq, &err), 0);
}
END_TEST

START_TEST(test_sig_verify_without_a_header_function_reports_missing)
{
	const enum sig_scheme schemes[] = { SIG_STANDARD, SIG_HUBSPOT_V3, SIG_HMAC_HEX };
	const char *secrets[] = { SPEC_SECRET, HS_SECRET, HEX_SECRET };
	struct sig_request rq = { NULL, NULL, NULL, 0, NULL, NULL, 0 };
	struct sig_error err;
	size_t i;

	for (i = 0; i < LR_NELEM(schemes); i++) {
		struct sig_config c = config(schemes[i], secrets[i], NULL);

		ck_assert_int_eq(sig_verify(&c, &rq, &err), -1);
		ck_assert_str_eq(err.code, "signature_missing");
		config_free(&c);
	}
}
END_TEST

START_TEST(test_sig_verify_without_secrets_refuses)
{
	struct sig_config c;
	struct hdrs h = standard(SPEC_SIG);
	struct sig_error err;

	memset(&c, 0, sizeof(c));
	c.scheme = SIG_STANDARD;
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
}
END_TEST

Suite *
sig_suite(void)
{
	Suite *s = suite_create("sig");
	TCase *std = tcase_create("standard");
	TCase *hs = tcase_create("hubspot_v3");
	TCase *hx = tcase_create("hmac_hex");
	TCase *misc = tcase_create("secrets");

	tcase_add_test(std, test_sig_standard_accepts_the_spec_example);
	tcase_add_test(std, test_sig_standard_refuses_a_changed_body);
	tcase_add_test(std, test_sig_standard_signs_the_id_and_timestamp);
	tcase_add_test(std, test_sig_standard_reports_a_missing_signature_header);
	tcase_add_test(std, test_sig_standard_reports_the_first_missing_header);
	tcase_add_test(std, test_sig_standard_treats_an_empty_header_as_missing);
	tcase_add_test(std, test_sig_standard_refuses_a_timestamp_too_old);
	tcase_add_test(std, test_sig_standard_refuses_a_timestamp_in_the_future);
	tcase_add_test(std, test_sig_standard_accepts_the_edges_of_the_window);
	tcase_add_test(std, test_sig_standard_uses_the_configured_tolerance);
	tcase_add_test(std, test_sig_standard_refuses_a_timestamp_that_is_not_digits);
	tcase_add_test(std, test_sig_standard_refuses_a_bad_webhook_id);
	tcase_add_test(std, test_sig_standard_allows_a_webhook_id_of_255_characters);
	tcase_add_test(std, test_sig_standard_accepts_the_second_secret);
	tcase_add_test(std, test_sig_standard_refuses_when_neither_secret_signed);
	tcase_add_test(std, test_sig_standard_finds_the_valid_entry_last_of_100);
	tcase_add_test(std, test_sig_standard_refuses_100_invalid_entries);
	tcase_add_test(std, test_sig_standard_ignores_a_v1a_entry);
	tcase_add_test(std, test_sig_standard_reports_malformed_base64);
	tcase_add_test(std, test_sig_standard_skips_bad_base64_beside_a_good_entry);
	tcase_add_test(std, test_sig_standard_reports_malformed_before_expired);
	tcase_add_test(std, test_sig_standard_reports_expired_before_invalid);
	tcase_add_test(std, test_sig_standard_reads_no_further_than_len);
	suite_add_tcase(s, std);

	tcase_add_test(hs, test_sig_hubspot_v3_signs_as_hubspot_does);
	tcase_add_test(hs, test_sig_hubspot_v3_accepts_a_valid_request);
	tcase_add_test(hs, test_sig_hubspot_v3_decodes_colon_and_slash_escapes);
	tcase_add_test(hs, test_sig_hubspot_v3_keeps_other_escapes);
	tcase_add_test(hs, test_sig_hubspot_v3_decodes_exactly_the_listed_escapes);
	tcase_add_test(hs, test_sig_hubspot_v3_signs_the_method);
	tcase_add_test(hs, test_sig_hubspot_v3_refuses_a_changed_body);
	tcase_add_test(hs, test_sig_hubspot_v3_reports_a_missing_signature);
	tcase_add_test(hs, test_sig_hubspot_v3_reports_a_missing_timestamp);
	tcase_add_test(hs, test_sig_hubspot_v3_refuses_a_request_older_than_5_minutes);
	tcase_add_test(hs, test_sig_hubspot_v3_refuses_a_request_from_the_future);
	tcase_add_test(hs, test_sig_hubspot_v3_refuses_a_timestamp_that_is_not_digits);
	tcase_add_test(hs, test_sig_hubspot_v3_refuses_a_signature_that_is_not_base64);
	tcase_add_test(hs, test_sig_hubspot_v3_accepts_the_second_secret);
	tcase_add_test(hs, test_sig_hubspot_v3_round_trips_an_empty_url_and_body);
	suite_add_tcase(s, hs);

	tcase_add_test(hx, test_sig_hmac_hex_signs_as_python_does);
	tcase_add_test(hx, test_sig_hmac_hex_accepts_a_valid_request);
	tcase_add_test(hx, test_sig_hmac_hex_accepts_upper_case_digits);
	tcase_add_test(hx, test_sig_hmac_hex_accepts_a_sha256_prefix);
	tcase_add_test(hx, test_sig_hmac_hex_refuses_a_changed_body);
	tcase_add_test(hx, test_sig_hmac_hex_reports_a_missing_header);
	tcase_add_test(hx, test_sig_hmac_hex_refuses_anything_but_64_hex_digits);
	tcase_add_test(hx, test_sig_hmac_hex_accepts_the_second_secret);
	tcase_add_test(hx, test_sig_hmac_hex_with_a_timestamp_signs_it);
	tcase_add_test(hx, test_sig_hmac_hex_with_a_timestamp_requires_it);
	tcase_add_test(hx, test_sig_hmac_hex_with_a_timestamp_refuses_an_old_one);
	tcase_add_test(hx, test_sig_hmac_hex_with_a_timestamp_refuses_a_future_one);
	tcase_add_test(hx, test_sig_hmac_hex_with_a_timestamp_refuses_one_in_ms);
	tcase_add_test(hx, test_sig_hmac_hex_without_a_header_name_refuses);
	tcase_add_test(hx, test_sig_hmac_hex_round_trips_an_empty_body);
	suite_add_tcase(s, hx);

	tcase_add_test(misc, test_sig_secret_parse_decodes_whsec);
	tcase_add_test(misc, test_sig_secret_parse_requires_whsec);
	tcase_add_test(misc, test_sig_secret_parse_refuses_bad_base64);
	tcase_add_test(misc, test_sig_secret_parse_allows_64_bytes);
	tcase_add_test(misc, test_sig_secret_parse_refuses_a_short_secret);
	tcase_add_test(misc, test_sig_scheme_names_round_trip);
	tcase_add_test(misc, test_sig_hmac_sha256_matches_rfc_4231);
	tcase_add_test(misc, test_sig_none_accepts_anything);
	tcase_add_test(misc, test_sig_verify_without_a_header_function_reports_missing);
	tcase_add_test(misc, test_sig_verify_without_secrets_refuses);
	suite_add_tcase(s, misc);
	return s;
}
