/*
 * conf_sla.c — the SLA side of the config: clocks, escalation policies, and
 * the people (managers, directors) they reach (their channels: conf_channels.c).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define DUR_MIN		100			/* 100ms */
#define DUR_MAX		(30LL * 86400 * 1000)	/* 30d */
#define MAX_LEVELS	10


struct conf_sla
conf_sla_for(const struct conf *conf, const struct conf_rule *rule, const char *grade)
{
	struct conf_sla out;
	size_t i, k;

	memset(&out, 0, sizeof(out));
	for (i = 0; grade != NULL && i < conf->sla.ngrades; i++)
		if (strcmp(conf->sla.grades[i].grade->name, grade) == 0)
			out = conf->sla.grades[i].sla;
	for (k = 0; rule != NULL && k < conf->sla.nclocks; k++)
		if (rule->sla.ms[k] > 0)
			out.ms[k] = rule->sla.ms[k];
	return out;
}

const struct conf_clock *
conf_find_clock(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->sla.nclocks; i++)
		if (strcmp(conf->sla.clocks[i].name, name) == 0)
			return &conf->sla.clocks[i];
	return NULL;
}

const struct conf_person *
conf_find_person(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->npeople; i++)
		if (strcmp(conf->people[i].id, id) == 0)
			return &conf->people[i];
	return NULL;
}

const struct conf_person *
conf_ref_person(struct conf_ctx *ctx, const struct ynode *item, const char *key,
    const char *path)
{
	const struct conf_person *p;
	const char *id;
	char sub[160];

	if (ytree_get(item, key) == NULL ||
	    (id = confread_opt_string(ctx->diags, item, key, path)) == NULL)
		return NULL;
	if ((p = conf_find_person(ctx->conf, id)) == NULL) {
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		conf_error(ctx, ytree_get(item, key)->line, sub,
		    "unknown person \"%s\" (people are listed under people)", id);
	}
	return p;
}

