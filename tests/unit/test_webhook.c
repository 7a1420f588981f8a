/* test_webhook.c — notification bodies, Standard Webhooks signatures, retry delays. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/webhook.h"

#include "check_suites.h"

/* whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw decoded: the key of the spec's own example. */
static const unsigned char spec_key[] = {
	0x31, 0xf2, 0x90, 0xf6, 0xbf, 0x06, 0x29, 0x8a, 0xab, 0x4f, 0x08, 0xd4,
	0x3c, 0x3f, 0x08, 0x2c, 0xf6, 0x48, 0xa3, 0x62, 0xda, 0x2d, 0xa4, 0xb0,
};

/* 2026-11-23T09:30:00Z */
#define AT 1795426200000LL

static json_t *
event(const char *text)
{
	json_t *e = json_loads(text, 0, NULL);

	ck_assert_ptr_nonnull(e);
	return e;
}

/* The readable line for an event given as JSON text; the caller frees it. */
static char *
text_of(const char *json)
{
	json_t *e = event(json);
	char *t = webhook_text(e, NULL);

	json_decref(e);
	return t;
}

START_TEST(test_sign_matches_the_spec_example)
{
	const char *body = "{\"test\": 2432232314}";
	char sig[WEBHOOK_SIG_LEN];

	/* Standard Webhooks' published vector (its libraries test against it). */
	webhook_sign(spec_key, sizeof(spec_key), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    body, strlen(body), sig);
	ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}
END_TEST

START_TEST(test_sign_covers_id_timestamp_and_body)
{
	const char *body = "{\"type\":\"escalation.level\",\"timestamp\":\"2026-11-23T09:30:00.000Z\","
	    "\"data\":{\"lead\":\"01JD\",\"level\":2}}";
	char sig[WEBHOOK_SIG_LEN], other[WEBHOOK_SIG_LEN];

	/* Computed with Python: hmac.new(key, b"msg_lr_42.1763890200." + body, sha256). */
	webhook_sign(spec_key, sizeof(spec_key), "msg_lr_42", 1763890200, body, strlen(body), sig);
	ck_assert_str_eq(sig, "v1,sLvslw4lIzIDmJ0MQY8h1a+A0DNn3hmLoddEDl9G7Jg=");
	webhook_sign(spec_key, sizeof(spec_key), "msg_lr_42", 1763890201, body, strlen(body), other);
	ck_assert_str_ne(sig, other);
	webhook_sign(spec_key, sizeof(spec_key), "msg_lr_43", 1763890200, body, strlen(body), other);
	ck_assert_str_ne(sig, other);
	webhook_sign(spec_key, sizeof(spec_key), "msg_lr_42", 1763890200, body, strlen(body) - 1,
	    other);
	ck_assert_str_ne(sig, other);
}
END_TEST

START_TEST(test_backoff_doubles_from_base)
{
	/* rnd 0 takes nothing off: the schedule itself. */
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 1, 0), 1000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 2, 0), 2000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 3, 0), 4000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 6, 0), 32000);
}
END_TEST

START_TEST(test_backoff_is_capped)
{
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 10, 0), 512000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 11, 0), 600000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 1000000, 0), 600000);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, UINT64_MAX, 0), 600000);
	ck_assert_int_eq(webhook_backoff_ms(5000, 3000, 1, 0), 3000);
}
END_TEST

START_TEST(test_backoff_jitter_stays_within_a_quarter)
{
	uint32_t rnd;
	uint64_t failed;

	for (failed = 1; failed <= 14; failed++) {
		int64_t d = webhook_backoff_ms(100, 600000, failed, 0);

		for (rnd = 0; rnd < 5000; rnd += 7) {
			int64_t j = webhook_backoff_ms(100, 600000, failed, rnd * 2654435761u);

			ck_assert_int_le(j, d);
			ck_assert_int_ge(j, d - d / 4);
		}
	}
	/* The most it takes off is exactly a quarter. */
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 1, 250), 750);
	ck_assert_int_eq(webhook_backoff_ms(1000, 600000, 1, 251), 1000);
}
END_TEST

