/* sla.h — the deadline watcher: claims due SLA deadlines from Redis and acts on them. */
#ifndef LEADROUTED_SLA_H
#define LEADROUTED_SLA_H

#include <stdint.h>

#include <event2/event.h>

#include "leadroute/conf.h"

struct server;
struct sla;
struct store;

struct sla *sla_new(struct server *srv);
void sla_free(struct sla *sla);

/* Start watching (claims right away, then wakes for the earliest deadline). */
void sla_start(struct sla *sla);
void sla_stop(struct sla *sla);

/* A deadline due at due_ms was just written: wake up for it if it is the earliest. */
void sla_note_deadline(struct sla *sla, int64_t due_ms);

/* Claim now (after a reconnect, say). */
void sla_kick(struct sla *sla);

/* Publish the running config's clocks, policies and calendars to Redis now. */
void sla_republish(struct sla *sla);

/* The same, for any config (sla_publish.c); -1 when Redis is not connected. */
int sla_publish(struct store *store, const struct conf *conf);

#endif
