/*
 * conf_routing.c — the routing sections of the config: calendars, reps,
 * pools, accounts, territories, scoring and rules; the warnings about rules
 * (never reached, shadowed, on fields nothing sends); and the look-ups the
 * router makes in them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/calendar.h"
#include "leadroute/cond.h"
#include "leadroute/conf.h"
#include "leadroute/confread.h"
#include "leadroute/lead.h"
#include "leadroute/mapping.h"
#include "leadroute/score.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

static const struct conf_rule *
conf_find_rule(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nrules; i++)
		if (strcmp(conf->rules[i].name, name) == 0)
			return &conf->rules[i];
	return NULL;
}

void
conf_parse_calendars(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "timezone", "hours", "holidays", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "calendars", "calendars"))
		return;
	c->calendars = xcalloc(list->n ? list->n : 1, sizeof(*c->calendars));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct calendar *prev;
		struct calendar *cal;
		const char *id;

		snprintf(path, sizeof(path), "calendars[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_calendar(c, id);
		if (confread_duplicate(ctx->diags, item, path, "calendar id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		cal = &c->calendars[c->ncalendars];
		if (calendar_parse(ctx->diags, item, path, cal) == -1) {
			calendar_free(cal);
			continue;
		}
		cal->id = xstrdup(id);
		cal->line = item->line;
		c->ncalendars++;
	}
}

void
conf_parse_reps(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "name", "email", "calendar", "max_open",
	    "max_per_day", "notify", "manager", "slack_user", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "reps", "reps"))
		return;
	c->reps = xcalloc(list->n, sizeof(*c->reps));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct conf_rep *prev;
		const char *id, *name, *email, *calendar;
		struct conf_rep *rep;
		char sub[96];

		snprintf(path, sizeof(path), "reps[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_rep(c, id);
		if (confread_duplicate(ctx->diags, item, path, "rep id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		name = confread_opt_string(ctx->diags, item, "name", path);
		email = confread_opt_string(ctx->diags, item, "email", path);
		if (email != NULL && strchr(email, '@') == NULL) {
			conf_error(ctx, ytree_get(item, "email")->line, path,
			    "bad email \"%s\"", email);
			email = NULL;
		}
		rep = &c->reps[c->nreps];
		if ((calendar = confread_opt_string(ctx->diags, item, "calendar", path)) != NULL &&
		    (rep->calendar = conf_find_calendar(c, calendar)) == NULL) {
			snprintf(sub, sizeof(sub), "%s.calendar", path);
			conf_error(ctx, ytree_get(item, "calendar")->line, sub,
			    "unknown calendar \"%s\"", calendar);
		}
		confread_opt_count(ctx->diags, item, "max_open", path, 1, 1000000, &rep->max_open);
		confread_opt_count(ctx->diags, item, "max_per_day", path, 1, 1000000,
		    &rep->max_per_day);
		rep->id = xstrdup(id);
		rep->name = xstrdup(name != NULL ? name : id);
		rep->email = email != NULL ? xstrdup(email) : NULL;
		conf_rep_channel(ctx, item, path, rep, list->n);
		rep->manager = conf_ref_person(ctx, item, "manager", path);
		rep->line = item->line;
		c->nreps++;
	}
	if (list->n == 0)
		conf_error(ctx, list->line, "reps", "at least one rep is required");
}

/* One entry of a pool's reps: an id, or {id: ben, weight: 2}. */
static int
conf_parse_member(struct conf_ctx *ctx, const struct ynode *n, const char *path,
    struct conf_member *m)
{
	static const char *const allowed[] = { "id", "weight", NULL };
	const char *rid;
	uint64_t weight = 1;

	if (n->type == YNODE_MAP) {
		if (confread_check_keys(ctx->diags, n, path, allowed) == -1 ||
		    (rid = confread_id(ctx->diags, n, "id", path)) == NULL ||
		    confread_opt_count(ctx->diags, n, "weight", path, 1, 100, &weight) == -1)
			return -1;
		if (weight == 0)
			weight = 1;
	} else if ((rid = confread_scalar(ctx->diags, n, path,
	    "a rep id or {id: …, weight: …}")) == NULL) {
		return -1;
	}
	if ((m->rep = (struct conf_rep *)conf_find_rep(ctx->conf, rid)) == NULL) {
		conf_error(ctx, n->line, path, "unknown rep \"%s\"", rid);
		return -1;
	}
	m->weight = (unsigned)weight;
	return 0;
}

