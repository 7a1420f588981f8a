/* test_scorecard.c — duration bins, bucket cover, and the scorecard figures in JSON and CSV. */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/scorecard.h"
#include "leadroute/tz.h"

#include "check_suites.h"

static const char *const sc_stages[] = { "new", "mql", "sal", "sql", "opportunity", "won", "lost" };
static const char *const sc_funnel[] = { "mql", "sal", "won" };
static const char *const sc_reject[] = { "bad_fit", "duplicate" };
static const char *const sc_lost[] = { "price", "timing" };
static const char *const sc_clocks[] = { "first_touch", "follow_up" };
static const char *const sc_grades[] = { "A", "B", "C" };

/* The route clock is deliberately absent from clocks: the spec allows it. */
static const struct scorecard_spec sc_spec = {
	sc_stages, LR_NELEM(sc_stages), sc_funnel, LR_NELEM(sc_funnel),
	sc_reject, LR_NELEM(sc_reject), sc_lost, LR_NELEM(sc_lost),
	sc_clocks, LR_NELEM(sc_clocks), "route", "first_touch", "won", "opportunity",
	sc_grades, LR_NELEM(sc_grades)
};

/* Epoch ms of a whole UTC hour. */
static int64_t
utc(int y, int m, int d, int h)
{
	return (tz_days_from_civil(y, m, d) * 24 + h) * 3600000LL;
}

/* Add "<dim>\x1f<value>\x1f<metric>". */
static void
add(struct scorecard *sc, const char *dim, const char *value, const char *metric, int64_t n)
{
	char field[256];
	int len = snprintf(field, sizeof(field), "%s\x1f%s\x1f%s", dim, value, metric);

	scorecard_add(sc, field, (size_t)len, n);
}

/* The report as a parsed JSON object (caller decrefs). */
static json_t *
report(struct scorecard *sc)
{
	struct jsonw w;
	json_error_t err;
	json_t *root;
	size_t len;
	char *text;

	memset(&w, 0, sizeof(w));
	jsonw_begin_object(&w, NULL);
	scorecard_write_json(sc, &w);
	jsonw_end_object(&w);
	text = jsonw_finish(&w, &len);
	root = json_loadb(text, len, 0, &err);
	if (root == NULL)
		ck_abort_msg("bad JSON (%s): %s", err.text, text);
	free(text);
	return root;
}

/* The report's CSV (caller frees). */
static char *
csv(struct scorecard *sc)
{
	struct buf b;

	memset(&b, 0, sizeof(b));
	scorecard_write_csv(sc, &b);
	return b.data;
}

/* The overall figures of a one-off report; the value at a dotted path. */
static json_t *
path(json_t *root, const char *p)
{
	char buf[128], *tok, *save = NULL;
	json_t *v = root;

	snprintf(buf, sizeof(buf), "%s", p);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && v != NULL;
	    tok = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(tok)) : json_object_get(v, tok);
	ck_assert_msg(v != NULL, "no %s", p);
	return v;
}

static void
assert_num(json_t *root, const char *p, double want)
{
	json_t *v = path(root, p);

	ck_assert_msg(json_is_number(v), "%s is not a number", p);
	ck_assert_double_eq_tol(json_number_value(v), want, 1e-9);
}

static void
assert_int(json_t *root, const char *p, json_int_t want)
{
	json_t *v = path(root, p);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", p);
	ck_assert_int_eq(json_integer_value(v), want);
}

static void
assert_null(json_t *root, const char *p)
{
	ck_assert_msg(json_is_null(path(root, p)), "%s is not null", p);
}

static void
assert_buckets(int64_t from, int64_t to, const char *const *want, size_t nwant)
{
	char **keys = NULL;
	size_t n = scorecard_buckets(from, to, &keys), i;

	ck_assert_uint_eq(n, nwant);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(keys[i], want[i]);
		free(keys[i]);
	}
	free(keys);
}

