/* tell.h — who is told of an event, and what they read: messages composed for each channel. */
#ifndef LEADROUTED_TELL_H
#define LEADROUTED_TELL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"

#include "engine/event_body.h"

/*
 * The zone a message's times are written in for its reader: the owner's
 * working hours, else the pool's; NULL (UTC) without either.
 */
const struct tz_zone *tell_zone(const struct conf *conf, const char *owner, const char *pool);

/* True when messages to t show the lead's context (Slack, email): a job for t wants the lead read. */
int tell_shows_lead(const struct conf_notify_target *t);

/*
 * The rep message for a stream entry of the built-in subscription s
 * (lead.assigned, lead.reassigned, lead.re_engaged): "<target id>\n<payload>"
 * for the owner's channel (else the pool's), malloc'd; NULL when nobody is
 * to be told (no owner, no channel, or the lead has another owner by now).
 */
char *tell_rep_event(const struct conf *conf, const struct conf_subscription *s,
    enum sub_event type, const char *eid, const json_t *entry, struct lead_snap *lead,
    size_t *len);

/*
 * An outbox job's message ({"type", "at", "data"}) for t, a channel that
 * shows the lead (tell_shows_lead), with the lead as it is now (NULL or gone:
 * the job's data alone): "<target id>\n<payload>", malloc'd; NULL when the
 * event is not an object with a type.
 */
char *tell_job(const struct conf *conf, const struct conf_notify_target *t, const json_t *event,
    struct lead_snap *lead, size_t *len, int64_t now_ms);

#endif
