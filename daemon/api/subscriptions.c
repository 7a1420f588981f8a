/*
 * subscriptions.c — GET /v1/subscriptions (each subscription's delivery
 * state), its dead letters (list, retry, purge) and resuming a paused one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/tstamp.h"

#include "api/api.h"
#include "engine/subs.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define DEAD_DEFAULT_LIMIT	50
#define DEAD_MAX_LIMIT		500

/* The configured subscription named by the path, or NULL after answering 404. */
static const struct conf_subscription *
api_sub(struct http_request *req)
{
	const char *id = http_request_param(req, 0);
	const struct conf_subscription *s = conf_find_subscription(http_request_conf(req), id);

	if (s == NULL)
		http_respond_error(req, 404, "not_found", NULL, "no subscription %s in the config",
		    id);
	return s;
}

/* A stream id ("1796292902481-0"): anything else names no event. */
static int
api_event_id_ok(const char *s)
{
	size_t a = strspn(s, "0123456789"), b;

	if (a == 0 || a > 20 || s[a] != '-')
		return 0;
	b = strspn(s + a + 1, "0123456789");
	return b > 0 && b <= 20 && s[a + 1 + b] == '\0';
}

/* A URL as the API shows it: scheme and host only (a path may hold a token). */
static void
api_write_url(struct jsonw *w, const char *url)
{
	const char *host = strstr(url, "://"), *end;
	char *shown;

	if (host == NULL) {
		jsonw_null(w, "url");
		return;
	}
	end = host + 3 + strcspn(host + 3, "/?#");
	shown = xasprintf("%.*s/…", (int)(end - url), url);
	jsonw_string(w, "url", shown);
	free(shown);
}

static void
api_write_sub_status(struct jsonw *w, const struct conf_subscription *c, const json_t *st)
{
	const json_t *state = json_object_get(st, "state"), *lag = json_object_get(st, "lag");
	int64_t pending = api_ms(json_object_get(st, "pending"));
	int64_t retrying = api_ms(json_object_get(st, "retrying"));
	int paused = json_object_get(state, "paused_at") != NULL;
	int failing = json_object_get(state, "failing_since") != NULL;
	int i;

	jsonw_begin_object(w, NULL);
	jsonw_string(w, "id", c->id);
	/* The built-in one goes to each rep's channel, not to one URL. */
	jsonw_string(w, "delivers_to", c->reps ? "rep_channels" : c->crm == NULL ? "url" :
	    c->crm->kind == CRM_KIND_SALESFORCE ? "salesforce" : "hubspot");
	api_write_url(w, c->url);
	jsonw_begin_array(w, "events");
	for (i = 0; i < SUB_EVENT_COUNT; i++)
		if (c->events & (1u << i))
			jsonw_string(w, NULL, sub_event_name((enum sub_event)i));
	jsonw_end_array(w);
	jsonw_string(w, "state", paused ? "paused" : failing ? "failing" : "active");
	/* Unread entries are of every type: an upper bound of what is still to send. */
	if (json_is_integer(lag))
		jsonw_int(w, "backlog", json_integer_value(lag) + (pending > 0 ? pending : 0) +
		    (retrying > 0 ? retrying : 0));
	else
		jsonw_null(w, "backlog");
	if (json_is_integer(lag))
		jsonw_int(w, "unread", json_integer_value(lag));
	else
		jsonw_null(w, "unread");
	jsonw_int(w, "pending", pending > 0 ? pending : 0);
	jsonw_int(w, "retrying", retrying > 0 ? retrying : 0);
	jsonw_int(w, "dead_letters", api_ms(json_object_get(st, "dead")) > 0 ?
	    api_ms(json_object_get(st, "dead")) : 0);
	jsonw_time(w, "oldest_undelivered_at", api_ms(json_object_get(st, "oldest")));
	jsonw_time(w, "last_success_at", api_ms(json_object_get(state, "last_success_at")));
	jsonw_time(w, "failing_since", api_ms(json_object_get(state, "failing_since")));
	jsonw_string(w, "last_error", json_string_value(json_object_get(state, "last_error")));
	jsonw_time(w, "last_error_at", api_ms(json_object_get(state, "last_error_at")));
	jsonw_time(w, "paused_at", api_ms(json_object_get(state, "paused_at")));
	jsonw_time(w, "held_until", api_ms(json_object_get(state, "hold_until")) > sys_now_ms() ?
	    api_ms(json_object_get(state, "hold_until")) : -1);
	jsonw_end_object(w);
}