START_TEST(test_bin_keeps_two_significant_digits)
{
	ck_assert_int_eq(scorecard_bin(0), 0);
	ck_assert_int_eq(scorecard_bin(99), 99);
	ck_assert_int_eq(scorecard_bin(100), 100);
	ck_assert_int_eq(scorecard_bin(999), 990);
	ck_assert_int_eq(scorecard_bin(1000), 1000);
	ck_assert_int_eq(scorecard_bin(1234), 1200);
	ck_assert_int_eq(scorecard_bin(56789), 56000);
	ck_assert_int_eq(scorecard_bin(-1), 0);
	ck_assert_int_eq(scorecard_bin(INT64_MIN), 0);
	ck_assert_int_eq(scorecard_bin(30LL * 86400000), 2500000000LL);
	ck_assert_int_eq(scorecard_bin(INT64_MAX), 9200000000000000000LL);
}
END_TEST

START_TEST(test_buckets_example_from_contract)
{
	static const char *const want[] = {
		"h:491638", "h:491639", "m:202602", "d:20513", "h:492336"
	};

	assert_buckets(utc(2026, 1, 31, 22), utc(2026, 3, 2, 1), want, LR_NELEM(want));
}
END_TEST

START_TEST(test_buckets_inside_one_hour)
{
	static const char *const want[] = { "h:498729" };

	assert_buckets(utc(2026, 11, 23, 9), utc(2026, 11, 23, 10), want, 1);
}
END_TEST

START_TEST(test_buckets_whole_month_is_one_key)
{
	static const char *const april[] = { "m:202604" };
	static const char *const december[] = { "m:202612" };

	assert_buckets(utc(2026, 4, 1, 0), utc(2026, 5, 1, 0), april, 1);
	assert_buckets(utc(2026, 12, 1, 0), utc(2027, 1, 1, 0), december, 1);
}
END_TEST

START_TEST(test_buckets_across_year_end)
{
	static const char *const want[] = {
		"h:499655", "d:20819", "d:20820", "h:499704"
	};

	/* 2026-12-31T23:00Z .. 2027-01-03T01:00Z: January does not fit, so days. */
	assert_buckets(utc(2026, 12, 31, 23), utc(2027, 1, 3, 1), want, LR_NELEM(want));
}
END_TEST

START_TEST(test_buckets_leap_february_2028)
{
	static const char *const month[] = { "m:202802", "d:21244" };
	static const char *const days[] = { "d:21242", "d:21243" };

	assert_buckets(utc(2028, 2, 1, 0), utc(2028, 3, 2, 0), month, 2);
	/* Feb 28 to Mar 1 is two days, the 29th included. */
	assert_buckets(utc(2028, 2, 28, 0), utc(2028, 3, 1, 0), days, 2);
}
END_TEST

START_TEST(test_buckets_empty_range)
{
	char **keys = (char **)1;

	ck_assert_uint_eq(scorecard_buckets(utc(2026, 1, 1, 0), utc(2026, 1, 1, 0), &keys), 0);
	ck_assert_ptr_null(keys);
}
END_TEST

START_TEST(test_bucket_names_match_the_cover)
{
	char hour[32], day[32], month[32];

	scorecard_bucket_names(utc(2026, 3, 1, 0) + 59 * 60000 + 999, hour, day, month);
	ck_assert_str_eq(hour, "h:492312");
	ck_assert_str_eq(day, "d:20513");
	ck_assert_str_eq(month, "m:202603");
	scorecard_bucket_names(utc(2028, 2, 29, 23), hour, day, month);
	ck_assert_str_eq(day, "d:21243");
	ck_assert_str_eq(month, "m:202802");
}
END_TEST

/* A report with only ttr#<bin> counts; checks count, median and p90. */
static void
assert_ttr(const int64_t *bins, const int64_t *counts, size_t n, json_int_t count,
    json_int_t median, json_int_t p90)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r;
	char m[32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(m, sizeof(m), "ttr#%lld", (long long)bins[i]);
		add(sc, "all", "", m, counts[i]);
	}
	r = report(sc);
	assert_int(r, "overall.time_to_route_ms.count", count);
	assert_int(r, "overall.time_to_route_ms.median", median);
	assert_int(r, "overall.time_to_route_ms.p90", p90);
	json_decref(r);
	scorecard_free(sc);
}

START_TEST(test_quantiles_odd_count)
{
	static const int64_t bins[] = { 300, 100, 200 }, counts[] = { 1, 1, 1 };

	assert_ttr(bins, counts, 3, 3, 200, 300);
}
END_TEST

