/*
 * intake.c — a lead's way in, whichever door it came through (POST /v1/leads,
 * a source's events, a dry run): validate its fields, score it, pick the
 * first rule that matches and its clocks, all in memory with the caller's
 * config; then one route script call stores it, routes it and starts its
 * clocks atomically. What became of it is logged, counted and told to the
 * caller's completion, once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/idem.h"
#include "leadroute/jsonw.h"
#include "leadroute/lead.h"
#include "leadroute/pii.h"
#include "leadroute/route.h"
#include "leadroute/score.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "engine/candidates.h"
#include "engine/intake.h"
#include "engine/pii_key.h"
#include "engine/sla.h"
#include "engine/subs.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* A lead on its way through the route script. */
struct intake_lead {
	struct server		*srv;
	const struct conf	*conf;		/* borrowed from the caller: outlives the lead */
	intake_done		*done;		/* told what became of it, once */
	intake_simulated	*simulated;	/* or, when dry, told the decision, once */
	void			*done_arg;
	char			 subjects[PII_SUBJECTS_LEN];	/* see pii_lead_subjects */
	char			 subject_kinds[PII_KINDS_LEN];
	char			 subject[80];	/* for logs (see pii_log_subject) */
	const struct conf_rule	*rule;		/* borrowed from conf */
	char			*fields;	/* the validated fields as JSON text */
	json_t			*warnings;	/* what validation did not use as sent, or NULL */
	char			*warnings_text;	/* the same as JSON text, or NULL */
	char			*breakdown;	/* its score breakdown as JSON text */
	struct score_result	 score;
	size_t			 rules_tried;
	int64_t			 now;
	const struct conf_stage	*stage;		/* the stage it enters; NULL when nurtured */
	int			 complete;	/* has every field the scorecard requires */
	char			 id[ULID_LEN + 1];
	char			 person_id[ULID_LEN + 1];	/* its person's, if it is new */
};

/* Release a lead once its script call has answered (or was never sent). */
static void
intake_lead_free(struct intake_lead *lp)
{
	free(lp->fields);
	free(lp->breakdown);
	json_decref(lp->warnings);
	free(lp->warnings_text);
	free(lp);
}

/* What kind of action a rule has, as the decision shows it. */
static const char *
intake_rule_action(const struct conf_rule *rule)
{
	if (rule->nurture)
		return "nurture";
	if (rule->ntargets == 1 && rule->targets[0].kind == TARGET_POOL)
		return "pool";
	if (rule->ntargets == 1 && rule->targets[0].kind == TARGET_REP)
		return "rep";
	return "route";
}

