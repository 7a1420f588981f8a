/*
 * notify.c — outbound webhook notifications.
 *
 * Jobs are data in Redis: a hash per notification and the P:outbox sorted set
 * scored by when each is due, written by the scripts whose step causes them.
 * This module is the courier. A timer (at the earliest due job, at least once
 * a second, at once on a kick) leases due jobs; each is written for its
 * target's channel (a webhook's JSON envelope; for Slack and email, with the
 * lead's context, by tell.c) and sent by the courier (courier.c: libcurl on
 * the daemon's event loop, never blocking); then it is settled: delivered
 * (deleted), retried later with backoff, or moved to the dead-letter list
 * P:notifications:failed.
 *
 * A lease pushes the job's due time past the attempt's end, so other daemons
 * sharing Redis skip it. If this daemon dies mid-attempt, the lease runs out
 * and someone sends it again: delivery is at least once, and the webhook-id
 * header, the same on every attempt, lets a receiver drop repeats.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>


#include "leadroute/util.h"
#include "leadroute/webhook.h"

#include "engine/courier.h"
#include "engine/lead_snap.h"
#include "engine/notify.h"
#include "engine/tell.h"
#include "io/log.h"
#include "io/outbound.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define NOTIFY_MAX_SLEEP_MS	1000
#define NOTIFY_LEASE_SLACK_MS	1000
#define NOTIFY_PURGE_EVERY_MS	(3600 * 1000)

/* One job from its lease to its settlement. */
struct delivery {
	TAILQ_ENTRY(delivery)	 entry;
	struct notify		*n;
	struct conf		*conf;		/* a reference: target belongs to it */
	const struct conf_notify_target *target;
	char			*id;
	int64_t			 attempt;	/* this attempt's number, the lease's token */
	char			*body;
	size_t			 len;
	json_t			*event;		/* while the lead is read: the job's event */
	char			*group;		/* its notification group (notify.lua) */
	struct outbound_req	*req;		/* the request under way */
};

struct notify {
	struct server		*srv;
	struct event		*timer;		/* the outbox alarm clock */
	TAILQ_HEAD(, delivery)	 active;	/* POSTs under way */
	int			 in_flight;	/* leased, not yet settled */
	int			 leasing;
	int			 again;		/* a kick came while leasing */
	int			 running;
	int64_t			 wake_at;	/* epoch ms the timer is armed for; 0: not armed */
	int64_t			 purged_at;	/* when old dead letters were last dropped */
};

static void notify_settle(struct delivery *, const char *, int64_t, const char *);

/* The in-flight gauge follows every change of in_flight. */
static void
notify_gauge(struct notify *n)
{
	metrics_gauge_set(GAUGE_NOTIFICATIONS_IN_FLIGHT, n->in_flight);
}

/* Wake after delay_ms, at most a second from now (jobs written by others). */
static void
notify_arm(struct notify *n, int64_t delay_ms)
{
	struct timeval tv;

	if (!n->running)
		return;
	if (delay_ms < 0)
		delay_ms = 0;
	if (delay_ms > NOTIFY_MAX_SLEEP_MS)
		delay_ms = NOTIFY_MAX_SLEEP_MS;
	n->wake_at = sys_now_ms() + delay_ms;
	tv = sys_timeval_ms(delay_ms);
	evtimer_add(n->timer, &tv);
}

/* A job is due at due_ms: wake for it if that is sooner than planned. */
static void
notify_note_due(struct notify *n, int64_t due_ms)
{
	if (n->leasing) {
		n->again = 1;
		return;
	}
	if (n->wake_at != 0 && due_ms >= n->wake_at)
		return;
	notify_arm(n, due_ms - sys_now_ms());
}

/* The delivery and what it holds (its request is over or cancelled by now). */
static void
notify_delivery_free(struct delivery *d)
{
	conf_unref(d->conf);
	json_decref(d->event);
	free(d->group);
	free(d->body);
	free(d->id);
	free(d);
}

