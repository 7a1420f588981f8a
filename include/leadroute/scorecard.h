/* scorecard.h — scorecard figures from summed counters, bucket names, duration bins. */
#ifndef LEADROUTE_SCORECARD_H
#define LEADROUTE_SCORECARD_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/jsonw.h"
#include "leadroute/util.h"

/*
 * Durations are kept to two significant digits: below 100 ms exactly, else
 * rounded down (1234 -> 1200, 56789 -> 56000, 100 -> 100, 999 -> 990). Negative -> 0.
 * The aggregator Lua bins the same way (it writes "ttr#<bin>" and "ttft#<bin>");
 * both must agree, so change them together.
 */
int64_t scorecard_bin(int64_t ms);

/*
 * The aggregate buckets that exactly cover [from_ms, to_ms), both whole UTC
 * hours (caller guarantees; from < to). Greedy from the start: a whole UTC
 * calendar month that starts at t and fits -> "m:YYYYMM"; else a whole UTC day
 * starting at t that fits -> "d:<days since epoch>"; else the hour
 * "h:<hours since epoch>". Returns the count, keys malloc'd in *keys (caller
 * frees each and the array). Example: 2026-01-31T22:00Z .. 2026-03-02T01:00Z ->
 * h:..(22), h:..(23), m:202602, d:<Mar 1>, h:<Mar 2 00:00>.
 * An empty range returns 0 with *keys NULL.
 */
size_t scorecard_buckets(int64_t from_ms, int64_t to_ms, char ***keys);

/* Cents as currency units, exactly, trailing zeros dropped (123450 -> "1234.5"). */
void scorecard_format_amount(int64_t cents, char out[32]);

/* The same bucket names the aggregator writes for one instant (epoch ms). */
void scorecard_bucket_names(int64_t ms, char hour[32], char day[32], char month[32]);

/* What the report lists, from the config (all strings borrowed). */
struct scorecard_spec {
	const char *const *stages;	size_t nstages;	/* every stage id, config order */
	const char *const *funnel;	size_t nfunnel;	/* conversion chain, e.g. mql sal sql opportunity won */
	const char *const *reject;	size_t nreject;	/* rejection reason codes */
	const char *const *lost;	size_t nlost;	/* lost reason codes */
	const char *const *clocks;	size_t nclocks;	/* SLA clock names */
	const char *route_clock;	/* clock behind routed_within_sla_pct (may be absent from clocks) */
	const char *touch_clock;	/* clock behind first_touched_within_sla_pct */
	const char *won_stage;		/* stage whose entries count as won deals ("won") */
	const char *pipeline_stage;	/* stage whose amounts are pipeline ("opportunity") */
	const char *const *grades;	size_t ngrades;	/* the scoring model's grades */
};

struct scorecard;	/* opaque accumulator */

/*
 * by: "rep", "pool", "source", "rule" or NULL (overall only); copied.
 * The spec struct is copied, but the arrays and strings it points to are
 * borrowed: they must outlive the scorecard.
 */
struct scorecard *scorecard_new(const struct scorecard_spec *spec, const char *by);
void scorecard_free(struct scorecard *);

/*
 * Add one merged field. field is "<dim>\x1f<value>\x1f<metric>" where dim is
 * "all" (value ""), the by-dimension ("rep" etc.), or "attr" (value is
 * "<source>\x1e<event>"). Fields of other dims, malformed fields (a NUL byte,
 * fewer than two \x1f, an attr value without \x1e) and unknown metrics are
 * ignored. count may be any int64 (sums if the same field comes twice; sums
 * saturate rather than overflow).
 */
void scorecard_add(struct scorecard *, const char *field, size_t field_len, int64_t count);

/*
 * The report as members of the object w has open: "overall", then "groups"
 * when by is set, then "attribution". Percentages have one decimal, amounts
 * (cents in) are currency units with up to two decimals; trailing zeros are
 * dropped (50.0 -> 50, 1234.50 -> 1234.5).
 */
void scorecard_write_json(struct scorecard *, struct jsonw *w);

/*
 * The overall figures as the JSON shows them, for those who put them beside
 * targets (the contract, the weekly review): numbers formatted the same way,
 * "" where the JSON has null.
 */
struct scorecard_summary {
	int64_t	received;
	int64_t	routed;
	int64_t	won;
	int64_t	qualified;		/* leads that were MQLs, any grade */
	int64_t	closed_lost;
	int64_t	rejected;
	char	ttr_median[32], ttr_p90[32];	/* time to route, ms */
	char	ttft_median[32], ttft_p90[32];	/* time to first touch, ms */
	char	route_sla_pct[32];	/* routed within SLA */
	char	touch_sla_pct[32];	/* first-touched within SLA */
	char	acceptance_pct[32];
	char	rejection_pct[32];
	char	disposition_pct[32];
	char	complete_pct[32];
	char	touches_before_lost[32];	/* average touches of leads closed lost */
	char	won_amount[32];
};

void scorecard_summarize(const struct scorecard *, struct scorecard_summary *out);

/* The overall count of metric prefix+id ("reject:", "wrong_title"); 0 when it has no slot. */
int64_t scorecard_count(const struct scorecard *, const char *prefix, const char *id);

/* Leads that were MQLs at one of the n grades, overall (n 0: at any grade). */
int64_t scorecard_qualified(const struct scorecard *, const char *const *grades, size_t n);

/*
 * The most frequent rejection reasons, overall: up to max codes (borrowed
 * from the spec) with their counts, most first, ties in config order;
 * reasons never given are left out. Returns how many.
 */
size_t scorecard_top_rejections(const struct scorecard *, size_t max, const char **codes,
    int64_t *counts);

/*
 * The report as CSV (RFC 4180, CRLF line ends, header row first), appended to
 * out: a row "(all)" for overall, then one per group in the JSON order; a
 * group value of "" is written "(none)". Spreadsheet formula injection guard:
 * a group value starting with '=', '+', '-' or '@' is written with a leading
 * "'" (so "-5" reads "'-5"), then quoted when it holds ',', '"', CR or LF.
 */
void scorecard_write_csv(struct scorecard *, struct buf *out);

#endif
