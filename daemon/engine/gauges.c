/*
 * gauges.c — the gauges a pager needs are Redis's, shared by every daemon:
 * queues, open escalations, dead letters, outbound backlogs. One read-only
 * script (gauges.lua, a bounded number of commands however much waits)
 * reads them every GAUGES_INTERVAL_MS, on every (re)connection, and when a
 * scrape finds the last read over GAUGES_REFRESH_MS old, into io/metrics.c's
 * shared gauges; /metrics renders those as they were last read, so a scrape
 * never waits on Redis and the values are at most an interval (plus a round
 * trip) old. A read that fails leaves the last ones,
 * which /metrics drops once they are METRICS_SHARED_MAX_AGE_MS old.
 */
#include "config.h"

#include <stdlib.h>

#include <event2/event.h>
#include <jansson.h>

#include "leadroute/util.h"

#include "engine/gauges.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define GAUGES_INTERVAL_MS	5000
#define GAUGES_REFRESH_MS	1000	/* scrapes read at most this often */

struct gauges {
	struct server	*srv;
	struct event	*timer;
	int		 reading;	/* a call in flight: the next tick skips */
	int64_t		 sent_at;	/* monotonic ms of the last call */
};

/* A JSON member's whole number; 0 when it is not one. */
static int64_t
gauges_int(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	return json_is_number(v) ? (int64_t)json_number_value(v) : 0;
}

/* The script's answer replaces the shared gauges; a failure leaves them to age. */
static void
gauges_on_read(const struct store_reply *reply, void *arg)
{
	struct gauges *g = arg;
	const json_t *queues, *subs, *notif, *backlog, *v;
	const char *id;

	g->reading = 0;
	if (reply->err != NULL || !json_is_object(reply->json)) {
		log_debug("gauges_read_failed", "error=\"%s\"",
		    reply->err != NULL ? reply->err : "not JSON");
		return;
	}
	queues = json_object_get(reply->json, "queues");
	subs = json_object_get(reply->json, "subs");
	notif = json_object_get(reply->json, "notifications");
	backlog = json_object_get(notif, "backlog");
	metrics_shared_clear();
	json_object_foreach((json_t *)queues, id, v) {
		metrics_shared_add(SHARED_QUEUE_DEPTH, "pool", id, NULL, NULL,
		    gauges_int(v, "depth"));
		metrics_shared_add(SHARED_QUEUE_OLDEST, "pool", id, NULL, NULL,
		    gauges_int(v, "oldest"));
	}
	metrics_shared_add(SHARED_ESCALATIONS_OPEN, NULL, NULL, NULL, NULL,
	    gauges_int(reply->json, "escalations_open"));
	metrics_shared_add(SHARED_DEAD_LETTERS, "kind", "notifications", NULL, NULL,
	    gauges_int(notif, "dead"));
	json_object_foreach((json_t *)backlog, id, v)
		metrics_shared_add(SHARED_OUTBOUND_BACKLOG, "kind", "notifications",
		    "recipient", id, json_is_number(v) ? (int64_t)json_number_value(v) : 0);
	json_object_foreach((json_t *)subs, id, v) {
		metrics_shared_add(SHARED_DEAD_LETTERS, "kind", "subscription", "subscription", id,
		    gauges_int(v, "dead"));
		metrics_shared_add(SHARED_OUTBOUND_BACKLOG, "kind", "subscription",
		    "subscription", id, gauges_int(v, "backlog"));
	}
	metrics_shared_read(sys_now_ms());
}

/* An argument of comma-joined ids. */
static void
gauges_add_list(struct store_args *a, struct buf *b)
{
	store_args_addn(a, b->data != NULL ? b->data : "", b->len);
	buf_reset(b);
}

void
gauges_read(struct gauges *g)
{
	const struct conf *conf = g->srv->conf;
	struct store_args a = { 0 };
	struct buf b = { NULL, 0, 0 };
	size_t i;

	if (g->reading || g->srv->stopping)
		return;
	for (i = 0; i < conf->npools; i++)
		buf_appendf(&b, "%s%s", i > 0 ? "," : "", conf->pools[i].id);
	gauges_add_list(&a, &b);
	for (i = 0; i < conf->nsubs; i++)
		buf_appendf(&b, "%s%s", i > 0 ? "," : "", conf->subs[i].id);
	gauges_add_list(&a, &b);
	buf_free(&b);
	if (store_eval(g->srv->store, SCRIPT_GAUGES, sys_now_ms(), &a, gauges_on_read, g) == 0) {
		g->reading = 1;
		g->sent_at = sys_monotonic_us() / 1000;
	}
}

/* At most one read a second on behalf of scrapes. */
void
gauges_refresh(struct gauges *g)
{
	if (g->sent_at == 0 || sys_monotonic_us() / 1000 - g->sent_at >= GAUGES_REFRESH_MS)
		gauges_read(g);
}

static void
gauges_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gauges_read(arg);
}

struct gauges *
gauges_new(struct server *srv)
{
	struct gauges *g = xcalloc(1, sizeof(*g));

	g->srv = srv;
	g->timer = event_new(srv->base, -1, EV_PERSIST, gauges_on_timer, g);
	return g;
}

void
gauges_start(struct gauges *g)
{
	struct timeval tv = sys_timeval_ms(GAUGES_INTERVAL_MS);

	evtimer_add(g->timer, &tv);
}

void
gauges_stop(struct gauges *g)
{
	evtimer_del(g->timer);
}

void
gauges_free(struct gauges *g)
{
	if (g == NULL)
		return;
	event_free(g->timer);
	free(g);
	metrics_shared_clear();
}
