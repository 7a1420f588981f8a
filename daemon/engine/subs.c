/*
 * subs.c — event subscriptions (docs/notifications.md, "Event subscriptions").
 *
 * The event stream P:events already holds every event, so routing writes
 * nothing more for subscribers: each subscription is a consumer group on the
 * stream ("sub:<id>"), and every daemon is a consumer of each group. A
 * first attempt goes straight from the stream entry (acknowledged in
 * batches once delivered); a failed one moves, as the exact bytes sent, into
 * the subscription's retry set in the same step that acknowledges it
 * (sub_settle.lua), and is retried from there like the notification outbox
 * (sub_lease.lua). An entry a daemon read and never settled stays pending in
 * the group: this daemon re-reads its own at start, and any daemon claims
 * entries pending too long (XAUTOCLAIM). So delivery is at least once, and
 * every attempt of an event carries the same webhook-id and body.
 *
 * A daemon reads no more entries than it has room to send, so nothing waits
 * in memory long enough to be claimed by another daemon while it is still
 * on its way here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "leadroute/util.h"
#include "leadroute/webhook.h"

#include "engine/courier.h"
#include "engine/crm.h"
#include "engine/event_body.h"
#include "engine/lead_snap.h"
#include "engine/subs.h"
#include "engine/tell.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/outbound.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define SUBS_TICK_MS		100	/* look for new events at least this often */
#define SUBS_KICK_MS		5	/* after a kick: soon, and in batches */
#define SUBS_STATE_EVERY_MS	1000	/* re-read paused and held */
#define SUBS_CLAIM_EVERY_MS	5000	/* look for entries other daemons left */
#define SUBS_CLAIM_SLACK_MS	10000	/* pending this much past an attempt's end: left */
#define SUBS_PURGE_EVERY_MS	(3600 * 1000)
#define SUBS_OK_EVERY_MS	1000	/* last_success_at written at most this often */
#define SUBS_ACK_DELAY_MS	5
#define SUBS_MAX_HOLD_MS	(3600 * 1000)	/* a Retry-After holds a subscription at most this long */
#define SUBS_READ_AHEAD_MIN	64	/* events read ahead of sending, at least */
#define SUBS_READ_AHEAD_MAX	1024

struct sub;

/* One event on its way to one subscription. */
struct sub_job {
	TAILQ_ENTRY(sub_job)	 entry;		/* in the subscription's jobs */
	TAILQ_ENTRY(sub_job)	 ready_entry;	/* built, waiting for a request slot */
	struct sub		*s;
	char			*eid;		/* the stream entry's id */
	enum sub_event		 type;
	json_t			*fields;	/* the stream entry's fields (NULL: from the retry set) */
	int			 from_stream;	/* a first attempt (else leased from the retry set) */
	int64_t			 attempt;
	char			*body;
	size_t			 len;
	struct outbound_req	*req;
	struct crm_call		*crm;		/* a CRM connector's delivery under way */
	int			 queued;	/* in ready */
};

/* One subscription's delivery in this daemon. */
struct sub {
	struct subs		*subs;
	char			*id;
	char			*group;		/* sub:<id> */
	int			 active;	/* in the running config */
	int			 group_ready;	/* its consumer group exists */
	int			 creating, reading, leasing, claiming, stating;
	int			 own_read;	/* this daemon's pending entries were re-read */
	int			 held;		/* jobs between their read and their end */
	int			 sending;	/* of those, requests under way (at most max_in_flight) */
	TAILQ_HEAD(, sub_job)	 ready;		/* built, waiting for a slot */
	int			 paused;
	int			 failing;	/* the next success clears failing_since */
	int64_t			 hold_until;
	int64_t			 next_retry_at;	/* earliest due retry (ms); 0: look */
	int64_t			 last_state_ms, last_claim_ms, last_ok_ms, last_purge_ms;
	char			 claim_cursor[48];
	struct store_args	 acks;		/* XACK … ids to send */
	size_t			 nacks;
	TAILQ_HEAD(, sub_job)	 jobs;
};

struct subs {
	struct server		*srv;
	struct sub		**list;
	size_t			 n;
	struct event		*timer;
	struct event		*ack_timer;
	char			*consumer;
	char			*k_events;
	int			 running;
	int			 kicked;	/* a wake within SUBS_KICK_MS is armed */
};

static void subs_arm(struct subs *subs, int64_t ms);
static void sub_job_end(struct sub_job *job);

