/* test_session.c — console session cookies: sealing, every way a value is refused, CSRF, Cookie headers. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/session.h"

#include "check_suites.h"

static const unsigned char KEY[] = "session-test-key-0123456789abcdef";
static const unsigned char OTHER_KEY[] = "session-someone-elses-key-000000";
#define KEYLEN		(sizeof(KEY) - 1)

#define ID		"00112233445566778899aabbccddeeff"
#define FP		"0123456789abcdef"
#define EXPIRES		1795426200000LL		/* 2026-11-23T09:30:00Z */
/*
 * Python: p = "1.<ID>.1795426200000.<FP>."; p + hmac(KEY, p, sha256).hexdigest()
 */
static const char VALUE[] = "1." ID ".1795426200000." FP "."
    "1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa";
/* hmac(KEY, "csrf." ID, sha256).hexdigest()[:32] */
static const char CSRF[] = "3cd66891764b0da8dbeedb6e79782073";

static struct session
sample(void)
{
	struct session s = { .id = ID, .expires_ms = EXPIRES, .fp = FP };

	return s;
}

static enum session_check
open_at(const char *value, int64_t now, struct session *out)
{
	return session_open(KEY, KEYLEN, value, now, out);
}

/* value must be refused with exactly want, out cleared. */
static void
assert_refused(const char *value, enum session_check want)
{
	struct session out;

	memset(&out, 0xa5, sizeof(out));
	ck_assert_msg(open_at(value, EXPIRES - 1, &out) == want, "%s: not refused as %d", value,
	    (int)want);
	ck_assert_str_eq(out.id, "");
	ck_assert_str_eq(out.fp, "");
	ck_assert_int_eq(out.expires_ms, 0);
}

START_TEST(test_session_seals_as_python_does)
{
	struct session s = sample();
	char value[SESSION_VALUE_MAX];

	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), 0);
	ck_assert_str_eq(value, VALUE);
}
END_TEST

START_TEST(test_session_round_trips)
{
	struct session s = sample(), out;
	char value[SESSION_VALUE_MAX];

	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), 0);
	ck_assert_int_eq(open_at(value, EXPIRES - 3600000, &out), SESSION_OK);
	ck_assert_str_eq(out.id, ID);
	ck_assert_str_eq(out.fp, FP);
	ck_assert_int_eq(out.expires_ms, EXPIRES);
}
END_TEST

START_TEST(test_session_round_trips_the_longest_expiry)
{
	struct session s = sample(), out;
	char value[SESSION_VALUE_MAX];

	/* 18 digits: the most session_open reads. */
	s.expires_ms = 999999999999999999LL;
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), 0);
	ck_assert_int_eq(open_at(value, EXPIRES, &out), SESSION_OK);
	ck_assert_int_eq(out.expires_ms, 999999999999999999LL);
}
END_TEST

START_TEST(test_session_expires_at_its_time)
{
	struct session out;

	ck_assert_int_eq(open_at(VALUE, EXPIRES - 1, &out), SESSION_OK);
	ck_assert_int_eq(open_at(VALUE, EXPIRES, &out), SESSION_EXPIRED);
	ck_assert_str_eq(out.id, "");
	ck_assert_int_eq(open_at(VALUE, EXPIRES + 1, &out), SESSION_EXPIRED);
}
END_TEST

START_TEST(test_session_refuses_another_key)
{
	struct session out;

	ck_assert_int_eq(session_open(OTHER_KEY, sizeof(OTHER_KEY) - 1, VALUE, EXPIRES - 1, &out),
	    SESSION_FORGED);
	ck_assert_str_eq(out.id, "");
	/* A key one byte shorter is another key. */
	ck_assert_int_eq(session_open(KEY, KEYLEN - 1, VALUE, EXPIRES - 1, &out), SESSION_FORGED);
}
END_TEST

