/* test_scorecard_fold.c — what a batch of stream entries adds to the scorecard's aggregates. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/scorecard.h"
#include "leadroute/scorecard_fold.h"

#include "check_suites.h"

#define T0		1795438800000LL		/* 2026-11-23T10:00:00Z, a whole hour */
#define UNTOUCHED	(48LL * 3600 * 1000)

static char t0_hour[32], t0_day[32], t0_month[32];

static void
setup(void)
{
	scorecard_bucket_names(T0, t0_hour, t0_day, t0_month);
}

static const struct scorecard_lead lead_a = {
	"1795438800000", "sdr", "enterprise", "webinar", "form_submit", 1
};
static const struct scorecard_lead lead_b = {
	"1795438800000", "sdr", "enterprise", "webinar", "form_submit", 0
};

/* The sum for field "<value>\x1f<metric>" of hash "<bucket>:<dim>"; -1 when absent. */
static long long
sum(struct scorecard_fold *fold, const char *bucket, const char *dim, const char *value,
    const char *metric)
{
	const struct scorecard_counter *c;
	char key[96], field[160];
	size_t n, i, flen;

	snprintf(key, sizeof(key), "%s:%s", bucket, dim);
	flen = (size_t)snprintf(field, sizeof(field), "%s\x1f%s", value, metric);
	n = scorecard_fold_counters(fold, &c);
	for (i = 0; i < n; i++)
		if (strcmp(c[i].key, key) == 0 && c[i].field_len == flen &&
		    memcmp(c[i].field, field, flen) == 0)
			return (long long)c[i].n;
	return -1;
}

static long long
hour_all(struct scorecard_fold *fold, const char *metric)
{
	return sum(fold, t0_hour, "all", "", metric);
}

/* An entry of the given type about lead id at T0 + after_ms, by rep. */
static struct scorecard_event
entry(const char *type, const char *id, const char *rep, const char *at)
{
	struct scorecard_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.lead = id;
	ev.rep = rep;
	ev.at = at;
	return ev;
}

static struct scorecard_fold *
fold_with_leads(void)
{
	struct scorecard_fold *fold = scorecard_fold_new(UNTOUCHED);

	ck_assert_int_eq(scorecard_fold_want_lead(fold, "A"), 1);
	ck_assert_int_eq(scorecard_fold_want_lead(fold, "A"), 0);	/* asked once */
	scorecard_fold_set_lead(fold, "A", &lead_a);
	scorecard_fold_set_lead(fold, "B", &lead_b);
	return fold;
}

