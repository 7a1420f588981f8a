/*
 * sla.c — deadlines (clock due times, reminders, escalation levels) are data
 * in a Redis sorted set; this is only the alarm clock. It wakes at the
 * earliest deadline it knows of, and at least once a second so deadlines
 * written by other daemons are seen; each wake runs the claim script, which
 * fires every due deadline exactly once across daemons.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/tstamp.h"
#include "leadroute/util.h"

#include "engine/candidates.h"
#include "engine/feed.h"
#include "engine/notify.h"
#include "engine/sla.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define SLA_MAX_SLEEP_MS	1000
#define SLA_CLAIM_BATCH		500
#define SLA_REPUBLISH_MS	(3600 * 1000)	/* calendars' windows move on */

struct sla {
	struct server		*srv;
	struct event_base	*base;
	struct store		*store;
	int64_t			 published_at;
	struct event		*timer;
	int64_t			 wake_at;	/* epoch ms the timer is armed for; 0: not armed */
	int64_t			 noted;		/* earliest deadline noted while a claim ran; 0: none */
	int			 claiming;
	int			 running;
};

static void
sla_arm(struct sla *sla, int64_t delay_ms)
{
	struct timeval tv;

	if (!sla->running)
		return;
	if (delay_ms < 0)
		delay_ms = 0;
	if (delay_ms > SLA_MAX_SLEEP_MS)
		delay_ms = SLA_MAX_SLEEP_MS;
	sla->wake_at = sys_now_ms() + delay_ms;
	tv = sys_timeval_ms(delay_ms);
	evtimer_add(sla->timer, &tv);
}

/* Log and count what a claim fired. */
static void
sla_log_fired(const json_t *f)
{
	const char *what = json_string_value(json_object_get(f, "what"));
	const char *lead = json_string_value(json_object_get(f, "lead"));
	const json_t *owner = json_object_get(f, "owner");
	char due[TSTAMP_LEN];

	if (what == NULL)
		return;
	if (strcmp(what, "breach") == 0) {
		tstamp_format((int64_t)json_number_value(json_object_get(f, "due_at")), due);
		metrics_inc(METRIC_SLA_BREACHES, 1);
		metrics_inc_label(METRIC_LABEL_BREACHES, json_string_value(json_object_get(f, "pool")),
		    1);
		log_warn("sla_breached", "escalation=%s lead=%s clock=%s pool=%s owner=%s due_at=%s",
		    json_string_value(json_object_get(f, "escalation")), lead,
		    json_string_value(json_object_get(f, "clock")),
		    json_string_value(json_object_get(f, "pool")),
		    json_is_string(owner) ? json_string_value(owner) : "-", due);
	} else if (strcmp(what, "level") == 0) {
		const json_t *to = json_object_get(f, "reassigned_to");
		const json_t *failed = json_object_get(f, "reassign_failed");

		metrics_inc(METRIC_ESCALATION_LEVELS, 1);
		log_warn("escalation_level", "escalation=%s lead=%s level=%lld pool=%s%s%s%s%s",
		    json_string_value(json_object_get(f, "escalation")), lead,
		    (long long)json_integer_value(json_object_get(f, "level")),
		    json_string_value(json_object_get(f, "pool")),
		    json_is_string(to) ? " reassigned_to=" : "",
		    json_is_string(to) ? json_string_value(to) : "",
		    json_is_string(failed) ? " reassign_failed=" : "",
		    json_is_string(failed) ? json_string_value(failed) : "");
		if (json_is_string(to))
			metrics_inc(METRIC_LEADS_REASSIGNED, 1);
	} else if (strcmp(what, "reminder") == 0) {
		metrics_inc(METRIC_SLA_REMINDERS, 1);
		log_info("sla_reminder", "lead=%s clock=%s", lead,
		    json_string_value(json_object_get(f, "clock")));
	} else if (strcmp(what, "auto_offline") == 0) {
		metrics_inc(METRIC_REPS_AUTO_OFFLINE, 1);
		log_warn("rep_auto_offline", "rep=%s lead=%s misses=%lld",
		    json_string_value(json_object_get(f, "rep")), lead,
		    (long long)json_integer_value(json_object_get(f, "misses")));
	}
}

