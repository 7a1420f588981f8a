/*
 * conf_contract.c — the two-way SLA (contract:): each commitment a map with
 * its one bound (min or max) and, for qualified leads, the grades that count;
 * and its review (review:): when the digest goes out and to whom.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/contract.h"
#include "leadroute/score.h"
#include "leadroute/tz.h"
#include "leadroute/units.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define CONTRACT_MAX_GRADES 16
#define REVIEW_MAX_RECIPIENTS 16
#define HOUR_MS	3600000LL
#define DAY_MS	(24 * HOUR_MS)

/* A number from 0 to max under n; -1 after reporting. */
static int
contract_number(struct conf_ctx *ctx, const struct ynode *n, const char *path, double max,
    double *out)
{
	char *end;
	double v;

	if (n->type != YNODE_SCALAR || ytree_is_null(n)) {
		conf_error(ctx, n->line, path, "expected a number from 0 to %g", max);
		return -1;
	}
	v = strtod(n->value, &end);
	if (end == n->value || *end != '\0' || !isfinite(v) || v < 0 || v > max) {
		conf_error(ctx, n->line, path, "expected a number from 0 to %g, got \"%s\"", max,
		    n->value);
		return -1;
	}
	*out = v;
	return 0;
}

/* qualified_per_month's grades: configured grades, and a threshold that makes an MQL. */
static void
contract_grades(struct conf_ctx *ctx, const struct ynode *node, const char *path,
    struct conf_contract_term *t)
{
	const struct score_model *m = &ctx->conf->scoring;
	const struct ynode *l = ytree_get(node, "grades"), *e;
	char sub[128];
	size_t i;

	if (!m->mql_set)
		conf_error(ctx, node->line, path,
		    "needs scoring.mql: a qualified lead is one that was an MQL");
	if (l == NULL)
		return;
	snprintf(sub, sizeof(sub), "%s.grades", path);
	if (l->type != YNODE_SEQ || l->n == 0 || l->n > CONTRACT_MAX_GRADES) {
		if (confread_comma_joined(ctx->diags, l, sub, 0))
			return;
		conf_error(ctx, l->line, sub, "expected a list of 1 to %d grades, like [A, B]",
		    CONTRACT_MAX_GRADES);
		return;
	}
	t->grades = xcalloc(l->n, sizeof(*t->grades));
	for (i = 0; i < l->n; i++) {
		e = l->items[i];
		if (e->type != YNODE_SCALAR || score_find_grade(m, e->value) == NULL) {
			conf_error(ctx, e->line, sub, "unknown grade \"%s\" (scoring.grades names "
			    "them)", e->type == YNODE_SCALAR ? e->value : "");
			continue;
		}
		t->grades[t->ngrades++] = xstrdup(e->value);
	}
}

/* One commitment: {min: …} or {max: …}, and grades for qualified leads. */
static void
contract_term(struct conf_ctx *ctx, const struct ynode *node, enum conf_term k)
{
	const struct contract_term_def *def = &contract_terms[k];
	const char *allowed[] = { def->bound, k == TERM_QUALIFIED ? "grades" : NULL, NULL };
	const char *other = strcmp(def->bound, "min") == 0 ? "max" : "min";
	struct conf_contract_term *t = &ctx->conf->contract.term[k];
	const struct ynode *v;
	char path[96], sub[128];
	int64_t ms;

	snprintf(path, sizeof(path), "contract.%s", def->id);
	if (node->type != YNODE_MAP) {
		conf_error(ctx, node->line, path, "expected a map like {%s: %s}", def->bound,
		    def->duration ? "1h" : "70");
		return;
	}
	if (ytree_get(node, other) != NULL) {
		conf_error(ctx, ytree_get(node, other)->line, path,
		    "%s is a %s commitment: it takes %s, not %s", def->id,
		    strcmp(def->bound, "min") == 0 ? "minimum" : "maximum", def->bound, other);
		return;
	}
	if (confread_check_keys(ctx->diags, node, path, allowed) != 0)
		return;
	if ((v = ytree_get(node, def->bound)) == NULL) {
		conf_error(ctx, node->line, path, "missing \"%s\"", def->bound);
		return;
	}
	snprintf(sub, sizeof(sub), "%s.%s", path, def->bound);
	if (def->duration) {
		if (confread_duration(ctx->diags, v, sub, 1, (int64_t)def->limit, &ms) == -1)
			return;
		t->target = (double)ms;
	} else if (contract_number(ctx, v, sub, def->limit, &t->target) == -1) {
		return;
	}
	if (k == TERM_QUALIFIED)
		contract_grades(ctx, node, path, t);
	t->set = 1;
	t->line = node->line;
	ctx->conf->contract.set = 1;
}

