/* test_slack.c — Slack request signatures and block_actions interaction payloads. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/slack.h"
#include "leadroute/util.h"

#include "check_suites.h"

/* The example of https://api.slack.com/authentication/verifying-requests-from-slack. */
static const char DOC_SECRET[] = "8f742231b10e8888abcd99yyyzzz85a5";
static const char DOC_TS[] = "1531420618";
#define DOC_NOW	1531420618LL
static const char DOC_BODY[] = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&"
    "team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&"
    "user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2F"
    "hooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    "trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
static const char DOC_SIG[] =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

/* A button click on a lead message, as Slack sends block_actions (trimmed of nothing we read). */
static const char BUTTON[] = "{\"type\":\"block_actions\","
    "\"user\":{\"id\":\"U2CERLKJA\",\"username\":\"roadrunner\",\"name\":\"roadrunner\","
    "\"team_id\":\"T1DC2JH3J\"},"
    "\"api_app_id\":\"A0KRD7HC3\",\"token\":\"xyzz0WbapA4vBCDEFasx0q6G\","
    "\"container\":{\"type\":\"message\",\"message_ts\":\"1548261231.000200\","
    "\"channel_id\":\"C0LAN2Q65\",\"is_ephemeral\":false},"
    "\"trigger_id\":\"12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3\","
    "\"team\":{\"id\":\"T1DC2JH3J\",\"domain\":\"testteamnow\"},"
    "\"enterprise\":null,\"is_enterprise_install\":false,"
    "\"channel\":{\"id\":\"C0LAN2Q65\",\"name\":\"sales-leads\"},"
    "\"message\":{\"type\":\"message\",\"user\":\"U0BOT0001\",\"ts\":\"1548261231.000200\","
    "\"bot_id\":\"B0BOT0001\",\"text\":\"New lead: Ana López\",\"blocks\":["
    "{\"type\":\"section\",\"block_id\":\"lead\",\"text\":{\"type\":\"mrkdwn\","
    "\"text\":\"*New lead* Ana López (score 87)\"}},"
    "{\"type\":\"actions\",\"block_id\":\"lead_actions\",\"elements\":[{\"type\":\"button\","
    "\"action_id\":\"claim\",\"text\":{\"type\":\"plain_text\",\"text\":\"Claim\","
    "\"emoji\":true},\"style\":\"primary\",\"value\":\"01JD3QZ8M5K6W7X8Y9Z0ABCDEF\"}]}]},"
    "\"state\":{\"values\":{}},"
    "\"response_url\":\"https://hooks.slack.com/actions/T1DC2JH3J/1232321423432/"
    "D09sSasdasdAS9091209\","
    "\"actions\":[{\"action_id\":\"claim\",\"block_id\":\"lead_actions\","
    "\"text\":{\"type\":\"plain_text\",\"text\":\"Claim\",\"emoji\":true},"
    "\"value\":\"01JD3QZ8M5K6W7X8Y9Z0ABCDEF\",\"style\":\"primary\",\"type\":\"button\","
    "\"action_ts\":\"1548426417.840180\"}]}";

/* A choice from a static_select menu, as Python's urlencode (like Slack) writes the form. */
static const char SELECT_BODY[] =
    "payload=%7B%22type%22%3A+%22block_actions%22%2C+%22user%22%3A+%7B%22id%22%3A+%22U2CERL"
    "KJA%22%2C+%22team_id%22%3A+%22T1DC2JH3J%22%7D%2C+%22team%22%3A+%7B%22id%22%3A+%22T1DC2"
    "JH3J%22%7D%2C+%22container%22%3A+%7B%22type%22%3A+%22message%22%2C+%22message_ts%22%3A"
    "+%221548261231.000200%22%2C+%22channel_id%22%3A+%22C0LAN2Q65%22%7D%2C+%22channel%22%3A"
    "+%7B%22id%22%3A+%22C0LAN2Q65%22%7D%2C+%22response_url%22%3A+%22https%3A%2F%2Fhooks.sla"
    "ck.com%2Factions%2FT1DC2JH3J%2F1232321423432%2FD09sSasdasdAS9091209%22%2C+%22actions%2"
    "2%3A+%5B%7B%22type%22%3A+%22static_select%22%2C+%22action_id%22%3A+%22reassign%22%2C+%"
    "22block_id%22%3A+%22lead_actions%22%2C+%22selected_option%22%3A+%7B%22text%22%3A+%7B%2"
    "2type%22%3A+%22plain_text%22%2C+%22text%22%3A+%22Bruno+D%C3%ADaz%22%7D%2C+%22value%22%"
    "3A+%22bruno_diaz%22%7D%2C+%22placeholder%22%3A+%7B%22type%22%3A+%22plain_text%22%2C+%2"
    "2text%22%3A+%22Reassign+to%E2%80%A6%22%7D%2C+%22action_ts%22%3A+%221548426419.123456%2"
    "2%7D%5D%7D";

