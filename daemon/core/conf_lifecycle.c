/*
 * conf_lifecycle.c — the definitions sales and marketing share: lifecycle
 * stages and their allowed moves, rejection and loss reasons, the follow-up
 * cadence, and what the scorecard counts (required fields, the untouched
 * threshold, the clocks behind its SLA figures).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define TEXT_MAX	1000		/* names, definitions, labels */
#define MAX_STAGES	32
#define MAX_REASONS	64
#define MAX_REQUIRED	32

/* Lead events a stage may not be named after: clocks name both. */
static const char *const builtin_events[] = { "received", "queued", "assigned", "touched",
    "nurture", "accepted", "rejected", NULL };

/* The default lifecycle: the stages the playbooks agree on. */
static const struct {
	const char *id, *name, *definition, *owner;
	enum conf_stage_kind kind;
	int entry, needs;
	const char *next;
} default_stages[] = {
	{ "mql", "Marketing qualified lead",
	  "Fit and engagement reached the agreed score; marketing hands it to sales.",
	  "marketing", STAGE_OPEN, 1, 0, "sal,recycled,disqualified" },
	{ "pql", "Product qualified lead",
	  "Reached the agreed product-usage milestone in a trial or free plan.",
	  "product", STAGE_OPEN, 1, 0, "sal,recycled,disqualified" },
	{ "eql", "Expansion qualified lead",
	  "A customer showing expansion intent: usage, seats, a new team.",
	  "customer_success", STAGE_OPEN, 1, 0, "sal,recycled,disqualified" },
	{ "sal", "Sales accepted lead",
	  "The owner reviewed it within the SLA and agreed it is worth working.",
	  "sales", STAGE_OPEN, 0, 0, "sql,recycled,disqualified" },
	{ "sql", "Sales qualified lead",
	  "Discovery confirmed need, authority and timing; a deal is likely.",
	  "sales", STAGE_OPEN, 0, 0, "opportunity,recycled,lost" },
	{ "opportunity", "Opportunity",
	  "A deal with an amount, in the pipeline.",
	  "sales", STAGE_OPEN, 0, STAGE_NEEDS_AMOUNT, "won,lost" },
	{ "won", "Closed won", "The customer signed.", "sales", STAGE_CLOSED, 0, 0, "" },
	{ "lost", "Closed lost", "Worked and closed without a deal; the reason is recorded.",
	  "sales", STAGE_CLOSED, 0, STAGE_NEEDS_REASON, "" },
	{ "recycled", "Recycled", "Not ready now: back to marketing nurture, with a reason.",
	  "marketing", STAGE_NURTURE, 0, 0, "" },
	{ "disqualified", "Disqualified", "Not a fit: never to be worked; the reason is recorded.",
	  "marketing", STAGE_CLOSED, 0, 0, "" },
};

static const struct {
	const char *code, *label, *then;
	int note, cadence;
} default_reject[] = {
	{ "wrong_title", "Not a buyer's title", "recycled", 0, 0 },
	{ "wrong_company_size", "Company too small or too large", "disqualified", 0, 0 },
	{ "bad_timing", "Interested, but not now", "recycled", 0, 0 },
	{ "no_contact_info", "No way to reach them", "disqualified", 0, 0 },
	{ "duplicate", "Already a lead or contact", "disqualified", 0, 0 },
	{ "competitor", "Works for a competitor", "disqualified", 0, 0 },
	{ "student_or_job_seeker", "Student or job seeker", "disqualified", 0, 0 },
	{ "other", "Other (say why)", "recycled", 1, 0 },
}, default_lost[] = {
	{ "unresponsive", "No answer after the full follow-up cadence", NULL, 0, 1 },
	{ "no_budget", "No budget", NULL, 0, 0 },
	{ "no_decision", "No decision made", NULL, 0, 0 },
	{ "chose_competitor", "Chose a competitor", NULL, 0, 0 },
	{ "bad_timing", "Not now", NULL, 0, 0 },
	{ "not_a_fit", "Not a fit after all", NULL, 0, 0 },
	{ "other", "Other (say why)", NULL, 1, 0 },
};

