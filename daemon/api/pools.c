/*
 * api_pools.c — GET /v1/pools (every pool at a glance: its queue, load and
 * next rep) and GET /v1/pools/{id} (the rotation, each rep's load and caps,
 * and who is eligible).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "engine/candidates.h"
#include "io/store.h"
#include "io/sysutil.h"

struct pool_rep_row {
	const struct conf_member	*m;
	const json_t			*view;
	double				 pass;
	int64_t				 last;
};

/* The pool's open-lead cap, null without one. */
static void
api_write_pool_cap(struct jsonw *w, const struct conf_pool *pool)
{
	if (pool->max_open > 0)
		jsonw_int(w, "max_open", (int64_t)pool->max_open);
	else
		jsonw_null(w, "max_open");
}

/* The rotation order: the lowest pass goes first, then the one assigned longest ago. */
static int
api_rotation_cmp(const void *a, const void *b)
{
	const struct pool_rep_row *x = a, *y = b;

	if (x->pass != y->pass)
		return x->pass < y->pass ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

static void
api_on_pool(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);
	const struct conf_pool *pool = conf_find_pool(conf, http_request_param(req, 0));
	const json_t *reps = json_object_get(reply->json, "reps"), *next;
	struct pool_rep_row *rows;
	struct jsonw w = { 0 };
	size_t i, n;

	if (api_check_answer(req, reply, pool != NULL, "config changed") == -1)
		return;
	n = json_array_size(reps);
	rows = xcalloc(n ? n : 1, sizeof(*rows));
	for (i = 0; i < n && i < pool->nmembers; i++) {
		rows[i].m = &pool->members[i];
		rows[i].view = json_array_get(reps, i);
		rows[i].pass = json_number_value(json_object_get(rows[i].view, "pass"));
		rows[i].last = (int64_t)json_number_value(json_object_get(rows[i].view, "last"));
	}
	qsort(rows, n, sizeof(*rows), api_rotation_cmp);
	next = json_object_get(reply->json, "next");
	jsonw_begin_object(&w, NULL);
	jsonw_string(&w, "id", pool->id);
	api_write_pool_cap(&w, pool);
	jsonw_int(&w, "open_leads", (int64_t)json_integer_value(json_object_get(reply->json, "pool_open")));
	jsonw_int(&w, "queued", (int64_t)json_integer_value(json_object_get(reply->json, "queued")));
	jsonw_string(&w, "next", json_string_value(next));
	jsonw_begin_array(&w, "rotation");
	for (i = 0; i < n; i++) {
		const struct conf_rep *rep = rows[i].m->rep;
		const char *reason = json_string_value(json_object_get(rows[i].view, "reason"));
		int eligible = reason != NULL && (strcmp(reason, "chosen") == 0 ||
		    strcmp(reason, "weight_turn") == 0);

		jsonw_begin_object(&w, NULL);
		jsonw_string(&w, "rep", rep->id);
		jsonw_int(&w, "weight", rows[i].m->weight);
		jsonw_int(&w, "open_leads", (int64_t)json_number_value(json_object_get(rows[i].view, "open")));
		if (rep->max_open > 0)
			jsonw_int(&w, "max_open", (int64_t)rep->max_open);
		else
			jsonw_null(&w, "max_open");
		jsonw_int(&w, "leads_today", (int64_t)json_number_value(json_object_get(rows[i].view, "today")));
		if (rep->max_per_day > 0)
			jsonw_int(&w, "max_per_day", (int64_t)rep->max_per_day);
		else
			jsonw_null(&w, "max_per_day");
		jsonw_bool(&w, "in_hours", candidates_in_hours(rep, sys_now_ms()));
		jsonw_bool(&w, "eligible", eligible);
		jsonw_string(&w, "reason", eligible ? NULL : reason);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	free(rows);
	api_respond_jsonw(req, 200, &w);
}

void
api_get_pool(struct http_request *req)
{
	const struct conf_pool *pool = conf_find_pool(http_request_conf(req), http_request_param(req, 0));
	struct store_args a = { 0 };
	int64_t now = sys_now_ms();

	if (pool == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no pool %s in the config",
		    http_request_param(req, 0));
		return;
	}
	store_args_add(&a, pool->id);
	candidates_add_args(&a, pool, now);
	api_eval_at(req, SCRIPT_POOL_VIEW, now, &a, api_on_pool, req);
}

/* One pool of the list, from its row of the pools script's answer. */
static void
api_write_pool_glance(struct jsonw *w, const struct conf_pool *pool, const json_t *row,
    int64_t now)
{
	int64_t oldest = api_ms(json_object_get(row, "oldest"));

	jsonw_begin_object(w, NULL);
	jsonw_string(w, "id", pool->id);
	jsonw_int(w, "queued", (int64_t)json_integer_value(json_object_get(row, "queued")));
	jsonw_time(w, "oldest_queued_at", oldest);
	if (oldest >= 0)
		jsonw_int(w, "oldest_queued_age_ms", now > oldest ? now - oldest : 0);
	else
		jsonw_null(w, "oldest_queued_age_ms");
	jsonw_int(w, "open_leads", (int64_t)json_integer_value(json_object_get(row, "open")));
	api_write_pool_cap(w, pool);
	jsonw_string(w, "next", json_string_value(json_object_get(row, "next")));
	jsonw_int(w, "eligible_reps", (int64_t)json_integer_value(json_object_get(row, "eligible")));
	jsonw_int(w, "reps", (int64_t)pool->nmembers);
	jsonw_end_object(w);
}

static void
api_on_pools(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);
	const json_t *rows = reply->json;
	struct jsonw w = { 0 };
	int64_t now = sys_now_ms();
	size_t i;

	/* Redis's cjson writes an empty list as {}: no pools. */
	if (api_check_answer(req, reply, json_is_array(rows) ?
	    json_array_size(rows) == conf->npools : conf->npools == 0,
	    "unexpected reply from the pools script") == -1)
		return;
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "pools");
	for (i = 0; i < conf->npools; i++)
		api_write_pool_glance(&w, &conf->pools[i], json_array_get(rows, i), now);
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

/* GET /v1/pools: every pool of the config, in its order, read in one script call. */
void
api_get_pools(struct http_request *req)
{
	struct store_args a = { 0 };
	int64_t now = sys_now_ms();

	candidates_add_pools(&a, http_request_conf(req), NULL, now);
	api_eval_at(req, SCRIPT_POOLS, now, &a, api_on_pools, req);
}