static const struct conf_subscription *
sub_conf(const struct sub *s)
{
	return s->active ? conf_find_subscription(s->subs->srv->conf, s->id) : NULL;
}


/* Acknowledge entries the subscription is done with, in one XACK per turn. */
static void
sub_ack(struct sub *s, const char *eid)
{
	if (s->nacks == 0) {
		struct timeval tv = sys_timeval_ms(SUBS_ACK_DELAY_MS);

		store_args_add(&s->acks, "XACK");
		store_args_add(&s->acks, s->subs->k_events);
		store_args_add(&s->acks, s->group);
		if (!evtimer_pending(s->subs->ack_timer, NULL))
			evtimer_add(s->subs->ack_timer, &tv);
	}
	store_args_add(&s->acks, eid);
	s->nacks++;
}

static void
subs_on_acked(const struct store_reply *reply, void *arg)
{
	char q[256];

	/* Unacknowledged entries are delivered again later: at least once. */
	if (reply->err != NULL)
		log_warn("subscription_ack_failed", "error=%s", log_quote(reply->err, q, sizeof(q)));
}

static void
subs_flush_acks(struct subs *subs)
{
	size_t i;

	for (i = 0; i < subs->n; i++) {
		struct sub *s = subs->list[i];
		struct store_args a;

		if (s->nacks == 0)
			continue;
		a = s->acks;
		memset(&s->acks, 0, sizeof(s->acks));
		s->nacks = 0;
		if (store_command(subs->srv->store, "XACK", &a, subs_on_acked, NULL) == -1)
			log_debug("subscription_ack_deferred", "subscription=%s", s->id);
	}
}

static void
subs_on_ack_timer(evutil_socket_t fd, short what, void *arg)
{
	subs_flush_acks(arg);
}

static void
sub_job_free(struct sub_job *job)
{
	json_decref(job->fields);
	free(job->eid);
	free(job->body);
	free(job);
}

static void
sub_on_settled(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	const char *result = json_string_value(json_object_get(reply->json, "result"));
	char q[256];

	if (reply->err != NULL) {
		log_warn("subscription_settle_failed", "subscription=%s error=%s", s->id,
		    log_quote(reply->err, q, sizeof(q)));
		return;
	}
	if (result != NULL && strcmp(result, "paused") == 0) {
		const struct conf_subscription *c = sub_conf(s);

		s->paused = 1;
		metrics_set_label(METRIC_LABEL_SUB_PAUSED, s->id, 1);
		log_error("subscription_paused", "subscription=%s failing_since_ms=%" PRId64
		    " pause_after_ms=%" PRId64 " note=\"no more attempts until POST "
		    "/v1/subscriptions/%s/resume\"", s->id,
		    (int64_t)json_number_value(json_object_get(reply->json, "failing_since")),
		    c != NULL ? c->pause_after_ms : 0, s->id);
	}
}

/* Record an outcome with sub_settle.lua (see there for the arguments). */
static void
sub_settle(struct sub *s, const char *outcome, const struct sub_job *job, int64_t due_ms,
    const char *err, int64_t hold_until)
{
	const struct conf_subscription *c = sub_conf(s);
	struct store_args a = { 0 };

	store_args_add(&a, s->id);
	store_args_add(&a, s->group);
	store_args_add(&a, outcome);
	store_args_add(&a, job != NULL ? job->eid : "");
	store_args_add(&a, job != NULL && job->from_stream ? "1" : "0");
	store_args_add(&a, job != NULL ? sub_event_name(job->type) : "");
	if (job != NULL && job->from_stream && job->body != NULL)
		store_args_addn(&a, job->body, job->len);
	else
		store_args_add(&a, "");
	store_args_add_int(&a, job != NULL ? job->attempt : 0);
	store_args_add_int(&a, due_ms);
	store_args_add(&a, err != NULL ? err : "");
	store_args_add_int(&a, c != NULL ? c->pause_after_ms : INT64_MAX / 2);
	store_args_add_int(&a, hold_until);
	if (store_eval(s->subs->srv->store, SCRIPT_SUB_SETTLE, sys_now_ms(), &a, sub_on_settled,
	    s) == -1)
		log_warn("subscription_settle_failed", "subscription=%s error=unavailable", s->id);
}