/* Verify against the doc example's secret. */
static int
verify(const char *ts, const char *sig, const char *body, int64_t now, const char **why)
{
	return slack_verify((const unsigned char *)DOC_SECRET, strlen(DOC_SECRET), ts, sig, body,
	    strlen(body), now, why);
}

/* Signature checks */

START_TEST(test_slack_verify_accepts_the_doc_example)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, DOC_NOW, &why), 0);
}
END_TEST

START_TEST(test_slack_sign_matches_the_doc_example)
{
	char *s = slack_sign((const unsigned char *)DOC_SECRET, strlen(DOC_SECRET), DOC_TS,
	    DOC_BODY, strlen(DOC_BODY));

	ck_assert_str_eq(s, DOC_SIG);
	free(s);
}
END_TEST

START_TEST(test_slack_verify_refuses_a_stale_timestamp)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, DOC_NOW + 301, &why), -1);
	ck_assert_str_eq(why, "timestamp is more than 5 minutes from now");
	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, DOC_NOW + 86400 * 365, &why), -1);
	ck_assert_str_eq(why, "timestamp is more than 5 minutes from now");
}
END_TEST

START_TEST(test_slack_verify_refuses_a_future_timestamp)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, DOC_NOW - 301, &why), -1);
	ck_assert_str_eq(why, "timestamp is more than 5 minutes from now");
}
END_TEST

START_TEST(test_slack_verify_accepts_the_edges_of_the_window)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, DOC_NOW + 300, &why), 0);
	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, DOC_NOW - 300, &why), 0);
}
END_TEST

START_TEST(test_slack_verify_survives_extreme_clocks)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, INT64_MIN, &why), -1);
	ck_assert_str_eq(why, "timestamp is more than 5 minutes from now");
	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, DOC_BODY, INT64_MAX, &why), -1);
	ck_assert_str_eq(why, "timestamp is more than 5 minutes from now");
}
END_TEST

START_TEST(test_slack_verify_refuses_a_one_bit_change_in_the_body)
{
	char *body = xstrdup(DOC_BODY);
	const char *why = NULL;
	size_t i;

	/* Every byte, its lowest bit flipped in turn. */
	for (i = 0; body[i] != '\0'; i++) {
		body[i] ^= 1;
		ck_assert_int_eq(verify(DOC_TS, DOC_SIG, body, DOC_NOW, &why), -1);
		ck_assert_str_eq(why, "signature does not match");
		body[i] ^= 1;
	}
	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, body, DOC_NOW, &why), 0);
	free(body);
}
END_TEST

