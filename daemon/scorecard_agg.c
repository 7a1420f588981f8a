/*
 * scorecard_agg.c — folds the event stream into the scorecard's per-hour,
 * per-day and per-month aggregates. Every daemon runs it; the script moves a
 * shared cursor with the counts in one step, so each event counts once and a
 * daemon that stops leaves the work to the others.
 */
#include "config.h"

#include <stdlib.h>

#include <event2/event.h>

#include "leadroute/util.h"

#include "log.h"
#include "metrics.h"
#include "scorecard_agg.h"
#include "server.h"
#include "store.h"
#include "sysutil.h"

#define AGG_INTERVAL_MS 1000	/* the scorecard folds what is waiting anyway */

struct scorecard_agg {
	struct server	*srv;
	struct event	*timer;
	int		 running;	/* a call is in flight */
	int		 stopped;
};

static void
agg_arm(struct scorecard_agg *agg, int64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (!agg->stopped)
		evtimer_add(agg->timer, &tv);
}

static void
agg_on_applied(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;
	const redisReply *r = reply->raw;
	int more = 0;

	agg->running = 0;
	if (reply->err != NULL) {
		log_warn("scorecard_aggregate_failed", "error=\"%s\"", reply->err);
	} else if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 3) {
		metrics_inc(METRIC_SCORECARD_EVENTS, (uint64_t)r->element[0]->integer);
		more = r->element[1]->integer != 0;
		if (r->element[2]->integer != 0) {
			metrics_inc(METRIC_SCORECARD_GAPS, 1);
			log_error("scorecard_events_lost", "reason=\"the event stream was trimmed past "
			    "the scorecard's cursor; raise events.max_len\"");
		}
	}
	agg_arm(agg, more ? 0 : AGG_INTERVAL_MS);
}

static void
agg_run(evutil_socket_t fd, short what, void *arg)
{
	struct scorecard_agg *agg = arg;
	struct server *srv = agg->srv;
	struct store_args a = { 0 };

	(void)fd;
	(void)what;
	if (agg->running || agg->stopped)
		return;
	store_args_add_int(&a, SCORECARD_AGG_BATCH);
	store_args_add_int(&a, srv->conf->lifecycle.untouched_after_ms);
	if (store_eval(srv->store, SCRIPT_AGG_APPLY, sys_now_ms(), &a, agg_on_applied, agg) == -1) {
		agg_arm(agg, AGG_INTERVAL_MS);
		return;
	}
	agg->running = 1;
}

struct scorecard_agg *
scorecard_agg_new(struct server *srv)
{
	struct scorecard_agg *agg = xcalloc(1, sizeof(*agg));

	agg->srv = srv;
	agg->timer = evtimer_new(srv->base, agg_run, agg);
	return agg;
}

void
scorecard_agg_start(struct scorecard_agg *agg)
{
	agg->stopped = 0;
	agg_arm(agg, 0);
}

void
scorecard_agg_stop(struct scorecard_agg *agg)
{
	agg->stopped = 1;
	evtimer_del(agg->timer);
}

void
scorecard_agg_free(struct scorecard_agg *agg)
{
	if (agg == NULL)
		return;
	event_free(agg->timer);
	free(agg);
}
