/*
 * api_lifecycle.c — the hand-off contract: touches, accept, reject with a
 * reason, stage moves (POST /v1/leads/{id}/touch|accept|reject|stage), the
 * same as inbound events from CRM and sales-engagement tools (POST
 * /v1/events, idempotent on the sender's event id).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/lead.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "engine/dispatch.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "server.h"

#define NOTE_MAX	2000
#define AMOUNT_MAX	1e13		/* currency units */

enum lifecycle_action { ACT_TOUCH, ACT_ACCEPT, ACT_REJECT, ACT_STAGE };

/* A request on its way through the touch or stage script. */
struct lifecycle_op {
	struct http_request	*req;
	enum lifecycle_action	 action;
	char			 lead[ULID_LEN + 1];
	char			*stage;		/* entered (not for touches) */
	char			*reason;
	uint64_t		 need_touches;	/* the cadence the reason needs; 0: none */
};

/* One action as it arrived: the parts every action checks first. */
struct lifecycle_call {
	struct http_request	*req;
	enum lifecycle_action	 action;
	const char		*lead;		/* the lead's id */
	const json_t		*body;
	const char		*idem;		/* the sender's event id, or NULL */
	const char		*who;		/* who acts: the rep, or by for a stage move */
};

static void api_lifecycle_touch(const struct lifecycle_call *);
static void api_lifecycle_accept(const struct lifecycle_call *);
static void api_lifecycle_reject(const struct lifecycle_call *);
static void api_lifecycle_stage(const struct lifecycle_call *);

/* Each action: its name (in POST /v1/events, the scripts and logs) and its own step. */
static const struct lifecycle_action_entry {
	const char	*name;
	void		(*run)(const struct lifecycle_call *);
} lifecycle_actions[] = {
	[ACT_TOUCH] = { .name = "touch", .run = api_lifecycle_touch },
	[ACT_ACCEPT] = { .name = "accept", .run = api_lifecycle_accept },
	[ACT_REJECT] = { .name = "reject", .run = api_lifecycle_reject },
	[ACT_STAGE] = { .name = "stage", .run = api_lifecycle_stage },
};

static void
op_free(struct lifecycle_op *op)
{
	free(op->stage);
	free(op->reason);
	free(op);
}

static json_t *
reason_codes(const struct conf_reason *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i].code));
	return a;
}

/* The stages a lead in stage id may move to, as a JSON array. */
static json_t *
next_stages(const struct conf *conf, const char *id)
{
	const struct conf_stage *st = conf_find_stage(conf, id);
	json_t *a = json_array();
	size_t i;

	for (i = 0; st != NULL && i < st->nnext; i++)
		json_array_append_new(a, json_string(st->next[i]));
	return a;
}

/* ",a,b," — the stages from which to may be entered. */
static char *
stages_into(const struct conf *conf, const char *to)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;

	buf_append(&b, ",", 1);
	for (i = 0; i < conf->lifecycle.nstages; i++)
		if (conf_stage_allows(&conf->lifecycle.stages[i], to))
			buf_appendf(&b, "%s,", conf->lifecycle.stages[i].id);
	buf_append(&b, "", 1);
	return b.data;
}