START_TEST(test_slack_verify_refuses_a_one_bit_change_in_the_signature)
{
	char sig[sizeof(DOC_SIG)];
	const char *why = NULL;

	/* '3' (0x33) to '2' (0x32): still lower-case hex, one bit of the MAC off. */
	memcpy(sig, DOC_SIG, sizeof(sig));
	ck_assert_int_eq(sig[SLACK_SIG_LEN - 1], '3');
	sig[SLACK_SIG_LEN - 1] ^= 1;
	ck_assert_int_eq(verify(DOC_TS, sig, DOC_BODY, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "signature does not match");
}
END_TEST

START_TEST(test_slack_verify_signs_the_timestamp)
{
	const char *why = NULL;

	ck_assert_int_eq(verify("1531420619", DOC_SIG, DOC_BODY, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "signature does not match");
}
END_TEST

START_TEST(test_slack_verify_refuses_another_secret)
{
	const char *secret = "8f742231b10e8888abcd99yyyzzz85a6";
	const char *why = NULL;

	ck_assert_int_eq(slack_verify((const unsigned char *)secret, strlen(secret), DOC_TS,
	    DOC_SIG, DOC_BODY, strlen(DOC_BODY), DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "signature does not match");
}
END_TEST

START_TEST(test_slack_verify_refuses_an_empty_secret)
{
	char *sig = slack_sign((const unsigned char *)"", 0, DOC_TS, DOC_BODY, strlen(DOC_BODY));
	const char *why = NULL;

	/* Anyone can compute a MAC under the empty key: it must not count. */
	ck_assert_int_eq(slack_verify((const unsigned char *)"", 0, DOC_TS, sig, DOC_BODY,
	    strlen(DOC_BODY), DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "no signing secret to check the signature with");
	ck_assert_int_eq(slack_verify(NULL, 16, DOC_TS, sig, DOC_BODY, strlen(DOC_BODY), DOC_NOW,
	    &why), -1);
	ck_assert_str_eq(why, "no signing secret to check the signature with");
	free(sig);
}
END_TEST

START_TEST(test_slack_verify_reports_missing_headers)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, NULL, DOC_BODY, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "missing X-Slack-Signature");
	ck_assert_int_eq(verify(DOC_TS, "", DOC_BODY, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "missing X-Slack-Signature");
	ck_assert_int_eq(verify(NULL, DOC_SIG, DOC_BODY, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "missing X-Slack-Request-Timestamp");
	ck_assert_int_eq(verify("", DOC_SIG, DOC_BODY, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "missing X-Slack-Request-Timestamp");
}
END_TEST

START_TEST(test_slack_verify_refuses_a_timestamp_that_is_not_digits)
{
	const char *bad[] = { "1531420618.5", "-1531420618", "+1531420618", " 1531420618",
	    "1531420618 ", "153142061x", "0x5b47f5ca", "1531420618000" };
	const char *why = NULL;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		ck_assert_int_eq(verify(bad[i], DOC_SIG, DOC_BODY, DOC_NOW, &why), -1);
		ck_assert_str_eq(why,
		    "X-Slack-Request-Timestamp is not unix seconds (1 to 12 digits)");
	}
}
END_TEST

START_TEST(test_slack_verify_refuses_a_signature_that_is_not_v0_hex)
{
	const char *bad[] = {
		/* upper-case hex */
		"v0=A2114D57B48EAC39B9AD189DD8316235A7B4A8D21A10BD27519666489C69B503",
		/* another version */
		"v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
		/* no version */
		"a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
		/* 63 and 65 digits */
		"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50",
		"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b5030",
		/* not hex, a space, two signatures */
		"v0=g2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
		"v0= a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
		"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503,v0=a2114d57",
		"v0=",
	};
	const char *why = NULL;
	size_t i;

	for (i = 0; i < LR_NELEM(bad); i++) {
		ck_assert_int_eq(verify(DOC_TS, bad[i], DOC_BODY, DOC_NOW, &why), -1);
		ck_assert_str_eq(why, "signature is not v0=<64 lower-case hex digits>");
	}
}
END_TEST

START_TEST(test_slack_verify_reports_malformed_before_stale)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, "v0=abc", DOC_BODY, DOC_NOW + 3600, &why), -1);
	ck_assert_str_eq(why, "signature is not v0=<64 lower-case hex digits>");
}
END_TEST

START_TEST(test_slack_verify_reports_stale_before_mismatch)
{
	const char *why = NULL;

	ck_assert_int_eq(verify(DOC_TS, DOC_SIG, "other", DOC_NOW + 3600, &why), -1);
	ck_assert_str_eq(why, "timestamp is more than 5 minutes from now");
}
END_TEST

START_TEST(test_slack_verify_reads_no_further_than_len)
{
	size_t len = strlen(DOC_BODY);
	char *body = xmalloc(len);
	const char *why = NULL;

	/* Exactly the body's bytes, no NUL after them (ASan catches an overread). */
	memcpy(body, DOC_BODY, len);
	ck_assert_int_eq(slack_verify((const unsigned char *)DOC_SECRET, strlen(DOC_SECRET),
	    DOC_TS, DOC_SIG, body, len, DOC_NOW, &why), 0);
	ck_assert_int_eq(slack_verify((const unsigned char *)DOC_SECRET, strlen(DOC_SECRET),
	    DOC_TS, DOC_SIG, body, len - 1, DOC_NOW, &why), -1);
	ck_assert_str_eq(why, "signature does not match");
	free(body);
}
END_TEST

START_TEST(test_slack_verify_round_trips_an_empty_body)
{
	char *sig = slack_sign((const unsigned char *)DOC_SECRET, strlen(DOC_SECRET), DOC_TS, NULL,
	    0);
	const char *why = NULL;

	ck_assert_int_eq(slack_verify((const unsigned char *)DOC_SECRET, strlen(DOC_SECRET),
	    DOC_TS, sig, NULL, 0, DOC_NOW, &why), 0);
	free(sig);
}
END_TEST

/* Interaction payloads */

/* s as application/x-www-form-urlencoded: unreserved bytes kept, space '+', the rest %XX. */
static void
form_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			buf_append(b, p, 1);
		} else if (*p == ' ') {
			buf_append(b, "+", 1);
		} else {
			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			buf_append(b, e, 3);
		}
	}
}

/* The form body Slack posts for a payload given as JSON text (malloc'd). */
static char *
body_of(const char *json)
{
	struct buf b = { NULL, 0, 0 };

	buf_appendf(&b, "payload=");
	form_escape(&b, json);
	return b.data;
}

/* BUTTON loaded, to change a field before body_of_json. */
static json_t *
button(void)
{
	json_t *j = json_loads(BUTTON, 0, NULL);

	ck_assert_ptr_nonnull(j);
	return j;
}

/* The first action of a payload. */
static json_t *
first_action(json_t *root)
{
	return json_array_get(json_object_get(root, "actions"), 0);
}