/* [{"reason": …, "points": …}, …] */
static char *
intake_breakdown_json(const struct score_result *sr)
{
	struct jsonw w = { 0 };
	size_t i, len;

	jsonw_begin_array(&w, NULL);
	for (i = 0; i < sr->nhits; i++) {
		jsonw_begin_object(&w, NULL);
		jsonw_string(&w, "reason", sr->hits[i].reason);
		jsonw_int(&w, "points", sr->hits[i].points);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	return jsonw_finish(&w, &len);
}

/* A new (or simulated) lead as the route script decided it, with what the daemon knew. */
static void
intake_view_routed(struct lead_view *v, const struct intake_lead *lp, const redisReply *r)
{
	lead_view_init(v);
	v->id = lp->id[0] != '\0' ? lp->id : NULL;
	if (r->elements > 8 && r->element[8]->type == REDIS_REPLY_STRING &&
	    r->element[8]->len > 0)
		v->person = r->element[8]->str;
	v->status = r->element[1]->str;
	v->received_at = store_reply_ms(r->element[2]);
	v->owner = r->element[3]->str[0] != '\0' ? r->element[3]->str : NULL;
	if (v->owner != NULL)
		v->assigned_at = v->received_at;
	v->pool = r->element[4]->str[0] != '\0' ? r->element[4]->str : NULL;
	v->clocks = r->element[6]->str;
	v->clocks_len = r->element[6]->len;
	v->rule = lp->rule->name;
	v->fields = lp->fields;
	v->fields_len = strlen(lp->fields);
	if (lp->warnings_text != NULL) {
		v->warnings = lp->warnings_text;
		v->warnings_len = strlen(lp->warnings_text);
	}
	v->score = lp->score.score;
	v->grade = lp->score.grade;
	v->mql = lp->score.mql;
	v->breakdown = lp->breakdown;
	v->breakdown_len = strlen(lp->breakdown);
	v->config_version = lp->conf->version;
	v->rules_tried = (int64_t)lp->rules_tried;
	v->trace = r->element[5]->str;
	v->action = intake_rule_action(lp->rule);
	if (lp->stage != NULL) {
		v->stage = lp->stage->id;
		v->stage_at = v->received_at;
	}
}

/* Count a stored lead's warnings by field. */
static void
intake_count_warnings(const json_t *warnings)
{
	const json_t *w;
	size_t i;

	json_array_foreach(warnings, i, w)
		metrics_inc_label(METRIC_LABEL_FIELD_WARNINGS,
		    json_string_value(json_object_get(w, "field")), 1);
}

/* What became of a lead: tell its submitter, then account for it. */
static void
intake_on_routed(const struct store_reply *reply, void *arg)
{
	struct intake_lead *lp = arg;
	const redisReply *r = reply->raw;
	struct lead_view v;

	lead_view_init(&v);
	if (reply->err != NULL) {
		lp->done(lp->done_arg, INTAKE_UNAVAILABLE, NULL, reply->err);
		goto out;
	}
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    (r->element[0]->integer == 1 && r->elements < 8) ||
	    (r->element[0]->integer == 3 && (r->elements < 3 ||
	    r->element[1]->type != REDIS_REPLY_STRING))) {
		lp->done(lp->done_arg, INTAKE_UNAVAILABLE, NULL,
		    "unexpected reply from the route script");
		goto out;
	}
	if (r->element[0]->integer == 3) {
		/* The key was first used for a lead with other fields: nothing changed. */
		metrics_inc(METRIC_IDEM_REUSED, 1);
		log_info("idempotency_key_reused", "lead=%s action=lead",
		    r->element[2]->type == REDIS_REPLY_STRING ? r->element[2]->str : "?");
		lp->done(lp->done_arg, INTAKE_KEY_REUSED, NULL, r->element[1]->str);
		goto out;
	}
	if (r->element[0]->integer == 2) {
		/* Its person was erased: a late retry must not bring the lead back. */
		metrics_inc(METRIC_TOMBSTONED, 1);
		log_info("lead_tombstoned", "subject=%s", lp->subject);
		lp->done(lp->done_arg, INTAKE_ERASED, NULL, NULL);
		goto out;
	}
	if (r->element[0]->integer == 0) {
		/* A repeat: the original lead, as stored. */
		lead_view_from_hash(&v, r->element[1]);
		metrics_inc(METRIC_LEADS_DUPLICATE, 1);
		log_info("lead_duplicate", "lead=%s", v.id != NULL ? v.id : "?");
		lp->done(lp->done_arg, INTAKE_REPLAYED, &v, NULL);
		goto out;
	}
	intake_view_routed(&v, lp, r);
	metrics_inc(METRIC_LEADS_RECEIVED, 1);
	intake_count_warnings(lp->warnings);
	subs_kick(lp->srv->subs);	/* its events are in the stream */
	if (store_reply_ms(r->element[7]) > 0)
		sla_note_deadline(lp->srv->sla, store_reply_ms(r->element[7]));
	if (v.owner != NULL) {
		metrics_inc(METRIC_LEADS_ASSIGNED_ON_ARRIVAL, 1);
		metrics_observe_route(0);	/* routed in the same step it arrived */
		log_info("lead_assigned", "lead=%s subject=%s owner=%s pool=%s rule=%s via=arrival",
		    lp->id, lp->subject, v.owner, v.pool, v.rule);
	} else if (strcmp(v.status, "queued") == 0) {
		metrics_inc(METRIC_LEADS_QUEUED, 1);
		log_info("lead_queued", "lead=%s subject=%s pool=%s rule=%s", lp->id, lp->subject,
		    v.pool, v.rule);
	} else {
		metrics_inc(METRIC_LEADS_NURTURE, 1);
		log_info("lead_nurture", "lead=%s subject=%s rule=%s score=%d", lp->id, lp->subject,
		    v.rule, lp->score.score);
	}
	lp->done(lp->done_arg, INTAKE_STORED, &v, NULL);
out:
	intake_lead_free(lp);
}

