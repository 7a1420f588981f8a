/* api_reps.c — GET /v1/reps, PUT /v1/reps/{id}/status. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "dispatch.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "sysutil.h"

static const char *const rep_statuses[] = { "available", "away" };

static void
api_on_reps(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);
	const json_t *status = json_object_get(reply->json, "status");
	const json_t *open = json_object_get(reply->json, "open");
	json_t *list;
	size_t i, j;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return;
	}
	list = json_array();
	for (i = 0; i < conf->nreps; i++) {
		const struct conf_rep *rep = &conf->reps[i];
		const json_t *st = json_array_get(status, i);
		int64_t nopen = api_ms(json_array_get(open, i));
		json_t *pools = json_array(), *o;

		for (j = 0; j < conf->npools; j++)
			if (conf_pool_has_rep(&conf->pools[j], rep->id))
				json_array_append_new(pools, json_string(conf->pools[j].id));
		o = json_pack("{s:s, s:s, s:s, s:I, s:o}", "id", rep->id, "name", rep->name,
		    "status", json_is_string(st) ? json_string_value(st) : "available",
		    "open_leads", (json_int_t)(nopen < 0 ? 0 : nopen), "pools", pools);
		json_array_append_new(list, o);
	}
	http_respond_json(req, 200, json_pack("{s:o}", "reps", list));
}

void
api_get_reps(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const struct conf *conf = http_request_conf(req);
	struct store_args a = { 0 };
	size_t i;

	for (i = 0; i < conf->nreps; i++)
		store_args_add(&a, conf->reps[i].id);
	if (store_eval(srv->store, SCRIPT_REPS, sys_now_ms(), &a, api_on_reps, req) == -1)
		api_respond_unavailable(req, "not connected or too busy");
}

static void
api_on_rep_status(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	struct server *srv = http_request_ctx(req);
	const json_t *assigned;
	json_t *out, *list;
	size_t i;
	const json_t *a;

	if (reply->err != NULL) {
		api_respond_unavailable(req, reply->err);
		return;
	}
	assigned = json_object_get(reply->json, "assigned");
	dispatch_note_assigned(srv, assigned);
	if (json_is_true(json_object_get(reply->json, "more")))
		dispatch_kick(srv->dispatch);
	list = json_array();
	if (json_is_array(assigned))
		json_array_foreach(assigned, i, a)
			json_array_append_new(list, json_pack("{s:O, s:O, s:O}",
			    "lead", json_object_get(a, "lead"), "rep", json_object_get(a, "rep"),
			    "pool", json_object_get(a, "pool")));
	out = json_pack("{s:s, s:O, s:O, s:o}", "id", http_request_param(req, 0),
	    "status", json_object_get(reply->json, "status"),
	    "previous", json_object_get(reply->json, "previous"), "assigned", list);
	log_info("rep_status", "rep=%s status=%s previous=%s assigned=%zu",
	    http_request_param(req, 0), json_string_value(json_object_get(reply->json, "status")),
	    json_string_value(json_object_get(reply->json, "previous")), json_array_size(list));
	http_respond_json(req, 200, out);
}

void
api_put_rep_status(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const struct conf *conf = http_request_conf(req);
	const char *id = http_request_param(req, 0), *status;
	struct store_args a = { 0 };
	json_t *body;
	char *pools;
	size_t i;

	if (conf_find_rep(conf, id) == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no rep %s in the config", id);
		return;
	}
	if ((body = api_body_object(req)) == NULL)
		return;
	status = json_string_value(json_object_get(body, "status"));
	for (i = 0; status != NULL && i < LR_NELEM(rep_statuses); i++)
		if (strcmp(status, rep_statuses[i]) == 0)
			break;
	if (json_object_get(body, "status") == NULL) {
		http_respond_error(req, 422, "missing_field", "status",
		    "status is required: available or away");
		goto out;
	}
	if (status == NULL || i == LR_NELEM(rep_statuses)) {
		http_respond_error(req, 422, "invalid_field", "status",
		    "status must be available or away");
		goto out;
	}
	pools = dispatch_pools_arg(conf, id);
	store_args_add(&a, id);
	store_args_add(&a, status);
	store_args_add_int(&a, DISPATCH_BATCH);
	store_args_add(&a, pools);
	free(pools);
	if (store_eval(srv->store, SCRIPT_REP_STATUS, sys_now_ms(), &a, api_on_rep_status, req) == -1)
		api_respond_unavailable(req, "not connected or too busy");
out:
	json_decref(body);
}