START_TEST(test_session_refuses_a_short_key)
{
	struct session s = sample(), out;
	char value[SESSION_VALUE_MAX];

	ck_assert_int_eq(session_seal(KEY, SESSION_KEY_MIN - 1, &s, value), -1);
	ck_assert_int_eq(session_open(KEY, SESSION_KEY_MIN - 1, VALUE, EXPIRES - 1, &out),
	    SESSION_MALFORMED);
	ck_assert_int_eq(session_seal(KEY, SESSION_KEY_MIN, &s, value), 0);
	ck_assert_int_eq(session_open(KEY, SESSION_KEY_MIN, value, EXPIRES - 1, &out), SESSION_OK);
}
END_TEST

START_TEST(test_session_refuses_a_forged_mac)
{
	char v[sizeof(VALUE)];
	size_t mac = sizeof(VALUE) - 1 - 64;

	memcpy(v, VALUE, sizeof(VALUE));
	v[mac] = v[mac] == '0' ? '1' : '0';
	assert_refused(v, SESSION_FORGED);
	memcpy(v, VALUE, sizeof(VALUE));
	v[sizeof(VALUE) - 2] = v[sizeof(VALUE) - 2] == 'a' ? 'b' : 'a';
	assert_refused(v, SESSION_FORGED);
}
END_TEST

START_TEST(test_session_refuses_a_tampered_expiry)
{
	char v[sizeof(VALUE)];
	char *p;

	memcpy(v, VALUE, sizeof(VALUE));
	p = strstr(v, ".1795426200000.");
	ck_assert_ptr_nonnull(p);
	p[1] = '2';		/* 2795…: thirty years later */
	assert_refused(v, SESSION_FORGED);
}
END_TEST

START_TEST(test_session_refuses_every_one_character_change)
{
	char v[sizeof(VALUE)];
	struct session out;
	size_t i;

	/* Anything else in any place: never accepted, whatever the verdict. */
	for (i = 0; i < sizeof(VALUE) - 1; i++) {
		memcpy(v, VALUE, sizeof(VALUE));
		v[i] = v[i] == '7' ? '8' : '7';
		ck_assert_msg(open_at(v, EXPIRES - 1, &out) != SESSION_OK, "a change at %zu passed", i);
	}
}
END_TEST

START_TEST(test_session_refuses_malformed_values)
{
	static const char *bad[] = {
		"",
		"1",
		"1.",
		"2." ID ".1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID,
		"1." ID ".",
		"1." ID "..",
		"1." ID ".." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".0." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".-5." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".17954262e0000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		/* 19 digits */
		"1." ID ".1795426200000000000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		/* the id: short, long, upper case, not hex */
		"1.00112233445566778899aabbccddeef.1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1.00112233445566778899aabbccddeeff0.1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1.00112233445566778899AABBCCDDEEFF.1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1.0011223344556677889xaabbccddeeff.1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		/* the fingerprint: short, long, not hex */
		"1." ID ".1795426200000.0123456789abcde.1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".1795426200000.0123456789abcdef0.1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".1795426200000.0123456789abcdeg.1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		/* the MAC: short, long, missing, not hex, upper case */
		"1." ID ".1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3a",
		"1." ID ".1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa0",
		"1." ID ".1795426200000." FP ".",
		"1." ID ".1795426200000." FP,
		"1." ID ".1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3ag",
		"1." ID ".1795426200000." FP ".1207650C95C5321070309B8DAC0DD00AC27929F012D0EF3B67AE99503F18F3AA",
		/* separators */
		"1." ID ",1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".1795426200000," FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".1795426200000." FP ",1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		" 1." ID ".1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa",
		"1." ID ".1795426200000." FP ".1207650c95c5321070309b8dac0dd00ac27929f012d0ef3b67ae99503f18f3aa ",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i], SESSION_MALFORMED);
}
END_TEST

START_TEST(test_session_refuses_a_null_and_an_overlong_value)
{
	char big[SESSION_VALUE_MAX + 8];
	struct session out;

	ck_assert_int_eq(open_at(NULL, EXPIRES - 1, &out), SESSION_MALFORMED);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "1.", 2);
	assert_refused(big, SESSION_MALFORMED);
}
END_TEST

