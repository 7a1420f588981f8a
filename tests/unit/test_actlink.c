/* test_actlink.c — signed, expiring email action links: format, tampering, keys, expiry. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/actlink.h"
#include "leadroute/util.h"

#include "check_suites.h"

static const unsigned char KEY[] = "actlink-test-key-0123456789abcdef";
static const unsigned char OLD_KEY[] = "actlink-previous-key-000000000000";
static const unsigned char OTHER_KEY[] = "actlink-someone-elses-key-0000000";
#define KEYLEN		(sizeof(KEY) - 1)

#define LEAD		"01JD3QZ8M5K6W7X8Y9Z0ABCDEF"
#define EXPIRES		1795426200LL	/* 2026-11-23T09:30:00Z */
/*
 * Python: p = b"v1.01JD3QZ8M5K6W7X8Y9Z0ABCDEF.ana_lopez.claim.1795426200";
 * b64url(p) + "." + b64url(hmac(KEY, p, sha256).digest()[:16]), '=' stripped.
 */
static const char TOKEN[] = "djEuMDFKRDNRWjhNNUs2VzdYOFk5WjBBQkNERUYuYW5hX2xvcGV6LmNsYWltLjE3"
    "OTU0MjYyMDA.MYD9qJlfbNpXbfGn8d_CIw";

static int
verify(const char *token, int64_t now, struct actlink *out, const char **why)
{
	return actlink_verify(KEY, KEYLEN, token, now, out, why);
}

/* token must fail at now with exactly reason, out cleared. */
static void
assert_refused(const char *token, int64_t now, const char *reason)
{
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(verify(token, now, &out, &why), -1);
	ck_assert_str_eq(why, reason);
	ck_assert_str_eq(out.lead, "");
	ck_assert_str_eq(out.rep, "");
	ck_assert_str_eq(out.action, "");
	ck_assert_int_eq(out.expires_s, 0);
}

START_TEST(test_actlink_signs_as_python_does)
{
	char *t = actlink_sign(KEY, KEYLEN, LEAD, "ana_lopez", "claim", EXPIRES);

	ck_assert_str_eq(t, TOKEN);
	free(t);
}
END_TEST

START_TEST(test_actlink_round_trips)
{
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(verify(TOKEN, EXPIRES - 3600, &out, &why), 0);
	ck_assert_str_eq(out.lead, LEAD);
	ck_assert_str_eq(out.rep, "ana_lopez");
	ck_assert_str_eq(out.action, "claim");
	ck_assert_int_eq(out.expires_s, EXPIRES);
}
END_TEST

START_TEST(test_actlink_token_is_url_safe)
{
	static const char safe[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
	char *t = actlink_sign(KEY, KEYLEN, "a-b_C9", "r-1", "snooze_1h", 0);
	size_t i;

	for (i = 0; t[i] != '\0'; i++)
		ck_assert_msg(strchr(safe, t[i]) != NULL, "'%c' in %s", t[i], t);
	ck_assert_ptr_null(strchr(t, '='));
	free(t);
}
END_TEST

START_TEST(test_actlink_round_trips_the_longest_fields)
{
	char id[ACTLINK_ID_MAX + 1], *t;
	struct actlink out;
	const char *why = NULL;

	memset(id, 'z', ACTLINK_ID_MAX);
	id[ACTLINK_ID_MAX] = '\0';
	t = actlink_sign(KEY, KEYLEN, id, id, id, ACTLINK_EXPIRY_MAX);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), ACTLINK_TOKEN_MAX);
	ck_assert_int_eq(verify(t, EXPIRES, &out, &why), 0);
	ck_assert_str_eq(out.lead, id);
	ck_assert_str_eq(out.action, id);
	ck_assert_int_eq(out.expires_s, ACTLINK_EXPIRY_MAX);
	free(t);
}
END_TEST