/* Parse the form body of root (which is released); the result and *why. */
static int
parse_json(json_t *root, struct slack_action *a, const char **why)
{
	char *text = json_dumps(root, JSON_COMPACT), *body = body_of(text);
	int rc = slack_interaction_parse(body, strlen(body), a, why);

	free(body);
	free(text);
	json_decref(root);
	return rc;
}

/* Parse body; it must fail with exactly reason, leaving every string NULL. */
static void
assert_refused(const char *body, const char *reason)
{
	struct slack_action a;
	const char *why = NULL;

	ck_assert_int_eq(slack_interaction_parse(body, strlen(body), &a, &why), -1);
	ck_assert_str_eq(why, reason);
	ck_assert_ptr_null(a.type);
	ck_assert_ptr_null(a.user_id);
	ck_assert_ptr_null(a.action_id);
	slack_action_free(&a);
}

/* Parse root (released); it must fail with exactly reason. */
static void
assert_refused_json(json_t *root, const char *reason)
{
	struct slack_action a;
	const char *why = NULL;

	ck_assert_int_eq(parse_json(root, &a, &why), -1);
	ck_assert_str_eq(why, reason);
	ck_assert_ptr_null(a.user_id);
	slack_action_free(&a);
}

START_TEST(test_slack_parse_reads_a_button_click)
{
	char *body = body_of(BUTTON);
	struct slack_action a;
	const char *why = NULL;

	ck_assert_int_eq(slack_interaction_parse(body, strlen(body), &a, &why), 0);
	ck_assert_str_eq(a.type, "block_actions");
	ck_assert_str_eq(a.user_id, "U2CERLKJA");
	ck_assert_str_eq(a.team_id, "T1DC2JH3J");
	ck_assert_str_eq(a.response_url,
	    "https://hooks.slack.com/actions/T1DC2JH3J/1232321423432/D09sSasdasdAS9091209");
	ck_assert_str_eq(a.action_id, "claim");
	ck_assert_str_eq(a.action_type, "button");
	ck_assert_str_eq(a.value, "01JD3QZ8M5K6W7X8Y9Z0ABCDEF");
	ck_assert_str_eq(a.block_id, "lead_actions");
	ck_assert_str_eq(a.action_ts, "1548426417.840180");
	ck_assert_str_eq(a.channel_id, "C0LAN2Q65");
	ck_assert_str_eq(a.message_ts, "1548261231.000200");
	slack_action_free(&a);
	free(body);
}
END_TEST

START_TEST(test_slack_parse_reads_a_static_select_choice)
{
	struct slack_action a;
	const char *why = NULL;

	ck_assert_int_eq(slack_interaction_parse(SELECT_BODY, strlen(SELECT_BODY), &a, &why), 0);
	ck_assert_str_eq(a.user_id, "U2CERLKJA");
	ck_assert_str_eq(a.team_id, "T1DC2JH3J");
	ck_assert_str_eq(a.action_id, "reassign");
	ck_assert_str_eq(a.action_type, "static_select");
	ck_assert_str_eq(a.value, "bruno_diaz");
	ck_assert_str_eq(a.block_id, "lead_actions");
	ck_assert_str_eq(a.action_ts, "1548426419.123456");
	ck_assert_str_eq(a.channel_id, "C0LAN2Q65");
	ck_assert_str_eq(a.message_ts, "1548261231.000200");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_reads_a_cleared_menu_as_no_value)
{
	json_t *root = button(), *act = first_action(root);
	struct slack_action a;
	const char *why = NULL;

	json_object_del(act, "value");
	json_object_set_new(act, "type", json_string("static_select"));
	json_object_set_new(act, "selected_option", json_null());
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_ptr_null(a.value);
	ck_assert_str_eq(a.action_type, "static_select");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_allows_a_button_without_value)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	json_object_del(first_action(root), "value");
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_ptr_null(a.value);
	ck_assert_str_eq(a.action_id, "claim");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_decodes_plus_as_space)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;
	char *text, *body;

	json_object_set_new(first_action(root), "value", json_string("mark qualified + call"));
	text = json_dumps(root, JSON_COMPACT);
	body = body_of(text);
	/* The space became '+', the '+' %2B. */
	ck_assert_ptr_nonnull(strstr(body, "mark+qualified+%2B+call"));
	ck_assert_int_eq(slack_interaction_parse(body, strlen(body), &a, &why), 0);
	ck_assert_str_eq(a.value, "mark qualified + call");
	slack_action_free(&a);
	free(body);
	free(text);
	json_decref(root);
}
END_TEST

