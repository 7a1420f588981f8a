/*
 * notifications.c — GET /v1/notifications/failed (the dead-letter list,
 * newest first, paged), POST /v1/notifications/failed/{id}/retry and DELETE
 * (purge: one, all, or those failed before a time).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/tstamp.h"

#include "api/api.h"
#include "engine/notify.h"
#include "io/log.h"
#include "io/store.h"
#include "server.h"

#define FAILED_DEFAULT_LIMIT	50
#define FAILED_MAX_LIMIT	500

/* A job as the notifications script answers it (Redis hash values, so strings or null). */
static void
api_write_notification(struct jsonw *w, const struct conf *conf, const json_t *job)
{
	const char *to = json_string_value(json_object_get(job, "to"));
	const char *event = json_string_value(json_object_get(job, "event"));
	const struct conf_notify_target *target = NULL;
	const char *why;
	json_t *ev = NULL;
	int64_t attempts = api_ms(json_object_get(job, "attempts"));

	/* Where it would go now: after a config fix, a retry goes there. */
	if (to != NULL)
		target = conf_recipient_target(conf, to,
		    json_string_value(json_object_get(job, "owner")),
		    json_string_value(json_object_get(job, "pool")), &why);
	jsonw_begin_object(w, NULL);
	jsonw_string(w, "id", json_string_value(json_object_get(job, "id")));
	jsonw_string(w, "to", to);
	jsonw_string(w, "target", target != NULL ? target->id : NULL);
	if (event != NULL && (ev = json_loads(event, JSON_DECODE_ANY, NULL)) != NULL)
		jsonw_raw(w, "event", event, strlen(event));
	else
		jsonw_null(w, "event");
	json_decref(ev);
	jsonw_int(w, "attempts", attempts > 0 ? attempts : 0);
	jsonw_string(w, "last_error", json_string_value(json_object_get(job, "last_error")));
	jsonw_time(w, "created_at", api_ms(json_object_get(job, "created_at")));
	jsonw_time(w, "failed_at", api_ms(json_object_get(job, "failed_at")));
	jsonw_end_object(w);
}

static void
api_notification_item(struct jsonw *w, struct http_request *req, const json_t *item)
{
	api_write_notification(w, http_request_conf(req), item);
}

static void
api_on_failed_list(const struct store_reply *reply, void *arg)
{
	api_respond_page(arg, reply, "items", "notifications",
	    json_string_value(json_object_get(reply->json, "next")), api_notification_item);
}

void
api_get_notifications_failed(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *cursor;
	long n;

	if (api_page_params(req, FAILED_DEFAULT_LIMIT, FAILED_MAX_LIMIT, &n, &cursor) == -1)
		return;
	store_args_add(&a, "list");
	store_args_add_int(&a, n);
	store_args_add(&a, cursor != NULL ? cursor : "");
	api_eval(req, SCRIPT_NOTIFICATIONS, &a, api_on_failed_list, req);
}

static void
api_on_retried(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	struct server *srv = http_request_ctx(req);
	const char *id = http_request_param(req, 0), *error;
	struct jsonw w = { 0 };

	if (api_check_reply(req, reply) == -1)
		return;
	error = json_string_value(json_object_get(reply->json, "error"));
	if (error != NULL && strcmp(error, "not_found") == 0) {
		http_respond_error(req, 404, "not_found", NULL, "no notification %s", id);
		return;
	}
	if (error != NULL) {
		http_respond_error(req, 409, "not_failed", NULL,
		    "notification %s is not in the dead-letter list (it is still being delivered)", id);
		return;
	}
	log_info("notification_retried", "id=%s", id);
	notify_kick(srv->notify);
	api_write_notification(&w, http_request_conf(req), json_object_get(reply->json, "job"));
	api_respond_jsonw(req, 202, &w);
}

void
api_post_notification_retry(struct http_request *req)
{
	const char *id = http_request_param(req, 0);
	struct store_args a = { 0 };
	size_t n = strspn(id, "0123456789");

	/* Job ids are counters: anything else names no job. */
	if (n == 0 || n > 18 || id[n] != '\0') {
		http_respond_error(req, 404, "not_found", NULL, "no notification %s", id);
		return;
	}
	store_args_add(&a, "retry");
	store_args_add(&a, id);
	api_eval(req, SCRIPT_NOTIFICATIONS, &a, api_on_retried, req);
}

static void
api_on_purged(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const char *id = http_request_param(req, 0);
	int64_t n = api_ms(json_object_get(reply->json, "purged"));
	struct jsonw w = { 0 };

	if (api_check_reply(req, reply) == -1)
		return;
	if (id != NULL && n <= 0) {
		http_respond_error(req, 404, "not_found", NULL,
		    "no notification %s in the dead-letter list", id);
		return;
	}
	log_info("notifications_purged", "count=%lld", (long long)n);
	jsonw_begin_object(&w, NULL);
	jsonw_int(&w, "purged", n > 0 ? n : 0);
	jsonw_bool(&w, "more", json_is_true(json_object_get(reply->json, "more")));
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

void
api_delete_notifications_failed(struct http_request *req)
{
	const char *id = http_request_param(req, 0), *before = http_request_query(req, "before");
	struct store_args a = { 0 };
	int64_t before_ms = 0;

	if (id != NULL && (strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)) {
		http_respond_error(req, 404, "not_found", NULL,
		    "no notification %s in the dead-letter list", id);
		return;
	}
	if (before != NULL && tstamp_parse(before, &before_ms) == -1) {
		http_respond_error(req, 400, "invalid_parameter", "before",
		    "before must be an RFC 3339 time, like 2026-12-01T00:00:00Z");
		return;
	}
	store_args_add(&a, "purge");
	store_args_add(&a, id != NULL ? id : "");
	store_args_add_int(&a, before_ms);
	api_eval(req, SCRIPT_NOTIFICATIONS, &a, api_on_purged, req);
}
