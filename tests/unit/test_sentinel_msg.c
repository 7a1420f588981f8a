/* test_sentinel_msg.c — Sentinel's answers and +switch-master messages, read strictly. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "leadroute/sentinel_msg.h"

#include "check_suites.h"

static int
switch_of(const char *msg, const char *master, char host[SENTINEL_HOST_MAX], int *port)
{
	return sentinel_msg_switch(msg, strlen(msg), master, host, port);
}

START_TEST(test_switch_for_our_master)
{
	char host[SENTINEL_HOST_MAX];
	int port = 0;

	ck_assert_int_eq(switch_of("lr 127.0.0.1 6379 10.0.0.2 6380", "lr", host, &port), 0);
	ck_assert_str_eq(host, "10.0.0.2");
	ck_assert_int_eq(port, 6380);
	ck_assert_int_eq(switch_of("lr ::1 6379 fe80::1 26379", "lr", host, &port), 0);
	ck_assert_str_eq(host, "fe80::1");
	ck_assert_int_eq(port, 26379);
}
END_TEST

START_TEST(test_switch_of_another_master)
{
	char host[SENTINEL_HOST_MAX];
	int port = 0;

	ck_assert_int_eq(switch_of("cache 127.0.0.1 6379 10.0.0.2 6380", "lr", host, &port), 1);
	/* A name that only starts like ours is another's. */
	ck_assert_int_eq(switch_of("lr2 127.0.0.1 6379 10.0.0.2 6380", "lr", host, &port), 1);
	ck_assert_int_eq(switch_of("l 127.0.0.1 6379 10.0.0.2 6380", "lr", host, &port), 1);
}
END_TEST

START_TEST(test_switch_malformed)
{
	static const char *const bad[] = {
		"", "lr", "lr 127.0.0.1 6379 10.0.0.2", "lr 127.0.0.1 6379 10.0.0.2 6380 extra",
		"lr  127.0.0.1 6379 10.0.0.2 6380", "lr 127.0.0.1 6379 10.0.0.2 6380 ",
		"lr 127.0.0.1 6379 redis-b.example 6380",	/* a host name: never looked up */
		"lr 127.0.0.1 6379 10.0.0.2 0", "lr 127.0.0.1 6379 10.0.0.2 65536",
		"lr 127.0.0.1 6379 10.0.0.2 63x0", "lr 127.0.0.1 6379 10.0.0.2 -1",
		"lr 127.0.0.1 6379 10.0.0.256 6380",
	};
	char host[SENTINEL_HOST_MAX];
	size_t i;
	int port = 0;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(switch_of(bad[i], "lr", host, &port) == -1, "accepted \"%s\"", bad[i]);
	/* A NUL inside the address. */
	ck_assert_int_eq(sentinel_msg_switch("lr a b 10.0.0.2\0 6380", 22, "lr", host, &port), -1);
}
END_TEST

START_TEST(test_addr)
{
	char host[SENTINEL_HOST_MAX];
	int port = 0;

	ck_assert_int_eq(sentinel_msg_addr("10.0.0.7", 8, "6379", 4, host, &port), 0);
	ck_assert_str_eq(host, "10.0.0.7");
	ck_assert_int_eq(port, 6379);
	ck_assert_int_eq(sentinel_msg_addr("redis.example", 13, "6379", 4, host, &port), -1);
	ck_assert_int_eq(sentinel_msg_addr("10.0.0.7", 8, "", 0, host, &port), -1);
	ck_assert_int_eq(sentinel_msg_addr("10.0.0.7", 8, "123456", 6, host, &port), -1);
	ck_assert_int_eq(sentinel_msg_addr("", 0, "6379", 4, host, &port), -1);
	ck_assert_int_eq(sentinel_msg_addr(
	    "1111:2222:3333:4444:5555:6666:255.255.255.255xxxxxxxxxx", 55, "1", 1, host, &port), -1);
}
END_TEST

Suite *
sentinel_msg_suite(void)
{
	Suite *s = suite_create("sentinel_msg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_switch_for_our_master);
	tcase_add_test(tc, test_switch_of_another_master);
	tcase_add_test(tc, test_switch_malformed);
	tcase_add_test(tc, test_addr);
	suite_add_tcase(s, tc);
	return s;
}
