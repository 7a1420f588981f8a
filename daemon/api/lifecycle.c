/*
 * lifecycle.c — the hand-off contract over HTTP: touches, accept, reject with
 * a reason, stage moves (POST /v1/leads/{id}/touch|accept|reject|stage), the
 * same as inbound events from CRM and sales-engagement tools (POST
 * /v1/events, idempotent on the sender's event id). This file reads the
 * request (the lead, the event id, who acts and the token that may speak
 * for them, the body's members) and answers; checking and running the
 * action is the engine's (engine/lifecycle.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/lead.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "engine/lead_resolve.h"
#include "engine/lifecycle.h"

/* A refusal as HTTP tells it: status, error code and the field at fault. */
static const struct api_refusal {
	int		 status;
	const char	*code;
	const char	*field;
} api_refusals[] = {
	[LIFECYCLE_NOT_FOUND] = { 404, "not_found", NULL },
	[LIFECYCLE_NO_OWNER] = { 409, "no_owner", "rep" },
	[LIFECYCLE_NOT_OWNER] = { 409, "not_owner", "rep" },
	[LIFECYCLE_CLOSED] = { 409, "lead_closed", NULL },
	[LIFECYCLE_NO_STAGE] = { 409, "no_stage", NULL },
	[LIFECYCLE_STAGE_CONFLICT] = { 409, "stage_conflict", "stage" },
	[LIFECYCLE_CADENCE] = { 409, "cadence_incomplete", "reason" },
	[LIFECYCLE_IDEM_CONFLICT] = { 409, "idempotency_conflict", "event_id" },
	[LIFECYCLE_IDEM_REUSED] = { 422, "idempotency_key_reused", "event_id" },
};

/* Answer an action's outcome: 200 with the lead, or its refusal. */
static void
api_on_lifecycle(void *arg, const struct lifecycle_outcome *o)
{
	struct http_request *req = arg;
	const struct api_refusal *ref = &api_refusals[o->status];
	struct jsonw w = { 0 };
	json_t *extra = NULL;

	switch (o->status) {
	case LIFECYCLE_DONE:
	case LIFECYCLE_REPLAYED:
		jsonw_begin_object(&w, NULL);
		api_write_lead(&w, o->lead, http_request_conf(req));
		if (o->action == LIFECYCLE_TOUCH)
			jsonw_bool(&w, "first_touch", o->first_touch);
		if (o->status == LIFECYCLE_REPLAYED)
			jsonw_bool(&w, "replayed", 1);
		jsonw_end_object(&w);
		api_respond_jsonw(req, 200, &w);
		return;
	case LIFECYCLE_UNAVAILABLE:
		api_respond_unavailable(req, o->message);
		return;
	case LIFECYCLE_INVALID:
		http_respond_error_with(req, 422, o->missing ? "missing_field" : "invalid_field",
		    o->field, o->valid != NULL ? json_pack("{s:O}", "valid", o->valid) : NULL,
		    "%s", o->message);
		return;
	case LIFECYCLE_STAGE_CONFLICT:
		extra = json_pack("{s:s, s:O}", "stage", o->stage, "allowed", o->allowed);
		break;
	case LIFECYCLE_CADENCE:
		extra = json_pack("{s:I, s:I}", "touches", (json_int_t)o->touches, "required",
		    (json_int_t)o->required);
		break;
	case LIFECYCLE_IDEM_REUSED:
		/* The key is the header's when there is one, else the body's event_id. */
		if (http_request_header(req, "Idempotency-Key") != NULL) {
			http_respond_error(req, ref->status, ref->code, "Idempotency-Key", "%s",
			    o->message);
			return;
		}
		break;
	case LIFECYCLE_NOT_FOUND:
	case LIFECYCLE_NO_OWNER:
	case LIFECYCLE_NOT_OWNER:
	case LIFECYCLE_CLOSED:
	case LIFECYCLE_NO_STAGE:
	case LIFECYCLE_IDEM_CONFLICT:
		break;
	}
	http_respond_error_with(req, ref->status, ref->code, ref->field, extra, "%s", o->message);
}

