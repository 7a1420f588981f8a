/* api_escalations.c — GET /v1/escalations: SLA breaches, newest first, paged. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/ulid.h"

#include "api.h"
#include "server.h"
#include "store.h"
#include "sysutil.h"

#define ESCALATIONS_DEFAULT_LIMIT	50
#define ESCALATIONS_MAX_LIMIT		500

/* One escalation from its stored JSON record. */
static void
api_write_escalation(struct jsonw *w, const char *text)
{
	json_t *e = json_loads(text, 0, NULL);

	if (!json_is_object(e)) {
		json_decref(e);
		return;
	}
	jsonw_begin_object(w, NULL);
	jsonw_string(w, "id", json_string_value(json_object_get(e, "id")));
	jsonw_string(w, "lead", json_string_value(json_object_get(e, "lead")));
	jsonw_string(w, "kind", json_string_value(json_object_get(e, "kind")));
	jsonw_string(w, "pool", json_string_value(json_object_get(e, "pool")));
	jsonw_string(w, "owner", json_string_value(json_object_get(e, "owner")));
	jsonw_time(w, "due_at", api_ms(json_object_get(e, "due_at")));
	jsonw_time(w, "fired_at", api_ms(json_object_get(e, "fired_at")));
	jsonw_end_object(w);
	json_decref(e);
}

static void
api_on_escalations(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const json_t *items, *it;
	struct jsonw w = { 0 };
	size_t i;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return;
	}
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "escalations");
	items = json_object_get(reply->json, "items");
	if (json_is_array(items))	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(items, i, it)
			api_write_escalation(&w, json_string_value(it));
	jsonw_end_array(&w);
	jsonw_string(&w, "next_cursor", json_string_value(json_object_get(reply->json, "next")));
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

void
api_get_escalations(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const char *lead = http_request_query(req, "lead"), *cursor;
	struct store_args a = { 0 };
	long n;

	if (api_page_params(req, ESCALATIONS_DEFAULT_LIMIT, ESCALATIONS_MAX_LIMIT, &n, &cursor) == -1)
		return;
	if (lead != NULL && !ulid_valid(lead)) {
		http_respond_error(req, 400, "invalid_parameter", "lead", "lead must be a lead id");
		return;
	}
	store_args_add_int(&a, n);
	store_args_add(&a, cursor != NULL ? cursor : "");
	store_args_add(&a, lead != NULL ? lead : "");
	if (store_eval(srv->store, SCRIPT_ESCALATIONS, sys_now_ms(), &a, api_on_escalations,
	    req) == -1)
		api_respond_unavailable(req, "not connected or too busy");
}