START_TEST(test_received_counts_in_every_bucket_and_dimension)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("received", "A", NULL, "1795438800000");
	const char *buckets[3] = { t0_hour, t0_day, t0_month };
	size_t i;

	ev.stage = "mql";
	scorecard_fold_add(fold, &ev);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(sum(fold, buckets[i], "all", "", "received"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "pool", "sdr", "received"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "rule", "enterprise", "received"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "source", "webinar", "received"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "rep", "", "received"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "attr", "webinar\x1e" "form_submit", "received"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "all", "", "complete"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "all", "", "stage:mql"), 1);
		ck_assert_int_eq(sum(fold, buckets[i], "attr", "webinar\x1e" "form_submit", "stage:mql"), 1);
	}
	/* attr counts only received, stages and amounts */
	ck_assert_int_eq(sum(fold, t0_hour, "attr", "webinar\x1e" "form_submit", "complete"), -1);
	ck_assert_int_eq(scorecard_fold_entries(fold), 1);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_leads_of_one_combination_are_summed)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event a = entry("received", "A", NULL, "1795438800000");
	struct scorecard_event b = entry("received", "B", NULL, "1795438800000");

	scorecard_fold_add(fold, &a);
	scorecard_fold_add(fold, &b);
	ck_assert_int_eq(hour_all(fold, "received"), 2);
	ck_assert_int_eq(hour_all(fold, "complete"), 1);	/* only A is complete */
	ck_assert_int_eq(sum(fold, t0_month, "pool", "sdr", "received"), 2);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_gone_and_unknown_leads_count_nothing)
{
	struct scorecard_fold *fold = scorecard_fold_new(UNTOUCHED);
	struct scorecard_lead bad = lead_a;
	struct scorecard_event ev;
	const struct scorecard_counter *c;

	bad.received_at = "soon";
	scorecard_fold_want_lead(fold, "gone");
	scorecard_fold_set_lead(fold, "gone", NULL);
	scorecard_fold_set_lead(fold, "odd", &bad);
	ev = entry("received", "gone", NULL, "1795438800000");
	scorecard_fold_add(fold, &ev);
	ev.lead = "odd";
	scorecard_fold_add(fold, &ev);
	ev.lead = "never-looked-up";
	scorecard_fold_add(fold, &ev);
	ev.lead = NULL;
	scorecard_fold_add(fold, &ev);
	ck_assert_uint_eq(scorecard_fold_counters(fold, &c), 0);
	ck_assert_int_eq(scorecard_fold_entries(fold), 4);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_durations_are_binned_from_arrival)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("assigned", "A", "ana", "1795438830000");	/* +30 s */
	char metric[32];

	scorecard_fold_add(fold, &ev);
	snprintf(metric, sizeof(metric), "ttr#%lld", (long long)scorecard_bin(30000));
	ck_assert_int_eq(hour_all(fold, "routed"), 1);
	ck_assert_int_eq(hour_all(fold, metric), 1);
	ck_assert_int_eq(sum(fold, t0_hour, "rep", "ana", metric), 1);

	ev = entry("touched", "A", "ana", "1795439700000");	/* +15 min */
	ev.first = "1";
	scorecard_fold_add(fold, &ev);
	snprintf(metric, sizeof(metric), "ttft#%lld", (long long)scorecard_bin(15 * 60000));
	ck_assert_int_eq(hour_all(fold, "touches"), 1);
	ck_assert_int_eq(hour_all(fold, "touched"), 1);
	ck_assert_int_eq(sum(fold, t0_hour, "rep", "ana", metric), 1);

	ev.first = NULL;	/* a later touch is a touch, not a first touch */
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "touches"), 2);
	ck_assert_int_eq(hour_all(fold, "touched"), 1);
	scorecard_fold_free(fold);
}
END_TEST