/* An attempt ended. */
static void
sub_on_answer(const struct outbound_result *res, void *arg)
{
	struct sub_job *job = arg;
	struct sub *s = job->s;
	const struct conf *conf = s->subs->srv->conf;
	const struct conf_subscription *c = sub_conf(s);
	int64_t now = sys_now_ms(), delay, hold = 0;
	char q[512], *err;
	int dead;

	job->req = NULL;
	job->crm = NULL;
	s->sending--;
	if (res->ok) {
		metrics_inc_label(METRIC_LABEL_SUB_DELIVERED, s->id, 1);
		log_debug("subscription_delivered", "subscription=%s event_id=%s attempt=%" PRId64
		    " status=%ld ms=%" PRId64, s->id, job->eid, job->attempt, res->status, res->ms);
		if (!job->from_stream) {
			sub_settle(s, "delivered", job, 0, NULL, 0);
			s->last_ok_ms = now;
		} else {
			sub_ack(s, job->eid);
			if (s->failing || now - s->last_ok_ms >= SUBS_OK_EVERY_MS) {
				sub_settle(s, "ok", NULL, 0, NULL, 0);
				s->last_ok_ms = now;
			}
		}
		s->failing = 0;
		sub_job_end(job);
		return;
	}
	s->failing = 1;
	/*
	 * A refusal for good (the courier's verdict on Slack's and SMTP's
	 * answers, the CRM's), or a subscriber's 4xx for this event: no retry
	 * changes it. A CRM's rate limit is no failure of the event: it waits,
	 * however long, and is never dropped for it.
	 */
	dead = res->permanent || (c != NULL && !c->reps && c->crm == NULL &&
	    courier_http_permanent(res)) ||
	    (c != NULL && c->crm == NULL && res->answered &&
	    res->status == 410) ||	/* Gone: the receiver asks us to stop */
	    (c != NULL && (uint64_t)job->attempt >= c->attempts && !res->limited);
	delay = webhook_backoff_ms(conf->notify.backoff_ms, conf->notify.max_backoff_ms,
	    (uint64_t)job->attempt, (uint32_t)random());
	/* 429 and 503 with Retry-After, a CRM's limit: the receiver is overloaded, not this event. */
	if (res->retry_after_ms > 0 && (res->status == 429 || res->status == 503 || res->limited)) {
		hold = now + (res->retry_after_ms < SUBS_MAX_HOLD_MS ? res->retry_after_ms :
		    SUBS_MAX_HOLD_MS);
		if (hold > s->hold_until)
			s->hold_until = hold;
		if (hold - now > delay)
			delay = hold - now;
	}
	err = res->answer != NULL && res->answer[0] != '\0' ?
	    xasprintf("%s: %s", res->error, res->answer) : xstrdup(res->error);
	log_quote(err, q, sizeof(q));
	if (dead) {
		metrics_inc_label(METRIC_LABEL_SUB_DEAD, s->id, 1);
		log_warn("subscription_failed", "subscription=%s event_id=%s type=%s attempt=%" PRId64
		    " error=%s ms=%" PRId64 " next=dead_letter", s->id, job->eid,
		    sub_event_name(job->type), job->attempt, q, res->ms);
		sub_settle(s, "dead", job, 0, err, hold);
	} else {
		metrics_inc_label(METRIC_LABEL_SUB_RETRIED, s->id, 1);
		log_warn("subscription_failed", "subscription=%s event_id=%s type=%s attempt=%" PRId64
		    " error=%s ms=%" PRId64 " next=retry retry_in_ms=%" PRId64, s->id, job->eid,
		    sub_event_name(job->type), job->attempt, q, res->ms, delay);
		sub_settle(s, "retry", job, now + delay, err, hold);
		if (s->next_retry_at == 0 || now + delay < s->next_retry_at)
			s->next_retry_at = now + delay;
	}
	free(err);
	sub_job_end(job);
}

/* A rep message: to the target it was composed for, over its channel. */
static void
sub_post_rep(struct sub_job *job)
{
	struct server *srv = job->s->subs->srv;
	const struct conf_notify_target *t;
	const char *payload, *why = NULL;
	size_t plen;

	t = courier_target(srv->conf, job->body, job->len, &payload, &plen);
	if (t == NULL)
		why = "its target is not in the config any more";
	else
		job->req = courier_send(srv, t, job->eid, payload, plen, sub_on_answer, job, &why);
	if (job->req == NULL) {
		struct outbound_result res = { 0 };

		res.error = why;
		res.permanent = t == NULL;
		sub_on_answer(&res, job);
	}
}

