/* test_ratelimit.c — token buckets. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/ratelimit.h"
#include "leadroute/util.h"

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

START_TEST(test_rate_cache_keeps_a_bucket_per_name)
{
	struct conf_rate r = { 2.0 / 60, 2 };	/* 2/m */
	struct rate_cache c = { NULL, 0 };
	int64_t retry = 0;

	ck_assert_int_eq(rate_cache_take(&c, "site 192.0.2.1", &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_cache_take(&c, "site 192.0.2.1", &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_cache_take(&c, "site 192.0.2.1", &r, 1000, &retry), -1);
	ck_assert_int_eq(retry, 30000);
	ck_assert_int_eq(rate_cache_take(&c, "site 192.0.2.2", &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_cache_take(&c, "other 192.0.2.1", &r, 1000, &retry), 0);
	ck_assert_int_eq(rate_cache_take(&c, "site 192.0.2.1", &r, 31000, &retry), 0);
	ck_assert_uint_eq(c.evicted, 0);
	rate_cache_free(&c);
	ck_assert_ptr_null(c.slots);
}
END_TEST

/* The n-th name "site 10.x.y.z" that shares a set with victim. */
static void
same_set(const char *victim, int n, char *out, size_t size)
{
	uint64_t want = util_hash(victim, strlen(victim)) % RATE_CACHE_SETS;
	int i;

	for (i = 0;; i++) {
		snprintf(out, size, "site 10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		if (util_hash(out, strlen(out)) % RATE_CACHE_SETS == want && n-- == 0)
			return;
	}
}

/*
 * A new name takes the slot of a bucket that has filled up again (nothing is
 * lost), never that of a client still within its window.
 */
START_TEST(test_rate_cache_keeps_a_client_over_its_limit)
{
	struct conf_rate r = { 1.0 / 3600, 1 };	/* 1/h */
	struct rate_cache c = { NULL, 0 };
	const char *victim = "site 192.0.2.9";
	int64_t retry = 0, later = 1000 + 3601 * 1000;	/* an hour and a second on */
	char name[64];
	int i;

	/* The victim's set: the victim and seven others, each with its one request used. */
	ck_assert_int_eq(rate_cache_take(&c, victim, &r, 1000, &retry), 0);
	for (i = 0; i < RATE_CACHE_WAYS - 1; i++) {
		same_set(victim, i, name, sizeof(name));
		ck_assert_int_eq(rate_cache_take(&c, name, &r, 1000, &retry), 0);
	}
	/* An hour on, the victim uses its next request; the others' buckets are full again. */
	ck_assert_int_eq(rate_cache_take(&c, victim, &r, later, &retry), 0);
	/* Seven newcomers take the seven full slots. */
	for (i = RATE_CACHE_WAYS - 1; i < 2 * (RATE_CACHE_WAYS - 1); i++) {
		same_set(victim, i, name, sizeof(name));
		ck_assert_int_eq(rate_cache_take(&c, name, &r, later, &retry), 0);
	}
	ck_assert_int_eq(rate_cache_take(&c, victim, &r, later, &retry), -1);
	ck_assert_uint_eq(c.evicted, 0);
	/* One more, with no full bucket left, takes a slot in use: counted. */
	same_set(victim, i, name, sizeof(name));
	ck_assert_int_eq(rate_cache_take(&c, name, &r, later, &retry), 0);
	ck_assert_uint_eq(c.evicted, 1);
	rate_cache_free(&c);
}
END_TEST

/* A flood of distinct names never grows the table: the fullest bucket goes, and it is counted. */
START_TEST(test_rate_cache_is_bounded)
{
	struct conf_rate r = { 1.0 / 3600, 1 };
	struct rate_cache c = { NULL, 0 };
	struct rate_cache_slot *slots;
	int64_t retry = 0;
	char name[64];
	int i;

	ck_assert_int_eq(rate_cache_take(&c, "site 192.0.2.1", &r, 1000, &retry), 0);
	slots = c.slots;
	for (i = 0; i < RATE_CACHE_SETS * RATE_CACHE_WAYS * 2; i++) {
		snprintf(name, sizeof(name), "site 10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		ck_assert_int_eq(rate_cache_take(&c, name, &r, 1000, &retry), 0);
	}
	ck_assert_ptr_eq(c.slots, slots);
	ck_assert(c.evicted >= (uint64_t)RATE_CACHE_SETS * RATE_CACHE_WAYS);
	rate_cache_free(&c);
}
END_TEST

START_TEST(test_rate_cache_unlimited_makes_nothing)
{
	struct conf_rate r = { 0, 0 };
	struct rate_cache c = { NULL, 0 };
	int64_t retry = 0;

	ck_assert_int_eq(rate_cache_take(&c, "a", &r, 1, &retry), 0);
	ck_assert_ptr_null(c.slots);
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
	tcase_add_test(tc, test_rate_cache_keeps_a_bucket_per_name);
	tcase_add_test(tc, test_rate_cache_keeps_a_client_over_its_limit);
	tcase_add_test(tc, test_rate_cache_is_bounded);
	tcase_add_test(tc, test_rate_cache_unlimited_makes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
