/*
 * slack_interactions.c — POST /v1/integrations/slack/interactions: a rep's
 * click in a lead message (Accept, Reject with a reason, Log call, Log
 * email), as Slack sends it (docs/notifications.md, "Acting from Slack").
 *
 * The request is Slack's only when its v0 signature checks out with the
 * app's signing secret, within five minutes; the Slack user must be a rep of
 * the config (slack_user). The action then goes through the same lifecycle
 * code as the API (engine/lifecycle.c), idempotent on the click (Slack's
 * action_ts: a retried delivery changes nothing). Slack gets its 200 as soon
 * as the action is recorded; the message is then updated through its
 * response_url to say what was done and by whom — or why nothing was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "leadroute/form.h"
#include "leadroute/message.h"
#include "leadroute/slack.h"
#include "leadroute/tstamp.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/lifecycle.h"
#include "io/log.h"
#include "io/outbound.h"
#include "io/sysutil.h"
#include "server.h"

#define UPDATE_TIMEOUT_MS	5000

/* A click on its way through the lifecycle, then to the message's update. */
struct slack_click {
	struct http_request	*req;
	struct server		*srv;
	struct conf		*conf;
	const struct conf_rep	*rep;
	char			*user;
	char			*lead;
	char			*action_id;
	char			*reason;	/* reject: the code chosen */
	char			*response_url;
	json_t			*blocks;	/* the message as Slack showed it */
};

/* A message update on its way to Slack (outlives the request). */
struct slack_update {
	TAILQ_ENTRY(slack_update) entry;
	struct outbound_req	*req;
	char			*body;
	char			*lead;
};

/* Updates under way, for api_slack_abort_updates. */
static TAILQ_HEAD(, slack_update) slack_updates = TAILQ_HEAD_INITIALIZER(slack_updates);

static void
slack_update_free(struct slack_update *u)
{
	free(u->body);
	free(u->lead);
	free(u);
}

void
api_slack_abort_updates(void)
{
	struct slack_update *u;

	while ((u = TAILQ_FIRST(&slack_updates)) != NULL) {
		TAILQ_REMOVE(&slack_updates, u, entry);
		outbound_cancel(u->req);
		slack_update_free(u);
	}
}

/* Slack's 200: the click is taken (the body is not read for block_actions). */
static void
slack_ok(struct http_request *req)
{
	http_respond_text(req, 200, "text/plain", xstrdup(""), 0);
}

static void
click_free(struct slack_click *c)
{
	conf_unref(c->conf);
	free(c->user);
	free(c->lead);
	free(c->action_id);
	free(c->reason);
	free(c->response_url);
	json_decref(c->blocks);
	free(c);
}

static void
slack_on_updated(const struct outbound_result *res, void *arg)
{
	struct slack_update *u = arg;
	char q[256];

	TAILQ_REMOVE(&slack_updates, u, entry);
	if (!res->ok)
		log_warn("slack_update_failed", "lead=%s error=%s", u->lead,
		    log_quote(res->error != NULL ? res->error : "?", q, sizeof(q)));
	slack_update_free(u);
}

/*
 * A response_url is Slack's (hooks.slack.com) or, for a test stand-in,
 * on the host notify.slack.api_url names: nowhere else gets a POST.
 */
static int
slack_url_allowed(const struct conf *conf, const char *url)
{
	const char *api = conf->notify.slack.api_url, *host;
	size_t n;

	if (strncmp(url, "https://hooks.slack.com/", 24) == 0)
		return 1;
	if (api == NULL || (host = strstr(api, "://")) == NULL)
		return 0;
	n = (size_t)(host + 3 - api) + strcspn(host + 3, "/");
	return strncmp(url, api, n) == 0 && url[n] == '/';
}