static const char *const default_funnel[] = { "mql", "sal", "sql", "opportunity", "won" };

const struct conf_stage *
conf_find_stage(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->lifecycle.nstages; i++)
		if (strcmp(conf->lifecycle.stages[i].id, id) == 0)
			return &conf->lifecycle.stages[i];
	return NULL;
}

const struct conf_reason *
conf_find_reason(const struct conf_reason *list, size_t n, const char *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i].code, code) == 0)
			return &list[i];
	return NULL;
}

int
conf_stage_allows(const struct conf_stage *from, const char *to)
{
	size_t i;

	for (i = 0; i < from->nnext; i++)
		if (strcmp(from->next[i], to) == 0)
			return 1;
	return 0;
}

int
conf_is_builtin_event(const char *s)
{
	size_t i;

	for (i = 0; builtin_events[i] != NULL; i++)
		if (strcmp(builtin_events[i], s) == 0)
			return 1;
	return 0;
}

/* Split "a,b,c" into a list of copies. */
static char **
split_ids(const char *s, size_t *n)
{
	char **v = NULL, *copy = xstrdup(s), *p, *save = NULL;

	*n = 0;
	for (p = strtok_r(copy, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrdup(p);
	}
	free(copy);
	return v;
}

static void
default_stage_list(struct conf_lifecycle *l)
{
	size_t i;

	l->stages = xcalloc(LR_NELEM(default_stages), sizeof(*l->stages));
	for (i = 0; i < LR_NELEM(default_stages); i++) {
		struct conf_stage *s = &l->stages[l->nstages++];

		s->id = xstrdup(default_stages[i].id);
		s->name = xstrdup(default_stages[i].name);
		s->definition = xstrdup(default_stages[i].definition);
		s->owner = xstrdup(default_stages[i].owner);
		s->kind = default_stages[i].kind;
		s->entry = default_stages[i].entry;
		s->needs = default_stages[i].needs;
		s->next = split_ids(default_stages[i].next, &s->nnext);
	}
}

/* Default reasons; NULL when a default's stage is missing (custom stages: reasons needed). */
static int
default_reasons(struct conf *c, int reject)
{
	struct conf_lifecycle *l = &c->lifecycle;
	size_t i, n = reject ? LR_NELEM(default_reject) : LR_NELEM(default_lost);
	struct conf_reason *v = xcalloc(n, sizeof(*v));

	for (i = 0; i < n; i++) {
		const char *then = reject ? default_reject[i].then : NULL;

		v[i].code = xstrdup(reject ? default_reject[i].code : default_lost[i].code);
		v[i].label = xstrdup(reject ? default_reject[i].label : default_lost[i].label);
		v[i].note_required = reject ? default_reject[i].note : default_lost[i].note;
		v[i].needs_cadence = reject ? default_reject[i].cadence : default_lost[i].cadence;
		if (then != NULL)
			v[i].then = conf_find_stage(c, then);
	}
	if (reject) {
		l->reject = v;
		l->nreject = n;
	} else {
		l->lost = v;
		l->nlost = n;
	}
	for (i = 0; reject && i < n; i++)
		if (v[i].then == NULL)
			return -1;
	return 0;
}

static char *
opt_text(struct conf_ctx *ctx, const struct ynode *item, const char *key, const char *path)
{
	const char *s = confread_opt_string(ctx->diags, item, key, path);

	if (s != NULL && strlen(s) > TEXT_MAX) {
		conf_error(ctx, ytree_get(item, key)->line, path, "%s is longer than %d bytes",
		    key, TEXT_MAX);
		return NULL;
	}
	return s != NULL ? xstrdup(s) : NULL;
}

/* A list of ids under key (or a single one); NULL with *n 0 when absent or bad. */
static char **
id_list(struct conf_ctx *ctx, const struct ynode *item, const char *key, const char *path,
    size_t max, size_t *n)
{
	const struct ynode *l = ytree_get(item, key);
	char sub[192], **v;
	size_t i;

	*n = 0;
	if (l == NULL)
		return NULL;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (l->type != YNODE_SEQ || l->n > max) {
		conf_error(ctx, l->line, sub, "expected a list of at most %zu ids", max);
		return NULL;
	}
	v = xcalloc(l->n ? l->n : 1, sizeof(*v));
	for (i = 0; i < l->n; i++) {
		const struct ynode *e = l->items[i];

		if (e->type != YNODE_SCALAR || !util_valid_id(e->value, 64)) {
			conf_error(ctx, e->line, sub, "expected an id (1-64 of letters, digits, _ . -)");
			continue;
		}
		v[(*n)++] = xstrdup(e->value);
	}
	return v;
}

static void
parse_stages(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "name", "definition", "owner", "kind",
	    "entry", "requires", "next", NULL };
	struct conf_lifecycle *l = &ctx->conf->lifecycle;
	char path[64], sub[96];
	size_t i, j;

	if (!confread_is_list(ctx->diags, list, "lifecycle.stages", "stages"))
		return;
	if (list->n == 0 || list->n > MAX_STAGES) {
		conf_error(ctx, list->line, "lifecycle.stages", "expected 1 to %d stages", MAX_STAGES);
		return;
	}
	l->stages = xcalloc(list->n, sizeof(*l->stages));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct conf_stage *prev;
		struct conf_stage *s;
		const char *id, *kind;
		char **req;
		size_t nreq;

		snprintf(path, sizeof(path), "lifecycle.stages[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_stage(ctx->conf, id);
		if (confread_duplicate(ctx->diags, item, path, "stage", id,
		    prev != NULL ? prev->line : 0))
			continue;
		if (conf_is_builtin_event(id)) {
			conf_error(ctx, ytree_get(item, "id")->line, path,
			    "\"%s\" is a lead event and cannot name a stage", id);
			continue;
		}
		s = &l->stages[l->nstages++];
		s->id = xstrdup(id);
		s->line = item->line;
		s->name = opt_text(ctx, item, "name", path);
		s->definition = opt_text(ctx, item, "definition", path);
		s->owner = opt_text(ctx, item, "owner", path);
		if (s->name == NULL)
			s->name = xstrdup(id);
		if (s->definition == NULL) {
			conf_error(ctx, item->line, path,
			    "missing \"definition\": say what being in stage %s means", id);
		}
		if (s->owner == NULL)
			conf_error(ctx, item->line, path, "missing \"owner\": the team that owns %s", id);
		kind = confread_opt_string(ctx->diags, item, "kind", path);
		snprintf(sub, sizeof(sub), "%s.kind", path);
		if (kind == NULL || strcmp(kind, "open") == 0)
			s->kind = STAGE_OPEN;
		else if (strcmp(kind, "nurture") == 0)
			s->kind = STAGE_NURTURE;
		else if (strcmp(kind, "closed") == 0)
			s->kind = STAGE_CLOSED;
		else
			conf_error(ctx, ytree_get(item, "kind")->line, sub,
			    "unknown kind \"%s\": use open, nurture or closed", kind);
		confread_bool(ctx->diags, item, "entry", path, &s->entry);
		req = id_list(ctx, item, "requires", path, 2, &nreq);
		for (j = 0; j < nreq; j++) {
			if (strcmp(req[j], "amount") == 0)
				s->needs |= STAGE_NEEDS_AMOUNT;
			else if (strcmp(req[j], "reason") == 0)
				s->needs |= STAGE_NEEDS_REASON;
			else
				conf_error(ctx, ytree_get(item, "requires")->line, path,
				    "unknown requirement \"%s\": use amount or reason", req[j]);
			free(req[j]);
		}
		free(req);
		s->next = id_list(ctx, item, "next", path, MAX_STAGES, &s->nnext);
	}
	/* Moves name stages defined anywhere in the list. */
	for (i = 0; i < l->nstages; i++) {
		struct conf_stage *s = &l->stages[i];

		for (j = 0; j < s->nnext; j++) {
			if (conf_find_stage(ctx->conf, s->next[j]) == NULL)
				conf_error(ctx, s->line, "lifecycle.stages",
				    "stage %s: next names unknown stage \"%s\"", s->id, s->next[j]);
			else if (strcmp(s->next[j], s->id) == 0)
				conf_error(ctx, s->line, "lifecycle.stages",
				    "stage %s cannot move to itself", s->id);
		}
		if (s->kind != STAGE_OPEN && s->nnext > 0)
			conf_error(ctx, s->line, "lifecycle.stages",
			    "stage %s is %s, so final: it can have no next stages (a returning "
			    "contact arrives as a new lead)", s->id,
			    s->kind == STAGE_NURTURE ? "nurture" : "closed");
	}
}