/* The lead's own clock durations as {clock: ms}, or '' when it has none. */
static void
intake_sla_arg(struct store_args *a, const struct conf *conf, const struct conf_sla *sla)
{
	struct jsonw w = { 0 };
	size_t i, len, n = 0;
	char *s;

	jsonw_begin_object(&w, NULL);
	for (i = 0; i < conf->sla.nclocks; i++) {
		if (sla->ms[i] > 0) {
			jsonw_int(&w, conf->sla.clocks[i].name, sla->ms[i]);
			n++;
		}
	}
	jsonw_end_object(&w);
	s = jsonw_finish(&w, &len);
	store_args_addn(a, s, n > 0 ? len : 0);
	free(s);
}

/* A text field of the lead stored on its own, when it has one. */
static void
intake_attr_field(struct store_args *attrs, const json_t *fields, const char *name)
{
	const char *v = json_string_value(json_object_get(fields, name));

	if (v != NULL) {
		store_args_add(attrs, name);
		store_args_add(attrs, v);
	}
}

/*
 * The route script's arguments for a decided lead (see route.lua): who it is,
 * what to store with it, then where it may go. dry: decide, change nothing.
 */
static void
intake_route_args(struct store_args *a, const struct conf *conf, const struct intake_lead *lp,
    const char *idem, const char *fp, struct conf_sla sla, const json_t *fields, int dry,
    int64_t now)
{
	const struct conf_rule *rule = lp->rule;
	struct store_args attrs = { 0 };
	int need_facts = conf->leads.sticky_window_ms > 0, accounts = 0;
	char contact[65] = "", domains[512] = "";
	size_t i;

	store_args_add(a, lp->id);
	store_args_add(a, idem != NULL ? idem : "");
	store_args_add(a, fp);
	store_args_add_int(a, conf->leads.idempotency_window_ms);
	intake_sla_arg(a, conf, &sla);
	store_args_add(a, rule->name);
	store_args_add(a, dry ? "1" : "0");
	store_args_add(a, lp->subjects);
	store_args_add_int(a, conf->leads.retention_ms);
	store_args_add(a, lp->person_id);
	store_args_add(a, lp->subject_kinds);
	/* Stored with the lead as they are: field, value pairs, counted. */
	store_args_add(&attrs, "action");
	store_args_add(&attrs, intake_rule_action(rule));
	store_args_add(&attrs, "fields");
	store_args_add(&attrs, lp->fields);
	if (lp->warnings_text != NULL) {
		store_args_add(&attrs, "warnings");
		store_args_add(&attrs, lp->warnings_text);
	}
	store_args_add(&attrs, "score");
	store_args_add_int(&attrs, lp->score.score);
	if (lp->score.grade != NULL) {
		store_args_add(&attrs, "grade");
		store_args_add(&attrs, lp->score.grade);
	}
	store_args_add(&attrs, "mql");
	store_args_add(&attrs, lp->score.mql ? "1" : "0");
	store_args_add(&attrs, "breakdown");
	store_args_add(&attrs, lp->breakdown);
	store_args_add(&attrs, "config_version");
	store_args_add(&attrs, conf->version);
	store_args_add(&attrs, "rules_tried");
	store_args_add_int(&attrs, (int64_t)lp->rules_tried);
	/* The lifecycle, and what the scorecard groups and attributes by. */
	if (lp->stage != NULL) {
		store_args_add(&attrs, "stage");
		store_args_add(&attrs, lp->stage->id);
		store_args_add(&attrs, "stage_at");
		store_args_add_int(&attrs, now);
	}
	store_args_add(&attrs, "complete");
	store_args_add(&attrs, lp->complete ? "1" : "0");
	intake_attr_field(&attrs, fields, "source");
	intake_attr_field(&attrs, fields, "event");
	store_args_add_int(a, (int64_t)attrs.n / 2);
	store_args_append(a, &attrs);
	/* Where it may go. */
	if (conf->leads.sticky_window_ms > 0 && lead_contact_key(fields, contact) == -1)
		contact[0] = '\0';
	store_args_add(a, contact);
	store_args_add_int(a, conf->leads.sticky_window_ms);
	for (i = 0; i < rule->ntargets; i++)
		if (rule->targets[i].kind == TARGET_ACCOUNT_OWNER)
			accounts = need_facts = 1;
	store_args_add(a, need_facts ? candidates_facts(conf, now) : "");
	/* Only an account-owner target looks the domain up. */
	if (accounts)
		lead_email_domains(fields, domains, sizeof(domains));
	store_args_add(a, domains);
	store_args_add(a, rule->nurture ? "" : rule->queue->id);
	store_args_add_int(a, rule->nurture ? 0 : (int64_t)rule->queue->max_open);
	store_args_add_int(a, (int64_t)rule->ntargets);
	for (i = 0; i < rule->ntargets; i++) {
		const struct conf_target *t = &rule->targets[i];

		switch (t->kind) {
		case TARGET_POOL:
			store_args_add(a, "pool");
			store_args_add(a, t->pool->id);
			candidates_add_args(a, t->pool, now);
			break;
		case TARGET_REP:
			store_args_add(a, "rep");
			candidates_add_rep(a, t->rep, now);
			break;
		case TARGET_ACCOUNT_OWNER:
			store_args_add(a, "owner");
			break;
		}
	}
}

