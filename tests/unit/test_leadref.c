/* test_leadref.c — a lead named by its id or by email:, phone:, crm: and a value. */
#include "config.h"

#include <string.h>

#include "leadroute/leadref.h"
#include "leadroute/pii.h"

#include "check_suites.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef";

/* text parses as kind with value; returns the value. */
static const char *
parses(const char *text, enum leadref_kind kind)
{
	struct leadref ref;

	ck_assert_msg(leadref_parse(text, &ref) == 0, "%s: %s", text, ref.why);
	ck_assert_int_eq(ref.kind, kind);
	ck_assert_ptr_null(ref.why);
	return ref.value;
}

/* text is refused with a reason that says why. */
static const char *
refused(const char *text)
{
	struct leadref ref;

	ck_assert_msg(leadref_parse(text, &ref) == -1, "%s was taken", text ? text : "NULL");
	ck_assert_ptr_null(ref.value);
	ck_assert_ptr_nonnull(ref.why);
	return ref.why;
}

/* The hash of a reference's value is the hash of the lead's field it names. */
static void
same_hash(const char *kind, const char *ref_value, const char *field_value)
{
	char a[PII_HASH_LEN + 1], b[PII_HASH_LEN + 1];

	ck_assert_int_eq(pii_hash(kind, ref_value, key, sizeof(key) - 1, a), 0);
	ck_assert_int_eq(pii_hash(kind, field_value, key, sizeof(key) - 1, b), 0);
	ck_assert_str_eq(a, b);
}

START_TEST(test_leadref_takes_a_lead_id_as_it_is)
{
	const char *id = "01JD2Z3G4H5J6K7M8N9P0QRSTV";

	ck_assert_ptr_eq(parses(id, LEADREF_ID), id);
	ck_assert_str_eq(leadref_kind_name(LEADREF_ID), "id");
	/* Not an id, and no prefix either. */
	ck_assert_ptr_nonnull(strstr(refused("01JD2Z3G4H5J6K7M8N9P0QRST"), "neither a lead id"));
	refused("01jd2z3g4h5j6k7m8n9p0qrstv");
	refused("81JD2Z3G4H5J6K7M8N9P0QRSTV");	/* past 2^48 ms */
	refused("ana@example.com");
	ck_assert_str_eq(refused(""), "no lead is named");
	ck_assert_str_eq(refused(NULL), "no lead is named");
}
END_TEST

START_TEST(test_leadref_reads_each_kind)
{
	ck_assert_str_eq(parses("email:ana@example.com", LEADREF_EMAIL), "ana@example.com");
	ck_assert_str_eq(parses("phone:+1 202 555 0199", LEADREF_PHONE), "+1 202 555 0199");
	ck_assert_str_eq(parses("crm:003Dn00000AbCdE", LEADREF_CRM), "003Dn00000AbCdE");
	ck_assert_str_eq(parses("crm:12345", LEADREF_CRM), "12345");
	/* The prefix in any case; the value after the first colon, colons and all. */
	ck_assert_str_eq(parses("EMAIL:Ana@Example.com", LEADREF_EMAIL), "Ana@Example.com");
	ck_assert_str_eq(parses("Crm:a:b", LEADREF_CRM), "a:b");
	ck_assert_str_eq(leadref_kind_name(LEADREF_EMAIL), "email");
	ck_assert_str_eq(leadref_kind_name(LEADREF_PHONE), "phone");
	ck_assert_str_eq(leadref_kind_name(LEADREF_CRM), "crm");
}
END_TEST

START_TEST(test_leadref_values_hash_as_the_leads_fields)
{
	/* An email's case and spaces, a phone's punctuation: as the lead's. */
	same_hash("email", parses("email: Grace.Hopper@Navy.example ", LEADREF_EMAIL),
	    "grace.hopper@navy.example");
	same_hash("phone", parses("phone:+12025550199", LEADREF_PHONE), "+1 (202) 555-0199");
	same_hash("phone", parses("phone:202.555.0199", LEADREF_PHONE), "202 555 0199");
	/* A CRM's id keeps its case. */
	same_hash("crm", parses("crm:003Dn00000AbCdE", LEADREF_CRM), " 003Dn00000AbCdE");
}
END_TEST

START_TEST(test_leadref_refuses_an_unknown_kind)
{
	const char *why = refused("mail:ana@example.com");

	ck_assert_ptr_nonnull(strstr(why, "unknown kind of reference"));
	ck_assert_ptr_nonnull(strstr(why, "email:, phone: or crm:"));
	refused("crm_id:12345");
	refused(":12345");
	refused("e-mail:ana@example.com");
	refused("/v1/leads:x");
}
END_TEST

START_TEST(test_leadref_refuses_an_empty_value)
{
	ck_assert_str_eq(refused("email:"), "an email reference needs an address");
	ck_assert_str_eq(refused("email:   "), "an email reference needs an address");
	ck_assert_str_eq(refused("phone:"), "a phone reference needs a number");
	ck_assert_str_eq(refused("crm:"), "a crm reference needs a CRM's record id");
	ck_assert_str_eq(refused("crm: "), "a crm reference needs a CRM's record id");
	/* An email without an @ (or nothing on one side), a phone without digits. */
	ck_assert_str_eq(refused("email:ana"), "an email reference needs an address (name@domain)");
	refused("email:@example.com");
	refused("email:ana@");
	refused("email: @ ");
	ck_assert_str_eq(refused("phone:+"), "a phone reference needs digits");
	refused("phone:call me");
}
END_TEST

START_TEST(test_leadref_refuses_control_characters_and_long_values)
{
	char text[300];

	ck_assert_ptr_nonnull(strstr(refused("email:ana@x.com\n"), "control characters"));
	refused("crm:a\tb");
	refused("crm:a\x7f");
	memset(text, 'a', sizeof(text));
	memcpy(text, "crm:", 4);
	text[4 + LEADREF_VALUE_MAX] = '\0';
	parses(text, LEADREF_CRM);
	text[4 + LEADREF_VALUE_MAX] = 'a';
	text[5 + LEADREF_VALUE_MAX] = '\0';
	ck_assert_ptr_nonnull(strstr(refused(text), "at most 254 bytes"));
	/* Bytes past ASCII are the value's own (an address may hold them). */
	parses("email:jos\xc3\xa9@example.com", LEADREF_EMAIL);
}
END_TEST

Suite *
leadref_suite(void)
{
	Suite *s = suite_create("leadref");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_leadref_takes_a_lead_id_as_it_is);
	tcase_add_test(tc, test_leadref_reads_each_kind);
	tcase_add_test(tc, test_leadref_values_hash_as_the_leads_fields);
	tcase_add_test(tc, test_leadref_refuses_an_unknown_kind);
	tcase_add_test(tc, test_leadref_refuses_an_empty_value);
	tcase_add_test(tc, test_leadref_refuses_control_characters_and_long_values);
	suite_add_tcase(s, tc);
	return s;
}
