/* test_tz.c — time zones (DST both ways, past the table, odd offsets) and calendars. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/calendar.h"
#include "leadroute/conf.h"
#include "leadroute/tstamp.h"
#include "leadroute/tz.h"
#include "leadroute/ytree.h"

#include "check_suites.h"

static struct tz_zone *
zone(const char *name)
{
	char *cause = NULL;
	struct tz_zone *z = tz_load(name, &cause);

	ck_assert_msg(z != NULL, "%s", cause != NULL ? cause : "?");
	return z;
}

static int64_t
at(const char *rfc3339)
{
	int64_t ms;

	ck_assert_int_eq(tstamp_parse(rfc3339, &ms), 0);
	return ms;
}

static int32_t
offset_at(struct tz_zone *z, const char *when)
{
	return tz_offset(z, at(when) / 1000);
}

START_TEST(test_tz_berlin_switches_to_summer_time)
{
	struct tz_zone *z = zone("Europe/Berlin");

	/* 2026-03-29 01:00 UTC: clocks go from 02:00 to 03:00. */
	ck_assert_int_eq(offset_at(z, "2026-03-29T00:59:59Z"), 3600);
	ck_assert_int_eq(offset_at(z, "2026-03-29T01:00:00Z"), 7200);
	/* 2026-10-25 01:00 UTC: back from 03:00 to 02:00. */
	ck_assert_int_eq(offset_at(z, "2026-10-25T00:59:59Z"), 7200);
	ck_assert_int_eq(offset_at(z, "2026-10-25T01:00:00Z"), 3600);
	tz_free(z);
}
END_TEST

START_TEST(test_tz_new_york)
{
	struct tz_zone *z = zone("America/New_York");

	/* 2026-03-08 07:00 UTC (02:00 EST) and 2026-11-01 06:00 UTC (02:00 EDT). */
	ck_assert_int_eq(offset_at(z, "2026-03-08T06:59:59Z"), -18000);
	ck_assert_int_eq(offset_at(z, "2026-03-08T07:00:00Z"), -14400);
	ck_assert_int_eq(offset_at(z, "2026-11-01T05:59:59Z"), -14400);
	ck_assert_int_eq(offset_at(z, "2026-11-01T06:00:00Z"), -18000);
	tz_free(z);
}
END_TEST

START_TEST(test_tz_after_the_table_uses_the_rule)
{
	struct tz_zone *z = zone("Europe/Berlin");

	/* 2045 is past the 2037 transitions: the POSIX footer decides (last Sundays). */
	ck_assert_int_eq(offset_at(z, "2045-03-26T00:59:59Z"), 3600);
	ck_assert_int_eq(offset_at(z, "2045-03-26T01:00:00Z"), 7200);
	ck_assert_int_eq(offset_at(z, "2045-10-29T00:59:59Z"), 7200);
	ck_assert_int_eq(offset_at(z, "2045-10-29T01:00:00Z"), 3600);
	tz_free(z);
}
END_TEST

START_TEST(test_tz_southern_hemisphere)
{
	struct tz_zone *z = zone("Australia/Sydney");

	ck_assert_int_eq(offset_at(z, "2026-01-15T00:00:00Z"), 39600);	/* AEDT */
	ck_assert_int_eq(offset_at(z, "2026-07-15T00:00:00Z"), 36000);	/* AEST */
	ck_assert_int_eq(offset_at(z, "2050-01-15T00:00:00Z"), 39600);
	ck_assert_int_eq(offset_at(z, "2050-07-15T00:00:00Z"), 36000);
	tz_free(z);
}
END_TEST

START_TEST(test_tz_fixed_and_odd_offsets)
{
	struct tz_zone *k = zone("Asia/Kolkata"), *u = zone("UTC");
	struct tz_civil c;

	ck_assert_int_eq(offset_at(k, "2026-06-01T00:00:00Z"), 19800);
	ck_assert_int_eq(offset_at(u, "2026-06-01T00:00:00Z"), 0);
	tz_civil(k, at("2026-11-23T20:00:00Z"), &c);
	ck_assert_int_eq(c.year, 2026);
	ck_assert_int_eq(c.month, 11);
	ck_assert_int_eq(c.day, 24);
	ck_assert_int_eq(c.hour, 1);
	ck_assert_int_eq(c.minute, 30);
	ck_assert_int_eq(c.wday, 1);	/* a Tuesday */
	tz_free(k);
	tz_free(u);
}
END_TEST