START_TEST(test_quantiles_even_count_take_lower_median)
{
	static const int64_t bins[] = { 100, 200, 300, 400 }, counts[] = { 1, 1, 1, 1 };

	/* ranks ceil(2) = 2 and ceil(3.6) = 4 */
	assert_ttr(bins, counts, 4, 4, 200, 400);
}
END_TEST

START_TEST(test_quantiles_single_value)
{
	static const int64_t bins[] = { 56000 }, counts[] = { 1 };

	assert_ttr(bins, counts, 1, 1, 56000, 56000);
}
END_TEST

START_TEST(test_quantiles_ten_values_p90_is_ninth)
{
	static const int64_t bins[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };
	static const int64_t counts[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

	assert_ttr(bins, counts, 10, 10, 50, 90);
}
END_TEST

START_TEST(test_quantiles_all_in_one_bin)
{
	static const int64_t bins[] = { 1200 }, counts[] = { 7 };

	assert_ttr(bins, counts, 1, 7, 1200, 1200);
}
END_TEST

START_TEST(test_quantiles_sum_repeated_bins)
{
	static const int64_t bins[] = { 100, 900, 100 }, counts[] = { 2, 3, 2 };

	/* 100 x4, 900 x3: median rank 4 -> 100, p90 rank 7 -> 900 */
	assert_ttr(bins, counts, 3, 7, 100, 900);
}
END_TEST

START_TEST(test_quantiles_null_without_data)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r;

	add(sc, "all", "", "ttft#300", 2);
	r = report(sc);
	assert_int(r, "overall.time_to_route_ms.count", 0);
	assert_null(r, "overall.time_to_route_ms.median");
	assert_null(r, "overall.time_to_route_ms.p90");
	assert_int(r, "overall.time_to_first_touch_ms.median", 300);
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

/* acceptance_rate_pct for accepted/routed, in JSON and as CSV text. */
static void
assert_acceptance(int64_t accepted, int64_t routed, const char *text)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	char want[64], *out;
	json_t *r;

	add(sc, "all", "", "accepted", accepted);
	add(sc, "all", "", "routed", routed);
	r = report(sc);
	if (text[0] == '\0')
		assert_null(r, "overall.acceptance_rate_pct");
	else
		assert_num(r, "overall.acceptance_rate_pct", strtod(text, NULL));
	json_decref(r);
	/* leads_routed, 4 quantile cells, 2 SLA cells, untouched, then acceptance */
	out = csv(sc);
	snprintf(want, sizeof(want), "\r\n(all),0,0,%lld,,,,,,,,%s,", (long long)routed, text);
	ck_assert_msg(strstr(out, want) != NULL, "want %s in %s", want, out);
	free(out);
	scorecard_free(sc);
}

START_TEST(test_pct_rounds_to_one_decimal)
{
	assert_acceptance(1, 3, "33.3");
	assert_acceptance(2, 3, "66.7");
	assert_acceptance(1, 2, "50");
	assert_acceptance(3, 3, "100");
	assert_acceptance(0, 7, "0");
}
END_TEST

START_TEST(test_pct_rounds_half_away_from_zero)
{
	assert_acceptance(1, 16, "6.3");	/* 6.25 */
	assert_acceptance(1, 8, "12.5");
	assert_acceptance(1, 2000, "0.1");	/* 0.05 */
	assert_acceptance(1, 2001, "0");	/* 0.04997... */
}
END_TEST

START_TEST(test_pct_null_on_zero_denominator)
{
	assert_acceptance(0, 0, "");
	assert_acceptance(5, 0, "");
}
END_TEST

START_TEST(test_touches_per_worked_lead_two_decimals)
{
	struct scorecard *sc = scorecard_new(&sc_spec, "rep");
	json_t *r;

	add(sc, "all", "", "touches", 7);
	add(sc, "all", "", "touched", 3);
	add(sc, "rep", "a", "touches", 1);
	add(sc, "rep", "a", "touched", 8);
	add(sc, "rep", "b", "touches", 4);
	r = report(sc);
	assert_num(r, "overall.touches_per_worked_lead", 2.33);
	assert_num(r, "groups.0.touches_per_worked_lead", 0.13);	/* 0.125 */
	assert_null(r, "groups.1.touches_per_worked_lead");
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

/* pipeline_amount for these cents, as CSV text (the last three cells). */
static void
assert_amount(int64_t cents, const char *text)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	char want[64], *out;
	json_t *r;

	add(sc, "all", "", "amount:opportunity", cents);
	r = report(sc);
	assert_num(r, "overall.pipeline_amount", strtod(text, NULL));
	json_decref(r);
	out = csv(sc);
	snprintf(want, sizeof(want), ",%s,0,0,0,0,0\r\n", text);
	ck_assert_msg(strlen(out) > strlen(want) &&
	    strcmp(out + strlen(out) - strlen(want), want) == 0, "want %s in %s", want, out);
	free(out);
	scorecard_free(sc);
}

