/* test_units.c — durations and sizes. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "leadroute/units.h"

#include "leadroute/util.h"

#include "check_suites.h"

static int64_t
dur(const char *s)
{
	const char *why = NULL;
	int64_t ms = -1;

	ck_assert_int_eq(units_parse_duration(s, &ms, &why), 0);
	return ms;
}

static const char *
dur_error(const char *s)
{
	const char *why = NULL;
	int64_t ms = -1;

	ck_assert_int_eq(units_parse_duration(s, &ms, &why), -1);
	ck_assert_int_eq(ms, -1);
	return why;
}

START_TEST(test_duration_parses_every_unit)
{
	ck_assert_int_eq(dur("250ms"), 250);
	ck_assert_int_eq(dur("30s"), 30000);
	ck_assert_int_eq(dur("5m"), 300000);
	ck_assert_int_eq(dur("1h"), 3600000);
	ck_assert_int_eq(dur("2d"), 172800000);
	ck_assert_int_eq(dur("0s"), 0);
}
END_TEST

START_TEST(test_duration_parses_compound)
{
	ck_assert_int_eq(dur("1h30m"), 5400000);
	ck_assert_int_eq(dur("1m500ms"), 60500);
}
END_TEST

START_TEST(test_duration_rejects_missing_unit)
{
	ck_assert_str_eq(dur_error("30"), "missing unit: write ms, s, m, h or d (as in 30s)");
}
END_TEST

START_TEST(test_duration_rejects_bad_input)
{
	ck_assert_str_eq(dur_error("5x"), "unknown unit: use ms, s, m, h or d");
	ck_assert_str_eq(dur_error(""), "empty duration");
	ck_assert_str_eq(dur_error("-5s"), "expected a number, as in 250ms, 30s, 5m, 1h or 2d");
	ck_assert_str_eq(dur_error("5 m"), "unknown unit: use ms, s, m, h or d");
	ck_assert_str_eq(dur_error("99999999999d"), "duration too large");
	ck_assert_str_eq(dur_error("3000d3000d"), "duration too large");
}
END_TEST

START_TEST(test_duration_formats_shortest_form)
{
	char out[32];

	units_format_duration(5400000, out, sizeof(out));
	ck_assert_str_eq(out, "1h30m");
	units_format_duration(250, out, sizeof(out));
	ck_assert_str_eq(out, "250ms");
	units_format_duration(0, out, sizeof(out));
	ck_assert_str_eq(out, "0s");
	units_format_duration(86400000 + 1000, out, sizeof(out));
	ck_assert_str_eq(out, "1d1s");
}
END_TEST

START_TEST(test_size_parses_units)
{
	const char *why;
	uint64_t b;

	ck_assert_int_eq(units_parse_size("65536", &b, &why), 0);
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(units_parse_size("64KiB", &b, &why), 0);
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(units_parse_size("2MiB", &b, &why), 0);
	ck_assert_uint_eq(b, 2097152);
	ck_assert_int_eq(units_parse_size("1GiB", &b, &why), 0);
	ck_assert_uint_eq(b, 1073741824);
}
END_TEST

START_TEST(test_size_rejects_unknown_unit)
{
	const char *why = NULL;
	uint64_t b;

	ck_assert_int_eq(units_parse_size("64KB", &b, &why), -1);
	ck_assert_str_eq(why, "unknown size unit: use B, KiB, MiB or GiB");
	ck_assert_int_eq(units_parse_size("KiB", &b, &why), -1);
	ck_assert_str_eq(why, "expected a size, as in 65536, 64KiB or 1MiB");
	ck_assert_int_eq(units_parse_size("2000GiB", &b, &why), -1);
	ck_assert_str_eq(why, "size too large");
}
END_TEST

START_TEST(test_json_depth_counts_nesting_outside_strings)
{
	static const char ok[] = "{\"a\": [[{\"b\": \"[[[[[[\"}]]}";
	static const char esc[] = "[\"\\\"[[[[\"]";

	ck_assert_int_eq(util_json_depth_ok(ok, strlen(ok), 4), 1);
	ck_assert_int_eq(util_json_depth_ok(ok, strlen(ok), 3), 0);
	ck_assert_int_eq(util_json_depth_ok(esc, strlen(esc), 1), 1);
	ck_assert_int_eq(util_json_depth_ok("[[[", 3, 2), 0);
	ck_assert_int_eq(util_json_depth_ok("", 0, 0), 1);
}
END_TEST

Suite *
units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");

	tcase_add_test(tc, test_duration_parses_every_unit);
	tcase_add_test(tc, test_duration_parses_compound);
	tcase_add_test(tc, test_duration_rejects_missing_unit);
	tcase_add_test(tc, test_duration_rejects_bad_input);
	tcase_add_test(tc, test_duration_formats_shortest_form);
	tcase_add_test(tc, test_size_parses_units);
	tcase_add_test(tc, test_size_rejects_unknown_unit);
	tcase_add_test(tc, test_json_depth_counts_nesting_outside_strings);
	suite_add_tcase(s, tc);
	return s;
}
