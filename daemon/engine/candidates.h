/* candidates.h — a pool's reps as the rotation scripts see them: config plus the clock. */
#ifndef LEADROUTED_CANDIDATES_H
#define LEADROUTED_CANDIDATES_H

#include <stdint.h>

#include "leadroute/conf.h"

#include "io/store.h"

/* True when the rep is within working hours at now (no calendar: always). */
int candidates_in_hours(const struct conf_rep *rep, int64_t now_ms);

/* The rep's local date (YYYY-MM-DD) at now, in its calendar's zone or UTC. */
void candidates_local_date(const struct conf_rep *rep, int64_t now_ms, char out[11]);

/*
 * Append the pool's open-lead cap and its candidates to script arguments:
 * cap, count, then id, weight, max_open, max_per_day, local date, in hours.
 */
void candidates_add_args(struct store_args *a, const struct conf_pool *pool, int64_t now_ms);

/*
 * Append pools (all, or those rep_id belongs to) to script arguments, for
 * scripts that pick across pools: their count, then per pool its id and
 * what candidates_add_args appends.
 */
void candidates_add_pools(struct store_args *a, const struct conf *conf, const char *rep_id,
    int64_t now_ms);

/* One rep as a candidate: id, weight 1, max_open, max_per_day, local date, in hours. */
void candidates_add_rep(struct store_args *a, const struct conf_rep *rep, int64_t now_ms);

/*
 * Every rep of the config as ",id:in_hours:max_open:max_day:day,…", for the
 * script to find a rep it only learns of in Redis (an account's or a
 * contact's owner). Built at most once a second (borrowed; valid until the
 * next call).
 *
 * The one encoding besides the arguments above, kept for the hot path: the
 * route script needs any rep by id only when a rule names an account or a
 * sticky owner, so it gets every rep in one string it searches with
 * string.find instead of six arguments per rep of the config on every lead.
 */
const char *candidates_facts(const struct conf *conf, int64_t now_ms);

#endif