START_TEST(test_amounts_are_cents_as_units)
{
	assert_amount(0, "0");
	assert_amount(5, "0.05");
	assert_amount(50, "0.5");
	assert_amount(123450, "1234.5");
	assert_amount(100000, "1000");
	assert_amount(123456, "1234.56");
	assert_amount(-5, "-0.05");
}
END_TEST

START_TEST(test_amount_text_in_json_is_exact)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	struct jsonw w;
	size_t len;
	char *text;

	add(sc, "all", "", "amount:won", 123450);
	add(sc, "all", "", "amount:opportunity", 5);
	memset(&w, 0, sizeof(w));
	jsonw_begin_object(&w, NULL);
	scorecard_write_json(sc, &w);
	jsonw_end_object(&w);
	text = jsonw_finish(&w, &len);
	ck_assert_ptr_nonnull(strstr(text, "\"pipeline_amount\":0.05,\"won\":0,\"won_amount\":1234.5}"));
	free(text);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_overall_figures)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r;

	add(sc, "all", "", "received", 20);
	add(sc, "all", "", "nurture", 4);
	add(sc, "all", "", "complete", 15);
	add(sc, "all", "", "routed", 16);
	add(sc, "all", "", "untouched", 2);
	add(sc, "all", "", "accepted", 12);
	add(sc, "all", "", "rejected", 3);
	add(sc, "all", "", "reject:bad_fit", 2);
	add(sc, "all", "", "reject:duplicate", 1);
	add(sc, "all", "", "lost:timing", 1);
	add(sc, "all", "", "disposition", 15);
	add(sc, "all", "", "met:route", 9);
	add(sc, "all", "", "breached:route", 1);
	add(sc, "all", "", "met:first_touch", 3);
	add(sc, "all", "", "breached:first_touch", 1);
	add(sc, "all", "", "stage:new", 20);
	add(sc, "all", "", "stage:mql", 10);
	add(sc, "all", "", "stage:sal", 4);
	add(sc, "all", "", "stage:won", 1);
	add(sc, "all", "", "amount:won", 250000);
	add(sc, "all", "", "amount:opportunity", 999999);
	r = report(sc);
	assert_int(r, "overall.leads_received", 20);
	assert_int(r, "overall.sales_leads", 16);
	assert_int(r, "overall.leads_routed", 16);
	assert_num(r, "overall.routed_within_sla_pct", 90);
	assert_num(r, "overall.first_touched_within_sla_pct", 75);
	assert_num(r, "overall.untouched_pct", 12.5);
	assert_num(r, "overall.acceptance_rate_pct", 75);
	assert_num(r, "overall.rejection_rate_pct", 18.8);	/* 18.75 */
	assert_int(r, "overall.rejections.bad_fit", 2);
	assert_int(r, "overall.rejections.duplicate", 1);
	assert_int(r, "overall.lost_reasons.price", 0);
	assert_int(r, "overall.lost_reasons.timing", 1);
	assert_num(r, "overall.disposition_pct", 93.8);		/* 93.75 */
	assert_num(r, "overall.complete_pct", 75);
	assert_null(r, "overall.touches_per_worked_lead");
	/* Only configured clocks are listed, the route clock is not one. */
	ck_assert_uint_eq(json_object_size(path(r, "overall.sla")), 2);
	assert_int(r, "overall.sla.first_touch.met", 3);
	assert_int(r, "overall.sla.first_touch.breached", 1);
	assert_num(r, "overall.sla.first_touch.met_pct", 75);
	assert_int(r, "overall.sla.follow_up.met", 0);
	assert_null(r, "overall.sla.follow_up.met_pct");
	ck_assert_uint_eq(json_object_size(path(r, "overall.stages")), 7);
	assert_int(r, "overall.stages.new", 20);
	assert_int(r, "overall.stages.lost", 0);
	ck_assert_uint_eq(json_array_size(path(r, "overall.conversions")), 2);
	ck_assert_str_eq(json_string_value(path(r, "overall.conversions.0.from")), "mql");
	ck_assert_str_eq(json_string_value(path(r, "overall.conversions.0.to")), "sal");
	assert_num(r, "overall.conversions.0.pct", 40);
	ck_assert_str_eq(json_string_value(path(r, "overall.conversions.1.to")), "won");
	assert_num(r, "overall.conversions.1.pct", 25);
	assert_num(r, "overall.pipeline_amount", 9999.99);
	assert_int(r, "overall.won", 1);
	assert_num(r, "overall.won_amount", 2500);
	ck_assert_ptr_null(json_object_get(r, "groups"));
	ck_assert_uint_eq(json_array_size(path(r, "attribution")), 0);
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_overall_members_in_contract_order)
{
	static const char *const keys[] = {
		"leads_received", "people_received", "re_engaged", "became_mql", "sales_leads",
		"leads_routed", "time_to_route_ms",
		"time_to_first_touch_ms", "routed_within_sla_pct", "first_touched_within_sla_pct",
		"untouched_pct", "acceptance_rate_pct", "rejection_rate_pct", "rejections",
		"lost_reasons", "disposition_pct", "complete_pct", "touches_per_worked_lead",
		"qualified_leads", "qualified_by_grade", "closed_lost", "touches_before_lost",
		"sla", "stages", "conversions", "pipeline_amount", "won", "won_amount"
	};
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r = report(sc);
	json_t *o = path(r, "overall");
	void *it = json_object_iter(o);
	size_t i;

	/* jansson keeps insertion order, so the iteration is the text order. */
	for (i = 0; i < LR_NELEM(keys); i++, it = json_object_iter_next(o, it)) {
		ck_assert_ptr_nonnull(it);
		ck_assert_str_eq(json_object_iter_key(it), keys[i]);
	}
	ck_assert_ptr_null(it);
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_groups_sorted_by_leads_then_value)
{
	struct scorecard *sc = scorecard_new(&sc_spec, "rep");
	json_t *r;

	add(sc, "rep", "bob", "received", 5);
	add(sc, "rep", "", "received", 9);
	add(sc, "rep", "amy", "received", 5);
	add(sc, "rep", "zed", "received", 9);
	add(sc, "rep", "Zoe", "received", 5);	/* 'Z' sorts before 'a' bytewise */
	add(sc, "rep", "cat", "routed", 3);	/* fields but no leads: still a group */
	r = report(sc);
	ck_assert_uint_eq(json_array_size(path(r, "groups")), 6);
	assert_null(r, "groups.0.rep");
	assert_int(r, "groups.0.leads_received", 9);
	ck_assert_str_eq(json_string_value(path(r, "groups.1.rep")), "zed");
	ck_assert_str_eq(json_string_value(path(r, "groups.2.rep")), "Zoe");
	ck_assert_str_eq(json_string_value(path(r, "groups.3.rep")), "amy");
	ck_assert_str_eq(json_string_value(path(r, "groups.4.rep")), "bob");
	ck_assert_str_eq(json_string_value(path(r, "groups.5.rep")), "cat");
	assert_int(r, "groups.5.leads_routed", 3);
	/* The group object starts with the by member. */
	ck_assert_str_eq(json_object_iter_key(json_object_iter(path(r, "groups.1"))), "rep");
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_unknown_fields_are_ignored)
{
	static const char one_sep[] = "all\x1freceived";
	static const char nul_inside[] = "rep\x1f" "a\0b\x1freceived";
	struct scorecard *sc = scorecard_new(&sc_spec, "rep");
	json_t *r;

	add(sc, "all", "", "received", 4);
	add(sc, "all", "", "received", 3);		/* same field twice: summed */
	add(sc, "all", "x", "received", 100);		/* all takes no value */
	add(sc, "pool", "p1", "received", 100);		/* not the by-dimension */
	add(sc, "rep", "ghost", "bogus", 100);		/* unknown metric: no group either */
	add(sc, "rep", "ghost", "stage:unknown", 100);
	add(sc, "rep", "ghost", "reject:unknown", 100);
	add(sc, "rep", "ghost", "ttr#", 100);
	add(sc, "rep", "ghost", "ttr#12a", 100);
	add(sc, "rep", "ghost", "ttr#-5", 100);
	add(sc, "rep", "ghost", "received ", 100);
	add(sc, "attr", "no-separator", "received", 100);
	add(sc, "", "", "received", 100);
	scorecard_add(sc, one_sep, sizeof(one_sep) - 1, 100);
	scorecard_add(sc, nul_inside, sizeof(nul_inside) - 1, 100);
	scorecard_add(sc, "", 0, 100);
	scorecard_add(sc, NULL, 0, 100);
	r = report(sc);
	assert_int(r, "overall.leads_received", 7);
	ck_assert_uint_eq(json_array_size(path(r, "groups")), 0);
	ck_assert_uint_eq(json_array_size(path(r, "attribution")), 0);
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_without_by_group_fields_are_ignored)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	char *out, *row;
	json_t *r;

	add(sc, "rep", "a", "received", 5);
	r = report(sc);
	assert_int(r, "overall.leads_received", 0);
	ck_assert_ptr_null(json_object_get(r, "groups"));
	json_decref(r);
	out = csv(sc);
	/* the header and the (all) row only */
	row = strstr(out, "\r\n(all),0,");
	ck_assert_ptr_nonnull(row);
	ck_assert_ptr_eq(strstr(row + 2, "\r\n"), out + strlen(out) - 2);
	free(out);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_sums_saturate)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r;

	add(sc, "all", "", "received", INT64_MAX);
	add(sc, "all", "", "received", 5);
	add(sc, "all", "", "nurture", -3);
	r = report(sc);
	assert_int(r, "overall.leads_received", INT64_MAX);
	assert_int(r, "overall.sales_leads", INT64_MAX);
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_attribution_sorted_and_nulls)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r;

	add(sc, "attr", "web\x1e" "demo", "received", 10);
	add(sc, "attr", "web\x1e" "demo", "stage:won", 2);
	add(sc, "attr", "web\x1e" "demo", "amount:won", 5000);
	add(sc, "attr", "ads\x1e" "form", "received", 4);
	add(sc, "attr", "ads\x1e" "form", "stage:won", 1);
	add(sc, "attr", "ads\x1e" "form", "amount:won", 9000);
	add(sc, "attr", "ads\x1e" "chat", "received", 3);
	add(sc, "attr", "ads\x1e" "chat", "stage:won", 1);
	add(sc, "attr", "ads\x1e" "chat", "amount:won", 5000);
	add(sc, "attr", "\x1e", "received", 6);
	add(sc, "attr", "ads\x1e", "received", 1);
	r = report(sc);
	ck_assert_uint_eq(json_array_size(path(r, "attribution")), 5);
	/* won_amount desc */
	ck_assert_str_eq(json_string_value(path(r, "attribution.0.event")), "form");
	assert_num(r, "attribution.0.won_amount", 90);
	assert_num(r, "attribution.0.win_rate_pct", 25);
	/* same amount: won desc */
	ck_assert_str_eq(json_string_value(path(r, "attribution.1.source")), "web");
	assert_int(r, "attribution.1.leads", 10);
	assert_int(r, "attribution.1.won", 2);
	assert_num(r, "attribution.1.win_rate_pct", 20);
	ck_assert_str_eq(json_string_value(path(r, "attribution.2.event")), "chat");
	/* nothing won: source asc ("" first), then event asc ("" first) */
	assert_null(r, "attribution.3.source");
	assert_null(r, "attribution.3.event");
	assert_int(r, "attribution.3.won", 0);
	assert_num(r, "attribution.3.won_amount", 0);
	assert_num(r, "attribution.3.win_rate_pct", 0);
	ck_assert_str_eq(json_string_value(path(r, "attribution.4.source")), "ads");
	assert_null(r, "attribution.4.event");
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_csv_header)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	char *out = csv(sc);

	ck_assert_str_eq(out,
	    "group,leads_received,sales_leads,leads_routed,ttr_median_ms,ttr_p90_ms,"
	    "ttft_median_ms,ttft_p90_ms,routed_within_sla_pct,first_touched_within_sla_pct,"
	    "untouched_pct,acceptance_rate_pct,rejection_rate_pct,disposition_pct,complete_pct,"
	    "touches_per_worked_lead,sla_first_touch_met_pct,sla_follow_up_met_pct,"
	    "stage_new,stage_mql,stage_sal,stage_sql,stage_opportunity,stage_won,stage_lost,"
	    "conv_mql_sal_pct,conv_sal_won_pct,reject_bad_fit,reject_duplicate,"
	    "lost_price,lost_timing,pipeline_amount,won,won_amount,people_received,re_engaged,"
	    "became_mql\r\n"
	    "(all),0,0,0,,,,,,,,,,,,,,,0,0,0,0,0,0,0,,,0,0,0,0,0,0,0,0,0,0\r\n");
	free(out);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_csv_rows_follow_json_order)
{
	struct scorecard *sc = scorecard_new(&sc_spec, "source");
	char *out, *row;

	add(sc, "all", "", "received", 8);
	add(sc, "all", "", "routed", 3);
	add(sc, "all", "", "ttr#1200", 3);
	add(sc, "all", "", "met:first_touch", 1);
	add(sc, "all", "", "breached:first_touch", 2);
	add(sc, "all", "", "stage:mql", 3);
	add(sc, "all", "", "stage:sal", 1);
	add(sc, "all", "", "reject:duplicate", 4);
	add(sc, "all", "", "stage:won", 1);
	add(sc, "all", "", "amount:won", 123450);
	add(sc, "source", "web", "received", 2);
	add(sc, "source", "", "received", 6);
	out = csv(sc);
	row = strstr(out, "\r\n") + 2;
	ck_assert_str_eq(row,
	    "(all),8,8,3,1200,1200,,,,33.3,0,0,0,0,0,,33.3,,0,3,1,0,0,1,0,33.3,100,0,4,0,0,0,1,1234.5,"
	    "8,0,0\r\n"
	    "(none),6,6,0,,,,,,,0,,,,0,,,,0,0,0,0,0,0,0,,,0,0,0,0,0,0,0,6,0,0\r\n"
	    "web,2,2,0,,,,,,,0,,,,0,,,,0,0,0,0,0,0,0,,,0,0,0,0,0,0,0,2,0,0\r\n");
	free(out);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_csv_quotes_and_guards_group_values)
{
	static const char *const values[] = {
		"a,b", "say \"hi\"", "line\nbreak", "cr\rhere", "=SUM(A1)", "+1", "-5", "@x",
		"=x,y", "plain"
	};
	static const char *const cells[] = {
		"\"a,b\"", "\"say \"\"hi\"\"\"", "\"line\nbreak\"", "\"cr\rhere\"", "'=SUM(A1)",
		"'+1", "'-5", "'@x", "\"'=x,y\"", "plain"
	};
	struct scorecard *sc = scorecard_new(&sc_spec, "rule");
	char want[64], *out;
	size_t i;

	for (i = 0; i < LR_NELEM(values); i++)
		add(sc, "rule", values[i], "received", (int64_t)(100 - i));
	out = csv(sc);
	for (i = 0; i < LR_NELEM(values); i++) {
		snprintf(want, sizeof(want), "\r\n%s,%d,", cells[i], (int)(100 - i));
		ck_assert_msg(strstr(out, want) != NULL, "want %s in %s", want, out);
	}
	free(out);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_qualified_by_grade_and_touches_before_lost)
{
	static const char *const ab[] = { "A", "B" };
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	json_t *r;

	add(sc, "all", "", "qualified", 7);
	add(sc, "all", "", "qualified:A", 3);
	add(sc, "all", "", "qualified:B", 2);
	add(sc, "all", "", "qualified:C", 1);
	add(sc, "all", "", "qualified:", 1);
	add(sc, "all", "", "closed_lost", 3);
	add(sc, "all", "", "lost_touches", 17);
	r = report(sc);
	ck_assert_int_eq(json_integer_value(path(r, "overall.qualified_leads")), 7);
	ck_assert_int_eq(json_integer_value(path(r, "overall.qualified_by_grade.A")), 3);
	ck_assert_int_eq(json_integer_value(path(r, "overall.qualified_by_grade.C")), 1);
	ck_assert_int_eq(json_integer_value(path(r, "overall.closed_lost")), 3);
	ck_assert_double_eq_tol(json_real_value(path(r, "overall.touches_before_lost")), 5.67, 1e-9);
	ck_assert_int_eq(scorecard_qualified(sc, ab, 2), 5);
	ck_assert_int_eq(scorecard_qualified(sc, NULL, 0), 7);
	json_decref(r);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_touches_before_lost_null_without_losses)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	struct scorecard_summary s;

	add(sc, "all", "", "received", 4);
	scorecard_summarize(sc, &s);
	ck_assert_str_eq(s.touches_before_lost, "");
	ck_assert_int_eq(s.received, 4);
	scorecard_free(sc);
}
END_TEST