/* A required id-like actor (rep, by); NULL after answering 422. */
static const char *
actor(struct http_request *req, const json_t *body, const char *name, const char *what)
{
	const json_t *v = json_object_get(body, name);

	if (v == NULL || json_is_null(v)) {
		http_respond_error(req, 422, "missing_field", name, "%s is required (%s)", name, what);
		return NULL;
	}
	if (!json_is_string(v) || !util_valid_id(json_string_value(v), 64)) {
		http_respond_error(req, 422, "invalid_field", name,
		    "%s must be an id (1-64 of letters, digits, _ . -)", name);
		return NULL;
	}
	return json_string_value(v);
}

/*
 * Who the request is, once its lead is known: the event id, and who acts
 * (into lr->rep) — for a stage move "by"; otherwise "rep", which a rep's own
 * token speaks for (it may then be left out; another rep's is 403). 0, or
 * -1 after answering 403 or 422.
 */
static int
api_lifecycle_who(struct http_request *req, const json_t *body, struct lifecycle_req *lr)
{
	const char *asked = NULL;

	if (lr->idem != NULL && !lead_valid_idempotency_key(lr->idem)) {
		http_respond_error(req, 422, "invalid_field", "event_id",
		    "an event id must be 1-%d printable ASCII characters", LEAD_IDEMPOTENCY_KEY_MAX);
		return -1;
	}
	if (lr->action == LIFECYCLE_STAGE) {
		lr->rep = actor(req, body, "by", "who made the change");
		return lr->rep != NULL ? 0 : -1;
	}
	if (json_object_get(body, "rep") != NULL &&
	    (asked = actor(req, body, "rep", "the lead's owner")) == NULL)
		return -1;
	if ((lr->rep = auth_acting_rep(req, asked, "rep")) == NULL) {
		if (asked != NULL)
			return -1;		/* another rep's: refused */
		lr->rep = actor(req, body, "rep", "the lead's owner");
	}
	return lr->rep != NULL ? 0 : -1;
}

/* A text member of the body (NULL: absent or null); anything else is marked malformed. */
static const char *
api_text(struct lifecycle_req *lr, const json_t *body, const char *name, unsigned in)
{
	const json_t *v = json_object_get(body, name);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (!json_is_string(v)) {
		lr->malformed |= in;
		return NULL;
	}
	return json_string_value(v);
}

/* The action's inputs from the body; the engine checks them. */
static void
api_lifecycle_inputs(struct lifecycle_req *lr, const json_t *body)
{
	const json_t *v = json_object_get(body, "amount");

	lr->channel = api_text(lr, body, "channel", LIFECYCLE_IN_CHANNEL);
	lr->outcome = api_text(lr, body, "outcome", LIFECYCLE_IN_OUTCOME);
	lr->stage = api_text(lr, body, "stage", LIFECYCLE_IN_STAGE);
	lr->reason = api_text(lr, body, "reason", LIFECYCLE_IN_REASON);
	lr->note = api_text(lr, body, "note", LIFECYCLE_IN_NOTE);
	if (json_is_number(v)) {
		lr->amount = json_number_value(v);
		lr->has_amount = 1;
	} else if (v != NULL && !json_is_null(v)) {
		lr->malformed |= LIFECYCLE_IN_AMOUNT;
	}
}

/*
 * Read one action from its body and run it on lead (an id). idem is the
 * sender's event id or NULL. Answers in every case.
 */
static void
api_lifecycle_act(struct http_request *req, enum lifecycle_action action, const char *lead,
    const json_t *body, const char *idem)
{
	struct lifecycle_req lr = { .action = action, .lead = lead, .idem = idem };

	if (api_lifecycle_who(req, body, &lr) == -1)
		return;
	api_lifecycle_inputs(&lr, body);
	lifecycle_run(http_request_ctx(req), http_request_conf(req), &lr, api_on_lifecycle, req);
}

