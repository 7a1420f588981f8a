/* test_message.c — what a rep and a manager read: Slack Block Kit and email, from an event and the config. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/message.h"

#include "check_suites.h"

static const char *const config =
    "notify:\n"
    "  public_url: https://leads.example.com\n"
    "  slack: {bot_token: xoxb-1-2-abc, signing_secret: 8f742231b10e8888abcd99yyyzzz85a5}\n"
    "  email: {smtp_url: 'smtp://127.0.0.1:2525', from: 'Leads <l@example.com>'}\n"
    "  links: {secrets: [0123456789abcdef0123456789abcdef]}\n"
    "calendars:\n"
    "  - {id: berlin, timezone: Europe/Berlin}\n"
    "reps:\n"
    "  - {id: ana, slack_user: U0ANA, notify: slack, calendar: berlin}\n"
    "  - {id: ben, email: ben@example.com, notify: email}\n"
    "pools:\n"
    "  - {id: emea, reps: [ana, ben]}\n"
    "scoring:\n"
    "  grades: {A: 80, B: 50, C: 0}\n"
    "rules:\n"
    "  - {name: emea, pool: emea}\n";

/* A lead.assigned's data as event_body writes it, with contact details. */
static const char *const assigned =
    "{\"event_id\": \"1796295600000-0\", \"lead\": \"01JD0000000000000000000000\", \"seq\": 2,"
    " \"crm_id\": \"901\", \"source\": \"hubspot\", \"status\": \"assigned\", \"owner\": \"ana\","
    " \"previous_owner\": null, \"pool\": \"emea\", \"rule\": \"emea\", \"score\": 85,"
    " \"grade\": \"A\", \"mql\": true, \"score_breakdown\": [{\"reason\": \"demo_request\","
    " \"points\": 40}, {\"reason\": \"title_vp\", \"points\": 25}, {\"reason\": \"country\","
    " \"points\": 10}, {\"reason\": \"size\", \"points\": 10}],"
    " \"clocks\": {\"first_touch\": {\"started_at\": \"2026-12-03T14:00:00.000Z\","
    " \"due_at\": \"2026-12-03T15:00:00.000Z\"}}, \"stage\": \"mql\","
    " \"event\": \"demo_request\", \"company\": \"Acme <GmbH> & Co\", \"title\": \"VP Sales\","
    " \"country\": \"DE\", \"contact\": {\"email\": \"jane@acme.example\","
    " \"first_name\": \"Jane\", \"last_name\": \"Doe\", \"phone\": \"+49 30 1234\"},"
    " \"rep\": \"ana\"}";

/*
 * A lead.re_engaged's data as tell.c hands it over: the lead as it is now
 * (it came in from a webinar; its first touch restarted by this event, at
 * 14:00, while its accept clock runs on) and what the person did this time.
 */
static json_t *
re_engaged(void)
{
	json_t *d = json_loads(assigned, 0, NULL);

	ck_assert_ptr_nonnull(d);
	json_object_set_new(d, "event", json_string("webinar"));
	json_object_set_new(d, "status", json_string("touched"));
	json_object_set_new(d, "new_event", json_string("demo_request"));
	json_object_set_new(d, "new_source", json_string("web"));
	json_object_set_new(d, "new_score", json_integer(85));
	json_object_set_new(d, "restarts", json_string("assigned"));
	/* The person's breakdown: fit, then what they did, oldest first; told heaviest first. */
	json_object_set_new(d, "score_breakdown", json_pack("[{s:s, s:i}, {s:s, s:i}, {s:s, s:i}]",
	    "reason", "title_vp", "points", 25, "reason", "event:webinar", "points", 20,
	    "reason", "event:demo_request", "points", 40));
	json_object_set_new(d, "clocks", json_pack("{s:{s:s, s:s}, s:{s:s, s:s}}",
	    "accept", "started_at", "2026-12-01T09:00:00.000Z", "due_at", "2026-12-03T17:00:00.000Z",
	    "first_touch", "started_at", "2026-12-03T14:00:00.000Z",
	    "due_at", "2026-12-03T15:00:00.000Z"));
	return d;
}

