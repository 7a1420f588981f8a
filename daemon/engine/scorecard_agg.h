/* scorecard_agg.h — keeps the scorecard's aggregates current (see scorecard_agg.c). */
#ifndef LEADROUTED_SCORECARD_AGG_H
#define LEADROUTED_SCORECARD_AGG_H

struct server;
struct scorecard_agg;

/*
 * Stream entries read and folded per batch. Small, because route scripts
 * queue behind each of its commands: at 250 the XRANGE and the script adding
 * the sums hold Redis for about half a millisecond each (at 1,000, 1 and
 * 2.5 ms, which tripled p99 at 2,000 leads/s); catching up still runs at
 * about 43,000 entries/s, several times what peak ingest writes.
 */
#define SCORECARD_AGG_BATCH 250

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
