/*
 * api_definitions.c — the page both teams point at: GET /v1/definitions (the
 * lifecycle stages and their meaning, the moves allowed, the scoring model,
 * the reason codes, the cadence and the SLA clocks) and GET
 * /v1/definitions/history (every version of them, with who changed what and
 * why), and the document a config version ran with (a decision names its
 * config version). The document and its recorded versions are
 * engine/definitions.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/definitions.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* GET /v1/definitions: {"version": …, "config_version": …, then the document's members}. */
void
api_get_definitions(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	char version[DEFINITIONS_VERSION_LEN + 1], *text, *body;
	size_t len;

	text = definitions_text(conf, &len);
	definitions_version(text, len, version);
	/* The document is an object: splice the versions in front of its members. */
	body = xasprintf("{\"version\":\"%s\",\"config_version\":\"%s\",%s", version,
	    conf->version, text + 1);
	http_respond_text(req, 200, "application/json", body, strlen(body));
	free(text);
}

static void
api_write_history_entry(struct jsonw *w, struct http_request *req, const json_t *e)
{
	const json_t *c = json_object_get(e, "changelog");

	(void)req;
	jsonw_begin_object(w, NULL);
	jsonw_string(w, "version", json_string_value(json_object_get(e, "version")));
	jsonw_string(w, "config_version", json_string_value(json_object_get(e, "config_version")));
	jsonw_time(w, "recorded_at", api_ms(json_object_get(e, "at")));
	if (json_is_object(c)) {
		jsonw_begin_object(w, "changelog");
		jsonw_string(w, "by", json_string_value(json_object_get(c, "by")));
		jsonw_string(w, "why", json_string_value(json_object_get(c, "why")));
		jsonw_end_object(w);
	} else {
		jsonw_null(w, "changelog");
	}
	jsonw_end_object(w);
}

static void
api_on_history(const struct store_reply *reply, void *arg)
{
	api_respond_page(arg, reply, "items", "versions",
	    json_string_value(json_object_get(reply->json, "next")), api_write_history_entry);
}

static void
api_on_definitions_doc(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const redisReply *r = reply->raw;
	char *body;

	if (api_check_reply(req, reply) == -1)
		return;
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		http_respond_error(req, 404, "not_found", NULL, "no definitions version %s",
		    http_request_param(req, 0));
		return;
	}
	body = xasprintf("{\"version\":\"%s\",%s", http_request_param(req, 0), r->str + 1);
	http_respond_text(req, 200, "application/json", body, strlen(body));
}

/* GET /v1/definitions/history: newest first, paged (?limit=, ?cursor=). */
void
api_get_definitions_history(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *cursor;
	long limit;

	if (api_page_params(req, 50, 500, &limit, &cursor) == -1)
		return;
	store_args_add(&a, "list");
	store_args_add_int(&a, limit);
	store_args_add(&a, cursor != NULL ? cursor : "");
	api_eval(req, SCRIPT_DEFINITIONS, &a, api_on_history, req);
}

/* A version's form, a definitions' or a config's: 12 lower-case hex digits. */
static int
api_is_version(const char *v)
{
	return strlen(v) == 12 && strspn(v, "0123456789abcdef") == 12;
}

/* GET /v1/definitions/history/{version}: the definitions as they were then. */
void
api_get_definitions_version(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *v = http_request_param(req, 0);

	if (!api_is_version(v)) {
		http_respond_error(req, 404, "not_found", NULL, "no definitions version %s", v);
		return;
	}
	store_args_add(&a, "doc");
	store_args_add(&a, v);
	api_eval(req, SCRIPT_DEFINITIONS, &a, api_on_definitions_doc, req);
}

/* The document a config version ran with: {"version", "config_version", its members}. */
static void
api_on_definitions_by_config(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const redisReply *r = reply->raw;
	char *body;

	if (api_check_reply(req, reply) == -1)
		return;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING || r->element[1]->str[0] != '{') {
		http_respond_error(req, 404, "not_found", NULL, "no definitions for config version %s",
		    http_request_param(req, 0));
		return;
	}
	body = xasprintf("{\"version\":\"%s\",\"config_version\":\"%s\",%s",
	    r->element[0]->str, http_request_param(req, 0), r->element[1]->str + 1);
	http_respond_text(req, 200, "application/json", body, strlen(body));
}

/* GET /v1/definitions/config/{config_version}: the definitions a decision was made under. */
void
api_get_definitions_by_config(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *v = http_request_param(req, 0);

	if (!api_is_version(v)) {
		http_respond_error(req, 404, "not_found", NULL, "no definitions for config version %s",
		    v);
		return;
	}
	store_args_add(&a, "config");
	store_args_add(&a, v);
	api_eval(req, SCRIPT_DEFINITIONS, &a, api_on_definitions_by_config, req);
}