/* A time that is not whole milliseconds skips the histogram, not the count. */
START_TEST(test_a_bad_time_skips_only_the_duration)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("assigned", "A", "ana", "yesterday");
	const struct scorecard_counter *c;
	size_t n, i;

	scorecard_fold_add(fold, &ev);
	ev.at = "1795438830000.5";
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "routed"), 2);
	n = scorecard_fold_counters(fold, &c);
	for (i = 0; i < n; i++)
		ck_assert_msg(memmem(c[i].field, c[i].field_len, "ttr#", 4) == NULL,
		    "a duration was counted: %.*s", (int)c[i].field_len, c[i].field);
	ck_assert_int_eq(scorecard_fold_last_at(fold, 42), 42);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_stage_entries_count_stage_amount_and_disposition)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("stage", "A", "ana", "1795442400000");

	ev.to = "won";
	ev.amount = "1234.565";		/* cents rounded half up */
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "stage:won"), 1);
	ck_assert_int_eq(hour_all(fold, "amount:won"), 123457);
	ck_assert_int_eq(sum(fold, t0_day, "attr", "webinar\x1e" "form_submit", "amount:won"), 123457);
	ck_assert_int_eq(hour_all(fold, "disposition"), -1);

	ev = entry("rejected", "B", "ana", "1795442400000");
	ev.to = "recycled";
	ev.reason = "bad_fit";
	ev.first_decision = "1";
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "rejected"), 1);
	ck_assert_int_eq(hour_all(fold, "reject:bad_fit"), 1);
	ck_assert_int_eq(hour_all(fold, "stage:recycled"), 1);
	ck_assert_int_eq(hour_all(fold, "disposition"), 1);

	ev = entry("stage", "A", "ana", "1795442400000");
	ev.to = "lost";
	ev.reason = "price";
	ev.amount = "not money";
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "lost:price"), 1);
	ck_assert_int_eq(hour_all(fold, "stage:lost"), 1);
	ck_assert_int_eq(hour_all(fold, "amount:lost"), -1);

	ev = entry("accepted", "A", "ana", "1795442400000");	/* without "to": counted, no stage */
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "accepted"), 1);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_clocks_count_met_or_breached)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("clock", "A", "ana", "1795438900000");

	ev.clock = "route";
	ev.result = "met";
	scorecard_fold_add(fold, &ev);
	ev.clock = "first_touch";
	ev.result = "breached";
	scorecard_fold_add(fold, &ev);
	ev = entry("escalated", "B", "ana", "1795438900000");
	ev.clock = "first_touch";
	scorecard_fold_add(fold, &ev);
	ev.clock = NULL;
	scorecard_fold_add(fold, &ev);
	ev.type = "nurture";
	scorecard_fold_add(fold, &ev);
	ev.type = "mystery";
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "met:route"), 1);
	ck_assert_int_eq(hour_all(fold, "breached:first_touch"), 2);
	ck_assert_int_eq(hour_all(fold, "nurture"), 1);
	ck_assert_int_eq(scorecard_fold_last_at(fold, 0), 1795438900000LL);
	scorecard_fold_free(fold);
}
END_TEST

/* A new lead's status entry names the clocks it met at once, as clock entries would. */
START_TEST(test_clocks_met_on_arrival_count_from_the_status_entry)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("assigned", "A", "ana", "1795438900000");

	ev.met = "route";
	scorecard_fold_add(fold, &ev);
	ev = entry("queued", "B", NULL, "1795438900000");
	ev.met = "route,triage";
	scorecard_fold_add(fold, &ev);
	ev = entry("nurture", "B", NULL, "1795438900000");
	ev.met = ",,";			/* nothing named */
	scorecard_fold_add(fold, &ev);
	ck_assert_int_eq(hour_all(fold, "met:route"), 2);
	ck_assert_int_eq(hour_all(fold, "met:triage"), 1);
	ck_assert_int_eq(sum(fold, t0_hour, "rep", "ana", "met:route"), 1);
	ck_assert_int_eq(sum(fold, t0_hour, "rep", "", "met:route"), 1);
	ck_assert_int_eq(hour_all(fold, "routed"), 1);
	scorecard_fold_free(fold);
}
END_TEST