void
conf_parse_people(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "name", "notify", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "people", "people"))
		return;
	c->people = xcalloc(list->n ? list->n : 1, sizeof(*c->people));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct conf_person *prev;
		struct conf_person *p;
		const char *id, *name;

		snprintf(path, sizeof(path), "people[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_person(c, id);
		if (confread_duplicate(ctx->diags, item, path, "person id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		p = &c->people[c->npeople++];
		name = confread_opt_string(ctx->diags, item, "name", path);
		p->id = xstrdup(id);
		p->name = xstrdup(name != NULL ? name : id);
		p->notify = conf_ref_target(ctx, item, "notify", path);
		p->line = item->line;
	}
}

/* [owner, manager, director, webhook:ID, person:ID] */
static void
conf_parse_recipients(struct conf_ctx *ctx, const struct ynode *list, const char *path,
    struct conf_recipients *out)
{
	char sub[192];
	size_t i;

	if (list->type != YNODE_SEQ || list->n == 0) {
		conf_error(ctx, list->line, path,
		    "expected a list of recipients: owner, manager, director, webhook:ID, person:ID");
		return;
	}
	out->v = xcalloc(list->n, sizeof(*out->v));
	for (i = 0; i < list->n; i++) {
		const char *s;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if ((s = confread_scalar(ctx->diags, list->items[i], sub, "a recipient")) == NULL)
			continue;
		if (strncmp(s, "webhook:", 8) == 0) {
			if (conf_find_target(ctx->conf, s + 8) == NULL) {
				conf_error(ctx, list->items[i]->line, sub,
				    "unknown notify target \"%s\" (targets come from notify.targets)",
				    s + 8);
				continue;
			}
		} else if (strncmp(s, "person:", 7) == 0) {
			if (conf_find_person(ctx->conf, s + 7) == NULL) {
				conf_error(ctx, list->items[i]->line, sub,
				    "unknown person \"%s\" (people are listed under people)", s + 7);
				continue;
			}
		} else if (strcmp(s, "owner") != 0 && strcmp(s, "manager") != 0 &&
		    strcmp(s, "director") != 0) {
			conf_error(ctx, list->items[i]->line, sub,
			    "unknown recipient \"%s\": use owner, manager, director, webhook:ID or "
			    "person:ID", s);
			continue;
		}
		out->v[out->n++] = xstrdup(s);
	}
}

static void
conf_free_recipients(struct conf_recipients *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* Clocks start and stop on lead events and on entering lifecycle stages. */
static int
conf_is_lead_event(const struct conf *c, const char *s)
{
	return conf_is_builtin_event(s) || conf_find_stage(c, s) != NULL;
}

/* A lead event under key: one, or (with many set) a list of them, joined by commas. */
static char *
conf_events(struct conf_ctx *ctx, const struct ynode *item, const char *key, const char *path,
    int many)
{
	const struct ynode *n = ytree_get(item, key);
	struct buf out = { NULL, 0, 0 };
	char sub[160];
	size_t i, count;

	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (n == NULL) {
		conf_error(ctx, item->line, path, "missing \"%s\"", key);
		return NULL;
	}
	count = n->type == YNODE_SEQ ? n->n : 1;
	if ((n->type == YNODE_SEQ && (!many || n->n == 0)) || n->type == YNODE_MAP) {
		conf_error(ctx, n->line, sub, many ? "expected a lead event or a list of them" :
		    "expected one lead event");
		return NULL;
	}
	for (i = 0; i < count; i++) {
		const struct ynode *e = n->type == YNODE_SEQ ? n->items[i] : n;

		if (many && confread_comma_joined(ctx->diags, e, sub, 0)) {
			buf_free(&out);
			return NULL;
		}
		if (e->type != YNODE_SCALAR || !conf_is_lead_event(ctx->conf, e->value)) {
			conf_error(ctx, e->line, sub,
			    "unknown lead event \"%s\": use received, queued, assigned, touched, "
			    "nurture, accepted, rejected or a lifecycle stage",
			    e->type == YNODE_SCALAR ? e->value : "?");
			buf_free(&out);
			return NULL;
		}
		if (i > 0)
			buf_append(&out, ",", 1);
		buf_append(&out, e->value, strlen(e->value));
	}
	buf_append(&out, "", 1);
	return out.data;
}

static int
conf_event_listed(const char *list, const char *event)
{
	size_t n = strlen(event);
	const char *p;

	for (p = list; (p = strstr(p, event)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static void
conf_clock_calendar(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_clock *k)
{
	const char *s = confread_opt_string(ctx->diags, item, "calendar", path);
	char sub[160];

	k->calendar_kind = CLOCK_WALL;
	if (s == NULL || strcmp(s, "none") == 0)
		return;
	if (strcmp(s, "owner") == 0) {
		k->calendar_kind = CLOCK_OWNER;
	} else if (strcmp(s, "pool") == 0) {
		k->calendar_kind = CLOCK_POOL;
	} else if ((k->calendar = conf_find_calendar(ctx->conf, s)) != NULL) {
		k->calendar_kind = CLOCK_NAMED;
	} else {
		snprintf(sub, sizeof(sub), "%s.calendar", path);
		conf_error(ctx, ytree_get(item, "calendar")->line, sub,
		    "unknown calendar \"%s\": use none, owner, pool or a calendar id", s);
	}
}

void
conf_parse_clocks(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "name", "start", "stop", "duration", "calendar",
	    "remind_before", "remind", "auto_offline_after", NULL };
	struct conf *c = ctx->conf;
	char path[64], sub[96];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "sla.clocks", "clocks"))
		return;
	if (list->n > CONF_MAX_CLOCKS) {
		conf_error(ctx, list->line, "sla.clocks", "at most %d clocks", CONF_MAX_CLOCKS);
		return;
	}
	c->sla.clocks = xcalloc(list->n ? list->n : 1, sizeof(*c->sla.clocks));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *n;
		const struct conf_clock *prev;
		struct conf_clock *k;
		const char *name;
		char *start, *stop;
		int64_t ms;

		snprintf(path, sizeof(path), "sla.clocks[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (name = confread_id(ctx->diags, item, "name", path)) == NULL)
			continue;
		prev = conf_find_clock(c, name);
		if (confread_duplicate(ctx->diags, item, path, "clock name", name,
		    prev != NULL ? prev->line : 0))
			continue;
		/* Deadlines are named clock:lead, remind:clock:lead and esc:id. */
		if (strcmp(name, "esc") == 0 || strcmp(name, "remind") == 0 || strchr(name, ':')) {
			conf_error(ctx, ytree_get(item, "name")->line, path,
			    "\"%s\" cannot name a clock (esc and remind are reserved)", name);
			continue;
		}
		start = conf_events(ctx, item, "start", path, 0);
		stop = conf_events(ctx, item, "stop", path, 1);
		if (start != NULL && stop != NULL && conf_event_listed(stop, start)) {
			snprintf(sub, sizeof(sub), "%s.stop", path);
			conf_error(ctx, ytree_get(item, "stop")->line, sub,
			    "a clock cannot stop on the event that starts it (\"%s\")", start);
		}
		k = &c->sla.clocks[c->sla.nclocks++];
		k->name = xstrdup(name);
		k->start = start != NULL ? start : xstrdup("");
		k->stop = stop != NULL ? stop : xstrdup("");
		k->line = item->line;
		snprintf(sub, sizeof(sub), "%s.duration", path);
		if ((n = ytree_get(item, "duration")) == NULL)
			conf_error(ctx, item->line, path, "missing \"duration\"");
		else if (confread_duration(ctx->diags, n, sub, DUR_MIN, DUR_MAX, &ms) == 0)
			k->duration_ms = ms;
		conf_clock_calendar(ctx, item, path, k);
		if ((n = ytree_get(item, "remind_before")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.remind_before", path);
			if (confread_duration(ctx->diags, n, sub, DUR_MIN, DUR_MAX, &ms) == 0)
				k->remind_before_ms = ms;
		}
		if ((n = ytree_get(item, "remind")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.remind", path);
			if (k->remind_before_ms == 0)
				conf_error(ctx, n->line, sub, "remind needs remind_before");
			conf_parse_recipients(ctx, n, sub, &k->remind);
		} else if (k->remind_before_ms > 0) {
			k->remind.v = xcalloc(1, sizeof(*k->remind.v));
			k->remind.v[k->remind.n++] = xstrdup("owner");
		}
		confread_opt_count(ctx->diags, item, "auto_offline_after", path, 1, 1000,
		    &k->auto_offline_after);
	}
	if (list->n == 0)
		conf_error(ctx, list->line, "sla.clocks", "expected at least one clock");
}

/* Without sla.clocks: routed within 5 minutes, first touch within 1 hour of the owner's hours. */
void
conf_default_clocks(struct conf *c)
{
	struct conf_clock *k;

	c->sla.clocks = xcalloc(2, sizeof(*c->sla.clocks));
	k = &c->sla.clocks[c->sla.nclocks++];
	k->name = xstrdup("route");
	k->start = xstrdup("received");
	k->stop = xstrdup("assigned,nurture");
	k->duration_ms = 5 * 60 * 1000;
	k->calendar_kind = CLOCK_WALL;
	k = &c->sla.clocks[c->sla.nclocks++];
	k->name = xstrdup("first_touch");
	k->start = xstrdup("assigned");
	k->stop = xstrdup("touched");
	k->duration_ms = 60 * 60 * 1000;
	k->calendar_kind = CLOCK_OWNER;
}

void
conf_parse_policy(struct conf_ctx *ctx, const struct ynode *list, const char *path,
    struct conf_policy *policy)
{
	static const char *const allowed[] = { "after", "notify", "reassign", NULL };
	char sub[128], sub2[160];
	size_t i;

	policy->line = list->line;
	if (list->type != YNODE_SEQ || list->n == 0) {
		conf_error(ctx, list->line, path,
		    "expected a list of levels, as in [{after: 0m, notify: [owner, manager]}]");
		return;
	}
	if (list->n > MAX_LEVELS) {
		conf_error(ctx, list->line, path, "at most %d levels", MAX_LEVELS);
		return;
	}
	policy->levels = xcalloc(list->n, sizeof(*policy->levels));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *n;
		struct conf_esc_level *lv = &policy->levels[policy->nlevels];
		const char *s;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (confread_check_keys(ctx->diags, item, sub, allowed) == -1)
			continue;
		lv->line = item->line;
		snprintf(sub2, sizeof(sub2), "%s.after", sub);
		if ((n = ytree_get(item, "after")) == NULL)
			conf_error(ctx, item->line, sub, "missing \"after\" (0m: at the breach)");
		else
			confread_duration(ctx->diags, n, sub2, 0, DUR_MAX, &lv->after_ms);
		if ((n = ytree_get(item, "notify")) != NULL) {
			snprintf(sub2, sizeof(sub2), "%s.notify", sub);
			conf_parse_recipients(ctx, n, sub2, &lv->notify);
		}
		if ((s = confread_opt_string(ctx->diags, item, "reassign", sub)) != NULL) {
			if (strcmp(s, "next_available") == 0) {
				lv->reassign = 1;
			} else {
				snprintf(sub2, sizeof(sub2), "%s.reassign", sub);
				conf_error(ctx, ytree_get(item, "reassign")->line, sub2,
				    "unknown reassignment \"%s\": use next_available", s);
			}
		}
		if (ytree_get(item, "notify") == NULL && ytree_get(item, "reassign") == NULL)
			conf_error(ctx, item->line, sub, "a level needs notify, reassign or both");
		if (policy->nlevels > 0 &&
		    lv->after_ms < policy->levels[policy->nlevels - 1].after_ms)
			conf_error(ctx, item->line, sub,
			    "levels must be in order: this one fires before the one above it");
		policy->nlevels++;
	}
}

void
conf_parse_default_policy(struct conf_ctx *ctx, const struct ynode *list)
{
	conf_parse_policy(ctx, list, "escalation", &ctx->conf->escalation);
}

/* {first_touch: 15m, route: 1m}: durations that replace the clocks' own. */
void
conf_parse_sla_override(struct conf_ctx *ctx, const struct ynode *node, const char *path,
    struct conf_sla *sla)
{
	const struct conf *c = ctx->conf;
	char sub[192];
	size_t i;

	if (node->type != YNODE_MAP) {
		conf_error(ctx, node->line, path,
		    "expected a map of clock names to durations, as in {first_touch: 15m}");
		return;
	}
	for (i = 0; i < node->n; i++) {
		const struct conf_clock *k = conf_find_clock(c, node->keys[i]->value);

		snprintf(sub, sizeof(sub), "%s.%s", path, node->keys[i]->value);
		if (k == NULL) {
			conf_error(ctx, node->keys[i]->line, sub,
			    "unknown clock \"%s\" (clocks come from sla.clocks)", node->keys[i]->value);
			continue;
		}
		confread_duration(ctx->diags, node->items[i], sub, DUR_MIN, DUR_MAX,
		    &sla->ms[k - c->sla.clocks]);
	}
}

void
conf_parse_grade_slas(struct conf_ctx *ctx, const struct ynode *map)
{
	struct conf *c = ctx->conf;
	char path[128];
	size_t i;

	if (map->type != YNODE_MAP) {
		conf_error(ctx, map->line, "sla.grades",
		    "expected a map of grades to clocks, as in A: {route: 1m, first_touch: 15m}");
		return;
	}
	c->sla.grades = xcalloc(map->n ? map->n : 1, sizeof(*c->sla.grades));
	for (i = 0; i < map->n; i++) {
		const struct score_grade *g = score_find_grade(&c->scoring, map->keys[i]->value);
		struct conf_grade_sla *gs = &c->sla.grades[c->sla.ngrades];

		snprintf(path, sizeof(path), "sla.grades.%s", map->keys[i]->value);
		if (g == NULL) {
			conf_error(ctx, map->keys[i]->line, path,
			    "unknown grade \"%s\" (grades come from scoring.grades)", map->keys[i]->value);
			continue;
		}
		gs->grade = g;
		conf_parse_sla_override(ctx, map->items[i], path, &gs->sla);
		c->sla.ngrades++;
	}
}

const struct conf_notify_target *
conf_recipient_target(const struct conf *conf, const char *recipient, const char *owner,
    const char *pool_id, const char **why)
{
	const struct conf_rep *rep = owner != NULL && *owner ? conf_find_rep(conf, owner) : NULL;
	const struct conf_pool *pool = pool_id != NULL && *pool_id ? conf_find_pool(conf, pool_id) : NULL;
	const struct conf_person *person = NULL;
	const struct conf_notify_target *t;
	size_t i;

	*why = NULL;
	if (strncmp(recipient, "review:", 7) == 0) {
		for (i = 0; i < conf->review.ntargets; i++)
			if (strcmp(conf->review.targets[i].id, recipient) == 0)
				return &conf->review.targets[i];
		*why = "no such review recipient in the config";
		return NULL;
	}
	if (strncmp(recipient, "webhook:", 8) == 0) {
		if ((t = conf_find_target(conf, recipient + 8)) == NULL)
			*why = "no such notify target in the config";
		return t;
	}
	if (strcmp(recipient, "owner") == 0) {
		if (rep == NULL)
			*why = owner != NULL && *owner ? "the owner is not a rep of the config" :
			    "the lead has no owner";
		else if ((t = conf_rep_target(conf, rep, pool)) == NULL)
			*why = "the owner has no notify target";
		return rep != NULL ? t : NULL;
	}
	if (strncmp(recipient, "person:", 7) == 0) {
		if ((person = conf_find_person(conf, recipient + 7)) == NULL)
			*why = "no such person in the config";
	} else if (strcmp(recipient, "manager") == 0) {
		person = rep != NULL && rep->manager != NULL ? rep->manager :
		    pool != NULL ? pool->manager : NULL;
		if (person == NULL)
			*why = "neither the owner nor the pool has a manager";
	} else if (strcmp(recipient, "director") == 0) {
		if ((person = pool != NULL ? pool->director : NULL) == NULL)
			*why = "the pool has no director";
	} else {
		*why = "unknown recipient";
	}
	if (person != NULL && person->notify == NULL)
		*why = "that person has no notify target";
	return person != NULL ? person->notify : NULL;
}

static void
conf_free_policy(struct conf_policy *p)
{
	size_t i;

	for (i = 0; i < p->nlevels; i++)
		conf_free_recipients(&p->levels[i].notify);
	free(p->levels);
}

void
conf_free_sla(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->sla.nclocks; i++) {
		free(c->sla.clocks[i].name);
		free(c->sla.clocks[i].start);
		free(c->sla.clocks[i].stop);
		conf_free_recipients(&c->sla.clocks[i].remind);
	}
	free(c->sla.clocks);
	free(c->sla.grades);
	conf_free_policy(&c->escalation);
	for (i = 0; i < c->npools; i++)
		conf_free_policy(&c->pools[i].escalation);
	for (i = 0; i < c->npeople; i++) {
		free(c->people[i].id);
		free(c->people[i].name);
	}
	free(c->people);
}