/* An attempt ended: settle it as delivered, retry or failed. */
static void
notify_finish(const struct outbound_result *res, void *arg)
{
	struct delivery *d = arg;
	const struct conf *conf = d->conf;
	int64_t delay;
	char q[512];

	TAILQ_REMOVE(&d->n->active, d, entry);
	d->req = NULL;
	if (res->ok) {
		metrics_inc(METRIC_NOTIFICATIONS_DELIVERED, 1);
		log_info("notification_delivered", "id=%s target=%s attempt=%" PRId64
		    " status=%ld ms=%" PRId64, d->id, d->target->id, d->attempt, res->status, res->ms);
		notify_settle(d, "delivered", 0, "");
		return;
	}
	log_quote(res->error, q, sizeof(q));
	/*
	 * A final refusal (a webhook's 410 Gone, Slack's channel_not_found, an
	 * SMTP 550): no retry changes it. Other failures may pass.
	 */
	if ((uint64_t)d->attempt >= conf->notify.attempts || res->permanent ||
	    (d->target->channel == CHANNEL_WEBHOOK && res->answered && res->status == 410)) {
		metrics_inc(METRIC_NOTIFICATIONS_FAILED, 1);
		log_warn("notification_failed", "id=%s target=%s attempt=%" PRId64 " error=%s"
		    " ms=%" PRId64 " next=dead_letter", d->id, d->target->id, d->attempt, q, res->ms);
		notify_settle(d, "failed", 0, res->error);
	} else {
		delay = webhook_backoff_ms(conf->notify.backoff_ms, conf->notify.max_backoff_ms,
		    (uint64_t)d->attempt, (uint32_t)random());
		/* A receiver that says when to come back (429, 503) is listened to, within the cap. */
		if (res->retry_after_ms > delay)
			delay = res->retry_after_ms < conf->notify.max_backoff_ms ?
			    res->retry_after_ms : conf->notify.max_backoff_ms;
		metrics_inc(METRIC_NOTIFICATIONS_RETRIED, 1);
		log_warn("notification_failed", "id=%s target=%s attempt=%" PRId64 " error=%s"
		    " ms=%" PRId64 " next=retry retry_in_ms=%" PRId64, d->id, d->target->id,
		    d->attempt, q, res->ms, delay);
		notify_settle(d, "retry", sys_now_ms() + delay, res->error);
	}
}

/* The settlement is recorded (or could not be): the delivery is over. */
static void
notify_on_settled(const struct store_reply *reply, void *arg)
{
	struct delivery *d = arg;
	struct notify *n = d->n;
	const char *result = json_string_value(json_object_get(reply->json, "result"));

	if (reply->err != NULL) {
		char q[256];

		/* The lease runs out and the job is tried again (maybe a second time). */
		log_warn("notification_settle_failed", "id=%s error=%s", d->id,
		    log_quote(reply->err, q, sizeof(q)));
	} else if (result != NULL && strcmp(result, "settled") != 0) {
		log_debug("notification_settle_skipped", "id=%s result=%s", d->id, result);
	}
	notify_delivery_free(d);
	if (n->in_flight-- == NOTIFY_MAX_IN_FLIGHT)
		notify_arm(n, 0);	/* room again: there may be jobs waiting */
	notify_gauge(n);
}

/* Record an outcome in Redis (due_ms: when a retry is due); d is freed when it is. */
static void
notify_settle(struct delivery *d, const char *outcome, int64_t due_ms, const char *err)
{
	struct notify *n = d->n;
	struct store_reply failed = { "unavailable", NULL, NULL };
	struct store_args a = { 0 };

	store_args_add(&a, d->id);
	store_args_add(&a, outcome);
	store_args_add_int(&a, d->attempt);
	store_args_add_int(&a, due_ms);
	store_args_add(&a, err);
	if (store_eval(n->srv->store, SCRIPT_OUTBOX_SETTLE, sys_now_ms(), &a, notify_on_settled,
	    d) == -1) {
		notify_on_settled(&failed, d);
		return;
	}
	if (due_ms > 0)
		notify_note_due(n, due_ms);
}

/* Start the POST of one leased job. */
static void
notify_send(struct notify *n, struct delivery *d)
{
	const char *why = NULL;

	d->req = courier_send(n->srv, d->target, d->id, d->body, d->len, notify_finish, d, &why);
	if (d->req == NULL) {
		notify_settle(d, "retry", sys_now_ms() + n->srv->conf->notify.backoff_ms,
		    why != NULL ? why : "could not start the request");
		return;
	}
	TAILQ_INSERT_TAIL(&n->active, d, entry);
}

/* A job that cannot be sent as it is: to the dead-letter list with the reason. */
static void
notify_dead_letter(struct delivery *d, const char *why)
{
	char q[256];

	metrics_inc(METRIC_NOTIFICATIONS_FAILED, 1);
	log_warn("notification_failed", "id=%s target=- attempt=%" PRId64 " error=%s"
	    " next=dead_letter", d->id, d->attempt, log_quote(why, q, sizeof(q)));
	notify_settle(d, "unsent", 0, why);
}

