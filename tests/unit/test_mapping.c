/* test_mapping.c — payload mapping: presets on real samples, rules, event ids, strict bodies, forms. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/form.h"
#include "leadroute/mapping.h"
#include "leadroute/util.h"

#include "check_suites.h"

#define JSON_CT	"application/json"
#define FORM_CT	"application/x-www-form-urlencoded"

static const struct mapping_limits LIM = { 100, 32, 1000 };

/* A fixture's bytes, without the trailing newline. */
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

	ck_assert_msg(spec != NULL, "bad spec text: %s", spec_text);
	ck_assert_ptr_null(mapping_compile(spec, &cause));
	ck_assert_msg(cause != NULL && strcmp(cause, want) == 0, "%s:\n got \"%s\"\nwant \"%s\"",
	    spec_text, cause, want);
	free(cause);
	json_decref(spec);
}

/* The lead as compact JSON with sorted keys, to compare whole. */
static void
assert_lead(const struct mapping_event *ev, const char *want)
{
	char *got;

	ck_assert_msg(ev->lead != NULL, "event %s refused or ignored: %s", ev->event_id,
	    ev->message);
	got = json_dumps(ev->lead, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_msg(strcmp(got, want) == 0, "\n got %s\nwant %s", got, want);
	free(got);
}

static void
apply_ok(const struct mapping *m, const char *ct, const char *body, size_t len,
    struct mapping_result *r)
{
	struct mapping_error err;

	ck_assert_msg(mapping_apply(m, &LIM, ct, body, len, r, &err) == 0, "%s: %d %s %s", body,
	    err.status, err.code, err.message);
}

static void
apply_fails(const struct mapping *m, const char *ct, const char *body, size_t len, int status,
    const char *code, const char *message)
{
	struct mapping_result r;
	struct mapping_error err;

	ck_assert_int_eq(mapping_apply(m, &LIM, ct, body, len, &r, &err), -1);
	ck_assert_msg(err.status == status && strcmp(err.code, code) == 0, "%s: got %d %s (%s)",
	    body, err.status, err.code, err.message);
	if (message != NULL)
		ck_assert_str_eq(err.message, message);
	ck_assert_ptr_null(r.events);
	ck_assert_uint_eq(r.nevents, 0);
}

/*
 * What the first event of a JSON body becomes under a spec, as text: the
 * lead's JSON, "ignored: <why>" or "refused <field>: <why>".
 */
static char *
map_one(const char *spec, const char *body)
{
	struct mapping *m = compile(spec);
	struct mapping_result r;
	char *out;

	apply_ok(m, JSON_CT, body, strlen(body), &r);
	ck_assert_uint_ge(r.nevents, 1);
	if (r.events[0].lead != NULL)
		out = json_dumps(r.events[0].lead, JSON_COMPACT | JSON_SORT_KEYS);
	else if (r.events[0].ignored)
		out = xasprintf("ignored: %s", r.events[0].message);
	else
		out = xasprintf("refused %s: %s", r.events[0].error_field, r.events[0].message);
	mapping_result_free(&r);
	mapping_free(m);
	return out;
}

static void
assert_maps(const char *spec, const char *body, const char *want)
{
	char *got = map_one(spec, body);

	ck_assert_msg(strcmp(got, want) == 0, "%s\n got %s\nwant %s", body, got, want);
	free(got);
}

/* The event id the first event of a JSON body gets under a spec (malloc'd). */
static char *
id_of(const char *spec, const char *body)
{
	struct mapping *m = compile(spec);
	struct mapping_result r;
	char *id;

	apply_ok(m, JSON_CT, body, strlen(body), &r);
	id = xstrdup(r.events[0].event_id);
	mapping_result_free(&r);
	mapping_free(m);
	return id;
}

static void
apply_preset(const char *preset, const char *file, const char *ct, struct mapping_result *r)
{
	struct mapping *m;
	char spec[128], *body;
	size_t len;

	snprintf(spec, sizeof(spec), "{\"preset\": \"%s\"}", preset);
	m = compile(spec);
	body = fixture(file, &len);
	apply_ok(m, ct, body, len, r);
	free(body);
	mapping_free(m);
}

/* Presets on their fixtures. */

START_TEST(test_mapping_hubspot_webhooks_fixture)
{
	struct mapping_result r;

	apply_preset("hubspot_webhooks", "hubspot_webhooks.json", JSON_CT, &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 5);
	/* A creation carries no email: the lead fails validation later, as it should. */
	ck_assert_str_eq(r.events[0].event_id, "1101");
	assert_lead(&r.events[0], "{\"crm_id\":5101,\"event\":\"contact.creation\","
	    "\"source\":\"hubspot\"}");
	ck_assert_str_eq(r.events[1].event_id, "1102");
	assert_lead(&r.events[1], "{\"crm_id\":5101,\"email\":\"ada.lovelace@analytical.example\","
	    "\"event\":\"contact.propertyChange\",\"source\":\"hubspot\"}");
	ck_assert_str_eq(r.events[2].event_id, "1103");
	assert_lead(&r.events[2], "{\"crm_id\":5101,\"event\":\"contact.propertyChange\","
	    "\"source\":\"hubspot\"}");
	ck_assert_str_eq(r.events[3].event_id, "1104");
	ck_assert_ptr_null(r.events[3].lead);
	ck_assert_int_eq(r.events[3].ignored, 1);
	ck_assert_str_eq(r.events[3].message,
	    "/subscriptionType is \"deal.creation\": not routed by this source");
	ck_assert_str_eq(r.events[4].event_id, "1105");
	assert_lead(&r.events[4], "{\"crm_id\":5102,\"event\":\"contact.propertyChange\","
	    "\"source\":\"hubspot\"}");
	mapping_result_free(&r);
}
END_TEST

/*
 * Activity presets: each event is an action on the lead a CRM id names. A
 * call logged on a contact is the association from the contact to the call;
 * the reverse association, a note and a deal are not touches.
 */
START_TEST(test_mapping_hubspot_activity_fixture)
{
	struct mapping_result r;
	struct mapping *m = compile("{\"preset\": \"hubspot_activity\"}");

	ck_assert_int_eq(mapping_activity(m), 1);
	mapping_free(m);
	apply_preset("hubspot_activity", "hubspot_activity.json", JSON_CT, &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 6);
	ck_assert_str_eq(r.events[0].event_id, "2201");
	assert_lead(&r.events[0], "{\"action\":\"touch\",\"channel\":\"call\",\"crm_id\":5101,"
	    "\"removed\":false}");
	/* From the call to the contact: no contact id, no channel. */
	assert_lead(&r.events[1], "{\"action\":\"touch\",\"removed\":false}");
	assert_lead(&r.events[2], "{\"action\":\"touch\",\"channel\":\"email\",\"crm_id\":5102,"
	    "\"removed\":false}");
	/* A note is no touch: no channel. */
	assert_lead(&r.events[3], "{\"action\":\"touch\",\"crm_id\":5101,\"removed\":false}");
	ck_assert_str_eq(r.events[4].event_id, "2205");
	assert_lead(&r.events[4], "{\"action\":\"owner\",\"crm_id\":5101,\"crm_owner\":\"70002\"}");
	ck_assert_ptr_null(r.events[5].lead);
	ck_assert_int_eq(r.events[5].ignored, 1);
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_salesforce_task_fixture)
{
	struct mapping_result r;
	struct mapping *m = compile("{\"preset\": \"salesforce_task\"}");

	ck_assert_int_eq(mapping_activity(m), 1);
	mapping_free(m);
	m = compile("{\"preset\": \"hubspot_webhooks\"}");
	ck_assert_int_eq(mapping_activity(m), 0);
	mapping_free(m);
	apply_preset("salesforce_task", "salesforce_task.json", JSON_CT, &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 4);
	ck_assert_str_eq(r.events[0].event_id, "00T5g00000AbCdEFGH:2026-12-04T06:30:00.000+0000");
	assert_lead(&r.events[0], "{\"action\":\"touch\",\"channel\":\"call\","
	    "\"crm_id\":\"00Q5g00000XyZaBCDE\",\"crm_owner\":\"0055g00000Ana0001\"}");
	/* No Type: the subtype says what it was. */
	assert_lead(&r.events[1], "{\"action\":\"touch\",\"channel\":\"email\","
	    "\"crm_id\":\"00Q5g00000XyZaBCDE\",\"crm_owner\":\"0055g00000Ana0001\"}");
	/* A to-do: no channel. */
	assert_lead(&r.events[2], "{\"action\":\"touch\",\"crm_id\":\"00Q5g00000XyZaBCDE\","
	    "\"crm_owner\":\"0055g00000Ana0001\"}");
	ck_assert_str_eq(r.events[3].event_id, "00Q5g00000XyZaBCDE:2026-12-04T06:33:00.000+0000");
	assert_lead(&r.events[3], "{\"action\":\"owner\",\"crm_id\":\"00Q5g00000XyZaBCDE\","
	    "\"crm_owner\":\"0055g00000Ben0002\"}");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_kind_is_checked)
{
	char *cause = NULL;
	json_t *spec = json_loads("{\"kind\": \"actions\", \"fields\": {\"a\": \"/a\"}}", 0, NULL);

	ck_assert_ptr_null(mapping_compile(spec, &cause));
	ck_assert_str_eq(cause, "kind: expected leads or activity");
	free(cause);
	json_decref(spec);
}
END_TEST

START_TEST(test_mapping_hubspot_workflow_fixture)
{
	struct mapping_result r;

	apply_preset("hubspot_workflow", "hubspot_workflow.json", JSON_CT, &r);
	ck_assert_int_eq(r.batch, 0);
	ck_assert_uint_eq(r.nevents, 1);
	assert_lead(&r.events[0], "{\"company\":\"Cobol Labs\",\"country\":\"US\",\"crm_id\":3234574,"
	    "\"email\":\"grace.hopper@cobol.example\",\"employees\":\"250\",\"first_name\":\"Grace\","
	    "\"hs_analytics_source\":\"ORGANIC_SEARCH\",\"industry\":\"COMPUTER_SOFTWARE\","
	    "\"last_name\":\"Hopper\",\"phone\":\"+1 202 555 0123\",\"postal_code\":\"22202\","
	    "\"source\":\"hubspot\",\"state\":\"VA\",\"title\":\"CTO\"}");
	/* No id in the payload: the SHA-256 of the record as compact JSON with sorted keys. */
	ck_assert_str_eq(r.events[0].event_id,
	    "sha256:92db12fe6d712ffda37098cb27025f1755d2b3a9cd340234fac8d110f1a93c21");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_marketo_fixture)
{
	struct mapping_result r;

	apply_preset("marketo", "marketo.json", "application/json; charset=UTF-8", &r);
	ck_assert_int_eq(r.batch, 0);
	ck_assert_uint_eq(r.nevents, 1);
	/* "state": "" (an empty token) is left out. */
	assert_lead(&r.events[0], "{\"company\":\"Bletchley Analytics\",\"country\":\"GB\","
	    "\"crm_id\":\"1043\",\"email\":\"alan@turing.example\",\"employees\":\"1200\","
	    "\"first_name\":\"Alan\",\"industry\":\"Software\",\"last_name\":\"Turing\","
	    "\"phone\":\"+44 1908 640404\",\"postal_code\":\"MK3 6EB\",\"source\":\"Webinar\","
	    "\"title\":\"Head of Research\"}");
	ck_assert_str_eq(r.events[0].event_id,
	    "sha256:c7db9af9966567446a22b914dc0103b10b48c46e24340e052b2d454e2a2d0bca");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_salesforce_form_fixture)
{
	struct mapping_result r;

	apply_preset("salesforce_form", "salesforce_form.txt", FORM_CT, &r);
	ck_assert_int_eq(r.batch, 0);
	ck_assert_uint_eq(r.nevents, 1);
	/* oid, retURL and submit are not lead data. */
	assert_lead(&r.events[0], "{\"company\":\"Orbit Analytics\",\"country\":\"US\","
	    "\"email\":\"katherine.johnson@orbit.example\",\"employees\":\"320\","
	    "\"first_name\":\"Katherine\",\"industry\":\"Aerospace\",\"last_name\":\"Johnson\","
	    "\"phone\":\"+1 757 555 0142\",\"postal_code\":\"23681\",\"source\":\"Web\","
	    "\"state\":\"VA\",\"title\":\"VP Engineering\"}");
	ck_assert_str_eq(r.events[0].event_id,
	    "sha256:0df82954c68995c5fb5db86aac1f9073fb1edeb8c1ee985e01dfa8abe899497b");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_webform_fixture)
{
	struct mapping_result r;

	apply_preset("webform", "webform.txt", FORM_CT, &r);
	ck_assert_uint_eq(r.nevents, 1);
	assert_lead(&r.events[0], "{\"company\":\"Analytical Engines\",\"country\":\"GB\","
	    "\"email\":\"ada@analytical.example\",\"first_name\":\"Ada\",\"last_name\":\"King Lovelace\","
	    "\"message\":\"Please call me about pricing! \xe2\x82\xac OK?\",\"phone\":\"+442079460958\","
	    "\"source\":\"webform\"}");
	ck_assert_str_eq(r.events[0].event_id,
	    "sha256:84e043bcba9bd4373f6b63f0dc71865bc84b2db90d181bf066c2681e0700e90b");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_generic_fixture_passes_fields_through)
{
	struct mapping_result r;

	apply_preset("generic", "generic.json", JSON_CT, &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 2);
	ck_assert_str_eq(r.events[0].event_id, "signup-77");
	assert_lead(&r.events[0], "{\"company\":\"Apollo Software\",\"country\":\"US\","
	    "\"email\":\"Margaret@Hamilton.example\",\"employees\":40,\"event_id\":\"signup-77\","
	    "\"first_name\":\"Margaret\",\"plan\":\"team\",\"source\":\"product\"}");
	ck_assert_str_eq(r.events[1].event_id, "signup-78");
	assert_lead(&r.events[1], "{\"country\":\"DE\",\"event_id\":\"signup-78\","
	    "\"phone\":\"+49 30 1234567\",\"source\":\"product\"}");
	mapping_result_free(&r);
}
END_TEST

START_TEST(test_mapping_presets_all_compile)
{
	const char *const *names = mapping_preset_names();
	static const char *const formats[] = { "json", "json", "json", "form", "form", "json", "json",
	    "json" };
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		json_t *spec = mapping_preset(names[i]);
		char *cause = NULL;
		struct mapping *m;

		ck_assert_ptr_nonnull(spec);
		m = mapping_compile(spec, &cause);
		ck_assert_msg(m != NULL, "%s: %s", names[i], cause);
		ck_assert_str_eq(mapping_format(m), formats[i]);
		mapping_free(m);
		json_decref(spec);
	}
	ck_assert_uint_eq(i, 8);
	ck_assert_ptr_null(mapping_preset("pardot"));
	ck_assert_ptr_null(mapping_preset(NULL));
}
END_TEST