static void
parse_reasons(struct conf_ctx *ctx, const struct ynode *list, const char *path0, int reject)
{
	static const char *const allowed_reject[] = { "code", "label", "then", "note", "cadence",
	    NULL };
	static const char *const allowed_lost[] = { "code", "label", "note", "cadence", NULL };
	struct conf_lifecycle *l = &ctx->conf->lifecycle;
	struct conf_reason **v = reject ? &l->reject : &l->lost;
	size_t *nv = reject ? &l->nreject : &l->nlost, i;
	char path[64], sub[96];

	if (!confread_is_list(ctx->diags, list, path0, "reasons"))
		return;
	if (list->n == 0 || list->n > MAX_REASONS) {
		conf_error(ctx, list->line, path0, "expected 1 to %d reasons", MAX_REASONS);
		return;
	}
	*v = xcalloc(list->n, sizeof(**v));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *n;
		const struct conf_reason *prev;
		struct conf_reason *r;
		const char *code, *then;

		snprintf(path, sizeof(path), "%s[%zu]", path0, i);
		if (confread_check_keys(ctx->diags, item, path,
		    reject ? allowed_reject : allowed_lost) == -1 ||
		    (code = confread_id(ctx->diags, item, "code", path)) == NULL)
			continue;
		prev = conf_find_reason(*v, *nv, code);
		if (confread_duplicate(ctx->diags, item, path, "reason", code,
		    prev != NULL ? prev->line : 0))
			continue;
		r = &(*v)[(*nv)++];
		r->code = xstrdup(code);
		r->line = item->line;
		r->label = opt_text(ctx, item, "label", path);
		if (r->label == NULL)
			r->label = xstrdup(code);
		if (reject) {
			then = confread_opt_string(ctx->diags, item, "then", path);
			snprintf(sub, sizeof(sub), "%s.then", path);
			if (then == NULL)
				conf_error(ctx, item->line, path,
				    "missing \"then\": the stage a lead rejected for %s goes to", code);
			else if ((r->then = conf_find_stage(ctx->conf, then)) == NULL)
				conf_error(ctx, ytree_get(item, "then")->line, sub,
				    "unknown stage \"%s\"", then);
			else if (r->then->kind == STAGE_OPEN)
				conf_error(ctx, ytree_get(item, "then")->line, sub,
				    "stage %s is open: a rejected lead goes to a nurture or closed stage",
				    then);
		}
		if ((n = ytree_get(item, "note")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.note", path);
			if (n->type == YNODE_SCALAR && strcmp(n->value, "required") == 0)
				r->note_required = 1;
			else if (n->type != YNODE_SCALAR || strcmp(n->value, "optional") != 0)
				conf_error(ctx, n->line, sub, "expected required or optional");
		}
		confread_bool(ctx->diags, item, "cadence", path, &r->needs_cadence);
	}
}

