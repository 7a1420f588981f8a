/* handler.c — the steps every handler shares: its JSON body, paging, sending a script, replies. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* Deeper than any request of ours needs: 32 levels. */
#define API_MAX_DEPTH	32

json_t *
api_body_object(struct http_request *req)
{
	json_error_t jerr;
	const char *body;
	size_t len;
	json_t *j;

	body = http_request_body(req, &len);
	if (len == 0) {
		http_respond_error(req, 400, "malformed_json", NULL, "the body is empty");
		return NULL;
	}
	if (!util_json_depth_ok(body, len, API_MAX_DEPTH)) {
		http_respond_error(req, 400, "too_deep", NULL,
		    "the body nests arrays and objects more than %d deep", API_MAX_DEPTH);
		return NULL;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (j == NULL) {
		http_respond_error(req, 400, "malformed_json", NULL,
		    "malformed JSON at line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		http_respond_error(req, 422, "invalid_body", NULL, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

/* Digits only, 1 to 18 of them: no sign, no overflow. */
static int
api_is_count(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 18 && s[n] == '\0';
}

int
api_limit_param(struct http_request *req, long def, long max, long *limit)
{
	const char *l = http_request_query(req, "limit");

	*limit = def;
	if (l == NULL)
		return 0;
	*limit = api_is_count(l) ? strtol(l, NULL, 10) : 0;
	if (*limit < 1 || *limit > max) {
		http_respond_error(req, 400, "invalid_parameter", "limit",
		    "limit must be a whole number from 1 to %ld", max);
		return -1;
	}
	return 0;
}

int
api_page_params(struct http_request *req, long def, long max, long *limit, const char **cursor)
{
	*cursor = http_request_query(req, "cursor");
	if (api_limit_param(req, def, max, limit) == -1)
		return -1;
	if (*cursor != NULL && !api_is_count(*cursor)) {
		http_respond_error(req, 400, "invalid_parameter", "cursor",
		    "cursor must be a next_cursor value from an earlier page");
		return -1;
	}
	return 0;
}

void
api_respond_unavailable(struct http_request *req, const char *why)
{
	http_response_header(req, "Retry-After", "1");
	http_respond_error(req, 503, "unavailable", NULL,
	    "Redis is unavailable (%s); nothing was stored, retry later", why);
}

/* The one way a handler sends a script: a refusal is answered here. */
int
api_eval_at(struct http_request *req, enum script_id script, int64_t now_ms,
    struct store_args *args, store_cb *cb, void *arg)
{
	struct server *srv = http_request_ctx(req);

	if (store_eval(srv->store, script, now_ms, args, cb, arg) == -1) {
		api_respond_unavailable(req, "not connected or too busy");
		return -1;
	}
	return 0;
}

/* api_eval_at at the present. */
int
api_eval(struct http_request *req, enum script_id script, struct store_args *args,
    store_cb *cb, void *arg)
{
	return api_eval_at(req, script, sys_now_ms(), args, cb, arg);
}

/* The one place a failed script turns into a 503. */
int
api_check_answer(struct http_request *req, const struct store_reply *reply, int expected,
    const char *why)
{
	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return -1;
	}
	if (!expected) {
		api_respond_unavailable(req, why);
		return -1;
	}
	return 0;
}

/* api_check_answer for scripts whose every answer is usable. */
int
api_check_reply(struct http_request *req, const struct store_reply *reply)
{
	return api_check_answer(req, reply, 1, NULL);
}

void
api_respond_jsonw(struct http_request *req, int status, struct jsonw *w)
{
	size_t len;
	char *text = jsonw_finish(w, &len);

	http_respond_text(req, status, "application/json", text, len);
}

void
api_respond_page(struct http_request *req, const struct store_reply *reply,
    const char *items_key, const char *name, const char *next, api_item_writer *write_item)
{
	const json_t *items, *it;
	struct jsonw w = { 0 };
	size_t i;

	if (api_check_reply(req, reply) == -1)
		return;
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, name);
	items = json_object_get(reply->json, items_key);
	if (json_is_array(items))	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(items, i, it)
			write_item(&w, req, it);
	jsonw_end_array(&w);
	jsonw_string(&w, "next_cursor", next);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

int64_t
api_ms(const json_t *v)
{
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	if (json_is_number(v))
		return (int64_t)json_number_value(v);
	return -1;
}

int
api_lead_ref(struct http_request *req, const char *text, struct leadref *ref)
{
	if (leadref_parse(text, ref) == 0)
		return 0;
	http_respond_error(req, 404, "not_found", NULL, "no lead %s: %s", text != NULL ? text : "",
	    ref->why);
	return -1;
}

const char *
api_lead_ref_owner(struct http_request *req)
{
	return auth_sees_all_leads(req) ? NULL : http_request_token(req)->rep;
}

int
api_lead_resolved(struct http_request *req, const struct lead_resolved *r)
{
	json_t *ids;
	size_t i;

	switch (r->status) {
	case LEAD_RESOLVED:
		return 0;
	case LEAD_RESOLVE_NONE:
		http_respond_error(req, 404, "lead_not_found", NULL, "%s", r->message);
		break;
	case LEAD_RESOLVE_SEVERAL:
		ids = json_array();
		for (i = 0; i < r->nseveral; i++)
			json_array_append_new(ids, json_string(r->several[i]));
		http_respond_error_with(req, 409, "ambiguous_lead", NULL,
		    json_pack("{s:o}", "leads", ids), "%s", r->message);
		break;
	case LEAD_RESOLVE_UNAVAILABLE:
		api_respond_unavailable(req, r->message);
		break;
	}
	return -1;
}
