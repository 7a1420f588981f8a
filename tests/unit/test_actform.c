/* test_actform.c — the form an email action link's page posts: actions, strict reading, keys. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/actform.h"
#include "leadroute/util.h"

#include "check_suites.h"

#define FORM	"application/x-www-form-urlencoded"

/* Parse body (a C string) as a form posted to an address with query_token. */
static int
parse(const char *ct, const char *body, const char *query_token, struct actform *f)
{
	return actform_parse(ct, body, strlen(body), query_token, f);
}

/* body must be refused with a why that contains part. */
static void
assert_refused(const char *ct, const char *body, const char *query_token, const char *part)
{
	struct actform f;

	ck_assert_int_eq(parse(ct, body, query_token, &f), -1);
	ck_assert_msg(strstr(f.why, part) != NULL, "why \"%s\" lacks \"%s\"", f.why, part);
	ck_assert_ptr_null(f.token);
	ck_assert_ptr_null(f.reason);
	ck_assert_ptr_null(f.note);
	actform_clear(&f);
}

START_TEST(test_actform_knows_the_actions_emails_sign)
{
	const struct actform_action *a;

	ck_assert_int_eq(actform_action("accept")->kind, ACTFORM_ACCEPT);
	ck_assert_int_eq(actform_action("reject")->kind, ACTFORM_REJECT);
	a = actform_action("touch_call");
	ck_assert_int_eq(a->kind, ACTFORM_TOUCH);
	ck_assert_str_eq(a->channel, "call");
	a = actform_action("touch_email");
	ck_assert_int_eq(a->kind, ACTFORM_TOUCH);
	ck_assert_str_eq(a->channel, "email");
	ck_assert_ptr_null(actform_action("claim"));
	ck_assert_ptr_null(actform_action("Accept"));
	ck_assert_ptr_null(actform_action(""));
	ck_assert_ptr_null(actform_action(NULL));
}
END_TEST

START_TEST(test_actform_reads_a_rejection)
{
	struct actform f;

	ck_assert_int_eq(parse(FORM, "token=abc.def&reason=other&note=Two+words%21%C3%A9", NULL,
	    &f), 0);
	ck_assert_str_eq(f.token, "abc.def");
	ck_assert_str_eq(f.reason, "other");
	ck_assert_str_eq(f.note, "Two words!\xc3\xa9");
	actform_clear(&f);
	actform_clear(&f);
}
END_TEST

START_TEST(test_actform_takes_the_type_in_any_case_with_parameters)
{
	struct actform f;

	ck_assert_int_eq(parse("Application/X-WWW-Form-URLEncoded; charset=UTF-8", "token=t", NULL,
	    &f), 0);
	ck_assert_str_eq(f.token, "t");
	actform_clear(&f);
	ck_assert_int_eq(parse(FORM " ;charset=utf-8", "token=t", NULL, &f), 0);
	actform_clear(&f);
}
END_TEST

START_TEST(test_actform_empty_values_are_not_given)
{
	struct actform f;

	ck_assert_int_eq(parse(FORM, "token=t&reason=&note=&submit=Reject", NULL, &f), 0);
	ck_assert_ptr_null(f.reason);
	ck_assert_ptr_null(f.note);
	actform_clear(&f);
}
END_TEST

START_TEST(test_actform_takes_the_token_from_the_address)
{
	struct actform f;

	/* An empty body needs no type: the token is in the address. */
	ck_assert_int_eq(parse(NULL, "", "abc.def", &f), 0);
	ck_assert_str_eq(f.token, "abc.def");
	actform_clear(&f);
	ck_assert_int_eq(parse("text/plain", "", "abc.def", &f), 0);
	actform_clear(&f);
	/* The same token in both places is one link. */
	ck_assert_int_eq(parse(FORM, "token=abc.def", "abc.def", &f), 0);
	ck_assert_str_eq(f.token, "abc.def");
	actform_clear(&f);
	/* Neither: no token, for the link check to refuse. */
	ck_assert_int_eq(parse(NULL, "", NULL, &f), 0);
	ck_assert_ptr_null(f.token);
	actform_clear(&f);
}
END_TEST

START_TEST(test_actform_refuses_two_links)
{
	assert_refused(FORM, "token=abc.def", "abc.xyz", "different links");
	assert_refused(FORM, "token=a&token=b", NULL, "token more than once");
	assert_refused(FORM, "token=a&token=a", NULL, "token more than once");
	assert_refused(FORM, "token=a&reason=x&reason=y", NULL, "reason more than once");
	assert_refused(FORM, "token=a&note=x&note=y", NULL, "note more than once");
}
END_TEST

