/* server.h — the state one leadrouted process holds (everything else is in Redis). */
#ifndef LEADROUTED_SERVER_H
#define LEADROUTED_SERVER_H

#include <event2/event.h>

#include "leadroute/conf.h"

struct server {
	struct event_base	*base;
	char			*conf_path;
	struct conf		*conf;		/* current; a reload swaps it */
	struct store		*store;
	struct http		*http;
	struct http		*health;	/* /healthz and /metrics on their own address; NULL: none */
	struct sla		*sla;
	struct dispatch		*dispatch;
	struct feed		*feed;		/* the escalation feed (SSE) */
	struct outbound		*outbound;	/* outbound HTTP (libcurl on the loop) */
	struct notify		*notify;	/* notifications to people */
	struct subs		*subs;		/* event subscriptions */
	struct crm_tokens	*crm_tokens;	/* Salesforce access tokens, shared by its writes */
	struct lead_snaps	*snaps;		/* leads as outbound messages show them (shared reads) */
	struct scorecard_agg	*agg;		/* the scorecard's aggregates */
	struct review		*review;	/* the review digest's schedule */
	struct intake_gate	*gate;		/* one person's leads routed one at a time */
	struct sessions		*sessions;	/* console sign-ins signed out early */
	struct lead_index	*ix;		/* the leads search's indexes' upkeep */
	struct gauges		*gauges;	/* what a pager needs, read from Redis for /metrics */
	int			 stopping;
};

#endif
