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

static json_t *
api_escalation_json(const char *text)
{
	json_t *e = json_loads(text, 0, NULL), *out;

	if (!json_is_object(e)) {
		json_decref(e);
		return json_null();
	}
	out = json_pack("{s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(e, "id"),
	    "lead", json_object_get(e, "lead"), "kind", json_object_get(e, "kind"),
	    "pool", json_object_get(e, "pool"), "owner", json_object_get(e, "owner"));
	api_set_time(out, "due_at", api_ms(json_object_get(e, "due_at")));
	api_set_time(out, "fired_at", api_ms(json_object_get(e, "fired_at")));
	json_decref(e);
	return out;
}

static void
api_on_escalations(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const json_t *items, *it, *next;
	json_t *list;
	size_t i;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return;
	}
	list = json_array();
	items = json_object_get(reply->json, "items");
	if (json_is_array(items))
		json_array_foreach(items, i, it)
			json_array_append_new(list, api_escalation_json(json_string_value(it)));
	next = json_object_get(reply->json, "next");
	http_respond_json(req, 200, json_pack("{s:o, s:o}", "escalations", list, "next_cursor",
	    json_is_string(next) ? json_string(json_string_value(next)) : json_null()));
}

/* Digits only, 1 to 18 of them: no sign, no overflow. */
static int
api_is_count(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 18 && s[n] == '\0';
}

void
api_get_escalations(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const char *limit = http_request_query(req, "limit");
	const char *cursor = http_request_query(req, "cursor");
	const char *lead = http_request_query(req, "lead");
	struct store_args a = { 0 };
	long n = ESCALATIONS_DEFAULT_LIMIT;

	if (limit != NULL) {
		n = api_is_count(limit) ? strtol(limit, NULL, 10) : 0;
		if (n < 1 || n > ESCALATIONS_MAX_LIMIT) {
			http_respond_error(req, 400, "invalid_parameter", "limit",
			    "limit must be a whole number from 1 to %d", ESCALATIONS_MAX_LIMIT);
			return;
		}
	}
	if (cursor != NULL && !api_is_count(cursor)) {
		http_respond_error(req, 400, "invalid_parameter", "cursor",
		    "cursor must be a next_cursor value from an earlier page");
		return;
	}
	if (lead != NULL && !ulid_valid(lead)) {
		http_respond_error(req, 400, "invalid_parameter", "lead", "lead must be a lead id");
		return;
	}
	store_args_addf(&a, "%ld", n);
	store_args_add(&a, cursor != NULL ? cursor : "");
	store_args_add(&a, lead != NULL ? lead : "");
	if (store_eval(srv->store, SCRIPT_ESCALATIONS, sys_now_ms(), &a, api_on_escalations,
	    req) == -1)
		api_respond_unavailable(req, "not connected or too busy");
}
