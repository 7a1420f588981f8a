/* report.h — the scorecard of one or more periods, summed from the aggregates. */
#ifndef LEADROUTED_REPORT_H
#define LEADROUTED_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/conf.h"
#include "leadroute/scorecard.h"

struct server;

#define REPORT_MAX_PERIODS 2

/* A period [from, to): whole UTC hours, from < to. */
struct report_period {
	int64_t	from;
	int64_t	to;
};

/*
 * The scorecards of the periods, in their order (borrowed for the call), and
 * whether the aggregates had folded every event; sc NULL and err set when
 * Redis could not answer.
 */
typedef void report_cb(struct scorecard *const *sc, int up_to_date, const char *err, void *arg);

/*
 * Fold one batch of waiting events (as GET /v1/scorecard does), then sum the
 * buckets of each of n periods (at most REPORT_MAX_PERIODS), grouped by by
 * (NULL: overall only), and call cb exactly once, never before this returns.
 * conf is referenced until then.
 */
void report_read(struct server *srv, struct conf *conf, const struct report_period *periods,
    size_t n, const char *by, int64_t now, report_cb *cb, void *arg);

/* The period of the same length just before p. */
struct report_period report_previous(struct report_period p);

#endif
