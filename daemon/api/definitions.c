/*
 * api_definitions.c — the page both teams point at: GET /v1/definitions (the
 * lifecycle stages and their meaning, the moves allowed, the scoring model,
 * the reason codes, the cadence and the SLA clocks) and GET
 * /v1/definitions/history (every version of them, with who changed what and
 * why). A version is the hash of the document, recorded in Redis whenever a
 * daemon starts or reloads with definitions that differ from the last ones.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/jsonw.h"
#include "leadroute/score.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

static const char *const stage_kinds[] = { "open", "nurture", "closed" };
static const char *const calendar_kinds[] = { "none", "owner", "pool", "named" };

static void
write_reasons(struct jsonw *w, const char *key, const struct conf_reason *v, size_t n,
    int reject)
{
	size_t i;

	jsonw_begin_array(w, key);
	for (i = 0; i < n; i++) {
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "code", v[i].code);
		jsonw_string(w, "label", v[i].label);
		if (reject)
			jsonw_string(w, "then", v[i].then != NULL ? v[i].then->id : NULL);
		jsonw_bool(w, "note_required", v[i].note_required);
		jsonw_bool(w, "needs_cadence", v[i].needs_cadence);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void
write_scoring(struct jsonw *w, const struct score_model *m)
{
	size_t i;

	jsonw_begin_object(w, "scoring");
	if (m->mql_set)
		jsonw_int(w, "mql_at", m->mql);
	else
		jsonw_null(w, "mql_at");
	jsonw_begin_array(w, "grades");
	for (i = 0; i < m->ngrades; i++) {
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "name", m->grades[i].name);
		jsonw_int(w, "min", m->grades[i].min);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_begin_array(w, "fit");
	for (i = 0; i < m->nfit; i++) {
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "name", m->fit[i].name);
		jsonw_int(w, "points", m->fit[i].points);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_begin_array(w, "behavior");
	for (i = 0; i < m->nbehavior; i++) {
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "event", m->behavior[i].event);
		jsonw_int(w, "points", m->behavior[i].points);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_end_object(w);
}

static void
write_clocks(struct jsonw *w, const struct conf *conf)
{
	size_t i;

	jsonw_begin_array(w, "clocks");
	for (i = 0; i < conf->sla.nclocks; i++) {
		const struct conf_clock *k = &conf->sla.clocks[i];
		char *stop = xstrdup(k->stop), *p, *save = NULL;

		jsonw_begin_object(w, NULL);
		jsonw_string(w, "name", k->name);
		jsonw_string(w, "start", k->start);
		jsonw_begin_array(w, "stop");
		for (p = strtok_r(stop, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
			jsonw_string(w, NULL, p);
		jsonw_end_array(w);
		free(stop);
		jsonw_int(w, "duration_ms", k->duration_ms);
		jsonw_string(w, "calendar", k->calendar_kind == CLOCK_NAMED ? k->calendar->id :
		    calendar_kinds[k->calendar_kind]);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

/* The definitions document (without its version): the same text for the same definitions. */
static char *
definitions_text(const struct conf *conf, size_t *len)
{
	const struct conf_lifecycle *l = &conf->lifecycle;
	struct jsonw w = { 0 };
	size_t i, j;

	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "stages");
	for (i = 0; i < l->nstages; i++) {
		const struct conf_stage *s = &l->stages[i];

		jsonw_begin_object(&w, NULL);
		jsonw_string(&w, "id", s->id);
		jsonw_string(&w, "name", s->name);
		jsonw_string(&w, "definition", s->definition);
		jsonw_string(&w, "owner", s->owner);
		jsonw_string(&w, "kind", stage_kinds[s->kind]);
		jsonw_bool(&w, "entry", s->entry);
		jsonw_begin_array(&w, "requires");
		if (s->needs & STAGE_NEEDS_AMOUNT)
			jsonw_string(&w, NULL, "amount");
		if (s->needs & STAGE_NEEDS_REASON)
			jsonw_string(&w, NULL, "reason");
		jsonw_end_array(&w);
		jsonw_begin_array(&w, "next");
		for (j = 0; j < s->nnext; j++)
			jsonw_string(&w, NULL, s->next[j]);
		jsonw_end_array(&w);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_string(&w, "initial", l->initial->id);
	jsonw_string(&w, "accept", l->accept->id);
	jsonw_begin_array(&w, "funnel");
	for (i = 0; i < l->nfunnel; i++)
		jsonw_string(&w, NULL, l->funnel[i]->id);
	jsonw_end_array(&w);
	write_reasons(&w, "reject_reasons", l->reject, l->nreject, 1);
	write_reasons(&w, "lost_reasons", l->lost, l->nlost, 0);
	jsonw_begin_object(&w, "cadence");
	jsonw_int(&w, "touches", (int64_t)l->cadence_touches);
	jsonw_int(&w, "within_ms", l->cadence_within_ms);
	jsonw_end_object(&w);
	write_scoring(&w, &conf->scoring);
	write_clocks(&w, conf);
	jsonw_begin_object(&w, "scorecard");
	jsonw_begin_array(&w, "required_fields");
	for (i = 0; i < l->nrequired; i++)
		jsonw_string(&w, NULL, l->required_fields[i]);
	jsonw_end_array(&w);
	jsonw_int(&w, "untouched_after_ms", l->untouched_after_ms);
	jsonw_string(&w, "route_clock", l->route_clock);
	jsonw_string(&w, "touch_clock", l->touch_clock);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	return jsonw_finish(&w, len);
}