/* POST body to the click's response_url (taken over). */
static void
slack_respond(struct slack_click *c, json_t *body)
{
	struct slack_update *u;
	char q[160];

	if (!slack_url_allowed(c->conf, c->response_url)) {
		log_warn("slack_update_refused", "lead=%s response_url=%s", c->lead != NULL ?
		    c->lead : "-", log_quote(c->response_url, q, sizeof(q)));
		json_decref(body);
		return;
	}
	u = xcalloc(1, sizeof(*u));
	u->body = json_dumps(body, JSON_COMPACT);
	u->lead = xstrdup(c->lead != NULL ? c->lead : "-");
	json_decref(body);
	u->req = outbound_slack(c->srv->outbound, c->response_url, NULL, NULL, u->body,
	    strlen(u->body), UPDATE_TIMEOUT_MS, slack_on_updated, u);
	if (u->req == NULL)
		slack_update_free(u);
	else
		TAILQ_INSERT_TAIL(&slack_updates, u, entry);
}

/* A note only the clicker sees, the message left as it is. */
static void
slack_tell_user(struct slack_click *c, const char *text)
{
	slack_respond(c, json_pack("{s:s, s:b, s:s}", "response_type", "ephemeral",
	    "replace_original", 0, "text", text));
}

/* "16:02 (Europe/Berlin)": now in the rep's own time. */
static void
slack_now(const struct conf_rep *rep, char *out, size_t len)
{
	int64_t now = sys_now_ms();
	struct tz_civil civ;

	if (rep != NULL && rep->calendar != NULL) {
		tz_civil(rep->calendar->zone, now, &civ);
		snprintf(out, len, "%02d:%02d (%s)", civ.hour, civ.minute,
		    tz_name(rep->calendar->zone));
	} else {
		char ts[TSTAMP_LEN];

		tstamp_format(now, ts);
		snprintf(out, len, "%.5s (UTC)", ts + 11);
	}
}

/*
 * The message again, with what happened said under it: the actions row
 * keeps only what still makes sense (after an accept, the touches; after a
 * reject or for someone else's lead, the link alone).
 */
static void
slack_update_message(struct slack_click *c, const char *said, int keep_decisions, int keep_touches)
{
	json_t *blocks = json_array(), *b, *els, *e, *kept;
	size_t i, k;

	json_array_foreach(c->blocks, i, b) {
		const char *type = json_string_value(json_object_get(b, "type"));

		if (type == NULL || strcmp(type, "actions") != 0) {
			json_array_append(blocks, b);
			continue;
		}
		els = json_object_get(b, "elements");
		kept = json_array();
		json_array_foreach(els, k, e) {
			const char *id = json_string_value(json_object_get(e, "action_id"));

			if (id == NULL)
				continue;
			if ((strcmp(id, MESSAGE_ACT_ACCEPT) == 0 || strcmp(id, MESSAGE_ACT_REJECT) == 0) &&
			    !keep_decisions)
				continue;
			if ((strcmp(id, MESSAGE_ACT_CALL) == 0 || strcmp(id, MESSAGE_ACT_EMAIL) == 0) &&
			    !keep_touches)
				continue;
			json_array_append(kept, e);
		}
		if (json_array_size(kept) > 0) {
			json_t *copy = json_copy(b);

			json_object_set_new(copy, "elements", kept);
			/* Below what was said, as the last row. */
			json_array_append_new(blocks, json_pack("{s:s, s:[{s:s, s:s}]}", "type",
			    "context", "elements", "type", "mrkdwn", "text", said));
			json_array_append_new(blocks, copy);
			said = NULL;
		} else {
			json_decref(kept);
		}
	}
	if (said != NULL)
		json_array_append_new(blocks, json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
		    "elements", "type", "mrkdwn", "text", said));
	/* Slack allows 50 blocks: the oldest notes go first. */
	while (json_array_size(blocks) > 50)
		json_array_remove(blocks, 2);
	slack_respond(c, json_pack("{s:b, s:s, s:o}", "replace_original", 1, "text", said != NULL ?
	    said : "Lead updated", "blocks", blocks));
}