START_TEST(test_mapping_preset_overrides_fields_one_by_one)
{
	struct mapping *m = compile("{\"preset\": \"webform\", \"fields\": {\"message\": null, "
	    "\"title\": \"/role\"}, \"constants\": {\"source\": \"landing-page\"}}");
	struct mapping_result r;
	const char body[] = "email=a%40b.co&message=hi&role=CFO&title=CEO&company=Acme";

	apply_ok(m, FORM_CT, body, strlen(body), &r);
	assert_lead(&r.events[0], "{\"company\":\"Acme\",\"email\":\"a@b.co\","
	    "\"source\":\"landing-page\",\"title\":\"CFO\"}");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_preset_override_is_validated)
{
	compile_fails("{\"preset\": \"hubspot_workflow\", \"fields\": {\"email\": "
	    "{\"from\": \"/e\", \"transform\": \"lower\"}}}",
	    "fields.email.transform: unknown transform \"lower\" (lowercase, uppercase, trim, "
	    "first_word, rest_words, digits, number)");
	compile_fails("{\"preset\": \"webform\", \"batch\": \"array\"}",
	    "batch: a form is one event (single or either)");
}
END_TEST

/* Transforms. */

START_TEST(test_mapping_transform_lowercase)
{
	assert_maps("{\"fields\": {\"email\": {\"from\": \"/e\", \"transform\": \"lowercase\"}}}",
	    "{\"e\": \"Ada@Example.COM\"}", "{\"email\":\"ada@example.com\"}");
}
END_TEST

