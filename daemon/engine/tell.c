/*
 * tell.c — who is told of an event, and what they read (docs/notifications.md,
 * "Rep messages"). Two kinds of events reach people: a lead given to a rep,
 * or its person back (lead.assigned, lead.reassigned, lead.re_engaged: the
 * built-in subscription "reps" reads them from the event stream, see subs.c)
 * and the outbox's jobs (reminders, escalations, see notify.c). Both are
 * composed here for the target's channel: Block Kit for Slack, text and HTML
 * for email, the JSON envelope for webhooks. A message is composed once, as
 * "<target id>\n<payload>", and every attempt sends those bytes (courier.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/message.h"
#include "leadroute/review.h"
#include "leadroute/util.h"

#include "engine/event_body.h"
#include "engine/tell.h"

int
tell_shows_lead(const struct conf_notify_target *t)
{
	return t->channel != CHANNEL_WEBHOOK || t->format == NOTIFY_FORMAT_SLACK;
}

const struct tz_zone *
tell_zone(const struct conf *conf, const char *owner, const char *pool_id)
{
	const struct conf_rep *rep = owner != NULL && *owner ? conf_find_rep(conf, owner) : NULL;
	const struct conf_pool *pool = pool_id != NULL && *pool_id ?
	    conf_find_pool(conf, pool_id) : NULL;

	if (rep != NULL && rep->calendar != NULL)
		return rep->calendar->zone;
	return pool != NULL && pool->calendar != NULL ? pool->calendar->zone : NULL;
}

/* "<target id>\n" and the payload of in for t; malloc'd. */
static char *
tell_compose(const struct conf_notify_target *t, struct message_in *in, size_t *len)
{
	const struct conf *conf = in->conf;
	struct message_mail mail;
	json_t *msg;
	char *payload, *out;

	if (t->channel == CHANNEL_EMAIL) {
		in->actions = in->actions && conf->notify.links.nkeys > 0;
		if (message_mail(in, &mail) == -1)
			return NULL;
		msg = json_pack("{s:s, s:s, s:s, s:s}", "to", t->to, "subject", mail.subject,
		    "text", mail.text, "html", mail.html);
		message_mail_clear(&mail);
	} else {
		/* Buttons answer only where Slack can reach us, signed. */
		in->actions = in->actions && conf->notify.slack.signing_secret != NULL;
		msg = message_slack(in);
		if (t->channel == CHANNEL_SLACK) {
			json_object_set_new(msg, "channel", json_string(t->to));
			json_object_set_new(msg, "unfurl_links", json_false());
			json_object_set_new(msg, "unfurl_media", json_false());
		}
	}
	payload = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(msg);
	out = xasprintf("%s\n%s", t->id, payload);
	free(payload);
	*len = strlen(out);
	return out;
}

/*
 * What the person did this time, beside what the lead says of itself (its
 * event, source and score): named as subscribers read them (event_body.c).
 */
static void
tell_new_members(json_t *data, const json_t *entry)
{
	const char *ev = json_string_value(json_object_get(entry, "event"));
	const char *src = json_string_value(json_object_get(entry, "source"));
	const char *score = json_string_value(json_object_get(entry, "score"));
	long long pts;
	char *end;

	if (ev != NULL && *ev != '\0')
		json_object_set_new(data, "new_event", json_string(ev));
	if (src != NULL && *src != '\0')
		json_object_set_new(data, "new_source", json_string(src));
	if (score != NULL && *score != '\0') {
		pts = strtoll(score, &end, 10);
		if (*end == '\0')
			json_object_set_new(data, "new_score", json_integer(pts));
	}
}

