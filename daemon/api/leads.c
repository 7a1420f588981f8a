/*
 * leads.c — POST /v1/leads, GET /v1/leads/{id}, POST /v1/route/simulate: the
 * HTTP side of them (body, Idempotency-Key, replies); deciding and storing a
 * lead is the intake's (engine/intake.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/lead.h"
#include "leadroute/tstamp.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "engine/intake.h"
#include "engine/lead_resolve.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* POST /v1/leads answers with the lead as stored. */
static void
api_on_lead_posted(void *arg, enum intake_outcome outcome, const struct lead_view *v,
    const char *why)
{
	struct http_request *req = arg;
	struct jsonw w = { 0 };
	char location[64];

	switch (outcome) {
	case INTAKE_UNAVAILABLE:
		api_respond_unavailable(req, why);
		return;
	case INTAKE_ERASED:
		http_respond_error(req, 410, "subject_erased", NULL,
		    "this person's data was erased on request; the lead is not stored");
		return;
	case INTAKE_KEY_REUSED:
		/* why is the key: the header's, else the body's event_id. */
		http_respond_error(req, 422, "idempotency_key_reused",
		    http_request_header(req, "Idempotency-Key") != NULL ? "Idempotency-Key" :
		    "event_id", "idempotency key %s was already used for a lead with different "
		    "fields; nothing was stored (a new lead needs a new key)", why);
		return;
	case INTAKE_STORED:
		snprintf(location, sizeof(location), "/v1/leads/%s", v->id);
		http_response_header(req, "Location", location);
		break;
	case INTAKE_JOINED:
		/* The person's open lead took the event: that lead, now. */
		snprintf(location, sizeof(location), "/v1/leads/%s", v->id);
		http_response_header(req, "Location", location);
		break;
	case INTAKE_REPLAYED:
		break;
	}
	jsonw_begin_object(&w, NULL);
	if (outcome == INTAKE_JOINED)
		jsonw_bool(&w, "re_engaged", 1);
	api_write_lead(&w, v, http_request_conf(req));
	jsonw_end_object(&w);
	api_respond_jsonw(req, outcome == INTAKE_STORED ? 201 : 200, &w);
}

/* The Idempotency-Key header (else the body's event_id keys it); -1 after answering 422. */
static int
api_idempotency_key(struct http_request *req, const char **idem)
{
	*idem = http_request_header(req, "Idempotency-Key");
	if (*idem != NULL && !lead_valid_idempotency_key(*idem)) {
		http_respond_error(req, 422, "invalid_field", "Idempotency-Key",
		    "the Idempotency-Key header must be 1-%d printable ASCII characters",
		    LEAD_IDEMPOTENCY_KEY_MAX);
		return -1;
	}
	return 0;
}

void
api_post_lead(struct http_request *req)
{
	struct lead_error err = { 0 };
	const char *idem;
	json_t *fields;
	int rc;

	if ((fields = api_body_object(req)) == NULL)
		return;
	if (api_idempotency_key(req, &idem) == -1) {
		json_decref(fields);
		return;
	}
	rc = intake_submit(http_request_ctx(req), http_request_conf(req), fields, idem, &err,
	    api_on_lead_posted, req);
	if (rc == -1)
		http_respond_error(req, 422, err.code, err.field[0] ? err.field : NULL, "%s",
		    err.message);
	else if (rc == -2)
		api_respond_unavailable(req, err.message);
	json_decref(fields);
}