START_TEST(test_mapping_transform_uppercase)
{
	assert_maps("{\"fields\": {\"country\": {\"from\": \"/c\", \"transform\": \"uppercase\"}}}",
	    "{\"c\": \"gb\"}", "{\"country\":\"GB\"}");
}
END_TEST

START_TEST(test_mapping_transform_trim)
{
	assert_maps("{\"fields\": {\"company\": {\"from\": \"/c\", \"transform\": \"trim\"}}}",
	    "{\"c\": \" \\t Acme Ltd \\n\"}", "{\"company\":\"Acme Ltd\"}");
}
END_TEST

START_TEST(test_mapping_transform_first_and_rest_words)
{
	const char *spec = "{\"fields\": {"
	    "\"first_name\": {\"from\": \"/n\", \"transform\": \"first_word\"},"
	    "\"last_name\": {\"from\": \"/n\", \"transform\": \"rest_words\"}}}";

	assert_maps(spec, "{\"n\": \"  Ada  King Lovelace \"}",
	    "{\"first_name\":\"Ada\",\"last_name\":\"King Lovelace\"}");
	/* One word: that word, and no last name. */
	assert_maps(spec, "{\"n\": \" Cher \"}", "{\"first_name\":\"Cher\"}");
}
END_TEST

START_TEST(test_mapping_transform_digits)
{
	const char *spec = "{\"fields\": {\"phone\": {\"from\": \"/p\", \"transform\": \"digits\"}}}";

	assert_maps(spec, "{\"p\": \" +1 (555) 010-0199 ext\"}", "{\"phone\":\"+15550100199\"}");
	assert_maps(spec, "{\"p\": \"0044 20-7946\"}", "{\"phone\":\"0044207946\"}");
	assert_maps(spec, "{\"p\": \"1+2\"}", "{\"phone\":\"12\"}");
	/* Nothing left: absent. */
	assert_maps(spec, "{\"p\": \"+ call me\"}", "{}");
}
END_TEST

START_TEST(test_mapping_transform_number)
{
	const char *spec = "{\"fields\": {\"employees\": {\"from\": \"/s\", \"transform\": \"number\"}}}";

	assert_maps(spec, "{\"s\": \" 250 \"}", "{\"employees\":250}");
	assert_maps(spec, "{\"s\": 12}", "{\"employees\":12}");
	assert_maps(spec, "{\"s\": \"25-50\"}", "{}");
	assert_maps(spec, "{\"s\": \"1,000\"}", "{}");
	assert_maps("{\"fields\": {\"employees\": {\"from\": \"/s\", \"transform\": \"number\", "
	    "\"default\": 0}}}", "{\"s\": \"many\"}", "{\"employees\":0}");
}
END_TEST

START_TEST(test_mapping_transform_takes_integers_as_text_only)
{
	const char *spec = "{\"fields\": {\"x\": {\"from\": \"/v\", \"transform\": \"digits\"}}}";

	assert_maps(spec, "{\"v\": 4930123}", "{\"x\":\"4930123\"}");
	assert_maps(spec, "{\"v\": -17}", "{\"x\":\"17\"}");
	/* Reals and booleans are copied as they are. */
	assert_maps(spec, "{\"v\": 2.5}", "{\"x\":2.5}");
	assert_maps(spec, "{\"v\": true}", "{\"x\":true}");
}
END_TEST

START_TEST(test_mapping_transforms_apply_in_order)
{
	assert_maps("{\"fields\": {\"x\": {\"from\": \"/v\", \"transform\": [\"trim\", \"first_word\", "
	    "\"uppercase\"]}}}", "{\"v\": \"  grace brewster hopper\"}", "{\"x\":\"GRACE\"}");
}
END_TEST

/* Rules: from, map, default, when, lists of rules. */

START_TEST(test_mapping_from_list_takes_first_value)
{
	const char *spec = "{\"fields\": {\"email\": {\"from\": [\"/a\", \"/b\", \"/c\"]}}}";

	assert_maps(spec, "{\"a\": null, \"b\": \"\", \"c\": \"c@x.io\"}", "{\"email\":\"c@x.io\"}");
	assert_maps(spec, "{\"b\": \"b@x.io\", \"c\": \"c@x.io\"}", "{\"email\":\"b@x.io\"}");
	assert_maps(spec, "{\"z\": 1}", "{}");
}
END_TEST

START_TEST(test_mapping_empty_after_transform_tries_next_pointer)
{
	assert_maps("{\"fields\": {\"phone\": {\"from\": [\"/work\", \"/mobile\"], "
	    "\"transform\": \"digits\"}}}", "{\"work\": \"n/a\", \"mobile\": \"+49 170 1234567\"}",
	    "{\"phone\":\"+491701234567\"}");
}
END_TEST

START_TEST(test_mapping_copies_scalars_as_they_are)
{
	assert_maps("{\"fields\": {\"s\": \"/s\", \"i\": \"/i\", \"r\": \"/r\", \"b\": \"/b\"}}",
	    "{\"s\": \"x\", \"i\": 7, \"r\": 0.25, \"b\": false}",
	    "{\"b\":false,\"i\":7,\"r\":0.25,\"s\":\"x\"}");
}
END_TEST

START_TEST(test_mapping_map_replaces_listed_values_only)
{
	const char *spec = "{\"fields\": {\"country\": {\"from\": \"/c\", \"transform\": "
	    "[\"trim\", \"uppercase\"], \"map\": {\"UK\": \"GB\", \"N/A\": null, \"1\": \"US\"}}}}";

	assert_maps(spec, "{\"c\": \" uk\"}", "{\"country\":\"GB\"}");
	assert_maps(spec, "{\"c\": \"fr\"}", "{\"country\":\"FR\"}");
	/* Mapped to null: absent. */
	assert_maps(spec, "{\"c\": \"n/a\"}", "{}");
	/* Numbers are looked up as their text. */
	assert_maps(spec, "{\"c\": 1}", "{\"country\":\"US\"}");
}
END_TEST

START_TEST(test_mapping_default_when_nothing_found)
{
	const char *spec = "{\"fields\": {\"industry\": {\"from\": \"/i\", \"default\": \"unknown\"}}}";

	assert_maps(spec, "{}", "{\"industry\":\"unknown\"}");
	assert_maps(spec, "{\"i\": null}", "{\"industry\":\"unknown\"}");
	assert_maps(spec, "{\"i\": \"\"}", "{\"industry\":\"unknown\"}");
	assert_maps(spec, "{\"i\": \"Retail\"}", "{\"industry\":\"Retail\"}");
	/* A rule of only a default always gives it. */
	assert_maps("{\"fields\": {\"tier\": {\"default\": 2}}}", "{}", "{\"tier\":2}");
}
END_TEST

