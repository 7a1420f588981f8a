/* test_score.c — the points model, grades, MQL, and SLA overrides by grade and rule. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/route.h"
#include "leadroute/score.h"

#include "check_suites.h"

static const char score_conf[] =
	"reps: [{id: a}]\n"
	"pools: [{id: p, reps: [a]}, {id: hot, reps: [a]}]\n"
	"territories: [{id: dach, countries: [DE, AT, CH]}]\n"
	"scoring:\n"
	"  fit:\n"
	"    - {name: senior-title, when: {title: {contains: [vp, director, chief]}}, points: 20}\n"
	"    - {name: mid-market, when: {employees: {gte: 200}}, points: 15}\n"
	"    - {name: dach, when: {territory: dach}, points: 5}\n"
	"    - {name: student, when: {email: {suffix: .edu}}, points: -30}\n"
	"  behavior:\n"
	"    demo_request: 40\n"
	"    pricing_page: 25\n"
	"  mql: 50\n"
	"  grades: {D: 0, A: 80, C: 40, B: 60}\n"
	"sla:\n"
	"  grades:\n"
	"    A: {route: 1m, first_touch: 15m}\n"
	"    B: {first_touch: 30m}\n"
	"rules:\n"
	"  - {name: hot, when: {grade: A}, pool: hot, sla: {route: 30s}}\n"
	"  - {name: mql, when: {mql: \"true\"}, pool: p}\n"
	"  - {name: default, pool: p}\n";

static struct conf *
score_load(void)
{
	struct conf_diags diags;
	struct conf *c = NULL;

	if (conf_load_string(score_conf, strlen(score_conf), "s.yaml", &c, &diags) == -1)
		conf_diags_print(&diags, stderr);
	conf_diags_free(&diags);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Score a lead given as JSON; also returns the rule it routes to. */
static struct score_result
score_of(const struct conf *c, const char *lead_json, const char **rule)
{
	json_t *f = json_loads(lead_json, 0, NULL);
	struct score_result r;
	struct cond_lead lead;

	ck_assert_ptr_nonnull(f);
	cond_lead_init(&lead, &c->fields, f);
	score_lead(&c->scoring, &lead, &r);
	if (rule != NULL)
		*rule = route_select_rule(c, &lead, NULL)->name;
	cond_lead_free(&lead);
	json_decref(f);
	return r;
}

START_TEST(test_score_sums_fit_and_behavior)
{
	struct conf *c = score_load();
	struct score_result r = score_of(c, "{\"title\": \"VP Sales\", \"employees\": 500, "
	    "\"country\": \"DE\", \"event\": \"demo_request\"}", NULL);

	ck_assert_int_eq(r.score, 20 + 15 + 5 + 40);
	ck_assert_int_eq(r.nhits, 4);
	ck_assert_str_eq(r.hits[0].reason, "senior-title");
	ck_assert_int_eq(r.hits[0].points, 20);
	ck_assert_str_eq(r.hits[1].reason, "mid-market");
	ck_assert_str_eq(r.hits[2].reason, "dach");
	ck_assert_str_eq(r.hits[3].reason, "event:demo_request");
	ck_assert_int_eq(r.hits[3].points, 40);
	conf_unref(c);
}
END_TEST

START_TEST(test_score_negative_points)
{
	struct conf *c = score_load();
	struct score_result r = score_of(c, "{\"email\": \"kid@uni.edu\", \"event\": \"pricing_page\"}", NULL);

	ck_assert_int_eq(r.score, -30 + 25);
	ck_assert_str_eq(r.grade, "D");
	ck_assert(!r.mql);
	conf_unref(c);
}
END_TEST

START_TEST(test_score_mql_threshold)
{
	struct conf *c = score_load();

	/* 25 + 20 + 5 = 50: exactly the threshold. */
	ck_assert(score_of(c, "{\"title\": \"Director\", \"country\": \"AT\", \"event\": \"pricing_page\"}",
	    NULL).mql);
	ck_assert(!score_of(c, "{\"title\": \"Director\", \"event\": \"pricing_page\"}", NULL).mql);
	conf_unref(c);
}
END_TEST

START_TEST(test_score_grade_bands)
{
	struct conf *c = score_load();

	ck_assert_str_eq(score_of(c, "{\"title\": \"VP\", \"employees\": 900, \"event\": "
	    "\"demo_request\", \"country\": \"CH\"}", NULL).grade, "A");		/* 80 */
	ck_assert_str_eq(score_of(c, "{\"title\": \"VP\", \"event\": \"demo_request\"}", NULL).grade,
	    "B");		/* 60 */
	ck_assert_str_eq(score_of(c, "{\"event\": \"demo_request\"}", NULL).grade, "C");	/* 40 */
	ck_assert_str_eq(score_of(c, "{\"event\": \"webinar\"}", NULL).grade, "D");		/* 0 */
	conf_unref(c);
}
END_TEST

