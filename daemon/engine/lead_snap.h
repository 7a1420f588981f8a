/* lead_snap.h — leads as outbound events show them: read once, shared by every subscription. */
#ifndef LEADROUTED_LEAD_SNAP_H
#define LEADROUTED_LEAD_SNAP_H

#include <stdint.h>

#include "engine/event_body.h"

struct lead_snaps;
struct server;

/* snap is borrowed for the call (its shared parts are built into it); NULL when Redis could not be read. */
typedef void lead_snap_cb(struct lead_snap *snap, void *arg);

struct lead_snaps *lead_snaps_new(struct server *srv);
/* After the store is freed: fetches still waiting are dropped without their callbacks. */
void lead_snaps_free(struct lead_snaps *ls);

/*
 * A snapshot of lead at least as new as its event seq: from the cache when
 * one is, else from one HMGET that every caller asking meanwhile shares. cb
 * may run before this returns (a cache hit).
 */
void lead_snaps_get(struct lead_snaps *ls, const char *lead, int64_t seq, lead_snap_cb *cb,
    void *arg);

#endif