static void
notify_on_once(const struct store_reply *reply, void *arg)
{
	struct delivery *d = arg;
	const redisReply *r = reply->raw;

	/* Set now, or set by this very job on an earlier attempt: ours to send. */
	if (reply->err != NULL || r == NULL || r->type == REDIS_REPLY_NIL ||
	    (r->type == REDIS_REPLY_STRING && strcmp(r->str, d->id) == 0)) {
		notify_send(d->n, d);
		return;
	}
	log_info("notification_duplicate", "id=%s target=%s first=%s", d->id, d->target->id,
	    r->type == REDIS_REPLY_STRING ? r->str : "?");
	notify_settle(d, "delivered", 0, "");
}

/*
 * Recipients of one event that resolve to one target (the owner and the
 * manager in one Slack channel) get one message: the first job of the group
 * to reach the target claims it, for a day.
 */
static void
notify_once(struct notify *n, struct delivery *d, const char *group)
{
	struct store_args a = { 0 };
	char *key = xasprintf("%s:notify:once:%s:%s", d->conf->redis.prefix, group, d->target->id);

	store_args_add(&a, "SET");
	store_args_add(&a, key);
	store_args_add(&a, d->id);
	store_args_add(&a, "NX");
	store_args_add(&a, "GET");
	store_args_add(&a, "PX");
	store_args_add(&a, "86400000");
	free(key);
	if (store_command(n->srv->store, "SET", &a, notify_on_once, d) == -1)
		notify_send(n, d);	/* better twice than never */
}

/* The job's body is written: send it, once per group and target. */
static void
notify_go(struct notify *n, struct delivery *d, const char *group)
{
	if (group != NULL && *group != '\0')
		notify_once(n, d, group);
	else
		notify_send(n, d);
}

/* The lead as it is now came (NULL: unreadable, the job's data alone): compose and send. */
static void
notify_on_lead(struct lead_snap *lead, void *arg)
{
	struct delivery *d = arg;
	char *msg;
	size_t len;

	msg = tell_job(d->conf, d->target, d->event, lead, &len, sys_now_ms());
	if (msg == NULL) {
		notify_dead_letter(d, "the event is not a JSON object with a type");
		return;
	}
	/* The payload past "<target id>\n": this job knows its target. */
	d->len = len - strlen(d->target->id) - 1;
	d->body = xstrndup(msg + strlen(d->target->id) + 1, d->len);
	free(msg);
	notify_go(d->n, d, d->group);
}

/* One leased job: resolve its recipient, write its body, send it. */
static void
notify_take(struct notify *n, const json_t *job)
{
	struct delivery *d = xcalloc(1, sizeof(*d));
	const char *to = json_string_value(json_object_get(job, "to"));
	const char *event = json_string_value(json_object_get(job, "event"));
	const char *group = json_string_value(json_object_get(job, "group"));
	const char *why = NULL, *lead;
	json_t *ev;

	d->n = n;
	d->conf = conf_ref(n->srv->conf);
	d->id = xstrdup(json_string_value(json_object_get(job, "id")) != NULL ?
	    json_string_value(json_object_get(job, "id")) : "?");
	d->attempt = (int64_t)json_number_value(json_object_get(job, "attempts"));
	n->in_flight++;
	if (!n->running) {
		notify_settle(d, "release", 0, "");	/* stopped while the lease was on its way */
		return;
	}
	d->target = conf_recipient_target(d->conf, to != NULL ? to : "",
	    json_string_value(json_object_get(job, "owner")),
	    json_string_value(json_object_get(job, "pool")), &why);
	if (d->target == NULL) {
		notify_dead_letter(d, why != NULL ? why : "no notify target");
		return;
	}
	ev = event != NULL ? json_loads(event, JSON_DECODE_ANY, NULL) : NULL;
	if (ev != NULL && tell_shows_lead(d->target) && json_is_object(ev)) {
		/* Slack and email show the lead: read it first (shared with other readers). */
		d->event = ev;
		d->group = group != NULL ? xstrdup(group) : NULL;
		lead = json_string_value(json_object_get(json_object_get(ev, "data"), "lead"));
		if (lead != NULL && *lead != '\0')
			lead_snaps_get(n->srv->snaps, lead, 0, notify_on_lead, d);
		else
			notify_on_lead(NULL, d);
		return;
	}
	d->body = ev != NULL ? webhook_body(d->target->format, ev,
	    tell_zone(d->conf, json_string_value(json_object_get(job, "owner")),
	    json_string_value(json_object_get(job, "pool"))), &d->len) : NULL;
	json_decref(ev);
	if (d->body == NULL) {
		notify_dead_letter(d, "the event is not a JSON object with a type");
		return;
	}
	notify_go(n, d, group);
}

