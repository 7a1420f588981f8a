/*
 * lifecycle.c — the hand-off actions, whichever door they came through: a
 * touch, accept, reject with a reason, a stage move. The config decides what
 * may be asked (reason codes, stages and what entering them needs); the touch
 * or stage script decides, against the lead as it is, whether it may happen
 * (the owner, the stage it is in, the cadence), and records it with its
 * clocks in one step. What became of it is logged, counted and told to the
 * caller, once.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/idem.h"
#include "leadroute/lead.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "engine/dispatch.h"
#include "engine/candidates.h"
#include "engine/lifecycle.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define NOTE_MAX	2000
#define AMOUNT_MAX	1e13		/* currency units */

/* A request being checked: what the checks found, or why they refused it. */
struct lifecycle_check {
	const struct conf		*conf;
	const struct lifecycle_req	*req;
	struct lifecycle_outcome	 refusal;	/* when a check fails */
	char				*message;	/* refusal.message, owned */
	const struct conf_stage		*to;		/* the stage entered (not for touches) */
	const struct conf_reason	*reason;
	const char			*note;		/* "" for none */
	int64_t				 cents;		/* the amount; -1: none */
};

static int check_touch(struct lifecycle_check *);
static int check_accept(struct lifecycle_check *);
static int check_reject(struct lifecycle_check *);
static int check_stage(struct lifecycle_check *);
static int check_reassign(struct lifecycle_check *);

/* Each action: its name, its script, and the checks of its own inputs. */
static const struct lifecycle_action_entry {
	const char	*name;
	enum script_id	 script;
	int		(*check)(struct lifecycle_check *);
} lifecycle_actions[] = {
	[LIFECYCLE_TOUCH] = { "touch", SCRIPT_TOUCH, check_touch },
	[LIFECYCLE_ACCEPT] = { "accept", SCRIPT_STAGE, check_accept },
	[LIFECYCLE_REJECT] = { "reject", SCRIPT_STAGE, check_reject },
	[LIFECYCLE_STAGE] = { "stage", SCRIPT_STAGE, check_stage },
	[LIFECYCLE_REASSIGN] = { "reassign", SCRIPT_CRM_OWNER, check_reassign },
};

/* An action on its way through its script. */
struct lifecycle_op {
	struct server		*srv;
	struct conf		*conf;		/* held until cb has run */
	lifecycle_cb		*cb;
	void			*arg;
	enum lifecycle_action	 action;
	char			 lead[ULID_LEN + 1];
	char			*idem;		/* its key (for the refusal that names it), or NULL */
	const struct conf_stage	*to;		/* borrowed from conf; NULL for a touch */
	const struct conf_reason *reason;	/* borrowed from conf; NULL: none */
	uint64_t		 need_touches;	/* the cadence the reason needs; 0: none */
};

int
lifecycle_action_parse(const char *name, enum lifecycle_action *action)
{
	size_t i;

	/* A reassignment is no action of the API's: it comes from a CRM's source only. */
	for (i = 0; name != NULL && i <= LIFECYCLE_STAGE; i++)
		if (strcmp(name, lifecycle_actions[i].name) == 0) {
			*action = (enum lifecycle_action)i;
			return 0;
		}
	return -1;
}