START_TEST(test_actlink_round_trips_every_payload_length)
{
	char lead[ACTLINK_ID_MAX + 1], *t;
	struct actlink out;
	const char *why = NULL;
	size_t n;

	/* Each remainder of the base64 groups, in both parts' decoding. */
	for (n = 1; n <= ACTLINK_ID_MAX; n++) {
		memset(lead, 'L', n);
		lead[n] = '\0';
		t = actlink_sign(KEY, KEYLEN, lead, "r", "a", 7);
		ck_assert_int_eq(verify(t, 6, &out, &why), 0);
		ck_assert_str_eq(out.lead, lead);
		ck_assert_int_eq(out.expires_s, 7);
		free(t);
	}
}
END_TEST

START_TEST(test_actlink_refuses_a_tampered_payload)
{
	/* "v1.01JD3QZ8M5K6W7X8Y9Z0ABCDEF.ana_lopez.claim.1895426200" with TOKEN's MAC. */
	assert_refused("djEuMDFKRDNRWjhNNUs2VzdYOFk5WjBBQkNERUYuYW5hX2xvcGV6LmNsYWltLjE4OTU0MjYyMDA"
	    ".MYD9qJlfbNpXbfGn8d_CIw", EXPIRES - 3600, "the link's signature does not match");
	/* "...bruno..." for "...ana_lopez..." */
	assert_refused("djEuMDFKRDNRWjhNNUs2VzdYOFk5WjBBQkNERUYuYnJ1bm8uY2xhaW0uMTc5NTQyNjIwMA"
	    ".MYD9qJlfbNpXbfGn8d_CIw", EXPIRES - 3600, "the link's signature does not match");
}
END_TEST

START_TEST(test_actlink_refuses_every_one_character_change)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char t[sizeof(TOKEN)];
	struct actlink out;
	const char *why = NULL;
	size_t i, j;

	/* Whatever the reason given, no changed token verifies. */
	for (i = 0; i < sizeof(TOKEN) - 1; i++) {
		for (j = 0; j < sizeof(alphabet) - 1; j++) {
			memcpy(t, TOKEN, sizeof(t));
			if (t[i] == alphabet[j] || t[i] == '.')
				continue;
			t[i] = alphabet[j];
			ck_assert_msg(verify(t, EXPIRES - 3600, &out, &why) == -1,
			    "%s verified", t);
		}
	}
}
END_TEST

START_TEST(test_actlink_refuses_a_flipped_mac_bit)
{
	char t[sizeof(TOKEN)];

	/* The MAC's first character 'M' (12) to 'N' (13): one bit of the first byte. */
	memcpy(t, TOKEN, sizeof(t));
	t[strchr(t, '.') - t + 1] = 'N';
	assert_refused(t, EXPIRES - 3600, "the link's signature does not match");
}
END_TEST

START_TEST(test_actlink_refuses_another_key)
{
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(actlink_verify(OTHER_KEY, sizeof(OTHER_KEY) - 1, TOKEN, EXPIRES - 3600,
	    &out, &why), -1);
	ck_assert_str_eq(why, "the link's signature does not match");
	/* The key's every byte counts: KEY less its last byte. */
	ck_assert_int_eq(actlink_verify(KEY, KEYLEN - 1, TOKEN, EXPIRES - 3600, &out, &why), -1);
	ck_assert_str_eq(why, "the link's signature does not match");
}
END_TEST

START_TEST(test_actlink_expires_at_its_time)
{
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(verify(TOKEN, EXPIRES - 1, &out, &why), 0);
	ck_assert_int_eq(verify(TOKEN, EXPIRES, &out, &why), -1);
	ck_assert_str_eq(why, "the link has expired");
	ck_assert_int_eq(verify(TOKEN, EXPIRES + 86400, &out, &why), -1);
	ck_assert_str_eq(why, "the link has expired");
}
END_TEST

