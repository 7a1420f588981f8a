/*
 * lead_index.c — the upkeep of the leads search's indexes. Routing adds one
 * entry to each (a ZADD apiece, nothing more: Redis's time per lead is the
 * shared ceiling); what keeps them bounded runs here instead, once an hour
 * and whenever Redis comes back or the config changes: index_upkeep.lua
 * trims the configured reps' owner indexes by leads.retention and sets every
 * index key's expiry, so a removed rep's index and a past period's company
 * index go with their leads.
 */
#include "config.h"

#include <event2/event.h>

#include "leadroute/util.h"

#include "engine/lead_index.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define LEAD_INDEX_UPKEEP_MS	(3600LL * 1000)

struct lead_index {
	struct server	*srv;
	struct event	*timer;
};

static void
lead_index_on_upkept(const struct store_reply *reply, void *arg)
{
	(void)arg;
	if (reply->err != NULL)
		log_warn("lead_index_upkeep_failed", "error=\"%s\"", reply->err);
}

void
lead_index_upkeep(struct lead_index *ix)
{
	const struct conf *conf = ix->srv->conf;
	struct store_args a = { 0 };
	size_t i;

	store_args_add_int(&a, conf->leads.retention_ms);
	for (i = 0; i < conf->nreps; i++)
		store_args_add(&a, conf->reps[i].id);
	if (store_eval(ix->srv->store, SCRIPT_INDEX_UPKEEP, sys_now_ms(), &a,
	    lead_index_on_upkept, NULL) == -1)
		log_debug("lead_index_upkeep_skipped", "error=\"not connected\"");
}

static void
lead_index_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lead_index_upkeep(arg);
}

struct lead_index *
lead_index_new(struct server *srv)
{
	struct lead_index *ix = xcalloc(1, sizeof(*ix));

	ix->srv = srv;
	ix->timer = event_new(srv->base, -1, EV_PERSIST, lead_index_on_timer, ix);
	return ix;
}

void
lead_index_start(struct lead_index *ix)
{
	struct timeval tv = sys_timeval_ms(LEAD_INDEX_UPKEEP_MS);

	evtimer_add(ix->timer, &tv);
}

void
lead_index_stop(struct lead_index *ix)
{
	evtimer_del(ix->timer);
}

void
lead_index_free(struct lead_index *ix)
{
	if (ix == NULL)
		return;
	event_free(ix->timer);
	free(ix);
}