/* An action waiting for the lead its reference names. */
struct api_lifecycle_wait {
	struct http_request	*req;
	enum lifecycle_action	 action;
	json_t			*body;		/* held */
	const char		*idem;		/* the request's header, or in body */
};

static void
api_on_lifecycle_resolved(void *arg, const struct lead_resolved *r)
{
	struct api_lifecycle_wait *w = arg;

	if (api_lead_resolved(w->req, r) == 0)
		api_lifecycle_act(w->req, w->action, r->id, w->body, w->idem);
	json_decref(w->body);
	free(w);
}

/*
 * The lead first: lead names it by its id, or by an identity of its person,
 * resolved before anything else is read (a reference that names no lead,
 * or several, is answered as a bad id is: before the other checks). An id
 * goes straight on. Answers in every case.
 */
static void
api_lifecycle_run(struct http_request *req, enum lifecycle_action action, const char *lead,
    json_t *body, const char *idem)
{
	struct api_lifecycle_wait *w;
	struct leadref ref;

	if (api_lead_ref(req, lead, &ref) == -1)
		return;
	if (ref.kind == LEADREF_ID) {
		api_lifecycle_act(req, action, lead, body, idem);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->req = req;
	w->action = action;
	w->body = json_incref(body);
	w->idem = idem;
	/* A retried event finds the lead it acted on (a key the checks refuse finds none). */
	lead_resolve(http_request_ctx(req), &ref, idem != NULL &&
	    lead_valid_idempotency_key(idem) ? idem : NULL, api_lead_ref_owner(req),
	    api_on_lifecycle_resolved, w);
}

static void
api_lifecycle_post(struct http_request *req, enum lifecycle_action action)
{
	json_t *body;

	if ((body = api_body_object(req)) == NULL)
		return;
	api_lifecycle_run(req, action, http_request_param(req, 0), body,
	    http_request_header(req, "Idempotency-Key"));
	json_decref(body);
}

void
api_post_touch(struct http_request *req)
{
	api_lifecycle_post(req, LIFECYCLE_TOUCH);
}

void
api_post_accept(struct http_request *req)
{
	api_lifecycle_post(req, LIFECYCLE_ACCEPT);
}

void
api_post_reject(struct http_request *req)
{
	api_lifecycle_post(req, LIFECYCLE_REJECT);
}

void
api_post_stage(struct http_request *req)
{
	api_lifecycle_post(req, LIFECYCLE_STAGE);
}

/*
 * POST /v1/events: one event from a CRM or sales-engagement tool —
 * {"type": "touch" | "accept" | "reject" | "stage", "lead": an id or a
 * reference (email:, phone:, crm:), "event_id":
 * the sender's id (or the Idempotency-Key header), then the fields of that
 * action}. A replayed event id changes nothing and answers as before.
 */
void
api_post_event(struct http_request *req)
{
	enum lifecycle_action action;
	const char *lead, *idem;
	const json_t *t, *l;
	json_t *body;

	if ((body = api_body_object(req)) == NULL)
		return;
	t = json_object_get(body, "type");
	l = json_object_get(body, "lead");
	lead = json_string_value(l);
	if (lifecycle_action_parse(json_string_value(t), &action) == -1) {
		http_respond_error(req, 422, t == NULL ? "missing_field" : "invalid_field", "type",
		    "type must be touch, accept, reject or stage");
	} else if (lead == NULL) {
		http_respond_error(req, 422, l == NULL ? "missing_field" : "invalid_field", "lead",
		    "lead must be a lead's id, or email:, phone: or crm: and a value");
	} else {
		idem = http_request_header(req, "Idempotency-Key");
		if (idem == NULL)
			idem = json_string_value(json_object_get(body, "event_id"));
		api_lifecycle_run(req, action, lead, body, idem);
	}
	json_decref(body);
}
