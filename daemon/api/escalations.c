/*
 * api_escalations.c — GET /v1/escalations (SLA breaches, newest first, paged
 * and filtered) and POST /v1/escalations/{id}/ack (stops the later levels).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/feed.h"
#include "io/log.h"
#include "io/store.h"
#include "server.h"

#define ESCALATIONS_DEFAULT_LIMIT	50
#define ESCALATIONS_MAX_LIMIT		500
#define ACK_NOTE_MAX			1000

static void
api_write_esc_times(struct jsonw *w, const json_t *e, const char *key)
{
	const json_t *v = json_object_get(e, key);

	jsonw_time(w, key, json_is_number(v) ? api_ms(v) : -1);
}

/* What each level did. */
static void
api_write_esc_actions(struct jsonw *w, const json_t *actions)
{
	const json_t *a, *v;
	size_t i, j;

	jsonw_begin_array(w, "actions");
	if (json_is_array(actions)) {	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(actions, i, a) {
			jsonw_begin_object(w, NULL);
			jsonw_int(w, "level", json_integer_value(json_object_get(a, "level")));
			jsonw_time(w, "at", api_ms(json_object_get(a, "at")));
			jsonw_begin_array(w, "notified");
			if (json_is_array(json_object_get(a, "notify")))
				json_array_foreach(json_object_get(a, "notify"), j, v)
					jsonw_string(w, NULL, json_string_value(v));
			jsonw_end_array(w);
			if ((v = json_object_get(a, "reassigned_to")) != NULL)
				jsonw_string(w, "reassigned_to", json_string_value(v));
			if ((v = json_object_get(a, "reassign_failed")) != NULL)
				jsonw_string(w, "reassign_failed", json_string_value(v));
			jsonw_end_object(w);
		}
	}
	jsonw_end_array(w);
}

/* One escalation from its stored JSON record (see lua/lib/esc.lua, sla_claim.lua). */
static void
api_write_escalation(struct jsonw *w, const char *key, const char *text)
{
	json_t *e = json_loads(text, 0, NULL);
	const json_t *v;

	if (!json_is_object(e)) {
		json_decref(e);
		return;
	}
	jsonw_begin_object(w, key);
	jsonw_string(w, "id", json_string_value(json_object_get(e, "id")));
	jsonw_string(w, "lead", json_string_value(json_object_get(e, "lead")));
	jsonw_string(w, "clock", json_string_value(json_object_get(e, "clock")));
	jsonw_string(w, "status", json_string_value(json_object_get(e, "status")));
	jsonw_string(w, "pool", json_string_value(json_object_get(e, "pool")));
	jsonw_string(w, "owner", json_string_value(json_object_get(e, "owner")));
	api_write_esc_times(w, e, "due_at");
	api_write_esc_times(w, e, "breached_at");
	jsonw_int(w, "level", json_integer_value(json_object_get(e, "level")));
	jsonw_int(w, "levels", json_integer_value(json_object_get(e, "levels")));
	api_write_esc_times(w, e, "next_level_at");
	api_write_esc_actions(w, json_object_get(e, "actions"));
	if ((v = json_object_get(e, "acknowledged_at")) != NULL) {
		jsonw_time(w, "acknowledged_at", api_ms(v));
		jsonw_string(w, "acknowledged_by",
		    json_string_value(json_object_get(e, "acknowledged_by")));
	}
	if ((v = json_object_get(e, "resolved_at")) != NULL) {
		jsonw_time(w, "resolved_at", api_ms(v));
		jsonw_string(w, "resolved_by", json_string_value(json_object_get(e, "resolved_by")));
	}
	if ((v = json_object_get(e, "note")) != NULL)
		jsonw_string(w, "note", json_string_value(v));
	jsonw_end_object(w);
	json_decref(e);
}

static void
api_escalation_item(struct jsonw *w, struct http_request *req, const json_t *item)
{
	(void)req;
	api_write_escalation(w, NULL, json_string_value(item));
}

static void
api_on_escalations(const struct store_reply *reply, void *arg)
{
	api_respond_page(arg, reply, "items", "escalations",
	    json_string_value(json_object_get(reply->json, "next")), api_escalation_item);
}

