/* event_body.h — an event as subscribers get it: the Standard Webhooks envelope of a stream entry and its lead. */
#ifndef LEADROUTED_EVENT_BODY_H
#define LEADROUTED_EVENT_BODY_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "leadroute/conf.h"

#include "io/store.h"

/* A lead as event_body reads it: the values of event_lead_fields, owned. */
struct lead_snap {
	size_t	 n;
	char	**vals;		/* NULL where the hash has no such field */
	int	 exists;	/* the lead is there (not erased, not expired) */
	int64_t	 seq;		/* its last event's sequence number when read (INT64_MAX: gone or unknown) */
	char	*members[2];	/* its part of a body as JSON members, without and with contact details: */
	size_t	 members_len[2];	/* built once, for every event and subscription it serves */
};

/* Free what snap holds (not snap itself). */
void event_lead_snap_clear(struct lead_snap *snap);

/* Fill snap from the HMGET reply of event_lead_fields. */
void event_lead_snap_fill(struct lead_snap *snap, const redisReply *r);

/* The subscription event type of a stream entry's type ("assigned"); -1: none (internal). */
int event_type_of(const char *stream_type);

/* True for the types that carry a lead's snapshot (all but lead.erased and rep.status_changed). */
int event_has_snapshot(enum sub_event type);

/* The HMGET arguments (after the key) that read what event_body needs of a lead. */
void event_lead_fields(const struct conf *conf, struct store_args *a);

/*
 * The lead passes the subscription's filters (pools, sources, grades);
 * lead is NULL for events without a lead.
 */
int event_passes(const struct conf_subscription *s, const struct lead_snap *lead);

/*
 * The body: {"type", "timestamp", "data"} for the stream entry (eid and its
 * fields as a JSON object of strings) and, for events with a snapshot, the lead as it is now.
 * malloc'd.
 */
char *event_body(const struct conf *conf, const struct conf_subscription *s, enum sub_event type,
    const char *eid, const json_t *entry, struct lead_snap *lead, size_t *len);

/* The lead as a JSON object of the snapshot's members, contact details included; a new reference. */
json_t *event_lead_object(const struct conf *conf, struct lead_snap *lead);

/* The lead's routing trace (route.lua) and its owner; NULL when unknown. */
const char *event_lead_trace(const struct lead_snap *lead);
const char *event_lead_owner(const struct lead_snap *lead);

/* When the lead got its current owner (epoch ms); -1 when unknown or never. */
int64_t event_lead_assigned_at(const struct lead_snap *lead);

#endif