/* POST the job's body, signed with every secret of the subscription. */
static void
sub_post(struct sub_job *job, const struct conf_subscription *c)
{
	const struct conf *conf = job->s->subs->srv->conf;
	struct curl_slist *headers;

	job->s->sending++;
	if (c->reps) {
		sub_post_rep(job);
		return;
	}
	if (c->crm != NULL) {
		/* The body is the lead's id: what is written is read at each attempt. */
		job->crm = crm_deliver(job->s->subs->srv, c->crm, job->body, sub_on_answer, job);
		if (job->crm == NULL) {
			struct outbound_result res = { 0 };

			res.error = "Redis is unavailable";
			sub_on_answer(&res, job);
		}
		return;
	}
	headers = outbound_webhook_headers(conf->redis.prefix, job->eid, sys_now_ms() / 1000,
	    c->secrets, c->secret_lens, c->nsecrets, job->body, job->len);
	job->req = outbound_post(job->s->subs->srv->outbound, c->url, headers, job->body, job->len,
	    conf->notify.timeout_ms, sub_on_answer, job);
	if (job->req == NULL) {
		struct outbound_result res = { 0 };

		res.error = "could not start the request";
		sub_on_answer(&res, job);
	}
}

/* Send built jobs while there are request slots. */
static void
sub_pump(struct sub *s)
{
	const struct conf_subscription *c = sub_conf(s);
	struct sub_job *job;

	while (c != NULL && s->subs->running && s->sending < (int)c->max_in_flight &&
	    (job = TAILQ_FIRST(&s->ready)) != NULL) {
		TAILQ_REMOVE(&s->ready, job, ready_entry);
		job->queued = 0;
		sub_post(job, c);
	}
}

/* The job's body is built: it goes out as soon as a slot is free. */
static void
sub_send(struct sub_job *job)
{
	TAILQ_INSERT_TAIL(&job->s->ready, job, ready_entry);
	job->queued = 1;
	sub_pump(job->s);
}

/* The event is not for this subscription (or its lead is gone): acknowledged unsent. */
static void
sub_skip(struct sub_job *job)
{
	metrics_inc_label(METRIC_LABEL_SUB_SKIPPED, job->s->id, 1);
	sub_ack(job->s, job->eid);
	sub_job_end(job);
}

/* The lead as it is now came: filter, build, send. */
static void
sub_on_lead(struct lead_snap *lead, void *arg)
{
	struct sub_job *job = arg;
	const struct conf_subscription *c = sub_conf(job->s);

	if (lead == NULL || !job->s->subs->running || c == NULL) {
		sub_job_end(job);	/* left pending: read again later */
		return;
	}
	/* Erased or expired: nothing to tell about it any more. */
	if (!lead->exists || !event_passes(c, lead)) {
		sub_skip(job);
		return;
	}
	if (c->reps) {
		job->body = tell_rep_event(job->s->subs->srv->conf, c, job->type, job->eid,
		    job->fields, lead, &job->len);
		if (job->body == NULL) {
			sub_skip(job);	/* no channel to tell, or no longer the owner */
			return;
		}
	} else {
		job->body = event_body(job->s->subs->srv->conf, c, job->type, job->eid, job->fields,
		    lead, &job->len);
	}
	sub_send(job);
}

/* This daemon holds the entry already (read before, still on its way). */
static int
sub_holds(const struct sub *s, const char *eid)
{
	const struct sub_job *job;

	TAILQ_FOREACH(job, &s->jobs, entry)
		if (job->from_stream && strcmp(job->eid, eid) == 0)
			return 1;
	return 0;
}

/*
 * A stream entry for the subscription: keep it, or acknowledge it unsent.
 * again: it was pending already (this daemon's own, or claimed), so it may
 * be one this daemon still holds.
 */
