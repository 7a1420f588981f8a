/*
 * conf_subs.c — event subscriptions: the systems told of what happens to
 * leads (docs/notifications.md, "Event subscriptions").
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define SUB_IN_FLIGHT_MAX	256
#define SUB_ATTEMPTS_MAX	100
#define SUB_PAUSE_MIN_MS	1000
#define SUB_PAUSE_MAX_MS	(30LL * 86400 * 1000)

/* In enum sub_event's order. */
static const char *const sub_event_names[SUB_EVENT_COUNT] = {
	"lead.received", "lead.assigned", "lead.queued", "lead.reassigned",
	"lead.nurtured", "lead.re_engaged", "lead.became_mql", "lead.touched", "lead.accepted",
	"lead.rejected", "lead.stage_changed", "lead.erased", "sla.reminder", "sla.breached",
	"escalation.level", "escalation.acknowledged", "escalation.resolved",
	"rep.status_changed",
};

const char *
sub_event_name(enum sub_event e)
{
	return (unsigned)e < SUB_EVENT_COUNT ? sub_event_names[e] : NULL;
}

int
sub_event_find(const char *name)
{
	int i;

	for (i = 0; i < SUB_EVENT_COUNT; i++)
		if (strcmp(sub_event_names[i], name) == 0)
			return i;
	return -1;
}

const struct conf_subscription *
conf_find_subscription(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->nsubs; i++)
		if (strcmp(conf->subs[i].id, id) == 0)
			return &conf->subs[i];
	return NULL;
}

/* A list of strings under key as a NULL-terminated array; NULL when absent or bad. */
static char **
conf_sub_strings(struct conf_ctx *ctx, const struct ynode *item, const char *key,
    const char *path)
{
	const struct ynode *n = ytree_get(item, key);
	char sub[160], **out;
	size_t i;

	if (n == NULL)
		return NULL;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (n->type != YNODE_SEQ || n->n == 0) {
		conf_error(ctx, n->line, sub, "expected a list of at least one %s",
		    strcmp(key, "events") == 0 ? "event type" : "value");
		return NULL;
	}
	out = xcalloc(n->n + 1, sizeof(*out));
	for (i = 0; i < n->n; i++) {
		const char *s = confread_scalar(ctx->diags, n->items[i], sub, "a string");

		out[i] = xstrdup(s != NULL ? s : "");
	}
	return out;
}

static void
conf_sub_free_strings(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* events: [type, …] or ["*"]. */
static void
conf_sub_events(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_subscription *s)
{
	char **names = conf_sub_strings(ctx, item, "events", path), sub[160];
	size_t i;
	int e;

	snprintf(sub, sizeof(sub), "%s.events", path);
	if (names == NULL) {
		if (ytree_get(item, "events") == NULL)
			conf_error(ctx, item->line, path,
			    "missing \"events\": list the event types wanted, or [\"*\"] for all");
		return;
	}
	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], "*") == 0)
			s->events = (1u << SUB_EVENT_COUNT) - 1;
		else if ((e = sub_event_find(names[i])) >= 0)
			s->events |= 1u << e;
		else
			conf_error(ctx, ytree_get(item, "events")->line, sub,
			    "unknown event type \"%s\" (docs/notifications.md lists them)", names[i]);
	}
	conf_sub_free_strings(names);
}

/* secrets: one or two whsec_ keys (text, credential:NAME or file:PATH). */
static void
conf_sub_secrets(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_subscription *s)
{
	const struct ynode *n = ytree_get(item, "secrets");
	char sub[160];
	size_t i, len;

	if (n == NULL) {
		conf_error(ctx, item->line, path,
		    "missing \"secrets\": a list of one whsec_ key (two while rotating)");
		return;
	}
	if (n->type != YNODE_SEQ || n->n < 1 || n->n > SUB_MAX_SECRETS) {
		snprintf(sub, sizeof(sub), "%s.secrets", path);
		conf_error(ctx, n->line, sub, "expected a list of one or two whsec_ keys");
		return;
	}
	for (i = 0; i < n->n; i++) {
		const char *ref;
		char *text;

		snprintf(sub, sizeof(sub), "%s.secrets[%zu]", path, i);
		if ((ref = confread_scalar(ctx->diags, n->items[i], sub, "a secret")) == NULL ||
		    (text = confread_secret_ref(ctx->diags, n->items[i]->line, sub, ref, &len)) == NULL)
			continue;
		while (len > 0 && text[len - 1] == ' ')
			text[--len] = '\0';
		if (conf_decode_secret(text, &s->secrets[s->nsecrets], &s->secret_lens[s->nsecrets])
		    == -1)
			conf_error(ctx, n->items[i]->line, sub,
			    "expected whsec_ and 16 to 64 bytes in base64");
		else
			s->nsecrets++;
		explicit_bzero(text, len);
		free(text);
	}
}