void
conf_parse_pools(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "reps", "max_open", "calendar", "manager",
	    "director", "escalation", "sla", "notify", NULL };
	struct conf *c = ctx->conf;
	char path[64], rpath[96];
	size_t i, j, k;

	if (!confread_is_list(ctx->diags, list, "pools", "pools"))
		return;
	c->pools = xcalloc(list->n, sizeof(*c->pools));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *reps, *n;
		const struct conf_pool *prev;
		struct conf_pool *pool;
		const char *id, *cal;

		snprintf(path, sizeof(path), "pools[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_pool(c, id);
		if (confread_duplicate(ctx->diags, item, path, "pool id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		pool = &c->pools[c->npools++];
		pool->id = xstrdup(id);
		pool->line = item->line;
		confread_opt_count(ctx->diags, item, "max_open", path, 1, 100000000,
		    &pool->max_open);
		if ((cal = confread_opt_string(ctx->diags, item, "calendar", path)) != NULL &&
		    (pool->calendar = conf_find_calendar(c, cal)) == NULL) {
			snprintf(rpath, sizeof(rpath), "%s.calendar", path);
			conf_error(ctx, ytree_get(item, "calendar")->line, rpath,
			    "unknown calendar \"%s\"", cal);
		}
		pool->manager = conf_ref_person(ctx, item, "manager", path);
		pool->director = conf_ref_person(ctx, item, "director", path);
		pool->notify = conf_ref_target(ctx, item, "notify", path);
		if ((n = ytree_get(item, "escalation")) != NULL) {
			snprintf(rpath, sizeof(rpath), "%s.escalation", path);
			conf_parse_policy(ctx, n, rpath, &pool->escalation);
		}
		if ((n = ytree_get(item, "sla")) != NULL) {
			snprintf(rpath, sizeof(rpath), "%s.sla", path);
			conf_parse_sla_override(ctx, n, rpath, &pool->sla);
		}
		snprintf(rpath, sizeof(rpath), "%s.reps", path);
		if ((reps = ytree_get(item, "reps")) == NULL) {
			conf_error(ctx, item->line, path, "missing \"reps\"");
			continue;
		}
		if (reps->type != YNODE_SEQ || reps->n == 0) {
			conf_error(ctx, reps->line, rpath, "expected a non-empty list of rep ids");
			continue;
		}
		pool->members = xcalloc(reps->n, sizeof(*pool->members));
		for (j = 0; j < reps->n; j++) {
			struct conf_member *m = &pool->members[pool->nmembers];

			snprintf(rpath, sizeof(rpath), "%s.reps[%zu]", path, j);
			if (conf_parse_member(ctx, reps->items[j], rpath, m) == -1)
				continue;
			for (k = 0; k < pool->nmembers; k++)
				if (pool->members[k].rep == m->rep)
					break;
			if (k < pool->nmembers) {
				conf_error(ctx, reps->items[j]->line, rpath,
				    "rep \"%s\" is listed twice", m->rep->id);
				continue;
			}
			pool->nmembers++;
		}
	}
	if (list->n == 0)
		conf_error(ctx, list->line, "pools", "at least one pool is required");
}

int
conf_valid_domain(const char *d)
{
	size_t n;

	for (n = 0; d[n] != '\0'; n++)
		if (n >= 253 || strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", d[n]) == NULL)
			return 0;
	return n >= 3 && strchr(d, '.') != NULL && d[0] != '.' && d[n - 1] != '.' &&
	    strstr(d, "..") == NULL;
}

void
conf_parse_accounts(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "domain", "owner", "name", NULL };
	struct conf *c = ctx->conf;
	char path[64], sub[96];
	size_t i, j;

	if (!confread_is_list(ctx->diags, list, "accounts", "accounts"))
		return;
	c->accounts = xcalloc(list->n ? list->n : 1, sizeof(*c->accounts));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *n;
		struct conf_account *acc = &c->accounts[c->naccounts];
		const char *domain, *owner, *name;

		snprintf(path, sizeof(path), "accounts[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1)
			continue;
		snprintf(sub, sizeof(sub), "%s.domain", path);
		if ((n = ytree_get(item, "domain")) == NULL ||
		    (domain = confread_scalar(ctx->diags, n, sub, "a domain")) == NULL)
			continue;
		if (!conf_valid_domain(domain)) {
			conf_error(ctx, n->line, sub,
			    "bad domain \"%s\": a lower-case name such as acme.com", domain);
			continue;
		}
		for (j = 0; j < c->naccounts; j++)
			if (strcmp(c->accounts[j].domain, domain) == 0)
				break;
		if (confread_duplicate(ctx->diags, item, path, "account domain", domain,
		    j < c->naccounts ? c->accounts[j].line : 0))
			continue;
		if ((owner = confread_id(ctx->diags, item, "owner", path)) == NULL)
			continue;
		if ((acc->owner = (struct conf_rep *)conf_find_rep(c, owner)) == NULL) {
			snprintf(sub, sizeof(sub), "%s.owner", path);
			conf_error(ctx, ytree_get(item, "owner")->line, sub, "unknown rep \"%s\"", owner);
			continue;
		}
		name = confread_opt_string(ctx->diags, item, "name", path);
		acc->domain = xstrdup(domain);
		acc->name = xstrdup(name != NULL ? name : domain);
		acc->line = item->line;
		c->naccounts++;
	}
}

void
conf_parse_territories(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "countries", "states", "postal_codes", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i, j;

	if (!confread_is_list(ctx->diags, list, "territories", "territories"))
		return;
	c->territories = xcalloc(list->n, sizeof(*c->territories));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		struct cond_territory *t;
		const char *id;

		snprintf(path, sizeof(path), "territories[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		for (j = 0; j < c->nterritories; j++)
			if (strcmp(c->territories[j].id, id) == 0)
				break;
		if (confread_duplicate(ctx->diags, item, path, "territory id", id,
		    j < c->nterritories ? c->territories[j].line : 0))
			continue;
		t = &c->territories[c->nterritories];
		if (cond_parse_territory(ctx->diags, item, path, t) == -1) {
			cond_territory_free(t);
			continue;
		}
		t->id = xstrdup(id);
		t->line = item->line;
		t->index = (int)c->nterritories;
		c->nterritories++;
		c->fields.nterritories = c->nterritories;
	}
}

/*
 * Warn about rules no lead can reach: contradictory, or covered by an earlier
 * rule (seeing through territories). Rules up to the first default, the
 * rules after it being reported already.
 */
static void
conf_check_shadowed(struct conf_ctx *ctx, size_t nrules)
{
	const struct conf *c = ctx->conf;
	const struct cond_territory *via;
	char path[64];
	size_t i, j;

	if (nrules > c->nrules)
		nrules = c->nrules;
	for (j = 0; j < nrules; j++) {
		snprintf(path, sizeof(path), "rules[%zu]", j);
		if (cond_never(&c->rules[j].when)) {
			conf_warning(ctx, c->rules[j].line, path,
			    "rule \"%s\" can never match: its conditions contradict each other",
			    c->rules[j].name);
			continue;
		}
		for (i = 0; i < j; i++) {
			if (!cond_implies_via(&c->rules[j].when, &c->rules[i].when, &via))
				continue;
			if (via == NULL)
				conf_warning(ctx, c->rules[j].line, path,
				    "rule \"%s\" can never match: rule \"%s\" on line %d matches "
				    "every lead it would", c->rules[j].name, c->rules[i].name,
				    c->rules[i].line);
			else
				conf_warning(ctx, c->rules[j].line, path,
				    "rule \"%s\" can never match: rule \"%s\" on line %d matches "
				    "every lead it would, through territory \"%s\" (line %d)",
				    c->rules[j].name, c->rules[i].name, c->rules[i].line, via->id,
				    via->line);
			break;
		}
	}
}

void
conf_parse_scoring(struct conf_ctx *ctx, const struct ynode *node)
{
	struct conf *c = ctx->conf;
	struct cond_env env = { ctx->diags, &c->fields, c->territories, c->nterritories,
	    &ctx->uses };

	score_parse(&env, node, &c->scoring);
}

/*
 * leads.restart_first_touch_on: the events (a demo request, a call request)
 * whose arrival on a lead that is already worked restarts its first-touch
 * clock: higher intent asks for a new answer.
 */
void
conf_parse_restart_on(struct conf_ctx *ctx, const struct ynode *node)
{
	struct conf *c = ctx->conf;
	size_t i;

	if (confread_comma_joined(ctx->diags, node, "leads.restart_first_touch_on", 0) ||
	    !confread_is_list(ctx->diags, node, "leads.restart_first_touch_on", "event names"))
		return;
	c->leads.restart_on = xcalloc(node->n + 1, sizeof(*c->leads.restart_on));
	for (i = 0; i < node->n; i++) {
		char path[64];
		const char *v;

		snprintf(path, sizeof(path), "leads.restart_first_touch_on[%zu]", i);
		if ((v = confread_scalar(ctx->diags, node->items[i], path, "an event name")) == NULL)
			continue;
		c->leads.restart_on[c->leads.nrestart_on++] = xstrdup(v);
	}
}

static void
conf_add_target(struct conf_rule *rule, enum conf_target_kind kind, struct conf_pool *pool,
    struct conf_rep *rep)
{
	rule->targets = xreallocarray(rule->targets, rule->ntargets + 1, sizeof(*rule->targets));
	rule->targets[rule->ntargets].kind = kind;
	rule->targets[rule->ntargets].pool = pool;
	rule->targets[rule->ntargets].rep = rep;
	rule->ntargets++;
}

/* The pool (or, with is_pool 0, rep) named under key of node; NULL after reporting. */
static void *
conf_ref_under(struct conf_ctx *ctx, const struct ynode *node, const char *key, const char *path,
    int is_pool)
{
	const char *id = confread_id(ctx->diags, node, key, path);
	char sub[160];
	void *found;

	if (id == NULL)
		return NULL;
	found = is_pool ? (void *)conf_find_pool(ctx->conf, id) : (void *)conf_find_rep(ctx->conf, id);
	if (found == NULL) {
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		conf_error(ctx, ytree_get(node, key)->line, sub, "unknown %s \"%s\"",
		    is_pool ? "pool" : "rep", id);
	}
	return found;
}

/* route: [account_owner, {pool: a}, {rep: b}] */
static void
conf_parse_route(struct conf_ctx *ctx, struct conf_rule *rule, const struct ynode *list,
    const char *path)
{
	static const char *const pool_keys[] = { "pool", NULL }, *const rep_keys[] = { "rep", NULL };
	char sub[192];
	size_t i;

	if (list->type != YNODE_SEQ || list->n == 0) {
		conf_error(ctx, list->line, path,
		    "expected a non-empty list of targets: account_owner, {pool: …} or {rep: …}");
		return;
	}
	for (i = 0; i < list->n; i++) {
		const struct ynode *t = list->items[i];
		void *ref;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (t->type == YNODE_SCALAR && strcmp(t->value, "account_owner") == 0) {
			conf_add_target(rule, TARGET_ACCOUNT_OWNER, NULL, NULL);
		} else if (t->type == YNODE_MAP && ytree_get(t, "pool") != NULL) {
			if (confread_check_keys(ctx->diags, t, sub, pool_keys) != -1 &&
			    (ref = conf_ref_under(ctx, t, "pool", sub, 1)) != NULL)
				conf_add_target(rule, TARGET_POOL, ref, NULL);
		} else if (t->type == YNODE_MAP && ytree_get(t, "rep") != NULL) {
			if (confread_check_keys(ctx->diags, t, sub, rep_keys) != -1 &&
			    (ref = conf_ref_under(ctx, t, "rep", sub, 0)) != NULL)
				conf_add_target(rule, TARGET_REP, NULL, ref);
		} else {
			conf_error(ctx, t->line, sub,
			    "expected a target: account_owner, {pool: …} or {rep: …}");
		}
	}
}

/* Exactly one of pool, rep, route, nurture; and a queue unless nurture. */
static void
conf_parse_action(struct conf_ctx *ctx, struct conf_rule *rule, const struct ynode *item,
    const char *path)
{
	const struct ynode *route = ytree_get(item, "route"), *nurture = ytree_get(item, "nurture");
	int actions = (ytree_get(item, "pool") != NULL) + (ytree_get(item, "rep") != NULL) +
	    (route != NULL) + (nurture != NULL);
	char sub[128];
	size_t i;
	void *ref;

	if (actions != 1) {
		conf_error(ctx, item->line, path, "%s: pool, rep, route or nurture",
		    actions == 0 ? "missing an action" : "more than one action; use one of");
		return;
	}
	if (nurture != NULL) {
		if (nurture->type != YNODE_SCALAR || strcmp(nurture->value, "true") != 0) {
			snprintf(sub, sizeof(sub), "%s.nurture", path);
			conf_error(ctx, nurture->line, sub, "nurture takes true");
		}
		if (ytree_get(item, "queue") != NULL) {
			snprintf(sub, sizeof(sub), "%s.queue", path);
			conf_error(ctx, ytree_get(item, "queue")->line, sub,
			    "a nurture rule routes nothing, so it has no queue");
		}
		rule->nurture = 1;
		return;
	}
	if (ytree_get(item, "pool") != NULL && (ref = conf_ref_under(ctx, item, "pool", path, 1)) != NULL)
		conf_add_target(rule, TARGET_POOL, ref, NULL);
	if (ytree_get(item, "rep") != NULL && (ref = conf_ref_under(ctx, item, "rep", path, 0)) != NULL)
		conf_add_target(rule, TARGET_REP, NULL, ref);
	if (route != NULL) {
		snprintf(sub, sizeof(sub), "%s.route", path);
		conf_parse_route(ctx, rule, route, sub);
	}
	if (ytree_get(item, "queue") != NULL) {
		rule->queue = conf_ref_under(ctx, item, "queue", path, 1);
		return;
	}
	for (i = 0; i < rule->ntargets && rule->queue == NULL; i++)
		rule->queue = rule->targets[i].pool;
	if (rule->queue == NULL && rule->ntargets > 0)
		conf_error(ctx, item->line, path,
		    "no pool to queue in: add queue: POOL, where leads wait when no target is eligible");
}

/* The name a rule's item gives, whatever else is wrong with it; "?" for none. */
static const char *
conf_rule_item_name(const struct ynode *item)
{
	const struct ynode *n = ytree_get(item, "name");

	return n != NULL && n->type == YNODE_SCALAR ? n->value : "?";
}

void
conf_parse_rules(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "name", "when", "pool", "rep", "route", "queue",
	    "nurture", "sla", NULL };
	struct conf *c = ctx->conf;
	struct cond_env env;
	char path[64], sub[96];
	size_t i, def;

	if (!confread_is_list(ctx->diags, list, "rules", "rules"))
		return;
	if (list->n == 0) {
		conf_error(ctx, list->line, "rules", "at least one rule is required");
		return;
	}
	env.diags = ctx->diags;
	env.fields = &c->fields;
	env.territories = c->territories;
	env.nterritories = c->nterritories;
	env.uses = &ctx->uses;
	c->rules = xcalloc(list->n, sizeof(*c->rules));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *when, *sla;
		const struct conf_rule *prev;
		struct conf_rule *rule;
		const char *name;

		snprintf(path, sizeof(path), "rules[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (name = confread_id(ctx->diags, item, "name", path)) == NULL)
			continue;
		prev = conf_find_rule(c, name);
		if (confread_duplicate(ctx->diags, item, path, "rule name", name,
		    prev != NULL ? prev->line : 0))
			continue;
		rule = &c->rules[c->nrules++];
		rule->name = xstrdup(name);
		rule->line = item->line;
		rule->when.op = COND_ALL;
		rule->when.field = -1;
		conf_parse_action(ctx, rule, item, path);
		if ((when = ytree_get(item, "when")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.when", path);
			cond_parse_when(&env, when, sub, &rule->when);
		}
		if ((sla = ytree_get(item, "sla")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.sla", path);
			conf_parse_sla_override(ctx, sla, sub, &rule->sla);
		}
	}
	/* The first rule without a when takes every lead: the rules after it are never tried. */
	for (def = 0; def < list->n; def++)
		if (ytree_get(list->items[def], "when") == NULL)
			break;
	if (def == list->n) {
		conf_error(ctx, list->items[list->n - 1]->line, "rules",
		    "no default rule: the last rule must have no \"when\", so every lead is routed");
		return;
	}
	if (list->items[def]->type != YNODE_MAP)
		return;		/* not a rule at all: reported above */
	for (i = def + 1; i < list->n; i++) {
		snprintf(path, sizeof(path), "rules[%zu]", i);
		conf_warning(ctx, list->items[i]->line, path, "rule \"%s\" comes after default rule "
		    "\"%s\", which takes every lead: it is never reached",
		    conf_rule_item_name(list->items[i]), conf_rule_item_name(list->items[def]));
	}
	if (ctx->diags->nerrors == 0)
		conf_check_shadowed(ctx, def + 1);
}

/* The name of the known lead field nearest to name, or NULL when none is near. */
static const char *
conf_nearest_field(const char *name, const char *const *known, size_t nknown)
{
	size_t i, d, best = 3, len = strlen(name), klen, gap, best_gap = (size_t)-1;
	const char *near = NULL, *prefixed = NULL;

	for (i = 0; i < nknown; i++) {
		/* At most two edits away, and fewer than the name has letters. */
		d = util_edit_distance(name, known[i]);
		if (d < best && d < len) {
			best = d;
			near = known[i];
		}
		/* Else one that starts with the other, the closest in length first. */
		klen = strlen(known[i]);
		gap = klen > len ? klen - len : len - klen;
		if ((klen > len ? len : klen) >= 3 &&
		    strncmp(name, known[i], klen > len ? len : klen) == 0 && gap < best_gap) {
			best_gap = gap;
			prefixed = known[i];
		}
	}
	return near != NULL ? near : prefixed;
}

/*
 * Warn about conditions on a field nothing is known to send: not the lead
 * schema's, not computed, not set by any source. Only a warning, as a lead
 * posted to /v1/leads (or through a passthrough source) may carry any field.
 */
void
conf_check_fields(struct conf_ctx *ctx)
{
	const struct conf *c = ctx->conf;
	const char *const *computed = cond_computed_fields(), **known = NULL, *s, *near;
	size_t nknown = 0, i, j;

	for (i = 0; (s = lead_field_name(i)) != NULL; i++) {
		known = xreallocarray(known, nknown + 1, sizeof(*known));
		known[nknown++] = s;
	}
	for (i = 0; computed[i] != NULL; i++) {
		known = xreallocarray(known, nknown + 1, sizeof(*known));
		known[nknown++] = computed[i];
	}
	for (i = 0; i < c->nsources; i++) {
		/* An activity source's events act on leads: they bring no lead fields. */
		for (j = 0; c->sources[i].mapping != NULL &&
		    !mapping_activity(c->sources[i].mapping) &&
		    (s = mapping_field_name(c->sources[i].mapping, j)) != NULL; j++) {
			known = xreallocarray(known, nknown + 1, sizeof(*known));
			known[nknown++] = s;
		}
	}
	for (i = 0; i < ctx->uses.n; i++) {
		const struct cond_use *u = &ctx->uses.v[i];

		for (j = 0; j < nknown; j++)
			if (strcmp(known[j], u->field) == 0)
				break;
		if (j < nknown)
			continue;
		if ((near = conf_nearest_field(u->field, known, nknown)) != NULL)
			conf_warning(ctx, u->line, u->path, "no lead field \"%s\" is known (the "
			    "schema's or a source's): did you mean \"%s\"?", u->field, near);
		else
			conf_warning(ctx, u->line, u->path, "no lead field \"%s\" is known (the "
			    "schema's or a source's)", u->field);
	}
	free(known);
}

const struct conf_rep *
conf_find_rep(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->nreps; i++)
		if (strcmp(conf->reps[i].id, id) == 0)
			return &conf->reps[i];
	return NULL;
}

const struct conf_pool *
conf_find_pool(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->npools; i++)
		if (strcmp(conf->pools[i].id, id) == 0)
			return &conf->pools[i];
	return NULL;
}