START_TEST(test_session_seal_refuses_bad_fields)
{
	struct session s;
	char value[SESSION_VALUE_MAX];

	s = sample();
	s.expires_ms = 0;
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), -1);
	s = sample();
	s.expires_ms = -1;
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), -1);
	s = sample();
	s.id[5] = 'X';
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), -1);
	s = sample();
	s.id[SESSION_ID_HEX - 1] = '\0';
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), -1);
	s = sample();
	s.fp[0] = 'g';
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), -1);
	s = sample();
	s.fp[3] = '\0';
	ck_assert_int_eq(session_seal(KEY, KEYLEN, &s, value), -1);
}
END_TEST

START_TEST(test_session_fingerprint_is_the_hash_prefix)
{
	unsigned char h[32];
	char fp[SESSION_FP_HEX + 1];

	EVP_Digest("tok", 3, h, NULL, EVP_sha256(), NULL);
	session_fingerprint(h, fp);
	ck_assert_str_eq(fp, "1a7674eb4ee78df7");
}
END_TEST

START_TEST(test_session_csrf_is_as_python_computes)
{
	char csrf[SESSION_CSRF_HEX + 1];

	session_csrf(KEY, KEYLEN, ID, csrf);
	ck_assert_str_eq(csrf, CSRF);
}
END_TEST

START_TEST(test_session_csrf_ok_only_for_its_session)
{
	char other[SESSION_CSRF_HEX + 1], upper[SESSION_CSRF_HEX + 1];
	size_t i;

	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, CSRF), 1);
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, NULL), 0);
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, ""), 0);
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, "3cd66891764b0da8dbeedb6e7978207"), 0);
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, "3cd66891764b0da8dbeedb6e797820730"), 0);
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, "3cd66891764b0da8dbeedb6e79782074"), 0);
	/* Another session's, another key's, the case changed. */
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, "ffeeddccbbaa99887766554433221100", CSRF), 0);
	ck_assert_int_eq(session_csrf_ok(OTHER_KEY, sizeof(OTHER_KEY) - 1, ID, CSRF), 0);
	for (i = 0; i < SESSION_CSRF_HEX; i++)
		upper[i] = (char)(CSRF[i] >= 'a' ? CSRF[i] - 'a' + 'A' : CSRF[i]);
	upper[SESSION_CSRF_HEX] = '\0';
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, upper), 0);
	/* Not the cookie's MAC either. */
	snprintf(other, sizeof(other), "%.32s", VALUE + sizeof(VALUE) - 1 - 64);
	ck_assert_int_eq(session_csrf_ok(KEY, KEYLEN, ID, other), 0);
}
END_TEST

/* The value session_cookie_find reads for name in header, or NULL when none. */
static const char *
find(const char *header, const char *name)
{
	static char out[64];

	return session_cookie_find(header, name, out, sizeof(out)) == 0 ? out : NULL;
}

START_TEST(test_session_cookie_find_reads_one_of_several)
{
	ck_assert_str_eq(find("lr_session=abc", "lr_session"), "abc");
	ck_assert_str_eq(find("a=1; lr_session=abc; b=2", "lr_session"), "abc");
	ck_assert_str_eq(find("a=1;lr_session=abc;b=2", "lr_session"), "abc");
	ck_assert_str_eq(find("a=1;   \tlr_session=abc  ; b=2", "lr_session"), "abc");
	ck_assert_str_eq(find("a=1; b=2; lr_session=abc", "lr_session"), "abc");
	ck_assert_str_eq(find("a=1; b=2; lr_session=abc \t", "lr_session"), "abc");
	/* The first of two. */
	ck_assert_str_eq(find("lr_session=one; lr_session=two", "lr_session"), "one");
	/* A value may hold '=' and '.'. */
	ck_assert_str_eq(find("lr_session=1.a=b.c", "lr_session"), "1.a=b.c");
}
END_TEST

