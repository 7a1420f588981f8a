/* test_lead.c — lead validation and normalization. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "leadroute/lead.h"

#include "check_suites.h"

static json_t *
valid(const char *body)
{
	json_t *in = json_loads(body, 0, NULL);
	struct lead_error err;

	ck_assert_ptr_nonnull(in);
	ck_assert_msg(lead_validate(in, &err) == 0, "refused: %s", err.message);
	return in;
}

static void
invalid(const char *body, const char *code, const char *field, const char *message)
{
	json_t *in = json_loads(body, JSON_DECODE_ANY, NULL);
	struct lead_error err;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(lead_validate(in, &err), -1);
	ck_assert_str_eq(err.code, code);
	ck_assert_str_eq(err.field, field);
	ck_assert_str_eq(err.message, message);
	json_decref(in);
}

START_TEST(test_lead_normalizes_email)
{
	json_t *f = valid("{\"email\": \"  Ana.Ruiz@Example.COM \", \"country\": \"DE\"}");

	ck_assert_str_eq(json_string_value(json_object_get(f, "email")), "ana.ruiz@example.com");
	ck_assert_str_eq(json_string_value(json_object_get(f, "country")), "DE");
	json_decref(f);
}
END_TEST

START_TEST(test_lead_keeps_unknown_fields)
{
	json_t *f = valid("{\"phone\": \"+49 30 1234567\", \"utm\": {\"campaign\": \"x\"}, \"score\": 3}");

	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(f, "utm"), "campaign")), "x");
	ck_assert_int_eq(json_integer_value(json_object_get(f, "score")), 3);
	json_decref(f);
}
END_TEST

START_TEST(test_lead_drops_empty_and_null_fields)
{
	json_t *f = valid("{\"email\": \"\", \"phone\": \"555 123 4567\", \"company\": null, \"title\": \"  \"}");

	ck_assert_ptr_null(json_object_get(f, "email"));
	ck_assert_ptr_null(json_object_get(f, "company"));
	ck_assert_ptr_null(json_object_get(f, "title"));
	ck_assert_int_eq(json_object_size(f), 1);
	json_decref(f);
}
END_TEST

START_TEST(test_lead_converts_numbers_written_as_text)
{
	json_t *f = valid("{\"email\": \"a@b.co\", \"employees\": \"250\", \"postal_code\": 10115}");

	ck_assert_int_eq(json_integer_value(json_object_get(f, "employees")), 250);
	ck_assert_str_eq(json_string_value(json_object_get(f, "postal_code")), "10115");
	json_decref(f);
}
END_TEST

START_TEST(test_lead_requires_email_or_phone)
{
	invalid("{\"first_name\": \"Ana\"}", "missing_field", "email", "email or phone is required");
	invalid("{\"email\": \"   \"}", "missing_field", "email", "email or phone is required");
}
END_TEST

START_TEST(test_lead_rejects_non_object)
{
	invalid("[1, 2]", "invalid_body", "", "the body must be a JSON object");
	invalid("\"x\"", "invalid_body", "", "the body must be a JSON object");
}
END_TEST

START_TEST(test_lead_rejects_bad_email)
{
	invalid("{\"email\": \"ana\"}", "invalid_field", "email", "email is not a valid address");
	invalid("{\"email\": \"a@b\"}", "invalid_field", "email", "email is not a valid address");
	invalid("{\"email\": \"a b@c.de\"}", "invalid_field", "email", "email is not a valid address");
	invalid("{\"email\": \"a@@c.de\"}", "invalid_field", "email", "email is not a valid address");
	invalid("{\"email\": 5}", "invalid_field", "email", "email must be a string");
}
END_TEST

START_TEST(test_lead_rejects_bad_phone)
{
	invalid("{\"phone\": \"123\"}", "invalid_field", "phone",
	    "phone must have 7 to 15 digits and only + ( ) - . and spaces");
	invalid("{\"phone\": \"555-CALL-NOW\"}", "invalid_field", "phone",
	    "phone must have 7 to 15 digits and only + ( ) - . and spaces");
}
END_TEST

START_TEST(test_lead_rejects_bad_employees)
{
	invalid("{\"email\": \"a@b.co\", \"employees\": -3}", "invalid_field", "employees",
	    "employees must be between 0 and 100000000");
	invalid("{\"email\": \"a@b.co\", \"employees\": \"many\"}", "invalid_field", "employees",
	    "employees must be a whole number");
	invalid("{\"email\": \"a@b.co\", \"employees\": 2.5}", "invalid_field", "employees",
	    "employees must be a whole number");
}
END_TEST

START_TEST(test_lead_rejects_wrong_type_for_known_field)
{
	invalid("{\"email\": \"a@b.co\", \"country\": [\"DE\"]}", "invalid_field", "country",
	    "country must be a string");
}
END_TEST

START_TEST(test_lead_rejects_overlong_field)
{
	char body[1400];

	snprintf(body, sizeof(body), "{\"email\": \"a@b.co\", \"title\": \"%0600d\"}", 0);
	invalid(body, "invalid_field", "title", "title is too long (at most 512 characters)");
}
END_TEST

START_TEST(test_lead_rejects_bad_event_id)
{
	invalid("{\"email\": \"a@b.co\", \"event_id\": \"has space\"}", "invalid_field", "event_id",
	    "event_id must be 1-255 printable ASCII characters");
}
END_TEST

START_TEST(test_lead_idempotency_key_rules)
{
	char long_key[300];

	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	ck_assert(lead_valid_idempotency_key("evt_123-abc:1"));
	ck_assert(!lead_valid_idempotency_key(""));
	ck_assert(!lead_valid_idempotency_key("a b"));
	ck_assert(!lead_valid_idempotency_key("caf\xc3\xa9"));
	ck_assert(!lead_valid_idempotency_key(long_key));
}
END_TEST

START_TEST(test_lead_value_text_formats_scalars)
{
	json_t *f = json_pack("{s:s, s:i, s:b, s:[], s:f, s:f, s:n}", "country", "DE",
	    "employees", 250, "partner", 1, "tags", "share", 0.1, "big", 1e300, "none");
	char tmp[32];

	ck_assert_str_eq(lead_value_text(json_object_get(f, "country"), tmp, sizeof(tmp)), "DE");
	ck_assert_str_eq(lead_value_text(json_object_get(f, "employees"), tmp, sizeof(tmp)), "250");
	ck_assert_str_eq(lead_value_text(json_object_get(f, "partner"), tmp, sizeof(tmp)), "true");
	ck_assert_str_eq(lead_value_text(json_object_get(f, "share"), tmp, sizeof(tmp)), "0.1");
	ck_assert_str_eq(lead_value_text(json_object_get(f, "big"), tmp, sizeof(tmp)), "1e+300");
	ck_assert_ptr_null(lead_value_text(json_object_get(f, "tags"), tmp, sizeof(tmp)));
	ck_assert_ptr_null(lead_value_text(json_object_get(f, "none"), tmp, sizeof(tmp)));
	ck_assert_ptr_null(lead_value_text(json_object_get(f, "missing"), tmp, sizeof(tmp)));
	json_decref(f);
}
END_TEST

START_TEST(test_lead_contact_key_normalizes_tags)
{
	json_t *a = json_pack("{s:s}", "email", "sam.lee+webinar@example.org");
	json_t *b = json_pack("{s:s}", "email", "sam.lee@example.org");
	json_t *c = json_pack("{s:s}", "email", "sam.le@example.org");
	json_t *none = json_pack("{s:s}", "phone", "5551234567");
	char ka[65], kb[65], kc[65];

	ck_assert_int_eq(lead_contact_key(a, ka), 0);
	ck_assert_int_eq(lead_contact_key(b, kb), 0);
	ck_assert_int_eq(lead_contact_key(c, kc), 0);
	ck_assert_str_eq(ka, kb);
	ck_assert_str_ne(ka, kc);
	ck_assert_int_eq(strlen(ka), 64);
	/* SHA-256 of "sam.lee@example.org". */
	ck_assert_str_eq(kb, "ea809b6a7a1a5d8a63a04e93dcbfaeb6fe46bc1ea3d78968c00106d3157c5d79");
	ck_assert_int_eq(lead_contact_key(none, ka), -1);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(none);
}
END_TEST

