/* test_route.c — rule matching: first match wins, lists mean one-of. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/route.h"

#include "check_suites.h"

static const char route_conf[] =
	"reps: [{id: a}, {id: b}]\n"
	"pools: [{id: emea, reps: [a]}, {id: amer, reps: [b]}, {id: big, reps: [a, b]}]\n"
	"rules:\n"
	"  - name: big-de\n"
	"    when: {country: DE, employees: 1000}\n"
	"    pool: big\n"
	"  - name: emea\n"
	"    when: {country: [DE, FR, GB]}\n"
	"    pool: emea\n"
	"  - name: partner\n"
	"    when: {partner: \"true\"}\n"
	"    pool: amer\n"
	"  - name: default\n"
	"    pool: amer\n";

static struct conf *
route_load(void)
{
	struct conf_diags diags;
	struct conf *c = NULL;

	ck_assert_int_eq(conf_load_string(route_conf, strlen(route_conf), "r.yaml", &c, &diags), 0);
	conf_diags_free(&diags);
	return c;
}

static const char *
route_for(const struct conf *c, const char *lead)
{
	json_t *f = json_loads(lead, 0, NULL);
	const struct conf_rule *r;

	ck_assert_ptr_nonnull(f);
	r = route_select_rule(c, f);
	json_decref(f);
	ck_assert_ptr_nonnull(r);
	return r->name;
}

START_TEST(test_route_list_means_one_of)
{
	struct conf *c = route_load();

	ck_assert_str_eq(route_for(c, "{\"country\": \"FR\"}"), "emea");
	ck_assert_str_eq(route_for(c, "{\"country\": \"GB\"}"), "emea");
	conf_unref(c);
}
END_TEST

START_TEST(test_route_first_match_wins)
{
	struct conf *c = route_load();

	ck_assert_str_eq(route_for(c, "{\"country\": \"DE\", \"employees\": 1000}"), "big-de");
	ck_assert_str_eq(route_for(c, "{\"country\": \"DE\", \"employees\": 999}"), "emea");
	conf_unref(c);
}
END_TEST

START_TEST(test_route_every_condition_must_hold)
{
	struct conf *c = route_load();

	ck_assert_str_eq(route_for(c, "{\"country\": \"US\", \"employees\": 1000}"), "default");
	conf_unref(c);
}
END_TEST

START_TEST(test_route_missing_field_does_not_match)
{
	struct conf *c = route_load();

	ck_assert_str_eq(route_for(c, "{\"email\": \"a@b.co\"}"), "default");
	conf_unref(c);
}
END_TEST

START_TEST(test_route_equality_is_exact)
{
	struct conf *c = route_load();

	ck_assert_str_eq(route_for(c, "{\"country\": \"de\"}"), "default");
	ck_assert_str_eq(route_for(c, "{\"country\": \"DE \"}"), "default");
	conf_unref(c);
}
END_TEST

START_TEST(test_route_booleans_compare_as_text)
{
	struct conf *c = route_load();

	ck_assert_str_eq(route_for(c, "{\"partner\": true}"), "partner");
	ck_assert_str_eq(route_for(c, "{\"partner\": false}"), "default");
	conf_unref(c);
}
END_TEST

START_TEST(test_route_default_rule_matches_all)
{
	struct conf *c = route_load();
	json_t *empty = json_object();

	ck_assert(route_rule_matches(&c->rules[3], empty));
	json_decref(empty);
	conf_unref(c);
}
END_TEST

Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, test_route_list_means_one_of);
	tcase_add_test(tc, test_route_first_match_wins);
	tcase_add_test(tc, test_route_every_condition_must_hold);
	tcase_add_test(tc, test_route_missing_field_does_not_match);
	tcase_add_test(tc, test_route_equality_is_exact);
	tcase_add_test(tc, test_route_booleans_compare_as_text);
	tcase_add_test(tc, test_route_default_rule_matches_all);
	suite_add_tcase(s, tc);
	return s;
}