START_TEST(test_backoff_gaps_grow_until_the_cap)
{
	/* The longest gap of one attempt is shorter than the shortest of the next. */
	uint64_t failed;

	for (failed = 1; failed < 12; failed++)
		ck_assert_int_lt(webhook_backoff_ms(100, 600000, failed, 0),
		    webhook_backoff_ms(100, 600000, failed + 1, 25 * (1u << failed)));
}
END_TEST

START_TEST(test_backoff_without_base_is_zero)
{
	ck_assert_int_eq(webhook_backoff_ms(0, 600000, 3, 12345), 0);
}
END_TEST

START_TEST(test_json_body_is_the_envelope)
{
	json_t *e = event("{\"type\": \"sla.reminder\", \"at\": 1795426200123, \"data\": "
	    "{\"lead\": \"01JD\", \"clock\": \"first_touch\", \"due_at\": 1795426500000}}");
	size_t len, len2;
	char *body = webhook_body(NOTIFY_FORMAT_JSON, e, NULL, &len);
	char *again = webhook_body(NOTIFY_FORMAT_JSON, e, NULL, &len2);

	ck_assert_str_eq(body, "{\"type\":\"sla.reminder\",\"timestamp\":\"2026-11-23T09:30:00.123Z\","
	    "\"data\":{\"lead\":\"01JD\",\"clock\":\"first_touch\",\"due_at\":1795426500000}}");
	ck_assert_uint_eq(len, strlen(body));
	ck_assert_str_eq(body, again);	/* every attempt sends the same bytes */
	free(body);
	free(again);
	json_decref(e);
}
END_TEST

START_TEST(test_json_body_without_data_has_an_empty_object)
{
	json_t *e = event("{\"type\": \"x.y\", \"at\": 0}");
	size_t len;
	char *body = webhook_body(NOTIFY_FORMAT_JSON, e, NULL, &len);

	ck_assert_str_eq(body, "{\"type\":\"x.y\",\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"data\":{}}");
	free(body);
	json_decref(e);
}
END_TEST

START_TEST(test_body_needs_a_type)
{
	json_t *e = event("{\"at\": 0, \"data\": {}}");
	size_t len;

	ck_assert_ptr_null(webhook_body(NOTIFY_FORMAT_JSON, e, NULL, &len));
	ck_assert_ptr_null(webhook_body(NOTIFY_FORMAT_SLACK, e, NULL, &len));
	json_decref(e);
	e = json_string("escalation.level");
	ck_assert_ptr_null(webhook_body(NOTIFY_FORMAT_JSON, e, NULL, &len));
	json_decref(e);
}
END_TEST

START_TEST(test_slack_body_is_one_text_member)
{
	json_t *e = event("{\"type\": \"rep.auto_offline\", \"at\": 1, \"data\": "
	    "{\"rep\": \"ana\", \"clock\": \"first_touch\", \"misses\": 3, \"lead\": \"01JD\"}}");
	size_t len;
	char *body = webhook_body(NOTIFY_FORMAT_SLACK, e, NULL, &len);

	ck_assert_str_eq(body, "{\"text\":\"Rep ana was set away after missing first_touch 3 times "
	    "in a row (last: lead 01JD)\"}");
	free(body);
	json_decref(e);
}
END_TEST

START_TEST(test_slack_text_of_a_reassigning_level)
{
	char *t = text_of("{\"type\": \"escalation.level\", \"at\": 1, \"data\": {\"escalation\": \"7\","
	    "\"level\": 2, \"levels\": 3, \"lead\": \"01JDQ5\", \"clock\": \"first_touch\","
	    "\"pool\": \"sdr-emea\", \"owner\": \"ana\", \"due_at\": 1, \"breached_at\": 1,"
	    "\"recipient\": \"manager\", \"action\": \"reassign\", \"new_owner\": \"ben\"}}");

	ck_assert_str_eq(t, "SLA breach: lead 01JDQ5 missed first_touch (owner ana, pool sdr-emea), "
	    "level 2 of 3: reassigned to ben");
	free(t);
}
END_TEST