static void
api_on_subs_status(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);
	const json_t *subs = json_object_get(reply->json, "subs"), *st;
	struct jsonw w = { 0 };
	size_t i;

	if (api_check_answer(req, reply, json_is_array(subs), "no subscription states") == -1)
		return;
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "subscriptions");
	json_array_foreach(subs, i, st) {
		const struct conf_subscription *c =
		    conf_find_subscription(conf, json_string_value(json_object_get(st, "id")));

		if (c != NULL)
			api_write_sub_status(&w, c, st);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

void
api_get_subscriptions(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	struct store_args a = { 0 };
	struct buf ids = { 0 };
	struct jsonw w = { 0 };
	size_t i;

	if (conf->nsubs == 0) {
		jsonw_begin_object(&w, NULL);
		jsonw_begin_array(&w, "subscriptions");
		jsonw_end_array(&w);
		jsonw_end_object(&w);
		api_respond_jsonw(req, 200, &w);
		return;
	}
	for (i = 0; i < conf->nsubs; i++)
		buf_appendf(&ids, "%s%s", i > 0 ? "," : "", conf->subs[i].id);
	store_args_add(&a, "status");
	store_args_add(&a, ids.data);
	buf_free(&ids);
	api_eval(req, SCRIPT_SUBSCRIPTIONS, &a, api_on_subs_status, req);
}

static void
api_on_dead_list(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const json_t *items = json_object_get(reply->json, "items"), *it;
	int64_t total = api_ms(json_object_get(reply->json, "total")), offset;
	const char *cursor = http_request_query(req, "cursor");
	struct jsonw w = { 0 };
	size_t i, n = 0;

	if (api_check_reply(req, reply) == -1)
		return;
	offset = cursor != NULL ? strtoll(cursor, NULL, 10) : 0;
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "dead_letters");
	if (json_is_array(items)) {
		json_array_foreach(items, i, it) {
			const char *body = json_string_value(json_object_get(it, "body")), *nl;
			int64_t attempts = api_ms(json_object_get(it, "attempts"));

			jsonw_begin_object(&w, NULL);
			jsonw_string(&w, "id", json_string_value(json_object_get(it, "id")));
			jsonw_string(&w, "type", json_string_value(json_object_get(it, "type")));
			jsonw_int(&w, "attempts", attempts > 0 ? attempts : 0);
			jsonw_string(&w, "last_error",
			    json_string_value(json_object_get(it, "last_error")));
			jsonw_time(&w, "first_failed_at", api_ms(json_object_get(it, "first_failed_at")));
			jsonw_time(&w, "failed_at", api_ms(json_object_get(it, "failed_at")));
			/* A rep message is "<target id>\n<payload>" (engine/tell.c). */
			nl = body != NULL && body[0] != '{' ? strchr(body, '\n') : NULL;
			if (nl != NULL) {
				char *target = xstrndup(body, (size_t)(nl - body));

				jsonw_string(&w, "target", target);
				free(target);
				body = nl + 1;
			}
			if (body != NULL && body[0] == '{')
				jsonw_raw(&w, "body", body, strlen(body));
			else
				jsonw_null(&w, "body");
			jsonw_end_object(&w);
			n++;
		}
	}
	jsonw_end_array(&w);
	jsonw_int(&w, "total", total > 0 ? total : 0);
	if (offset + (int64_t)n < total && n > 0) {
		char next[24];

		snprintf(next, sizeof(next), "%lld", (long long)(offset + (int64_t)n));
		jsonw_string(&w, "next_cursor", next);
	} else {
		jsonw_null(&w, "next_cursor");
	}
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

void
api_get_sub_dead_letters(struct http_request *req)
{
	const struct conf_subscription *c = api_sub(req);
	struct store_args a = { 0 };
	const char *cursor;
	long n;

	if (c == NULL || api_page_params(req, DEAD_DEFAULT_LIMIT, DEAD_MAX_LIMIT, &n, &cursor) == -1)
		return;
	store_args_add(&a, "dead_list");
	store_args_add(&a, c->id);
	store_args_add(&a, cursor != NULL ? cursor : "0");
	store_args_add_int(&a, n);
	api_eval(req, SCRIPT_SUBSCRIPTIONS, &a, api_on_dead_list, req);
}

/* What a retry or purge of dead letters did. */
static void
api_on_dead_changed(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	struct server *srv = http_request_ctx(req);
	const char *sub = http_request_param(req, 0), *one = http_request_param(req, 1);
	const json_t *moved = json_object_get(reply->json, "moved");
	int64_t n = api_ms(moved != NULL ? moved : json_object_get(reply->json, "purged"));
	struct jsonw w = { 0 };

	if (api_check_reply(req, reply) == -1)
		return;
	if (one != NULL && n <= 0) {
		http_respond_error(req, 404, "not_found", NULL,
		    "no dead letter %s for subscription %s", one, sub);
		return;
	}
	log_info(moved != NULL ? "subscription_dead_letters_retried" :
	    "subscription_dead_letters_purged", "subscription=%s count=%lld", sub, (long long)n);
	if (moved != NULL)
		subs_refresh(srv->subs);
	jsonw_begin_object(&w, NULL);
	jsonw_int(&w, moved != NULL ? "retried" : "purged", n > 0 ? n : 0);
	jsonw_bool(&w, "more", json_is_true(json_object_get(reply->json, "more")));
	jsonw_end_object(&w);
	api_respond_jsonw(req, moved != NULL ? 202 : 200, &w);
}

/* Retry or purge: all, one (the path's event id), or for purge those failed before ?before=. */
static void
api_sub_dead_op(struct http_request *req, const char *op)
{
	const struct conf_subscription *c = api_sub(req);
	const char *one = http_request_param(req, 1), *before = http_request_query(req, "before");
	struct store_args a = { 0 };
	int64_t before_ms = 0;

	if (c == NULL)
		return;
	if (one != NULL && !api_event_id_ok(one)) {
		http_respond_error(req, 404, "not_found", NULL,
		    "no dead letter %s for subscription %s", one, c->id);
		return;
	}
	if (before != NULL && tstamp_parse(before, &before_ms) == -1) {
		http_respond_error(req, 400, "invalid_parameter", "before",
		    "before must be an RFC 3339 time, like 2026-12-01T00:00:00Z");
		return;
	}
	store_args_add(&a, op);
	store_args_add(&a, c->id);
	store_args_add(&a, one != NULL ? one : "");
	store_args_add_int(&a, before_ms);
	api_eval(req, SCRIPT_SUBSCRIPTIONS, &a, api_on_dead_changed, req);
}

void
api_post_sub_dead_retry(struct http_request *req)
{
	api_sub_dead_op(req, "dead_retry");
}

void
api_delete_sub_dead_letters(struct http_request *req)
{
	api_sub_dead_op(req, "dead_purge");
}

static void
api_on_resumed(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	struct server *srv = http_request_ctx(req);
	const char *sub = http_request_param(req, 0);
	int was = json_is_true(json_object_get(reply->json, "was_paused"));
	struct jsonw w = { 0 };

	if (api_check_reply(req, reply) == -1)
		return;
	log_info("subscription_resumed", "subscription=%s was_paused=%d", sub, was);
	subs_refresh(srv->subs);	/* reads its state again at once */
	jsonw_begin_object(&w, NULL);
	jsonw_string(&w, "id", sub);
	jsonw_bool(&w, "was_paused", was);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

void
api_post_sub_resume(struct http_request *req)
{
	const struct conf_subscription *c = api_sub(req);
	struct store_args a = { 0 };

	if (c == NULL)
		return;
	store_args_add(&a, "resume");
	store_args_add(&a, c->id);
	api_eval(req, SCRIPT_SUBSCRIPTIONS, &a, api_on_resumed, req);
}
