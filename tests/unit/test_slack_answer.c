/* test_slack_answer.c — Slack Web API answers: what they say, and whether to ask again. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/slack_answer.h"
#include "leadroute/util.h"

#include "check_suites.h"

/* chat.postMessage's documented ok answer, the message echoed after channel and ts. */
static const char posted[] =
    "{\"ok\":true,\"channel\":\"C123ABC456\",\"ts\":\"1503435956.000247\","
    "\"message\":{\"text\":\"Here's a message for you\",\"username\":\"ecto1\","
    "\"bot_id\":\"B123ABC456\",\"attachments\":[{\"text\":\"This is an attachment\","
    "\"id\":1,\"fallback\":\"This is an attachment's fallback\"}],\"type\":\"message\","
    "\"subtype\":\"bot_message\",\"ts\":\"1503435956.000247\"}}";

static int
parse(const char *text, struct slack_answer *a)
{
	return slack_answer_parse(text, strlen(text), a);
}

START_TEST(test_ok_answer)
{
	struct slack_answer a;

	ck_assert_int_eq(parse(posted, &a), 1);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_str_eq(a.channel, "C123ABC456");
	ck_assert_str_eq(a.ts, "1503435956.000247");
	ck_assert_str_eq(a.error, "");
}
END_TEST

START_TEST(test_members_after_the_echo_are_found)
{
	struct slack_answer a;
	const char *text = "{ \"message\" : {\"ts\": \"999.1\", \"blocks\": [{\"type\": \"section\", "
	    "\"text\": {\"type\": \"mrkdwn\", \"text\": \"a } ] \\\" { [ b\"}}], \"n\": -1.5e3}, "
	    "\"warning\": null, \"response_metadata\": {\"warnings\": [\"x\"]},\n"
	    "\t\"ok\": true, \"channel\": \"C0\", \"ts\": \"1700000000.000100\" }";

	ck_assert_int_eq(parse(text, &a), 1);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_str_eq(a.channel, "C0");
	ck_assert_str_eq(a.ts, "1700000000.000100");
}
END_TEST

START_TEST(test_a_cut_answer_keeps_what_came_before_the_cut)
{
	struct slack_answer a;
	size_t at;

	/* Cut inside the echo: everything Slack puts first is there. */
	ck_assert_int_eq(slack_answer_parse(posted, 120, &a), 0);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_str_eq(a.channel, "C123ABC456");
	ck_assert_str_eq(a.ts, "1503435956.000247");
	/* Cut inside ts: a part of an id names nothing. */
	at = (size_t)(strstr(posted, "1503435956") - posted) + 4;
	ck_assert_int_eq(slack_answer_parse(posted, at, &a), 0);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_str_eq(a.channel, "C123ABC456");
	ck_assert_str_eq(a.ts, "");
	/* Cut inside "true". */
	ck_assert_int_eq(slack_answer_parse(posted, 8, &a), 0);
	ck_assert_int_eq(a.ok, -1);
	/* Every prefix parses without reading past its end (ASan watches). */
	for (at = 0; at < sizeof(posted) - 1; at++) {
		char *copy = xstrndup(posted, at);

		ck_assert_int_ge(slack_answer_parse(copy, at, &a), -1);
		free(copy);
	}
}
END_TEST

START_TEST(test_error_answers)
{
	struct slack_answer a;

	ck_assert_int_eq(parse("{\"ok\":false,\"error\":\"channel_not_found\"}", &a), 1);
	ck_assert_int_eq(a.ok, 0);
	ck_assert_str_eq(a.error, "channel_not_found");
	ck_assert_str_eq(a.channel, "");
	ck_assert_int_eq(parse("{\"ok\":false,\"error\":\"invalid_blocks\",\"errors\":["
	    "\"must be less than 3001 characters [json-pointer:/blocks/0/text/text]\"],"
	    "\"response_metadata\":{\"messages\":[\"[ERROR] must be less than 3001 characters "
	    "[json-pointer:/blocks/0/text/text]\"]}}", &a), 1);
	ck_assert_str_eq(a.error, "invalid_blocks");
	/* Escapes are read; outside ASCII they are '?'. */
	ck_assert_int_eq(parse("{\"ok\":false,\"error\":\"a\\u0062c\\u00e9\\/\"}", &a), 1);
	ck_assert_str_eq(a.error, "abc?/");
}
END_TEST

START_TEST(test_odd_bodies)
{
	struct slack_answer a;
	char big[200];

	ck_assert_int_eq(parse("ok", &a), 1);
	ck_assert_int_eq(a.ok, 1);
	ck_assert_int_eq(parse("ok\n", &a), 1);
	ck_assert_int_eq(parse("okay", &a), -1);
	ck_assert_int_eq(a.ok, -1);
	ck_assert_int_eq(parse("", &a), -1);
	ck_assert_int_eq(parse("<html>502 Bad Gateway</html>", &a), -1);
	ck_assert_int_eq(a.ok, -1);
	ck_assert_int_eq(parse("[true]", &a), -1);
	ck_assert_int_eq(parse("{\"ok\":\"true\"}", &a), 1);
	ck_assert_int_eq(a.ok, -1);
	ck_assert_int_eq(parse("{\"ok\":true} trailing", &a), -1);
	ck_assert_int_eq(parse("{\"ok\" true}", &a), -1);
	ck_assert_int_eq(parse("{\"ok\":true,\"ts\":\"1\x01\"}", &a), -1);
	/* An id longer than is kept is dropped, an error code cut. */
	memset(big, 'C', sizeof(big));
	memcpy(big, "{\"ok\":true,\"channel\":\"", 22);
	memcpy(big + 150, "\",\"ts\":\"1.2\"}", 14);
	ck_assert_int_eq(parse(big, &a), 1);
	ck_assert_str_eq(a.channel, "");
	ck_assert_str_eq(a.ts, "1.2");
	memcpy(big, "{\"ok\":false,\"error\":\"", 21);
	memset(big + 21, 'e', 129);
	memcpy(big + 150, "\"}", 3);
	ck_assert_int_eq(parse(big, &a), 1);
	ck_assert_uint_eq(strlen(a.error), SLACK_FIELD_LEN - 1);
}
END_TEST