START_TEST(test_session_cookie_find_skips_names_that_only_look_alike)
{
	ck_assert_ptr_null(find("xlr_session=abc", "lr_session"));
	ck_assert_ptr_null(find("lr_session_old=abc", "lr_session"));
	ck_assert_ptr_null(find("lr_sessio=abc", "lr_session"));
	ck_assert_ptr_null(find("LR_SESSION=abc", "lr_session"));
	ck_assert_str_eq(find("xlr_session=evil; lr_session=good", "lr_session"), "good");
	ck_assert_str_eq(find("lr_session_old=evil; lr_session=good", "lr_session"), "good");
	/* A name inside another cookie's value is no cookie. */
	ck_assert_ptr_null(find("a=lr_session=abc", "lr_session"));
	/* No space is allowed before the '='. */
	ck_assert_ptr_null(find("lr_session =abc", "lr_session"));
}
END_TEST

START_TEST(test_session_cookie_find_refuses_absent_empty_and_too_long)
{
	char out[8];

	ck_assert_ptr_null(find(NULL, "lr_session"));
	ck_assert_ptr_null(find("", "lr_session"));
	ck_assert_ptr_null(find(";;; ", "lr_session"));
	ck_assert_ptr_null(find("a=1; b=2", "lr_session"));
	ck_assert_ptr_null(find("lr_session", "lr_session"));
	ck_assert_ptr_null(find("lr_session=", "lr_session"));
	ck_assert_ptr_null(find("lr_session=; a=1", "lr_session"));
	ck_assert_ptr_null(find("lr_session=   ; a=1", "lr_session"));
	/* len counts the NUL: 7 characters fit in 8 bytes, 8 do not. */
	ck_assert_int_eq(session_cookie_find("lr_session=1234567", "lr_session", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1234567");
	ck_assert_int_eq(session_cookie_find("lr_session=12345678", "lr_session", out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_session_cookie_find_then_open)
{
	char header[256], value[SESSION_VALUE_MAX];
	struct session out;

	snprintf(header, sizeof(header), "theme=dark; " SESSION_COOKIE "=%s; other=1", VALUE);
	ck_assert_int_eq(session_cookie_find(header, SESSION_COOKIE, value, sizeof(value)), 0);
	ck_assert_int_eq(open_at(value, EXPIRES - 1, &out), SESSION_OK);
	ck_assert_str_eq(out.id, ID);
}
END_TEST

Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");

	tcase_add_test(tc, test_session_seals_as_python_does);
	tcase_add_test(tc, test_session_round_trips);
	tcase_add_test(tc, test_session_round_trips_the_longest_expiry);
	tcase_add_test(tc, test_session_expires_at_its_time);
	tcase_add_test(tc, test_session_refuses_another_key);
	tcase_add_test(tc, test_session_refuses_a_short_key);
	tcase_add_test(tc, test_session_refuses_a_forged_mac);
	tcase_add_test(tc, test_session_refuses_a_tampered_expiry);
	tcase_add_test(tc, test_session_refuses_every_one_character_change);
	tcase_add_test(tc, test_session_refuses_malformed_values);
	tcase_add_test(tc, test_session_refuses_a_null_and_an_overlong_value);
	tcase_add_test(tc, test_session_seal_refuses_bad_fields);
	tcase_add_test(tc, test_session_fingerprint_is_the_hash_prefix);
	tcase_add_test(tc, test_session_csrf_is_as_python_computes);
	tcase_add_test(tc, test_session_csrf_ok_only_for_its_session);
	tcase_add_test(tc, test_session_cookie_find_reads_one_of_several);
	tcase_add_test(tc, test_session_cookie_find_skips_names_that_only_look_alike);
	tcase_add_test(tc, test_session_cookie_find_refuses_absent_empty_and_too_long);
	tcase_add_test(tc, test_session_cookie_find_then_open);
	suite_add_tcase(s, tc);
	return s;
}
