/* test_reqcheck.c — a request's target, header names and values, and its framing; UTF-8 scrubbing. */
#include "config.h"

#include <string.h>

#include "leadroute/reqcheck.h"
#include "leadroute/util.h"

#include "check_suites.h"

/* Check a header list given as "name", "value", ..., NULL; returns the framing verdict. */
static int
check_headers(struct reqcheck *rc, const char *const *h)
{
	memset(rc, 0, sizeof(*rc));
	for (; h[0] != NULL; h += 2)
		reqcheck_header(rc, h[0], strlen(h[0]), h[1], strlen(h[1]));
	return reqcheck_framing(rc);
}

START_TEST(test_reqcheck_refuses_an_escaped_nul_in_the_target)
{
	struct reqcheck rc = { 0 };

	ck_assert_int_eq(reqcheck_target(&rc, "/v1/leads%00.json"), -1);
	ck_assert_int_eq(rc.status, 400);
	ck_assert_str_eq(rc.code, "bad_request");
	memset(&rc, 0, sizeof(rc));
	ck_assert_int_eq(reqcheck_target(&rc, "/v1/accounts/a%2Eb?q=%20%0a"), 0);
	ck_assert_int_eq(reqcheck_target(&rc, "/%"), 0);
	ck_assert_int_eq(rc.status, 0);
}
END_TEST

START_TEST(test_reqcheck_takes_one_length_or_a_lone_chunked)
{
	const char *cl[] = { "Host", "x", "Content-Length", "10", NULL };
	const char *te[] = { "Transfer-Encoding", "Chunked", NULL };
	struct reqcheck rc;

	ck_assert_int_eq(check_headers(&rc, cl), 0);
	ck_assert_int_eq(check_headers(&rc, te), 0);
}
END_TEST

START_TEST(test_reqcheck_refuses_two_content_lengths)
{
	const char *h[] = { "Content-Length", "10", "content-length", "20", NULL };
	struct reqcheck rc;

	ck_assert_int_eq(check_headers(&rc, h), -1);
	ck_assert_int_eq(rc.status, 400);
	ck_assert_str_eq(rc.code, "ambiguous_length");
}
END_TEST

START_TEST(test_reqcheck_refuses_any_coding_but_a_lone_chunked)
{
	const char *gzip[] = { "Transfer-Encoding", "gzip", NULL };
	const char *both[] = { "Transfer-Encoding", "gzip, chunked", NULL };
	const char *x[] = { "Transfer-Encoding", "xchunked", NULL };
	const char *two[] = { "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked", NULL };
	const char *const *cases[] = { gzip, both, x, two };
	struct reqcheck rc;
	size_t i;

	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(check_headers(&rc, cases[i]), -1);
		ck_assert_int_eq(rc.status, 501);
		ck_assert_str_eq(rc.code, "unsupported_transfer_encoding");
	}
}
END_TEST

START_TEST(test_reqcheck_refuses_a_length_beside_chunked)
{
	const char *h[] = { "Transfer-Encoding", "chunked", "Content-Length", "5", NULL };
	struct reqcheck rc;

	ck_assert_int_eq(check_headers(&rc, h), -1);
	ck_assert_int_eq(rc.status, 400);
	ck_assert_str_eq(rc.code, "ambiguous_length");
}
END_TEST

START_TEST(test_reqcheck_refuses_a_name_that_is_no_token)
{
	const char *space[] = { "Content-Length ", "10", NULL };
	const char *colon[] = { "a:b", "1", NULL };
	const char *empty[] = { "", "1", NULL };
	struct reqcheck rc;

	ck_assert_int_eq(check_headers(&rc, space), -1);
	ck_assert_str_eq(rc.code, "bad_header");
	ck_assert_int_eq(check_headers(&rc, colon), -1);
	ck_assert_int_eq(check_headers(&rc, empty), -1);
	ck_assert_int_eq(rc.status, 400);
}
END_TEST

START_TEST(test_reqcheck_refuses_a_nul_in_a_value)
{
	static const char token[] = "Bearer abc\0junk";
	struct reqcheck rc = { 0 };

	ck_assert_int_eq(reqcheck_header(&rc, "Authorization", 13, token, sizeof(token) - 1), -1);
	ck_assert_int_eq(reqcheck_framing(&rc), -1);
	ck_assert_int_eq(rc.status, 400);
	ck_assert_str_eq(rc.why, "a header value holds a NUL byte");
}
END_TEST

START_TEST(test_reqcheck_keeps_the_first_problem)
{
	const char *h[] = { "bad name", "1", "Transfer-Encoding", "gzip", NULL };
	struct reqcheck rc;

	ck_assert_int_eq(check_headers(&rc, h), -1);
	ck_assert_str_eq(rc.code, "bad_header");
}
END_TEST

START_TEST(test_utf8_scrub_replaces_each_bad_byte)
{
	char s[] = "a\xff|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82";

	util_utf8_scrub(s);
	/* é, € and 😀 stay; overlong, surrogate, past U+10FFFF and cut sequences go byte by byte. */
	ck_assert_str_eq(s, "a?|\xc3\xa9|\xe2\x82\xac|\xf0\x9f\x98\x80|??|???|????|??");
}
END_TEST

Suite *
reqcheck_suite(void)
{
	Suite *s = suite_create("reqcheck");
	TCase *tc = tcase_create("request");

	tcase_add_test(tc, test_reqcheck_refuses_an_escaped_nul_in_the_target);
	tcase_add_test(tc, test_reqcheck_takes_one_length_or_a_lone_chunked);
	tcase_add_test(tc, test_reqcheck_refuses_two_content_lengths);
	tcase_add_test(tc, test_reqcheck_refuses_any_coding_but_a_lone_chunked);
	tcase_add_test(tc, test_reqcheck_refuses_a_length_beside_chunked);
	tcase_add_test(tc, test_reqcheck_refuses_a_name_that_is_no_token);
	tcase_add_test(tc, test_reqcheck_refuses_a_nul_in_a_value);
	tcase_add_test(tc, test_reqcheck_keeps_the_first_problem);
	tcase_add_test(tc, test_utf8_scrub_replaces_each_bad_byte);
	suite_add_tcase(s, tc);
	return s;
}
