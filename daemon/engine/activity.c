/*
 * activity.c — a CRM's activity on a lead: the event names the lead by the
 * CRM's id of its person (crm:<id>) and says what happened. A call, email or
 * meeting is a touch, by the rep the source's owners map gives the CRM's
 * owner id, else (the CRM names none, or the source maps none) by whoever
 * owns the lead; an owner changed by hand reassigns the lead to the mapped
 * rep. Everything else is ignored, with why.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/lead.h"
#include "leadroute/leadref.h"
#include "leadroute/util.h"

#include "engine/activity.h"
#include "engine/lead_resolve.h"
#include "engine/lifecycle.h"
#include "server.h"

/* One event on its way: resolving its lead, then acting on it. */
struct activity_op {
	struct server		*srv;
	struct conf		*conf;		/* the caller's, held by it */
	activity_cb		*cb;
	void			*arg;
	enum lifecycle_action	 action;
	char			*ref;		/* "crm:<id>" */
	char			*idem;		/* "src:<source>:<event id>" */
	char			*channel;
	const char		*rep;		/* borrowed from conf; NULL: the lead's owner */
};

static void
op_free(struct activity_op *op)
{
	free(op->ref);
	free(op->idem);
	free(op->channel);
	free(op);
}

/* Answer without acting: IGNORED or REFUSED (code, field) with a message. */
static void LR_PRINTF(6, 7)
activity_answer(activity_cb *cb, void *arg, enum activity_result result, const char *code,
    const char *field, const char *fmt, ...)
{
	struct activity_outcome o = { .result = result, .code = code, .field = field };
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o.message = msg;
	cb(arg, &o);
}

/* The error code an API answer would carry for a lifecycle refusal. */
static const char *
activity_code(enum lifecycle_status st)
{
	switch (st) {
	case LIFECYCLE_NOT_FOUND:
		return "lead_not_found";
	case LIFECYCLE_NO_OWNER:
		return "no_owner";
	case LIFECYCLE_NOT_OWNER:
		return "not_owner";
	case LIFECYCLE_CLOSED:
		return "lead_closed";
	case LIFECYCLE_IDEM_CONFLICT:
		return "idempotency_conflict";
	case LIFECYCLE_IDEM_REUSED:
		return "idempotency_key_reused";
	case LIFECYCLE_UNAVAILABLE:
		return "unavailable";
	default:
		return "invalid_field";
	}
}

static void
activity_on_done(void *arg, const struct lifecycle_outcome *lo)
{
	struct activity_op *op = arg;
	struct activity_outcome o = { .message = lo->message };

	switch (lo->status) {
	case LIFECYCLE_DONE:
		if (lo->action == LIFECYCLE_REASSIGN && !lo->changed) {
			o.result = ACTIVITY_IGNORED;
			o.code = "ignored";
			o.message = "the CRM's owner owns the lead already";
			break;
		}
		o.result = lo->action == LIFECYCLE_TOUCH ? ACTIVITY_TOUCHED : ACTIVITY_REASSIGNED;
		o.lead = lo->lead;
		o.first_touch = lo->first_touch;
		break;
	case LIFECYCLE_REPLAYED:
		o.result = ACTIVITY_REPLAYED;
		o.lead = lo->lead;
		break;
	case LIFECYCLE_UNAVAILABLE:
		o.result = ACTIVITY_UNAVAILABLE;
		o.code = "unavailable";
		break;
	default:
		o.result = ACTIVITY_REFUSED;
		o.code = activity_code(lo->status);
		o.field = lo->status == LIFECYCLE_INVALID ? lo->field : NULL;
		break;
	}
	op->cb(op->arg, &o);
	op_free(op);
}