START_TEST(test_slack_parse_takes_the_fallback_fields)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	/*
	 * No user.team_id, channel or container.message_ts: team.id,
	 * container.channel_id and message.ts stand in.
	 */
	json_object_del(json_object_get(root, "user"), "team_id");
	json_object_set_new(json_object_get(root, "team"), "id", json_string("T0TEAM002"));
	json_object_del(root, "channel");
	json_object_set_new(json_object_get(root, "container"), "channel_id",
	    json_string("C0CONTAIN"));
	json_object_del(json_object_get(root, "container"), "message_ts");
	json_object_set_new(json_object_get(root, "message"), "ts",
	    json_string("1548261999.000300"));
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_str_eq(a.team_id, "T0TEAM002");
	ck_assert_str_eq(a.channel_id, "C0CONTAIN");
	ck_assert_str_eq(a.message_ts, "1548261999.000300");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_prefers_the_primary_fields)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	json_object_set_new(json_object_get(root, "team"), "id", json_string("T0OTHER01"));
	json_object_set_new(json_object_get(root, "container"), "channel_id",
	    json_string("C0OTHER"));
	json_object_set_new(json_object_get(root, "message"), "ts", json_string("1.2"));
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_str_eq(a.team_id, "T1DC2JH3J");
	ck_assert_str_eq(a.channel_id, "C0LAN2Q65");
	ck_assert_str_eq(a.message_ts, "1548261231.000200");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_leaves_absent_channel_and_message_null)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	/* As from a modal that has a response_url: no channel, container or message. */
	json_object_del(root, "channel");
	json_object_del(root, "container");
	json_object_del(root, "message");
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_ptr_null(a.channel_id);
	ck_assert_ptr_null(a.message_ts);
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_reads_the_first_of_several_actions)
{
	json_t *root = button(), *second = json_deep_copy(first_action(root));
	struct slack_action a;
	const char *why = NULL;

	json_object_set_new(second, "action_id", json_string("snooze"));
	json_array_append_new(json_object_get(root, "actions"), second);
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_str_eq(a.action_id, "claim");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_ignores_other_form_fields)
{
	char *payload = body_of(BUTTON);
	struct buf body = { NULL, 0, 0 };
	struct slack_action a;
	const char *why = NULL;

	buf_appendf(&body, "token=xyz&%s&&extra=&flag", payload);
	ck_assert_int_eq(slack_interaction_parse(body.data, body.len, &a, &why), 0);
	ck_assert_str_eq(a.action_id, "claim");
	slack_action_free(&a);
	buf_free(&body);
	free(payload);
}
END_TEST

START_TEST(test_slack_parse_sets_aside_other_interaction_types)
{
	const char *types[] = { "view_submission", "shortcut", "message_action",
	    "interactive_message", "view_closed", "block_suggestion" };
	struct slack_action a;
	const char *why = NULL;
	struct buf text = { NULL, 0, 0 };
	char *body, want[64];
	size_t i;

	for (i = 0; i < LR_NELEM(types); i++) {
		buf_reset(&text);
		buf_appendf(&text, "{\"type\":\"%s\",\"user\":{\"id\":\"U1\"}}", types[i]);
		body = body_of(text.data);
		ck_assert_int_eq(slack_interaction_parse(body, strlen(body), &a, &why),
		    SLACK_UNSUPPORTED);
		ck_assert_str_eq(a.type, types[i]);
		snprintf(want, sizeof(want), "unsupported interaction type %s", types[i]);
		ck_assert_str_eq(why, want);
		ck_assert_ptr_null(a.user_id);
		slack_action_free(&a);
		free(body);
	}
	buf_free(&text);
}
END_TEST

START_TEST(test_slack_parse_refuses_a_body_without_payload)
{
	assert_refused("", "the form has no payload field");
	assert_refused("token=xyz&team_id=T1", "the form has no payload field");
	assert_refused("payloads=%7B%7D", "the form has no payload field");
}
END_TEST

START_TEST(test_slack_parse_refuses_two_payloads)
{
	char *one = body_of(BUTTON);
	struct buf body = { NULL, 0, 0 };

	buf_appendf(&body, "%s&%s", one, one);
	assert_refused(body.data, "the form has more than one payload field");
	buf_free(&body);
	free(one);
}
END_TEST

START_TEST(test_slack_parse_refuses_malformed_escapes)
{
	assert_refused("payload=%7", "the body is not a valid form: bad escape at byte 8: % must "
	    "be followed by two hex digits");
	assert_refused("payload=%zz%7D", "the body is not a valid form: bad escape at byte 8: % "
	    "must be followed by two hex digits");
	assert_refused("payload=%7B%", "the body is not a valid form: bad escape at byte 11: % "
	    "must be followed by two hex digits");
	/* The other fields are forms too. */
	assert_refused("x=%G0&payload=%7B%7D", "the body is not a valid form: bad escape at byte "
	    "2: % must be followed by two hex digits");
}
END_TEST

START_TEST(test_slack_parse_refuses_a_nul)
{
	assert_refused("payload=%7B%22type%22%3A%22block%00%22%7D",
	    "the body is not a valid form: a NUL byte at byte 32");
	/* A NUL in the JSON, escaped: jansson refuses it too. */
	assert_refused("payload=%7B%22type%22%3A%22block%5Cu0000%22%7D",
	    "the payload is not JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near "
	    "'\"block\\u0000\"' at character 21");
}
END_TEST