/* One net change per lead, the last one, in the order the leads first changed. */
START_TEST(test_untouched_set_changes_net_per_lead)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev;
	const struct scorecard_untouched *u;

	ev = entry("received", "B", NULL, "1795438800000");
	ev.stage = "mql";
	scorecard_fold_add(fold, &ev);
	ev.lead = "A";
	scorecard_fold_add(fold, &ev);
	ev = entry("touched", "B", "ana", "1795439000000");
	ev.first = "1";
	scorecard_fold_add(fold, &ev);
	ck_assert_uint_eq(scorecard_fold_untouched(fold, &u), 2);
	ck_assert_str_eq(u[0].lead, "B");
	ck_assert_int_eq(u[0].add, 0);
	ck_assert_str_eq(u[1].lead, "A");
	ck_assert_int_eq(u[1].add, 1);
	ck_assert_int_eq(u[1].due, T0 + UNTOUCHED);

	ev = entry("stage", "A", "ana", "1795439000000");
	ev.to = "won";
	scorecard_fold_add(fold, &ev);		/* no closes: stays untouched */
	ck_assert_uint_eq(scorecard_fold_untouched(fold, &u), 2);
	ck_assert_int_eq(u[1].add, 1);
	ev.closes = "1";
	scorecard_fold_add(fold, &ev);
	ck_assert_uint_eq(scorecard_fold_untouched(fold, &u), 2);
	ck_assert_int_eq(u[1].add, 0);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_counters_sorted_by_key_then_field)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event ev = entry("received", "A", "zed", "1795438800000");
	const struct scorecard_counter *c;
	size_t n, i;

	ev.stage = "mql";
	scorecard_fold_add(fold, &ev);
	ev = entry("assigned", "B", "ana", "1795438830000");
	scorecard_fold_add(fold, &ev);
	n = scorecard_fold_counters(fold, &c);
	ck_assert_uint_gt(n, 20);
	for (i = 1; i < n; i++) {
		int k = strcmp(c[i - 1].key, c[i].key);
		size_t m = c[i - 1].field_len < c[i].field_len ? c[i - 1].field_len : c[i].field_len;
		int f = memcmp(c[i - 1].field, c[i].field, m);

		if (f == 0)
			f = c[i - 1].field_len < c[i].field_len ? -1 : 1;
		ck_assert_msg(k < 0 || (k == 0 && f < 0), "counter %zu out of order", i);
	}
	/* Asking again without new entries gives the same list. */
	ck_assert_uint_eq(scorecard_fold_counters(fold, &c), n);
	scorecard_fold_free(fold);
}
END_TEST

/* A batch of a few leads, reps and entry types, folded into fold. */
static void
fold_mixed(struct scorecard_fold *fold)
{
	struct scorecard_event ev = entry("received", "A", NULL, "1795438800000");

	ev.stage = "mql";
	scorecard_fold_add(fold, &ev);
	ev = entry("assigned", "A", "ana", "1795438830000");
	scorecard_fold_add(fold, &ev);
	ev = entry("received", "B", NULL, "1795438800000");
	scorecard_fold_add(fold, &ev);
	ev = entry("touched", "A", "ana", "1795438900000");
	ev.first = "1";
	scorecard_fold_add(fold, &ev);
	ev = entry("assigned", "B", "zed", "1795438860000");
	scorecard_fold_add(fold, &ev);
}

START_TEST(test_spreading_a_slice_at_a_time_gives_the_same_sums)
{
	struct scorecard_fold *whole = fold_with_leads(), *sliced = fold_with_leads();
	const struct scorecard_counter *a, *b;
	struct scorecard_event ev;
	size_t n, i, slices = 0;

	fold_mixed(whole);
	fold_mixed(sliced);
	while (!scorecard_fold_spread(sliced, 1))
		slices++;
	ck_assert_uint_gt(slices, 3);
	n = scorecard_fold_counters(whole, &a);
	ck_assert_uint_eq(scorecard_fold_counters(sliced, &b), n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(a[i].key, b[i].key);
		ck_assert_uint_eq(a[i].field_len, b[i].field_len);
		ck_assert_int_eq(memcmp(a[i].field, b[i].field, a[i].field_len), 0);
		ck_assert_int_eq(a[i].n, b[i].n);
	}
	/* A batch with nothing to count has no sums, and nothing to spread. */
	{
		struct scorecard_fold *empty = scorecard_fold_new(UNTOUCHED);

		ck_assert_int_eq(scorecard_fold_spread(empty, 1), 1);
		ck_assert_uint_eq(scorecard_fold_counters(empty, &a), 0);
		scorecard_fold_free(empty);
	}
	/* An entry folded after part of the spreading counts: it starts over. */
	scorecard_fold_spread(sliced, 2);
	ev = entry("received", "B", NULL, "1795438800000");
	scorecard_fold_add(sliced, &ev);
	scorecard_fold_spread(sliced, 1);
	ck_assert_int_eq(hour_all(sliced, "received"), 3);
	ck_assert_int_eq(hour_all(sliced, "routed"), 2);
	scorecard_fold_free(whole);
	scorecard_fold_free(sliced);
}
END_TEST