START_TEST(test_retryable_codes)
{
	ck_assert(slack_error_retryable("ratelimited"));
	ck_assert(slack_error_retryable("rate_limited"));
	ck_assert(slack_error_retryable("internal_error"));
	ck_assert(slack_error_retryable("service_unavailable"));
	ck_assert(slack_error_retryable("fatal_error"));
	ck_assert(slack_error_retryable("request_timeout"));
	ck_assert(!slack_error_retryable("channel_not_found"));
	ck_assert(!slack_error_retryable("not_in_channel"));
	ck_assert(!slack_error_retryable("invalid_auth"));
	ck_assert(!slack_error_retryable("not_authed"));
	ck_assert(!slack_error_retryable("account_inactive"));
	ck_assert(!slack_error_retryable("token_revoked"));
	ck_assert(!slack_error_retryable("is_archived"));
	ck_assert(!slack_error_retryable("invalid_blocks"));
	ck_assert(!slack_error_retryable("msg_too_long"));
	ck_assert(!slack_error_retryable("no_text"));
	ck_assert(!slack_error_retryable("user_not_found"));
	ck_assert(!slack_error_retryable("some_future_code"));
}
END_TEST

/* The verdict on a status and body, and its error text into err. */
static enum slack_verdict
verdict(long status, const char *body, char *err)
{
	struct slack_answer a;

	return slack_verdict(status, body, body != NULL ? strlen(body) : 0, &a, err, 128);
}

START_TEST(test_verdicts)
{
	char err[128];

	ck_assert_int_eq(verdict(200, posted, err), SLACK_DONE);
	ck_assert_str_eq(err, "HTTP 200");
	ck_assert_int_eq(verdict(200, "{\"ok\":true}", err), SLACK_DONE);
	ck_assert_int_eq(verdict(200, "ok", err), SLACK_DONE);
	ck_assert_int_eq(verdict(200, "{\"ok\":false,\"error\":\"channel_not_found\"}", err),
	    SLACK_PERMANENT);
	ck_assert_str_eq(err, "slack: channel_not_found");
	ck_assert_int_eq(verdict(200, "{\"ok\":false,\"error\":\"invalid_auth\"}", err),
	    SLACK_PERMANENT);
	ck_assert_int_eq(verdict(200, "{\"ok\":false,\"error\":\"internal_error\"}", err),
	    SLACK_RETRY);
	ck_assert_str_eq(err, "slack: internal_error");
	ck_assert_int_eq(verdict(200, "{\"ok\":false}", err), SLACK_RETRY);
	ck_assert_str_eq(err, "slack: \"ok\":false without an error (HTTP 200)");
	ck_assert_int_eq(verdict(200, "<html>maintenance</html>", err), SLACK_RETRY);
	ck_assert_str_eq(err, "slack: an answer without \"ok\" (HTTP 200)");
	ck_assert_int_eq(verdict(200, NULL, err), SLACK_RETRY);
	ck_assert_int_eq(verdict(429, "{\"ok\":false,\"error\":\"ratelimited\"}", err), SLACK_RETRY);
	ck_assert_str_eq(err, "slack: ratelimited (HTTP 429)");
	ck_assert_int_eq(verdict(429, "", err), SLACK_RETRY);
	ck_assert_str_eq(err, "HTTP 429");
	ck_assert_int_eq(verdict(500, "oops", err), SLACK_RETRY);
	ck_assert_str_eq(err, "HTTP 500");
	ck_assert_int_eq(verdict(503, "{\"ok\":false,\"error\":\"invalid_auth\"}", err), SLACK_RETRY);
	ck_assert_int_eq(verdict(408, "", err), SLACK_RETRY);
	ck_assert_int_eq(verdict(404, "not found", err), SLACK_PERMANENT);
	ck_assert_str_eq(err, "HTTP 404");
	ck_assert_int_eq(verdict(404, "{\"ok\":false,\"error\":\"expired_url\"}", err),
	    SLACK_PERMANENT);
	ck_assert_str_eq(err, "slack: expired_url (HTTP 404)");
	ck_assert_int_eq(verdict(301, "", err), SLACK_PERMANENT);
	ck_assert_int_eq(verdict(401, "{\"ok\":false,\"error\":\"ratelimited\"}", err),
	    SLACK_PERMANENT);
}
END_TEST

Suite *
slack_answer_suite(void)
{
	Suite *s = suite_create("slack_answer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ok_answer);
	tcase_add_test(tc, test_members_after_the_echo_are_found);
	tcase_add_test(tc, test_a_cut_answer_keeps_what_came_before_the_cut);
	tcase_add_test(tc, test_error_answers);
	tcase_add_test(tc, test_odd_bodies);
	tcase_add_test(tc, test_retryable_codes);
	tcase_add_test(tc, test_verdicts);
	suite_add_tcase(s, tc);
	return s;
}
