/*
 * activity.h — what a CRM's activity source sends (kind: activity;
 * docs/sources.md): each event an action on the lead its CRM id names — a
 * call, email or meeting logged (a touch), or the owner changed by hand (a
 * reassignment). The lead is found as a crm: reference (lead_resolve) and
 * the action runs through lifecycle_run, with the sender's event id as its
 * key, so a retried delivery is a replay.
 */
#ifndef LEADROUTED_ACTIVITY_H
#define LEADROUTED_ACTIVITY_H

#include <jansson.h>

#include "leadroute/conf.h"

#include "engine/lead_view.h"

struct server;

enum activity_result {
	ACTIVITY_TOUCHED,	/* the touch is recorded (first_touch: the lead's first) */
	ACTIVITY_REASSIGNED,	/* the lead went to the CRM's new owner */
	ACTIVITY_REPLAYED,	/* the event id was used on this lead already: nothing changed */
	ACTIVITY_IGNORED,	/* not an activity that acts on a lead (message: why) */
	ACTIVITY_REFUSED,	/* code, field, message: why; nothing changed */
	ACTIVITY_UNAVAILABLE,	/* Redis failed or refused the call (message) */
};

/* An outcome, borrowed for the callback's duration. */
struct activity_outcome {
	enum activity_result	 result;
	const struct lead_view	*lead;		/* TOUCHED, REASSIGNED, REPLAYED; else NULL */
	int			 first_touch;
	const char		*code;		/* IGNORED: "ignored"; REFUSED, UNAVAILABLE: the code */
	const char		*field;		/* REFUSED: the input at fault, or NULL */
	const char		*message;	/* NULL for TOUCHED, REASSIGNED, REPLAYED */
};

typedef void activity_cb(void *arg, const struct activity_outcome *o);

/*
 * Act on one mapped event act ({action, crm_id, channel, crm_owner,
 * removed}) of source src, whose event id is event_id. conf is the
 * config the request started with, held by the caller until cb has run.
 * Returns 0 when something was sent: cb runs later, from the loop; -1 when
 * cb has already run.
 */
int activity_run(struct server *srv, struct conf *conf, const struct conf_source *src,
    const json_t *act, const char *event_id, activity_cb *cb, void *arg);

#endif