START_TEST(test_tz_unknown_zone)
{
	char *cause = NULL;

	ck_assert_ptr_null(tz_load("Mars/Olympus_Mons", &cause));
	ck_assert_ptr_nonnull(strstr(cause, "unknown time zone \"Mars/Olympus_Mons\""));
	free(cause);
	ck_assert_ptr_null(tz_load("../etc/passwd", &cause));
	ck_assert_str_eq(cause, "bad time zone name \"../etc/passwd\"");
	free(cause);
}
END_TEST

/* A calendar from YAML text of one calendar map. */
static struct calendar *
cal(const char *yaml)
{
	struct calendar *c = xcalloc(1, sizeof(*c));
	struct conf_diags diags;
	struct ynode *n;
	char *cause = NULL;
	int line;

	memset(&diags, 0, sizeof(diags));
	n = ytree_parse(yaml, strlen(yaml), &line, &cause);
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(calendar_parse(&diags, n, "c", c), 0);
	ck_assert_int_eq(diags.n, 0);
	ytree_free(n);
	conf_diags_free(&diags);
	return c;
}

static void
cal_done(struct calendar *c)
{
	calendar_free(c);
	free(c);
}

START_TEST(test_calendar_weekday_hours)
{
	struct calendar *c = cal("{timezone: Europe/Berlin, hours: {mon-fri: \"09:00-18:00\"}}");

	/* Monday 2026-11-23, Berlin is UTC+1. */
	ck_assert(!calendar_is_open(c, at("2026-11-23T07:59:59Z")));
	ck_assert(calendar_is_open(c, at("2026-11-23T08:00:00Z")));
	ck_assert(calendar_is_open(c, at("2026-11-23T16:59:59Z")));
	ck_assert(!calendar_is_open(c, at("2026-11-23T17:00:00Z")));
	/* Saturday. */
	ck_assert(!calendar_is_open(c, at("2026-11-28T10:00:00Z")));
	cal_done(c);
}
END_TEST

START_TEST(test_calendar_hours_follow_dst)
{
	struct calendar *c = cal("{timezone: Europe/Berlin, hours: {daily: \"09:00-18:00\"}}");

	/* The DST change day, Sunday 2026-03-29: from 09:00 local is 07:00 UTC. */
	ck_assert(!calendar_is_open(c, at("2026-03-29T06:59:59Z")));
	ck_assert(calendar_is_open(c, at("2026-03-29T07:00:00Z")));
	/* The day before, 09:00 local was 08:00 UTC. */
	ck_assert(!calendar_is_open(c, at("2026-03-28T07:30:00Z")));
	ck_assert(calendar_is_open(c, at("2026-03-28T08:00:00Z")));
	cal_done(c);
}
END_TEST

START_TEST(test_calendar_overnight_and_split_hours)
{
	struct calendar *c = cal("{timezone: UTC, hours: {fri: \"22:00-06:00\", "
	    "sat: [\"10:00-12:00\", \"13:00-15:00\"]}}");

	ck_assert(calendar_is_open(c, at("2026-11-27T23:00:00Z")));	/* Friday night */
	ck_assert(calendar_is_open(c, at("2026-11-28T05:59:00Z")));	/* Saturday early */
	ck_assert(!calendar_is_open(c, at("2026-11-28T06:00:00Z")));
	ck_assert(calendar_is_open(c, at("2026-11-28T11:00:00Z")));
	ck_assert(!calendar_is_open(c, at("2026-11-28T12:30:00Z")));
	ck_assert(calendar_is_open(c, at("2026-11-28T14:59:00Z")));
	ck_assert(!calendar_is_open(c, at("2026-11-26T23:00:00Z")));	/* Thursday night */
	cal_done(c);
}
END_TEST

START_TEST(test_calendar_holidays_close_the_day)
{
	struct calendar *c = cal("{timezone: America/New_York, hours: {mon-fri: \"09:00-17:00\"}, "
	    "holidays: [2026-11-26, \"2026-12-24..2026-12-25\"]}");

	ck_assert(!calendar_is_open(c, at("2026-11-26T15:00:00Z")));	/* Thanksgiving, 10:00 */
	ck_assert(calendar_is_open(c, at("2026-11-27T15:00:00Z")));
	ck_assert(!calendar_is_open(c, at("2026-12-24T15:00:00Z")));
	ck_assert(!calendar_is_open(c, at("2026-12-25T15:00:00Z")));
	ck_assert(calendar_is_holiday(c, at("2026-12-25T04:59:00Z")));	/* still the 24th there */
	ck_assert(calendar_is_open(c, at("2026-12-28T15:00:00Z")));
	cal_done(c);
}
END_TEST

