/* notify.h — outbound webhook notifications: a durable outbox in Redis, delivered with libcurl. */
#ifndef LEADROUTED_NOTIFY_H
#define LEADROUTED_NOTIFY_H

struct notify;
struct server;

/* Most deliveries under way at once, per daemon. */
#define NOTIFY_MAX_IN_FLIGHT 32

/* Initializes libcurl (once per process: there is one notify). */
struct notify *notify_new(struct server *srv);
/* Also cleans up libcurl; call after the store is freed (its callbacks may still run). */
void notify_free(struct notify *n);

/* Look at the outbox now, then whenever a job is due and at least once a second. */
void notify_start(struct notify *n);

/*
 * Stop taking jobs and abort the deliveries under way; their leases are given
 * back so another daemon (or the next start) sends them at once.
 */
void notify_stop(struct notify *n);

/* Jobs were just written (or retried): look at the outbox now. */
void notify_kick(struct notify *n);

#endif