/* Refuse the request with status; -1. */
static int LR_PRINTF(6, 7)
refuse(struct lifecycle_check *c, enum lifecycle_status status, const char *field, int missing,
    json_t *valid, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	c->message = xvasprintf(fmt, ap);
	va_end(ap);
	c->refusal.status = status;
	c->refusal.message = c->message;
	c->refusal.field = field;
	c->refusal.missing = missing;
	c->refusal.valid = valid;
	return -1;
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

/* An optional word (channel, outcome): NULL stays NULL; -1 after refusing. */
static int
check_word(struct lifecycle_check *c, const char *name, const char *value, unsigned in,
    const char *example)
{
	if (!(c->req->malformed & in) && (value == NULL || util_valid_id(value, 32)))
		return 0;
	return refuse(c, LIFECYCLE_INVALID, name, 0, NULL,
	    "%s must be a word such as %s (1-32 of letters, digits, _ . -)", name, example);
}

/* The note (c->note, "" for none), required with some reasons; -1 after refusing. */
static int
check_note(struct lifecycle_check *c, int required)
{
	const char *note = c->req->note;

	c->note = "";
	if (!(c->req->malformed & LIFECYCLE_IN_NOTE) && (note == NULL || *note == '\0')) {
		if (!required)
			return 0;
		return refuse(c, LIFECYCLE_INVALID, "note", 1, NULL,
		    "a note is required with this reason");
	}
	if ((c->req->malformed & LIFECYCLE_IN_NOTE) || strlen(note) > NOTE_MAX)
		return refuse(c, LIFECYCLE_INVALID, "note", 0, NULL,
		    "note must be text of at most %d bytes", NOTE_MAX);
	c->note = note;
	return 0;
}

/* The amount in currency units, at most two decimals, as c->cents; -1 after refusing. */
static int
check_amount(struct lifecycle_check *c)
{
	double d = c->req->amount, cents, off;

	if ((c->req->malformed & LIFECYCLE_IN_AMOUNT) || d < 0 || d > AMOUNT_MAX)
		return refuse(c, LIFECYCLE_INVALID, "amount", 0, NULL,
		    "amount must be a number from 0 to %.0f", AMOUNT_MAX);
	cents = (double)(int64_t)(d * 100 + 0.5);
	off = cents > d * 100 ? cents - d * 100 : d * 100 - cents;
	if (off > 1e-6 * (cents > 1 ? cents : 1))
		return refuse(c, LIFECYCLE_INVALID, "amount", 0, NULL,
		    "amount has more than two decimals");
	c->cents = (int64_t)cents;
	return 0;
}

/* A touch: its channel and outcome, words if given. */
static int
check_touch(struct lifecycle_check *c)
{
	if (check_word(c, "channel", c->req->channel, LIFECYCLE_IN_CHANNEL,
	    "call, email or meeting") == -1)
		return -1;
	return check_word(c, "outcome", c->req->outcome, LIFECYCLE_IN_OUTCOME,
	    "connected, voicemail or no_answer");
}

/* Accepting: into the accept stage, with a note if given. */
static int
check_accept(struct lifecycle_check *c)
{
	c->to = c->conf->lifecycle.accept;
	return check_note(c, 0);
}

/* Rejecting: a configured reason, which names the stage; a note if it needs one. */
static int
check_reject(struct lifecycle_check *c)
{
	const struct conf_lifecycle *l = &c->conf->lifecycle;
	const struct lifecycle_req *r = c->req;
	int given = r->reason != NULL || (r->malformed & LIFECYCLE_IN_REASON);

	if ((r->malformed & LIFECYCLE_IN_REASON) || r->reason == NULL ||
	    (c->reason = conf_find_reason(l->reject, l->nreject, r->reason)) == NULL)
		return refuse(c, LIFECYCLE_INVALID, "reason", !given,
		    reason_codes(l->reject, l->nreject),
		    "a rejection needs a reason code from the configured list");
	c->to = c->reason->then;
	return check_note(c, c->reason->note_required);
}

/* A stage move: a stage, with the reason and the amount it requires. */
static int
check_stage(struct lifecycle_check *c)
{
	const struct conf_lifecycle *l = &c->conf->lifecycle;
	const struct lifecycle_req *r = c->req;
	int given;
	size_t i;

	given = r->stage != NULL || (r->malformed & LIFECYCLE_IN_STAGE);
	if ((r->malformed & LIFECYCLE_IN_STAGE) || r->stage == NULL ||
	    (c->to = conf_find_stage(c->conf, r->stage)) == NULL) {
		json_t *ids = json_array();

		for (i = 0; i < l->nstages; i++)
			json_array_append_new(ids, json_string(l->stages[i].id));
		return refuse(c, LIFECYCLE_INVALID, "stage", !given, ids,
		    "stage must name a lifecycle stage");
	}
	given = r->reason != NULL || (r->malformed & LIFECYCLE_IN_REASON);
	if (c->to->needs & STAGE_NEEDS_REASON) {
		if ((r->malformed & LIFECYCLE_IN_REASON) || r->reason == NULL ||
		    (c->reason = conf_find_reason(l->lost, l->nlost, r->reason)) == NULL)
			return refuse(c, LIFECYCLE_INVALID, "reason", !given,
			    reason_codes(l->lost, l->nlost),
			    "stage %s needs a reason code from the configured list", c->to->id);
	} else if (given) {
		return refuse(c, LIFECYCLE_INVALID, "reason", 0, NULL,
		    "stage %s takes no reason (reject a lead to give one)", c->to->id);
	}
	if (check_note(c, c->reason != NULL && c->reason->note_required) == -1)
		return -1;
	if (r->has_amount || (r->malformed & LIFECYCLE_IN_AMOUNT))
		return check_amount(c);
	if (c->to->needs & STAGE_NEEDS_AMOUNT)
		return refuse(c, LIFECYCLE_INVALID, "amount", 1, NULL,
		    "stage %s needs the deal's amount", c->to->id);
	return 0;
}

/* A reassignment by the CRM: who made it and why, words. */
static int
check_reassign(struct lifecycle_check *c)
{
	if (c->req->by == NULL || !util_valid_id(c->req->by, 32))
		return refuse(c, LIFECYCLE_INVALID, "by", c->req->by == NULL, NULL,
		    "by must be a word (who changed the owner)");
	return check_word(c, "reason", c->req->reason, LIFECYCLE_IN_REASON, "crm_owner_change");
}

/*
 * The checks every action shares (the lead's id, the key, who acts), then
 * its own. 0, or -1 with c->refusal set.
 */
static int
lifecycle_validate(struct lifecycle_check *c)
{
	const struct lifecycle_req *r = c->req;
	const char *who = r->action == LIFECYCLE_STAGE ? "by" : "rep";

	c->cents = -1;
	if (r->lead == NULL || !ulid_valid(r->lead))
		return refuse(c, LIFECYCLE_NOT_FOUND, NULL, 0, NULL, "no lead %s",
		    r->lead != NULL ? r->lead : "");
	if (r->idem != NULL && !lead_valid_idempotency_key(r->idem))
		return refuse(c, LIFECYCLE_INVALID, "event_id", 0, NULL,
		    "an event id must be 1-%d printable ASCII characters", LEAD_IDEMPOTENCY_KEY_MAX);
	if (r->rep == NULL && r->as_owner && r->action == LIFECYCLE_TOUCH)
		return lifecycle_actions[r->action].check(c);
	if (r->rep == NULL)
		return refuse(c, LIFECYCLE_INVALID, who, 1, NULL, "%s is required (%s)", who,
		    r->action == LIFECYCLE_STAGE ? "who made the change" : "the lead's owner");
	if (!util_valid_id(r->rep, 64))
		return refuse(c, LIFECYCLE_INVALID, who, 0, NULL,
		    "%s must be an id (1-64 of letters, digits, _ . -)", who);
	return lifecycle_actions[r->action].check(c);
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

/*
 * The fingerprint of an action as checked, kept with its key: the same
 * request again is a replay, another one with the key is refused. Inputs
 * the action does not take are left out (c has none for them).
 */
static void
lifecycle_fp(const struct lifecycle_req *r, const struct lifecycle_check *c,
    char out[IDEM_FP_LEN + 1])
{
	char cents[24] = "";
	const char *parts[8];

	if (c->cents >= 0)
		snprintf(cents, sizeof(cents), "%lld", (long long)c->cents);
	parts[0] = lifecycle_actions[r->action].name;
	parts[1] = r->rep;
	parts[2] = r->action == LIFECYCLE_TOUCH ? r->channel : r->action == LIFECYCLE_REASSIGN ?
	    r->by : NULL;
	parts[3] = r->action == LIFECYCLE_TOUCH ? r->outcome : r->action == LIFECYCLE_REASSIGN ?
	    r->reason : NULL;
	parts[4] = r->action == LIFECYCLE_STAGE ? c->to->id : NULL;
	parts[5] = c->reason != NULL ? c->reason->code : NULL;
	parts[6] = c->note;
	parts[7] = cents;
	idem_fp_strings(parts, LR_NELEM(parts), out);
}

/* The touch script's arguments (see touch.lua). */
static void
touch_args(struct store_args *a, const struct conf *conf, const struct lifecycle_req *r,
    const char *fp)
{
	store_args_add(a, r->lead);
	store_args_add(a, r->rep != NULL ? r->rep : "");	/* "": as the owner */
	store_args_add(a, r->channel != NULL ? r->channel : "");
	store_args_add(a, r->outcome != NULL ? r->outcome : "");
	store_args_add(a, r->idem != NULL ? r->idem : "");
	store_args_add_int(a, conf->leads.idempotency_window_ms);
	store_args_add(a, fp);
}

/* The crm_owner script's arguments (see crm_owner.lua). */
/* The new owner's local date, so the lead counts in its leads today ('' for no such rep). */
static void
reassign_rep_day(struct store_args *a, const struct conf *conf, const char *rep)
{
	const struct conf_rep *r = conf_find_rep(conf, rep);
	char day[11] = "";

	if (r != NULL)
		candidates_local_date(r, sys_now_ms(), day);
	store_args_add(a, day);
}

static void
reassign_args(struct store_args *a, const struct conf *conf, const struct lifecycle_req *r,
    const char *fp)
{
	store_args_add(a, r->lead);
	store_args_add(a, r->rep);
	store_args_add(a, r->by);
	store_args_add(a, r->reason != NULL ? r->reason : "");
	store_args_add(a, r->idem != NULL ? r->idem : "");
	store_args_add_int(a, conf->leads.idempotency_window_ms);
	store_args_add(a, fp);
	reassign_rep_day(a, conf, r->rep);
}

/* The stage script's arguments (see stage.lua): accept, reject and stage moves alike. */
static void
stage_args(struct store_args *a, const struct conf *conf, const struct lifecycle_req *r,
    const struct lifecycle_check *c, uint64_t need_touches, const char *fp)
{
	char *from = stages_into(conf, c->to->id);

	store_args_add(a, r->lead);
	store_args_add(a, lifecycle_actions[r->action].name);
	store_args_add(a, r->rep);
	store_args_add(a, c->to->id);
	store_args_add(a, from);
	free(from);
	store_args_add(a, c->to->kind == STAGE_OPEN ? "open" : c->to->kind == STAGE_NURTURE ?
	    "nurture" : "closed");
	store_args_add(a, c->reason != NULL ? c->reason->code : "");
	store_args_add(a, c->note);
	if (c->cents >= 0)
		store_args_add_int(a, c->cents);
	else
		store_args_add(a, "");
	store_args_add_int(a, (int64_t)need_touches);
	store_args_add(a, r->idem != NULL ? r->idem : "");
	store_args_add_int(a, conf->leads.idempotency_window_ms);
	store_args_add(a, fp);
}

static void
op_free(struct lifecycle_op *op)
{
	conf_unref(op->conf);
	free(op->idem);
	free(op);
}

/* What a recorded action tells the logs, the metrics and the dispatcher. */
static void
lifecycle_observe(const struct lifecycle_op *op, const struct lead_view *v, int first)
{
	const char *reason = op->reason != NULL ? op->reason->code : NULL;

	switch (op->action) {
	case LIFECYCLE_TOUCH:
		metrics_inc(METRIC_TOUCHES, 1);
		if (first && v->received_at >= 0 && v->touched_at >= v->received_at)
			metrics_observe_first_touch((double)(v->touched_at - v->received_at) / 1000);
		log_info("lead_touched", "lead=%s rep=%s first=%s", v->id, v->owner,
		    first ? "true" : "false");
		break;
	case LIFECYCLE_REASSIGN:
		log_info("lead_reassigned", "lead=%s rep=%s by=crm changed=%s", v->id, v->owner,
		    first ? "true" : "false");
		break;
	case LIFECYCLE_REJECT:
		metrics_inc_label(METRIC_LABEL_REJECTIONS, reason, 1);
		/* FALLTHROUGH */
	case LIFECYCLE_ACCEPT:
	case LIFECYCLE_STAGE:
		metrics_inc_label(METRIC_LABEL_STAGE_ENTRIES, op->to->id, 1);
		log_info("lead_stage", "lead=%s stage=%s by=%s action=%s%s%s", v->id, op->to->id,
		    v->stage_by != NULL ? v->stage_by : "", lifecycle_actions[op->action].name,
		    reason != NULL ? " reason=" : "", reason != NULL ? reason : "");
		break;
	}
	/*
	 * A first touch or a lead leaving the process lowers its owner's load:
	 * a rep at a cap may take queued leads again.
	 */
	if (first || (v->status != NULL && (strcmp(v->status, "closed") == 0 ||
	    strcmp(v->status, "nurture") == 0)))
		dispatch_kick(op->srv->dispatch);
}

/* Element i of a script's answer as text, or "" when it has none. */
static const char *
reply_str(const redisReply *r, size_t i)
{
	return i < r->elements && r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str :
	    "";
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

/*
 * A refusal of the script: its first word and its detail, faithfully (see
 * the Returns of touch.lua and stage.lua). -1 for a word it does not give.
 */
static int
lifecycle_refused(const struct lifecycle_op *op, const redisReply *r, const char *word,
    struct lifecycle_outcome *o, struct lead_view *v, char **message)
{
	const char *detail = reply_str(r, 1);
	const char *to = op->to != NULL ? op->to->id : NULL;

	if (strcmp(word, "not_found") == 0) {
		o->status = LIFECYCLE_NOT_FOUND;
		*message = xasprintf("no lead %s", op->lead);
	} else if (strcmp(word, "no_owner") == 0) {
		o->status = LIFECYCLE_NO_OWNER;
		o->lead_status = detail;
		*message = xasprintf("lead %s has no owner yet (it is %s)", op->lead, detail);
	} else if (strcmp(word, "not_owner") == 0) {
		o->status = LIFECYCLE_NOT_OWNER;
		o->owner = detail;
		*message = xasprintf("lead %s is owned by %s", op->lead, detail);
	} else if (strcmp(word, "closed") == 0) {
		o->status = LIFECYCLE_CLOSED;
		o->lead_status = detail;
		*message = xasprintf("lead %s has left the sales process (it is %s)", op->lead,
		    detail);
	} else if (strcmp(word, "no_stage") == 0) {
		o->status = LIFECYCLE_NO_STAGE;
		o->lead_status = detail;
		*message = xasprintf("lead %s has no lifecycle stage: its rule sent it to nurture",
		    op->lead);
	} else if (strcmp(word, "conflict") == 0 && to != NULL) {
		char *list;

		o->status = LIFECYCLE_STAGE_CONFLICT;
		o->stage = detail;
		o->stage_at = *reply_str(r, 2) != '\0' ? strtoll(reply_str(r, 2), NULL, 10) : -1;
		o->stage_by = *reply_str(r, 3) != '\0' ? reply_str(r, 3) : NULL;
		o->to = to;
		o->allowed = next_stages(op->conf, detail);
		list = json_dumps(o->allowed, JSON_COMPACT);
		*message = xasprintf("lead %s is in stage %s, which cannot move to %s; allowed: %s",
		    op->lead, detail, to, json_array_size(o->allowed) > 0 ? list :
		    "none (final stage)");
		free(list);
	} else if (strcmp(word, "cadence") == 0 && op->reason != NULL && r->elements > 1 &&
	    r->element[1]->type == REDIS_REPLY_INTEGER) {
		o->status = LIFECYCLE_CADENCE;
		o->touches = r->element[1]->integer;
		o->required = (int64_t)op->need_touches;
		*message = xasprintf("reason %s needs the follow-up cadence done first: "
		    "%llu touches, lead %s has %lld", op->reason->code,
		    (unsigned long long)op->need_touches, op->lead, (long long)o->touches);
	} else if (strcmp(word, "idem_conflict") == 0) {
		o->status = LIFECYCLE_IDEM_CONFLICT;
		o->other_lead = detail;
		*message = xasprintf("this event id was already used for lead %s", detail);
	} else if (strcmp(word, "idem_reused") == 0 && op->idem != NULL) {
		o->status = LIFECYCLE_IDEM_REUSED;
		if (r->elements > 1 && r->element[1]->type == REDIS_REPLY_ARRAY) {
			lead_view_from_hash(v, r->element[1]);
			o->lead = v;
		}
		*message = xasprintf("idempotency key %s was already used on lead %s for a "
		    "different request; nothing was changed (a new action needs a new key)",
		    op->idem, op->lead);
		metrics_inc(METRIC_IDEM_REUSED, 1);
		log_info("idempotency_key_reused", "lead=%s action=%s", op->lead,
		    lifecycle_actions[op->action].name);
	} else {
		return -1;
	}
	return 0;
}

static void
lifecycle_on_reply(const struct store_reply *reply, void *arg)
{
	struct lifecycle_op *op = arg;
	const redisReply *r = reply->raw, *hash;
	struct lifecycle_outcome o = { .action = op->action, .lead_id = op->lead,
	    .stage_at = -1 };
	struct lead_view v;
	char *message = NULL;
	const char *word;
	size_t at;

	word = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING ? r->element[0]->str : NULL;
	if (reply->err != NULL) {
		o.status = LIFECYCLE_UNAVAILABLE;
		o.message = reply->err;
	} else if (word == NULL) {
		o.status = LIFECYCLE_UNAVAILABLE;
		o.message = "the script gave no answer";
	} else if (strcmp(word, "ok") == 0 || strcmp(word, "replay") == 0) {
		/* {word, the lead} or, from the touch script, {word, first, the lead} */
		at = op->action == LIFECYCLE_TOUCH || op->action == LIFECYCLE_REASSIGN ? 2 : 1;
		hash = at < r->elements ? r->element[at] : NULL;
		if (hash == NULL || hash->type != REDIS_REPLY_ARRAY) {
			o.status = LIFECYCLE_UNAVAILABLE;
			o.message = "the script gave no lead";
		} else {
			o.status = word[0] == 'o' ? LIFECYCLE_DONE : LIFECYCLE_REPLAYED;
			o.first_touch = o.status == LIFECYCLE_DONE && at == 2 &&
			    r->element[1]->type == REDIS_REPLY_INTEGER && r->element[1]->integer != 0;
			/* The crm_owner script's second word: the owner changed. */
			if (op->action == LIFECYCLE_REASSIGN) {
				o.changed = o.first_touch;
				o.first_touch = 0;
			}
			lead_view_from_hash(&v, hash);
			o.lead = &v;
			if (o.status == LIFECYCLE_DONE)
				lifecycle_observe(op, &v, o.first_touch || o.changed);
		}
	} else if (lifecycle_refused(op, r, word, &o, &v, &message) == 0) {
		o.message = message;
	} else {
		o.status = LIFECYCLE_UNAVAILABLE;
		o.message = "the script gave an answer it does not promise";
	}
	op->cb(op->arg, &o);
	json_decref(o.allowed);
	free(message);
	op_free(op);
}

int
lifecycle_run(struct server *srv, struct conf *conf, const struct lifecycle_req *req,
    lifecycle_cb *cb, void *arg)
{
	struct lifecycle_check c = { .conf = conf, .req = req, .refusal = { .action = req->action,
	    .lead_id = req->lead, .stage_at = -1 } };
	const struct lifecycle_action_entry *act = &lifecycle_actions[req->action];
	struct store_args a = { 0 };
	struct lifecycle_op *op;
	char fp[IDEM_FP_LEN + 1] = "";

	if (lifecycle_validate(&c) == -1) {
		cb(arg, &c.refusal);
		json_decref(c.refusal.valid);
		free(c.message);
		return -1;
	}
	op = xcalloc(1, sizeof(*op));
	op->srv = srv;
	op->conf = conf_ref(conf);
	op->cb = cb;
	op->arg = arg;
	op->action = req->action;
	snprintf(op->lead, sizeof(op->lead), "%s", req->lead);
	if (req->idem != NULL) {
		op->idem = xstrdup(req->idem);
		lifecycle_fp(req, &c, fp);
	}
	op->to = c.to;
	op->reason = c.reason;
	op->need_touches = c.reason != NULL && c.reason->needs_cadence ?
	    conf->lifecycle.cadence_touches : 0;
	if (req->action == LIFECYCLE_TOUCH)
		touch_args(&a, conf, req, fp);
	else if (req->action == LIFECYCLE_REASSIGN)
		reassign_args(&a, conf, req, fp);
	else
		stage_args(&a, conf, req, &c, op->need_touches, fp);
	if (store_eval(srv->store, act->script, sys_now_ms(), &a, lifecycle_on_reply, op) == -1) {
		struct lifecycle_outcome o = { .status = LIFECYCLE_UNAVAILABLE,
		    .action = req->action, .lead_id = req->lead, .stage_at = -1,
		    .message = "not connected or too busy" };

		cb(arg, &o);
		op_free(op);
		return -1;
	}
	return 0;
}