/* POST /v1/route/simulate answers with the decision, marked simulated. */
static void
api_on_simulated(void *arg, const struct lead_view *v, const char *why)
{
	struct http_request *req = arg;
	struct jsonw w = { 0 };

	if (v == NULL) {
		api_respond_unavailable(req, why);
		return;
	}
	jsonw_begin_object(&w, NULL);
	jsonw_bool(&w, "simulated", 1);
	api_write_lead(&w, v, http_request_conf(req));
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

/* How far from now ?at= may look: the calendars are published 60 days ahead. */
#define SIMULATE_BEFORE_MS	(7LL * 86400000)
#define SIMULATE_AHEAD_MS	(60LL * 86400000)

/*
 * POST /v1/route/simulate[?at=RFC 3339]: the decision a lead would get now,
 * or at that time (working hours, calendars, decay as of then; status and
 * load as they are now); nothing is written.
 */
void
api_post_simulate(struct http_request *req)
{
	const char *at = http_request_query(req, "at");
	struct lead_error err = { 0 };
	int64_t at_ms = 0, now = sys_now_ms();
	json_t *fields;
	int rc;

	if (at != NULL && (tstamp_parse(at, &at_ms) == -1 || at_ms < now - SIMULATE_BEFORE_MS ||
	    at_ms > now + SIMULATE_AHEAD_MS)) {
		http_respond_error(req, 422, "invalid_field", "at", "at must be an RFC 3339 time "
		    "(2026-12-04T18:30:00Z) from 7 days ago to 60 days ahead");
		return;
	}
	if ((fields = api_body_object(req)) == NULL)
		return;
	rc = intake_simulate(http_request_ctx(req), http_request_conf(req), fields, at_ms, &err,
	    api_on_simulated, req);
	json_decref(fields);
	if (rc == -1)
		http_respond_error(req, 422, err.code, err.field[0] ? err.field : NULL, "%s",
		    err.message);
	else if (rc == -2)
		api_respond_unavailable(req, err.message);
}

/* One history entry: {"type":…, "at": RFC 3339, then its other members as stored}. */
static void
api_write_event(struct jsonw *w, const json_t *ev)
{
	const char *key;
	json_t *val;

	jsonw_begin_object(w, NULL);
	jsonw_string(w, "type", json_string_value(json_object_get(ev, "type")));
	jsonw_time(w, "at", api_ms(json_object_get(ev, "at")));
	json_object_foreach((json_t *)ev, key, val) {
		char *s;

		if (strcmp(key, "type") == 0 || strcmp(key, "at") == 0)
			continue;
		s = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
		jsonw_raw(w, key, s, strlen(s));
		free(s);
	}
	jsonw_end_object(w);
}

static void
api_on_lead(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	struct jsonw w = { 0 };
	struct lead_view v;
	const json_t *ev;
	json_t *events;
	size_t i;

	if (api_check_reply(req, reply) == -1)
		return;
	lead_view_from_hash(&v, reply->raw);
	if (v.id == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no lead %s",
		    http_request_param(req, 0));
		return;
	}
	/* A rep's token reads that rep's leads only. */
	if (!auth_sees_all_leads(req) && (v.owner == NULL ||
	    strcmp(v.owner, http_request_token(req)->rep) != 0)) {
		http_respond_error(req, 403, "forbidden", NULL,
		    "this token reads the leads of rep %s only", http_request_token(req)->rep);
		return;
	}
	jsonw_begin_object(&w, NULL);
	api_write_lead(&w, &v, http_request_conf(req));
	jsonw_begin_array(&w, "events");
	events = v.events != NULL ? json_loadb(v.events, v.events_len, 0, NULL) : NULL;
	json_array_foreach(events, i, ev)
		if (json_is_object(ev))
			api_write_event(&w, ev);
	json_decref(events);
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

/* Read lead id with its history. */
static void
api_read_lead(struct http_request *req, const char *id)
{
	struct store_args a = { 0 };

	store_args_add(&a, id);
	store_args_add(&a, http_request_conf(req)->version);
	api_eval(req, SCRIPT_LEAD_GET, &a, api_on_lead, req);
}

/* A reference resolved: read the lead it names, or answer why there is none. */
static void
api_on_lead_resolved(void *arg, const struct lead_resolved *r)
{
	struct http_request *req = arg;

	if (api_lead_resolved(req, r) == 0)
		api_read_lead(req, r->id);
}

/*
 * GET /v1/leads/{id}: by its id, or an identity of its person (a round trip
 * more; a rep's token finds that rep's leads only).
 */
void
api_get_lead(struct http_request *req)
{
	struct leadref ref;

	if (api_lead_ref(req, http_request_param(req, 0), &ref) == -1)
		return;
	if (ref.kind == LEADREF_ID)
		api_read_lead(req, ref.value);
	else
		lead_resolve(http_request_ctx(req), &ref, NULL, api_lead_ref_owner(req),
		    api_on_lead_resolved, req);
}