/* One subscription's settings past its id. */
static void
conf_sub_parse(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_subscription *s)
{
	const struct ynode *n;
	const char *url;
	char sub[160];
	size_t i;

	url = confread_url(ctx->diags, item, "url", path);
	s->url = xstrdup(url != NULL ? url : "");
	conf_sub_secrets(ctx, item, path, s);
	conf_sub_events(ctx, item, path, s);
	s->pools = conf_sub_strings(ctx, item, "pools", path);
	for (i = 0; s->pools != NULL && s->pools[i] != NULL; i++)
		if (conf_find_pool(ctx->conf, s->pools[i]) == NULL) {
			snprintf(sub, sizeof(sub), "%s.pools", path);
			conf_error(ctx, ytree_get(item, "pools")->line, sub, "unknown pool \"%s\"",
			    s->pools[i]);
		}
	s->sources = conf_sub_strings(ctx, item, "sources", path);
	s->grades = conf_sub_strings(ctx, item, "grades", path);
	confread_bool(ctx->diags, item, "contact", path, &s->contact);
	s->max_in_flight = 16;
	if (ytree_get(item, "max_in_flight") != NULL)
		confread_opt_count(ctx->diags, item, "max_in_flight", path, 1, SUB_IN_FLIGHT_MAX,
		    &s->max_in_flight);
	s->attempts = 10;
	if (ytree_get(item, "attempts") != NULL)
		confread_opt_count(ctx->diags, item, "attempts", path, 1, SUB_ATTEMPTS_MAX,
		    &s->attempts);
	s->pause_after_ms = 3600 * 1000;
	if ((n = ytree_get(item, "pause_after")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.pause_after", path);
		confread_duration(ctx->diags, n, sub, SUB_PAUSE_MIN_MS, SUB_PAUSE_MAX_MS,
		    &s->pause_after_ms);
	}
}

/*
 * The built-in subscription of rep messages, when a rep or a pool has a
 * channel: lead.assigned and lead.reassigned told to the new owner,
 * lead.re_engaged (the person is back on an open lead) to the owner, with
 * the delivery, retries and dead letters of every subscription. It never
 * pauses: one rep's dead mailbox must not silence the others.
 */
static void
conf_sub_reps(struct conf *c)
{
	struct conf_subscription *s;
	int any = 0;
	size_t i;

	for (i = 0; i < c->nreps && !any; i++)
		any = c->reps[i].notify != NULL;
	for (i = 0; i < c->npools && !any; i++)
		any = c->pools[i].notify != NULL;
	if (!any)
		return;
	s = &c->subs[c->nsubs++];
	s->id = xstrdup(SUB_REPS_ID);
	s->url = xstrdup("");
	s->reps = 1;
	s->events = (1u << SUB_LEAD_ASSIGNED) | (1u << SUB_LEAD_REASSIGNED) |
	    (1u << SUB_LEAD_RE_ENGAGED);
	s->contact = 1;
	s->max_in_flight = 16;
	s->attempts = c->notify.attempts;
	s->pause_after_ms = INT64_MAX / 4;
}

/*
 * One subscription per CRM connector: the owner written back on assignment
 * and reassignment, and the status on stage moves when it maps stages. Its
 * id is the connector's, so GET /v1/subscriptions shows its delivery.
 */
static void
conf_sub_crm(struct conf_ctx *ctx)
{
	struct conf *c = ctx->conf;
	size_t i;

	for (i = 0; i < c->ncrm; i++) {
		const struct conf_crm *crm = &c->crm[i];
		const struct conf_subscription *prev = conf_find_subscription(c, crm->id);
		struct conf_subscription *s;
		char path[64];

		snprintf(path, sizeof(path), "crm[%zu].id", i);
		if (prev != NULL) {
			conf_error(ctx, crm->line, path, "the id \"%s\" is %s already: choose another",
			    crm->id, prev->reps ? "the rep messages' own" : "a subscription's");
			continue;
		}
		s = &c->subs[c->nsubs++];
		s->id = xstrdup(crm->id);
		s->url = xstrdup(crm->api_url);	/* shown as its host: where it writes */
		s->crm = crm;
		s->events = (1u << SUB_LEAD_ASSIGNED) | (1u << SUB_LEAD_REASSIGNED);
		if (crm->status_property != NULL)
			s->events |= (1u << SUB_LEAD_ACCEPTED) | (1u << SUB_LEAD_REJECTED) |
			    (1u << SUB_LEAD_STAGE_CHANGED);
		s->max_in_flight = crm->max_in_flight;
		s->attempts = crm->attempts;
		s->pause_after_ms = crm->pause_after_ms;
		s->line = crm->line;
	}
}

void
conf_parse_subscriptions(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "url", "secrets", "events", "pools",
		"sources", "grades", "contact", "max_in_flight", "attempts", "pause_after", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i;

	if (list != NULL && !confread_is_list(ctx->diags, list, "subscriptions", "subscriptions"))
		return;
	c->subs = xcalloc((list != NULL ? list->n : 0) + 1 + c->ncrm, sizeof(*c->subs));
	for (i = 0; list != NULL && i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct conf_subscription *prev;
		struct conf_subscription *s;
		const char *id;

		snprintf(path, sizeof(path), "subscriptions[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_subscription(c, id);
		if (confread_duplicate(ctx->diags, item, path, "subscription id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		if (strcmp(id, SUB_REPS_ID) == 0) {
			conf_error(ctx, ytree_get(item, "id")->line, path,
			    "the id \"%s\" is the rep messages' own (see notify channels): choose another",
			    id);
			continue;
		}
		s = &c->subs[c->nsubs++];
		s->id = xstrdup(id);
		s->line = item->line;
		conf_sub_parse(ctx, item, path, s);
	}
	conf_sub_reps(c);
	conf_sub_crm(ctx);
}

void
conf_free_subs(struct conf *c)
{
	size_t i, k;

	for (i = 0; i < c->nsubs; i++) {
		struct conf_subscription *s = &c->subs[i];

		free(s->id);
		free(s->url);
		for (k = 0; k < s->nsecrets; k++) {
			explicit_bzero(s->secrets[k], s->secret_lens[k]);
			free(s->secrets[k]);
		}
		conf_sub_free_strings(s->pools);
		conf_sub_free_strings(s->sources);
		conf_sub_free_strings(s->grades);
	}
	free(c->subs);
}
