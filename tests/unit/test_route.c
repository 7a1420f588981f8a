/* test_route.c — the condition language and rule selection: every operator, territories. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"
#include "leadroute/jsonw.h"
#include "leadroute/route.h"

#include "check_suites.h"

#define HEAD \
	"reps: [{id: a}]\n" \
	"pools: [{id: p, reps: [a]}]\n"

static struct conf *
load(const char *text)
{
	struct conf_diags diags;
	struct conf *c = NULL;

	if (conf_load_string(text, strlen(text), "r.yaml", &c, &diags) == -1)
		conf_diags_print(&diags, stderr);
	conf_diags_free(&diags);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Does the config's first rule match this lead? */
static int
matches(const char *when, const char *lead_json)
{
	char text[2048];
	struct conf *c;
	struct cond_lead lead;
	json_t *f = json_loads(lead_json, 0, NULL);
	int m;

	snprintf(text, sizeof(text), HEAD
	    "territories:\n"
	    "  - {id: dach, countries: [DE, AT, CH]}\n"
	    "  - {id: us-west, countries: [US], states: [CA, OR, WA]}\n"
	    "  - {id: berlin, countries: [DE], postal_codes: [\"10\", \"12000-14999\"]}\n"
	    "rules:\n  - name: r\n    when: %s\n    pool: p\n  - name: d\n    pool: p\n", when);
	c = load(text);
	ck_assert_ptr_nonnull(f);
	cond_lead_init(&lead, &c->fields, f);
	m = cond_eval(&c->rules[0].when, &lead);
	cond_lead_free(&lead);
	json_decref(f);
	conf_unref(c);
	return m;
}

START_TEST(test_cond_scalar_is_equality)
{
	ck_assert(matches("{country: DE}", "{\"country\": \"DE\"}"));
	ck_assert(!matches("{country: DE}", "{\"country\": \"de\"}"));
	ck_assert(!matches("{country: DE}", "{\"country\": \"DEU\"}"));
	ck_assert(!matches("{country: DE}", "{}"));
}
END_TEST

START_TEST(test_cond_list_is_one_of)
{
	ck_assert(matches("{country: [DE, FR, GB]}", "{\"country\": \"FR\"}"));
	ck_assert(!matches("{country: [DE, FR, GB]}", "{\"country\": \"US\"}"));
}
END_TEST

START_TEST(test_cond_numbers_compare_as_text_for_equality)
{
	ck_assert(matches("{employees: 5000}", "{\"employees\": 5000}"));
	ck_assert(matches("{partner: \"true\"}", "{\"partner\": true}"));
}
END_TEST

START_TEST(test_cond_eq_and_in_operators)
{
	ck_assert(matches("{country: {eq: DE}}", "{\"country\": \"DE\"}"));
	ck_assert(matches("{country: {in: [DE, AT]}}", "{\"country\": \"AT\"}"));
	ck_assert(!matches("{country: {in: [DE, AT]}}", "{\"country\": \"CH\"}"));
}
END_TEST

START_TEST(test_cond_ieq_ignores_case)
{
	ck_assert(matches("{industry: {ieq: Software}}", "{\"industry\": \"SOFTWARE\"}"));
	ck_assert(matches("{industry: {iin: [saas, Software]}}", "{\"industry\": \"SaaS\"}"));
	ck_assert(!matches("{industry: {ieq: Software}}", "{\"industry\": \"Hardware\"}"));
}
END_TEST

START_TEST(test_cond_not_negates)
{
	ck_assert(matches("{country: {not: [US, CA]}}", "{\"country\": \"DE\"}"));
	ck_assert(!matches("{country: {not: [US, CA]}}", "{\"country\": \"CA\"}"));
	/* A field that is missing is not US either. */
	ck_assert(matches("{country: {not: US}}", "{}"));
	ck_assert(matches("{not: {country: US, employees: 10}}", "{\"country\": \"US\", \"employees\": 11}"));
	ck_assert(!matches("{not: {country: US, employees: 10}}", "{\"country\": \"US\", \"employees\": 10}"));
	ck_assert(matches("{employees: {not: {gte: 100}}}", "{\"employees\": 50}"));
}
END_TEST

START_TEST(test_cond_prefix_for_postal_codes)
{
	ck_assert(matches("{postal_code: {prefix: [\"10\", \"80\"]}}", "{\"postal_code\": \"10115\"}"));
	ck_assert(matches("{postal_code: {prefix: \"80\"}}", "{\"postal_code\": \"80331\"}"));
	ck_assert(!matches("{postal_code: {prefix: \"80\"}}", "{\"postal_code\": \"08033\"}"));
	ck_assert(!matches("{postal_code: {prefix: \"801\"}}", "{\"postal_code\": \"80\"}"));
}
END_TEST