static const struct conf_stage *
stage_ref(struct conf_ctx *ctx, const struct ynode *map, const char *key, const char *def)
{
	const char *s = map != NULL ? confread_opt_string(ctx->diags, map, key, "lifecycle") : NULL;
	const struct conf_stage *st;
	char sub[96];

	snprintf(sub, sizeof(sub), "lifecycle.%s", key);
	if ((st = conf_find_stage(ctx->conf, s != NULL ? s : def)) == NULL)
		conf_error(ctx, s != NULL ? ytree_get(map, key)->line : (map ? map->line : 1), sub,
		    s != NULL ? "unknown stage \"%s\"" :
		    "no stage \"%s\" (the default): set lifecycle.%s to one of the stages",
		    s != NULL ? s : def, key);
	return st;
}

/*
 * lifecycle: stages, initial, accept, funnel, reject_reasons, lost_reasons,
 * cadence. Every part has a default, so an absent section (map NULL) gives the
 * default lifecycle.
 */
void
conf_parse_lifecycle(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "stages", "initial", "accept", "funnel",
	    "reject_reasons", "lost_reasons", "cadence", NULL };
	static const char *const cadence_keys[] = { "touches", "within", NULL };
	struct conf_lifecycle *l = &ctx->conf->lifecycle;
	const struct ynode *n;
	size_t i;

	if (map != NULL && confread_check_keys(ctx->diags, map, "lifecycle", allowed) == -1)
		return;
	if (map != NULL && (n = ytree_get(map, "stages")) != NULL)
		parse_stages(ctx, n);
	else
		default_stage_list(l);
	if (l->nstages == 0)
		return;
	l->initial = stage_ref(ctx, map, "initial", "mql");
	if (l->initial != NULL && !l->initial->entry)
		conf_error(ctx, map != NULL ? map->line : 1, "lifecycle.initial",
		    "stage %s is not an entry stage (entry: true)", l->initial->id);
	l->accept = stage_ref(ctx, map, "accept", "sal");
	if (map != NULL && (n = ytree_get(map, "reject_reasons")) != NULL)
		parse_reasons(ctx, n, "lifecycle.reject_reasons", 1);
	else if (default_reasons(ctx->conf, 1) == -1)
		conf_error(ctx, map != NULL ? map->line : 1, "lifecycle",
		    "the default reject_reasons move leads to recycled or disqualified, which "
		    "these stages lack: set lifecycle.reject_reasons");
	if (map != NULL && (n = ytree_get(map, "lost_reasons")) != NULL)
		parse_reasons(ctx, n, "lifecycle.lost_reasons", 0);
	else
		default_reasons(ctx->conf, 0);
	if (map != NULL && (n = ytree_get(map, "funnel")) != NULL) {
		char **ids = id_list(ctx, map, "funnel", "lifecycle", MAX_STAGES, &l->nfunnel);

		l->funnel = xcalloc(l->nfunnel ? l->nfunnel : 1, sizeof(*l->funnel));
		for (i = 0; i < l->nfunnel; i++) {
			if ((l->funnel[i] = conf_find_stage(ctx->conf, ids[i])) == NULL)
				conf_error(ctx, n->line, "lifecycle.funnel", "unknown stage \"%s\"",
				    ids[i]);
			free(ids[i]);
		}
		free(ids);
		if (l->nfunnel < 2)
			conf_error(ctx, n->line, "lifecycle.funnel", "expected at least two stages");
	} else {
		l->funnel = xcalloc(LR_NELEM(default_funnel), sizeof(*l->funnel));
		for (i = 0; i < LR_NELEM(default_funnel); i++)
			if ((l->funnel[l->nfunnel] = conf_find_stage(ctx->conf, default_funnel[i])))
				l->nfunnel++;
	}
	l->cadence_touches = 6;
	l->cadence_within_ms = 10LL * 86400 * 1000;
	if (map != NULL && (n = ytree_get(map, "cadence")) != NULL &&
	    confread_check_keys(ctx->diags, n, "lifecycle.cadence", cadence_keys) != -1) {
		const struct ynode *w = ytree_get(n, "within");

		if (ytree_get(n, "touches") != NULL)
			confread_opt_count(ctx->diags, n, "touches", "lifecycle.cadence", 1, 100,
			    &l->cadence_touches);
		if (w != NULL)
			confread_duration(ctx->diags, w, "lifecycle.cadence.within", 60 * 1000,
			    366LL * 86400 * 1000, &l->cadence_within_ms);
	}
}