static void
sub_take_entry(struct sub *s, const redisReply *e, int again)
{
	const struct conf_subscription *c = sub_conf(s);
	const redisReply *id, *kv;
	struct sub_job *job;
	const char *lead;
	json_t *fields;
	int type;
	size_t i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    (id = e->element[0])->type != REDIS_REPLY_STRING)
		return;
	if (again && sub_holds(s, id->str))
		return;
	kv = e->element[1];
	if (kv->type != REDIS_REPLY_ARRAY) {	/* deleted since (erasure): nothing to send */
		sub_ack(s, id->str);
		return;
	}
	fields = json_object();
	for (i = 0; i + 1 < kv->elements; i += 2)
		if (kv->element[i]->type == REDIS_REPLY_STRING &&
		    kv->element[i + 1]->type == REDIS_REPLY_STRING)
			json_object_set_new(fields, kv->element[i]->str,
			    json_stringn(kv->element[i + 1]->str, kv->element[i + 1]->len));
	type = event_type_of(json_string_value(json_object_get(fields, "type")) != NULL ?
	    json_string_value(json_object_get(fields, "type")) : "");
	if (c == NULL || type < 0 || !(c->events & (1u << type))) {
		json_decref(fields);
		if (c != NULL) {	/* a removed subscription leaves its entries alone */
			metrics_inc_label(METRIC_LABEL_SUB_SKIPPED, s->id, 1);
			sub_ack(s, id->str);
		}
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->s = s;
	job->eid = xstrdup(id->str);
	job->type = (enum sub_event)type;
	job->fields = fields;
	job->from_stream = 1;
	job->attempt = 1;
	s->held++;
	TAILQ_INSERT_TAIL(&s->jobs, job, entry);
	lead = json_string_value(json_object_get(fields, "lead"));
	if (c->crm != NULL && lead != NULL) {
		/* A CRM reads the lead itself at each attempt (crm.c): latest wins. */
		job->body = xstrdup(lead);
		job->len = strlen(lead);
		sub_send(job);
		return;
	}
	if (event_has_snapshot(job->type) && lead != NULL) {
		const char *seq = json_string_value(json_object_get(fields, "seq"));

		lead_snaps_get(s->subs->srv->snaps, lead, seq != NULL ? strtoll(seq, NULL, 10) : 0,
		    sub_on_lead, job);
		return;
	}
	job->body = event_body(s->subs->srv->conf, c, job->type, job->eid, job->fields, NULL,
	    &job->len);
	sub_send(job);
}

/* The end of a job, delivered or not: room for another. */
static void
sub_job_end(struct sub_job *job)
{
	struct sub *s = job->s;

	TAILQ_REMOVE(&s->jobs, job, entry);
	if (job->queued)
		TAILQ_REMOVE(&s->ready, job, ready_entry);
	s->held--;
	sub_job_free(job);
	sub_pump(s);
	subs_arm(s->subs, SUBS_KICK_MS);
}

/* Entries as XREADGROUP and XAUTOCLAIM answer them. */
static size_t
sub_take_entries(struct sub *s, const redisReply *list, int again)
{
	size_t i;

	if (list == NULL || list->type != REDIS_REPLY_ARRAY)
		return 0;
	for (i = 0; i < list->elements; i++)
		sub_take_entry(s, list->element[i], again);
	return list->elements;
}

static void
sub_on_read(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	const redisReply *r = reply->raw;
	size_t got = 0;

	s->reading = 0;
	if (reply->err != NULL) {
		if (strstr(reply->err, "NOGROUP") != NULL)
			s->group_ready = 0;	/* Redis lost it (no persistence?): made again */
		return;
	}
	/* [[stream, [entry, …]]], or nil when nothing is new. */
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2)
		got = sub_take_entries(s, r->element[0]->element[1], !s->own_read);
	if (!s->own_read) {
		s->own_read = 1;	/* one page of our own is enough to go on with; claims do the rest */
		subs_arm(s->subs, 0);
	} else if (got > 0) {
		subs_arm(s->subs, 0);	/* there may be more */
	}
}

static void
sub_read(struct sub *s, int room)
{
	struct store_args a = { 0 };

	store_args_add(&a, "XREADGROUP");
	store_args_add(&a, "GROUP");
	store_args_add(&a, s->group);
	store_args_add(&a, s->subs->consumer);
	store_args_add(&a, "COUNT");
	store_args_add_int(&a, room);
	store_args_add(&a, "STREAMS");
	store_args_add(&a, s->subs->k_events);
	/* First our own entries left pending by a previous run, then new ones. */
	store_args_add(&a, s->own_read ? ">" : "0");
	if (store_command(s->subs->srv->store, "XREADGROUP", &a, sub_on_read, s) == 0)
		s->reading = 1;
}