START_TEST(test_actlink_expired_still_says_what_and_when)
{
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(verify(TOKEN, EXPIRES + 60, &out, &why), -1);
	ck_assert_int_eq(out.expires_s, EXPIRES);
	ck_assert_str_eq(out.lead, LEAD);
	ck_assert_str_eq(out.rep, "ana_lopez");
	ck_assert_str_eq(out.action, "claim");
}
END_TEST

START_TEST(test_actlink_verifies_with_the_second_key)
{
	const unsigned char *keys[2] = { KEY, OLD_KEY };
	const size_t lens[2] = { KEYLEN, sizeof(OLD_KEY) - 1 };
	char *old = actlink_sign(OLD_KEY, sizeof(OLD_KEY) - 1, LEAD, "ana_lopez", "claim", EXPIRES);
	struct actlink out;
	const char *why = NULL;

	/* Rotation: the new key first, links signed with the old one still good... */
	ck_assert_int_eq(actlink_verify_any(keys, lens, 2, old, EXPIRES - 1, &out, &why), 0);
	ck_assert_str_eq(out.lead, LEAD);
	/* ...as are the new key's. */
	ck_assert_int_eq(actlink_verify_any(keys, lens, 2, TOKEN, EXPIRES - 1, &out, &why), 0);
	/* Once the old key is dropped, its links fail. */
	ck_assert_int_eq(actlink_verify_any(keys, lens, 1, old, EXPIRES - 1, &out, &why), -1);
	ck_assert_str_eq(why, "the link's signature does not match");
	free(old);
}
END_TEST

START_TEST(test_actlink_refuses_when_neither_key_signed)
{
	const unsigned char *keys[2] = { OLD_KEY, OTHER_KEY };
	const size_t lens[2] = { sizeof(OLD_KEY) - 1, sizeof(OTHER_KEY) - 1 };
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(actlink_verify_any(keys, lens, 2, TOKEN, EXPIRES - 1, &out, &why), -1);
	ck_assert_str_eq(why, "the link's signature does not match");
}
END_TEST

START_TEST(test_actlink_verify_any_takes_one_or_two_keys)
{
	const unsigned char *keys[3] = { KEY, OLD_KEY, OTHER_KEY };
	const size_t lens[3] = { KEYLEN, sizeof(OLD_KEY) - 1, sizeof(OTHER_KEY) - 1 };
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(actlink_verify_any(keys, lens, 0, TOKEN, EXPIRES - 1, &out, &why), -1);
	ck_assert_str_eq(why, "a link is checked against one or two keys");
	ck_assert_int_eq(actlink_verify_any(keys, lens, 3, TOKEN, EXPIRES - 1, &out, &why), -1);
	ck_assert_str_eq(why, "a link is checked against one or two keys");
}
END_TEST

START_TEST(test_actlink_skips_short_keys)
{
	const unsigned char *keys[2] = { (const unsigned char *)"short", KEY };
	const size_t lens[2] = { 5, KEYLEN };
	struct actlink out;
	const char *why = NULL;

	ck_assert_int_eq(actlink_verify_any(keys, lens, 2, TOKEN, EXPIRES - 1, &out, &why), 0);
	ck_assert_int_eq(actlink_verify_any(keys, lens, 1, TOKEN, EXPIRES - 1, &out, &why), -1);
	ck_assert_str_eq(why, "no key of at least 16 bytes to check the link with");
	ck_assert_int_eq(actlink_verify(NULL, 32, TOKEN, EXPIRES - 1, &out, &why), -1);
	ck_assert_str_eq(why, "no key of at least 16 bytes to check the link with");
	ck_assert_ptr_null(actlink_sign(KEY, ACTLINK_KEY_MIN - 1, LEAD, "ana", "claim", EXPIRES));
	ck_assert_ptr_null(actlink_sign(NULL, KEYLEN, LEAD, "ana", "claim", EXPIRES));
}
END_TEST