START_TEST(test_mapping_when_takes_rule_only_on_that_value)
{
	const char *spec = "{\"fields\": {\"email\": {\"from\": \"/value\", "
	    "\"when\": {\"/name\": \"email\"}}}}";

	assert_maps(spec, "{\"name\": \"email\", \"value\": \"a@b.co\"}", "{\"email\":\"a@b.co\"}");
	assert_maps(spec, "{\"name\": \"phone\", \"value\": \"+1 555 0100\"}", "{}");
	assert_maps(spec, "{\"value\": \"a@b.co\"}", "{}");
	/* A number in the spec (YAML writes 2 for "2") matches the text or the number. */
	spec = "{\"fields\": {\"x\": {\"from\": \"/v\", \"when\": {\"/k\": 2}}}}";
	assert_maps(spec, "{\"k\": \"2\", \"v\": \"yes\"}", "{\"x\":\"yes\"}");
	assert_maps(spec, "{\"k\": 2, \"v\": \"yes\"}", "{\"x\":\"yes\"}");
}
END_TEST

START_TEST(test_mapping_rule_list_first_value_wins)
{
	const char *spec = "{\"fields\": {\"title\": ["
	    "{\"from\": \"/t1\", \"when\": {\"/kind\": \"a\"}},"
	    "\"/t2\","
	    "{\"default\": \"none\"}]}}";

	assert_maps(spec, "{\"kind\": \"a\", \"t1\": \"CEO\", \"t2\": \"CTO\"}", "{\"title\":\"CEO\"}");
	assert_maps(spec, "{\"kind\": \"b\", \"t1\": \"CEO\", \"t2\": \"CTO\"}", "{\"title\":\"CTO\"}");
	assert_maps(spec, "{\"kind\": \"b\"}", "{\"title\":\"none\"}");
}
END_TEST

START_TEST(test_mapping_pointer_escapes)
{
	assert_maps("{\"fields\": {\"a\": \"/a~1b\", \"m\": \"/m~0n\", \"t\": \"/~01\", "
	    "\"x\": \"/list/1\", \"y\": \"/list/01\", \"z\": \"/list/-\", \"e\": \"/\"}}",
	    "{\"a/b\": 1, \"m~n\": 2, \"~1\": 3, \"list\": [\"zero\", \"one\"], \"\": \"empty key\"}",
	    "{\"a\":1,\"e\":\"empty key\",\"m\":2,\"t\":3,\"x\":\"one\"}");
}
END_TEST

START_TEST(test_mapping_non_value_at_pointer_refuses_event)
{
	const char *spec = "{\"fields\": {\"first_name\": {\"from\": \"/n\", \"transform\": "
	    "\"first_word\"}, \"email\": \"/e\"}}";

	assert_maps(spec, "{\"n\": {\"first\": \"Ada\"}, \"e\": \"a@b.co\"}",
	    "refused first_name: /n holds an object, not a value (for first_name)");
	assert_maps(spec, "{\"n\": \"Ada\", \"e\": [\"a@b.co\", \"c@d.co\"]}",
	    "refused email: /e holds a list, not a value (for email)");
}
END_TEST

START_TEST(test_mapping_constants_override_fields)
{
	assert_maps("{\"passthrough\": true, \"fields\": {\"source\": \"/utm\"}, "
	    "\"constants\": {\"source\": \"ads\", \"tier\": 1, \"vip\": true}}",
	    "{\"utm\": \"google\", \"email\": \"a@b.co\", \"source\": \"x\"}",
	    "{\"email\":\"a@b.co\",\"source\":\"ads\",\"tier\":1,\"utm\":\"google\",\"vip\":true}");
}
END_TEST

START_TEST(test_mapping_only_ignores_other_events)
{
	const char *spec = "{\"only\": {\"/type\": [\"signup\", \"demo\"], \"/v\": 2}, "
	    "\"fields\": {\"email\": \"/e\"}}";

	assert_maps(spec, "{\"type\": \"demo\", \"v\": 2, \"e\": \"a@b.co\"}", "{\"email\":\"a@b.co\"}");
	assert_maps(spec, "{\"type\": \"churn\", \"v\": 2, \"e\": \"a@b.co\"}",
	    "ignored: /type is \"churn\": not routed by this source");
	assert_maps(spec, "{\"v\": 2, \"e\": \"a@b.co\"}",
	    "ignored: /type is missing: not routed by this source");
	assert_maps(spec, "{\"type\": \"demo\", \"v\": \"3\", \"e\": \"a@b.co\"}",
	    "ignored: /v is \"3\": not routed by this source");
}
END_TEST

/* Event ids. */

START_TEST(test_mapping_event_id_joins_parts)
{
	const char *spec = "{\"event_id\": [\"/a\", \"/b/c\"], \"passthrough\": true}";
	char *id = id_of(spec, "{\"a\": \"x\", \"b\": {\"c\": 7}}");

	ck_assert_str_eq(id, "x:7");
	free(id);
	id = id_of("{\"event_id\": \"/eventId\", \"passthrough\": true}",
	    "{\"eventId\": 9007199254740993}");
	ck_assert_str_eq(id, "9007199254740993");
	free(id);
}
END_TEST

START_TEST(test_mapping_event_id_hash_of_sorted_compact_json)
{
	char *id = id_of("{\"passthrough\": true}", "{\"c\": 2, \"b\": 1}");

	ck_assert_str_eq(id, "sha256:488ada5b7b56beca528ef5be45c5bfd95996998f6e4f037811df4f418c2d9a5b");
	free(id);
}
END_TEST

START_TEST(test_mapping_event_id_hash_ignores_key_order)
{
	struct mapping *m = compile("{\"event_id\": \"/id\", \"passthrough\": true}");
	struct mapping_result r;
	const char *body = "[{\"b\": 1, \"c\": [1, {\"y\": 2, \"x\": 1}]}, "
	    "{\"c\": [1, {\"x\": 1, \"y\": 2}], \"b\": 1}, {\"b\": 2}]";

	apply_ok(m, JSON_CT, body, strlen(body), &r);
	ck_assert_uint_eq(r.nevents, 3);
	ck_assert_int_eq(strncmp(r.events[0].event_id, "sha256:", 7), 0);
	ck_assert_uint_eq(strlen(r.events[0].event_id), 7 + 64);
	ck_assert_str_eq(r.events[0].event_id, r.events[1].event_id);
	ck_assert_str_ne(r.events[0].event_id, r.events[2].event_id);
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_event_id_missing_part_hashes_the_event)
{
	const char *spec = "{\"event_id\": [\"/a\", \"/b\"], \"passthrough\": true}";
	char *hash = id_of("{\"passthrough\": true}", "{\"a\": \"x\"}");
	char *id;

	/* A part missing, empty, or not a string or integer: the event has no id of its own. */
	id = id_of(spec, "{\"a\": \"x\"}");
	ck_assert_str_eq(id, hash);
	free(id);
	free(hash);
	id = id_of(spec, "{\"a\": \"x\", \"b\": \"\"}");
	ck_assert_int_eq(strncmp(id, "sha256:", 7), 0);
	free(id);
	id = id_of(spec, "{\"a\": \"x\", \"b\": true}");
	ck_assert_int_eq(strncmp(id, "sha256:", 7), 0);
	free(id);
	id = id_of(spec, "{\"a\": \"x\", \"b\": {\"n\": 1}}");
	ck_assert_int_eq(strncmp(id, "sha256:", 7), 0);
	free(id);
}
END_TEST