static void
activity_on_resolved(void *arg, const struct lead_resolved *r)
{
	struct activity_op *op = arg;
	struct lifecycle_req req = { .action = op->action, .rep = op->rep, .idem = op->idem };

	switch (r->status) {
	case LEAD_RESOLVED:
		req.lead = r->id;
		if (op->action == LIFECYCLE_TOUCH) {
			req.as_owner = op->rep == NULL;
			req.channel = op->channel;
		} else {
			req.by = "crm";
			req.reason = "crm_owner_change";
		}
		lifecycle_run(op->srv, op->conf, &req, activity_on_done, op);
		return;
	case LEAD_RESOLVE_NONE:
		activity_answer(op->cb, op->arg, ACTIVITY_REFUSED, "lead_not_found", "crm_id",
		    "no lead for %s", op->ref);
		break;
	case LEAD_RESOLVE_SEVERAL:
		activity_answer(op->cb, op->arg, ACTIVITY_REFUSED, "ambiguous_lead", "crm_id",
		    "%s names %zu open leads: nothing was changed", op->ref, r->nseveral);
		break;
	case LEAD_RESOLVE_UNAVAILABLE:
		activity_answer(op->cb, op->arg, ACTIVITY_UNAVAILABLE, "unavailable", NULL,
		    "Redis is unavailable (%s); send it again", r->message);
		break;
	}
	op_free(op);
}

/* A member as text (a string, or a whole number as CRMs write ids): tmp or NULL. */
static const char *
activity_text(const json_t *act, const char *name, char *tmp, size_t size)
{
	const json_t *v = json_object_get(act, name);

	if (json_is_string(v) && json_string_length(v) > 0)
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, size, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	return NULL;
}

int
activity_run(struct server *srv, struct conf *conf, const struct conf_source *src,
    const json_t *act, const char *event_id, activity_cb *cb, void *arg)
{
	char idbuf[32], ownbuf[32], *ref;
	const char *action = json_string_value(json_object_get(act, "action"));
	const char *crm_id = activity_text(act, "crm_id", idbuf, sizeof(idbuf));
	const char *owner = activity_text(act, "crm_owner", ownbuf, sizeof(ownbuf));
	const char *channel = json_string_value(json_object_get(act, "channel"));
	const char *rep = conf_source_rep(src, owner);
	struct activity_op *op;
	struct leadref lref;
	int touch;

	if (action == NULL || (strcmp(action, "touch") != 0 && strcmp(action, "owner") != 0)) {
		activity_answer(cb, arg, ACTIVITY_IGNORED, "ignored", NULL,
		    "not an activity this source acts on (action: touch or owner)");
		return -1;
	}
	touch = strcmp(action, "touch") == 0;
	if (json_is_true(json_object_get(act, "removed"))) {
		activity_answer(cb, arg, ACTIVITY_IGNORED, "ignored", NULL,
		    "an activity taken off a record is no touch");
		return -1;
	}
	if (crm_id == NULL) {
		activity_answer(cb, arg, ACTIVITY_IGNORED, "ignored", NULL,
		    "names no CRM record of a person (crm_id)");
		return -1;
	}
	if (touch && channel == NULL) {
		activity_answer(cb, arg, ACTIVITY_IGNORED, "ignored", NULL,
		    "not a call, email or meeting");
		return -1;
	}
	if (!touch && owner == NULL) {
		activity_answer(cb, arg, ACTIVITY_IGNORED, "ignored", NULL,
		    "no new owner: the owner was cleared, or another property changed");
		return -1;
	}
	/* A CRM owner the map does not know acts for no rep: nothing changes. */
	if (owner != NULL && rep == NULL && (!touch || src->nowners > 0)) {
		activity_answer(cb, arg, ACTIVITY_REFUSED, "unknown_owner", "crm_owner",
		    "CRM owner %.64s is no rep in this source's owners; nothing was changed", owner);
		return -1;
	}
	ref = xasprintf("crm:%s", crm_id);
	if (leadref_parse(ref, &lref) == -1 || lref.kind == LEADREF_ID) {
		activity_answer(cb, arg, ACTIVITY_REFUSED, "invalid_event", "crm_id",
		    "%.100s cannot name a lead: %s", ref, lref.why != NULL ? lref.why : "an id");
		free(ref);
		return -1;
	}
	op = xcalloc(1, sizeof(*op));
	op->srv = srv;
	op->conf = conf;
	op->cb = cb;
	op->arg = arg;
	op->action = touch ? LIFECYCLE_TOUCH : LIFECYCLE_REASSIGN;
	op->ref = ref;
	op->idem = xasprintf("src:%s:%s", src->name, event_id);
	op->channel = touch ? xstrdup(channel) : NULL;
	op->rep = rep;
	/* lref.value points into op->ref, which lives until op is freed. */
	if (lead_resolve(srv, &lref, lead_valid_idempotency_key(op->idem) ? op->idem : NULL, NULL,
	    activity_on_resolved, op) == -1)
		return -1;
	return 0;
}