START_TEST(test_actlink_refuses_malformed_tokens)
{
	char big[ACTLINK_TOKEN_MAX + 2];

	assert_refused(NULL, EXPIRES, "the link has no token");
	assert_refused("", EXPIRES, "the link has no token");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_refused(big, EXPIRES, "the link's token is too long");
	assert_refused("djEuMDFKRDNRWjhNNUs2VzdYOFk5WjBBQkNERUYuYW5hX2xvcGV6LmNsYWltLjE3"
	    "OTU0MjYyMDA", EXPIRES, "the link's token has no signature part");
	assert_refused(".MYD9qJlfbNpXbfGn8d_CIw", EXPIRES, "the link's payload is not base64url");
	assert_refused("djEu+DFK.MYD9qJlfbNpXbfGn8d_CIw", EXPIRES,
	    "the link's payload is not base64url");
	assert_refused("djEuM.MYD9qJlfbNpXbfGn8d_CIw", EXPIRES,
	    "the link's payload is not base64url");
	assert_refused("djEu.", EXPIRES, "the link's signature is not 16 bytes of base64url");
	assert_refused("djEu.MYD9qJlfbNpXbfGn8d_CI", EXPIRES,
	    "the link's signature is not 16 bytes of base64url");
	assert_refused("djEu.MYD9qJlfbNpXbfGn8d_CIw==", EXPIRES,
	    "the link's signature is not 16 bytes of base64url");
	assert_refused("djEu.MYD9qJlfbNpXbfGn8d/CIw", EXPIRES,
	    "the link's signature is not 16 bytes of base64url");
	assert_refused("djEu.MYD9qJlfbNpXbfGn8d_CIw.x", EXPIRES,
	    "the link's signature is not 16 bytes of base64url");
	assert_refused("djEu.MYD9qJlfbNpXbfGn8d_CIwMYD9qJlfbNpXbfGn8d_CIw", EXPIRES,
	    "the link's signature is not 16 bytes of base64url");
}
END_TEST

START_TEST(test_actlink_refuses_stray_bits)
{
	/* The payload's last character 'A' to 'B', the MAC's 'w' to 'x': bits past the data. */
	assert_refused("djEuMDFKRDNRWjhNNUs2VzdYOFk5WjBBQkNERUYuYW5hX2xvcGV6LmNsYWltLjE3OTU0MjYyMDB"
	    ".MYD9qJlfbNpXbfGn8d_CIw", EXPIRES - 1, "the link's payload is not base64url");
	assert_refused("djEuMDFKRDNRWjhNNUs2VzdYOFk5WjBBQkNERUYuYW5hX2xvcGV6LmNsYWltLjE3OTU0MjYyMDA"
	    ".MYD9qJlfbNpXbfGn8d_CIx", EXPIRES - 1,
	    "the link's signature is not 16 bytes of base64url");
}
END_TEST

START_TEST(test_actlink_refuses_a_signed_payload_of_another_shape)
{
	/* Python, signed with KEY: what actlink_sign never makes, so what verify never accepts. */
	static const char *const bad[] = {
		/* v1.01JD.ana.claim.01795426200: a leading zero */
		"djEuMDFKRC5hbmEuY2xhaW0uMDE3OTU0MjYyMDA.FxBbzisEgxBjWpgIoo9R0A",
		/* v1.01JD.ana.claim: no expiry */
		"djEuMDFKRC5hbmEuY2xhaW0.Fa0avIsCSepMbqNk479k1w",
		/* v1.01JD..claim.1795426200: an empty rep */
		"djEuMDFKRC4uY2xhaW0uMTc5NTQyNjIwMA.SFULalbiwzfU3_lz-gxKoQ",
		/* v1.01JD.ana.claim.1795426200.x: a field too many */
		"djEuMDFKRC5hbmEuY2xhaW0uMTc5NTQyNjIwMC54.rKet-oInkmrrpeeachqtsQ",
		/* v1.01JD.ana.cl+im.1795426200: a character outside the ids' */
		"djEuMDFKRC5hbmEuY2wraW0uMTc5NTQyNjIwMA.ocEtwBZZNLO-4zHm5GyEgQ",
		/* v1.01JD.ana.claim.-1: a sign */
		"djEuMDFKRC5hbmEuY2xhaW0uLTE.icGNCVmurqqAipG5F07KAQ",
		/* v2.01JD.ana.claim.1795426200: another version */
		"djIuMDFKRC5hbmEuY2xhaW0uMTc5NTQyNjIwMA.eAYCQUtro1JGhL5mYvFCCA",
	};
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++)
		assert_refused(bad[i], 0,
		    "the link's payload is not v1.<lead>.<rep>.<action>.<expiry>");
}
END_TEST

