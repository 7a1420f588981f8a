/* scorecard_agg.h — keeps the scorecard's aggregates current (see agg_apply.lua). */
#ifndef LEADROUTED_SCORECARD_AGG_H
#define LEADROUTED_SCORECARD_AGG_H

struct server;
struct scorecard_agg;

/* Events folded per script call: a few milliseconds of Redis time at most. */
#define SCORECARD_AGG_BATCH 1000

struct scorecard_agg *scorecard_agg_new(struct server *srv);
void scorecard_agg_free(struct scorecard_agg *agg);

/* Fold new events every second, and at once while a backlog remains. */
void scorecard_agg_start(struct scorecard_agg *agg);
void scorecard_agg_stop(struct scorecard_agg *agg);

#endif