START_TEST(test_slack_parse_refuses_invalid_utf8)
{
	assert_refused("payload=%7B%22type%22%3A%22%C3%28%22%7D",
	    "the body is not a valid form: invalid UTF-8 at byte 27");
	/* An overlong '/'. */
	assert_refused("payload=%7B%22type%22%3A%22%C0%AF%22%7D",
	    "the body is not a valid form: invalid UTF-8 at byte 27");
}
END_TEST

START_TEST(test_slack_parse_refuses_a_payload_that_is_not_a_json_object)
{
	assert_refused("payload=", "the payload field is empty");
	assert_refused("payload=%5B%5D", "the payload is not a JSON object");
	assert_refused("payload=%7B%22type%22", "the payload is not JSON: "
	    "':' expected near end of file at character 7");
	assert_refused("payload=type%3Dblock_actions",
	    "the payload is not JSON: '[' or '{' expected near 'type' at character 4");
	assert_refused("payload=%7B%22type%22%3A1%2C%22type%22%3A2%7D",
	    "the payload is not JSON: duplicate object key near '\"type\"' at character 16");
}
END_TEST

START_TEST(test_slack_parse_refuses_deep_nesting)
{
	struct buf body = { NULL, 0, 0 };
	int i;

	buf_appendf(&body, "payload=%%7B%%22type%%22%%3A");
	for (i = 0; i < 100; i++)
		buf_appendf(&body, "%%5B");
	for (i = 0; i < 100; i++)
		buf_appendf(&body, "%%5D");
	buf_appendf(&body, "%%7D");
	assert_refused(body.data, "the payload nests deeper than 64");
	buf_free(&body);
}
END_TEST

START_TEST(test_slack_parse_refuses_a_missing_or_bad_type)
{
	assert_refused("payload=%7B%7D", "type is missing");
	assert_refused("payload=%7B%22type%22%3Anull%7D", "type is missing");
	assert_refused("payload=%7B%22type%22%3A7%7D", "type is not a string");
	assert_refused("payload=%7B%22type%22%3A%22%22%7D", "type is empty");
}
END_TEST

START_TEST(test_slack_parse_refuses_a_missing_user)
{
	json_t *root = button();

	json_object_del(root, "user");
	assert_refused_json(root, "user is missing");
	root = button();
	json_object_set_new(root, "user", json_string("U2CERLKJA"));
	assert_refused_json(root, "user is not an object");
	root = button();
	json_object_del(json_object_get(root, "user"), "id");
	assert_refused_json(root, "user.id is missing");
	root = button();
	json_object_set_new(json_object_get(root, "user"), "id", json_integer(42));
	assert_refused_json(root, "user.id is not a string");
}
END_TEST

START_TEST(test_slack_parse_refuses_a_missing_team)
{
	json_t *root = button();

	json_object_del(json_object_get(root, "user"), "team_id");
	json_object_del(root, "team");
	assert_refused_json(root, "user.team_id and team.id are both missing");
}
END_TEST

START_TEST(test_slack_parse_bounds_ids_at_255_bytes)
{
	char id[257];
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	memset(id, 'U', 255);
	id[255] = '\0';
	json_object_set_new(json_object_get(root, "user"), "id", json_string(id));
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_uint_eq(strlen(a.user_id), 255);
	slack_action_free(&a);
	id[255] = 'U';
	id[256] = '\0';
	root = button();
	json_object_set_new(json_object_get(root, "user"), "id", json_string(id));
	assert_refused_json(root, "user.id is longer than 255 bytes");
	root = button();
	json_object_set_new(first_action(root), "block_id", json_string(id));
	assert_refused_json(root, "actions[0].block_id is longer than 255 bytes");
	root = button();
	json_object_set_new(json_object_get(root, "container"), "message_ts", json_string(id));
	assert_refused_json(root, "container.message_ts is longer than 255 bytes");
}
END_TEST

START_TEST(test_slack_parse_bounds_the_response_url_at_2048_bytes)
{
	static const char prefix[] = "https://hooks.slack.com/actions/";
	char url[2050];
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	memcpy(url, prefix, sizeof(prefix) - 1);
	memset(url + sizeof(prefix) - 1, 'x', sizeof(url) - sizeof(prefix));
	url[2048] = '\0';
	json_object_set_new(root, "response_url", json_string(url));
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_str_eq(a.response_url, url);
	slack_action_free(&a);
	url[2048] = 'x';
	url[2049] = '\0';
	root = button();
	json_object_set_new(root, "response_url", json_string(url));
	assert_refused_json(root, "response_url is longer than 2048 bytes");
}
END_TEST