void
conf_parse_contract(struct conf_ctx *ctx, const struct ynode *map)
{
	const char *allowed[TERM_COUNT + 1];
	const struct ynode *n;
	size_t k;

	for (k = 0; k < TERM_COUNT; k++)
		allowed[k] = contract_terms[k].id;
	allowed[TERM_COUNT] = NULL;
	if (confread_check_keys(ctx->diags, map, "contract", allowed) == -1)
		return;
	for (k = 0; k < TERM_COUNT; k++)
		if ((n = ytree_get(map, contract_terms[k].id)) != NULL)
			contract_term(ctx, n, (enum conf_term)k);
}

void
conf_free_contract(struct conf *c)
{
	size_t k, i;

	for (k = 0; k < TERM_COUNT; k++) {
		for (i = 0; i < c->contract.term[k].ngrades; i++)
			free(c->contract.term[k].grades[i]);
		free(c->contract.term[k].grades);
	}
}

static const char *const review_days[] = { "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", NULL };

/* every: week, day or a duration (10s, 1h: for trying it out). */
static int
review_every(struct conf_ctx *ctx, const struct ynode *n, struct conf_review *r)
{
	const char *s = confread_scalar(ctx->diags, n, "review.every", "week, day or a duration");

	if (s == NULL)
		return -1;
	if (strcmp(s, "week") == 0) {
		r->every = REVIEW_WEEKLY;
		r->interval_ms = 7 * DAY_MS;
		return 0;
	}
	if (strcmp(s, "day") == 0) {
		r->every = REVIEW_DAILY;
		r->interval_ms = DAY_MS;
		return 0;
	}
	r->every = REVIEW_INTERVAL;
	if (strspn(s, "0123456789") == 0) {
		conf_error(ctx, n->line, "review.every",
		    "expected week, day or a duration (10s, 1h), got \"%s\"", s);
		return -1;
	}
	return confread_duration(ctx->diags, n, "review.every", 1000, 366 * DAY_MS,
	    &r->interval_ms);
}

/* at: "HH:MM", local time. */
static void
review_at(struct conf_ctx *ctx, const struct ynode *map, struct conf_review *r)
{
	const struct ynode *n = ytree_get(map, "at");
	const char *s;
	int h, m, len = 0;

	if (n == NULL)
		return;
	if (r->every == REVIEW_INTERVAL) {
		conf_error(ctx, n->line, "review.at", "at goes with every: week or day");
		return;
	}
	if ((s = confread_scalar(ctx->diags, n, "review.at", "a time as \"09:00\"")) == NULL)
		return;
	if (sscanf(s, "%2d:%2d%n", &h, &m, &len) != 2 || s[len] != '\0' || strlen(s) != 5 ||
	    h < 0 || h > 23 || m < 0 || m > 59) {
		conf_error(ctx, n->line, "review.at", "expected a time as \"09:00\", got \"%s\"", s);
		return;
	}
	r->at_s = h * 3600 + m * 60;
}

/* day: monday .. sunday, with every: week. */
static void
review_day(struct conf_ctx *ctx, const struct ynode *map, struct conf_review *r)
{
	const struct ynode *n = ytree_get(map, "day");
	const char *s;
	int i;

	if (n == NULL)
		return;
	if (r->every != REVIEW_WEEKLY) {
		conf_error(ctx, n->line, "review.day", "day goes with every: week");
		return;
	}
	if ((s = confread_scalar(ctx->diags, n, "review.day", "a day of the week")) == NULL)
		return;
	for (i = 0; review_days[i] != NULL; i++)
		if (strcmp(s, review_days[i]) == 0) {
			r->wday = i;
			return;
		}
	conf_error(ctx, n->line, "review.day", "expected monday, tuesday, ... or sunday, got \"%s\"",
	    s);
}

/* A recipient becomes a target of its own: "review:slack:<channel>", "review:email:<address>". */
static void
review_recipients(struct conf_ctx *ctx, const struct ynode *map, const char *key,
    enum conf_channel channel)
{
	struct conf *c = ctx->conf;
	struct conf_review *r = &c->review;
	const struct ynode *l = ytree_get(map, key), *e;
	struct conf_notify_target *t;
	char path[64];
	size_t i;
	int ok;

