/* gauges.h — what a pager needs, read from Redis on a timer for GET /metrics. */
#ifndef LEADROUTED_GAUGES_H
#define LEADROUTED_GAUGES_H

struct server;
struct gauges;

struct gauges *gauges_new(struct server *srv);
/* After the store: a read in flight holds the gauges until it answers. */
void gauges_free(struct gauges *g);

/* Read every 5 s from now on (and on every connection to Redis: gauges_read). */
void gauges_start(struct gauges *g);
void gauges_stop(struct gauges *g);

/*
 * One gauges.lua call, unless one is already in flight: each configured
 * pool's queue depth and the arrival of its head, the open escalations, the
 * notification dead letters and outbox by recipient, each subscription's
 * dead letters and backlog. The reply replaces the shared gauges of
 * io/metrics.c; GET /metrics answers from those, never waiting for Redis.
 */
void gauges_read(struct gauges *g);

/*
 * A scrape's nudge: read now if the last read began over a second ago, so
 * the next scrape sees fresher values; this one answers from what is held.
 */
void gauges_refresh(struct gauges *g);

#endif
