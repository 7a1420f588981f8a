/*
 * contract.h — the two-way SLA between marketing and sales: each side's
 * commitments (config contract:), their targets over a period, and the
 * actuals the scorecard measured beside them.
 */
#ifndef LEADROUTE_CONTRACT_H
#define LEADROUTE_CONTRACT_H

#include <stdint.h>

#include "leadroute/conf.h"
#include "leadroute/jsonw.h"
#include "leadroute/scorecard.h"

enum contract_side {
	CONTRACT_MARKETING,
	CONTRACT_SALES,
};

/* What a commitment is, one row per enum conf_term (in that order). */
struct contract_term_def {
	const char		*id;		/* its config key and report id */
	enum contract_side	 side;
	const char		*label;
	const char		*bound;		/* "min" or "max" */
	const char		*unit;		/* "leads", "pct", "ms", "touches" */
	double			 limit;		/* the largest target the config accepts */
	int			 duration;	/* the target is a duration (1h) */
	int			 monthly;	/* the target is per calendar month */
};

extern const struct contract_term_def contract_terms[TERM_COUNT];

/*
 * A monthly target over [from_ms, to_ms): the target of each UTC calendar
 * month the period overlaps, in proportion to the part of the month it
 * covers (a whole month: the target; July 1-8: 7/31 of it).
 */
double contract_scale_monthly(double per_month, int64_t from_ms, int64_t to_ms);

/* The targets as members of the object w has open: "marketing" and "sales". */
void contract_write_targets(const struct conf_contract *c, struct jsonw *w);

/*
 * The commitments of [from_ms, to_ms) with the actuals of sc (the scorecard
 * of that period, overall figures): "marketing" and "sales" arrays, as
 * members of the object w has open. A commitment not configured is absent.
 */
void contract_write_actuals(const struct conf_contract *c, const struct scorecard *sc,
    int64_t from_ms, int64_t to_ms, struct jsonw *w);

/*
 * The same with each commitment's verdict in the period before, [pfrom,
 * pto) with prev its scorecard: "previous": {"target", "actual", "met"}.
 */
void contract_write_review(const struct conf_contract *c, const struct scorecard *sc,
    int64_t from_ms, int64_t to_ms, const struct scorecard *prev, int64_t pfrom_ms,
    int64_t pto_ms, struct jsonw *w);

/* One commitment's verdict: its target over the period, its actual, met or not. */
struct contract_verdict {
	double		target;
	char		actual[32];	/* as the scorecard shows it; "" when there is no data */
	int		met;		/* 1 met, 0 missed, -1 no data */
};

void contract_verdict(const struct conf_contract *c, enum conf_term t, const struct scorecard *sc,
    int64_t from_ms, int64_t to_ms, struct contract_verdict *out);

/* A target as text, trimmed like the scorecard's figures ("90.3", "400"). */
void contract_format_target(double v, char out[32]);

#endif