START_TEST(test_actform_refuses_what_is_not_a_form)
{
	assert_refused("application/json", "{\"token\":\"a\"}", NULL, "must be a form");
	assert_refused(NULL, "token=a", NULL, "must be a form");
	assert_refused("multipart/form-data; boundary=x", "token=a", NULL, "must be a form");
	assert_refused(FORM "x", "token=a", NULL, "must be a form");
}
END_TEST

START_TEST(test_actform_refuses_bad_escapes_nul_and_bad_utf8)
{
	assert_refused(FORM, "token=a%2", NULL, "bad escape");
	assert_refused(FORM, "token=a&note=%zz", NULL, "bad escape");
	assert_refused(FORM, "token=a%00b", NULL, "NUL");
	assert_refused(FORM, "note=%C3%28", NULL, "UTF-8");
	assert_refused(FORM, "", "a\xc3\x28", "not a link's token");
}
END_TEST

START_TEST(test_actform_refuses_what_is_too_big)
{
	struct buf b = { NULL, 0, 0 };
	struct actform f;
	int i;

	/* Over the body's limit. */
	buf_append(&b, "token=t&note=", 13);
	while (b.len <= ACTFORM_BODY_MAX)
		buf_append(&b, "x", 1);
	ck_assert_int_eq(actform_parse(FORM, b.data, b.len, NULL, &f), -1);
	ck_assert_ptr_nonnull(strstr(f.why, "larger than"));
	actform_clear(&f);
	/* Too many fields. */
	buf_reset(&b);
	for (i = 0; i <= ACTFORM_FIELDS_MAX; i++)
		buf_appendf(&b, "f%d=1&", i);
	ck_assert_int_eq(actform_parse(FORM, b.data, b.len, NULL, &f), -1);
	ck_assert_ptr_nonnull(strstr(f.why, "more than"));
	actform_clear(&f);
	/* A reason longer than a code, a note longer than its limit. */
	buf_reset(&b);
	buf_append(&b, "reason=", 7);
	for (i = 0; i <= ACTFORM_REASON_MAX; i++)
		buf_append(&b, "r", 1);
	ck_assert_int_eq(actform_parse(FORM, b.data, b.len, NULL, &f), -1);
	ck_assert_ptr_nonnull(strstr(f.why, "reason is longer"));
	actform_clear(&f);
	buf_reset(&b);
	buf_append(&b, "note=", 5);
	for (i = 0; i <= ACTFORM_NOTE_MAX; i++)
		buf_append(&b, "n", 1);
	ck_assert_int_eq(actform_parse(FORM, b.data, b.len, NULL, &f), -1);
	ck_assert_ptr_nonnull(strstr(f.why, "note is longer"));
	actform_clear(&f);
	buf_free(&b);
}
END_TEST

START_TEST(test_actform_idem_key_is_the_tokens_hash)
{
	char key[ACTFORM_IDEM_LEN + 1], other[ACTFORM_IDEM_LEN + 1];

	/* Python: "link:" + hashlib.sha256(b"abc").hexdigest()[:32] */
	actform_idem_key("abc", key);
	ck_assert_str_eq(key, "link:ba7816bf8f01cfea414140de5dae2223");
	ck_assert_uint_eq(strlen(key), ACTFORM_IDEM_LEN);
	actform_idem_key("abd", other);
	ck_assert_str_ne(key, other);
}
END_TEST

Suite *
actform_suite(void)
{
	Suite *s = suite_create("actform");
	TCase *tc = tcase_create("actform");

	tcase_add_test(tc, test_actform_knows_the_actions_emails_sign);
	tcase_add_test(tc, test_actform_reads_a_rejection);
	tcase_add_test(tc, test_actform_takes_the_type_in_any_case_with_parameters);
	tcase_add_test(tc, test_actform_empty_values_are_not_given);
	tcase_add_test(tc, test_actform_takes_the_token_from_the_address);
	tcase_add_test(tc, test_actform_refuses_two_links);
	tcase_add_test(tc, test_actform_refuses_what_is_not_a_form);
	tcase_add_test(tc, test_actform_refuses_bad_escapes_nul_and_bad_utf8);
	tcase_add_test(tc, test_actform_refuses_what_is_too_big);
	tcase_add_test(tc, test_actform_idem_key_is_the_tokens_hash);
	suite_add_tcase(s, tc);
	return s;
}
