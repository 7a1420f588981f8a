/* test_mapping.c — payload mapping: presets on real samples, rules, strict bodies, forms. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/form.h"
#include "leadroute/mapping.h"
#include "leadroute/util.h"

#include "check_suites.h"

static const struct mapping_limits LIM = { 100, 32, 1000 };

/* A fixture's bytes, without a trailing newline. */
static char *
fixture(const char *name, size_t *len)
{
	char path[512], chunk[4096];
	struct buf b = { NULL, 0, 0 };
	size_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tests/fixtures/sources/%s", SRCDIR, name);
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	*len = b.len;
	return b.data;
}

static struct mapping *
compile(const char *spec_text)
{
	json_t *spec = json_loads(spec_text, 0, NULL);
	char *cause = NULL;
	struct mapping *m;

	ck_assert_msg(spec != NULL, "bad spec text: %s", spec_text);
	m = mapping_compile(spec, &cause);
	ck_assert_msg(m != NULL, "spec refused: %s", cause != NULL ? cause : "?");
	json_decref(spec);
	return m;
}

static void
compile_fails(const char *spec_text, const char *want)
{
	json_t *spec = json_loads(spec_text, 0, NULL);
	char *cause = NULL;

	ck_assert_ptr_null(mapping_compile(spec, &cause));
	ck_assert_msg(strcmp(cause, want) == 0, "got \"%s\", want \"%s\"", cause, want);
	free(cause);
	json_decref(spec);
}