START_TEST(test_calendar_without_hours_is_open_but_on_holidays)
{
	struct calendar *c = cal("{timezone: Asia/Tokyo, holidays: [2027-01-01]}");
	char date[11];

	ck_assert(calendar_is_open(c, at("2026-11-28T03:00:00Z")));
	ck_assert(!calendar_is_open(c, at("2026-12-31T15:30:00Z")));	/* already Jan 1 in Tokyo */
	calendar_local_date(c, at("2026-12-31T15:30:00Z"), date);
	ck_assert_str_eq(date, "2027-01-01");
	cal_done(c);
}
END_TEST

static void
ck_at(int64_t got, const char *want)
{
	char ts[TSTAMP_LEN];

	tstamp_format(got, ts);
	ck_assert_str_eq(ts, want);
}

#define HOUR (3600 * 1000LL)
#define MINUTE (60 * 1000LL)

START_TEST(test_open_time_friday_evening_is_due_monday)
{
	struct calendar *c = cal("{timezone: Europe/Berlin, hours: {mon-fri: \"09:00-18:00\"}}");

	/* Friday 17:30 Berlin (16:30 UTC) + 1h of open time: Monday 09:30 Berlin. */
	ck_at(calendar_add_open(c, at("2026-11-27T16:30:00Z"), HOUR), "2026-11-30T08:30:00.000Z");
	/* Within hours it is plain addition. */
	ck_at(calendar_add_open(c, at("2026-11-30T09:00:00Z"), HOUR), "2026-11-30T10:00:00.000Z");
	/* 9h of open time is one working day. */
	ck_at(calendar_add_open(c, at("2026-11-30T08:00:00Z"), 9 * HOUR), "2026-11-30T17:00:00.000Z");
	ck_at(calendar_add_open(c, at("2026-11-30T08:00:00Z"), 9 * HOUR + MINUTE),
	    "2026-12-01T08:01:00.000Z");
	cal_done(c);
}
END_TEST

START_TEST(test_open_time_for_a_lead_arriving_outside_hours)
{
	struct calendar *c = cal("{timezone: America/New_York, hours: {mon-fri: \"09:00-17:00\"}}");

	/* Saturday noon New York: the clock starts Monday 09:00 (14:00 UTC). */
	ck_at(calendar_next_open(c, at("2026-11-28T17:00:00Z")), "2026-11-30T14:00:00.000Z");
	ck_at(calendar_add_open(c, at("2026-11-28T17:00:00Z"), HOUR), "2026-11-30T15:00:00.000Z");
	/* Monday 07:00 local: starts at 09:00 the same day. */
	ck_at(calendar_add_open(c, at("2026-11-30T12:00:00Z"), 30 * MINUTE), "2026-11-30T14:30:00.000Z");
	cal_done(c);
}
END_TEST

START_TEST(test_open_time_skips_holidays)
{
	struct calendar *c = cal("{timezone: UTC, hours: {mon-fri: \"09:00-17:00\"}, "
	    "holidays: [2026-12-24, 2026-12-25]}");

	/* Wednesday 23 Dec 16:30 + 1h: 30 min left that day, then Monday 28th. */
	ck_at(calendar_add_open(c, at("2026-12-23T16:30:00Z"), HOUR), "2026-12-28T09:30:00.000Z");
	cal_done(c);
}
END_TEST

START_TEST(test_open_time_overnight_hours)
{
	struct calendar *c = cal("{timezone: UTC, hours: {fri: \"22:00-06:00\"}}");

	ck_at(calendar_add_open(c, at("2026-11-27T23:00:00Z"), 2 * HOUR), "2026-11-28T01:00:00.000Z");
	/* Saturday 05:00: one hour left of this shift, then the next Friday night. */
	ck_at(calendar_add_open(c, at("2026-11-28T05:00:00Z"), 2 * HOUR), "2026-12-04T23:00:00.000Z");
	cal_done(c);
}
END_TEST

