/* api_leads.c — POST /v1/leads, GET /v1/leads/{id}, POST /v1/leads/{id}/touch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/lead.h"
#include "leadroute/route.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "api.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "sla.h"
#include "store.h"
#include "sysutil.h"

/* A lead on its way through the route script. */
struct lead_post {
	struct http_request	*req;
	struct server		*srv;
	const struct conf_rule	*rule;		/* borrowed from the request's config */
	json_t			*fields;
	char			 id[ULID_LEN + 1];
};

static void
lead_post_free(struct lead_post *lp)
{
	json_decref(lp->fields);
	free(lp);
}

static void
api_on_routed(const struct store_reply *reply, void *arg)
{
	struct lead_post *lp = arg;
	struct http_request *req = lp->req;
	const json_t *r = reply->json;
	json_t *hash, *lead;
	char location[64];
	const char *status, *owner;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		goto out;
	}
	if (!json_is_true(json_object_get(r, "created"))) {
		metrics_inc(METRIC_LEADS_DUPLICATE, 1);
		lead = api_lead_json(json_object_get(r, "lead"));
		log_info("lead_duplicate", "lead=%s", json_string_value(json_object_get(lead, "id")));
		http_respond_json(req, 200, lead);
		goto out;
	}
	status = json_string_value(json_object_get(r, "status"));
	owner = json_string_value(json_object_get(r, "owner"));
	hash = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:o}", "id", lp->id,
	    "status", status != NULL ? status : "?", "pool", lp->rule->pool->id,
	    "rule", lp->rule->name, "received_at", json_object_get(r, "received_at"),
	    "route_due", json_object_get(r, "route_due"), "fields", json_incref(lp->fields));
	metrics_inc(METRIC_LEADS_RECEIVED, 1);
	if (owner != NULL) {
		json_object_set_new(hash, "owner", json_string(owner));
		json_object_set(hash, "assigned_at", json_object_get(r, "assigned_at"));
		json_object_set(hash, "ft_due", json_object_get(r, "ft_due"));
		metrics_inc(METRIC_LEADS_ASSIGNED_ON_ARRIVAL, 1);
		log_info("lead_assigned", "lead=%s owner=%s pool=%s rule=%s via=arrival",
		    lp->id, owner, lp->rule->pool->id, lp->rule->name);
		sla_note_deadline(lp->srv->sla, api_ms(json_object_get(r, "ft_due")));
	} else {
		metrics_inc(METRIC_LEADS_QUEUED, 1);
		log_info("lead_queued", "lead=%s pool=%s rule=%s", lp->id, lp->rule->pool->id,
		    lp->rule->name);
		sla_note_deadline(lp->srv->sla, api_ms(json_object_get(r, "route_due")));
	}
	lead = api_lead_json(hash);
	json_decref(hash);
	snprintf(location, sizeof(location), "/v1/leads/%s", lp->id);
	http_response_header(req, "Location", location);
	http_respond_json(req, 201, lead);
out:
	lead_post_free(lp);
}

void
api_post_lead(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const struct conf *conf = http_request_conf(req);
	struct store_args a = { 0 };
	struct lead_error err;
	struct lead_post *lp;
	const char *idem;
	json_t *body, *fields;
	char *text;
	int64_t now;
	size_t i;

	if ((body = api_body_object(req)) == NULL)
		return;
	if (lead_validate(body, &fields, &err) == -1) {
		json_decref(body);
		metrics_inc(METRIC_LEADS_INVALID, 1);
		http_respond_error(req, 422, err.code, err.field[0] ? err.field : NULL, "%s",
		    err.message);
		return;
	}
	json_decref(body);
	idem = http_request_header(req, "Idempotency-Key");
	if (idem != NULL && !lead_valid_idempotency_key(idem)) {
		json_decref(fields);
		http_respond_error(req, 422, "invalid_field", "Idempotency-Key",
		    "the Idempotency-Key header must be 1-%d printable ASCII characters",
		    LEAD_IDEMPOTENCY_KEY_MAX);
		return;
	}
	if (idem == NULL)
		idem = json_string_value(json_object_get(fields, "event_id"));

	lp = xcalloc(1, sizeof(*lp));
	lp->req = req;
	lp->srv = srv;
	lp->fields = fields;
	lp->rule = route_select_rule(conf, fields);
	now = sys_now_ms();
	sys_new_lead_id(now, lp->id);

	text = json_dumps(fields, JSON_COMPACT);
	store_args_add(&a, lp->id);
	store_args_add(&a, idem != NULL ? idem : "");
	store_args_addf(&a, "%lld", (long long)conf->leads.idempotency_window_ms);
	store_args_addf(&a, "%lld", (long long)conf->sla.route_ms);
	store_args_addf(&a, "%lld", (long long)conf->sla.first_touch_ms);
	store_args_add(&a, lp->rule->pool->id);
	store_args_add(&a, lp->rule->name);
	store_args_add(&a, text);
	for (i = 0; i < lp->rule->pool->nreps; i++)
		store_args_add(&a, lp->rule->pool->reps[i]->id);
	free(text);
	if (store_eval(srv->store, SCRIPT_ROUTE, now, &a, api_on_routed, lp) == -1) {
		lead_post_free(lp);
		api_respond_unavailable(req, "not connected or too busy");
	}
}

