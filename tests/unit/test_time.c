/* test_time.c — RFC 3339 timestamps and ULIDs. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "leadroute/tstamp.h"
#include "leadroute/ulid.h"

#include "check_suites.h"

START_TEST(test_tstamp_formats_epoch)
{
	char out[TSTAMP_LEN];

	tstamp_format(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00.000Z");
}
END_TEST

START_TEST(test_tstamp_formats_milliseconds)
{
	char out[TSTAMP_LEN];

	/* 2026-11-23T09:30:15.123Z */
	tstamp_format(1795426215123LL, out);
	ck_assert_str_eq(out, "2026-11-23T09:30:15.123Z");
}
END_TEST

START_TEST(test_tstamp_formats_leap_day)
{
	char out[TSTAMP_LEN];

	tstamp_format(951782400000LL, out);
	ck_assert_str_eq(out, "2000-02-29T00:00:00.000Z");
}
END_TEST

START_TEST(test_tstamp_parses_what_it_formats)
{
	int64_t ms = 0;

	ck_assert_int_eq(tstamp_parse("2026-11-23T09:30:15.123Z", &ms), 0);
	ck_assert_int_eq(ms, 1795426215123LL);
	ck_assert_int_eq(tstamp_parse("2026-11-23T10:30:15+01:00", &ms), 0);
	ck_assert_int_eq(ms, 1795426215000LL);
	ck_assert_int_eq(tstamp_parse("2000-02-29T00:00:00Z", &ms), 0);
	ck_assert_int_eq(ms, 951782400000LL);
}
END_TEST

START_TEST(test_tstamp_rejects_malformed)
{
	int64_t ms = 7;

	ck_assert_int_eq(tstamp_parse("2026-11-23", &ms), -1);
	ck_assert_int_eq(tstamp_parse("2026-13-01T00:00:00Z", &ms), -1);
	ck_assert_int_eq(tstamp_parse("2026-02-29T00:00:00Z", &ms), -1);
	ck_assert_int_eq(tstamp_parse("2026-11-23T25:00:00Z", &ms), -1);
	ck_assert_int_eq(tstamp_parse("2026-11-23T09:30:15", &ms), -1);
	ck_assert_int_eq(tstamp_parse("2026-11-23T09:30:15Zjunk", &ms), -1);
	ck_assert_int_eq(ms, 7);
}
END_TEST

START_TEST(test_ulid_encodes_known_value)
{
	const unsigned char zero[10] = { 0 };
	const unsigned char ones[10] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	char out[ULID_LEN + 1];

	ulid_encode(0, zero, out);
	ck_assert_str_eq(out, "00000000000000000000000000");
	ulid_encode(0xffffffffffffLL, ones, out);
	ck_assert_str_eq(out, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
	/* The spec's example time prefix: 1469918176385 ms -> 01ARYZ6S41. */
	ulid_encode(1469918176385LL, zero, out);
	ck_assert_int_eq(strncmp(out, "01ARYZ6S41", 10), 0);
}
END_TEST

START_TEST(test_ulid_sorts_by_time)
{
	const unsigned char r[10] = { 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
	char a[ULID_LEN + 1], b[ULID_LEN + 1];

	ulid_encode(1795426215123LL, r, a);
	ulid_encode(1795426215124LL, r, b);
	ck_assert_int_lt(strcmp(a, b), 0);
}
END_TEST

START_TEST(test_ulid_valid_rejects_other_strings)
{
	ck_assert(ulid_valid("01ARYZ6S41TSV4RRFFQ69G5FAV"));
	ck_assert(!ulid_valid("01ARYZ6S41TSV4RRFFQ69G5FA"));
	ck_assert(!ulid_valid("01ARYZ6S41TSV4RRFFQ69G5FAVX"));
	ck_assert(!ulid_valid("01ARYZ6S41TSV4RRFFQ69G5FAU"));	/* U is not in the alphabet */
	ck_assert(!ulid_valid("81ARYZ6S41TSV4RRFFQ69G5FAV"));	/* over 128 bits */
	ck_assert(!ulid_valid(""));
}
END_TEST

Suite *
time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("time");

	tcase_add_test(tc, test_tstamp_formats_epoch);
	tcase_add_test(tc, test_tstamp_formats_milliseconds);
	tcase_add_test(tc, test_tstamp_formats_leap_day);
	tcase_add_test(tc, test_tstamp_parses_what_it_formats);
	tcase_add_test(tc, test_tstamp_rejects_malformed);
	tcase_add_test(tc, test_ulid_encodes_known_value);
	tcase_add_test(tc, test_ulid_sorts_by_time);
	tcase_add_test(tc, test_ulid_valid_rejects_other_strings);
	suite_add_tcase(s, tc);
	return s;
}
