/* test_lead.c — lead validation and normalization. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/lead.h"

#include "check_suites.h"

/* The body validated with the warnings it got, as compact JSON ("" for none). */
static json_t *
warned(const char *body, char **warnings)
{
	json_t *in = json_loads(body, 0, NULL), *w;
	struct lead_error err;

	ck_assert_ptr_nonnull(in);
	ck_assert_msg(lead_validate(in, &w, &err) == 0, "refused: %s", err.message);
	*warnings = w != NULL ? json_dumps(w, JSON_COMPACT) : strdup("");
	json_decref(w);
	return in;
}

/* The body validated, without warnings. */
static json_t *
valid(const char *body)
{
	char *warnings;
	json_t *in = warned(body, &warnings);

	ck_assert_str_eq(warnings, "");
	free(warnings);
	return in;
}

static void
invalid(const char *body, const char *code, const char *field, const char *message)
{
	json_t *in = json_loads(body, JSON_DECODE_ANY, NULL), *w = json_true();
	struct lead_error err;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(lead_validate(in, &w, &err), -1);
	ck_assert_ptr_null(w);
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
	invalid("{\"first_name\": \"Ana\"}", "missing_field", "email", "email, phone or crm_id is required");
	invalid("{\"email\": \"   \"}", "missing_field", "email", "email, phone or crm_id is required");
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

START_TEST(test_lead_reads_employee_ranges_and_countries)
{
	json_t *f = valid("{\"email\": \"a@b.co\", \"employees\": \"1,000+\", \"country\": \" Deutschland\"}");

	ck_assert_int_eq(json_integer_value(json_object_get(f, "employees")), 1000);
	ck_assert_str_eq(json_string_value(json_object_get(f, "country")), "DE");
	json_decref(f);
	f = valid("{\"email\": \"a@b.co\", \"employees\": \"200 – 500 employees\", \"country\": \"u.s.a.\"}");
	ck_assert_int_eq(json_integer_value(json_object_get(f, "employees")), 200);
	ck_assert_str_eq(json_string_value(json_object_get(f, "country")), "US");
	json_decref(f);
	f = valid("{\"email\": \"a@b.co\", \"employees\": 1200.0, \"country\": \"gb\"}");
	ck_assert(json_is_integer(json_object_get(f, "employees")));
	ck_assert_int_eq(json_integer_value(json_object_get(f, "employees")), 1200);
	ck_assert_str_eq(json_string_value(json_object_get(f, "country")), "GB");
	json_decref(f);
}
END_TEST

START_TEST(test_lead_keeps_what_it_cannot_read_with_a_warning)
{
	static const struct {
		const char	*body;
		const char	*fields;
		const char	*warnings;
	} cases[] = {
		{ "{\"email\": \"a@b.co\", \"country\": \" Atlantis \"}",
		    "{\"email\":\"a@b.co\",\"country\":\"Atlantis\"}",
		    "[{\"field\":\"country\",\"value\":\" Atlantis \","
		    "\"message\":\"country is not a country we know: kept as sent\"}]" },
		{ "{\"email\": \"a@b.co\", \"employees\": \"many\"}", "{\"email\":\"a@b.co\"}",
		    "[{\"field\":\"employees\",\"value\":\"many\","
		    "\"message\":\"employees is not a number or a range of numbers: left out\"}]" },
		{ "{\"email\": \"a@b.co\", \"employees\": -3}", "{\"email\":\"a@b.co\"}",
		    "[{\"field\":\"employees\",\"value\":-3,"
		    "\"message\":\"employees must be between 0 and 100000000: left out\"}]" },
		{ "{\"email\": \"a@b.co\", \"employees\": \"200000000+\"}", "{\"email\":\"a@b.co\"}",
		    "[{\"field\":\"employees\",\"value\":\"200000000+\","
		    "\"message\":\"employees must be between 0 and 100000000: left out\"}]" },
		{ "{\"email\": \"a@b.co\", \"employees\": 2.5}", "{\"email\":\"a@b.co\"}",
		    "[{\"field\":\"employees\",\"value\":2.5,"
		    "\"message\":\"employees must be a whole number: left out\"}]" },
		{ "{\"email\": \"a@b.co\", \"employees\": \"500-200\", \"country\": \"N/A\"}",
		    "{\"email\":\"a@b.co\",\"country\":\"N/A\"}",
		    "[{\"field\":\"employees\",\"value\":\"500-200\","
		    "\"message\":\"employees is not a number or a range of numbers: left out\"},"
		    "{\"field\":\"country\",\"value\":\"N/A\","
		    "\"message\":\"country is not a country we know: kept as sent\"}]" },
	};
	struct lead_error err;
	json_t *in;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *warnings, *fields;
		json_t *f = warned(cases[i].body, &warnings);

		fields = json_dumps(f, JSON_COMPACT);
		ck_assert_str_eq(fields, cases[i].fields);
		ck_assert_str_eq(warnings, cases[i].warnings);
		free(fields);
		free(warnings);
		json_decref(f);
	}
	/* Callers that do not want them pass NULL. */
	in = json_loads("{\"email\": \"a@b.co\", \"country\": \"Mordor\"}", 0, NULL);
	ck_assert_int_eq(lead_validate(in, NULL, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(in, "country")), "Mordor");
	json_decref(in);
}
END_TEST

START_TEST(test_lead_rejects_employees_of_the_wrong_type)
{
	char body[300];

	invalid("{\"email\": \"a@b.co\", \"employees\": [200, 500]}", "invalid_field", "employees",
	    "employees must be a number or a string");
	invalid("{\"email\": \"a@b.co\", \"employees\": true}", "invalid_field", "employees",
	    "employees must be a number or a string");
	snprintf(body, sizeof(body), "{\"email\": \"a@b.co\", \"employees\": \"%0200d\"}", 0);
	invalid(body, "invalid_field", "employees", "employees is too long (at most 128 characters)");
	/* A refusal after a warning leaves no warnings behind. */
	invalid("{\"country\": \"Atlantis\", \"email\": \"nope\"}", "invalid_field", "email",
	    "email is not a valid address");
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
	tcase_add_test(tc, test_lead_reads_employee_ranges_and_countries);
	tcase_add_test(tc, test_lead_keeps_what_it_cannot_read_with_a_warning);
	tcase_add_test(tc, test_lead_rejects_employees_of_the_wrong_type);
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
