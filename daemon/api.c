/* api.c — the endpoint table and what every handler shares. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/tstamp.h"

#include "api.h"
#include "metrics.h"

const struct http_route api_routes[] = {
	{ HTTP_POST, "/v1/leads", api_post_lead, 1 },
	{ HTTP_GET, "/v1/leads/:id", api_get_lead, 0 },
	{ HTTP_POST, "/v1/leads/:id/touch", api_post_touch, 1 },
	{ HTTP_GET, "/v1/reps", api_get_reps, 0 },
	{ HTTP_PUT, "/v1/reps/:id/status", api_put_rep_status, 1 },
	{ HTTP_GET, "/v1/escalations", api_get_escalations, 0 },
	{ HTTP_GET, "/healthz", api_get_healthz, 0 },
	{ HTTP_GET, "/metrics", api_get_metrics, 0 },
};
const size_t api_nroutes = LR_NELEM(api_routes);

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

void
api_respond_unavailable(struct http_request *req, const char *why)
{
	http_response_header(req, "Retry-After", "1");
	http_respond_error(req, 503, "unavailable", NULL,
	    "Redis is unavailable (%s); nothing was stored, retry later", why);
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

void
api_set_time(json_t *obj, const char *key, int64_t ms)
{
	char ts[TSTAMP_LEN];

	if (ms < 0) {
		json_object_set_new(obj, key, json_null());
		return;
	}
	tstamp_format(ms, ts);
	json_object_set_new(obj, key, json_string(ts));
}

static json_t *
api_str_or_null(const json_t *v)
{
	return json_is_string(v) ? json_string(json_string_value(v)) : json_null();
}

json_t *
api_lead_json(const json_t *h)
{
	const json_t *fields = json_object_get(h, "fields");
	json_t *out = json_object();

	json_object_set_new(out, "id", api_str_or_null(json_object_get(h, "id")));
	json_object_set_new(out, "status", api_str_or_null(json_object_get(h, "status")));
	json_object_set_new(out, "owner", api_str_or_null(json_object_get(h, "owner")));
	json_object_set_new(out, "pool", api_str_or_null(json_object_get(h, "pool")));
	json_object_set_new(out, "rule", api_str_or_null(json_object_get(h, "rule")));
	api_set_time(out, "received_at", api_ms(json_object_get(h, "received_at")));
	api_set_time(out, "route_due_at", api_ms(json_object_get(h, "route_due")));
	api_set_time(out, "assigned_at", api_ms(json_object_get(h, "assigned_at")));
	api_set_time(out, "first_touch_due_at", api_ms(json_object_get(h, "ft_due")));
	api_set_time(out, "first_touched_at", api_ms(json_object_get(h, "touched_at")));
	json_object_set_new(out, "touches",
	    json_integer(json_is_string(json_object_get(h, "touches")) ?
	    strtoll(json_string_value(json_object_get(h, "touches")), NULL, 10) : 0));
	if (json_is_string(fields))
		json_object_set_new(out, "fields",
		    json_loads(json_string_value(fields), 0, NULL));
	else if (json_is_object(fields))
		json_object_set(out, "fields", (json_t *)fields);
	if (json_object_get(out, "fields") == NULL)
		json_object_set_new(out, "fields", json_object());
	return out;
}
