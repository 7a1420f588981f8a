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

/* A model with decay, loaded from text. */
static struct conf *
score_load_with(const char *decay)
{
	struct conf_diags diags;
	struct conf *c = NULL;
	char text[1024];

	snprintf(text, sizeof(text), "reps: [{id: a}]\npools: [{id: p, reps: [a]}]\n"
	    "rules: [{name: d, pool: p}]\nscoring:\n  behavior: {demo_request: 40, "
	    "pricing_page: 25, webinar: 15}\n  mql: 50\n  decay: %s\n", decay);
	if (conf_load_string(text, strlen(text), "d.yaml", &c, &diags) == -1)
		conf_diags_print(&diags, stderr);
	conf_diags_free(&diags);
	ck_assert_ptr_nonnull(c);
	return c;
}

#define DAY_MS	86400000LL
#define NOW_MS	1796000000000LL	/* a fixed clock */

/* Score a person at NOW_MS: past events, then a lead with the given event. */
static struct score_result
score_person_of(const struct conf *c, const struct score_past *past, size_t npast,
    const char *event)
{
	json_t *f = json_pack("{s:s}", "event", event);
	struct score_result r;
	struct cond_lead lead;

	cond_lead_init(&lead, &c->fields, f);
	score_person(&c->scoring, &lead, past, npast, NOW_MS, &r);
	cond_lead_free(&lead);
	json_decref(f);
	return r;
}

START_TEST(test_score_behaviour_accumulates_without_decay)
{
	struct conf *c = score_load();
	struct score_past past[] = {
		{ "event:pricing_page", 25, NOW_MS - 400 * DAY_MS },
	};
	struct score_result r = score_person_of(c, past, 1, "pricing_page");

	ck_assert_int_eq(r.score, 50);
	ck_assert(r.mql);
	ck_assert_int_eq(r.nhits, 2);
	ck_assert_int_eq(r.hits[0].at, NOW_MS - 400 * DAY_MS);
	ck_assert_int_eq(r.hits[1].at, NOW_MS);
	ck_assert_int_eq(r.npast, 2);
	ck_assert_str_eq(r.past[1].reason, "event:pricing_page");
	conf_unref(c);
}
END_TEST

START_TEST(test_score_behaviour_halves_every_half_life)
{
	struct conf *c = score_load_with("{half_life: 30d}");
	struct score_past past[] = {
		{ "event:demo_request", 40, NOW_MS - 30 * DAY_MS },	/* one half-life: 20 */
		{ "event:pricing_page", 25, NOW_MS - 60 * DAY_MS },	/* two: 6.25 → 6 */
		{ "event:webinar", 15, NOW_MS - 300 * DAY_MS },	/* ten: 0.01 → 0, let go */
		{ "event:webinar", 15, NOW_MS - 15 * DAY_MS },	/* half of one: 10.6 → 11 */
	};
	struct score_result r = score_person_of(c, past, 4, "webinar");

	ck_assert_int_eq(score_decayed(&c->scoring, 40, NOW_MS - 30 * DAY_MS, NOW_MS), 20);
	ck_assert_int_eq(score_decayed(&c->scoring, -20, NOW_MS - 30 * DAY_MS, NOW_MS), -10);
	ck_assert_int_eq(score_decayed(&c->scoring, 40, NOW_MS + DAY_MS, NOW_MS), 40);
	ck_assert_int_eq(r.score, 20 + 6 + 11 + 15);
	ck_assert(r.mql);
	ck_assert_int_eq(r.nhits, 4);
	ck_assert_int_eq(r.hits[1].points, 6);
	ck_assert_int_eq(r.hits[1].earned, 25);
	/* What is kept: the three that still count, and this event. */
	ck_assert_int_eq(r.npast, 4);
	ck_assert_int_eq(r.past[2].at, NOW_MS - 15 * DAY_MS);
	ck_assert_int_eq(r.past[3].at, NOW_MS);
	conf_unref(c);
}
END_TEST

START_TEST(test_score_behaviour_expires_whole)
{
	struct conf *c = score_load_with("{expire_after: 90d}");
	struct score_past past[] = {
		{ "event:demo_request", 40, NOW_MS - 89 * DAY_MS },
		{ "event:pricing_page", 25, NOW_MS - 90 * DAY_MS },
	};
	struct score_result r = score_person_of(c, past, 2, "none");

	ck_assert_int_eq(r.score, 40);
	ck_assert(!r.mql);
	ck_assert_int_eq(r.npast, 1);
	conf_unref(c);
}
END_TEST

START_TEST(test_score_past_keeps_the_newest)
{
	struct conf *c = score_load();
	struct score_past past[SCORE_MAX_PAST];
	struct score_result r;
	size_t i;

	for (i = 0; i < SCORE_MAX_PAST; i++) {
		snprintf(past[i].reason, sizeof(past[i].reason), "event:pricing_page");
		past[i].earned = (int)i + 1;
		past[i].at = NOW_MS - (int64_t)(SCORE_MAX_PAST - i) * DAY_MS;
	}
	r = score_person_of(c, past, SCORE_MAX_PAST, "demo_request");
	ck_assert_int_eq(r.npast, SCORE_MAX_PAST);
	ck_assert_int_eq(r.past[0].earned, 2);	/* the oldest gave way */
	ck_assert_int_eq(r.past[SCORE_MAX_PAST - 1].earned, 40);
	/* The score counts every event it was given. */
	ck_assert_int_eq(r.score, SCORE_MAX_PAST * (SCORE_MAX_PAST + 1) / 2 + 40);
	conf_unref(c);
}
END_TEST

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
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "scoring:\n  hold_below_mql: true\n",
	    "e.yaml:5: scoring.hold_below_mql: needs scoring.mql: the threshold a person is held "
	    "below\n");
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "scoring:\n  decay: {half_life: 2 weeks}\n",
	    "e.yaml:5: scoring.decay.half_life: bad duration \"2 weeks\": unknown unit: use ms, s, "
	    "m, h or d\n");
	fails_with("reps: [{id: a}]\npools: [{id: p, reps: [a]}]\nrules: [{name: d, pool: p}]\n"
	    "leads:\n  restart_first_touch_on: demo_request, contact_sales\n",
	    "e.yaml:5: leads.restart_first_touch_on: \"demo_request, contact_sales\" is one value "
	    "with a comma: for a list write [demo_request, contact_sales]\n");
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
	tcase_add_test(tc, test_score_behaviour_accumulates_without_decay);
	tcase_add_test(tc, test_score_behaviour_halves_every_half_life);
	tcase_add_test(tc, test_score_behaviour_expires_whole);
	tcase_add_test(tc, test_score_past_keeps_the_newest);
	suite_add_tcase(s, tc);
	return s;
}