static struct conf *
load(void)
{
	struct conf_diags diags;
	struct conf *c = NULL;

	conf_load_string(config, strlen(config), "t.yaml", &c, &diags);
	conf_diags_free(&diags);
	ck_assert_ptr_nonnull(c);
	return c;
}

static void
input(struct message_in *in, const struct conf *c, const char *type, json_t *data,
    const char *reader)
{
	memset(in, 0, sizeof(*in));
	in->conf = c;
	in->type = type;
	in->data = data;
	in->at_ms = 1796306400000LL;
	in->now_ms = in->at_ms;
	in->trace = "pool|emea|ben=away,ana=chosen";
	in->reader = reader != NULL ? conf_find_rep(c, reader) : NULL;
	in->zone = in->reader != NULL && in->reader->calendar != NULL ?
	    in->reader->calendar->zone : NULL;
	in->actions = 1;
}

/* The text of every block of a message, joined, for searching. */
static char *
all_text(const json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);

	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_message_why)
{
	char *why;

	why = message_why("pool|emea|ben=away,cy=at_cap,ana=chosen", "ana");
	ck_assert_str_eq(why, "next in rotation of pool emea (skipped: ben away, cy at cap)");
	free(why);
	why = message_why("pool|emea|ana=chosen", "ana");
	ck_assert_str_eq(why, "next in rotation of pool emea");
	free(why);
	why = message_why("owner|acme.com|ana=chosen", "ana");
	ck_assert_str_eq(why, "you own the account acme.com");
	free(why);
	why = message_why("sticky|01JD|ana=chosen;pool|emea|", "ana");
	ck_assert_str_eq(why, "you own this person's open lead");
	free(why);
	why = message_why("owner|acme.com|ben=away;pool|emea|ana=chosen", "ana");
	ck_assert_str_eq(why, "next in rotation of pool emea");
	free(why);
	ck_assert_ptr_null(message_why("pool|emea|ben=chosen", "ana"));
	ck_assert_ptr_null(message_why("garbage", "ana"));
	ck_assert_ptr_null(message_why(NULL, "ana"));
}
END_TEST

START_TEST(test_message_slack_assigned)
{
	struct conf *c = load();
	json_t *data = json_loads(assigned, 0, NULL), *msg, *blocks, *acts;
	struct message_in in;
	char *s;

	ck_assert_ptr_nonnull(data);
	input(&in, c, "lead.assigned", data, "ana");
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "text")),
	    "New lead for you: Jane Doe");
	/* The facts a rep acts on, outside text escaped for Slack. */
	ck_assert_ptr_nonnull(strstr(s, "VP Sales at Acme &lt;GmbH&gt; &amp; Co, DE"));
	ck_assert_ptr_nonnull(strstr(s, "demo request via hubspot"));
	ck_assert_ptr_nonnull(strstr(s, "85 (grade A): +40 demo request, +25 title vp, +10 country"));
	ck_assert_ptr_null(strstr(s, "+10 size"));	/* the top three reasons only */
	ck_assert_ptr_nonnull(strstr(s, "rule emea: next in rotation of pool emea (skipped: ben away)"));
	/* Due 15:00 UTC is 16:00 in Berlin, the rep's own time. */
	ck_assert_ptr_nonnull(strstr(s, "*First touch due*\\nThu 3 Dec, 16:00 (Europe/Berlin)"));
	ck_assert_ptr_nonnull(strstr(s, "jane@acme.example"));
	ck_assert_ptr_nonnull(strstr(s, "https://leads.example.com/v1/leads/01JD0000000000000000000000"));
	blocks = json_object_get(msg, "blocks");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(blocks, 0), "type")),
	    "header");
	acts = json_array_get(blocks, json_array_size(blocks) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(acts, "type")), "actions");
	ck_assert_str_eq(json_string_value(json_object_get(acts, "block_id")),
	    "lr:01JD0000000000000000000000");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(acts,
	    "elements"), 0), "action_id")), MESSAGE_ACT_ACCEPT);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(acts,
	    "elements"), 1), "action_id")), MESSAGE_ACT_REJECT);
	free(s);
	json_decref(msg);

	/* Without actions: only the link. */
	in.actions = 0;
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_ptr_null(strstr(s, MESSAGE_ACT_ACCEPT));
	ck_assert_ptr_nonnull(strstr(s, MESSAGE_ACT_OPEN));
	free(s);
	json_decref(msg);
	json_decref(data);
	conf_unref(c);
}
END_TEST

