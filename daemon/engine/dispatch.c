/*
 * dispatch.c — queued leads wait in Redis; a drain assigns them in arrival
 * order to available reps. Status changes drain inside their own script; this
 * module drains after start-up, reconnects and reloads, and every few seconds
 * as a safety net, one bounded batch per script call.
 */
#include "config.h"

#include <stdlib.h>

#include "leadroute/util.h"

#include "engine/candidates.h"
#include "engine/dispatch.h"
#include "engine/sla.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* Often enough that a rep whose hours begin gets queued leads within a second. */
#define DISPATCH_INTERVAL_MS 1000

struct dispatch {
	struct server	*srv;
	struct event	*timer;
	int		 running;
	int		 draining;
	int		 again;		/* a kick arrived while draining */
};

static void
dispatch_arm(struct dispatch *d, int64_t ms)
{
	struct timeval tv = sys_timeval_ms(ms);

	if (d->running)
		evtimer_add(d->timer, &tv);
}

void
dispatch_note_assigned(struct server *srv, const json_t *reply)
{
	const json_t *assigned = json_object_get(reply, "assigned"), *a;
	json_int_t next = json_integer_value(json_object_get(reply, "next"));
	size_t i;

	if (next > 0)
		sla_note_deadline(srv->sla, next);	/* the clocks the assignments started */

	if (!json_is_array(assigned))
		return;	/* Redis's cjson writes an empty list as {} */
	json_array_foreach(assigned, i, a) {
		metrics_inc(METRIC_LEADS_ASSIGNED_FROM_QUEUE, 1);
		metrics_observe_route(json_number_value(json_object_get(a, "waited")) / 1000);
		log_info("lead_assigned", "lead=%s owner=%s pool=%s via=queue",
		    json_string_value(json_object_get(a, "lead")),
		    json_string_value(json_object_get(a, "rep")),
		    json_string_value(json_object_get(a, "pool")));
	}
}

static void dispatch_drain(struct dispatch *);

static void
dispatch_on_drained(const struct store_reply *reply, void *arg)
{
	struct dispatch *d = arg;

	d->draining = 0;
	if (reply->err == NULL) {
		dispatch_note_assigned(d->srv, reply->json);
		if (json_is_true(json_object_get(reply->json, "more")))
			d->again = 1;
	}
	if (d->again) {
		d->again = 0;
		dispatch_arm(d, 0);
	}
}

static void
dispatch_drain(struct dispatch *d)
{
	struct store_args a = { 0 };
	int64_t now;

	if (d->draining) {
		d->again = 1;
		return;
	}
	now = sys_now_ms();
	store_args_add_int(&a, DISPATCH_BATCH);
	candidates_add_pools(&a, d->srv->conf, NULL, now);
	if (store_eval(d->srv->store, SCRIPT_DRAIN, now, &a, dispatch_on_drained, d) == 0)
		d->draining = 1;
}

static void
dispatch_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct dispatch *d = arg;

	dispatch_drain(d);
	dispatch_arm(d, DISPATCH_INTERVAL_MS);
}

struct dispatch *
dispatch_new(struct server *srv)
{
	struct dispatch *d = xcalloc(1, sizeof(*d));

	d->srv = srv;
	d->timer = evtimer_new(srv->base, dispatch_on_timer, d);
	return d;
}

void
dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	event_free(d->timer);
	free(d);
}

void
dispatch_start(struct dispatch *d)
{
	d->running = 1;
	dispatch_arm(d, 0);
}

void
dispatch_stop(struct dispatch *d)
{
	d->running = 0;
	evtimer_del(d->timer);
}

void
dispatch_kick(struct dispatch *d)
{
	dispatch_arm(d, 0);
}