START_TEST(test_slack_text_of_a_notifying_level)
{
	char *t = text_of("{\"type\": \"escalation.level\", \"at\": 1, \"data\": {\"level\": 1,"
	    "\"levels\": 2, \"lead\": \"01JDQ5\", \"clock\": \"route\", \"pool\": \"amer\","
	    "\"owner\": null, \"action\": \"notify\"}}");

	ck_assert_str_eq(t, "SLA breach: lead 01JDQ5 missed route (no owner, pool amer), level 1 of 2");
	free(t);
}
END_TEST

START_TEST(test_slack_text_of_a_reassignment_that_found_nobody)
{
	char *t = text_of("{\"type\": \"escalation.level\", \"data\": {\"level\": 3, \"levels\": 3,"
	    "\"lead\": \"L\", \"clock\": \"first_touch\", \"owner\": \"ana\", \"action\": \"reassign\"}}");

	ck_assert_str_eq(t, "SLA breach: lead L missed first_touch (owner ana), level 3 of 3: "
	    "no rep to reassign it to");
	free(t);
}
END_TEST

START_TEST(test_slack_text_of_a_reminder)
{
	char *t = text_of("{\"type\": \"sla.reminder\", \"at\": 1, \"data\": {\"lead\": \"01JD\","
	    "\"clock\": \"first_touch\", \"pool\": \"sdr-emea\", \"owner\": \"ana\","
	    "\"due_at\": 1795426200456}}");

	ck_assert_str_eq(t, "SLA reminder: lead 01JD is due for first_touch at 2026-11-23T09:30:00Z "
	    "(owner ana, pool sdr-emea)");
	free(t);
}
END_TEST

START_TEST(test_slack_text_of_an_unknown_type)
{
	char *t = text_of("{\"type\": \"lead.merged\", \"at\": 1795426200000, \"data\": "
	    "{\"into\": \"01JD\", \"n\": 2}}");

	ck_assert_str_eq(t, "leadrouted event lead.merged at 2026-11-23T09:30:00Z: "
	    "{\"into\":\"01JD\",\"n\":2}");
	free(t);
}
END_TEST

START_TEST(test_slack_text_escapes_control_characters)
{
	char *t = text_of("{\"type\": \"rep.auto_offline\", \"data\": {\"rep\": \"<!channel> & co\","
	    "\"clock\": \"first_touch\", \"misses\": 2}}");

	ck_assert_str_eq(t, "Rep &lt;!channel&gt; &amp; co was set away after missing first_touch "
	    "2 times in a row");
	free(t);
}
END_TEST

Suite *
webhook_suite(void)
{
	Suite *s = suite_create("webhook");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sign_matches_the_spec_example);
	tcase_add_test(tc, test_sign_covers_id_timestamp_and_body);
	tcase_add_test(tc, test_backoff_doubles_from_base);
	tcase_add_test(tc, test_backoff_is_capped);
	tcase_add_test(tc, test_backoff_jitter_stays_within_a_quarter);
	tcase_add_test(tc, test_backoff_gaps_grow_until_the_cap);
	tcase_add_test(tc, test_backoff_without_base_is_zero);
	tcase_add_test(tc, test_json_body_is_the_envelope);
	tcase_add_test(tc, test_json_body_without_data_has_an_empty_object);
	tcase_add_test(tc, test_body_needs_a_type);
	tcase_add_test(tc, test_slack_body_is_one_text_member);
	tcase_add_test(tc, test_slack_text_of_a_reassigning_level);
	tcase_add_test(tc, test_slack_text_of_a_notifying_level);
	tcase_add_test(tc, test_slack_text_of_a_reassignment_that_found_nobody);
	tcase_add_test(tc, test_slack_text_of_a_reminder);
	tcase_add_test(tc, test_slack_text_of_an_unknown_type);
	tcase_add_test(tc, test_slack_text_escapes_control_characters);
	suite_add_tcase(s, tc);
	return s;
}