START_TEST(test_message_escalation_has_context)
{
	struct conf *c = load();
	json_t *data = json_loads(assigned, 0, NULL), *msg;
	struct message_in in;
	char *s;

	json_object_set_new(data, "clock", json_string("first_touch"));
	json_object_set_new(data, "level", json_integer(1));
	json_object_set_new(data, "levels", json_integer(2));
	input(&in, c, "escalation.level", data, NULL);
	in.actions = 0;
	msg = message_slack(&in);
	s = all_text(msg);
	/* The fallback text is the whole line; the header names the person. */
	ck_assert_str_eq(json_string_value(json_object_get(msg, "text")),
	    "SLA breach: lead 01JD0000000000000000000000 missed first_touch (owner ana, pool emea), "
	    "level 1 of 2");
	ck_assert_ptr_nonnull(strstr(s, "\"SLA breach: Jane Doe missed first_touch\""));
	ck_assert_ptr_nonnull(strstr(s, "*Owner*\\nana, pool emea"));
	ck_assert_ptr_nonnull(strstr(s, "level 1 of 2"));
	ck_assert_ptr_nonnull(strstr(s, "VP Sales at Acme"));
	free(s);
	json_decref(msg);
	json_decref(data);
	conf_unref(c);
}
END_TEST

START_TEST(test_message_mail)
{
	struct conf *c = load();
	json_t *data = json_loads(assigned, 0, NULL);
	struct message_mail m;
	struct message_in in;

	input(&in, c, "lead.assigned", data, "ben");
	ck_assert_int_eq(message_mail(&in, &m), 0);
	ck_assert_str_eq(m.subject, "New lead for you: Jane Doe");
	/* Plain text as it is; HTML escaped. */
	ck_assert_ptr_nonnull(strstr(m.text, "Who: VP Sales at Acme <GmbH> & Co, DE\n"));
	ck_assert_ptr_nonnull(strstr(m.html, "Acme &lt;GmbH&gt; &amp; Co"));
	ck_assert_ptr_null(strstr(m.html, "<GmbH>"));
	/* ben has no calendar: UTC. */
	ck_assert_ptr_nonnull(strstr(m.text, "First touch due: Thu 3 Dec, 15:00 (UTC)\n"));
	/* Signed action links to the confirmation page, one per action. */
	ck_assert_ptr_nonnull(strstr(m.text,
	    "Accept: https://leads.example.com/v1/integrations/email/action?token="));
	ck_assert_ptr_nonnull(strstr(m.text, "Reject: https://"));
	ck_assert_ptr_nonnull(strstr(m.text, "Log a call: https://"));
	ck_assert_ptr_nonnull(strstr(m.html, "/v1/integrations/email/action?token="));
	message_mail_clear(&m);

	/* Without a reader (a team's inbox), no action links. */
	input(&in, c, "lead.assigned", data, NULL);
	ck_assert_int_eq(message_mail(&in, &m), 0);
	ck_assert_ptr_null(strstr(m.text, "token="));
	message_mail_clear(&m);
	json_decref(data);
	conf_unref(c);
}
END_TEST