/* The first 12 hex digits of the document's SHA-256. */
static void
definitions_version(const char *text, size_t len, char out[13])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL);
	util_hex_encode(md, 6, out);
}

static void
api_on_recorded(const struct store_reply *reply, void *arg)
{
	char *version = arg;

	if (reply->err != NULL)
		log_warn("definitions_not_recorded", "version=%s error=\"%s\"", version, reply->err);
	else if (reply->raw != NULL && reply->raw->type == REDIS_REPLY_INTEGER &&
	    reply->raw->integer == 1)
		log_info("definitions_changed", "version=%s", version);
	free(version);
}

void
api_record_definitions(struct server *srv)
{
	const struct conf_lifecycle *l = &srv->conf->lifecycle;
	struct store_args a = { 0 };
	char version[13], *text, *changelog = NULL;
	size_t len;

	text = definitions_text(srv->conf, &len);
	definitions_version(text, len, version);
	store_args_add(&a, "record");
	store_args_add(&a, version);
	store_args_add(&a, srv->conf->version);
	store_args_add(&a, text);
	if (l->changelog_by != NULL) {
		json_t *c = json_pack("{s:s, s:s}", "by", l->changelog_by, "why", l->changelog_why);

		changelog = json_dumps(c, JSON_COMPACT);
		json_decref(c);
	}
	store_args_add(&a, changelog != NULL ? changelog : "");
	free(changelog);
	free(text);
	if (store_eval(srv->store, SCRIPT_DEFINITIONS, sys_now_ms(), &a, api_on_recorded,
	    xstrdup(version)) == -1)
		log_warn("definitions_not_recorded", "version=%s error=\"not connected\"", version);
}

/* GET /v1/definitions: {"version": …, "config_version": …, then the document's members}. */
void
api_get_definitions(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	char version[13], *text, *body;
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

/* GET /v1/definitions/history/{version}: the definitions as they were then. */
void
api_get_definitions_version(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *v = http_request_param(req, 0);

	if (strlen(v) != 12 || strspn(v, "0123456789abcdef") != 12) {
		http_respond_error(req, 404, "not_found", NULL, "no definitions version %s", v);
		return;
	}
	store_args_add(&a, "doc");
	store_args_add(&a, v);
	api_eval(req, SCRIPT_DEFINITIONS, &a, api_on_definitions_doc, req);
}