START_TEST(test_open_time_across_dst_changes)
{
	struct calendar *c = cal("{timezone: Europe/Berlin, hours: {daily: \"00:00-24:00\"}}");
	struct calendar *n = cal("{timezone: Europe/Berlin, hours: {daily: \"01:00-04:00\"}}");

	/* Open all day: open time is elapsed time, through both changes. */
	ck_at(calendar_add_open(c, at("2026-03-28T22:00:00Z"), 4 * HOUR), "2026-03-29T02:00:00.000Z");
	ck_at(calendar_add_open(c, at("2026-10-24T22:00:00Z"), 4 * HOUR), "2026-10-25T02:00:00.000Z");
	/*
	 * A 01:00-04:00 night shift on 29 March has two real hours (02:00-03:00
	 * never happens): 2h30m from its start ends at 01:30 the next night.
	 */
	ck_at(calendar_add_open(n, at("2026-03-29T00:00:00Z"), 2 * HOUR + 30 * MINUTE),
	    "2026-03-29T23:30:00.000Z");
	/* On 25 October it has four (02:00-03:00 happens twice). */
	ck_at(calendar_add_open(n, at("2026-10-24T23:00:00Z"), 4 * HOUR), "2026-10-25T03:00:00.000Z");
	cal_done(c);
	cal_done(n);
}
END_TEST

START_TEST(test_local_to_utc_in_dst_gaps_and_folds)
{
	struct tz_zone *z = zone("Europe/Berlin");
	int64_t d = tz_days_from_civil(2026, 3, 29), f = tz_days_from_civil(2026, 10, 25);

	ck_at(tz_local_to_utc(z, d, 1 * 3600), "2026-03-29T00:00:00.000Z");
	ck_at(tz_local_to_utc(z, d, 2 * 3600 + 1800), "2026-03-29T01:30:00.000Z");	/* in the gap */
	ck_at(tz_local_to_utc(z, d, 3 * 3600), "2026-03-29T01:00:00.000Z");
	ck_at(tz_local_to_utc(z, f, 2 * 3600 + 1800), "2026-10-25T00:30:00.000Z");	/* first of two */
	ck_at(tz_local_to_utc(z, f, 4 * 3600), "2026-10-25T03:00:00.000Z");
	tz_free(z);
}
END_TEST

START_TEST(test_open_time_without_hours_skips_only_holidays)
{
	struct calendar *c = cal("{timezone: UTC, holidays: [2026-12-25]}");

	ck_at(calendar_add_open(c, at("2026-12-24T23:00:00Z"), 2 * HOUR), "2026-12-26T01:00:00.000Z");
	cal_done(c);
}
END_TEST

static void
cal_fails(const char *yaml, const char *want)
{
	struct calendar c;
	struct conf_diags diags;
	struct ynode *n;
	char *cause = NULL;
	int line;

	memset(&c, 0, sizeof(c));
	memset(&diags, 0, sizeof(diags));
	n = ytree_parse(yaml, strlen(yaml), &line, &cause);
	ck_assert_int_eq(calendar_parse(&diags, n, "c", &c), -1);
	ck_assert_int_ge(diags.n, 1);
	ck_assert_str_eq(diags.v[0].msg, want);
	calendar_free(&c);
	conf_diags_free(&diags);
	ytree_free(n);
}

/* The walk lua/lib/clocks.lua does over published windows (see engine/sla_publish.c). */
static int64_t
walk_windows(const struct cal_window *w, size_t n, int64_t t, int64_t left)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int64_t s = w[i].start > t ? w[i].start : t;

		if (w[i].end <= t)
			continue;
		if (left <= w[i].end - s)
			return s + left;
		left -= w[i].end - s;
		t = w[i].end;
	}
	return -1;
}

/*
 * Windows are what Redis scripts count open time with: for any start and
 * duration, walking them must give what calendar_add_open gives, through
 * overnight shifts, weekends, holidays and both DST changes.
 */