START_TEST(test_message_slack_re_engaged)
{
	struct conf *c = load();
	json_t *data = re_engaged(), *msg, *blocks, *acts;
	struct message_in in;
	const char *ft, *acc;
	char *s;

	input(&in, c, "lead.re_engaged", data, "ana");
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "text")),
	    "Jane Doe is back: demo_request");
	blocks = json_object_get(msg, "blocks");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_array_get(blocks,
	    0), "text"), "text")), "Jane Doe is back: demo_request");
	/* What they did now, how the lead first came, the score now. */
	ck_assert_ptr_nonnull(strstr(s, "*Back with*\\ndemo request via web"));
	ck_assert_ptr_nonnull(strstr(s, "*Came in as*\\nwebinar via hubspot"));
	ck_assert_ptr_nonnull(strstr(s,
	    "*Score*\\n85 (grade A): +40 demo request, +25 title vp, +20 webinar\""));
	/* The lead is theirs already: no "why you". */
	ck_assert_ptr_null(strstr(s, "Why you"));
	/* Every running clock, soonest first, in the rep's zone; the restarted one says so. */
	ft = strstr(s, "*First touch due*\\nThu 3 Dec, 16:00 (Europe/Berlin), restarted\"");
	acc = strstr(s, "*Accept due*\\nThu 3 Dec, 18:00 (Europe/Berlin)\"");
	ck_assert_ptr_nonnull(ft);
	ck_assert_ptr_nonnull(acc);
	ck_assert(ft < acc);
	/* The same actions and link as a new lead's. */
	acts = json_array_get(blocks, json_array_size(blocks) - 1);
	ck_assert_str_eq(json_string_value(json_object_get(acts, "block_id")),
	    "lr:01JD0000000000000000000000");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(acts,
	    "elements"), 0), "action_id")), MESSAGE_ACT_ACCEPT);
	ck_assert_ptr_nonnull(strstr(s, MESSAGE_ACT_CALL));
	ck_assert_ptr_nonnull(strstr(s, "https://leads.example.com/v1/leads/01JD0000000000000000000000"));
	ck_assert_ptr_nonnull(strstr(s, "jane@acme.example"));
	free(s);
	json_decref(msg);

	/* Scored again since: the score of the event, its band, no reasons that no longer add up. */
	json_object_set_new(data, "score", json_integer(97));
	json_object_set_new(data, "new_score", json_integer(60));
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_ptr_nonnull(strstr(s, "*Score*\\n60 (grade B)\""));
	free(s);
	json_decref(msg);

	/* An event that restarted nothing: a clock that merely began then is not "restarted". */
	json_object_del(data, "restarts");
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_ptr_nonnull(strstr(s, "*First touch due*\\nThu 3 Dec, 16:00 (Europe/Berlin)\""));
	free(s);
	json_decref(msg);
	json_object_set_new(data, "restarts", json_string("assigned"));

	/* A sender that named no event: the headline alone says it. */
	json_object_del(data, "new_event");
	json_object_del(data, "new_source");
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_str_eq(json_string_value(json_object_get(msg, "text")), "Jane Doe is back");
	ck_assert_ptr_null(strstr(s, "Back with"));
	free(s);
	json_decref(msg);

	/* In the pool's channel: whose lead it is, and no rep's own actions. */
	input(&in, c, "lead.re_engaged", data, NULL);
	in.actions = 0;
	msg = message_slack(&in);
	s = all_text(msg);
	ck_assert_ptr_nonnull(strstr(s, "*Owner*\\nana, pool emea"));
	ck_assert_ptr_null(strstr(s, MESSAGE_ACT_ACCEPT));
	/* No zone of a reader: UTC, said so. */
	ck_assert_ptr_nonnull(strstr(s, "Thu 3 Dec, 15:00 (UTC), restarted"));
	free(s);
	json_decref(msg);
	json_decref(data);
	conf_unref(c);
}
END_TEST