int
conf_pool_has_rep(const struct conf_pool *pool, const char *rep_id)
{
	size_t i;

	for (i = 0; i < pool->nmembers; i++)
		if (strcmp(pool->members[i].rep->id, rep_id) == 0)
			return 1;
	return 0;
}

const struct calendar *
conf_find_calendar(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->ncalendars; i++)
		if (strcmp(conf->calendars[i].id, id) == 0)
			return &conf->calendars[i];
	return NULL;
}

/* Free what the routing sections built; after conf_free_sla, which reads the pools. */
void
conf_free_routing(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nreps; i++) {
		free(c->reps[i].id);
		free(c->reps[i].name);
		free(c->reps[i].email);
		free(c->reps[i].slack_user);
	}
	free(c->reps);
	for (i = 0; i < c->npools; i++) {
		free(c->pools[i].id);
		free(c->pools[i].members);
	}
	free(c->pools);
	for (i = 0; i < c->ncalendars; i++)
		calendar_free(&c->calendars[i]);
	free(c->calendars);
	for (i = 0; i < c->nrules; i++) {
		cond_free(&c->rules[i].when);
		free(c->rules[i].targets);
		free(c->rules[i].name);
	}
	free(c->rules);
	for (i = 0; i < c->naccounts; i++) {
		free(c->accounts[i].domain);
		free(c->accounts[i].name);
	}
	free(c->accounts);
	for (i = 0; i < c->nterritories; i++)
		cond_territory_free(&c->territories[i]);
	free(c->territories);
	score_free(&c->scoring);
	cond_fields_free(&c->fields);
	for (i = 0; i < c->leads.nrestart_on; i++)
		free(c->leads.restart_on[i]);
	free(c->leads.restart_on);
}