START_TEST(test_slack_parse_keeps_an_http_response_url_as_given)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	json_object_set_new(root, "response_url", json_string("http://127.0.0.1:8080/r?a=1&b=%20"));
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_str_eq(a.response_url, "http://127.0.0.1:8080/r?a=1&b=%20");
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_refuses_a_response_url_that_is_not_http)
{
	const char *bad[] = { "ftp://hooks.slack.com/x", "javascript:alert(1)",
	    "HTTPS://hooks.slack.com/x", "//hooks.slack.com/x", "hooks.slack.com/x" };
	size_t i;
	json_t *root;

	for (i = 0; i < LR_NELEM(bad); i++) {
		root = button();
		json_object_set_new(root, "response_url", json_string(bad[i]));
		assert_refused_json(root, "response_url is not an http:// or https:// URL");
	}
	root = button();
	json_object_set_new(root, "response_url", json_string("https://"));
	assert_refused_json(root, "response_url has no host");
	root = button();
	json_object_set_new(root, "response_url", json_string("https://h/a b"));
	assert_refused_json(root, "response_url holds a space or control character");
	root = button();
	json_object_set_new(root, "response_url", json_string("https://h/\r\nX-Evil: 1"));
	assert_refused_json(root, "response_url holds a space or control character");
	root = button();
	json_object_del(root, "response_url");
	assert_refused_json(root, "response_url is missing");
}
END_TEST

START_TEST(test_slack_parse_refuses_missing_actions)
{
	json_t *root = button();

	json_object_del(root, "actions");
	assert_refused_json(root, "actions is missing");
	root = button();
	json_object_set_new(root, "actions", json_object());
	assert_refused_json(root, "actions is not an array");
	root = button();
	json_object_set_new(root, "actions", json_array());
	assert_refused_json(root, "actions is empty");
	root = button();
	json_array_set_new(json_object_get(root, "actions"), 0, json_string("claim"));
	assert_refused_json(root, "actions[0] is not an object");
}
END_TEST

START_TEST(test_slack_parse_refuses_an_action_without_its_ids)
{
	const char *keys[] = { "action_id", "block_id", "action_ts" };
	char want[64];
	json_t *root;
	size_t i;

	for (i = 0; i < LR_NELEM(keys); i++) {
		root = button();
		json_object_del(first_action(root), keys[i]);
		snprintf(want, sizeof(want), "actions[0].%s is missing", keys[i]);
		assert_refused_json(root, want);
		root = button();
		json_object_set_new(first_action(root), keys[i], json_string(""));
		snprintf(want, sizeof(want), "actions[0].%s is empty", keys[i]);
		assert_refused_json(root, want);
	}
}
END_TEST

START_TEST(test_slack_parse_refuses_a_bad_value)
{
	json_t *root = button(), *act = first_action(root);
	char *big = xmalloc(SLACK_VALUE_MAX + 2);

	json_object_set_new(act, "value", json_true());
	assert_refused_json(root, "actions[0].value is not a string");
	root = button();
	act = first_action(root);
	json_object_del(act, "value");
	json_object_set_new(act, "selected_option", json_string("bruno_diaz"));
	assert_refused_json(root, "actions[0].selected_option is not an object");
	root = button();
	act = first_action(root);
	json_object_del(act, "value");
	json_object_set_new(act, "selected_option", json_object());
	assert_refused_json(root, "actions[0].selected_option.value is missing");
	memset(big, 'v', SLACK_VALUE_MAX + 1);
	big[SLACK_VALUE_MAX + 1] = '\0';
	root = button();
	json_object_set_new(first_action(root), "value", json_string(big));
	assert_refused_json(root, "actions[0].value is longer than 8000 bytes");
	free(big);
}
END_TEST

#define VALUE_UTF8	"Bruno D\xc3\xad" "az \xe2\x80\xa6"

START_TEST(test_slack_parse_keeps_utf8_values)
{
	json_t *root = button();
	struct slack_action a;
	const char *why = NULL;

	/* "Bruno Díaz …" */
	json_object_set_new(first_action(root), "value", json_string(VALUE_UTF8));
	ck_assert_int_eq(parse_json(root, &a, &why), 0);
	ck_assert_str_eq(a.value, VALUE_UTF8);
	slack_action_free(&a);
}
END_TEST

START_TEST(test_slack_parse_reads_no_further_than_len)
{
	char *text = body_of(BUTTON), *body;
	size_t len = strlen(text);
	struct slack_action a;
	const char *why = NULL;

	/* Exactly the body's bytes, no NUL after them; one byte short cuts the JSON. */
	body = xmalloc(len);
	memcpy(body, text, len);
	ck_assert_int_eq(slack_interaction_parse(body, len, &a, &why), 0);
	slack_action_free(&a);
	ck_assert_int_eq(slack_interaction_parse(body, len - 3, &a, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "the payload is not JSON: "));
	slack_action_free(&a);
	free(body);
	free(text);
}
END_TEST

