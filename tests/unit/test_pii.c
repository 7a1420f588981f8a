/* test_pii.c — keyed hashes of emails and phones. */
#include "config.h"

#include <string.h>

#include "leadroute/pii.h"

#include "check_suites.h"

static const unsigned char key[] = "0123456789abcdef";

START_TEST(test_pii_email_is_normalized_before_hashing)
{
	char a[PII_HASH_LEN + 1], b[PII_HASH_LEN + 1];

	ck_assert_int_eq(pii_hash("email", "Ada@Example.COM", key, 16, a), 0);
	ck_assert_int_eq(pii_hash("email", "  ada@example.com ", key, 16, b), 0);
	ck_assert_str_eq(a, b);
	ck_assert_uint_eq(strlen(a), PII_HASH_LEN);
	ck_assert_ptr_null(strstr(a, "ada"));
}
END_TEST

START_TEST(test_pii_phone_keeps_digits_and_plus)
{
	char a[PII_HASH_LEN + 1], b[PII_HASH_LEN + 1], c[PII_HASH_LEN + 1];

	ck_assert_int_eq(pii_hash("phone", "+49 (30) 1234-567", key, 16, a), 0);
	ck_assert_int_eq(pii_hash("phone", "+49301234567", key, 16, b), 0);
	ck_assert_int_eq(pii_hash("phone", "49301234567", key, 16, c), 0);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_int_eq(pii_hash("phone", " + - ", key, 16, c), -1);
}
END_TEST

START_TEST(test_pii_key_and_kind_change_the_hash)
{
	static const unsigned char other[] = "fedcba9876543210";
	char a[PII_HASH_LEN + 1], b[PII_HASH_LEN + 1], c[PII_HASH_LEN + 1];

	pii_hash("email", "12345", key, 16, a);
	pii_hash("email", "12345", other, 16, b);
	pii_hash("phone", "12345", key, 16, c);
	ck_assert_str_ne(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_int_eq(pii_hash("email", "   ", key, 16, a), -1);
}
END_TEST

START_TEST(test_pii_lead_subjects_lists_email_then_phone)
{
	json_t *lead = json_pack("{s:s, s:s}", "email", "a@b.co", "phone", "+1 555 0100");
	char e[PII_HASH_LEN + 1], p[PII_HASH_LEN + 1], want[120], got[PII_SUBJECTS_LEN];
	char kinds[PII_KINDS_LEN];

	pii_hash("email", "a@b.co", key, 16, e);
	pii_hash("phone", "+15550100", key, 16, p);
	snprintf(want, sizeof(want), "%s,%s", e, p);
	pii_lead_subjects(lead, key, 16, got, sizeof(got), kinds);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(kinds, "email,phone");
	json_object_del(lead, "email");
	pii_lead_subjects(lead, key, 16, got, sizeof(got), kinds);
	ck_assert_str_eq(got, p);
	ck_assert_str_eq(kinds, "phone");
	json_object_del(lead, "phone");
	pii_lead_subjects(lead, key, 16, got, sizeof(got), kinds);
	ck_assert_str_eq(got, "");
	ck_assert_str_eq(kinds, "");
	json_decref(lead);
}
END_TEST

/* A CRM id is an identity too, as text or a number, and keeps its case. */
START_TEST(test_pii_lead_subjects_adds_the_crm_id)
{
	json_t *lead = json_pack("{s:s, s:s}", "email", "a@b.co", "crm_id", "00Q5e00000AbCdE");
	char e[PII_HASH_LEN + 1], c[PII_HASH_LEN + 1], lower[PII_HASH_LEN + 1], want[120];
	char got[PII_SUBJECTS_LEN], kinds[PII_KINDS_LEN];

	pii_hash("email", "a@b.co", key, 16, e);
	pii_hash("crm", "00Q5e00000AbCdE", key, 16, c);
	pii_hash("crm", "00Q5e00000abcde", key, 16, lower);
	ck_assert_str_ne(c, lower);
	snprintf(want, sizeof(want), "%s,%s", e, c);
	pii_lead_subjects(lead, key, 16, got, sizeof(got), kinds);
	ck_assert_str_eq(got, want);
	ck_assert_str_eq(kinds, "email,crm");
	json_object_set_new(lead, "crm_id", json_integer(501));
	pii_hash("crm", "501", key, 16, c);
	snprintf(want, sizeof(want), "%s,%s", e, c);
	pii_lead_subjects(lead, key, 16, got, sizeof(got), kinds);
	ck_assert_str_eq(got, want);
	json_decref(lead);
}
END_TEST

Suite *
pii_suite(void)
{
	Suite *s = suite_create("pii");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, test_pii_email_is_normalized_before_hashing);
	tcase_add_test(tc, test_pii_phone_keeps_digits_and_plus);
	tcase_add_test(tc, test_pii_key_and_kind_change_the_hash);
	tcase_add_test(tc, test_pii_lead_subjects_lists_email_then_phone);
	tcase_add_test(tc, test_pii_lead_subjects_adds_the_crm_id);
	suite_add_tcase(s, tc);
	return s;
}