	if (l == NULL)
		return;
	snprintf(path, sizeof(path), "review.%s", key);
	if (l->type != YNODE_SEQ || l->n > REVIEW_MAX_RECIPIENTS) {
		if (l->type == YNODE_SCALAR && confread_comma_joined(ctx->diags, l, path, 0))
			return;
		conf_error(ctx, l->line, path, "expected a list of at most %d %s", REVIEW_MAX_RECIPIENTS,
		    channel == CHANNEL_SLACK ? "channels ([\"#revops\"])" : "addresses");
		return;
	}
	if (l->n > 0 && channel == CHANNEL_SLACK && c->notify.slack.bot_token == NULL)
		conf_error(ctx, l->line, path, "Slack channels need notify.slack.bot_token "
		    "(the app's bot token)");
	if (l->n > 0 && channel == CHANNEL_EMAIL && c->notify.email.url == NULL)
		conf_error(ctx, l->line, path, "emails need notify.email (the SMTP server)");
	r->targets = xreallocarray(r->targets, r->ntargets + l->n, sizeof(*r->targets));
	for (i = 0; i < l->n; i++) {
		e = l->items[i];
		if (e->type != YNODE_SCALAR) {
			conf_error(ctx, e->line, path, "expected a string, got %s",
			    ytree_type_name(e->type));
			continue;
		}
		if (channel == CHANNEL_SLACK)
			ok = conf_slack_id(e->value) || (e->value[0] == '#' && e->value[1] != '\0' &&
			    strlen(e->value) <= 81 && strpbrk(e->value, " \t\r\n,") == NULL);
		else
			ok = conf_mail_address(e->value);
		if (!ok) {
			conf_error(ctx, e->line, path, channel == CHANNEL_SLACK ?
			    "expected a channel (#revops) or a conversation id (C0123ABCD), got \"%s\"" :
			    "expected an email address, got \"%s\"", e->value);
			continue;
		}
		t = &r->targets[r->ntargets++];
		memset(t, 0, sizeof(*t));
		t->id = xasprintf("review:%s:%s", channel == CHANNEL_SLACK ? "slack" : "email",
		    e->value);
		t->channel = channel;
		t->to = xstrdup(e->value);
		t->line = e->line;
	}
}

void
conf_parse_review(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "every", "day", "at", "timezone", "period",
	    "slack_channels", "emails", NULL };
	struct conf_review *r = &ctx->conf->review;
	const struct ynode *n;
	char *cause = NULL;
	int64_t ms;

	/* Without review: nothing is sent, and GET /v1/review reads Mondays 09:00 UTC. */
	r->every = REVIEW_WEEKLY;
	r->interval_ms = 7 * DAY_MS;
	r->at_s = 9 * 3600;
	r->period_ms = r->interval_ms;
	if (map == NULL || confread_check_keys(ctx->diags, map, "review", allowed) == -1)
		return;
	r->set = 1;
	if ((n = ytree_get(map, "every")) != NULL && review_every(ctx, n, r) == -1)
		return;
	if (r->every == REVIEW_INTERVAL)
		r->at_s = 0;
	review_day(ctx, map, r);
	review_at(ctx, map, r);
	if ((n = ytree_get(map, "timezone")) != NULL) {
		const char *s = confread_scalar(ctx->diags, n, "review.timezone",
		    "a time zone as Europe/Berlin");

		if (s != NULL && r->every == REVIEW_INTERVAL)
			conf_error(ctx, n->line, "review.timezone",
			    "timezone goes with every: week or day");
		else if (s != NULL && (r->zone = tz_load(s, &cause)) == NULL)
			conf_error(ctx, n->line, "review.timezone", "unknown time zone \"%s\": %s", s,
			    cause);
		else if (s != NULL)
			r->zone_name = xstrdup(s);
		free(cause);
	}
	/* What a digest covers: the time between two, in whole hours, unless set. */
	r->period_ms = (r->interval_ms + HOUR_MS - 1) / HOUR_MS * HOUR_MS;
	if ((n = ytree_get(map, "period")) != NULL &&
	    confread_duration(ctx->diags, n, "review.period", HOUR_MS, 366 * DAY_MS, &ms) == 0) {
		if (ms % HOUR_MS != 0)
			conf_error(ctx, n->line, "review.period", "a period is whole hours (1h, 7d)");
		r->period_ms = ms;
	}
	review_recipients(ctx, map, "slack_channels", CHANNEL_SLACK);
	review_recipients(ctx, map, "emails", CHANNEL_EMAIL);
}

void
conf_free_review(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->review.ntargets; i++)
		conf_free_target(&c->review.targets[i]);
	free(c->review.targets);
	tz_free(c->review.zone);
	free(c->review.zone_name);
}
