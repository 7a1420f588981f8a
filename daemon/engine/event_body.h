/* event_body.h — an event as subscribers get it: the Standard Webhooks envelope of a stream entry and its lead. */
#ifndef LEADROUTED_EVENT_BODY_H
#define LEADROUTED_EVENT_BODY_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "leadroute/conf.h"

#include "io/store.h"

/* The subscription event type of a stream entry's type ("assigned"); -1: none (internal). */
int event_type_of(const char *stream_type);

/* True for the types that carry a lead's snapshot (all but lead.erased and rep.status_changed). */
int event_has_snapshot(enum sub_event type);

/* The HMGET arguments (after the key) that read what event_body needs of a lead. */
void event_lead_fields(const struct conf *conf, struct store_args *a);

/*
 * The lead passes the subscription's filters (pools, sources, grades);
 * lead is the HMGET reply for event_lead_fields, NULL for events without a lead.
 */
int event_passes(const struct conf_subscription *s, const redisReply *lead);

/*
 * The body: {"type", "timestamp", "data"} for the stream entry (eid and its
 * fields as a JSON object of strings) and, for events with a snapshot, the lead as it is now
 * (its HMGET reply). malloc'd.
 */
char *event_body(const struct conf *conf, const struct conf_subscription *s, enum sub_event type,
    const char *eid, const json_t *entry, const redisReply *lead, size_t *len);

#endif
