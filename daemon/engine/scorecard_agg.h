/* scorecard_agg.h — keeps the scorecard's aggregates current (see scorecard_agg.c). */
#ifndef LEADROUTED_SCORECARD_AGG_H
#define LEADROUTED_SCORECARD_AGG_H

struct server;
struct scorecard_agg;

/*
 * Stream entries per read: small, because route scripts queue behind each
 * command (at 250 an XRANGE holds Redis for about a quarter of a
 * millisecond; 1,000 at once tripled p99 at 2,000 leads/s). A batch reads
 * on while the reads come back full, up to SCORECARD_AGG_MAX entries, and
 * adds their sums with one script: its increments are per distinct counter,
 * so a bigger batch takes fewer per lead (a rep's counts of the batch are
 * added once). See docs/operations.md for what each costs.
 */
#define SCORECARD_AGG_BATCH 250
#define SCORECARD_AGG_MAX 2000

struct scorecard_agg *scorecard_agg_new(struct server *srv);
void scorecard_agg_free(struct scorecard_agg *agg);

/* Fold new events every second, and at once while a backlog remains. */
void scorecard_agg_start(struct scorecard_agg *agg);
/* No more batches of its own; catch-ups asked for are still served. */
void scorecard_agg_stop(struct scorecard_agg *agg);

/* err is NULL when the batch was folded, else why not (borrowed for the call). */
typedef void scorecard_agg_cb(const char *err, void *arg);

/*
 * Fold one batch that starts after this call (so it sees every event written
 * before), then call cb: exactly once, never before this returns.
 */
void scorecard_agg_catch_up(struct scorecard_agg *agg, scorecard_agg_cb *cb, void *arg);

#endif