/* The reason's label, as the config writes it. */
static const char *
slack_reason_label(const struct conf *conf, const char *code)
{
	const struct conf_reason *r = code != NULL ? conf_find_reason(conf->lifecycle.reject,
	    conf->lifecycle.nreject, code) : NULL;

	return r != NULL && r->label != NULL ? r->label : code != NULL ? code : "?";
}

/* The action is recorded (or refused): answer Slack, then update the message. */
static void
slack_on_lifecycle(void *arg, const struct lifecycle_outcome *o)
{
	struct slack_click *c = arg;
	const char *who = c->rep->id;
	char when[64], said[512], at[TSTAMP_LEN];
	int decide = 1, touch = 1;

	slack_now(c->rep, when, sizeof(when));
	switch (o->status) {
	case LIFECYCLE_DONE:
		if (o->action == LIFECYCLE_ACCEPT) {
			snprintf(said, sizeof(said), ":white_check_mark: Accepted by %s at %s", who, when);
			decide = 0;
		} else if (o->action == LIFECYCLE_REJECT) {
			snprintf(said, sizeof(said), ":no_entry_sign: Rejected by %s at %s: %s", who, when,
			    slack_reason_label(c->conf, c->reason));
			decide = touch = 0;
		} else {
			snprintf(said, sizeof(said), ":telephone_receiver: %s logged by %s at %s",
			    strcmp(c->action_id, MESSAGE_ACT_CALL) == 0 ? "Call" : "Email", who, when);
		}
		break;
	case LIFECYCLE_REPLAYED:
	case LIFECYCLE_IDEM_REUSED:
		/* Slack delivered the same click again: it was recorded once. */
		slack_ok(c->req);
		click_free(c);
		return;
	case LIFECYCLE_NOT_OWNER:
		snprintf(said, sizeof(said), ":warning: Nothing done: this lead belongs to %s now",
		    o->owner != NULL ? o->owner : "someone else");
		decide = touch = 0;
		break;
	case LIFECYCLE_STAGE_CONFLICT:
		if (o->stage_at > 0)
			tstamp_format(o->stage_at, at);
		snprintf(said, sizeof(said), ":information_source: Nothing done: the lead is %s already"
		    "%s%.*s%s%s", o->stage != NULL ? o->stage : "past that",
		    o->stage_at > 0 ? " since " : "", o->stage_at > 0 ? 16 : 0, at,
		    o->stage_by != NULL ? " by " : "", o->stage_by != NULL ? o->stage_by : "");
		decide = 0;
		break;
	case LIFECYCLE_UNAVAILABLE:
		/* Not recorded: Slack retries what is not answered 200 in time. */
		api_respond_unavailable(c->req, o->message);
		click_free(c);
		return;
	default:
		snprintf(said, sizeof(said), ":warning: Nothing done: %s", o->message != NULL ?
		    o->message : "the lead cannot take this action");
		break;
	}
	log_info("slack_action", "lead=%s rep=%s action=%s result=%s", c->lead, who, c->action_id,
	    o->status == LIFECYCLE_DONE ? "done" : "refused");
	slack_ok(c->req);
	slack_update_message(c, said, decide, touch);
	click_free(c);
}

/* The parts of the payload the update needs (the message's blocks). */
static json_t *
slack_payload_blocks(const char *body, size_t len)
{
	char *cause = NULL;
	json_t *form = form_parse(body, len, 16, &cause), *p, *blocks;

	free(cause);
	p = form != NULL ? json_loads(json_string_value(json_object_get(form, "payload")) != NULL ?
	    json_string_value(json_object_get(form, "payload")) : "", 0, NULL) : NULL;
	blocks = json_object_get(json_object_get(p, "message"), "blocks");
	blocks = json_is_array(blocks) ? json_incref(blocks) : json_array();
	json_decref(p);
	json_decref(form);
	return blocks;
}