static void
sla_on_claimed(const struct store_reply *reply, void *arg)
{
	struct sla *sla = arg;
	const json_t *fired, *esc;
	int64_t next;
	size_t i;

	sla->claiming = 0;
	if (reply->err != NULL) {
		sla->noted = 0;
		sla_arm(sla, SLA_MAX_SLEEP_MS);
		return;
	}
	fired = json_object_get(reply->json, "fired");
	if (json_is_array(fired))
		json_array_foreach(fired, i, esc)
			sla_log_fired(esc);
	if (json_integer_value(json_object_get(reply->json, "notified")) > 0)
		notify_kick(sla->srv->notify);
	if (json_is_array(fired) && json_array_size(fired) > 0)
		feed_kick(sla->srv->feed);	/* they are in the escalation stream */
	if (json_is_true(json_object_get(reply->json, "more"))) {
		sla_arm(sla, 0);
		return;
	}
	next = (int64_t)json_number_value(json_object_get(reply->json, "next"));
	/* A deadline written while the claim ran may not be in its answer. */
	if (sla->noted != 0 && (next < 0 || sla->noted < next))
		next = sla->noted;
	sla->noted = 0;
	sla_arm(sla, next < 0 ? SLA_MAX_SLEEP_MS : next - sys_now_ms());
}

/* True when some escalation policy can reassign (only then does a claim need the pools). */
static int
sla_can_reassign(const struct conf *conf)
{
	size_t i, j;

	for (i = 0; i < conf->escalation.nlevels; i++)
		if (conf->escalation.levels[i].reassign)
			return 1;
	for (i = 0; i < conf->npools; i++)
		for (j = 0; j < conf->pools[i].escalation.nlevels; j++)
			if (conf->pools[i].escalation.levels[j].reassign)
				return 1;
	return 0;
}

static void
sla_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sla *sla = arg;
	struct store_args a = { 0 };
	int64_t now = sys_now_ms();

	sla->wake_at = 0;
	if (!sla->running || sla->claiming)
		return;
	if (now - sla->published_at >= SLA_REPUBLISH_MS)
		sla_republish(sla);
	store_args_add_int(&a, SLA_CLAIM_BATCH);
	if (sla_can_reassign(sla->srv->conf))	/* it picks from the pools as they are now */
		candidates_add_pools(&a, sla->srv->conf, NULL, now);
	else
		store_args_add_int(&a, 0);	/* no pools */
	if (store_eval(sla->store, SCRIPT_SLA_CLAIM, now, &a, sla_on_claimed, sla) == -1) {
		sla_arm(sla, SLA_MAX_SLEEP_MS);
		return;
	}
	sla->claiming = 1;
}

void
sla_republish(struct sla *sla)
{
	if (sla_publish(sla->store, sla->srv->conf) == 0)
		sla->published_at = sys_now_ms();
}

struct sla *
sla_new(struct server *srv)
{
	struct sla *sla = xcalloc(1, sizeof(*sla));

	sla->srv = srv;
	sla->base = srv->base;
	sla->store = srv->store;
	sla->timer = evtimer_new(sla->base, sla_on_timer, sla);
	return sla;
}

void
sla_free(struct sla *sla)
{
	if (sla == NULL)
		return;
	event_free(sla->timer);
	free(sla);
}

void
sla_start(struct sla *sla)
{
	sla->running = 1;
	sla_arm(sla, 0);
}

void
sla_stop(struct sla *sla)
{
	sla->running = 0;
	evtimer_del(sla->timer);
}

void
sla_note_deadline(struct sla *sla, int64_t due_ms)
{
	if (sla->claiming) {
		if (sla->noted == 0 || due_ms < sla->noted)
			sla->noted = due_ms;
		return;
	}
	if (sla->wake_at != 0 && due_ms >= sla->wake_at)
		return;
	sla_arm(sla, due_ms - sys_now_ms());
}

void
sla_kick(struct sla *sla)
{
	if (!sla->claiming)
		sla_arm(sla, 0);
}