/* An optional word (channel, outcome): NULL when absent; -1 after answering 422. */
static int
opt_word(struct http_request *req, const json_t *body, const char *name, const char *example,
    const char **out)
{
	const json_t *v = json_object_get(body, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !util_valid_id(json_string_value(v), 32)) {
		http_respond_error(req, 422, "invalid_field", name,
		    "%s must be a word such as %s (1-32 of letters, digits, _ . -)", name, example);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* A required id-like actor (rep, by); NULL after answering 422. */
static const char *
actor(struct http_request *req, const json_t *body, const char *name, const char *what)
{
	const json_t *v = json_object_get(body, name);

	if (v == NULL || json_is_null(v)) {
		http_respond_error(req, 422, "missing_field", name, "%s is required (%s)", name, what);
		return NULL;
	}
	if (!json_is_string(v) || !util_valid_id(json_string_value(v), 64)) {
		http_respond_error(req, 422, "invalid_field", name,
		    "%s must be an id (1-64 of letters, digits, _ . -)", name);
		return NULL;
	}
	return json_string_value(v);
}

/* A note: optional text of at most NOTE_MAX bytes; -1 after answering 422. */
static int
opt_note(struct http_request *req, const json_t *body, int required, const char *why,
    const char **out)
{
	const json_t *v = json_object_get(body, "note");

	*out = "";
	if (v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0)) {
		if (!required)
			return 0;
		http_respond_error(req, 422, "missing_field", "note", "a note is required %s", why);
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) > NOTE_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		http_respond_error(req, 422, "invalid_field", "note",
		    "note must be text of at most %d bytes", NOTE_MAX);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* An amount in currency units, at most two decimals, as cents; -1 after answering 422. */
static int
amount_cents(struct http_request *req, const json_t *v, int64_t *cents)
{
	double d, c, off;

	if (!json_is_number(v) || (d = json_number_value(v)) < 0 || d > AMOUNT_MAX) {
		http_respond_error(req, 422, "invalid_field", "amount",
		    "amount must be a number from 0 to %.0f", AMOUNT_MAX);
		return -1;
	}
	c = (double)(int64_t)(d * 100 + 0.5);
	off = c > d * 100 ? c - d * 100 : d * 100 - c;
	if (off > 1e-6 * (c > 1 ? c : 1)) {
		http_respond_error(req, 422, "invalid_field", "amount",
		    "amount has more than two decimals");
		return -1;
	}
	*cents = (int64_t)c;
	return 0;
}

/* What a recorded action tells the logs, the metrics and the dispatcher. */
static void
api_lifecycle_observe(const struct lifecycle_op *op, const struct lead_view *v, int first)
{
	struct server *srv = http_request_ctx(op->req);

	switch (op->action) {
	case ACT_TOUCH:
		metrics_inc(METRIC_TOUCHES, 1);
		if (first && v->received_at >= 0 && v->touched_at >= v->received_at)
			metrics_observe_first_touch((double)(v->touched_at - v->received_at) / 1000);
		log_info("lead_touched", "lead=%s rep=%s first=%s", v->id, v->owner,
		    first ? "true" : "false");
		break;
	case ACT_REJECT:
		metrics_inc_label(METRIC_LABEL_REJECTIONS, op->reason, 1);
		/* FALLTHROUGH */
	case ACT_ACCEPT:
	case ACT_STAGE:
		metrics_inc_label(METRIC_LABEL_STAGE_ENTRIES, op->stage, 1);
		log_info("lead_stage", "lead=%s stage=%s by=%s action=%s%s%s", v->id, op->stage,
		    v->stage_by != NULL ? v->stage_by : "", lifecycle_actions[op->action].name,
		    op->reason != NULL ? " reason=" : "", op->reason != NULL ? op->reason : "");
		break;
	}
	/*
	 * A first touch or a lead leaving the process lowers its owner's load:
	 * a rep at a cap may take queued leads again.
	 */
	if (first || (v->status != NULL && (strcmp(v->status, "closed") == 0 ||
	    strcmp(v->status, "nurture") == 0)))
		dispatch_kick(srv->dispatch);
}

static void
api_on_lifecycle(const struct store_reply *reply, void *arg)
{
	struct lifecycle_op *op = arg;
	struct http_request *req = op->req;
	const struct conf *conf = http_request_conf(req);
	const redisReply *r = reply->raw, *hash;
	struct jsonw w = { 0 };
	struct lead_view v;
	const char *outcome, *detail;
	int first = 0, replay;

	if (api_check_reply(req, reply) == -1)
		goto out;
	outcome = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 ?
	    r->element[0]->str : NULL;
	detail = outcome != NULL && r->elements > 1 && r->element[1]->type == REDIS_REPLY_STRING ?
	    r->element[1]->str : "";
	if (outcome == NULL || strcmp(outcome, "not_found") == 0) {
		http_respond_error(req, 404, "not_found", NULL, "no lead %s", op->lead);
	} else if (strcmp(outcome, "no_owner") == 0) {
		http_respond_error(req, 409, "no_owner", "rep", "lead %s has no owner yet (it is %s)",
		    op->lead, detail);
	} else if (strcmp(outcome, "not_owner") == 0) {
		http_respond_error(req, 409, "not_owner", "rep", "lead %s is owned by %s", op->lead,
		    detail);
	} else if (strcmp(outcome, "closed") == 0) {
		http_respond_error(req, 409, "lead_closed", NULL,
		    "lead %s has left the sales process (it is %s)", op->lead, detail);
	} else if (strcmp(outcome, "no_stage") == 0) {
		http_respond_error(req, 409, "no_stage", NULL,
		    "lead %s has no lifecycle stage: its rule sent it to nurture", op->lead);
	} else if (strcmp(outcome, "conflict") == 0) {
		json_t *allowed = next_stages(conf, detail);
		char *list = json_dumps(allowed, JSON_COMPACT);

		http_respond_error_with(req, 409, "stage_conflict", "stage",
		    json_pack("{s:s, s:o}", "stage", detail, "allowed", allowed),
		    "lead %s is in stage %s, which cannot move to %s; allowed: %s", op->lead,
		    detail, op->stage, json_array_size(allowed) > 0 ? list : "none (final stage)");
		free(list);
	} else if (strcmp(outcome, "cadence") == 0) {
		http_respond_error_with(req, 409, "cadence_incomplete", "reason",
		    json_pack("{s:I, s:I}", "touches", (json_int_t)r->element[1]->integer,
		    "required", (json_int_t)op->need_touches),
		    "reason %s needs the follow-up cadence done first: %llu touches, lead %s has %lld",
		    op->reason, (unsigned long long)op->need_touches, op->lead,
		    (long long)r->element[1]->integer);
	} else if (strcmp(outcome, "idem_conflict") == 0) {
		http_respond_error(req, 409, "idempotency_conflict", "event_id",
		    "this event id was already used for lead %s", detail);
	} else {
		replay = strcmp(outcome, "replay") == 0;
		if (op->action == ACT_TOUCH) {
			first = !replay && r->element[1]->integer != 0;
			hash = r->element[2];
		} else {
			hash = r->element[1];
		}
		lead_view_from_hash(&v, hash);
		if (!replay)
			api_lifecycle_observe(op, &v, first);
		jsonw_begin_object(&w, NULL);
		api_write_lead(&w, &v, conf);
		if (op->action == ACT_TOUCH)
			jsonw_bool(&w, "first_touch", first);
		if (replay)
			jsonw_bool(&w, "replayed", 1);
		jsonw_end_object(&w);
		api_respond_jsonw(req, 200, &w);
	}
out:
	op_free(op);
}

/* An op for c, on its way through the touch or stage script (freed by op_free). */
static struct lifecycle_op *
op_new(const struct lifecycle_call *c)
{
	struct lifecycle_op *op = xcalloc(1, sizeof(*op));

	op->req = c->req;
	op->action = c->action;
	snprintf(op->lead, sizeof(op->lead), "%s", c->lead);
	return op;
}

/*
 * The step every action shares: the lead's id, the event id, and who acts
 * (set in c->who). 0, or -1 after answering 404 or 422.
 */
static int
api_lifecycle_check(struct lifecycle_call *c)
{
	struct http_request *req = c->req;
	const char *asked = NULL;

	if (!ulid_valid(c->lead)) {
		http_respond_error(req, 404, "not_found", NULL, "no lead %s", c->lead);
		return -1;
	}
	if (c->idem != NULL && !lead_valid_idempotency_key(c->idem)) {
		http_respond_error(req, 422, "invalid_field", "event_id",
		    "an event id must be 1-%d printable ASCII characters", LEAD_IDEMPOTENCY_KEY_MAX);
		return -1;
	}
	if (c->action == ACT_STAGE) {
		c->who = actor(req, c->body, "by", "who made the change");
		return c->who != NULL ? 0 : -1;
	}
	/* A rep's own token speaks for that rep: "rep" may then be left out. */
	if (json_object_get(c->body, "rep") != NULL &&
	    (asked = actor(req, c->body, "rep", "the lead's owner")) == NULL)
		return -1;
	if ((c->who = auth_acting_rep(req, asked, "rep")) == NULL) {
		if (asked != NULL)
			return -1;		/* another rep's: refused */
		c->who = actor(req, c->body, "rep", "the lead's owner");
	}
	return c->who != NULL ? 0 : -1;
}

/* POST …/touch: the owner worked the lead; runs the touch script. */
static void
api_lifecycle_touch(const struct lifecycle_call *c)
{
	const struct conf *conf = http_request_conf(c->req);
	struct store_args a = { 0 };
	struct lifecycle_op *op;
	const char *channel, *outcome;

	if (opt_word(c->req, c->body, "channel", "call, email or meeting", &channel) == -1 ||
	    opt_word(c->req, c->body, "outcome", "connected, voicemail or no_answer", &outcome) == -1)
		return;
	op = op_new(c);
	store_args_add(&a, c->lead);
	store_args_add(&a, c->who);
	store_args_add(&a, channel != NULL ? channel : "");
	store_args_add(&a, outcome != NULL ? outcome : "");
	store_args_add(&a, c->idem != NULL ? c->idem : "");
	store_args_add_int(&a, conf->leads.idempotency_window_ms);
	if (api_eval(c->req, SCRIPT_TOUCH, &a, api_on_lifecycle, op) == -1)
		op_free(op);
}

/*
 * Move the lead into stage to through the stage script (accept, reject and
 * stage moves alike); reason may be NULL, cents -1 for no amount.
 */
static void
api_lifecycle_enter(const struct lifecycle_call *c, const struct conf_stage *to,
    const struct conf_reason *reason, const char *note, int64_t cents)
{
	const struct conf *conf = http_request_conf(c->req);
	struct store_args a = { 0 };
	struct lifecycle_op *op = op_new(c);
	char *from;

	op->stage = xstrdup(to->id);
	op->reason = reason != NULL ? xstrdup(reason->code) : NULL;
	op->need_touches = reason != NULL && reason->needs_cadence ?
	    conf->lifecycle.cadence_touches : 0;
	from = stages_into(conf, to->id);
	store_args_add(&a, c->lead);
	store_args_add(&a, lifecycle_actions[c->action].name);
	store_args_add(&a, c->who);
	store_args_add(&a, to->id);
	store_args_add(&a, from);
	free(from);
	store_args_add(&a, to->kind == STAGE_OPEN ? "open" : to->kind == STAGE_NURTURE ?
	    "nurture" : "closed");
	store_args_add(&a, reason != NULL ? reason->code : "");
	store_args_add(&a, note);
	if (cents >= 0)
		store_args_add_int(&a, cents);
	else
		store_args_add(&a, "");
	store_args_add_int(&a, (int64_t)op->need_touches);
	store_args_add(&a, c->idem != NULL ? c->idem : "");
	store_args_add_int(&a, conf->leads.idempotency_window_ms);
	if (api_eval(c->req, SCRIPT_STAGE, &a, api_on_lifecycle, op) == -1)
		op_free(op);
}

/* POST …/accept: the owner takes the lead into the accept stage. */
static void
api_lifecycle_accept(const struct lifecycle_call *c)
{
	const struct conf *conf = http_request_conf(c->req);
	const char *note;

	if (opt_note(c->req, c->body, 0, "", &note) == -1)
		return;
	api_lifecycle_enter(c, conf->lifecycle.accept, NULL, note, -1);
}

/* POST …/reject: the owner turns the lead down with a configured reason. */
static void
api_lifecycle_reject(const struct lifecycle_call *c)
{
	const struct conf_lifecycle *l = &http_request_conf(c->req)->lifecycle;
	const json_t *v = json_object_get(c->body, "reason");
	const struct conf_reason *reason = NULL;
	const char *note;

	if (v == NULL || json_is_null(v) || !json_is_string(v) ||
	    (reason = conf_find_reason(l->reject, l->nreject, json_string_value(v))) == NULL) {
		http_respond_error_with(c->req, 422, v == NULL || json_is_null(v) ? "missing_field" :
		    "invalid_field", "reason", json_pack("{s:o}", "valid",
		    reason_codes(l->reject, l->nreject)),
		    "a rejection needs a reason code from the configured list");
		return;
	}
	if (opt_note(c->req, c->body, reason->note_required, "with this reason", &note) == -1)
		return;
	api_lifecycle_enter(c, reason->then, reason, note, -1);
}

/* POST …/stage: a manager moves the lead, with the reason and amount its stage needs. */
static void
api_lifecycle_stage(const struct lifecycle_call *c)
{
	struct http_request *req = c->req;
	const struct conf *conf = http_request_conf(req);
	const struct conf_lifecycle *l = &conf->lifecycle;
	const struct conf_stage *to = NULL;
	const struct conf_reason *reason = NULL;
	const json_t *v = json_object_get(c->body, "stage");
	const char *note;
	int64_t cents = -1;

	if (v == NULL || json_is_null(v) || !json_is_string(v) ||
	    (to = conf_find_stage(conf, json_string_value(v))) == NULL) {
		json_t *ids = json_array();
		size_t i;

		for (i = 0; i < l->nstages; i++)
			json_array_append_new(ids, json_string(l->stages[i].id));
		http_respond_error_with(req, 422, v == NULL || json_is_null(v) ? "missing_field" :
		    "invalid_field", "stage", json_pack("{s:o}", "valid", ids),
		    "stage must name a lifecycle stage");
		return;
	}
	v = json_object_get(c->body, "reason");
	if (to->needs & STAGE_NEEDS_REASON) {
		if (v == NULL || json_is_null(v) || !json_is_string(v) ||
		    (reason = conf_find_reason(l->lost, l->nlost, json_string_value(v))) == NULL) {
			http_respond_error_with(req, 422, v == NULL || json_is_null(v) ?
			    "missing_field" : "invalid_field", "reason", json_pack("{s:o}",
			    "valid", reason_codes(l->lost, l->nlost)),
			    "stage %s needs a reason code from the configured list", to->id);
			return;
		}
	} else if (v != NULL && !json_is_null(v)) {
		http_respond_error(req, 422, "invalid_field", "reason",
		    "stage %s takes no reason (reject a lead to give one)", to->id);
		return;
	}
	if (opt_note(req, c->body, reason != NULL && reason->note_required, "with this reason",
	    &note) == -1)
		return;
	v = json_object_get(c->body, "amount");
	if (v != NULL && !json_is_null(v)) {
		if (amount_cents(req, v, &cents) == -1)
			return;
	} else if (to->needs & STAGE_NEEDS_AMOUNT) {
		http_respond_error(req, 422, "missing_field", "amount",
		    "stage %s needs the deal's amount", to->id);
		return;
	}
	api_lifecycle_enter(c, to, reason, note, cents);
}

/*
 * Check one action's body against the config and run its script. lead is the
 * lead's id; idem the sender's event id or NULL. Answers in every case.
 */
static void
api_lifecycle_run(struct http_request *req, enum lifecycle_action action, const char *lead,
    const json_t *body, const char *idem)
{
	struct lifecycle_call c = { .req = req, .action = action, .lead = lead, .body = body,
	    .idem = idem };

	if (api_lifecycle_check(&c) == 0)
		lifecycle_actions[action].run(&c);
}

static void
api_lifecycle_post(struct http_request *req, enum lifecycle_action action)
{
	json_t *body;

	if ((body = api_body_object(req)) == NULL)
		return;
	api_lifecycle_run(req, action, http_request_param(req, 0), body,
	    http_request_header(req, "Idempotency-Key"));
	json_decref(body);
}

void
api_post_touch(struct http_request *req)
{
	api_lifecycle_post(req, ACT_TOUCH);
}

void
api_post_accept(struct http_request *req)
{
	api_lifecycle_post(req, ACT_ACCEPT);
}

void
api_post_reject(struct http_request *req)
{
	api_lifecycle_post(req, ACT_REJECT);
}

void
api_post_stage(struct http_request *req)
{
	api_lifecycle_post(req, ACT_STAGE);
}

/*
 * POST /v1/events: one event from a CRM or sales-engagement tool —
 * {"type": "touch" | "accept" | "reject" | "stage", "lead": id, "event_id":
 * the sender's id (or the Idempotency-Key header), then the fields of that
 * action}. A replayed event id changes nothing and answers as before.
 */
void
api_post_event(struct http_request *req)
{
	const char *type, *lead, *idem;
	const json_t *t, *l;
	json_t *body;
	size_t i;

	if ((body = api_body_object(req)) == NULL)
		return;
	t = json_object_get(body, "type");
	l = json_object_get(body, "lead");
	type = json_string_value(t);
	lead = json_string_value(l);
	for (i = 0; type != NULL && i < LR_NELEM(lifecycle_actions); i++)
		if (strcmp(type, lifecycle_actions[i].name) == 0)
			break;
	if (type == NULL || i == LR_NELEM(lifecycle_actions)) {
		http_respond_error(req, 422, t == NULL ? "missing_field" : "invalid_field", "type",
		    "type must be touch, accept, reject or stage");
	} else if (lead == NULL) {
		http_respond_error(req, 422, l == NULL ? "missing_field" : "invalid_field", "lead",
		    "lead must be the id of a lead");
	} else {
		idem = http_request_header(req, "Idempotency-Key");
		if (idem == NULL)
			idem = json_string_value(json_object_get(body, "event_id"));
		api_lifecycle_run(req, (enum lifecycle_action)i, lead, body, idem);
	}
	json_decref(body);
}