void
api_post_slack_interaction(struct http_request *req)
{
	struct conf *conf = http_request_conf(req);
	struct slack_action a = { 0 };
	struct lifecycle_req lr = { 0 };
	struct slack_click *c;
	const char *body, *why = NULL;
	size_t len;
	char *idem, *value;
	int rc;

	if (conf->notify.slack.signing_secret == NULL) {
		http_respond_error(req, 404, "not_configured", NULL,
		    "Slack interactions need notify.slack.signing_secret");
		return;
	}
	body = http_request_body(req, &len);
	if (slack_verify(conf->notify.slack.signing_secret, conf->notify.slack.signing_secret_len,
	    http_request_header(req, "X-Slack-Request-Timestamp"),
	    http_request_header(req, "X-Slack-Signature"), body != NULL ? body : "", len,
	    sys_now_ms() / 1000, &why) == -1) {
		log_warn("slack_refused", "peer=%s why=\"%s\"", http_request_peer(req), why);
		http_respond_error(req, 401, "bad_signature", NULL, "%s", why);
		return;
	}
	rc = slack_interaction_parse(body, len, &a, &why);
	if (rc == SLACK_UNSUPPORTED) {
		slack_ok(req);	/* not ours to act on */
		slack_action_free(&a);
		return;
	}
	if (rc == -1) {
		http_respond_error(req, 400, "bad_payload", NULL, "%s", why);
		slack_action_free(&a);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->req = req;
	c->srv = http_request_ctx(req);
	c->conf = conf_ref(conf);
	c->user = xstrdup(a.user_id);
	c->action_id = xstrdup(a.action_id);
	c->response_url = xstrdup(a.response_url);
	c->blocks = slack_payload_blocks(body, len);
	/* The block is "lr:<lead>": the lead a message is about, whatever was clicked in it. */
	if (strncmp(a.block_id, "lr:", 3) == 0)
		c->lead = xstrdup(a.block_id + 3);
	/* One click, one action: Slack's retries of it carry the same action_ts. */
	idem = xasprintf("slack:%s:%s", c->user, a.action_ts);
	value = a.value != NULL ? xstrdup(a.value) : NULL;
	slack_action_free(&a);
	if (strcmp(c->action_id, MESSAGE_ACT_OPEN) == 0) {
		slack_ok(req);	/* a link: the browser opened it */
		goto done;
	}
	/* Answered 200 so Slack does not retry; the clicker is told why. */
	if ((c->rep = conf_find_slack_user(conf, c->user)) == NULL) {
		log_warn("slack_refused", "user=%s why=\"not a rep\"", c->user);
		slack_ok(req);
		slack_tell_user(c, "Nothing done: your Slack user is not a rep of leadroute "
		    "(slack_user in its config).");
		goto done;
	}
	lr.lead = c->lead;
	lr.rep = c->rep->id;
	if (strcmp(c->action_id, MESSAGE_ACT_ACCEPT) == 0) {
		lr.action = LIFECYCLE_ACCEPT;
	} else if (strcmp(c->action_id, MESSAGE_ACT_REJECT) == 0) {
		lr.action = LIFECYCLE_REJECT;
		c->reason = value != NULL ? value : xstrdup("");
		value = NULL;
		lr.reason = c->reason;
	} else if (strcmp(c->action_id, MESSAGE_ACT_CALL) == 0 ||
	    strcmp(c->action_id, MESSAGE_ACT_EMAIL) == 0) {
		lr.action = LIFECYCLE_TOUCH;
		lr.channel = strcmp(c->action_id, MESSAGE_ACT_CALL) == 0 ? "call" : "email";
	} else {
		c->lead = c->lead != NULL ? c->lead : xstrdup("-");
		slack_ok(req);
		slack_tell_user(c, "Nothing done: leadroute does not know this action.");
		goto done;
	}
	if (c->lead == NULL) {
		slack_ok(req);
		c->lead = xstrdup("-");
		slack_tell_user(c, "Nothing done: this message names no lead.");
		goto done;
	}
	lr.idem = idem;
	lifecycle_run(c->srv, conf, &lr, slack_on_lifecycle, c);
	c = NULL;	/* the callback frees it */
done:
	if (c != NULL)
		click_free(c);
	free(idem);
	free(value);
}