void
api_get_escalations(struct http_request *req)
{
	const char *lead = http_request_query(req, "lead"), *cursor;
	const char *status = http_request_query(req, "status"), *pool = http_request_query(req, "pool");
	struct store_args a = { 0 };
	long n;

	if (api_page_params(req, ESCALATIONS_DEFAULT_LIMIT, ESCALATIONS_MAX_LIMIT, &n, &cursor) == -1)
		return;
	if (lead != NULL && !ulid_valid(lead)) {
		http_respond_error(req, 400, "invalid_parameter", "lead", "lead must be a lead id");
		return;
	}
	if (status != NULL && strcmp(status, "open") != 0 && strcmp(status, "acknowledged") != 0 &&
	    strcmp(status, "resolved") != 0) {
		http_respond_error(req, 400, "invalid_parameter", "status",
		    "status must be open, acknowledged or resolved");
		return;
	}
	if (pool != NULL && !util_valid_id(pool, 64)) {
		http_respond_error(req, 400, "invalid_parameter", "pool", "pool must be a pool id");
		return;
	}
	store_args_add_int(&a, n);
	store_args_add(&a, cursor != NULL ? cursor : "");
	store_args_add(&a, lead != NULL ? lead : "");
	store_args_add(&a, status != NULL ? status : "");
	store_args_add(&a, pool != NULL ? pool : "");
	api_eval(req, SCRIPT_ESCALATIONS, &a, api_on_escalations, req);
}

static void
api_on_ack(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const redisReply *r = reply->raw;
	struct jsonw w = { 0 };

	if (api_check_answer(req, reply, r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements >= 1, "unexpected reply from the ack script") == -1)
		return;
	if (strcmp(r->element[0]->str, "not_found") == 0) {
		http_respond_error(req, 404, "not_found", NULL, "no escalation %s",
		    http_request_param(req, 0));
		return;
	}
	jsonw_begin_object(&w, NULL);
	if (strcmp(r->element[0]->str, "closed") == 0) {
		jsonw_begin_object(&w, "error");
		jsonw_string(&w, "code", "escalation_closed");
		jsonw_string(&w, "message", "the escalation is no longer open: only an open one "
		    "can be acknowledged");
		jsonw_end_object(&w);
		api_write_escalation(&w, "escalation", r->element[1]->str);
		jsonw_end_object(&w);
		api_respond_jsonw(req, 409, &w);
		return;
	}
	log_info("escalation_acknowledged", "escalation=%s", http_request_param(req, 0));
	feed_kick(((struct server *)http_request_ctx(req))->feed);
	api_write_escalation(&w, "escalation", r->element[1]->str);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

/* POST /v1/escalations/{id}/ack {"by": "maria", "note": "…"} */
void
api_post_escalation_ack(struct http_request *req)
{
	const char *id = http_request_param(req, 0), *by, *note = "";
	struct store_args a = { 0 };
	json_t *body, *v;
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9' || i >= 18)
			break;
	if (id[i] != '\0' || i == 0) {
		http_respond_error(req, 404, "not_found", NULL, "no escalation %s", id);
		return;
	}
	if ((body = api_body_object(req)) == NULL)
		return;
	if (!json_is_string(v = json_object_get(body, "by")) ||
	    !util_valid_id((by = json_string_value(v)), 64)) {
		json_decref(body);
		http_respond_error(req, 422, v == NULL ? "missing_field" : "invalid_field", "by",
		    "by must name who acknowledges: 1-64 of letters, digits, _ . -");
		return;
	}
	if ((v = json_object_get(body, "note")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) > ACK_NOTE_MAX) {
			json_decref(body);
			http_respond_error(req, 422, "invalid_field", "note",
			    "note must be a string of at most %d bytes", ACK_NOTE_MAX);
			return;
		}
		note = json_string_value(v);
	}
	store_args_add(&a, id);
	store_args_add(&a, by);
	store_args_add(&a, note);
	json_decref(body);
	api_eval(req, SCRIPT_ESC_ACK, &a, api_on_ack, req);
}