START_TEST(test_rules_see_score_grade_and_mql)
{
	struct conf *c = score_load();
	const char *rule;

	score_of(c, "{\"title\": \"VP\", \"employees\": 900, \"event\": \"demo_request\", "
	    "\"country\": \"CH\"}", &rule);
	ck_assert_str_eq(rule, "hot");
	score_of(c, "{\"title\": \"VP\", \"event\": \"demo_request\"}", &rule);
	ck_assert_str_eq(rule, "mql");
	score_of(c, "{\"event\": \"webinar\"}", &rule);
	ck_assert_str_eq(rule, "default");
	conf_unref(c);
}
END_TEST

START_TEST(test_no_model_scores_zero_without_grade)
{
	const char *text = "reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n";
	struct conf_diags diags;
	struct conf *c = NULL;
	struct score_result r;

	ck_assert_int_eq(conf_load_string(text, strlen(text), "n.yaml", &c, &diags), 0);
	conf_diags_free(&diags);
	r = score_of(c, "{\"event\": \"demo_request\"}", NULL);
	ck_assert_int_eq(r.score, 0);
	ck_assert_ptr_null(r.grade);
	ck_assert(!r.mql);
	ck_assert_int_eq(r.nhits, 0);
	conf_unref(c);
}
END_TEST

START_TEST(test_sla_rule_over_grade_over_default)
{
	struct conf *c = score_load();
	struct conf_sla s;

	/* Clocks 0 and 1 are the default route and first_touch; 0: the clock's own. */
	s = conf_sla_for(c, &c->rules[2], NULL);
	ck_assert_int_eq(s.ms[0], 0);
	ck_assert_int_eq(s.ms[1], 0);
	s = conf_sla_for(c, &c->rules[2], "B");
	ck_assert_int_eq(s.ms[0], 0);
	ck_assert_int_eq(s.ms[1], 1800000);
	s = conf_sla_for(c, &c->rules[2], "A");
	ck_assert_int_eq(s.ms[0], 60000);
	ck_assert_int_eq(s.ms[1], 900000);
	s = conf_sla_for(c, &c->rules[0], "A");	/* the hot rule: its own route clock */
	ck_assert_int_eq(s.ms[0], 30000);
	ck_assert_int_eq(s.ms[1], 900000);
	conf_unref(c);
}
END_TEST

static void
fails_with(const char *text, const char *want)
{
	struct conf_diags diags;
	struct conf *c = NULL;
	char *printed = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&printed, &len);

	ck_assert_int_eq(conf_load_string(text, strlen(text), "e.yaml", &c, &diags), -1);
	conf_diags_print(&diags, fp);
	fclose(fp);
	ck_assert_str_eq(printed, want);
	free(printed);
	conf_diags_free(&diags);
}

START_TEST(test_score_config_errors)
{
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "scoring:\n  fit:\n    - {name: x, when: {grade: A}, points: 5}\n",
	    "e.yaml:6: scoring.fit[0].when: fit conditions cannot use score, grade or mql "
	    "(they are what is computed)\n");
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "scoring:\n  behavior: {demo: lots}\n",
	    "e.yaml:5: scoring.behavior.demo: expected a whole number from -100000 to 100000, "
	    "got \"lots\"\n");
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "scoring:\n  grades: {A: 50, B: 50}\n",
	    "e.yaml:5: scoring.grades.B: grades A and B start at the same score 50\n");
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "scoring:\n  grades: {A: 50}\nsla:\n  grades:\n    Z: {route: 1m}\n",
	    "e.yaml:8: sla.grades.Z: unknown grade \"Z\" (grades come from scoring.grades)\n");
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\n"
	    "rules: [{name: d, pool: p, sla: {route: 5}}]\n",
	    "e.yaml:3: rules[0].sla.route: bad duration \"5\": missing unit: write ms, s, m, h or d "
	    "(as in 30s)\n");
}
END_TEST

Suite *
score_suite(void)
{
	Suite *s = suite_create("score");
	TCase *tc = tcase_create("score");

	tcase_add_test(tc, test_score_sums_fit_and_behavior);
	tcase_add_test(tc, test_score_negative_points);
	tcase_add_test(tc, test_score_mql_threshold);
	tcase_add_test(tc, test_score_grade_bands);
	tcase_add_test(tc, test_rules_see_score_grade_and_mql);
	tcase_add_test(tc, test_no_model_scores_zero_without_grade);
	tcase_add_test(tc, test_sla_rule_over_grade_over_default);
	tcase_add_test(tc, test_score_config_errors);
	suite_add_tcase(s, tc);
	return s;
}