/* The lead as compact JSON with sorted keys, to compare whole. */
static void
assert_lead(const struct mapping_event *ev, const char *want)
{
	char *got;

	ck_assert_msg(ev->lead != NULL, "event %s refused: %s", ev->event_id, ev->message);
	got = json_dumps(ev->lead, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_msg(strcmp(got, want) == 0, "got  %s\nwant %s", got, want);
	free(got);
}

static void
apply_preset(const char *preset, const char *file, const char *ct, struct mapping_result *r)
{
	struct mapping_error err;
	struct mapping *m;
	char spec[128], *body;
	size_t len;

	snprintf(spec, sizeof(spec), "{\"preset\": \"%s\"}", preset);
	m = compile(spec);
	body = fixture(file, &len);
	ck_assert_msg(mapping_apply(m, &LIM, ct, body, len, r, &err) == 0, "%s: %s", preset,
	    err.message);
	free(body);
	mapping_free(m);
}

START_TEST(test_mapping_hubspot_webhooks_fixture)
{
	struct mapping_result r;

	apply_preset("hubspot_webhooks", "hubspot_webhooks.json", "application/json", &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 5);
	ck_assert_str_eq(r.events[0].event_id, "1101");
	ck_assert_int_eq(r.events[0].ignored, 1);
	ck_assert_str_eq(r.events[0].message,
	    "/subscriptionType is \"contact.creation\": not routed by this source");
	assert_lead(&r.events[1], "{\"crm_id\":5101,\"email\":\"ada.lovelace@analytical.example\","
	    "\"event\":\"contact.propertyChange\",\"portal_id\":62515,\"source\":\"hubspot\"}");
	ck_assert_int_eq(r.events[2].ignored, 1);
	ck_assert_str_eq(r.events[2].message, "/propertyName is \"firstname\": not routed by this source");
	ck_assert_int_eq(r.events[3].ignored, 1);
	assert_lead(&r.events[4], "{\"crm_id\":5102,\"event\":\"contact.propertyChange\","
	    "\"phone\":\"+44 20 7946 0958\",\"portal_id\":62515,\"source\":\"hubspot\"}");
	ck_assert_str_eq(r.events[4].event_id, "1105");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_hubspot_workflow_fixture)
{
	struct mapping_result r, again;

	apply_preset("hubspot_workflow", "hubspot_workflow.json", "application/json", &r);
	ck_assert_int_eq(r.batch, 0);
	ck_assert_uint_eq(r.nevents, 1);
	assert_lead(&r.events[0], "{\"company\":\"Cobol Labs\",\"country\":\"US\",\"crm_id\":3234574,"
	    "\"email\":\"grace.hopper@cobol.example\",\"employees\":250,\"first_name\":\"Grace\","
	    "\"hs_source\":\"ORGANIC_SEARCH\",\"industry\":\"COMPUTER_SOFTWARE\",\"last_name\":\"Hopper\","
	    "\"phone\":\"+1 202 555 0123\",\"postal_code\":\"22202\",\"source\":\"hubspot\","
	    "\"state\":\"VA\",\"title\":\"CTO\"}");
	/* No event id in the payload: a hash of it, the same for the same record. */
	ck_assert_int_eq(strncmp(r.events[0].event_id, "sha256:", 7), 0);
	ck_assert_uint_eq(strlen(r.events[0].event_id), 7 + 64);
	apply_preset("hubspot_workflow", "hubspot_workflow.json", "application/json", &again);
	ck_assert_str_eq(again.events[0].event_id, r.events[0].event_id);
	mapping_result_free(&r);
	mapping_result_free(&again);
}
END_TEST

START_TEST(test_mapping_marketo_fixture)
{
	struct mapping_result r;

	apply_preset("marketo", "marketo.json", "application/json; charset=UTF-8", &r);
	ck_assert_str_eq(r.events[0].event_id, "1043:2026-11-23T09:30:15Z");
	assert_lead(&r.events[0], "{\"company\":\"Bletchley Analytics\",\"country\":\"GB\","
	    "\"crm_id\":\"1043\",\"email\":\"alan@turing.example\",\"employees\":1200,"
	    "\"first_name\":\"Alan\",\"industry\":\"Software\",\"last_name\":\"Turing\","
	    "\"phone\":\"+44 1908 640404\",\"postal_code\":\"MK3 6EB\",\"source\":\"Webinar\","
	    "\"title\":\"Head of Research\"}");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_salesforce_form_fixture)
{
	struct mapping_result r;

	apply_preset("salesforce_form", "salesforce_form.txt", "application/x-www-form-urlencoded",
	    &r);
	assert_lead(&r.events[0], "{\"company\":\"Orbit Analytics\",\"country\":\"US\","
	    "\"email\":\"katherine.johnson@orbit.example\",\"employees\":320,"
	    "\"first_name\":\"Katherine\",\"last_name\":\"Johnson\",\"phone\":\"+1 757 555 0142\","
	    "\"postal_code\":\"23681\",\"source\":\"Web\",\"state\":\"VA\",\"title\":\"VP Engineering\"}");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_webform_fixture)
{
	struct mapping_result r;

	apply_preset("webform", "webform.txt", "application/x-www-form-urlencoded", &r);
	assert_lead(&r.events[0], "{\"company\":\"Analytical Engines\",\"country\":\"GB\","
	    "\"email\":\"ada@analytical.example\",\"first_name\":\"Ada\",\"last_name\":\"King Lovelace\","
	    "\"message\":\"Please call me about pricing! \xe2\x82\xac OK?\",\"phone\":\"+44 20 7946 0958\","
	    "\"source\":\"webform\"}");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_generic_fixture_passes_fields_through)
{
	struct mapping_result r;

	apply_preset("generic", "generic.json", "application/json", &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 2);
	ck_assert_str_eq(r.events[0].event_id, "signup-77");
	assert_lead(&r.events[0], "{\"company\":\"Apollo Software\",\"country\":\"US\","
	    "\"email\":\"Margaret@Hamilton.example\",\"employees\":40,\"event_id\":\"signup-77\","
	    "\"first_name\":\"Margaret\",\"plan\":\"team\",\"source\":\"product\"}");
	ck_assert_str_eq(r.events[1].event_id, "signup-78");
	mapping_result_free(&r);
}
END_TEST

static void
apply_text(const struct mapping *m, const char *ct, const char *body, struct mapping_result *r)
{
	struct mapping_error err;

	ck_assert_msg(mapping_apply(m, &LIM, ct, body, strlen(body), r, &err) == 0, "%s",
	    err.message);
}

START_TEST(test_mapping_transforms_maps_defaults_and_rule_lists)
{
	struct mapping *m = compile("{\"fields\": {"
	    "\"first_name\": {\"from\": \"/n\", \"transform\": \"first_word\"},"
	    "\"last_name\": {\"from\": \"/n\", \"transform\": \"rest_words\"},"
	    "\"email\": {\"from\": [\"/mail\", \"/e/m~1x\"], \"transform\": [\"trim\", \"lowercase\"]},"
	    "\"phone\": {\"from\": \"/p\", \"transform\": \"digits\"},"
	    "\"country\": {\"from\": \"/c\", \"transform\": \"uppercase\", \"map\": {\"UK\": \"GB\"}},"
	    "\"employees\": {\"from\": \"/size\", \"transform\": \"number\"},"
	    "\"industry\": {\"from\": \"/ind\", \"default\": \"unknown\"},"
	    "\"title\": [{\"from\": \"/t1\", \"when\": {\"/kind\": \"a\"}}, \"/t2\"]},"
	    " \"constants\": {\"source\": \"test\"}}");
	struct mapping_result r;

	apply_text(m, "application/json", "{\"n\": \"  Ada  King Lovelace \", \"mail\": \"\","
	    " \"e\": {\"m/x\": \" A@B.CO \"}, \"p\": \" +1 (555) 010-0199\", \"c\": \"uk\","
	    " \"size\": \"25-50\", \"kind\": \"b\", \"t1\": \"CEO\", \"t2\": \"CTO\"}", &r);
	assert_lead(&r.events[0], "{\"country\":\"GB\",\"email\":\"a@b.co\",\"first_name\":\"Ada\","
	    "\"industry\":\"unknown\",\"last_name\":\"King Lovelace\",\"phone\":\"+15550100199\","
	    "\"source\":\"test\",\"title\":\"CTO\"}");
	mapping_result_free(&r);
	apply_text(m, "application/json", "{\"n\": \"Cher\", \"size\": 12, \"kind\": \"a\", "
	    "\"t1\": \"CEO\"}", &r);
	assert_lead(&r.events[0], "{\"employees\":12,\"first_name\":\"Cher\",\"industry\":\"unknown\","
	    "\"source\":\"test\",\"title\":\"CEO\"}");
	mapping_result_free(&r);
	/* An object where a value belongs refuses that event, naming the field. */
	apply_text(m, "application/json", "{\"n\": {\"first\": \"Ada\"}}", &r);
	ck_assert_ptr_null(r.events[0].lead);
	ck_assert_str_eq(r.events[0].error_code, "invalid_event");
	ck_assert_str_eq(r.events[0].error_field, "first_name");
	ck_assert_str_eq(r.events[0].message, "/n holds an object, not a value (for first_name)");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_event_ids)
{
	struct mapping *m = compile("{\"event_id\": [\"/a\", \"/b\"], \"passthrough\": true}");
	struct mapping_result r, r2;
	char big[400];

	apply_text(m, "application/json", "[{\"a\": \"x\", \"b\": 7}, {\"a\": \"x\"}, "
	    "{\"a\": \"has space\", \"b\": 1}, 5]", &r);
	ck_assert_str_eq(r.events[0].event_id, "x:7");
	/* Part of the id missing: the event's hash, whatever its key order. */
	ck_assert_int_eq(strncmp(r.events[1].event_id, "sha256:", 7), 0);
	ck_assert_ptr_null(r.events[2].lead);
	ck_assert_str_eq(r.events[2].error_field, "event_id");
	ck_assert_ptr_null(r.events[3].lead);
	ck_assert_str_eq(r.events[3].message, "an event must be an object");
	apply_text(m, "application/json", "[{\"b\": 1, \"c\": 2}, {\"c\": 2, \"b\": 1}]", &r2);
	ck_assert_str_eq(r2.events[0].event_id, r2.events[1].event_id);
	mapping_result_free(&r);
	mapping_result_free(&r2);
	memset(big, 'y', sizeof(big));
	memcpy(big, "{\"a\": \"", 7);
	memcpy(big + 300, "\", \"b\": 1}", 11);
	apply_text(m, "application/json", big, &r);
	ck_assert_ptr_null(r.events[0].lead);
	ck_assert_str_eq(r.events[0].error_field, "event_id");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

static void
apply_fails(const struct mapping *m, const char *ct, const char *body, size_t len, int status,
    const char *code)
{
	struct mapping_result r;
	struct mapping_error err;

	ck_assert_int_eq(mapping_apply(m, &LIM, ct, body, len, &r, &err), -1);
	ck_assert_msg(err.status == status && strcmp(err.code, code) == 0, "%s: got %d %s (%s)",
	    body, err.status, err.code, err.message);
	ck_assert_ptr_null(r.events);
}

START_TEST(test_mapping_refuses_bad_json_bodies)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct mapping *single = compile("{\"preset\": \"generic\", \"batch\": \"single\"}");
	const char *ct = "application/json";
	char deep[100];
	struct buf many = { NULL, 0, 0 };
	int i;

	apply_fails(m, ct, "{\"email\": \"a@b.co\", \"email\": \"c@d.co\"}", 38, 400, "malformed_json");
	apply_fails(m, ct, "{\"n\": 1e999}", 12, 400, "malformed_json");
	apply_fails(m, ct, "{\"n\": 99999999999999999999}", 27, 400, "malformed_json");
	apply_fails(m, ct, "{\"n\": \"\xc3\x28\"}", 11, 400, "malformed_json");
	apply_fails(m, ct, "{\"n\": \"a\\u0000b\"}", 17, 400, "malformed_json");
	apply_fails(m, ct, "{\"n\": \"a\0b\"}", 12, 400, "malformed_json");
	apply_fails(m, ct, "{\"email\": ", 10, 400, "malformed_json");
	apply_fails(m, ct, "", 0, 400, "malformed_json");
	for (i = 0; i < 33; i++)
		deep[i] = '[';
	for (i = 33; i < 66; i++)
		deep[i] = ']';
	apply_fails(m, ct, deep, 66, 400, "too_deep");
	apply_fails(m, ct, "[]", 2, 422, "invalid_body");
	apply_fails(m, ct, "\"x\"", 3, 422, "invalid_body");
	apply_fails(single, ct, "[{}]", 4, 422, "invalid_body");
	buf_append(&many, "[", 1);
	for (i = 0; i < 101; i++)
		buf_appendf(&many, "%s{}", i > 0 ? "," : "");
	buf_append(&many, "]", 1);
	apply_fails(m, ct, many.data, many.len, 413, "too_many_events");
	apply_fails(m, "text/plain", "{}", 2, 415, "unsupported_media_type");
	apply_fails(m, "application/json; charset=latin-1", "{}", 2, 415, "unsupported_media_type");
	apply_fails(m, NULL, "{}", 2, 415, "unsupported_media_type");
	buf_free(&many);
	mapping_free(m);
	mapping_free(single);
}
END_TEST

START_TEST(test_form_decoding)
{
	const char body[] = "a=1+2%2B3&b=%e2%82%AC&a=x&flag&=skipped&c=&d=%41%62";
	char *cause = NULL, *got;
	json_t *f = form_parse(body, strlen(body), 10, &cause);

	ck_assert_ptr_nonnull(f);
	got = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(got, "{\"a\":[\"1 2+3\",\"x\"],\"b\":\"\xe2\x82\xac\",\"c\":\"\",\"d\":\"Ab\","
	    "\"flag\":\"\"}");
	free(got);
	json_decref(f);
}
END_TEST

START_TEST(test_form_refusals)
{
	static const struct {
		const char	*body;
		size_t		 len;
		const char	*cause;
	} bad[] = {
		{ "a=%zz", 5, "bad escape at byte 2: % must be followed by two hex digits" },
		{ "a=%0", 4, "bad escape at byte 2: % must be followed by two hex digits" },
		{ "a=b%", 4, "bad escape at byte 3: % must be followed by two hex digits" },
		{ "a=%00", 5, "a NUL byte at byte 2" },
		{ "a=x\0y", 5, "a NUL byte at byte 3" },
		{ "a=%C0%AF", 8, "invalid UTF-8 in the field at byte 2" },
		{ "a=%ED%A0%80", 11, "invalid UTF-8 in the field at byte 2" },
		{ "a=%F4%90%80%80", 14, "invalid UTF-8 in the field at byte 2" },
		{ "%FF=1", 5, "invalid UTF-8 in the field at byte 0" },
		{ "a=1&b=2&c=3", 11, "more than 2 fields" },
	};
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		char *cause = NULL;

		ck_assert_ptr_null(form_parse(bad[i].body, bad[i].len, 2, &cause));
		ck_assert_msg(strcmp(cause, bad[i].cause) == 0, "%zu: got \"%s\"", i, cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_mapping_form_source_refuses_bad_forms_as_400)
{
	struct mapping *m = compile("{\"preset\": \"webform\"}");
	const char *ct = "application/x-www-form-urlencoded";

	apply_fails(m, ct, "email=a%zz", 10, 400, "malformed_form");
	apply_fails(m, "application/x-www-form-urlencoded; charset=ISO-8859-1", "email=a", 7, 415,
	    "unsupported_media_type");
	apply_fails(m, "application/json", "{}", 2, 415, "unsupported_media_type");
	ck_assert_str_eq(mapping_format(m), "form");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_spec_errors)
{
	const char *const *names = mapping_preset_names();
	size_t i;

	compile_fails("{\"preset\": \"pardot\"}", "preset: unknown preset \"pardot\" (hubspot_webhooks, "
	    "hubspot_workflow, marketo, salesforce_form, webform, generic)");
	compile_fails("{\"fields\": {\"email\": {\"from\": \"/e\", \"transform\": \"lower\"}}}",
	    "fields.email.transform: unknown transform \"lower\" (lowercase, uppercase, trim, "
	    "first_word, rest_words, digits, number)");
	compile_fails("{\"fields\": {\"email\": \"email\"}}",
	    "fields.email: \"email\" is not a JSON pointer (they start with /)");
	compile_fails("{\"fields\": {\"email\": {\"frm\": \"/e\"}}}",
	    "fields.email: unknown member \"frm\"");
	compile_fails("{\"fields\": {\"email\": {\"transform\": \"trim\"}}}",
	    "fields.email: needs from or default");
	compile_fails("{\"format\": \"xml\", \"fields\": {\"email\": \"/e\"}}",
	    "format: expected json or form");
	compile_fails("{\"batch\": \"many\", \"fields\": {\"email\": \"/e\"}}",
	    "batch: expected single, array or either");
	compile_fails("{\"colour\": 1}", "unknown member \"colour\"");
	compile_fails("{\"format\": \"json\"}", "fields: a mapping needs fields (or passthrough)");
	compile_fails("{\"fields\": {\"t\": [{\"from\": \"/a\", \"when\": {\"/k\": 1}}]}}",
	    "fields.t[0].when: expected {\"/pointer\": \"value\"}");
	/* A preset's field can be dropped or replaced. */
	for (i = 0; names[i] != NULL; i++) {
		json_t *spec = mapping_preset(names[i]);
		char *cause = NULL;
		struct mapping *m = mapping_compile(spec, &cause);

		ck_assert_msg(m != NULL, "%s: %s", names[i], cause);
		mapping_free(m);
		json_decref(spec);
	}
	ck_assert_uint_eq(i, 6);
}
END_TEST

START_TEST(test_mapping_preset_overrides)
{
	struct mapping *m = compile("{\"preset\": \"webform\", \"fields\": {\"message\": null, "
	    "\"title\": \"/role\"}, \"constants\": {\"source\": \"landing-page\"}}");
	struct mapping_result r;

	apply_text(m, "application/x-www-form-urlencoded", "email=a%40b.co&message=hi&role=CFO", &r);
	assert_lead(&r.events[0], "{\"email\":\"a@b.co\",\"source\":\"landing-page\",\"title\":\"CFO\"}");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

Suite *
mapping_suite(void)
{
	Suite *s = suite_create("mapping");
	TCase *tc = tcase_create("map");

	tcase_add_test(tc, test_mapping_hubspot_webhooks_fixture);
	tcase_add_test(tc, test_mapping_hubspot_workflow_fixture);
	tcase_add_test(tc, test_mapping_marketo_fixture);
	tcase_add_test(tc, test_mapping_salesforce_form_fixture);
	tcase_add_test(tc, test_mapping_webform_fixture);
	tcase_add_test(tc, test_mapping_generic_fixture_passes_fields_through);
	tcase_add_test(tc, test_mapping_transforms_maps_defaults_and_rule_lists);
	tcase_add_test(tc, test_mapping_event_ids);
	tcase_add_test(tc, test_mapping_refuses_bad_json_bodies);
	tcase_add_test(tc, test_form_decoding);
	tcase_add_test(tc, test_form_refusals);
	tcase_add_test(tc, test_mapping_form_source_refuses_bad_forms_as_400);
	tcase_add_test(tc, test_mapping_spec_errors);
	tcase_add_test(tc, test_mapping_preset_overrides);
	suite_add_tcase(s, tc);
	return s;
}