START_TEST(test_slack_action_free_is_safe_twice)
{
	char *body = body_of(BUTTON);
	struct slack_action a;
	const char *why = NULL;

	ck_assert_int_eq(slack_interaction_parse(body, strlen(body), &a, &why), 0);
	slack_action_free(&a);
	ck_assert_ptr_null(a.user_id);
	ck_assert_ptr_null(a.response_url);
	slack_action_free(&a);
	free(body);
}
END_TEST

Suite *
slack_suite(void)
{
	Suite *s = suite_create("slack");
	TCase *sig = tcase_create("verify");
	TCase *parse = tcase_create("interaction");

	tcase_add_test(sig, test_slack_verify_accepts_the_doc_example);
	tcase_add_test(sig, test_slack_sign_matches_the_doc_example);
	tcase_add_test(sig, test_slack_verify_refuses_a_stale_timestamp);
	tcase_add_test(sig, test_slack_verify_refuses_a_future_timestamp);
	tcase_add_test(sig, test_slack_verify_accepts_the_edges_of_the_window);
	tcase_add_test(sig, test_slack_verify_survives_extreme_clocks);
	tcase_add_test(sig, test_slack_verify_refuses_a_one_bit_change_in_the_body);
	tcase_add_test(sig, test_slack_verify_refuses_a_one_bit_change_in_the_signature);
	tcase_add_test(sig, test_slack_verify_signs_the_timestamp);
	tcase_add_test(sig, test_slack_verify_refuses_another_secret);
	tcase_add_test(sig, test_slack_verify_refuses_an_empty_secret);
	tcase_add_test(sig, test_slack_verify_reports_missing_headers);
	tcase_add_test(sig, test_slack_verify_refuses_a_timestamp_that_is_not_digits);
	tcase_add_test(sig, test_slack_verify_refuses_a_signature_that_is_not_v0_hex);
	tcase_add_test(sig, test_slack_verify_reports_malformed_before_stale);
	tcase_add_test(sig, test_slack_verify_reports_stale_before_mismatch);
	tcase_add_test(sig, test_slack_verify_reads_no_further_than_len);
	tcase_add_test(sig, test_slack_verify_round_trips_an_empty_body);
	suite_add_tcase(s, sig);

	tcase_add_test(parse, test_slack_parse_reads_a_button_click);
	tcase_add_test(parse, test_slack_parse_reads_a_static_select_choice);
	tcase_add_test(parse, test_slack_parse_reads_a_cleared_menu_as_no_value);
	tcase_add_test(parse, test_slack_parse_allows_a_button_without_value);
	tcase_add_test(parse, test_slack_parse_decodes_plus_as_space);
	tcase_add_test(parse, test_slack_parse_takes_the_fallback_fields);
	tcase_add_test(parse, test_slack_parse_prefers_the_primary_fields);
	tcase_add_test(parse, test_slack_parse_leaves_absent_channel_and_message_null);
	tcase_add_test(parse, test_slack_parse_reads_the_first_of_several_actions);
	tcase_add_test(parse, test_slack_parse_ignores_other_form_fields);
	tcase_add_test(parse, test_slack_parse_sets_aside_other_interaction_types);
	tcase_add_test(parse, test_slack_parse_refuses_a_body_without_payload);
	tcase_add_test(parse, test_slack_parse_refuses_two_payloads);
	tcase_add_test(parse, test_slack_parse_refuses_malformed_escapes);
	tcase_add_test(parse, test_slack_parse_refuses_a_nul);
	tcase_add_test(parse, test_slack_parse_refuses_invalid_utf8);
	tcase_add_test(parse, test_slack_parse_refuses_a_payload_that_is_not_a_json_object);
	tcase_add_test(parse, test_slack_parse_refuses_deep_nesting);
	tcase_add_test(parse, test_slack_parse_refuses_a_missing_or_bad_type);
	tcase_add_test(parse, test_slack_parse_refuses_a_missing_user);
	tcase_add_test(parse, test_slack_parse_refuses_a_missing_team);
	tcase_add_test(parse, test_slack_parse_bounds_ids_at_255_bytes);
	tcase_add_test(parse, test_slack_parse_bounds_the_response_url_at_2048_bytes);
	tcase_add_test(parse, test_slack_parse_keeps_an_http_response_url_as_given);
	tcase_add_test(parse, test_slack_parse_refuses_a_response_url_that_is_not_http);
	tcase_add_test(parse, test_slack_parse_refuses_missing_actions);
	tcase_add_test(parse, test_slack_parse_refuses_an_action_without_its_ids);
	tcase_add_test(parse, test_slack_parse_refuses_a_bad_value);
	tcase_add_test(parse, test_slack_parse_keeps_utf8_values);
	tcase_add_test(parse, test_slack_parse_reads_no_further_than_len);
	tcase_add_test(parse, test_slack_action_free_is_safe_twice);
	suite_add_tcase(s, parse);
	return s;
}
