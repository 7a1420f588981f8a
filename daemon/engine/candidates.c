/*
 * candidates.c — eligibility is split: working hours and local dates depend
 * on config and the clock, so the daemon works them out; status and load live
 * in Redis, so the script weighs them. This module is the daemon's half.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/tstamp.h"

#include "engine/candidates.h"

int
candidates_in_hours(const struct conf_rep *rep, int64_t now_ms)
{
	return rep->calendar == NULL || calendar_is_open(rep->calendar, now_ms);
}

void
candidates_local_date(const struct conf_rep *rep, int64_t now_ms, char out[11])
{
	char ts[TSTAMP_LEN];

	if (rep->calendar != NULL) {
		calendar_local_date(rep->calendar, now_ms, out);
		return;
	}
	tstamp_format(now_ms, ts);
	memcpy(out, ts, 10);
	out[10] = '\0';
}

/*
 * One rep's six values: id, weight, caps, local date (every rep's leads are
 * counted by it, for its daily cap and for the team's view), in hours.
 */
static void
candidates_add_member(struct store_args *a, const struct conf_rep *rep, int64_t weight,
    int64_t now_ms)
{
	char day[11];

	store_args_add(a, rep->id);
	store_args_add_int(a, weight);
	store_args_add_int(a, (int64_t)rep->max_open);
	store_args_add_int(a, (int64_t)rep->max_per_day);
	candidates_local_date(rep, now_ms, day);
	store_args_add(a, day);
	store_args_add_int(a, candidates_in_hours(rep, now_ms));
}

void
candidates_add_args(struct store_args *a, const struct conf_pool *pool, int64_t now_ms)
{
	size_t i;

	store_args_add_int(a, (int64_t)pool->max_open);
	store_args_add_int(a, (int64_t)pool->nmembers);
	for (i = 0; i < pool->nmembers; i++)
		candidates_add_member(a, pool->members[i].rep, pool->members[i].weight, now_ms);
}

void
candidates_add_rep(struct store_args *a, const struct conf_rep *rep, int64_t now_ms)
{
	candidates_add_member(a, rep, 1, now_ms);
}

const char *
candidates_facts(const struct conf *conf, int64_t now_ms)
{
	static struct buf facts;
	static const struct conf *facts_conf;
	static char facts_version[sizeof(conf->version)];
	static int64_t facts_second = -1;
	char day[11];
	size_t i;

	/* Hours and dates change by the minute at most: one build a second will do. */
	if (facts_conf == conf && strcmp(facts_version, conf->version) == 0 &&
	    facts_second == now_ms / 1000)
		return facts.data;
	buf_reset(&facts);
	buf_append(&facts, ",", 1);
	for (i = 0; i < conf->nreps; i++) {
		const struct conf_rep *rep = &conf->reps[i];

		candidates_local_date(rep, now_ms, day);
		buf_appendf(&facts, "%s:%d:%llu:%llu:%s,", rep->id, candidates_in_hours(rep, now_ms),
		    (unsigned long long)rep->max_open, (unsigned long long)rep->max_per_day, day);
	}
	facts_conf = conf;
	memcpy(facts_version, conf->version, sizeof(facts_version));
	facts_second = now_ms / 1000;
	return facts.data;
}

/* Pools for the scripts that pick across them (see candidates.h). */
void
candidates_add_pools(struct store_args *a, const struct conf *conf, const char *rep_id,
    int64_t now_ms)
{
	size_t i, n = 0;

	for (i = 0; i < conf->npools; i++)
		if (rep_id == NULL || conf_pool_has_rep(&conf->pools[i], rep_id))
			n++;
	store_args_add_int(a, (int64_t)n);
	for (i = 0; i < conf->npools; i++) {
		const struct conf_pool *pool = &conf->pools[i];

		if (rep_id != NULL && !conf_pool_has_rep(pool, rep_id))
			continue;
		store_args_add(a, pool->id);
		candidates_add_args(a, pool, now_ms);
	}
}