static void
sub_on_claimed(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	const redisReply *r = reply->raw;

	s->claiming = 0;
	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return;
	/* [next cursor, [entry, …], [deleted ids]]: deleted ones Redis dropped itself. */
	if (r->element[0]->type == REDIS_REPLY_STRING)
		snprintf(s->claim_cursor, sizeof(s->claim_cursor), "%s", r->element[0]->str);
	if (sub_take_entries(s, r->element[1], 1) > 0)
		log_info("subscription_claimed", "subscription=%s entries=%zu", s->id,
		    r->element[1]->elements);
}

static void
sub_claim(struct sub *s, int room)
{
	const struct conf *conf = s->subs->srv->conf;
	struct store_args a = { 0 };

	store_args_add(&a, "XAUTOCLAIM");
	store_args_add(&a, s->subs->k_events);
	store_args_add(&a, s->group);
	store_args_add(&a, s->subs->consumer);
	store_args_add_int(&a, conf->notify.timeout_ms + conf->redis.timeout_ms +
	    SUBS_CLAIM_SLACK_MS);
	store_args_add(&a, s->claim_cursor);
	store_args_add(&a, "COUNT");
	store_args_add_int(&a, room);
	if (store_command(s->subs->srv->store, "XAUTOCLAIM", &a, sub_on_claimed, s) == 0)
		s->claiming = 1;
}

static void
sub_on_leased(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	const struct conf_subscription *c = sub_conf(s);
	const json_t *jobs, *j;
	int64_t next;
	size_t i;

	s->leasing = 0;
	if (reply->err != NULL)
		return;
	jobs = json_object_get(reply->json, "jobs");
	if (json_is_array(jobs)) {	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(jobs, i, j) {
			const char *type = json_string_value(json_object_get(j, "type"));
			const char *body = json_string_value(json_object_get(j, "body"));
			struct sub_job *job;

			if (body == NULL || c == NULL)
				continue;	/* the lease runs out: tried again */
			job = xcalloc(1, sizeof(*job));
			job->s = s;
			job->eid = xstrdup(json_string_value(json_object_get(j, "id")) != NULL ?
			    json_string_value(json_object_get(j, "id")) : "?");
			job->type = (enum sub_event)(type != NULL && sub_event_find(type) >= 0 ?
			    sub_event_find(type) : 0);
			job->attempt = (int64_t)json_number_value(json_object_get(j, "attempts"));
			job->body = xstrdup(body);
			job->len = strlen(body);
			s->held++;
			TAILQ_INSERT_TAIL(&s->jobs, job, entry);
			sub_send(job);
		}
	}
	next = (int64_t)json_number_value(json_object_get(reply->json, "next"));
	/* None due: look again in a while anyway (another daemon may add some). */
	s->next_retry_at = next > 0 ? next : sys_now_ms() + SUBS_STATE_EVERY_MS;
	subs_arm(s->subs, 0);	/* and now the stream */
}

static void
sub_lease(struct sub *s, int room)
{
	const struct conf *conf = s->subs->srv->conf;
	struct store_args a = { 0 };

	store_args_add(&a, s->id);
	store_args_add_int(&a, room);
	store_args_add_int(&a, conf->notify.timeout_ms + conf->redis.timeout_ms + 1000);
	if (store_eval(s->subs->srv->store, SCRIPT_SUB_LEASE, sys_now_ms(), &a, sub_on_leased,
	    s) == 0)
		s->leasing = 1;
}

static void
sub_on_state(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	const redisReply *r = reply->raw;
	int was = s->paused;

	s->stating = 0;
	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return;
	s->paused = r->element[0]->type == REDIS_REPLY_STRING;
	s->hold_until = store_reply_ms(r->element[1]);
	if (was != s->paused) {
		metrics_set_label(METRIC_LABEL_SUB_PAUSED, s->id, (uint64_t)s->paused);
		if (!s->paused)
			log_info("subscription_resumed", "subscription=%s", s->id);
	}
}

static void
sub_read_state(struct sub *s)
{
	struct store_args a = { 0 };
	char *key = xasprintf("%s:sub:%s", s->subs->srv->conf->redis.prefix, s->id);

	store_args_add(&a, "HMGET");
	store_args_add(&a, key);
	store_args_add(&a, "paused_at");
	store_args_add(&a, "hold_until");
	free(key);
	if (store_command(s->subs->srv->store, "HMGET", &a, sub_on_state, s) == 0)
		s->stating = 1;
}