START_TEST(test_message_mail_re_engaged)
{
	struct conf *c = load();
	json_t *data = re_engaged();
	struct message_mail m;
	struct message_in in;

	input(&in, c, "lead.re_engaged", data, "ben");
	ck_assert_int_eq(message_mail(&in, &m), 0);
	ck_assert_str_eq(m.subject, "Jane Doe is back: demo_request");
	ck_assert_ptr_nonnull(strstr(m.text, "Jane Doe is back: demo_request\n\n"));
	ck_assert_ptr_nonnull(strstr(m.text, "Back with: demo request via web\n"));
	ck_assert_ptr_nonnull(strstr(m.text, "Came in as: webinar via hubspot\n"));
	ck_assert_ptr_nonnull(strstr(m.text,
	    "Score: 85 (grade A): +40 demo request, +25 title vp, +20 webinar\n"));
	/* ben has no calendar: UTC. */
	ck_assert_ptr_nonnull(strstr(m.text, "First touch due: Thu 3 Dec, 15:00 (UTC), restarted\n"));
	ck_assert_ptr_nonnull(strstr(m.text, "Accept due: Thu 3 Dec, 17:00 (UTC)\n"));
	ck_assert_ptr_null(strstr(m.text, "Why you"));
	/* The actions of a new lead's mail, and its link. */
	ck_assert_ptr_nonnull(strstr(m.text,
	    "Accept: https://leads.example.com/v1/integrations/email/action?token="));
	ck_assert_ptr_nonnull(strstr(m.text, "Log an email: https://"));
	ck_assert_ptr_nonnull(strstr(m.text,
	    "Open the lead: https://leads.example.com/v1/leads/01JD0000000000000000000000\n"));
	ck_assert_ptr_nonnull(strstr(m.html, "<h2>Jane Doe is back: demo_request</h2>"));
	ck_assert_ptr_nonnull(strstr(m.html,
	    "<th align=\"left\">Back with</th><td>demo request via web</td>"));
	ck_assert_ptr_nonnull(strstr(m.html, "Acme &lt;GmbH&gt; &amp; Co"));
	message_mail_clear(&m);
	json_decref(data);
	conf_unref(c);
}
END_TEST

/* The reasons that weigh most, either way, heaviest first, whatever their order. */
START_TEST(test_message_top_reasons)
{
	struct conf *c = load();
	json_t *data = json_loads(assigned, 0, NULL);
	struct message_mail m;
	struct message_in in;

	json_object_set_new(data, "score", json_integer(5));
	json_object_set_new(data, "grade", json_string("C"));
	json_object_set_new(data, "score_breakdown", json_pack("[{s:s, s:i}, {s:s, s:i}, {s:s, s:i},"
	    " {s:s, s:i}, {s:s, s:i}]", "reason", "country", "points", 5, "reason", "competitor",
	    "points", -30, "reason", "nothing", "points", 0, "reason", "event:webinar", "points", 10,
	    "reason", "event:demo_request", "points", 20));
	input(&in, c, "lead.assigned", data, "ben");
	ck_assert_int_eq(message_mail(&in, &m), 0);
	ck_assert_ptr_nonnull(strstr(m.text,
	    "Score: 5 (grade C): -30 competitor, +20 demo request, +10 webinar\n"));
	message_mail_clear(&m);
	json_decref(data);
	conf_unref(c);
}
END_TEST

START_TEST(test_message_lead_url)
{
	struct conf *c = load();
	char *u;

	u = message_lead_url(c, "01JD", "901");
	ck_assert_str_eq(u, "https://leads.example.com/v1/leads/01JD");
	free(u);
	free(c->notify.lead_url);
	c->notify.lead_url = strdup("https://crm.example.com/contacts/{crm_id}?lead={id}");
	u = message_lead_url(c, "01JD", "9 0/1");
	ck_assert_str_eq(u, "https://crm.example.com/contacts/9%200%2F1?lead=01JD");
	free(u);
	/* No CRM id yet: the daemon's own page. */
	u = message_lead_url(c, "01JD", NULL);
	ck_assert_str_eq(u, "https://leads.example.com/v1/leads/01JD");
	free(u);
	conf_unref(c);
}
END_TEST

Suite *
message_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_message_why);
	tcase_add_test(tc, test_message_slack_assigned);
	tcase_add_test(tc, test_message_escalation_has_context);
	tcase_add_test(tc, test_message_mail);
	tcase_add_test(tc, test_message_slack_re_engaged);
	tcase_add_test(tc, test_message_mail_re_engaged);
	tcase_add_test(tc, test_message_top_reasons);
	tcase_add_test(tc, test_message_lead_url);
	suite_add_tcase(s, tc);
	return s;
}
