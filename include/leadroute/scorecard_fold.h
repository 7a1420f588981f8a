/* scorecard_fold.h — what a batch of event-stream entries adds to the scorecard's aggregates. */
#ifndef LEADROUTE_SCORECARD_FOLD_H
#define LEADROUTE_SCORECARD_FOLD_H

#include <stddef.h>
#include <stdint.h>

/*
 * The aggregator (daemon/scorecard_agg.c) reads a batch of entries from the
 * event stream, looks up the leads they name, and folds them here into sums
 * per aggregate hash and field; agg_untouched puts the batch's new leads in
 * the untouched set, and agg_apply adds the sums (HINCRBY) and moves the
 * cursor. The counting is the one agg_apply.lua did
 * in Redis before (see docs/architecture.md, "Lifecycle and the scorecard"):
 *
 * - A lead's activity counts in the hour, day and month it arrived (UTC):
 *   hashes "<bucket>:<dim>" (scorecard_bucket_names), dim all, rep, pool,
 *   source, rule or attr; a field is "<value>\x1f<metric>" with the metrics of
 *   scorecard.h. The value is "" for all, the acting rep (the entry's rep) for
 *   rep, the lead's pool, source or rule, and "<source>\x1e<event>" for attr,
 *   which only counts received, stage:<id> and amount:<id>.
 * - Per entry type: received -> received, complete (when the lead is), and
 *   with a stage: stage:<stage> and the lead enters the untouched set (due at
 *   arrival + the untouched threshold); nurture -> nurture; assigned ->
 *   routed, ttr#<bin>; touched -> touches, and with first: touched,
 *   ttft#<bin>, out of the untouched set; accepted -> accepted; rejected ->
 *   rejected, reject:<reason or "">, out of the untouched set; stage ->
 *   lost:<reason> with a reason, out of the untouched set with closes;
 *   accepted, rejected and stage then count stage:<to>, amount:<to> (the
 *   amount in currency units, as cents rounded half up) with an amount, and
 *   disposition with first_decision; clock -> met:<clock> when result is
 *   "met", else breached:<clock>; escalated -> breached:<clock>. An entry
 *   carrying mql (received: the lead arrived an MQL; became_mql: a lead held
 *   in nurture qualified) counts qualified and qualified:<grade>; a stage
 *   entry with a (lost) reason counts closed_lost and adds its touches to
 *   lost_touches. Bins are
 *   scorecard_bin() of the time since arrival. Other types count nothing.
 * - A field that is present counts as present even when empty (as in Lua).
 * - Entries of a lead that is gone (no received_at) count nothing.
 *
 * Input the old script could not fold at all (it failed and the aggregator
 * stalled on it) is skipped here instead, one metric at a time: a time or
 * amount that is not a number (times must be whole milliseconds), an
 * accepted, rejected or stage entry without "to", a clock entry without
 * "clock".
 *
 * Leads "settled" as untouched (due in the untouched set) are counted by the
 * agg_apply script itself, as it takes them out of the set.
 */

/* A lead's attributes the fold reads ("" for a missing field); copied when set. */
struct scorecard_lead {
	const char	*received_at;	/* epoch ms; NULL (or not a number): the lead is gone */
	const char	*pool;
	const char	*rule;
	const char	*source;
	const char	*event;
	int		 complete;	/* the hash's complete field is "1" */
};

/* The fields of one stream entry the fold reads, borrowed; NULL when absent. */
struct scorecard_event {
	const char	*type;
	const char	*at;
	const char	*lead;
	const char	*rep;
	const char	*stage;
	const char	*to;
	const char	*amount;
	const char	*reason;
	const char	*clock;
	const char	*result;
	const char	*first;
	const char	*first_decision;
	const char	*closes;
	const char	*returning;	/* received: its person had a lead before */
	const char	*mql;		/* received, became_mql: qualified, at this grade ("" none) */
	const char	*touches;	/* stage with a lost reason: the lead's touches */
	const char	*met;		/* a new lead's status: clocks it met at once (a,b) */
};

/* Set the member named name (len bytes) to value (borrowed); other names are ignored. */
void scorecard_event_set(struct scorecard_event *ev, const char *name, size_t len,
    const char *value);

/* One sum: add n to field (field_len bytes) of the hash named by key ("h:493108:rep"). */
struct scorecard_counter {
	const char	*key;
	const char	*field;
	size_t		 field_len;
	int64_t		 n;
};

/* A change to the untouched set: add the lead, due at due (epoch ms), or remove it. */
struct scorecard_untouched {
	const char	*lead;
	int		 add;
	int64_t		 due;
};

struct scorecard_fold;

struct scorecard_fold *scorecard_fold_new(int64_t untouched_ms);
void scorecard_fold_free(struct scorecard_fold *fold);

/*
 * Note a lead an entry names: 1 the first time (look up its attributes and
 * set them), else 0. A lead whose attributes are never set counts as gone.
 */
int scorecard_fold_want_lead(struct scorecard_fold *fold, const char *id);

/* The lead's attributes (copied); NULL when it is gone. */
void scorecard_fold_set_lead(struct scorecard_fold *fold, const char *id,
    const struct scorecard_lead *lead);

/* Fold the next entry of the batch (entries in stream order). */
void scorecard_fold_add(struct scorecard_fold *fold, const struct scorecard_event *ev);

/*
 * Spread up to max more of the batch's sums over their levels and
 * dimensions, the bulk of scorecard_fold_counters()'s work, so a caller on an
 * event loop can do it a slice at a time: 1 when every sum is spread, else 0.
 * Folding another entry starts the spreading over.
 */
int scorecard_fold_spread(struct scorecard_fold *fold, size_t max);

/*
 * The sums of the batch so far, sorted by key, then field (bytewise); valid
 * until the next call that changes fold. A sum of 0 is listed (the field
 * then exists, as after an HINCRBY by 0). Spreads what is left to spread.
 */
size_t scorecard_fold_counters(struct scorecard_fold *fold,
    const struct scorecard_counter **out);

/* The net changes to the untouched set, one per lead, in the order first changed. */
size_t scorecard_fold_untouched(struct scorecard_fold *fold,
    const struct scorecard_untouched **out);

/* The time ("at") of the last entry that had one, else dflt. */
int64_t scorecard_fold_last_at(const struct scorecard_fold *fold, int64_t dflt);

/* Entries folded so far. */
size_t scorecard_fold_entries(const struct scorecard_fold *fold);

#endif
