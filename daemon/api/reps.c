/* api_reps.c — GET /v1/reps, PUT /v1/reps/{id}/status. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/tstamp.h"

#include "api/api.h"
#include "api/auth.h"
#include "engine/candidates.h"
#include "engine/dispatch.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

static const char *const rep_statuses[] = { "available", "away", "ooo" };

/*
 * Status as stored: "available", "away", "ooo", or "ooo:<until ms>". An
 * out-of-office that has ended reads as available.
 */
static const char *
api_status_read(const char *stored, int64_t now, int64_t *until)
{
	*until = -1;
	if (stored == NULL)
		return "available";
	if (strncmp(stored, "ooo:", 4) == 0) {
		*until = strtoll(stored + 4, NULL, 10);
		return *until > now ? "ooo" : "available";
	}
	return stored;
}

static void
api_write_status(struct jsonw *w, const char *stored, int64_t now)
{
	int64_t until;
	const char *status = api_status_read(stored, now, &until);

	jsonw_string(w, "status", status);
	jsonw_time(w, "until", strcmp(status, "ooo") == 0 ? until : -1);
}

static void
api_on_reps(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);
	const json_t *status = json_object_get(reply->json, "status");
	const json_t *open = json_object_get(reply->json, "open");
	const json_t *leads_today = json_object_get(reply->json, "today");
	struct jsonw w = { 0 };
	int64_t now = sys_now_ms();
	/* A rep's own token sees that rep only (its status toggle in the console). */
	const char *only = auth_sees_all_leads(req) ? NULL : http_request_token(req)->rep;
	size_t i, j;

	if (api_check_reply(req, reply) == -1)
		return;
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "reps");
	for (i = 0; i < conf->nreps; i++) {
		const struct conf_rep *rep = &conf->reps[i];
		int64_t nopen = api_ms(json_array_get(open, i));
		int64_t today = api_ms(json_array_get(leads_today, i));

		if (only != NULL && strcmp(rep->id, only) != 0)
			continue;

		jsonw_begin_object(&w, NULL);
		jsonw_string(&w, "id", rep->id);
		jsonw_string(&w, "name", rep->name);
		api_write_status(&w, json_string_value(json_array_get(status, i)), now);
		jsonw_bool(&w, "in_hours", candidates_in_hours(rep, now));
		jsonw_int(&w, "open_leads", nopen < 0 ? 0 : nopen);
		if (rep->max_open > 0)
			jsonw_int(&w, "max_open", (int64_t)rep->max_open);
		else
			jsonw_null(&w, "max_open");
		/* Leads it got today, in its own zone, whether or not it has a daily cap. */
		jsonw_int(&w, "leads_today", today < 0 ? 0 : today);
		if (rep->max_per_day > 0)
			jsonw_int(&w, "max_per_day", (int64_t)rep->max_per_day);
		else
			jsonw_null(&w, "max_per_day");
		jsonw_begin_array(&w, "pools");
		for (j = 0; j < conf->npools; j++)
			if (conf_pool_has_rep(&conf->pools[j], rep->id))
				jsonw_string(&w, NULL, conf->pools[j].id);
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

void
api_get_reps(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	struct store_args a = { 0 };
	size_t i;

	int64_t now = sys_now_ms();
	char day[11];

	for (i = 0; i < conf->nreps; i++) {
		store_args_add(&a, conf->reps[i].id);
		candidates_local_date(&conf->reps[i], now, day);
		store_args_add(&a, day);
	}
	api_eval(req, SCRIPT_REPS, &a, api_on_reps, req);
}

static void
api_on_rep_status(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	struct server *srv = http_request_ctx(req);
	const json_t *assigned, *a;
	struct jsonw w = { 0 };
	const char *status = json_string_value(json_object_get(reply->json, "status"));
	int64_t until;
	size_t i;

	if (api_check_reply(req, reply) == -1)
		return;
	assigned = json_object_get(reply->json, "assigned");
	dispatch_note_assigned(srv, reply->json);
	if (json_is_true(json_object_get(reply->json, "more")))
		dispatch_kick(srv->dispatch);
	jsonw_begin_object(&w, NULL);
	jsonw_string(&w, "id", http_request_param(req, 0));
	api_write_status(&w, status, sys_now_ms());
	/* As it read just before: "ooo", not its stored form with the end time. */
	jsonw_string(&w, "previous", api_status_read(json_string_value(json_object_get(reply->json,
	    "previous")), sys_now_ms(), &until));
	jsonw_begin_array(&w, "assigned");
	if (json_is_array(assigned)) {	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(assigned, i, a) {
			jsonw_begin_object(&w, NULL);
			jsonw_string(&w, "lead", json_string_value(json_object_get(a, "lead")));
			jsonw_string(&w, "rep", json_string_value(json_object_get(a, "rep")));
			jsonw_string(&w, "pool", json_string_value(json_object_get(a, "pool")));
			jsonw_end_object(&w);
		}
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	log_info("rep_status", "rep=%s status=%s previous=%s assigned=%zu",
	    http_request_param(req, 0), status,
	    json_string_value(json_object_get(reply->json, "previous")),
	    json_is_array(assigned) ? json_array_size(assigned) : 0);
	api_respond_jsonw(req, 200, &w);
}

void
api_put_rep_status(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	const char *id = http_request_param(req, 0), *status, *until_s;
	struct store_args a = { 0 };
	int64_t now = sys_now_ms(), until = -1;
	json_t *body;
	size_t i;

	if (conf_find_rep(conf, id) == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no rep %s in the config", id);
		return;
	}
	if (auth_acting_rep(req, id, NULL) == NULL)
		return;		/* a rep's token sets that rep's status only */
	if ((body = api_body_object(req)) == NULL)
		return;
	status = json_string_value(json_object_get(body, "status"));
	for (i = 0; status != NULL && i < LR_NELEM(rep_statuses); i++)
		if (strcmp(status, rep_statuses[i]) == 0)
			break;
	if (json_object_get(body, "status") == NULL) {
		http_respond_error(req, 422, "missing_field", "status",
		    "status is required: available, away or ooo");
		goto out;
	}
	if (status == NULL || i == LR_NELEM(rep_statuses)) {
		http_respond_error(req, 422, "invalid_field", "status",
		    "status must be available, away or ooo");
		goto out;
	}
	if (json_object_get(body, "until") != NULL && !json_is_null(json_object_get(body, "until"))) {
		until_s = json_string_value(json_object_get(body, "until"));
		if (strcmp(status, "ooo") != 0) {
			http_respond_error(req, 422, "invalid_field", "until",
			    "until goes with status ooo only");
			goto out;
		}
		if (until_s == NULL || tstamp_parse(until_s, &until) == -1) {
			http_respond_error(req, 422, "invalid_field", "until",
			    "until must be an RFC 3339 time, as in 2026-12-01T09:00:00Z");
			goto out;
		}
		if (until <= now) {
			http_respond_error(req, 422, "invalid_field", "until", "until must be in the future");
			goto out;
		}
	}
	store_args_add(&a, id);
	if (until > 0) {
		char stored[32];

		snprintf(stored, sizeof(stored), "ooo:%lld", (long long)until);
		store_args_add(&a, stored);
	} else {
		store_args_add(&a, status);
	}
	store_args_add_int(&a, DISPATCH_BATCH);
	candidates_add_pools(&a, conf, id, now);
	api_eval_at(req, SCRIPT_REP_STATUS, now, &a, api_on_rep_status, req);
out:
	json_decref(body);
}