START_TEST(test_top_rejections_most_first_ties_in_config_order)
{
	struct scorecard *sc = scorecard_new(&sc_spec, NULL);
	const char *codes[2];
	int64_t counts[2];

	add(sc, "all", "", "reject:bad_fit", 2);
	add(sc, "all", "", "reject:duplicate", 2);
	ck_assert_uint_eq(scorecard_top_rejections(sc, 2, codes, counts), 2);
	ck_assert_str_eq(codes[0], "bad_fit");
	ck_assert_str_eq(codes[1], "duplicate");
	add(sc, "all", "", "reject:duplicate", 1);
	ck_assert_uint_eq(scorecard_top_rejections(sc, 1, codes, counts), 1);
	ck_assert_str_eq(codes[0], "duplicate");
	ck_assert_int_eq(counts[0], 3);
	scorecard_free(sc);
}
END_TEST

Suite *
scorecard_suite(void)
{
	Suite *s = suite_create("scorecard");
	TCase *tc = tcase_create("scorecard");

	tcase_add_test(tc, test_bin_keeps_two_significant_digits);
	tcase_add_test(tc, test_buckets_example_from_contract);
	tcase_add_test(tc, test_buckets_inside_one_hour);
	tcase_add_test(tc, test_buckets_whole_month_is_one_key);
	tcase_add_test(tc, test_buckets_across_year_end);
	tcase_add_test(tc, test_buckets_leap_february_2028);
	tcase_add_test(tc, test_buckets_empty_range);
	tcase_add_test(tc, test_bucket_names_match_the_cover);
	tcase_add_test(tc, test_quantiles_odd_count);
	tcase_add_test(tc, test_quantiles_even_count_take_lower_median);
	tcase_add_test(tc, test_quantiles_single_value);
	tcase_add_test(tc, test_quantiles_ten_values_p90_is_ninth);
	tcase_add_test(tc, test_quantiles_all_in_one_bin);
	tcase_add_test(tc, test_quantiles_sum_repeated_bins);
	tcase_add_test(tc, test_quantiles_null_without_data);
	tcase_add_test(tc, test_pct_rounds_to_one_decimal);
	tcase_add_test(tc, test_pct_rounds_half_away_from_zero);
	tcase_add_test(tc, test_pct_null_on_zero_denominator);
	tcase_add_test(tc, test_touches_per_worked_lead_two_decimals);
	tcase_add_test(tc, test_amounts_are_cents_as_units);
	tcase_add_test(tc, test_amount_text_in_json_is_exact);
	tcase_add_test(tc, test_overall_figures);
	tcase_add_test(tc, test_overall_members_in_contract_order);
	tcase_add_test(tc, test_groups_sorted_by_leads_then_value);
	tcase_add_test(tc, test_unknown_fields_are_ignored);
	tcase_add_test(tc, test_without_by_group_fields_are_ignored);
	tcase_add_test(tc, test_sums_saturate);
	tcase_add_test(tc, test_attribution_sorted_and_nulls);
	tcase_add_test(tc, test_csv_header);
	tcase_add_test(tc, test_csv_rows_follow_json_order);
	tcase_add_test(tc, test_csv_quotes_and_guards_group_values);
	tcase_add_test(tc, test_qualified_by_grade_and_touches_before_lost);
	tcase_add_test(tc, test_touches_before_lost_null_without_losses);
	tcase_add_test(tc, test_top_rejections_most_first_ties_in_config_order);
	suite_add_tcase(s, tc);
	return s;
}