/* changelog: {by, why} — recorded with the definitions version it produces. */
void
conf_parse_changelog(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "by", "why", NULL };
	struct conf_lifecycle *l = &ctx->conf->lifecycle;

	if (confread_check_keys(ctx->diags, map, "changelog", allowed) == -1)
		return;
	l->changelog_by = opt_text(ctx, map, "by", "changelog");
	l->changelog_why = opt_text(ctx, map, "why", "changelog");
	if (l->changelog_by == NULL || l->changelog_why == NULL)
		conf_error(ctx, map->line, "changelog", "a changelog entry needs \"by\" and \"why\"");
}

/* scorecard: required_fields, untouched_after, route_clock, touch_clock (after the clocks). */
void
conf_parse_scorecard(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "required_fields", "untouched_after",
	    "route_clock", "touch_clock", NULL };
	struct conf_lifecycle *l = &ctx->conf->lifecycle;
	const struct ynode *n;
	const char *s;
	int i;

	if (map != NULL && confread_check_keys(ctx->diags, map, "scorecard", allowed) == -1)
		return;
	if (map != NULL && ytree_get(map, "required_fields") != NULL) {
		l->required_fields = id_list(ctx, map, "required_fields", "scorecard",
		    MAX_REQUIRED, &l->nrequired);
	} else {
		l->required_fields = xcalloc(3, sizeof(char *));
		l->required_fields[l->nrequired++] = xstrdup("email");
		l->required_fields[l->nrequired++] = xstrdup("company");
		l->required_fields[l->nrequired++] = xstrdup("title");
	}
	l->untouched_after_ms = 48LL * 3600 * 1000;
	if (map != NULL && (n = ytree_get(map, "untouched_after")) != NULL)
		confread_duration(ctx->diags, n, "scorecard.untouched_after", 1000,
		    366LL * 86400 * 1000, &l->untouched_after_ms);
	for (i = 0; i < 2; i++) {
		const char *key = i == 0 ? "route_clock" : "touch_clock";
		char sub[64];

		s = map != NULL ? confread_opt_string(ctx->diags, map, key, "scorecard") : NULL;
		snprintf(sub, sizeof(sub), "scorecard.%s", key);
		if (s != NULL && conf_find_clock(ctx->conf, s) == NULL)
			conf_error(ctx, ytree_get(map, key)->line, sub, "unknown clock \"%s\"", s);
		*(i == 0 ? &l->route_clock : &l->touch_clock) =
		    xstrdup(s != NULL ? s : i == 0 ? "route" : "first_touch");
	}
}

static void
free_reasons(struct conf_reason *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].code);
		free(v[i].label);
	}
	free(v);
}

void
conf_free_lifecycle(struct conf *c)
{
	struct conf_lifecycle *l = &c->lifecycle;
	size_t i, j;

	for (i = 0; i < l->nstages; i++) {
		struct conf_stage *s = &l->stages[i];

		free(s->id);
		free(s->name);
		free(s->definition);
		free(s->owner);
		for (j = 0; j < s->nnext; j++)
			free(s->next[j]);
		free(s->next);
	}
	free(l->stages);
	free(l->funnel);
	free_reasons(l->reject, l->nreject);
	free_reasons(l->lost, l->nlost);
	for (i = 0; i < l->nrequired; i++)
		free(l->required_fields[i]);
	free(l->required_fields);
	free(l->changelog_by);
	free(l->changelog_why);
	free(l->route_clock);
	free(l->touch_clock);
}