char *
tell_rep_event(const struct conf *conf, const struct conf_subscription *s, enum sub_event type,
    const char *eid, const json_t *entry, struct lead_snap *lead, size_t *len)
{
	const char *rep_id = json_string_value(json_object_get(entry, "rep"));
	const char *owner = event_lead_owner(lead);
	const char *at = json_string_value(json_object_get(entry, "at"));
	const struct conf_rep *rep = rep_id != NULL && *rep_id != '\0' ?
	    conf_find_rep(conf, rep_id) : NULL;
	const struct conf_notify_target *t;
	/* restarts: the clocks of that start event began again (re_engaged). */
	static const char *const members[] = { "lead", "rep", "from", "restarts" };
	const struct conf_pool *pool;
	struct message_in in = { 0 };
	json_t *data, *v;
	char *body, *out;
	size_t n, i;

	/*
	 * Quiet by design: a lead that has moved on since is told to its new
	 * owner only; one without an owner (queued, nurtured) to nobody.
	 */
	if (rep == NULL || lead == NULL || !lead->exists || owner == NULL ||
	    strcmp(owner, rep_id) != 0)
		return NULL;
	/*
	 * A lead held in nurture that this very event made routable went to its
	 * owner in the same step: its lead.assigned tells them, once.
	 */
	if (type == SUB_LEAD_RE_ENGAGED && at != NULL &&
	    event_lead_assigned_at(lead) == strtoll(at, NULL, 10))
		return NULL;
	/* The lead as it is now, and the event's own members (not the subscribers' body: cheaper). */
	data = event_lead_object(conf, lead);
	json_object_set_new(data, "event_id", json_string(eid));
	for (i = 0; i < LR_NELEM(members); i++)
		if ((v = json_object_get(entry, members[i])) != NULL)
			json_object_set(data, members[i], v);
	if (type == SUB_LEAD_RE_ENGAGED)
		tell_new_members(data, entry);
	pool = conf_find_pool(conf, json_string_value(json_object_get(data, "pool")) != NULL ?
	    json_string_value(json_object_get(data, "pool")) : "");
	if ((t = conf_rep_target(conf, rep, pool)) == NULL) {
		json_decref(data);
		return NULL;
	}
	if (!tell_shows_lead(t)) {
		/* A rep's webhook gets the event as subscribers do. */
		json_decref(data);
		body = event_body(conf, s, type, eid, entry, lead, &n);
		out = xasprintf("%s\n%s", t->id, body);
		free(body);
		*len = strlen(out);
		return out;
	}
	in.conf = conf;
	in.type = sub_event_name(type);
	in.data = data;
	/* When it happened by the scripts' clock, the clocks' own (a stream id is Redis's). */
	in.at_ms = at != NULL ? strtoll(at, NULL, 10) : 0;
	if (in.at_ms <= 0)
		in.at_ms = strtoll(eid, NULL, 10);
	in.trace = event_lead_trace(lead);
	in.reader = t == rep->notify ? rep : NULL;
	in.zone = tell_zone(conf, rep != NULL ? rep->id : NULL, pool != NULL ? pool->id : NULL);
	in.actions = 1;
	in.now_ms = in.at_ms;
	out = tell_compose(t, &in, len);
	json_decref(data);
	return out;
}

/* A review digest for its channel: Block Kit for Slack, text and HTML for email. */
static char *
tell_review(const struct conf_notify_target *t, const json_t *digest, size_t *len)
{
	struct message_mail mail;
	json_t *msg;
	char *payload, *out;

	if (t->channel == CHANNEL_EMAIL) {
		review_mail(digest, &mail);
		msg = json_pack("{s:s, s:s, s:s, s:s}", "to", t->to, "subject", mail.subject,
		    "text", mail.text, "html", mail.html);
		message_mail_clear(&mail);
	} else {
		msg = review_slack(digest);
		if (t->channel == CHANNEL_SLACK) {
			json_object_set_new(msg, "channel", json_string(t->to));
			json_object_set_new(msg, "unfurl_links", json_false());
			json_object_set_new(msg, "unfurl_media", json_false());
		}
	}
	payload = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(msg);
	out = xasprintf("%s\n%s", t->id, payload);
	free(payload);
	*len = strlen(out);
	return out;
}

char *
tell_job(const struct conf *conf, const struct conf_notify_target *t, const json_t *event,
    struct lead_snap *lead, size_t *len, int64_t now_ms)
{
	const json_t *jdata = json_object_get(event, "data");
	const char *type = json_string_value(json_object_get(event, "type"));
	const char *owner = json_string_value(json_object_get(jdata, "owner"));
	const char *recipient = json_string_value(json_object_get(jdata, "recipient"));
	const struct conf_rep *rep = owner != NULL && *owner ? conf_find_rep(conf, owner) : NULL;
	const struct conf_pool *pool;
	struct message_in in = { 0 };
	json_t *data;
	char *out;

	if (type == NULL || !json_is_object(jdata))
		return NULL;
	if (strcmp(type, REVIEW_EVENT) == 0)
		return tell_review(t, jdata, len);
	pool = conf_find_pool(conf, json_string_value(json_object_get(jdata, "pool")) != NULL ?
	    json_string_value(json_object_get(jdata, "pool")) : "");
	/* The lead as it is now, and the event's own members over it. */
	data = event_lead_object(conf, lead);
	json_object_update(data, (json_t *)jdata);
	in.conf = conf;
	in.type = type;
	in.data = data;
	in.at_ms = (int64_t)json_number_value(json_object_get(event, "at"));
	in.trace = event_lead_trace(lead);
	/* The owner reads it as theirs only in their own channel. */
	in.reader = recipient != NULL && strcmp(recipient, "owner") == 0 && rep != NULL &&
	    t == rep->notify ? rep : NULL;
	in.zone = tell_zone(conf, rep != NULL ? rep->id : NULL, pool != NULL ? pool->id : NULL);
	in.actions = in.reader != NULL && message_for_rep(type);
	in.now_ms = now_ms;
	out = tell_compose(t, &in, len);
	json_decref(data);
	return out;
}