static void
sub_on_group(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	char q[256];

	s->creating = 0;
	if (reply->err == NULL || strstr(reply->err, "BUSYGROUP") != NULL) {
		s->group_ready = 1;
		subs_arm(s->subs, 0);
	} else if (strcmp(reply->err, "unavailable") != 0) {
		log_warn("subscription_group_failed", "subscription=%s error=%s", s->id,
		    log_quote(reply->err, q, sizeof(q)));
	}
}

/* The consumer group, reading from now on (a new subscription gets what happens next). */
static void
sub_create_group(struct sub *s)
{
	struct store_args a = { 0 };

	store_args_add(&a, "XGROUP");
	store_args_add(&a, "CREATE");
	store_args_add(&a, s->subs->k_events);
	store_args_add(&a, s->group);
	store_args_add(&a, "$");
	store_args_add(&a, "MKSTREAM");
	if (store_command(s->subs->srv->store, "XGROUP", &a, sub_on_group, s) == 0)
		s->creating = 1;
}

static void
sub_on_purged(const struct store_reply *reply, void *arg)
{
	struct sub *s = arg;
	int64_t n = (int64_t)json_number_value(json_object_get(reply->json, "purged"));

	if (reply->err == NULL && n > 0)
		log_info("subscription_dead_letters_expired", "subscription=%s purged=%" PRId64,
		    s->id, n);
}

/* Dead letters older than notify.dead_letter_retention go. */
static void
sub_purge_old(struct sub *s, int64_t now)
{
	struct store_args a = { 0 };

	store_args_add(&a, "dead_purge");
	store_args_add(&a, s->id);
	store_args_add(&a, "");
	store_args_add_int(&a, now - s->subs->srv->conf->notify.dead_retention_ms);
	if (store_eval(s->subs->srv->store, SCRIPT_SUBSCRIPTIONS, now, &a, sub_on_purged, s) == 0)
		s->last_purge_ms = now;
}

/* Events held ahead of sending: enough that a slot never waits for Redis. */
static int
sub_read_ahead(const struct conf_subscription *c)
{
	uint64_t n = 4 * c->max_in_flight;

	return (int)(n < SUBS_READ_AHEAD_MIN ? SUBS_READ_AHEAD_MIN :
	    n > SUBS_READ_AHEAD_MAX ? SUBS_READ_AHEAD_MAX : n);
}

/* One subscription's turn: state, retries, new entries, claims. */
static void
sub_turn(struct sub *s, int64_t now)
{
	const struct conf_subscription *c = sub_conf(s);
	int room;

	if (c == NULL)
		return;
	if (!s->group_ready) {
		if (!s->creating)
			sub_create_group(s);
		return;
	}
	if (now - s->last_state_ms >= SUBS_STATE_EVERY_MS && !s->stating) {
		s->last_state_ms = now;
		sub_read_state(s);
	}
	if (now - s->last_purge_ms >= SUBS_PURGE_EVERY_MS)
		sub_purge_old(s, now);
	if (s->paused || now < s->hold_until)
		return;
	room = sub_read_ahead(c) - s->held;
	if (room > 0 && !s->leasing && s->next_retry_at <= now) {
		sub_lease(s, room);
		return;		/* what it takes counts against the room */
	}
	if (room > 0 && !s->reading)
		sub_read(s, room);
	if (room > 0 && !s->claiming && now - s->last_claim_ms >= SUBS_CLAIM_EVERY_MS) {
		s->last_claim_ms = now;
		sub_claim(s, room);
	}
}

static void
subs_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct subs *subs = arg;
	int64_t now = sys_now_ms();
	size_t i;

	subs->kicked = 0;
	if (!subs->running || !store_connected(subs->srv->store))
		goto rearm;
	for (i = 0; i < subs->n; i++)
		sub_turn(subs->list[i], now);
rearm:
	if (!subs->kicked)
		subs_arm(subs, SUBS_TICK_MS);
}

/* Wake in ms; a sooner wake replaces a later one. */
static void
subs_arm(struct subs *subs, int64_t ms)
{
	struct timeval tv = sys_timeval_ms(ms);

	if (!subs->running || subs->n == 0)
		return;
	if (ms < SUBS_TICK_MS) {
		if (subs->kicked)
			return;
		subs->kicked = 1;
	}
	evtimer_add(subs->timer, &tv);
}

void
subs_kick(struct subs *subs)
{
	if (subs->n > 0 && !subs->kicked)
		subs_arm(subs, SUBS_KICK_MS);
}