START_TEST(test_mapping_event_id_refuses_unusable_ids)
{
	const char *spec = "{\"event_id\": \"/id\", \"passthrough\": true}";
	const char *want = "refused event_id: the event id must be 1-200 printable ASCII "
	    "characters without spaces";
	struct buf body = { NULL, 0, 0 };
	char id200[201], *got;

	assert_maps(spec, "{\"id\": \"has space\"}", want);
	assert_maps(spec, "{\"id\": \"tab\\there\"}", want);
	assert_maps(spec, "{\"id\": \"caf\xc3\xa9\"}", want);
	assert_maps(spec, "{\"id\": \"del\\u007f\"}", want);
	memset(id200, 'y', 200);
	id200[200] = '\0';
	buf_appendf(&body, "{\"id\": \"%s\"}", id200);
	got = id_of(spec, body.data);
	ck_assert_str_eq(got, id200);
	free(got);
	buf_reset(&body);
	buf_appendf(&body, "{\"id\": \"%sy\"}", id200);
	assert_maps(spec, body.data, want);
	buf_free(&body);
}
END_TEST

START_TEST(test_mapping_refused_event_id_is_replaced_by_hash)
{
	struct mapping *m = compile("{\"event_id\": \"/id\", \"passthrough\": true}");
	struct mapping_result r;
	const char *body = "{\"id\": \"a b\"}";

	apply_ok(m, JSON_CT, body, strlen(body), &r);
	ck_assert_ptr_null(r.events[0].lead);
	ck_assert_str_eq(r.events[0].error_code, "invalid_event");
	ck_assert_str_eq(r.events[0].error_field, "event_id");
	ck_assert_int_eq(strncmp(r.events[0].event_id, "sha256:", 7), 0);
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

/* Batches. */

START_TEST(test_mapping_batch_too_many_events)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct buf many = { NULL, 0, 0 };
	struct mapping_result r;
	int i;

	buf_append(&many, "[", 1);
	for (i = 0; i < 100; i++)
		buf_appendf(&many, "%s{\"n\": %d}", i > 0 ? "," : "", i);
	buf_append(&many, "]", 1);
	apply_ok(m, JSON_CT, many.data, many.len, &r);
	ck_assert_uint_eq(r.nevents, 100);
	mapping_result_free(&r);
	many.data[--many.len] = '\0';
	buf_append(&many, ",{}]", 4);
	apply_fails(m, JSON_CT, many.data, many.len, 413, "too_many_events",
	    "101 events in one body; this source takes at most 100");
	buf_free(&many);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_batch_empty_array)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");

	apply_fails(m, JSON_CT, "[]", 2, 422, "invalid_body", "the array of events is empty");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_batch_non_object_item_refuses_that_event_only)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct mapping_result r;
	const char *body = "[{\"email\": \"a@b.co\"}, 5, [], null, {\"email\": \"c@d.co\"}]";
	size_t i;

	apply_ok(m, JSON_CT, body, strlen(body), &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 5);
	assert_lead(&r.events[0], "{\"email\":\"a@b.co\"}");
	for (i = 1; i < 4; i++) {
		ck_assert_ptr_null(r.events[i].lead);
		ck_assert_int_eq(r.events[i].ignored, 0);
		ck_assert_str_eq(r.events[i].error_code, "invalid_event");
		ck_assert_str_eq(r.events[i].message, "an event must be an object");
		ck_assert_int_eq(strncmp(r.events[i].event_id, "sha256:", 7), 0);
	}
	assert_lead(&r.events[4], "{\"email\":\"c@d.co\"}");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_batch_single_refuses_array)
{
	struct mapping *m = compile("{\"preset\": \"generic\", \"batch\": \"single\"}");
	struct mapping_result r;

	apply_fails(m, JSON_CT, "[{}]", 4, 422, "invalid_body",
	    "this source takes one event (an object), not an array");
	apply_ok(m, JSON_CT, "{\"email\": \"a@b.co\"}", 19, &r);
	ck_assert_int_eq(r.batch, 0);
	ck_assert_uint_eq(r.nevents, 1);
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_batch_array_refuses_object)
{
	struct mapping *m = compile("{\"preset\": \"hubspot_webhooks\"}");

	apply_fails(m, JSON_CT, "{\"eventId\": 1}", 14, 422, "invalid_body",
	    "this source takes an array of events");
	apply_fails(m, JSON_CT, "\"x\"", 3, 422, "invalid_body",
	    "the body must be an event object in an array");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_batch_either_takes_object_or_array)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct mapping_result r;

	apply_ok(m, JSON_CT, "{\"email\": \"a@b.co\"}", 19, &r);
	ck_assert_int_eq(r.batch, 0);
	ck_assert_uint_eq(r.nevents, 1);
	mapping_result_free(&r);
	apply_ok(m, JSON_CT, "[{\"email\": \"a@b.co\"}]", 21, &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 1);
	mapping_result_free(&r);
	apply_fails(m, JSON_CT, "42", 2, 422, "invalid_body",
	    "the body must be an event object or an array of them");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_events_pointer_finds_events)
{
	struct mapping *m = compile("{\"events\": \"/data/items\", \"fields\": {\"email\": \"/e\"}}");
	struct mapping_result r;
	const char *body = "{\"data\": {\"items\": [{\"e\": \"a@b.co\"}, {\"e\": \"c@d.co\"}]}}";

	apply_ok(m, JSON_CT, body, strlen(body), &r);
	ck_assert_int_eq(r.batch, 1);
	ck_assert_uint_eq(r.nevents, 2);
	assert_lead(&r.events[1], "{\"email\":\"c@d.co\"}");
	mapping_result_free(&r);
	apply_fails(m, JSON_CT, "{\"data\": {}}", 12, 422, "invalid_body",
	    "the body has nothing at /data/items");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_limits_default_when_zero)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct mapping_limits zero = { 0, 0, 0 };
	struct mapping_result r;
	struct mapping_error err;
	struct buf many = { NULL, 0, 0 };
	int i;

	buf_append(&many, "[{}", 3);
	for (i = 1; i < 101; i++)
		buf_append(&many, ",{}", 3);
	buf_append(&many, "]", 1);
	ck_assert_int_eq(mapping_apply(m, &zero, JSON_CT, many.data, many.len, &r, &err), -1);
	ck_assert_int_eq(err.status, 413);
	ck_assert_int_eq(mapping_apply(m, NULL, JSON_CT, many.data, many.len, &r, &err), -1);
	ck_assert_int_eq(err.status, 413);
	ck_assert_int_eq(mapping_apply(m, NULL, JSON_CT, "{}", 2, &r, &err), 0);
	mapping_result_free(&r);
	buf_free(&many);
	mapping_free(m);
}
END_TEST

/* Strict JSON. */