/*
 * The lifecycle stage a lead arrives in: its "stage" field, which must name an
 * entry stage (a product- or expansion-qualified lead, say), else the
 * initial one. NULL with err when it names another.
 */
static const struct conf_stage *
intake_entry_stage(const struct conf *conf, const json_t *fields, struct lead_error *err)
{
	const json_t *v = json_object_get(fields, "stage");
	const struct conf_stage *st;
	struct buf entries = { NULL, 0, 0 };
	size_t i;

	if (v == NULL)
		return conf->lifecycle.initial;
	if (json_is_string(v) && (st = conf_find_stage(conf, json_string_value(v))) != NULL &&
	    st->entry)
		return st;
	for (i = 0; i < conf->lifecycle.nstages; i++)
		if (conf->lifecycle.stages[i].entry)
			buf_appendf(&entries, "%s%s", entries.len > 0 ? ", " : "",
			    conf->lifecycle.stages[i].id);
	buf_append(&entries, "", 1);
	err->code = "invalid_field";
	snprintf(err->field, sizeof(err->field), "stage");
	snprintf(err->message, sizeof(err->message),
	    "stage must name a stage a lead can arrive in: %s", entries.data);
	buf_free(&entries);
	return NULL;
}

/* True when the lead has every field the scorecard counts as required. */
static int
intake_lead_complete(const struct conf *conf, const json_t *fields)
{
	size_t i;

	for (i = 0; i < conf->lifecycle.nrequired; i++) {
		const json_t *v = json_object_get(fields, conf->lifecycle.required_fields[i]);

		if (v == NULL || json_is_null(v))
			return 0;
	}
	return 1;
}

/*
 * Validate a lead's fields (normalized in place) and decide in memory: score,
 * the first rule that matches, its clocks. NULL with err when refused.
 */
static struct intake_lead *
intake_decide(struct server *srv, const struct conf *conf, json_t *fields, const char *idem,
    struct store_args *a, int dry, struct lead_error *err)
{
	struct cond_lead lead;
	const struct conf_stage *stage;
	struct intake_lead *lp;
	struct conf_sla sla;
	const unsigned char *key;
	char fp[IDEM_FP_LEN + 1] = "";
	json_t *warnings;
	size_t keylen;
	int64_t now;