START_TEST(test_cond_suffix_and_contains_ignore_case)
{
	ck_assert(matches("{email: {suffix: \"@ACME.com\"}}", "{\"email\": \"ana@acme.com\"}"));
	ck_assert(!matches("{email: {suffix: \"@acme.com\"}}", "{\"email\": \"ana@notacme.co\"}"));
	ck_assert(matches("{title: {contains: [vp, director]}}", "{\"title\": \"Regional VP Sales\"}"));
	ck_assert(!matches("{title: {contains: [vp, director]}}", "{\"title\": \"Engineer\"}"));
}
END_TEST

START_TEST(test_cond_numeric_ranges)
{
	const char *r = "{employees: {gte: 200, lt: 1000}}";

	ck_assert(!matches(r, "{\"employees\": 199}"));
	ck_assert(matches(r, "{\"employees\": 200}"));
	ck_assert(matches(r, "{\"employees\": 999}"));
	ck_assert(!matches(r, "{\"employees\": 1000}"));
	ck_assert(matches(r, "{\"employees\": \"500\"}"));	/* numeric text counts */
	ck_assert(!matches(r, "{\"employees\": \"many\"}"));
	ck_assert(!matches(r, "{}"));
	ck_assert(matches("{revenue: {gt: 1.5, lte: 2.5}}", "{\"revenue\": 2.5}"));
	ck_assert(!matches("{revenue: {gt: 1.5, lte: 2.5}}", "{\"revenue\": 1.5}"));
}
END_TEST

START_TEST(test_cond_exists)
{
	ck_assert(matches("{phone: {exists: true}}", "{\"phone\": \"+1 415 555 0100\"}"));
	ck_assert(!matches("{phone: {exists: true}}", "{\"email\": \"a@b.co\"}"));
	ck_assert(matches("{phone: {exists: false}}", "{\"email\": \"a@b.co\"}"));
}
END_TEST

START_TEST(test_cond_any_and_all_nest)
{
	const char *w = "{any: [{country: US}, {all: [{country: DE}, {employees: {gte: 1000}}]}]}";

	ck_assert(matches(w, "{\"country\": \"US\"}"));
	ck_assert(matches(w, "{\"country\": \"DE\", \"employees\": 5000}"));
	ck_assert(!matches(w, "{\"country\": \"DE\", \"employees\": 50}"));
	ck_assert(!matches(w, "{\"country\": \"FR\"}"));
}
END_TEST

START_TEST(test_cond_email_domain_is_computed)
{
	ck_assert(matches("{email_domain: acme.com}", "{\"email\": \"ana@acme.com\"}"));
	ck_assert(!matches("{email_domain: acme.com}", "{\"phone\": \"5551234567\"}"));
}
END_TEST

START_TEST(test_territory_by_country_ignores_case)
{
	ck_assert(matches("{territory: dach}", "{\"country\": \"AT\"}"));
	ck_assert(matches("{territory: dach}", "{\"country\": \"ch\"}"));
	ck_assert(!matches("{territory: dach}", "{\"country\": \"FR\"}"));
	ck_assert(!matches("{territory: dach}", "{}"));
}
END_TEST

START_TEST(test_territory_with_states)
{
	ck_assert(matches("{territory: us-west}", "{\"country\": \"US\", \"state\": \"CA\"}"));
	ck_assert(!matches("{territory: us-west}", "{\"country\": \"US\", \"state\": \"NY\"}"));
	ck_assert(!matches("{territory: us-west}", "{\"country\": \"US\"}"));
}
END_TEST

START_TEST(test_territory_with_postal_prefixes_and_ranges)
{
	ck_assert(matches("{territory: berlin}", "{\"country\": \"DE\", \"postal_code\": \"10115\"}"));
	ck_assert(matches("{territory: berlin}", "{\"country\": \"DE\", \"postal_code\": \"12000\"}"));
	ck_assert(matches("{territory: berlin}", "{\"country\": \"DE\", \"postal_code\": \"14999\"}"));
	ck_assert(!matches("{territory: berlin}", "{\"country\": \"DE\", \"postal_code\": \"15000\"}"));
	ck_assert(!matches("{territory: berlin}", "{\"country\": \"DE\", \"postal_code\": \"11999\"}"));
	ck_assert(!matches("{territory: berlin}", "{\"country\": \"AT\", \"postal_code\": \"10115\"}"));
}
END_TEST

