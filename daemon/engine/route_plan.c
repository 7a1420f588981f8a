/*
 * route_plan.c — a rule's route plan, built in the daemon once a second and
 * sent by its digest (see route_plan.h; the script's half is
 * daemon/lua/lib/route_plan.lua).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/util.h"

#include "engine/candidates.h"
#include "engine/route_plan.h"

static const char *const route_plan_calendars[] = {
	[CLOCK_WALL] = "wall", [CLOCK_OWNER] = "owner", [CLOCK_POOL] = "pool",
	[CLOCK_NAMED] = "named",
};

int
route_plan_clock_starts_new(const struct conf_clock *k)
{
	return strcmp(k->start, "received") == 0 || strcmp(k->start, "assigned") == 0 ||
	    strcmp(k->start, "queued") == 0 || strcmp(k->start, "nurture") == 0;
}

/* Add "id=value," to a ',id=value,…' list (which then starts with ','). */
static void
route_plan_list_add(struct buf *b, const char *id, const char *value)
{
	buf_appendf(b, "%s%s=%s,", b->len == 0 ? "," : "", id, value);
}

/*
 * The new lead's clock plan (clock_plan_read in lua/lib/clocks.lua): its
 * clocks, their stop events, durations, pools' own durations, calendars and
 * reminders, and the reps' and pools' calendars.
 */
static void
route_plan_clocks(struct store_args *a, const struct conf *conf)
{
	struct buf b = { NULL, 0, 0 };
	char num[24];
	size_t i, k, n = 0;
	int rep_cals = 0, pool_cals = 0;

	for (k = 0; k < conf->sla.nclocks; k++)
		n += route_plan_clock_starts_new(&conf->sla.clocks[k]);
	store_args_add_int(a, (int64_t)n);
	for (k = 0; k < conf->sla.nclocks; k++) {
		const struct conf_clock *c = &conf->sla.clocks[k];

		if (!route_plan_clock_starts_new(c))
			continue;
		store_args_add(a, c->name);
		store_args_add(a, c->start);
		buf_reset(&b);
		buf_appendf(&b, ",%s,", c->stop);
		store_args_addn(a, b.data, b.len);
		store_args_add_int(a, c->duration_ms);
		buf_reset(&b);
		for (i = 0; i < conf->npools; i++)
			if (conf->pools[i].sla.ms[k] > 0) {
				util_format_int(num, conf->pools[i].sla.ms[k]);
				route_plan_list_add(&b, conf->pools[i].id, num);
			}
		store_args_addn(a, b.data != NULL ? b.data : "", b.len);
		store_args_add(a, route_plan_calendars[c->calendar_kind]);
		store_args_add(a, c->calendar != NULL ? c->calendar->id : "");
		store_args_add_int(a, c->remind_before_ms);
		rep_cals |= c->calendar_kind == CLOCK_OWNER;
		pool_cals |= c->calendar_kind == CLOCK_POOL;
	}
	buf_reset(&b);
	for (i = 0; rep_cals && i < conf->nreps; i++)
		if (conf->reps[i].calendar != NULL)
			route_plan_list_add(&b, conf->reps[i].id, conf->reps[i].calendar->id);
	store_args_addn(a, b.data != NULL ? b.data : "", b.len);
	buf_reset(&b);
	for (i = 0; pool_cals && i < conf->npools; i++)
		if (conf->pools[i].calendar != NULL)
			route_plan_list_add(&b, conf->pools[i].id, conf->pools[i].calendar->id);
	store_args_addn(a, b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
}

/*
 * The plan's arguments, as route_plan_read in route_plan.lua reads them: the
 * sticky window (ms, 0: off), the reps' facts (candidates_facts; '' unless a
 * sticky or account owner may need them), the queue pool ('' to nurture),
 * the targets (their count, then each: 'pool', id, cap,
 * candidates | 'rep', its six values | 'owner'), then the clock plan.
 */
static void
route_plan_build(struct store_args *a, const struct conf *conf, const struct conf_rule *rule,
    int64_t now_ms)
{
	int need_facts = conf->leads.sticky_window_ms > 0;
	size_t i;

	for (i = 0; i < rule->ntargets; i++)
		if (rule->targets[i].kind == TARGET_ACCOUNT_OWNER)
			need_facts = 1;
	store_args_add_int(a, conf->leads.sticky_window_ms);
	store_args_add(a, need_facts ? candidates_facts(conf, now_ms) : "");
	store_args_add(a, rule->nurture ? "" : rule->queue->id);
	store_args_add_int(a, (int64_t)rule->ntargets);
	for (i = 0; i < rule->ntargets; i++) {
		const struct conf_target *t = &rule->targets[i];

		switch (t->kind) {
		case TARGET_POOL:
			store_args_add(a, "pool");
			store_args_add(a, t->pool->id);
			candidates_add_args(a, t->pool, now_ms);
			break;
		case TARGET_REP:
			store_args_add(a, "rep");
			candidates_add_rep(a, t->rep, now_ms);
			break;
		case TARGET_ACCOUNT_OWNER:
			store_args_add(a, "owner");
			break;
		}
	}
	route_plan_clocks(a, conf);
}

/* The plan's key: the first hex digits of the SHA-1 of its arguments. */
static void
route_plan_digest(struct route_plan *p)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	EVP_Digest(p->args.resp.data != NULL ? p->args.resp.data : "", p->args.resp.len, md,
	    &mdlen, EVP_sha1(), NULL);
	util_hex_encode(md, mdlen, hex);
	memcpy(p->key, hex, ROUTE_PLAN_KEY_LEN);
	p->key[ROUTE_PLAN_KEY_LEN] = '\0';
}

/* One kept plan: a rule's, with the rule and the second it was built for. */
struct route_plan_slot {
	const struct conf_rule	*rule;
	int64_t			 second;
	struct route_plan	 plan;
};

const struct route_plan *
route_plan_get(const struct conf *conf, const struct conf_rule *rule, int64_t now_ms)
{
	/* One slot per rule of the config, and a last one for the daemon's own (the hold). */
	static struct route_plan_slot *slots;
	static size_t nslots;
	static const struct conf *slots_conf;
	static char slots_version[sizeof(conf->version)];
	struct route_plan_slot *slot;
	size_t i;

	if (slots_conf != conf || strcmp(slots_version, conf->version) != 0) {
		for (i = 0; i < nslots; i++)
			store_args_free(&slots[i].plan.args);
		free(slots);
		nslots = conf->nrules + 1;
		slots = xcalloc(nslots, sizeof(*slots));
		slots_conf = conf;
		memcpy(slots_version, conf->version, sizeof(slots_version));
	}
	if (rule >= conf->rules && rule < conf->rules + conf->nrules)
		slot = &slots[rule - conf->rules];
	else
		slot = &slots[nslots - 1];
	/* Working hours and local dates change by the minute at most. */
	if (slot->rule != rule || slot->second != now_ms / 1000) {
		store_args_free(&slot->plan.args);
		route_plan_build(&slot->plan.args, conf, rule, now_ms);
		route_plan_digest(&slot->plan);
		slot->rule = rule;
		slot->second = now_ms / 1000;
	}
	return &slot->plan;
}