START_TEST(test_event_fields_set_by_name)
{
	struct scorecard_event ev;

	memset(&ev, 0, sizeof(ev));
	scorecard_event_set(&ev, "type", 4, "clock");
	scorecard_event_set(&ev, "first_decision", 14, "1");
	scorecard_event_set(&ev, "firstx", 6, "no");
	scorecard_event_set(&ev, "clockwork", 5, "route");	/* only the first 5 bytes are the name */
	ck_assert_str_eq(ev.type, "clock");
	ck_assert_str_eq(ev.first_decision, "1");
	ck_assert_ptr_null(ev.first);
	ck_assert_str_eq(ev.clock, "route");
}
END_TEST

START_TEST(test_an_mql_counts_qualified_at_its_grade)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event a = entry("received", "A", NULL, "1795438800000");
	struct scorecard_event b = entry("received", "B", NULL, "1795438800000");
	struct scorecard_event late = entry("became_mql", "B", "ana", "1795438900000");

	a.mql = "A";
	scorecard_fold_add(fold, &a);
	scorecard_fold_add(fold, &b);		/* not an MQL on arrival */
	ck_assert_int_eq(hour_all(fold, "qualified"), 1);
	late.mql = "B";
	scorecard_fold_add(fold, &late);
	ck_assert_int_eq(hour_all(fold, "qualified"), 2);
	ck_assert_int_eq(hour_all(fold, "qualified:A"), 1);
	ck_assert_int_eq(hour_all(fold, "qualified:B"), 1);
	scorecard_fold_free(fold);
}
END_TEST

START_TEST(test_a_loss_counts_with_its_touches)
{
	struct scorecard_fold *fold = fold_with_leads();
	struct scorecard_event a = entry("stage", "A", "ana", "1795438900000");
	struct scorecard_event b = entry("stage", "B", "ana", "1795438900000");

	a.to = b.to = "lost";
	a.reason = b.reason = "no_budget";
	a.touches = "4";
	b.touches = "2";
	scorecard_fold_add(fold, &a);
	scorecard_fold_add(fold, &b);
	ck_assert_int_eq(hour_all(fold, "closed_lost"), 2);
	ck_assert_int_eq(hour_all(fold, "lost_touches"), 6);
	ck_assert_int_eq(hour_all(fold, "lost:no_budget"), 2);
	scorecard_fold_free(fold);
}
END_TEST

Suite *
scorecard_fold_suite(void)
{
	Suite *s = suite_create("scorecard_fold");
	TCase *tc = tcase_create("fold");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_received_counts_in_every_bucket_and_dimension);
	tcase_add_test(tc, test_leads_of_one_combination_are_summed);
	tcase_add_test(tc, test_gone_and_unknown_leads_count_nothing);
	tcase_add_test(tc, test_durations_are_binned_from_arrival);
	tcase_add_test(tc, test_a_bad_time_skips_only_the_duration);
	tcase_add_test(tc, test_stage_entries_count_stage_amount_and_disposition);
	tcase_add_test(tc, test_clocks_count_met_or_breached);
	tcase_add_test(tc, test_clocks_met_on_arrival_count_from_the_status_entry);
	tcase_add_test(tc, test_untouched_set_changes_net_per_lead);
	tcase_add_test(tc, test_counters_sorted_by_key_then_field);
	tcase_add_test(tc, test_spreading_a_slice_at_a_time_gives_the_same_sums);
	tcase_add_test(tc, test_event_fields_set_by_name);
	tcase_add_test(tc, test_an_mql_counts_qualified_at_its_grade);
	tcase_add_test(tc, test_a_loss_counts_with_its_touches);
	suite_add_tcase(s, tc);
	return s;
}
