/*
 * sentinel.h — which Redis is the master now, as Redis Sentinel tells it.
 *
 * The store asks before every (re)connection; the Sentinels are tried in
 * turn, the first that answers moves to the front. One more connection stays
 * subscribed to +switch-master on one Sentinel, so a failover is heard the
 * moment it is decided rather than when the old master's socket dies. Nothing
 * here blocks the loop.
 */
#ifndef LEADROUTED_SENTINEL_H
#define LEADROUTED_SENTINEL_H

#include <event2/event.h>

#include "leadroute/conf.h"

struct sentinel;

/* The master's address (host NULL: no Sentinel answered; why says so). */
typedef void sentinel_found_cb(const char *host, int port, const char *why, void *arg);
/* The Sentinels announced a new master for our name. */
typedef void sentinel_switch_cb(const char *host, int port, void *arg);

/* conf's Sentinel list, name and password are copied; timeout_ms bounds each ask. */
struct sentinel *sentinel_new(struct event_base *base, const struct conf_redis *conf,
    int64_t timeout_ms, sentinel_switch_cb *on_switch, void *arg);
void sentinel_free(struct sentinel *sn);

/* Subscribe to +switch-master (and keep resubscribing while the daemon runs). */
void sentinel_watch(struct sentinel *sn);

/*
 * Ask for the master's address: cb runs exactly once, never before this
 * returns. A second ask while one is under way replaces its callback.
 */
void sentinel_find_master(struct sentinel *sn, sentinel_found_cb *cb, void *arg);

/* Stop asking and watching; no callback runs afterwards. */
void sentinel_stop(struct sentinel *sn);

#endif
