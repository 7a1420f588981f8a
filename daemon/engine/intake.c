/*
 * intake.c — a lead's way in, whichever door it came through (POST /v1/leads,
 * a source's events, a dry run): validate its fields; score its person
 * (their latest attributes, their behaviour over time), pick the first rule
 * that matches and its clocks, all in memory with the caller's config; then
 * one route script call stores it (or joins the person's open lead), routes
 * it and starts its clocks atomically. A first decision assumes a new person:
 * for a person Redis knows, the script answers with them instead and the
 * lead is decided again (a second call). What became of it is logged,
 * counted and told to the caller's completion, once.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/idem.h"
#include "leadroute/jsonw.h"
#include "leadroute/lead.h"
#include "leadroute/normalise.h"
#include "leadroute/pii.h"
#include "leadroute/route.h"
#include "leadroute/score.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "engine/candidates.h"
#include "engine/intake.h"
#include "engine/intake_gate.h"
#include "engine/person.h"
#include "engine/pii_key.h"
#include "engine/route_plan.h"
#include "engine/sla.h"
#include "engine/subs.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* Decisions made again because another lead of the person overtook the read. */
#define INTAKE_MAX_TRIES 8

/* A held lead's rule: a person below the MQL threshold waits in nurture. */
static const struct conf_rule intake_hold_rule = {
	.name = (char *)"hold_below_mql",
	.nurture = 1,
};

/* A lead on its way through the route script. */
struct intake_lead {
	struct gate_waiter	 gate;		/* first: its person's other leads go before it */
	struct server		*srv;
	const struct conf	*conf;		/* borrowed from the caller: outlives the lead */
	intake_done		*done;		/* told what became of it, once */
	intake_simulated	*simulated;	/* or, when dry, told the decision, once */
	void			*done_arg;
	char			 subjects[PII_SUBJECTS_LEN];	/* see pii_lead_subjects */
	char			 subject_kinds[PII_KINDS_LEN];
	char			 subject[80];	/* for logs (see pii_log_subject) */
	const struct conf_rule	*rule;		/* borrowed from conf */
	json_t			*in;		/* the validated fields (a reference) */
	char			*idem;		/* its idempotency key, or NULL */
	char			 fp[IDEM_FP_LEN + 1];	/* the fingerprint kept with it */
	int			 dry;
	int64_t			 as_of;		/* a dry run's time (0: now) */
	int			 tries;
	int			 with_plan;	/* send its rule's plan, not only its key */
	struct person		 person;
	const char		*join;		/* the open lead it joins, or NULL */
	int			 became_mql;
	char			*behavior;	/* the person's behaviour to keep, JSON */
	char			*fields;	/* the validated fields as JSON text */
	char			 company_ix[NORMALISE_COMPANY_KEY_MAX];	/* their company's search key */
	json_t			*warnings;	/* what validation did not use as sent, or NULL */
	char			*warnings_text;	/* the same as JSON text, or NULL */
	char			*breakdown;	/* its score breakdown as JSON text */
	struct score_result	 score;
	size_t			 rules_tried;
	int64_t			 now;
	const struct conf_stage	*stage;		/* the entry stage its fields ask for */
	const struct conf_stage	*stage_used;	/* the stage it enters; NULL when nurtured */
	int			 complete;	/* has every field the scorecard requires */
	char			 id[ULID_LEN + 1];
	char			 person_id[ULID_LEN + 1];	/* its person's, if it is new */
};

/* Forget a decision (before deciding again). */
static void
intake_decision_clear(struct intake_lead *lp)
{
	free(lp->fields);
	free(lp->breakdown);
	free(lp->behavior);
	lp->fields = lp->breakdown = lp->behavior = NULL;
	lp->join = NULL;
	lp->became_mql = 0;
}

static int intake_route(struct intake_lead *lp);
static void intake_go(struct gate_waiter *w);

static void intake_on_simulated(const struct store_reply *reply, void *arg);

