/* test_review.c — the contract's targets over a period, the review's schedule and its config. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/contract.h"
#include "leadroute/review.h"
#include "leadroute/tz.h"

#include "check_suites.h"

#define HOUR	3600000LL
#define DAY	(24 * HOUR)

#define BASE \
	"reps:\n" \
	"  - id: ana\n" \
	"pools:\n" \
	"  - id: p1\n" \
	"    reps: [ana]\n" \
	"rules:\n" \
	"  - name: default\n" \
	"    pool: p1\n"

/* Epoch ms of a UTC wall time. */
static int64_t
utc(int y, int m, int d, int h, int min)
{
	return (tz_days_from_civil(y, m, d) * 24 + h) * HOUR + min * 60000LL;
}

static struct conf *
load(const char *text)
{
	struct conf_diags diags;
	struct conf *c = NULL;

	conf_load_string(text, strlen(text), "t.yaml", &c, &diags);
	conf_diags_free(&diags);
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_monthly_target_whole_month_is_the_target)
{
	ck_assert_double_eq_tol(contract_scale_monthly(400, utc(2026, 7, 1, 0, 0),
	    utc(2026, 8, 1, 0, 0)), 400, 1e-9);
	ck_assert_double_eq_tol(contract_scale_monthly(400, utc(2026, 7, 1, 0, 0),
	    utc(2026, 9, 1, 0, 0)), 800, 1e-9);
}
END_TEST

START_TEST(test_monthly_target_prorated_by_each_month)
{
	/* July 1-8: 7/31 of July's. */
	ck_assert_double_eq_tol(contract_scale_monthly(400, utc(2026, 7, 1, 0, 0),
	    utc(2026, 7, 8, 0, 0)), 400.0 * 7 / 31, 1e-9);
	/* Jan 29 - Feb 4: 3/31 of January's and 3/28 of February's. */
	ck_assert_double_eq_tol(contract_scale_monthly(310, utc(2026, 1, 29, 0, 0),
	    utc(2026, 2, 4, 0, 0)), 310.0 * 3 / 31 + 310.0 * 3 / 28, 1e-9);
}
END_TEST

START_TEST(test_target_text_has_one_decimal_at_most)
{
	char out[32];

	contract_format_target(90.3225806, out);
	ck_assert_str_eq(out, "90.3");
	contract_format_target(400, out);
	ck_assert_str_eq(out, "400");
	contract_format_target(3600000, out);
	ck_assert_str_eq(out, "3600000");
}
END_TEST

START_TEST(test_weekly_review_in_its_zone_across_dst)
{
	struct conf *c = load(BASE "review: {every: week, day: monday, at: \"09:00\", "
	    "timezone: Europe/Berlin}\n");
	int64_t last, next;

	/* Friday 4 Dec 2026: the last Monday 09:00 CET was 30 Nov 08:00 UTC. */
	review_due(&c->review, utc(2026, 12, 4, 12, 0), &last, &next);
	ck_assert_int_eq(last, utc(2026, 11, 30, 8, 0));
	ck_assert_int_eq(next, utc(2026, 12, 7, 8, 0));
	/* At the due time itself, it is the last one. */
	review_due(&c->review, utc(2026, 12, 7, 8, 0), &last, &next);
	ck_assert_int_eq(last, utc(2026, 12, 7, 8, 0));
	/* Across the end of summer time: Mon 26 Oct 2026 09:00 CET, the Monday before CEST. */
	review_due(&c->review, utc(2026, 10, 22, 0, 0), &last, &next);
	ck_assert_int_eq(last, utc(2026, 10, 19, 7, 0));
	ck_assert_int_eq(next, utc(2026, 10, 26, 8, 0));
	conf_unref(c);
}
END_TEST

START_TEST(test_interval_review_at_multiples_since_the_epoch)
{
	struct conf *c = load(BASE "review: {every: 10s}\n");
	int64_t last, next, from, to;

	review_due(&c->review, 1795438805123LL, &last, &next);
	ck_assert_int_eq(last, 1795438800000LL);
	ck_assert_int_eq(next, 1795438810000LL);
	/* The period: the interval in whole hours (one), up to the due time's hour's end. */
	review_period(&c->review, 1795438805123LL, &from, &to);
	ck_assert_int_eq(to, 1795438800000LL + HOUR);
	ck_assert_int_eq(to - from, HOUR);
	conf_unref(c);
}
END_TEST

START_TEST(test_review_defaults_without_the_section)
{
	struct conf *c = load(BASE);
	int64_t last, next;

	ck_assert_int_eq(c->review.set, 0);
	ck_assert_int_eq(c->review.period_ms, 7 * DAY);
	review_due(&c->review, utc(2026, 12, 4, 12, 0), &last, &next);
	ck_assert_int_eq(last, utc(2026, 11, 30, 9, 0));	/* Monday 09:00 UTC */
	conf_unref(c);
}
END_TEST

START_TEST(test_review_recipients_become_targets)
{
	struct conf *c = load(BASE "notify:\n  slack: {bot_token: xoxb-t}\n"
	    "  email: {smtp_url: \"smtp://127.0.0.1:2525\", from: a@example.com}\n"
	    "review: {slack_channels: [\"#revops\"], emails: [revops@example.com]}\n");
	const char *why = NULL;

	ck_assert_uint_eq(c->review.ntargets, 2);
	ck_assert_str_eq(c->review.targets[0].id, "review:slack:#revops");
	ck_assert_int_eq(c->review.targets[0].channel, CHANNEL_SLACK);
	ck_assert_str_eq(c->review.targets[1].to, "revops@example.com");
	ck_assert_ptr_eq(conf_recipient_target(c, "review:email:revops@example.com", NULL, NULL,
	    &why), &c->review.targets[1]);
	ck_assert_ptr_null(conf_recipient_target(c, "review:email:x@example.com", NULL, NULL,
	    &why));
	ck_assert_str_eq(why, "no such review recipient in the config");
	conf_unref(c);
}
END_TEST

START_TEST(test_contract_terms_parsed)
{
	struct conf *c = load(BASE "scoring:\n  mql: 50\n  grades: {A: 70, B: 50, C: 0}\n"
	    "contract:\n  qualified_per_month: {min: 400, grades: [A, B]}\n"
	    "  first_touch_median: {max: 90m}\n");

	ck_assert_int_eq(c->contract.set, 1);
	ck_assert_int_eq(c->contract.term[TERM_QUALIFIED].set, 1);
	ck_assert_uint_eq(c->contract.term[TERM_QUALIFIED].ngrades, 2);
	ck_assert_double_eq(c->contract.term[TERM_FIRST_TOUCH].target, 5400000);
	ck_assert_int_eq(c->contract.term[TERM_ACCEPTANCE].set, 0);
	conf_unref(c);
}
END_TEST

Suite *
review_suite(void)
{
	Suite *s = suite_create("review");
	TCase *tc = tcase_create("review");

	tcase_add_test(tc, test_monthly_target_whole_month_is_the_target);
	tcase_add_test(tc, test_monthly_target_prorated_by_each_month);
	tcase_add_test(tc, test_target_text_has_one_decimal_at_most);
	tcase_add_test(tc, test_weekly_review_in_its_zone_across_dst);
	tcase_add_test(tc, test_interval_review_at_multiples_since_the_epoch);
	tcase_add_test(tc, test_review_defaults_without_the_section);
	tcase_add_test(tc, test_review_recipients_become_targets);
	tcase_add_test(tc, test_contract_terms_parsed);
	suite_add_tcase(s, tc);
	return s;
}