	if (lead_validate(fields, &warnings, err) == -1)
		return NULL;
	/* The body's event_id keys a lead that came without one (validated above). */
	if (idem == NULL && !dry)
		idem = json_string_value(json_object_get(fields, "event_id"));
	/*
	 * What the key is kept with: the fields as validated, so that the same
	 * lead sent again replays, whatever its member order or spacing.
	 */
	if (idem != NULL && !dry)
		(void)idem_fp_json(fields, fp);
	if ((stage = intake_entry_stage(conf, fields, err)) == NULL) {
		json_decref(warnings);
		return NULL;
	}
	lp = xcalloc(1, sizeof(*lp));
	lp->srv = srv;
	lp->conf = conf;
	if (warnings != NULL) {
		lp->warnings = warnings;
		lp->warnings_text = json_dumps(warnings, JSON_COMPACT);
	}
	cond_lead_init(&lead, &conf->fields, fields);
	score_lead(&conf->scoring, &lead, &lp->score);
	lp->rule = route_select_rule(conf, &lead, &lp->rules_tried);
	lp->stage = lp->rule->nurture ? NULL : stage;
	lp->complete = intake_lead_complete(conf, fields);
	cond_lead_free(&lead);
	sla = conf_sla_for(conf, lp->rule, lp->score.grade);
	lp->fields = json_dumps(fields, JSON_COMPACT);
	lp->breakdown = intake_breakdown_json(&lp->score);
	key = pii_key(&keylen);
	pii_lead_subjects(fields, key, keylen, lp->subjects, sizeof(lp->subjects),
	    lp->subject_kinds);
	pii_log_subject(conf, fields, lp->subjects, lp->subject, sizeof(lp->subject));
	now = sys_now_ms();
	lp->now = now;
	sys_new_lead_id(now, lp->id);
	sys_new_lead_id(now, lp->person_id);
	intake_route_args(a, conf, lp, idem, fp, sla, fields, dry, now);
	return lp;
}

/* -2 with err saying why Redis cannot take the lead now. */
static int
intake_unavailable(struct lead_error *err, const char *why)
{
	err->code = "unavailable";
	snprintf(err->message, sizeof(err->message), "%s", why);
	return -2;
}

/* Send lp's route script (arguments a) to cb: 0, or -2 (lp freed) when it cannot be sent. */
static int
intake_send(struct server *srv, struct intake_lead *lp, struct store_args *a, store_cb *cb,
    struct lead_error *err)
{
	if (store_eval(srv->store, SCRIPT_ROUTE, lp->now, a, cb, lp) == 0)
		return 0;
	intake_lead_free(lp);
	return intake_unavailable(err, "not connected or too busy");
}

int
intake_submit(struct server *srv, const struct conf *conf, json_t *fields, const char *idem,
    struct lead_error *err, intake_done *done, void *arg)
{
	struct store_args a = { 0 };
	struct intake_lead *lp;

	if (!pii_key_ready())
		return intake_unavailable(err, "starting up: not yet connected to Redis");
	if ((lp = intake_decide(srv, conf, fields, idem, &a, 0, err)) == NULL) {
		metrics_inc(METRIC_LEADS_INVALID, 1);
		return -1;
	}
	lp->done = done;
	lp->done_arg = arg;
	return intake_send(srv, lp, &a, intake_on_routed, err);
}

/* The decision a dry run got: tell the caller, with the lead as it would be. */
static void
intake_on_simulated(const struct store_reply *reply, void *arg)
{
	struct intake_lead *lp = arg;
	const redisReply *r = reply->raw;
	struct lead_view v;

	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 8) {
		lp->simulated(lp->done_arg, NULL,
		    reply->err != NULL ? reply->err : "unexpected reply");
		goto out;
	}
	intake_view_routed(&v, lp, r);
	lp->simulated(lp->done_arg, &v, NULL);
out:
	intake_lead_free(lp);
}

int
intake_simulate(struct server *srv, const struct conf *conf, json_t *fields,
    struct lead_error *err, intake_simulated *done, void *arg)
{
	struct store_args a = { 0 };
	struct intake_lead *lp;

	if ((lp = intake_decide(srv, conf, fields, NULL, &a, 1, err)) == NULL)
		return -1;
	lp->id[0] = '\0';	/* the script had one to work with; the answer shows none */
	lp->simulated = done;
	lp->done_arg = arg;
	return intake_send(srv, lp, &a, intake_on_simulated, err);
}