void
subs_refresh(struct subs *subs)
{
	size_t i;

	for (i = 0; i < subs->n; i++) {
		subs->list[i]->last_state_ms = 0;
		subs->list[i]->next_retry_at = 0;	/* dead letters may be back in the retry set */
	}
	subs_arm(subs, 0);
}

void
subs_configure(struct subs *subs)
{
	const struct conf *conf = subs->srv->conf;
	size_t i, k;

	for (k = 0; k < subs->n; k++)
		subs->list[k]->active = 0;
	for (i = 0; i < conf->nsubs; i++) {
		struct sub *s = NULL;

		for (k = 0; k < subs->n && s == NULL; k++)
			if (strcmp(subs->list[k]->id, conf->subs[i].id) == 0)
				s = subs->list[k];
		if (s == NULL) {
			s = xcalloc(1, sizeof(*s));
			s->subs = subs;
			s->id = xstrdup(conf->subs[i].id);
			s->group = xasprintf("sub:%s", s->id);
			snprintf(s->claim_cursor, sizeof(s->claim_cursor), "0-0");
			TAILQ_INIT(&s->jobs);
			TAILQ_INIT(&s->ready);
			subs->list = xreallocarray(subs->list, subs->n + 1, sizeof(*subs->list));
			subs->list[subs->n++] = s;
		}
		s->active = 1;
		s->group_ready = 0;	/* made (or found) again: Redis may have restarted empty */
		/*
		 * Read this daemon's pending entries again at once (those it still
		 * holds are left alone): one delivered while Redis was away lost
		 * its XACK, and need not wait for a claim.
		 */
		s->own_read = 0;
	}
	subs_flush_acks(subs);	/* before any such read, on the same connection */
	subs_arm(subs, 0);
}

struct subs *
subs_new(struct server *srv)
{
	struct subs *subs = xcalloc(1, sizeof(*subs));

	subs->srv = srv;
	subs->timer = evtimer_new(srv->base, subs_on_timer, subs);
	subs->ack_timer = evtimer_new(srv->base, subs_on_ack_timer, subs);
	subs->k_events = xasprintf("%s:events", srv->conf->redis.prefix);
	return subs;
}

void
subs_start(struct subs *subs, int port)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "leadrouted");
	host[sizeof(host) - 1] = '\0';
	free(subs->consumer);
	subs->consumer = xasprintf("%s:%d", host, port);
	subs->running = 1;
	subs_configure(subs);
}

void
subs_stop(struct subs *subs)
{
	size_t i;

	subs->running = 0;
	evtimer_del(subs->timer);
	for (i = 0; i < subs->n; i++) {
		struct sub *s = subs->list[i];
		struct sub_job *job, *next;

		for (job = TAILQ_FIRST(&s->jobs); job != NULL; job = next) {
			next = TAILQ_NEXT(job, entry);
			if (job->req == NULL && job->crm == NULL && !job->queued)
				continue;	/* waiting for its lead: ends when that comes */
			if (job->req != NULL) {
				outbound_cancel(job->req);
				job->req = NULL;
				s->sending--;
			}
			if (job->crm != NULL) {
				crm_cancel(job->crm);
				job->crm = NULL;
				s->sending--;
			}
			if (job->queued)
				TAILQ_REMOVE(&s->ready, job, ready_entry);
			/* A first attempt stays pending: this consumer reads it again at start. */
			if (!job->from_stream)
				sub_settle(s, "release", job, 0, NULL, 0);
			TAILQ_REMOVE(&s->jobs, job, entry);
			s->held--;
			sub_job_free(job);
		}
	}
	subs_flush_acks(subs);
}

void
subs_free(struct subs *subs)
{
	size_t i;

	if (subs == NULL)
		return;
	for (i = 0; i < subs->n; i++) {
		struct sub *s = subs->list[i];
		struct sub_job *job;

		while ((job = TAILQ_FIRST(&s->jobs)) != NULL) {
			TAILQ_REMOVE(&s->jobs, job, entry);
			if (job->req != NULL)
				outbound_cancel(job->req);
			if (job->crm != NULL)
				crm_cancel(job->crm);
			sub_job_free(job);
		}
		store_args_free(&s->acks);
		free(s->id);
		free(s->group);
		free(s);
	}
	free(subs->list);
	event_free(subs->timer);
	event_free(subs->ack_timer);
	free(subs->consumer);
	free(subs->k_events);
	free(subs);
}