/* Release a lead once its script call has answered (or was never sent). */
static void
intake_lead_free(struct intake_lead *lp)
{
	if (lp->gate.held)
		intake_gate_leave(lp->srv->gate, &lp->gate);
	intake_decision_clear(lp);
	person_clear(&lp->person);
	json_decref(lp->in);
	free(lp->idem);
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

/*
 * [{"reason": …, "points": …}, …]; a behaviour entry also says when it
 * happened and what it earned then ("points" is what it counts for now).
 */
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
		if (sr->hits[i].at > 0) {
			jsonw_int(&w, "earned", sr->hits[i].earned);
			jsonw_time(&w, "at", sr->hits[i].at);
		}
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
	if (lp->stage_used != NULL) {
		v->stage = lp->stage_used->id;
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

/*
 * The script asks for the lead again, having changed nothing: it found the
 * person other than the decision assumed ({4, the person}: decide again
 * with them), or it has not seen the plan of the lead's rule ({6}: it keeps
 * the plans it parsed, and a new one comes when the config or the working
 * hours change, or Redis loads the library again: send the plan itself).
 * True when that is under way or the caller was told why not (lp->done then
 * NULL).
 */
static int
intake_again(struct intake_lead *lp, const redisReply *r)
{
	const char *why = NULL;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER)
		return 0;
	switch (r->element[0]->integer) {
	case 4:
		if (r->elements != 2)
			return 0;
		if (person_parse(&lp->person, r->element[1]) == -1)
			why = "unexpected reply from the route script";
		else if (++lp->tries >= INTAKE_MAX_TRIES)
			why = "the person's record kept changing; send it again";
		else if (lp->tries > 1)
			/* The first try of a known person is its read; later ones lost a race. */
			metrics_inc(METRIC_PERSON_RETRIES, 1);
		break;
	case 6:
		/* Asked twice for the plan it was sent: an unexpected reply. */
		if (r->elements != 1 || lp->with_plan)
			return 0;
		lp->with_plan = 1;
		break;
	default:
		return 0;
	}
	if (why == NULL) {
		if (intake_route(lp) == 0)
			return 1;
		why = "not connected or too busy";
	}
	if (lp->dry)
		lp->simulated(lp->done_arg, NULL, why);
	else
		lp->done(lp->done_arg, INTAKE_UNAVAILABLE, NULL, why);
	lp->done = NULL;
	lp->simulated = NULL;
	intake_lead_free(lp);
	return 1;
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
	if (intake_again(lp, r))
		return;		/* sent again (with the person as it is, or the plan), or told why not */
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    (r->element[0]->integer == 1 && r->elements < 8) ||
	    (r->element[0]->integer == 5 && (r->elements < 3 ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)) ||
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
	if (r->element[0]->integer == 5) {
		/* A repeat of a person with an open lead: it joined that lead. */
		lead_view_from_hash(&v, r->element[1]);
		metrics_inc(METRIC_LEADS_JOINED, 1);
		intake_count_warnings(lp->warnings);
		subs_kick(lp->srv->subs);
		if (store_reply_ms(r->element[2]) > 0)
			sla_note_deadline(lp->srv->sla, store_reply_ms(r->element[2]));
		log_info("lead_re_engaged", "lead=%s subject=%s owner=%s status=%s score=%d%s",
		    v.id != NULL ? v.id : "?", lp->subject, v.owner != NULL ? v.owner : "-",
		    v.status != NULL ? v.status : "?", lp->score.score,
		    lp->became_mql ? " became_mql=1" : "");
		if (lp->became_mql)
			metrics_inc(METRIC_PEOPLE_BECAME_MQL, 1);
		lp->done(lp->done_arg, INTAKE_JOINED, &v, NULL);
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
	if (lp->became_mql)
		metrics_inc(METRIC_PEOPLE_BECAME_MQL, 1);
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

/*
 * The lead's own duration for each clock of its plan's clock plan (its
 * rule's or grade's; 0 for none), counted.
 */
static void
intake_clock_durations(struct store_args *a, const struct conf *conf, const struct conf_sla *sla)
{
	size_t k, n = 0;

	for (k = 0; k < conf->sla.nclocks; k++)
		n += route_plan_clock_starts_new(&conf->sla.clocks[k]);
	store_args_add_int(a, (int64_t)n);
	for (k = 0; k < conf->sla.nclocks; k++)
		if (route_plan_clock_starts_new(&conf->sla.clocks[k]))
			store_args_add_int(a, sla->ms[k]);
}

/* The search key of the company the stored fields name ("" for none). */
static void
intake_company_ix(struct intake_lead *lp, const json_t *fields)
{
	const char *company = json_string_value(json_object_get(fields, "company"));

	normalise_company_key(company != NULL ? company : "", lp->company_ix);
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
    struct conf_sla sla, const json_t *fields, int restart, int64_t now)
{
	const char *idem = lp->idem;
	const char *fp = lp->fp;
	int dry = lp->dry;
	const struct person *p = &lp->person;
	/* A join stores the person's latest attributes and score; it routes only a held lead. */
	int joining = lp->join != NULL;
	int routes = !joining || (strcmp(p->last_status, "nurture") == 0 && !p->last_staged &&
	    !lp->rule->nurture);
	const struct conf_rule *rule = lp->rule;
	const struct route_plan *plan;
	struct store_args attrs = { 0 };
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
	store_args_add(a, p->id);
	store_args_add(a, p->id[0] != '\0' ? p->ver : "0");
	store_args_add(a, joining ? lp->join : "");
	store_args_add(a, joining ? p->last_status : "");
	store_args_add(a, lp->behavior);
	store_args_add(a, lp->score.mql ? "1" : "0");
	store_args_add(a, lp->became_mql ? "1" : "0");
	store_args_add(a, restart ? "1" : "0");
	store_args_add(a, json_string_value(json_object_get(lp->in, "event")) != NULL ?
	    json_string_value(json_object_get(lp->in, "event")) : "");
	store_args_add(a, json_string_value(json_object_get(lp->in, "source")) != NULL ?
	    json_string_value(json_object_get(lp->in, "source")) : "");
	store_args_add_int(a, lp->score.score);
	store_args_add(a, lp->score.grade != NULL ? lp->score.grade : "");
	/* Stored with the lead as they are: field, value pairs, counted. */
	if (routes) {
		store_args_add(&attrs, "action");
		store_args_add(&attrs, intake_rule_action(rule));
	}
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
	if (routes) {
		store_args_add(&attrs, "config_version");
		store_args_add(&attrs, conf->version);
		store_args_add(&attrs, "rules_tried");
		store_args_add_int(&attrs, (int64_t)lp->rules_tried);
	}
	/* The lifecycle, and what the scorecard groups and attributes by. */
	if (routes && lp->stage_used != NULL) {
		store_args_add(&attrs, "stage");
		store_args_add(&attrs, lp->stage_used->id);
		store_args_add(&attrs, "stage_at");
		store_args_add_int(&attrs, now);
	}
	/* What the company search finds it by (lead_search.lua). */
	if (lp->company_ix[0] != '\0') {
		store_args_add(&attrs, "company_ix");
		store_args_add(&attrs, lp->company_ix);
	}
	store_args_add(&attrs, "complete");
	store_args_add(&attrs, lp->complete ? "1" : "0");
	/* A lead keeps the source and event it arrived by (its attribution). */
	if (!joining) {
		intake_attr_field(&attrs, fields, "source");
		intake_attr_field(&attrs, fields, "event");
	}
	store_args_add_int(a, (int64_t)attrs.n / 2);
	store_args_append(a, &attrs);
	/* Where it may go: what is the lead's own, then its rule's plan (by its key). */
	if (conf->leads.sticky_window_ms > 0 && lead_contact_key(fields, contact) == -1)
		contact[0] = '\0';
	store_args_add(a, contact);
	/* Only an account-owner target looks the domain up. */
	for (i = 0; i < rule->ntargets; i++)
		if (rule->targets[i].kind == TARGET_ACCOUNT_OWNER) {
			lead_email_domains(fields, domains, sizeof(domains));
			break;
		}
	store_args_add(a, domains);
	intake_clock_durations(a, conf, &sla);
	plan = route_plan_get(conf, rule, now);
	store_args_add(a, plan->key);
	if (lp->with_plan)
		store_args_append_copy(a, &plan->args);
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
 * Validate a lead's fields (normalized in place) and take what the decision
 * needs of them: the idempotency key and its fingerprint, the entry stage,
 * the identities. NULL with err when refused.
 */
static struct intake_lead *
intake_prepare(struct server *srv, const struct conf *conf, json_t *fields, const char *idem,
    int dry, struct lead_error *err)
{
	const struct conf_stage *stage;
	struct intake_lead *lp;
	const unsigned char *key;
	json_t *warnings;
	size_t keylen;

	if (lead_validate(fields, &warnings, err) == -1)
		return NULL;
	if ((stage = intake_entry_stage(conf, fields, err)) == NULL) {
		json_decref(warnings);
		return NULL;
	}
	lp = xcalloc(1, sizeof(*lp));
	lp->srv = srv;
	lp->conf = conf;
	lp->dry = dry;
	lp->in = json_incref(fields);
	lp->stage = stage;
	/* The body's event_id keys a lead that came without one (validated above). */
	if (idem == NULL && !dry)
		idem = json_string_value(json_object_get(fields, "event_id"));
	/*
	 * What the key is kept with: the fields as validated, so that the same
	 * lead sent again replays, whatever its member order or spacing.
	 */
	if (idem != NULL && !dry) {
		lp->idem = xstrdup(idem);
		(void)idem_fp_json(fields, lp->fp);
	}
	if (warnings != NULL) {
		lp->warnings = warnings;
		lp->warnings_text = json_dumps(warnings, JSON_COMPACT);
	}
	/* A dry run may come before the key is loaded: it then reads no person. */
	if (pii_key_ready()) {
		key = pii_key(&keylen);
		pii_lead_subjects(fields, key, keylen, lp->subjects, sizeof(lp->subjects),
		    lp->subject_kinds);
	}
	pii_log_subject(conf, fields, lp->subjects, lp->subject, sizeof(lp->subject));
	sys_new_lead_id(sys_now_ms(), lp->id);
	sys_new_lead_id(sys_now_ms(), lp->person_id);
	return lp;
}

/*
 * Decide in memory with what was read of the person: score them, the first
 * rule that matches (held in nurture below the MQL threshold when the
 * config says so), its clocks; join their open lead or make a new one.
 */
static void
intake_decide(struct intake_lead *lp, struct store_args *a)
{
	const struct conf *conf = lp->conf;
	struct cond_lead lead;
	struct conf_sla sla;
	json_t *attrs;
	int restart = 0;
	int64_t now;

	intake_decision_clear(lp);
	now = lp->as_of > 0 ? lp->as_of : sys_now_ms();
	lp->now = now;
	attrs = person_latest_attributes(&lp->person, lp->in);
	cond_lead_init(&lead, &conf->fields, attrs);
	score_person(&conf->scoring, &lead, lp->person.past, lp->person.npast, now, &lp->score);
	lp->became_mql = conf->scoring.mql_set && lp->score.mql && !lp->person.mql;
	if (conf->scoring.hold_below_mql && !lp->score.mql) {
		lp->rule = &intake_hold_rule;
		lp->rules_tried = 0;
	} else
		lp->rule = route_select_rule(conf, &lead, &lp->rules_tried);
	lp->complete = intake_lead_complete(conf, attrs);
	cond_lead_free(&lead);
	if (!lp->dry && person_joins(&lp->person, conf, now)) {
		json_t *joined = person_joined_fields(&lp->person, lp->in);

		lp->join = lp->person.last;
		lp->fields = json_dumps(joined, JSON_COMPACT);
		intake_company_ix(lp, joined);
		json_decref(joined);
		restart = person_restarts(&lp->person, conf, lp->in);
	} else {
		lp->fields = json_dumps(lp->in, JSON_COMPACT);
		intake_company_ix(lp, lp->in);
	}
	json_decref(attrs);
	if (lp->rule->nurture)
		lp->stage_used = NULL;
	else
		lp->stage_used = lp->stage;
	sla = conf_sla_for(conf, lp->rule, lp->score.grade);
	lp->breakdown = intake_breakdown_json(&lp->score);
	lp->behavior = person_behavior_json(&lp->score);
	intake_route_args(a, conf, lp, sla, lp->in, restart, now);
}

/* -2 with err saying why Redis cannot take the lead now. */
static int
intake_unavailable(struct lead_error *err, const char *why)
{
	err->code = "unavailable";
	snprintf(err->message, sizeof(err->message), "%s", why);
	return -2;
}

/*
 * Decide and send the route script: 0, or -1 when it cannot be sent. The
 * first decision assumes a new person (most leads are); for a known one the
 * script answers with the person instead, and the lead is decided again.
 */
static int
intake_route(struct intake_lead *lp)
{
	struct store_args a = { 0 };

	intake_decide(lp, &a);
	return store_eval(lp->srv->store, SCRIPT_ROUTE, lp->now, &a,
	    lp->dry ? intake_on_simulated : intake_on_routed, lp);
}

/* A lead's turn at the gate: route it, or tell its submitter why not. */
static void
intake_go(struct gate_waiter *w)
{
	struct intake_lead *lp = (struct intake_lead *)w;	/* the gate is its first member */

	if (intake_route(lp) == 0)
		return;
	lp->done(lp->done_arg, INTAKE_UNAVAILABLE, NULL, "not connected or too busy");
	intake_lead_free(lp);
}

int
intake_submit(struct server *srv, const struct conf *conf, json_t *fields, const char *idem,
    struct lead_error *err, intake_done *done, void *arg)
{
	struct intake_lead *lp;

	if (!pii_key_ready())
		return intake_unavailable(err, "starting up: not yet connected to Redis");
	if ((lp = intake_prepare(srv, conf, fields, idem, 0, err)) == NULL) {
		metrics_inc(METRIC_LEADS_INVALID, 1);
		return -1;
	}
	lp->done = done;
	lp->done_arg = arg;
	lp->gate.subjects = lp->subjects;
	lp->gate.go = intake_go;
	if (srv->gate != NULL && !intake_gate_enter(srv->gate, &lp->gate))
		return 0;	/* its turn comes when its person's lead is answered */
	if (intake_route(lp) == 0)
		return 0;
	intake_lead_free(lp);
	return intake_unavailable(err, "not connected or too busy");
}

/* The decision a dry run got: tell the caller, with the lead as it would be. */
static void
intake_on_simulated(const struct store_reply *reply, void *arg)
{
	struct intake_lead *lp = arg;
	const redisReply *r = reply->raw;
	struct lead_view v;

	if (reply->err == NULL && intake_again(lp, r))
		return;
	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 8) {
		lp->simulated(lp->done_arg, NULL,
		    reply->err != NULL ? reply->err : "unexpected reply");
		goto out;
	}
	lp->id[0] = '\0';	/* the script had one to work with; the answer shows none */
	intake_view_routed(&v, lp, r);
	lp->simulated(lp->done_arg, &v, NULL);
out:
	intake_lead_free(lp);
}

int
intake_simulate(struct server *srv, const struct conf *conf, json_t *fields,
    int64_t at_ms, struct lead_error *err, intake_simulated *done, void *arg)
{
	struct intake_lead *lp;

	if ((lp = intake_prepare(srv, conf, fields, NULL, 1, err)) == NULL)
		return -1;
	lp->as_of = at_ms;
	lp->simulated = done;
	lp->done_arg = arg;
	if (intake_route(lp) == 0)
		return 0;
	intake_lead_free(lp);
	return intake_unavailable(err, "not connected or too busy");
}