START_TEST(test_lead_email_domains_include_parents)
{
	json_t *f = json_pack("{s:s}", "email", "ana@eu.sales.acme.com");
	json_t *g = json_pack("{s:s}", "phone", "5551234567");
	char out[256];

	lead_email_domains(f, out, sizeof(out));
	ck_assert_str_eq(out, "eu.sales.acme.com,sales.acme.com,acme.com");
	lead_email_domains(g, out, sizeof(out));
	ck_assert_str_eq(out, "");
	json_decref(f);
	json_decref(g);
}
END_TEST

Suite *
lead_suite(void)
{
	Suite *s = suite_create("lead");
	TCase *tc = tcase_create("lead");

	tcase_add_test(tc, test_lead_normalizes_email);
	tcase_add_test(tc, test_lead_keeps_unknown_fields);
	tcase_add_test(tc, test_lead_drops_empty_and_null_fields);
	tcase_add_test(tc, test_lead_converts_numbers_written_as_text);
	tcase_add_test(tc, test_lead_requires_email_or_phone);
	tcase_add_test(tc, test_lead_rejects_non_object);
	tcase_add_test(tc, test_lead_rejects_bad_email);
	tcase_add_test(tc, test_lead_rejects_bad_phone);
	tcase_add_test(tc, test_lead_rejects_bad_employees);
	tcase_add_test(tc, test_lead_rejects_wrong_type_for_known_field);
	tcase_add_test(tc, test_lead_rejects_overlong_field);
	tcase_add_test(tc, test_lead_rejects_bad_event_id);
	tcase_add_test(tc, test_lead_idempotency_key_rules);
	tcase_add_test(tc, test_lead_value_text_formats_scalars);
	tcase_add_test(tc, test_lead_contact_key_normalizes_tags);
	tcase_add_test(tc, test_lead_email_domains_include_parents);
	suite_add_tcase(s, tc);
	return s;
}