START_TEST(test_mapping_refuses_bad_json)
{
	static const struct {
		const char	*body;
		size_t		 len;
		const char	*code;
	} bad[] = {
		{ "{\"email\": \"a@b.co\", \"email\": \"c@d.co\"}", 38, "malformed_json" },
		{ "{\"n\": 1e999}", 12, "malformed_json" },
		{ "{\"n\": 99999999999999999999}", 27, "malformed_json" },
		{ "{\"n\": \"\xc3\x28\"}", 11, "malformed_json" },
		{ "{\"n\": \"\xed\xa0\x80\"}", 12, "malformed_json" },
		{ "{\"n\": \"\xc0\xaf\"}", 11, "malformed_json" },
		{ "{\"n\": \"a\\u0000b\"}", 17, "malformed_json" },
		{ "{\"n\": \"a\0b\"}", 12, "malformed_json" },
		{ "{\"email\": ", 10, "malformed_json" },
		{ "{} {}", 5, "malformed_json" },
		{ "", 0, "malformed_json" },
		{ "  \n", 3, "malformed_json" },
	};
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++)
		apply_fails(m, JSON_CT, bad[i].body, bad[i].len, 400, bad[i].code, NULL);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_json_error_names_line_and_column)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	const char *body = "{\"email\": \"a@b.co\",\n \"email\": \"c@d.co\"}";

	apply_fails(m, JSON_CT, body, strlen(body), 400, "malformed_json",
	    "malformed JSON at line 2 column 8: duplicate object key near '\"email\"'");
	apply_fails(m, JSON_CT, "", 0, 400, "malformed_json", "the body is empty");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_depth_limit)
{
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct mapping_result r;
	char deep[128];
	size_t n = 0, i;

	/* An object holding 31 nested arrays: 32 deep, accepted. */
	n += (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
	for (i = 0; i < 31; i++)
		deep[n++] = '[';
	for (i = 0; i < 31; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	apply_ok(m, JSON_CT, deep, n, &r);
	ck_assert_uint_eq(r.nevents, 1);
	mapping_result_free(&r);
	/* 33 deep. */
	for (i = 0; i < 33; i++)
		deep[i] = '[';
	for (i = 33; i < 66; i++)
		deep[i] = ']';
	apply_fails(m, JSON_CT, deep, 66, 400, "too_deep",
	    "the body nests arrays and objects more than 32 deep");
	/* Brackets inside strings do not count. */
	snprintf(deep, sizeof(deep), "{\"a\": \"%s\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	apply_ok(m, JSON_CT, deep, strlen(deep), &r);
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

/* Content types. */

START_TEST(test_mapping_content_type_json)
{
	static const char *const ok[] = {
		"application/json", "Application/JSON", "application/json; charset=utf-8",
		"application/json;charset=UTF-8", "application/json; charset=\"utf-8\"",
		"application/json; charset=utf8", "application/json ; foo=bar",
	};
	static const char *const refused[] = {
		"text/plain", "application/jsonx", "application/json-patch+json",
		"application/x-www-form-urlencoded", "application/json; charset=latin-1",
		"application/json; charset=utf-16", "application/json; charset=utf-8x", "",
	};
	struct mapping *m = compile("{\"preset\": \"generic\"}");
	struct mapping_result r;
	size_t i;

	for (i = 0; i < LR_NELEM(ok); i++) {
		apply_ok(m, ok[i], "{}", 2, &r);
		mapping_result_free(&r);
	}
	for (i = 0; i < LR_NELEM(refused); i++)
		apply_fails(m, refused[i], "{}", 2, 415, "unsupported_media_type", NULL);
	apply_fails(m, "application/json; charset=latin-1", "{}", 2, 415, "unsupported_media_type",
	    "this source takes application/json in UTF-8, not charset latin-1");
	apply_fails(m, "text/plain", "{}", 2, 415, "unsupported_media_type",
	    "this source takes application/json, not text/plain");
	apply_fails(m, NULL, "{}", 2, 415, "unsupported_media_type",
	    "this source takes application/json, not a body without Content-Type");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_content_type_form)
{
	struct mapping *m = compile("{\"preset\": \"webform\"}");
	struct mapping_result r;

	apply_ok(m, "application/x-www-form-urlencoded; charset=UTF-8", "email=a", 7, &r);
	mapping_result_free(&r);
	apply_fails(m, "application/x-www-form-urlencoded; charset=ISO-8859-1", "email=a", 7, 415,
	    "unsupported_media_type",
	    "this source takes application/x-www-form-urlencoded in UTF-8, not charset ISO-8859-1");
	apply_fails(m, JSON_CT, "{}", 2, 415, "unsupported_media_type", NULL);
	apply_fails(m, "multipart/form-data; boundary=x", "email=a", 7, 415,
	    "unsupported_media_type", NULL);
	mapping_free(m);
}
END_TEST

/* Forms. */

START_TEST(test_form_decoding)
{
	const char body[] = "a=1+2%2B3&b=%e2%82%AC&a=x&flag&=skipped&&c=&d=%41%62&e=%3d%26";
	char *cause = NULL, *got;
	json_t *f = form_parse(body, strlen(body), 10, &cause);

	ck_assert_ptr_nonnull(f);
	got = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(got, "{\"a\":[\"1 2+3\",\"x\"],\"b\":\"\xe2\x82\xac\",\"c\":\"\",\"d\":\"Ab\","
	    "\"e\":\"=&\",\"flag\":\"\"}");
	free(got);
	json_decref(f);
}
END_TEST

START_TEST(test_form_repeated_key_keeps_every_value_in_order)
{
	const char body[] = "t=1&t=2&t=3";
	char *cause = NULL, *got;
	json_t *f = form_parse(body, strlen(body), 10, &cause);

	got = json_dumps(f, JSON_COMPACT);
	ck_assert_str_eq(got, "{\"t\":[\"1\",\"2\",\"3\"]}");
	free(got);
	json_decref(f);
}
END_TEST

START_TEST(test_form_empty_body_is_an_empty_object)
{
	char *cause = NULL;
	json_t *f = form_parse("", 0, 10, &cause);

	ck_assert_uint_eq(json_object_size(f), 0);
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
		{ "a%g1=b", 6, "bad escape at byte 1: % must be followed by two hex digits" },
		{ "a=%00", 5, "a NUL byte at byte 2" },
		{ "a=x\0y", 5, "a NUL byte at byte 3" },
		{ "a=%C0%AF", 8, "invalid UTF-8 at byte 2" },
		{ "a=%ED%A0%80", 11, "invalid UTF-8 at byte 2" },
		{ "a=%F4%90%80%80", 14, "invalid UTF-8 at byte 2" },
		{ "a=%e2%82%ac+%E0%80%80", 21, "invalid UTF-8 at byte 12" },
		{ "a=ok%E2%82", 10, "invalid UTF-8 at byte 4" },
		{ "b=%C3%A9&c=%C3", 14, "invalid UTF-8 at byte 11" },
		{ "a=\xff", 3, "invalid UTF-8 at byte 2" },
		{ "%FF=1", 5, "invalid UTF-8 at byte 0" },
		{ "a=1&b=2&c=3", 11, "more than 2 fields" },
	};
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		char *cause = NULL;

		ck_assert_ptr_null(form_parse(bad[i].body, bad[i].len, 2, &cause));
		ck_assert_msg(cause != NULL && strcmp(cause, bad[i].cause) == 0,
		    "%zu: got \"%s\", want \"%s\"", i, cause, bad[i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_form_name_length_limit)
{
	char body[300], *cause = NULL;
	json_t *f;

	memset(body, 'n', 256);
	memcpy(body + 256, "=v", 3);
	f = form_parse(body, 258, 10, &cause);
	ck_assert_ptr_nonnull(f);
	json_decref(f);
	memcpy(body, "x&", 2);
	memset(body + 2, 'n', 257);
	memcpy(body + 259, "=v", 3);
	ck_assert_ptr_null(form_parse(body, 261, 10, &cause));
	ck_assert_str_eq(cause, "a field name longer than 256 bytes at byte 2");
	free(cause);
}
END_TEST

START_TEST(test_mapping_form_source_refuses_bad_forms_as_400)
{
	struct mapping *m = compile("{\"preset\": \"webform\"}");

	apply_fails(m, FORM_CT, "email=a%zz", 10, 400, "malformed_form",
	    "the form cannot be read: bad escape at byte 7: % must be followed by two hex digits");
	apply_fails(m, FORM_CT, "email=%C0%AF", 12, 400, "malformed_form", NULL);
	apply_fails(m, FORM_CT, "", 0, 400, "malformed_form", "the body is empty");
	mapping_free(m);
}
END_TEST

/* Fields the caller reads itself are taken out before mapping: not in the lead, not in the id. */
START_TEST(test_mapping_form_fields_set_aside)
{
	static const char *const aside[] = { "_redirect", "website", NULL };
	struct mapping *m = compile("{\"format\": \"form\", \"passthrough\": true}");
	struct mapping_result r, plain;
	struct mapping_error err;
	const char body[] = "email=a%40b.co&_redirect=https%3A%2F%2Fx.example%2F&website=&website=spam";
	json_t *taken = NULL;
	char *dump;

	ck_assert_int_eq(mapping_apply_aside(m, &LIM, aside, FORM_CT, body, strlen(body), &r,
	    &taken, &err), 0);
	assert_lead(&r.events[0], "{\"email\":\"a@b.co\"}");
	dump = json_dumps(taken, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(dump, "{\"_redirect\":\"https://x.example/\",\"website\":[\"\",\"spam\"]}");
	free(dump);
	json_decref(taken);
	/* The same event as the form without them. */
	ck_assert_int_eq(mapping_apply(m, &LIM, FORM_CT, "email=a%40b.co", 14, &plain, &err), 0);
	ck_assert_str_eq(r.events[0].event_id, plain.events[0].event_id);
	mapping_result_free(&r);
	mapping_result_free(&plain);
	/* None sent: nothing taken. A body refused: nothing taken either. */
	ck_assert_int_eq(mapping_apply_aside(m, &LIM, aside, FORM_CT, "email=a%40b.co", 14, &r,
	    &taken, &err), 0);
	ck_assert_ptr_null(taken);
	mapping_result_free(&r);
	ck_assert_int_eq(mapping_apply_aside(m, &LIM, aside, FORM_CT, "website=x&a=%zz", 15, &r,
	    &taken, &err), -1);
	ck_assert_ptr_null(taken);
	mapping_free(m);
	/* A JSON body is mapped whole. */
	m = compile("{\"preset\": \"generic\"}");
	ck_assert_int_eq(mapping_apply_aside(m, &LIM, aside, JSON_CT,
	    "{\"email\": \"a@b.co\", \"_redirect\": \"x\"}", 37, &r, &taken, &err), 0);
	ck_assert_ptr_null(taken);
	assert_lead(&r.events[0], "{\"_redirect\":\"x\",\"email\":\"a@b.co\"}");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_form_pair_limit)
{
	struct mapping *m = compile("{\"preset\": \"webform\"}");
	struct mapping_limits lim = { 100, 32, 3 };
	struct mapping_result r;
	struct mapping_error err;

	ck_assert_int_eq(mapping_apply(m, &lim, FORM_CT, "a=1&b=2&c=3", 11, &r, &err), 0);
	mapping_result_free(&r);
	ck_assert_int_eq(mapping_apply(m, &lim, FORM_CT, "a=1&b=2&c=3&d=4", 15, &r, &err), -1);
	ck_assert_int_eq(err.status, 400);
	ck_assert_str_eq(err.code, "malformed_form");
	ck_assert_str_eq(err.message, "the form cannot be read: more than 3 fields");
	mapping_free(m);
}
END_TEST

START_TEST(test_mapping_form_field_sent_twice_refuses_event)
{
	struct mapping *m = compile("{\"preset\": \"webform\"}");
	struct mapping_result r;
	const char body[] = "email=a%40b.co&email=c%40d.co";

	apply_ok(m, FORM_CT, body, strlen(body), &r);
	ck_assert_ptr_null(r.events[0].lead);
	ck_assert_str_eq(r.events[0].error_code, "invalid_event");
	ck_assert_str_eq(r.events[0].error_field, "email");
	ck_assert_str_eq(r.events[0].message, "/email holds a list, not a value (for email)");
	mapping_result_free(&r);
	mapping_free(m);
}
END_TEST

/* Specs. */

START_TEST(test_mapping_spec_errors)
{
	static const struct {
		const char	*spec;
		const char	*cause;
	} bad[] = {
		{ "[]", "a mapping is an object" },
		{ "{\"colour\": 1}", "unknown member \"colour\"" },
		{ "{\"preset\": \"pardot\"}", "preset: unknown preset \"pardot\" (hubspot_webhooks, "
		    "hubspot_workflow, marketo, salesforce_form, webform, generic, hubspot_activity, "
		    "salesforce_task)" },
		{ "{\"format\": \"xml\", \"fields\": {\"email\": \"/e\"}}",
		    "format: expected json or form" },
		{ "{\"batch\": \"many\", \"fields\": {\"email\": \"/e\"}}",
		    "batch: expected single, array or either" },
		{ "{\"format\": \"form\", \"batch\": \"array\", \"fields\": {\"email\": \"/e\"}}",
		    "batch: a form is one event (single or either)" },
		{ "{\"events\": \"events\", \"fields\": {\"email\": \"/e\"}}",
		    "events: \"events\" is not a JSON pointer (they start with /)" },
		{ "{\"event_id\": 5, \"fields\": {\"email\": \"/e\"}}",
		    "event_id: expected a JSON pointer or a list of them" },
		{ "{\"event_id\": [\"/a\", \"b\"], \"fields\": {\"email\": \"/e\"}}",
		    "event_id: \"b\" is not a JSON pointer (they start with /)" },
		{ "{\"only\": {\"type\": [\"x\"]}, \"fields\": {\"email\": \"/e\"}}",
		    "only: \"type\" is not a JSON pointer (they start with /)" },
		{ "{\"only\": {\"/type\": []}, \"fields\": {\"email\": \"/e\"}}",
		    "only./type: expected a list of values" },
		{ "{\"only\": {\"/type\": [\"x\", {}]}, \"fields\": {\"email\": \"/e\"}}",
		    "only./type[1]: expected a string, number or boolean" },
		{ "{\"passthrough\": \"yes\"}", "passthrough: expected true or false" },
		{ "{\"format\": \"json\"}", "fields: a mapping needs fields (or passthrough)" },
		{ "{\"fields\": []}", "fields: expected an object of lead field: rule" },
		{ "{\"fields\": {\"email\": \"email\"}}",
		    "fields.email: \"email\" is not a JSON pointer (they start with /)" },
		{ "{\"fields\": {\"email\": \"/a~2b\"}}",
		    "fields.email: \"/a~2b\" is not a JSON pointer (~ must be followed by 0 or 1)" },
		{ "{\"fields\": {\"email\": 3}}", "fields.email: expected a JSON pointer or {from, "
		    "transform, map, default, when}" },
		{ "{\"fields\": {\"email\": []}}", "fields.email: an empty list of rules" },
		{ "{\"fields\": {\"email\": {\"frm\": \"/e\"}}}", "fields.email: unknown member \"frm\"" },
		{ "{\"fields\": {\"email\": {\"transform\": \"trim\"}}}",
		    "fields.email: needs from or default" },
		{ "{\"fields\": {\"email\": {\"from\": []}}}",
		    "fields.email.from: expected a JSON pointer or a list of them" },
		{ "{\"fields\": {\"email\": {\"from\": \"/e\", \"transform\": \"lower\"}}}",
		    "fields.email.transform: unknown transform \"lower\" (lowercase, uppercase, trim, "
		    "first_word, rest_words, digits, number)" },
		{ "{\"fields\": {\"n\": {\"from\": \"/n\", \"transform\": [\"number\", \"trim\"]}}}",
		    "fields.n.transform: number must come last" },
		{ "{\"fields\": {\"n\": {\"from\": \"/n\", \"transform\": [\"trim\", \"trim\", \"trim\", "
		    "\"trim\", \"trim\", \"trim\", \"trim\", \"trim\", \"trim\"]}}}",
		    "fields.n.transform: expected a name or a list of at most 8 names" },
		{ "{\"fields\": {\"c\": {\"from\": \"/c\", \"map\": [\"UK\"]}}}",
		    "fields.c.map: expected an object of value: replacement" },
		{ "{\"fields\": {\"c\": {\"from\": \"/c\", \"map\": {\"UK\": {\"to\": \"GB\"}}}}}",
		    "fields.c.map.UK: expected a string, number, boolean or null" },
		{ "{\"fields\": {\"c\": {\"from\": \"/c\", \"default\": [1]}}}",
		    "fields.c.default: expected a string, number or boolean" },
		{ "{\"fields\": {\"t\": [\"/a\", {\"from\": \"/a\", \"when\": {\"/k\": {}}}]}}",
		    "fields.t[1].when: expected {\"/pointer\": \"value\"}" },
		{ "{\"fields\": {\"t\": {\"from\": \"/a\", \"when\": {\"/k\": \"a\", \"/j\": \"b\"}}}}",
		    "fields.t.when: expected {\"/pointer\": \"value\"}" },
		{ "{\"fields\": {\"t\": {\"from\": \"/a\", \"when\": {\"k\": \"a\"}}}}",
		    "fields.t.when: expected {\"/pointer\": \"value\"}" },
		{ "{\"fields\": {\"\": \"/a\"}}", "fields: lead field names are 1-64 characters" },
		{ "{\"constants\": {\"source\": {\"a\": 1}}}",
		    "constants.source: expected a string, number or boolean" },
		{ "{\"constants\": [1]}", "constants: expected an object of lead field: value" },
	};
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++)
		compile_fails(bad[i].spec, bad[i].cause);
}
END_TEST

START_TEST(test_mapping_spec_is_only_read)
{
	const char *text = "{\"preset\": \"webform\", \"fields\": {\"message\": null}}";
	json_t *spec = json_loads(text, 0, NULL);
	char *cause = NULL, *after;
	struct mapping *m = mapping_compile(spec, &cause);

	ck_assert_ptr_nonnull(m);
	after = json_dumps(spec, JSON_COMPACT);
	ck_assert_str_eq(after, "{\"preset\":\"webform\",\"fields\":{\"message\":null}}");
	free(after);
	mapping_free(m);
	json_decref(spec);
}
END_TEST

Suite *
mapping_suite(void)
{
	Suite *s = suite_create("mapping");
	TCase *presets = tcase_create("presets");
	TCase *rules = tcase_create("rules");
	TCase *ids = tcase_create("event_ids");
	TCase *bodies = tcase_create("bodies");
	TCase *forms = tcase_create("forms");
	TCase *specs = tcase_create("specs");

	tcase_add_test(presets, test_mapping_hubspot_webhooks_fixture);
	tcase_add_test(presets, test_mapping_hubspot_workflow_fixture);
	tcase_add_test(presets, test_mapping_hubspot_activity_fixture);
	tcase_add_test(presets, test_mapping_salesforce_task_fixture);
	tcase_add_test(presets, test_mapping_kind_is_checked);
	tcase_add_test(presets, test_mapping_marketo_fixture);
	tcase_add_test(presets, test_mapping_salesforce_form_fixture);
	tcase_add_test(presets, test_mapping_webform_fixture);
	tcase_add_test(presets, test_mapping_generic_fixture_passes_fields_through);
	tcase_add_test(presets, test_mapping_presets_all_compile);
	tcase_add_test(presets, test_mapping_preset_overrides_fields_one_by_one);
	tcase_add_test(presets, test_mapping_preset_override_is_validated);
	suite_add_tcase(s, presets);

	tcase_add_test(rules, test_mapping_transform_lowercase);
	tcase_add_test(rules, test_mapping_transform_uppercase);
	tcase_add_test(rules, test_mapping_transform_trim);
	tcase_add_test(rules, test_mapping_transform_first_and_rest_words);
	tcase_add_test(rules, test_mapping_transform_digits);
	tcase_add_test(rules, test_mapping_transform_number);
	tcase_add_test(rules, test_mapping_transform_takes_integers_as_text_only);
	tcase_add_test(rules, test_mapping_transforms_apply_in_order);
	tcase_add_test(rules, test_mapping_from_list_takes_first_value);
	tcase_add_test(rules, test_mapping_empty_after_transform_tries_next_pointer);
	tcase_add_test(rules, test_mapping_copies_scalars_as_they_are);
	tcase_add_test(rules, test_mapping_map_replaces_listed_values_only);
	tcase_add_test(rules, test_mapping_default_when_nothing_found);
	tcase_add_test(rules, test_mapping_when_takes_rule_only_on_that_value);
	tcase_add_test(rules, test_mapping_rule_list_first_value_wins);
	tcase_add_test(rules, test_mapping_pointer_escapes);
	tcase_add_test(rules, test_mapping_non_value_at_pointer_refuses_event);
	tcase_add_test(rules, test_mapping_constants_override_fields);
	tcase_add_test(rules, test_mapping_only_ignores_other_events);
	suite_add_tcase(s, rules);

	tcase_add_test(ids, test_mapping_event_id_joins_parts);
	tcase_add_test(ids, test_mapping_event_id_hash_of_sorted_compact_json);
	tcase_add_test(ids, test_mapping_event_id_hash_ignores_key_order);
	tcase_add_test(ids, test_mapping_event_id_missing_part_hashes_the_event);
	tcase_add_test(ids, test_mapping_event_id_refuses_unusable_ids);
	tcase_add_test(ids, test_mapping_refused_event_id_is_replaced_by_hash);
	suite_add_tcase(s, ids);

	tcase_add_test(bodies, test_mapping_batch_too_many_events);
	tcase_add_test(bodies, test_mapping_batch_empty_array);
	tcase_add_test(bodies, test_mapping_batch_non_object_item_refuses_that_event_only);
	tcase_add_test(bodies, test_mapping_batch_single_refuses_array);
	tcase_add_test(bodies, test_mapping_batch_array_refuses_object);
	tcase_add_test(bodies, test_mapping_batch_either_takes_object_or_array);
	tcase_add_test(bodies, test_mapping_events_pointer_finds_events);
	tcase_add_test(bodies, test_mapping_limits_default_when_zero);
	tcase_add_test(bodies, test_mapping_refuses_bad_json);
	tcase_add_test(bodies, test_mapping_json_error_names_line_and_column);
	tcase_add_test(bodies, test_mapping_depth_limit);
	tcase_add_test(bodies, test_mapping_content_type_json);
	tcase_add_test(bodies, test_mapping_content_type_form);
	suite_add_tcase(s, bodies);

	tcase_add_test(forms, test_form_decoding);
	tcase_add_test(forms, test_form_repeated_key_keeps_every_value_in_order);
	tcase_add_test(forms, test_form_empty_body_is_an_empty_object);
	tcase_add_test(forms, test_form_refusals);
	tcase_add_test(forms, test_form_name_length_limit);
	tcase_add_test(forms, test_mapping_form_source_refuses_bad_forms_as_400);
	tcase_add_test(forms, test_mapping_form_pair_limit);
	tcase_add_test(forms, test_mapping_form_fields_set_aside);
	tcase_add_test(forms, test_mapping_form_field_sent_twice_refuses_event);
	suite_add_tcase(s, forms);

	tcase_add_test(specs, test_mapping_spec_errors);
	tcase_add_test(specs, test_mapping_spec_is_only_read);
	suite_add_tcase(s, specs);
	return s;
}
