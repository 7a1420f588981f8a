/*
 * sla.c — deadlines are data in a Redis sorted set; this is only the alarm
 * clock. It wakes at the earliest deadline it knows of, and at least once a
 * second so deadlines written by other daemons are seen; each wake runs the
 * claim script, which fires every due deadline exactly once across daemons.
 */
#include "config.h"

#include <stdlib.h>

#include "leadroute/tstamp.h"
#include "leadroute/util.h"

#include "log.h"
#include "metrics.h"
#include "sla.h"
#include "store.h"
#include "sysutil.h"

#define SLA_MAX_SLEEP_MS	1000
#define SLA_CLAIM_BATCH		500

struct sla {
	struct event_base	*base;
	struct store		*store;
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
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(sla->timer, &tv);
}

static void
sla_log_escalation(const json_t *esc)
{
	const char *kind = json_string_value(json_object_get(esc, "kind"));
	const json_t *owner = json_object_get(esc, "owner");
	char due[TSTAMP_LEN];
	int first_touch = kind != NULL && kind[0] == 'f';

	tstamp_format((int64_t)json_number_value(json_object_get(esc, "due_at")), due);
	metrics_inc(first_touch ? METRIC_ESCALATIONS_FIRST_TOUCH : METRIC_ESCALATIONS_ROUTE, 1);
	log_warn("sla_breached", "escalation=%s lead=%s kind=%s pool=%s owner=%s due_at=%s",
	    json_string_value(json_object_get(esc, "id")),
	    json_string_value(json_object_get(esc, "lead")), kind,
	    json_string_value(json_object_get(esc, "pool")),
	    json_is_string(owner) ? json_string_value(owner) : "-", due);
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
			sla_log_escalation(esc);
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

static void
sla_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sla *sla = arg;
	struct store_args a = { 0 };

	sla->wake_at = 0;
	if (!sla->running || sla->claiming)
		return;
	store_args_add_int(&a, SLA_CLAIM_BATCH);
	if (store_eval(sla->store, SCRIPT_SLA_CLAIM, sys_now_ms(), &a, sla_on_claimed, sla) == -1) {
		sla_arm(sla, SLA_MAX_SLEEP_MS);
		return;
	}
	sla->claiming = 1;
}

struct sla *
sla_new(struct event_base *base, struct store *store)
{
	struct sla *sla = xcalloc(1, sizeof(*sla));

	sla->base = base;
	sla->store = store;
	sla->timer = evtimer_new(base, sla_on_timer, sla);
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
