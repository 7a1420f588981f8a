/*
 * definitions.c — the definitions document both teams point at (lifecycle
 * stages and their meaning, the moves allowed, the scoring model, the
 * reason codes, the cadence and the SLA clocks), built from the config, and
 * its versions: the hash of the document, recorded in Redis whenever a
 * daemon starts or reloads with definitions that differ from the last ones.
 * GET /v1/definitions and its history are api/definitions.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/cond.h"
#include "leadroute/contract.h"
#include "leadroute/jsonw.h"
#include "leadroute/score.h"
#include "leadroute/util.h"

#include "engine/definitions.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

static const char *const stage_kinds[] = { "open", "nurture", "closed" };
static const char *const calendar_kinds[] = { "none", "owner", "pool", "named" };

/* A list of reason codes: reject reasons name the stage they lead to. */
static void
definitions_write_reasons(struct jsonw *w, const char *key, const struct conf_reason *v,
    size_t n, int reject)
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

/* Clock durations that override the clocks' own, as {clock: ms}. */
static void
definitions_write_sla(struct jsonw *w, const char *key, const struct conf *conf,
    const struct conf_sla *sla)
{
	size_t k;

	jsonw_begin_object(w, key);
	for (k = 0; k < conf->sla.nclocks; k++)
		if (sla->ms[k] > 0)
			jsonw_int(w, conf->sla.clocks[k].name, sla->ms[k]);
	jsonw_end_object(w);
}

/*
 * What decides where a lead goes, in order: each rule's condition (null:
 * every lead), its action and targets, the queue it waits in and its clock
 * overrides; then the overrides by grade and by pool (a rule's win over a
 * grade's, a grade's over a pool's, a pool's over the clock's own).
 */
static void
definitions_write_routing(struct jsonw *w, const struct conf *conf)
{
	size_t i, j;

	jsonw_begin_array(w, "rules");
	for (i = 0; i < conf->nrules; i++) {
		const struct conf_rule *r = &conf->rules[i];

		jsonw_begin_object(w, NULL);
		jsonw_string(w, "name", r->name);
		if (r->when.op == COND_ALL && r->when.nkids == 0)
			jsonw_null(w, "when");
		else
			cond_write_json(&r->when, &conf->fields, w, "when");
		jsonw_begin_array(w, "targets");
		for (j = 0; j < r->ntargets; j++) {
			const struct conf_target *t = &r->targets[j];

			jsonw_begin_object(w, NULL);
			if (t->kind == TARGET_POOL)
				jsonw_string(w, "pool", t->pool->id);
			else if (t->kind == TARGET_REP)
				jsonw_string(w, "rep", t->rep->id);
			else
				jsonw_bool(w, "account_owner", 1);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		jsonw_bool(w, "nurture", r->nurture);
		jsonw_string(w, "queue", r->queue != NULL ? r->queue->id : NULL);
		definitions_write_sla(w, "sla", conf, &r->sla);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	jsonw_begin_object(w, "sla_by_grade");
	for (i = 0; i < conf->sla.ngrades; i++)
		definitions_write_sla(w, conf->sla.grades[i].grade->name, conf,
		    &conf->sla.grades[i].sla);
	jsonw_end_object(w);
	jsonw_begin_object(w, "sla_by_pool");
	for (i = 0; i < conf->npools; i++)
		definitions_write_sla(w, conf->pools[i].id, conf, &conf->pools[i].sla);
	jsonw_end_object(w);
}

/*
 * The scoring model: MQL threshold, grades, fit and behaviour points, how a
 * person's behaviour decays and whether a person below the threshold is held.
 */
static void
definitions_write_scoring(struct jsonw *w, const struct conf *conf)
{
	const struct score_model *m = &conf->scoring;
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
		cond_write_json(&m->fit[i].when, &conf->fields, w, "when");
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
	jsonw_begin_object(w, "decay");
	if (m->half_life_ms > 0)
		jsonw_int(w, "half_life_ms", m->half_life_ms);
	else
		jsonw_null(w, "half_life_ms");
	if (m->expire_ms > 0)
		jsonw_int(w, "expire_after_ms", m->expire_ms);
	else
		jsonw_null(w, "expire_after_ms");
	jsonw_end_object(w);
	jsonw_bool(w, "hold_below_mql", m->hold_below_mql);
	jsonw_end_object(w);
}

/* The SLA clocks: what starts and stops each, its duration and calendar. */
static void
definitions_write_clocks(struct jsonw *w, const struct conf *conf)
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

char *
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
	definitions_write_reasons(&w, "reject_reasons", l->reject, l->nreject, 1);
	definitions_write_reasons(&w, "lost_reasons", l->lost, l->nlost, 0);
	jsonw_begin_object(&w, "cadence");
	jsonw_int(&w, "touches", (int64_t)l->cadence_touches);
	jsonw_int(&w, "within_ms", l->cadence_within_ms);
	jsonw_end_object(&w);
	definitions_write_scoring(&w, conf);
	definitions_write_routing(&w, conf);
	definitions_write_clocks(&w, conf);
	jsonw_begin_object(&w, "scorecard");
	jsonw_begin_array(&w, "required_fields");
	for (i = 0; i < l->nrequired; i++)
		jsonw_string(&w, NULL, l->required_fields[i]);
	jsonw_end_array(&w);
	jsonw_int(&w, "untouched_after_ms", l->untouched_after_ms);
	jsonw_string(&w, "route_clock", l->route_clock);
	jsonw_string(&w, "touch_clock", l->touch_clock);
	jsonw_end_object(&w);
	/* The two-way SLA's targets; each commitment only when configured. */
	jsonw_begin_object(&w, "contract");
	contract_write_targets(&conf->contract, &w);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	return jsonw_finish(&w, len);
}

void
definitions_version(const char *text, size_t len,
    char out[DEFINITIONS_VERSION_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL);
	util_hex_encode(md, 6, out);
}

/* Redis's answer to a recording: log a new version, or that it was not kept. */
static void
definitions_on_recorded(const struct store_reply *reply, void *arg)
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
definitions_record(struct server *srv)
{
	const struct conf_lifecycle *l = &srv->conf->lifecycle;
	struct store_args a = { 0 };
	char version[DEFINITIONS_VERSION_LEN + 1], *text, *changelog = NULL;
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
	if (store_eval(srv->store, SCRIPT_DEFINITIONS, sys_now_ms(), &a, definitions_on_recorded,
	    xstrdup(version)) == -1)
		log_warn("definitions_not_recorded", "version=%s error=\"not connected\"", version);
}
