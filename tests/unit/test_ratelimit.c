/* test_ratelimit.c — token buckets. */
#include "config.h"

#include "leadroute/ratelimit.h"

#include "check_suites.h"

START_TEST(test_rate_allows_a_burst_then_refuses)
{
	struct conf_rate r = { 10, 10 };
	struct rate_bucket b = { 0, 0 };
	int64_t retry = 0;
	int i;

	for (i = 0; i < 10; i++)
		ck_assert_int_eq(rate_take(&b, &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_take(&b, &r, 1000, &retry), -1);
	ck_assert_int_eq(retry, 100);	/* one token every 100 ms at 10/s */
}
END_TEST

START_TEST(test_rate_refills_at_the_rate)
{
	struct conf_rate r = { 10, 10 };
	struct rate_bucket b = { 0, 0 };
	int64_t retry = 0;
	int i;

	for (i = 0; i < 10; i++)
		rate_take(&b, &r, 1000, &retry);
	ck_assert_int_eq(rate_take(&b, &r, 1099, &retry), -1);
	ck_assert_int_eq(retry, 1);
	ck_assert_int_eq(rate_take(&b, &r, 1100, &retry), 0);
	ck_assert_int_eq(rate_take(&b, &r, 1100, &retry), -1);
	/* A long pause refills to the burst, no further. */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(rate_take(&b, &r, 100000, &retry), 0);
	ck_assert_int_eq(rate_take(&b, &r, 100000, &retry), -1);
}
END_TEST

START_TEST(test_rate_per_minute_waits_seconds)
{
	struct conf_rate r = { 1.0 / 60, 1 };
	struct rate_bucket b = { 0, 0 };
	int64_t retry = 0;

	ck_assert_int_eq(rate_take(&b, &r, 5000, &retry), 0);
	ck_assert_int_eq(rate_take(&b, &r, 5000, &retry), -1);
	ck_assert_int_eq(retry, 60000);
}
END_TEST

START_TEST(test_rate_unlimited_always_allows)
{
	struct conf_rate r = { 0, 0 };
	struct rate_bucket b = { 0, 0 };
	int64_t retry = 0;
	int i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(rate_take(&b, &r, 1, &retry), 0);
}
END_TEST

START_TEST(test_rate_table_keeps_a_bucket_per_name)
{
	struct conf_rate r = { 1, 2 };
	struct rate_table t = { NULL, 0 };
	int64_t retry = 0;

	ck_assert_int_eq(rate_table_take(&t, "a", &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_table_take(&t, "a", &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_table_take(&t, "a", &r, 1000, &retry), -1);
	ck_assert_int_eq(rate_table_take(&t, "b", &r, 1000, &retry), 0);
	ck_assert_uint_eq(t.n, 2);
	rate_table_free(&t);
}
END_TEST

Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("bucket");

	tcase_add_test(tc, test_rate_allows_a_burst_then_refuses);
	tcase_add_test(tc, test_rate_refills_at_the_rate);
	tcase_add_test(tc, test_rate_per_minute_waits_seconds);
	tcase_add_test(tc, test_rate_unlimited_always_allows);
	tcase_add_test(tc, test_rate_table_keeps_a_bucket_per_name);
	suite_add_tcase(s, tc);
	return s;
}
