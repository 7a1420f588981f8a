/* test_sig.c — inbound webhook signatures. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>

#include "leadroute/sig.h"
#include "leadroute/util.h"

#include "check_suites.h"

#define NOW_MS	1614265330000LL

/* A request's headers, as name, value pairs. */
struct hdrs {
	const char	*kv[16];
};

static const char *
hdr(void *arg, const char *name)
{
	struct hdrs *h = arg;
	size_t i;

	for (i = 0; h->kv[i] != NULL; i += 2)
		if (strcasecmp(h->kv[i], name) == 0)
			return h->kv[i + 1];
	return NULL;
}

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
	return c;
}

static void
config_free(struct sig_config *c)
{
	size_t i;

	for (i = 0; i < c->nsecrets; i++)
		sig_secret_free(&c->secrets[i]);
}

static int
verify(const struct sig_config *c, struct hdrs *h, const char *url, const char *body,
    int64_t now, struct sig_error *err)
{
	struct sig_request rq = { "POST", url, (const unsigned char *)body, strlen(body), hdr, h,
	    now };

	return sig_verify(c, &rq, err);
}

static const char SPEC_SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char SPEC_BODY[] = "{\"test\": 2432232314}";
static const char OTHER_SECRET[] = "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=";

START_TEST(test_sig_standard_spec_vector)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = { { "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp",
	    "1614265330", "webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    NULL } };
	struct sig_error err;
	char *s;

	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS, &err), 0);
	s = sig_sign_standard(&c.secrets[0], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, SPEC_BODY,
	    strlen(SPEC_BODY));
	ck_assert_str_eq(s, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(s);
	/* One byte of the body changed: no longer valid. */
	ck_assert_int_eq(verify(&c, &h, "", "{\"test\": 2432232315}", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	ck_assert_int_eq(err.status, 401);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_timestamp_window)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs h = { { "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp",
	    "1614265330", "webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    NULL } };
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS + 300000, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS + 301000, &err), -1);
	ck_assert_str_eq(err.code, "signature_expired");
	ck_assert_str_eq(err.message, "the webhook-timestamp header is 301 s in the past; the "
	    "limit is 300 s (a replay, or a clock out of step)");
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS - 301000, &err), -1);
	ck_assert_str_eq(err.code, "signature_expired");
	ck_assert_ptr_nonnull(strstr(err.message, "in the future"));
	c.tolerance_ms = 1000000;
	ck_assert_int_eq(verify(&c, &h, "", SPEC_BODY, NOW_MS + 900000, &err), 0);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_missing_and_malformed_headers)
{
	struct sig_config c = config(SIG_STANDARD, SPEC_SECRET, NULL);
	struct hdrs none = { { NULL } };
	struct hdrs badts = { { "webhook-id", "m", "webhook-timestamp", "16142653x0",
	    "webhook-signature", "v1,AAAA", NULL } };
	struct hdrs badid = { { "webhook-id", "a b", "webhook-timestamp", "1614265330",
	    "webhook-signature", "v1,AAAA", NULL } };
	struct hdrs badsig = { { "webhook-id", "m", "webhook-timestamp", "1614265330",
	    "webhook-signature", "v1,!!!! v2,abc v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	    NULL } };
	struct hdrs empty = { { "webhook-id", "", NULL } };
	struct sig_error err;

	ck_assert_int_eq(verify(&c, &none, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_missing");
	ck_assert_str_eq(err.header, "webhook-id");
	ck_assert_int_eq(verify(&c, &empty, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_missing");
	ck_assert_int_eq(verify(&c, &badts, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	ck_assert_str_eq(err.header, "webhook-timestamp");
	ck_assert_int_eq(verify(&c, &badid, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.header, "webhook-id");
	/* Only unknown versions and bad base64: nothing well formed to compare. */
	ck_assert_int_eq(verify(&c, &badsig, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	config_free(&c);
}
END_TEST

START_TEST(test_sig_standard_rotation_and_many_signatures)
{
	struct sig_config both = config(SIG_STANDARD, OTHER_SECRET, SPEC_SECRET);
	struct sig_config other = config(SIG_STANDARD, OTHER_SECRET, NULL);
	struct buf header = { NULL, 0, 0 };
	struct hdrs h = { { "webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp",
	    "1614265330", "webhook-signature", NULL, NULL } };
	struct sig_error err;
	char *wrong;
	int i;

	/* The second secret signs: valid while both are live. */
	h.kv[5] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
	ck_assert_int_eq(verify(&both, &h, "", SPEC_BODY, NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&other, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	/* 99 wrong signatures, then the right one. */
	wrong = sig_sign_standard(&other.secrets[0], "x", 1, "y", 1);
	for (i = 0; i < 99; i++)
		buf_appendf(&header, "%s ", wrong);
	buf_appendf(&header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	h.kv[5] = header.data;
	ck_assert_int_eq(verify(&both, &h, "", SPEC_BODY, NOW_MS, &err), 0);
	buf_free(&header);
	for (i = 0; i < 100; i++)
		buf_appendf(&header, "%s ", wrong);
	h.kv[5] = header.data;
	ck_assert_int_eq(verify(&both, &h, "", SPEC_BODY, NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	ck_assert_ptr_null(strstr(err.message, "v1,"));
	buf_free(&header);
	free(wrong);
	config_free(&both);
	config_free(&other);
}
END_TEST

START_TEST(test_sig_hubspot_v3_round_trip_and_uri_decoding)
{
	struct sig_config c = config(SIG_HUBSPOT_V3, "hubspot-app-client-secret", NULL);
	const char *signed_url = "https://example.com/hook?param=hello%3Aworld%2Fa%20b";
	struct hdrs h = { { "X-HubSpot-Signature-v3", NULL, "X-HubSpot-Request-Timestamp",
	    "1614265330000", NULL } };
	struct sig_error err;
	char *s;

	/*
	 * Signed: "POST" + the URL with %3A and %2F decoded (%20 kept) + body +
	 * timestamp; the value computed independently (Python's hmac).
	 */
	s = sig_sign_hubspot_v3(&c.secrets[0], "POST", signed_url, "{\"a\":1}", 7, 1614265330000LL);
	ck_assert_str_eq(s, "YnNRea+I9TT+HOuLGlbApGUizJ4FvjpboyxcuX4fsds=");
	h.kv[1] = s;
	ck_assert_int_eq(verify(&c, &h, signed_url, "{\"a\":1}", NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "https://example.com/hook?param=hello%3Aworld%2Fa+b",
	    "{\"a\":1}", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	ck_assert_int_eq(verify(&c, &h, signed_url, "{\"a\":1}", NOW_MS + 400000, &err), -1);
	ck_assert_str_eq(err.code, "signature_expired");
	h.kv[3] = "16142653300001234";
	ck_assert_int_eq(verify(&c, &h, signed_url, "{\"a\":1}", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	h.kv[3] = "1614265330000";
	h.kv[1] = "not base64";
	ck_assert_int_eq(verify(&c, &h, signed_url, "{\"a\":1}", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	free(s);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_hmac_hex_forms)
{
	struct sig_config c = config(SIG_HMAC_HEX, "marketo-shared-secret", "older-shared-secret-1");
	struct hdrs h = { { "X-Signature", NULL, "X-Timestamp", "1614265330", NULL } };
	struct sig_error err;
	char *hex, *old, upper[80], prefixed[80];
	size_t i;

	c.header = "X-Signature";
	hex = sig_sign_hmac_hex(&c.secrets[0], NULL, "body", 4);
	ck_assert_uint_eq(strlen(hex), 64);
	h.kv[1] = hex;
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), 0);
	for (i = 0; hex[i] != '\0'; i++)
		upper[i] = (char)toupper((unsigned char)hex[i]);
	upper[i] = '\0';
	h.kv[1] = upper;
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), 0);
	snprintf(prefixed, sizeof(prefixed), "sha256=%s", hex);
	h.kv[1] = prefixed;
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), 0);
	old = sig_sign_hmac_hex(&c.secrets[1], NULL, "body", 4);
	h.kv[1] = old;
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "", "bodY", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_invalid");
	h.kv[1] = "abc";
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_malformed");
	/* With a timestamp header, the timestamp is signed and checked. */
	c.timestamp_header = "X-Timestamp";
	free(hex);
	hex = sig_sign_hmac_hex(&c.secrets[0], "1614265330", "body", 4);
	h.kv[1] = hex;
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), 0);
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS + 600000, &err), -1);
	ck_assert_str_eq(err.code, "signature_expired");
	h.kv[2] = NULL;
	ck_assert_int_eq(verify(&c, &h, "", "body", NOW_MS, &err), -1);
	ck_assert_str_eq(err.code, "signature_missing");
	free(hex);
	free(old);
	config_free(&c);
}
END_TEST

START_TEST(test_sig_secret_parsing)
{
	struct sig_secret s;
	char *cause = NULL;

	ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &s,
	    &cause), -1);
	ck_assert_str_eq(cause, "a Standard Webhooks secret starts with whsec_");
	free(cause);
	ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, "whsec_!!!!", &s, &cause), -1);
	ck_assert_str_eq(cause, "after whsec_ must come the base64 of 1 to 64 bytes");
	free(cause);
	ck_assert_int_eq(sig_secret_parse(SIG_HMAC_HEX, "short", &s, &cause), -1);
	ck_assert_str_eq(cause, "a signing secret must be at least 16 bytes");
	free(cause);
	ck_assert_int_eq(sig_secret_parse(SIG_STANDARD, SPEC_SECRET, &s, &cause), 0);
	ck_assert_uint_eq(s.len, 24);
	sig_secret_free(&s);
	ck_assert_int_eq(sig_scheme_from_name("hubspot_v3"), SIG_HUBSPOT_V3);
	ck_assert_int_eq(sig_scheme_from_name("hubspot"), -1);
	ck_assert_str_eq(sig_scheme_name(SIG_HMAC_HEX), "hmac_sha256");
}
END_TEST

START_TEST(test_sig_none_accepts_and_odd_requests_do_not_crash)
{
	struct sig_config c;
	struct sig_request rq = { NULL, NULL, NULL, 0, NULL, NULL, 0 };
	struct sig_error err;

	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(sig_verify(&c, &rq, &err), 0);
	c = config(SIG_HUBSPOT_V3, "hubspot-app-client-secret", NULL);
	ck_assert_int_eq(sig_verify(&c, &rq, &err), -1);
	ck_assert_str_eq(err.code, "signature_missing");
	config_free(&c);
}
END_TEST

Suite *
sig_suite(void)
{
	Suite *s = suite_create("sig");
	TCase *tc = tcase_create("verify");

	tcase_add_test(tc, test_sig_standard_spec_vector);
	tcase_add_test(tc, test_sig_standard_timestamp_window);
	tcase_add_test(tc, test_sig_standard_missing_and_malformed_headers);
	tcase_add_test(tc, test_sig_standard_rotation_and_many_signatures);
	tcase_add_test(tc, test_sig_hubspot_v3_round_trip_and_uri_decoding);
	tcase_add_test(tc, test_sig_hmac_hex_forms);
	tcase_add_test(tc, test_sig_secret_parsing);
	tcase_add_test(tc, test_sig_none_accepts_and_odd_requests_do_not_crash);
	suite_add_tcase(s, tc);
	return s;
}