START_TEST(test_actlink_sign_refuses_bad_ids)
{
	const char *bad[] = { "", "a.b", "a b", "a/b", "a=b", "caf\xc3\xa9", "a%2E",
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", NULL };
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		ck_assert_ptr_null(actlink_sign(KEY, KEYLEN, bad[i], "ana", "claim", EXPIRES));
		ck_assert_ptr_null(actlink_sign(KEY, KEYLEN, LEAD, bad[i], "claim", EXPIRES));
		ck_assert_ptr_null(actlink_sign(KEY, KEYLEN, LEAD, "ana", bad[i], EXPIRES));
	}
}
END_TEST

START_TEST(test_actlink_sign_refuses_an_expiry_out_of_range)
{
	char *t;

	ck_assert_ptr_null(actlink_sign(KEY, KEYLEN, LEAD, "ana", "claim", -1));
	ck_assert_ptr_null(actlink_sign(KEY, KEYLEN, LEAD, "ana", "claim", ACTLINK_EXPIRY_MAX + 1));
	ck_assert_ptr_null(actlink_sign(KEY, KEYLEN, LEAD, "ana", "claim", INT64_MAX));
	t = actlink_sign(KEY, KEYLEN, LEAD, "ana", "claim", 0);
	ck_assert_ptr_nonnull(t);
	free(t);
}
END_TEST

Suite *
actlink_suite(void)
{
	Suite *s = suite_create("actlink");
	TCase *tc = tcase_create("actlink");

	tcase_add_test(tc, test_actlink_signs_as_python_does);
	tcase_add_test(tc, test_actlink_round_trips);
	tcase_add_test(tc, test_actlink_token_is_url_safe);
	tcase_add_test(tc, test_actlink_round_trips_the_longest_fields);
	tcase_add_test(tc, test_actlink_round_trips_every_payload_length);
	tcase_add_test(tc, test_actlink_refuses_a_tampered_payload);
	tcase_add_test(tc, test_actlink_refuses_every_one_character_change);
	tcase_add_test(tc, test_actlink_refuses_a_flipped_mac_bit);
	tcase_add_test(tc, test_actlink_refuses_another_key);
	tcase_add_test(tc, test_actlink_expires_at_its_time);
	tcase_add_test(tc, test_actlink_expired_still_says_what_and_when);
	tcase_add_test(tc, test_actlink_verifies_with_the_second_key);
	tcase_add_test(tc, test_actlink_refuses_when_neither_key_signed);
	tcase_add_test(tc, test_actlink_verify_any_takes_one_or_two_keys);
	tcase_add_test(tc, test_actlink_skips_short_keys);
	tcase_add_test(tc, test_actlink_refuses_malformed_tokens);
	tcase_add_test(tc, test_actlink_refuses_stray_bits);
	tcase_add_test(tc, test_actlink_refuses_a_signed_payload_of_another_shape);
	tcase_add_test(tc, test_actlink_sign_refuses_bad_ids);
	tcase_add_test(tc, test_actlink_sign_refuses_an_expiry_out_of_range);
	suite_add_tcase(s, tc);
	return s;
}