static json_t *
api_event_json(const char *text)
{
	json_t *ev = json_loads(text, 0, NULL), *out;
	const char *key;
	json_t *val;

	if (!json_is_object(ev)) {
		json_decref(ev);
		return json_pack("{s:s}", "type", "unknown");
	}
	out = json_object();
	json_object_set(out, "type", json_object_get(ev, "type"));
	api_set_time(out, "at", api_ms(json_object_get(ev, "at")));
	json_object_foreach(ev, key, val)
		if (strcmp(key, "type") != 0 && strcmp(key, "at") != 0)
			json_object_set(out, key, val);
	json_decref(ev);
	return out;
}

static void
api_on_lead(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const json_t *events, *ev;
	json_t *lead, *list;
	size_t i;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return;
	}
	if (json_object_get(reply->json, "error") != NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no lead %s",
		    http_request_param(req, 0));
		return;
	}
	lead = api_lead_json(json_object_get(reply->json, "lead"));
	list = json_array();
	events = json_object_get(reply->json, "events");
	if (json_is_array(events))
		json_array_foreach(events, i, ev)
			json_array_append_new(list, api_event_json(json_string_value(ev)));
	json_object_set_new(lead, "events", list);
	http_respond_json(req, 200, lead);
}

/* Lead ids are ULIDs; anything else cannot name a lead. */
static int
api_lead_id_ok(struct http_request *req)
{
	if (ulid_valid(http_request_param(req, 0)))
		return 1;
	http_respond_error(req, 404, "not_found", NULL, "no lead %s", http_request_param(req, 0));
	return 0;
}

void
api_get_lead(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct store_args a = { 0 };

	if (!api_lead_id_ok(req))
		return;
	store_args_add(&a, http_request_param(req, 0));
	if (store_eval(srv->store, SCRIPT_LEAD_GET, sys_now_ms(), &a, api_on_lead, req) == -1)
		api_respond_unavailable(req, "not connected or too busy");
}

static void
api_on_touched(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const char *error;
	json_t *out;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return;
	}
	error = json_string_value(json_object_get(reply->json, "error"));
	if (error != NULL && strcmp(error, "not_found") == 0) {
		http_respond_error(req, 404, "not_found", NULL, "no lead %s",
		    http_request_param(req, 0));
		return;
	}
	if (error != NULL && strcmp(error, "no_owner") == 0) {
		http_respond_error(req, 409, "no_owner", "rep",
		    "lead %s has no owner yet (it is %s)", http_request_param(req, 0),
		    json_string_value(json_object_get(reply->json, "status")));
		return;
	}
	if (error != NULL) {
		http_respond_error(req, 409, "not_owner", "rep", "lead %s is owned by %s",
		    http_request_param(req, 0),
		    json_string_value(json_object_get(reply->json, "owner")));
		return;
	}
	out = api_lead_json(json_object_get(reply->json, "lead"));
	metrics_inc(METRIC_TOUCHES, 1);
	log_info("lead_touched", "lead=%s rep=%s first=%s", http_request_param(req, 0),
	    json_string_value(json_object_get(out, "owner")),
	    json_is_true(json_object_get(reply->json, "first")) ? "true" : "false");
	json_object_set(out, "first_touch", json_object_get(reply->json, "first"));
	http_respond_json(req, 200, out);
}

void
api_post_touch(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct store_args a = { 0 };
	const json_t *rep, *channel;
	json_t *body;

	if (!api_lead_id_ok(req) || (body = api_body_object(req)) == NULL)
		return;
	rep = json_object_get(body, "rep");
	channel = json_object_get(body, "channel");
	if (rep == NULL) {
		http_respond_error(req, 422, "missing_field", "rep", "rep is required");
		goto out;
	}
	if (!json_is_string(rep) || !util_valid_id(json_string_value(rep), 64)) {
		http_respond_error(req, 422, "invalid_field", "rep",
		    "rep must be a rep id (1-64 of letters, digits, _ . -)");
		goto out;
	}
	if (channel != NULL && !json_is_null(channel) &&
	    (!json_is_string(channel) || !util_valid_id(json_string_value(channel), 32))) {
		http_respond_error(req, 422, "invalid_field", "channel",
		    "channel must be a word such as call, email or meeting (1-32 of letters, digits, _ . -)");
		goto out;
	}
	store_args_add(&a, http_request_param(req, 0));
	store_args_add(&a, json_string_value(rep));
	store_args_add(&a, json_is_string(channel) ? json_string_value(channel) : "");
	if (store_eval(srv->store, SCRIPT_TOUCH, sys_now_ms(), &a, api_on_touched, req) == -1)
		api_respond_unavailable(req, "not connected or too busy");
out:
	json_decref(body);
}