START_TEST(test_territory_list_is_one_of)
{
	ck_assert(matches("{territory: [dach, us-west]}", "{\"country\": \"US\", \"state\": \"WA\"}"));
	ck_assert(!matches("{territory: [dach, us-west]}", "{\"country\": \"FR\"}"));
}
END_TEST

START_TEST(test_route_first_match_wins)
{
	struct conf *c = load(HEAD "rules:\n"
	    "  - {name: big-de, when: {country: DE, employees: {gte: 1000}}, pool: p}\n"
	    "  - {name: de, when: {country: DE}, pool: p}\n"
	    "  - {name: default, pool: p}\n");
	json_t *f = json_pack("{s:s, s:i}", "country", "DE", "employees", 50);
	struct cond_lead lead;
	size_t tried = 0;

	cond_lead_init(&lead, &c->fields, f);
	ck_assert_str_eq(route_select_rule(c, &lead, &tried)->name, "de");
	ck_assert_int_eq(tried, 2);
	cond_lead_free(&lead);
	json_object_set_new(f, "employees", json_integer(5000));
	cond_lead_init(&lead, &c->fields, f);
	ck_assert_str_eq(route_select_rule(c, &lead, &tried)->name, "big-de");
	ck_assert_int_eq(tried, 1);
	cond_lead_free(&lead);
	json_decref(f);
	conf_unref(c);
}
END_TEST

/* A rule's condition as GET /v1/definitions publishes it. */
static char *
published(const char *when)
{
	char text[2048], *out;
	struct jsonw w = { 0 };
	struct conf *c;
	size_t len;

	snprintf(text, sizeof(text), HEAD
	    "territories:\n  - {id: dach, countries: [DE, AT, CH]}\n"
	    "rules:\n  - name: r\n    when: %s\n    pool: p\n  - name: d\n    pool: p\n", when);
	c = load(text);
	jsonw_begin_array(&w, NULL);
	cond_write_json(&c->rules[0].when, &c->fields, &w, NULL);
	jsonw_end_array(&w);
	out = jsonw_finish(&w, &len);
	conf_unref(c);
	return out;
}

START_TEST(test_cond_written_as_published)
{
	static const struct {
		const char *when, *want;
	} cases[] = {
		{ "{country: [DE, FR]}", "[{\"field\":\"country\",\"in\":[\"DE\",\"FR\"]}]" },
		{ "{employees: {gt: 50, lte: 1000.5}}",
		  "[{\"field\":\"employees\",\"gt\":50,\"lte\":1000.5}]" },
		{ "{phone: {exists: false}}", "[{\"field\":\"phone\",\"exists\":false}]" },
		{ "{territory: dach}", "[{\"territory\":\"dach\"}]" },
		{ "{country: DE, title: {prefix: [VP]}}",
		  "[{\"all\":[{\"field\":\"country\",\"in\":[\"DE\"]},"
		  "{\"field\":\"title\",\"prefix\":[\"VP\"]}]}]" },
		{ "{any: [{country: US}, {country: {not: [CA]}}]}",
		  "[{\"any\":[{\"field\":\"country\",\"in\":[\"US\"]},"
		  "{\"not\":{\"field\":\"country\",\"in\":[\"CA\"]}}]}]" },
	};
	size_t i;

	for (i = 0; i < LR_NELEM(cases); i++) {
		char *got = published(cases[i].when);

		ck_assert_msg(strcmp(got, cases[i].want) == 0, "%s: got %s", cases[i].when, got);
		free(got);
	}
}
END_TEST

Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, test_cond_scalar_is_equality);
	tcase_add_test(tc, test_cond_list_is_one_of);
	tcase_add_test(tc, test_cond_numbers_compare_as_text_for_equality);
	tcase_add_test(tc, test_cond_eq_and_in_operators);
	tcase_add_test(tc, test_cond_ieq_ignores_case);
	tcase_add_test(tc, test_cond_not_negates);
	tcase_add_test(tc, test_cond_prefix_for_postal_codes);
	tcase_add_test(tc, test_cond_suffix_and_contains_ignore_case);
	tcase_add_test(tc, test_cond_numeric_ranges);
	tcase_add_test(tc, test_cond_exists);
	tcase_add_test(tc, test_cond_any_and_all_nest);
	tcase_add_test(tc, test_cond_email_domain_is_computed);
	tcase_add_test(tc, test_territory_by_country_ignores_case);
	tcase_add_test(tc, test_territory_with_states);
	tcase_add_test(tc, test_territory_with_postal_prefixes_and_ranges);
	tcase_add_test(tc, test_territory_list_is_one_of);
	tcase_add_test(tc, test_route_first_match_wins);
	tcase_add_test(tc, test_cond_written_as_published);
	suite_add_tcase(s, tc);
	return s;
}
