/* dispatch.h — drains pool queues: queued leads go to reps as they become available. */
#ifndef LEADROUTED_DISPATCH_H
#define LEADROUTED_DISPATCH_H

#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"

struct dispatch;
struct server;

/* Most leads one drain call assigns; more is done in further calls. */
#define DISPATCH_BATCH 200

struct dispatch *dispatch_new(struct server *srv);
void dispatch_free(struct dispatch *d);

/* Drain every pool now and every few seconds after. */
void dispatch_start(struct dispatch *d);
void dispatch_stop(struct dispatch *d);

/* Drain every pool soon (coalesced with a drain already under way). */
void dispatch_kick(struct dispatch *d);

/* Log and count the leads a drain assigned, and watch the deadlines it wrote (its reply). */
void dispatch_note_assigned(struct server *srv, const json_t *reply);

#endif