START_TEST(test_windows_give_the_same_due_times)
{
	static const char *const yaml[] = {
		"{timezone: Europe/Berlin, hours: {mon-fri: \"09:00-18:00\"}, holidays: [2026-03-30]}",
		"{timezone: America/New_York, hours: {mon-fri: [\"08:00-12:00\", \"13:00-17:00\"]}}",
		"{timezone: Europe/Berlin, hours: {daily: \"22:00-06:00\"}}",
		"{timezone: Europe/Berlin, hours: {daily: \"01:00-04:00\"}}",
		"{timezone: Australia/Sydney, holidays: [\"2026-04-03..2026-04-06\"]}",
	};
	static const int64_t durations[] = { 1, 15 * MINUTE, HOUR, 4 * HOUR, 30 * HOUR };
	struct cal_window w[512];
	size_t i, j, n, checked = 0;
	int64_t t, from = at("2026-03-20T00:00:00Z"), to = at("2026-04-20T00:00:00Z");

	for (i = 0; i < LR_NELEM(yaml); i++) {
		struct calendar *c = cal(yaml[i]);

		n = calendar_windows(c, from, to, w, LR_NELEM(w));
		ck_assert_uint_gt(n, 0);
		for (j = 1; j < n; j++)
			ck_assert(w[j - 1].end < w[j].start && w[j].start < w[j].end);
		/* Every 47 minutes for a fortnight spanning the March change. */
		for (t = at("2026-03-25T00:00:00Z"); t < at("2026-04-08T00:00:00Z"); t += 47 * MINUTE) {
			for (j = 0; j < LR_NELEM(durations); j++) {
				ck_assert_msg(walk_windows(w, n, t, durations[j]) ==
				    calendar_add_open(c, t, durations[j]), "calendar %zu start %lld dur %lld",
				    i, (long long)t, (long long)durations[j]);
				checked++;
			}
		}
		cal_done(c);
	}
	ck_assert_uint_gt(checked, 10000);
}
END_TEST

START_TEST(test_windows_merge_overnight_shifts)
{
	struct calendar *c = cal("{timezone: UTC, hours: {daily: \"22:00-06:00\"}}");
	struct cal_window w[8];
	size_t n = calendar_windows(c, at("2026-11-30T12:00:00Z"), at("2026-12-02T12:00:00Z"), w, 8);

	ck_assert_uint_eq(n, 2);	/* 22:00-06:00 twice, not split at midnight */
	ck_at(w[0].start, "2026-11-30T22:00:00.000Z");
	ck_at(w[0].end, "2026-12-01T06:00:00.000Z");
	ck_at(w[1].start, "2026-12-01T22:00:00.000Z");
	cal_done(c);
}
END_TEST

START_TEST(test_calendar_errors)
{
	cal_fails("{hours: {mon: \"09:00-17:00\"}}",
	    "a calendar needs a timezone, as in Europe/Berlin or UTC");
	cal_fails("{timezone: UTC, hours: {weekdays: \"09:00-17:00\"}}",
	    "bad days \"weekdays\": use mon … sun, a range such as mon-fri, or daily");
	cal_fails("{timezone: UTC, hours: {mon: \"9-17\"}}",
	    "expected hours as HH:MM-HH:MM, as in \"09:00-17:30\", got \"9-17\"");
	cal_fails("{timezone: UTC, hours: {mon: [\"09:00-12:00\", \"11:00-13:00\"]}}",
	    "hours overlap on mon");
	cal_fails("{timezone: UTC, holidays: [2026-02-30]}",
	    "bad holiday \"2026-02-30\": a date YYYY-MM-DD or a range FIRST..LAST");
}
END_TEST

Suite *
tz_suite(void)
{
	Suite *s = suite_create("tz");
	TCase *tc = tcase_create("tz");

	tcase_add_test(tc, test_tz_berlin_switches_to_summer_time);
	tcase_add_test(tc, test_tz_new_york);
	tcase_add_test(tc, test_tz_after_the_table_uses_the_rule);
	tcase_add_test(tc, test_tz_southern_hemisphere);
	tcase_add_test(tc, test_tz_fixed_and_odd_offsets);
	tcase_add_test(tc, test_tz_unknown_zone);
	tcase_add_test(tc, test_calendar_weekday_hours);
	tcase_add_test(tc, test_calendar_hours_follow_dst);
	tcase_add_test(tc, test_calendar_overnight_and_split_hours);
	tcase_add_test(tc, test_calendar_holidays_close_the_day);
	tcase_add_test(tc, test_calendar_without_hours_is_open_but_on_holidays);
	tcase_add_test(tc, test_calendar_errors);
	tcase_add_test(tc, test_open_time_friday_evening_is_due_monday);
	tcase_add_test(tc, test_open_time_for_a_lead_arriving_outside_hours);
	tcase_add_test(tc, test_open_time_skips_holidays);
	tcase_add_test(tc, test_open_time_overnight_hours);
	tcase_add_test(tc, test_open_time_across_dst_changes);
	tcase_add_test(tc, test_local_to_utc_in_dst_gaps_and_folds);
	tcase_add_test(tc, test_open_time_without_hours_skips_only_holidays);
	tcase_add_test(tc, test_windows_give_the_same_due_times);
	tcase_add_test(tc, test_windows_merge_overnight_shifts);
	suite_add_tcase(s, tc);
	return s;
}