/* Due jobs arrived: send them, then sleep until the next one is due. */
static void
notify_on_leased(const struct store_reply *reply, void *arg)
{
	struct notify *n = arg;
	const json_t *jobs, *job;
	int64_t next;
	size_t i;

	n->leasing = 0;
	if (reply->err != NULL) {
		n->again = 0;
		notify_arm(n, NOTIFY_MAX_SLEEP_MS);
		return;
	}
	jobs = json_object_get(reply->json, "jobs");
	if (json_is_array(jobs))	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(jobs, i, job)
			notify_take(n, job);
	notify_gauge(n);
	if (n->again || json_is_true(json_object_get(reply->json, "more"))) {
		n->again = 0;
		/* At the cap, the next settlement wakes us. */
		if (n->in_flight < NOTIFY_MAX_IN_FLIGHT)
			notify_arm(n, 0);
		else
			notify_arm(n, NOTIFY_MAX_SLEEP_MS);
		return;
	}
	next = (int64_t)json_number_value(json_object_get(reply->json, "next"));
	notify_arm(n, next < 0 ? NOTIFY_MAX_SLEEP_MS : next - sys_now_ms());
}

static void
notify_on_purged(const struct store_reply *reply, void *arg)
{
	int64_t n = (int64_t)json_number_value(json_object_get(reply->json, "purged"));

	if (reply->err == NULL && n > 0)
		log_info("notifications_expired", "purged=%" PRId64, n);
}

/* Dead letters older than notify.dead_letter_retention go, checked hourly. */
static void
notify_purge_old(struct notify *n, int64_t now)
{
	struct store_args a = { 0 };

	store_args_add(&a, "purge");
	store_args_add(&a, "");
	store_args_add_int(&a, now - n->srv->conf->notify.dead_retention_ms);
	if (store_eval(n->srv->store, SCRIPT_NOTIFICATIONS, now, &a, notify_on_purged, n) == 0)
		n->purged_at = now;
}

/* The alarm clock: lease as many due jobs as there is room for. */
static void
notify_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct notify *n = arg;
	const struct conf *conf = n->srv->conf;
	struct store_args a = { 0 };
	int room = NOTIFY_MAX_IN_FLIGHT - n->in_flight;

	n->wake_at = 0;
	if (!n->running || n->leasing)
		return;
	if (sys_now_ms() - n->purged_at >= NOTIFY_PURGE_EVERY_MS)
		notify_purge_old(n, sys_now_ms());
	if (room <= 0) {
		notify_arm(n, NOTIFY_MAX_SLEEP_MS);
		return;
	}
	store_args_add_int(&a, room);
	/* Long enough for the attempt and the settlement that follows it. */
	store_args_add_int(&a, conf->notify.timeout_ms + conf->redis.timeout_ms +
	    NOTIFY_LEASE_SLACK_MS);
	if (store_eval(n->srv->store, SCRIPT_OUTBOX_LEASE, sys_now_ms(), &a, notify_on_leased,
	    n) == -1) {
		notify_arm(n, NOTIFY_MAX_SLEEP_MS);
		return;
	}
	n->leasing = 1;
}

struct notify *
notify_new(struct server *srv)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	n->srv = srv;
	TAILQ_INIT(&n->active);
	n->timer = evtimer_new(srv->base, notify_on_timer, n);
	return n;
}

void
notify_free(struct notify *n)
{
	struct delivery *d;

	if (n == NULL)
		return;
	while ((d = TAILQ_FIRST(&n->active)) != NULL) {
		TAILQ_REMOVE(&n->active, d, entry);
		outbound_cancel(d->req);
		notify_delivery_free(d);
	}
	event_free(n->timer);
	free(n);
}

void
notify_start(struct notify *n)
{
	n->running = 1;
	notify_arm(n, 0);
}

void
notify_stop(struct notify *n)
{
	struct delivery *d;

	n->running = 0;
	evtimer_del(n->timer);
	while ((d = TAILQ_FIRST(&n->active)) != NULL) {
		TAILQ_REMOVE(&n->active, d, entry);
		outbound_cancel(d->req);
		d->req = NULL;
		log_info("notification_released", "id=%s target=%s attempt=%" PRId64, d->id,
		    d->target->id, d->attempt);
		notify_settle(d, "release", 0, "");
	}
}

void
notify_kick(struct notify *n)
{
	if (n->leasing)
		n->again = 1;
	else
		notify_arm(n, 0);
}
