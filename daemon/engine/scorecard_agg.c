/*
 * scorecard_agg.c — folds the event stream into the scorecard's per-hour,
 * per-day and per-month aggregates. Every daemon runs it. A batch keeps
 * Redis's part small, and comes in short pieces, because every route call
 * sent meanwhile waits behind what it sends and every request behind what it
 * computes (a p99 is whatever blocks one request in a hundred):
 *
 *   1. GET the shared cursor, XINFO STREAM (has trimming passed the cursor?)
 *      and XRANGE the entries after where this daemon believes the cursor
 *      is, pipelined; when GET says otherwise (another daemon folded
 *      meanwhile), read again from there.
 *   2. HMGET the attributes of every lead the entries name, AGG_CHUNK at a
 *      time.
 *   3. Fold in C (core/scorecard_fold.c), AGG_SLICE entries a loop turn.
 *   4. Put the batch's new leads in the untouched set with agg_untouched,
 *      AGG_CHUNK a call, each only while the cursor is where the batch began.
 *   5. Spread the sums over levels and dimensions, AGG_SLICE a turn, and hand
 *      them to agg_apply, which adds them and moves the cursor only if it is
 *      still where the batch began. A daemon that lost the race has written
 *      nothing (but inserts another daemon's batch makes too) and reads
 *      again, so each event counts once however many daemons run, and a
 *      daemon that stops leaves the work to the others.
 *
 * The script that used to do all of it read every entry back into Lua; that
 * cost Redis several times more per lead (docs/operations.md).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "leadroute/scorecard_fold.h"
#include "leadroute/util.h"

#include "engine/scorecard_agg.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define AGG_INTERVAL_MS	1000	/* the scorecard folds what is waiting anyway */
#define AGG_MAX_READS	3	/* per batch, while other daemons keep moving the cursor */
#define AGG_BUSY	"not connected or too busy"
/*
 * Leads per round trip when a batch looks its leads up (HMGET each) and puts
 * the new ones in the untouched set (agg_untouched): the next chunk goes when
 * the one before has answered, so route calls sent meanwhile wait behind a
 * hundred of these, not behind the batch's thousand (they share the
 * connection, and the inserts into the big untouched set cost Redis
 * microseconds each).
 */
#define AGG_CHUNK	100
/*
 * A batch whose last entry is older than AGG_BEHIND_MS is a backlog (peak
 * load, or a daemon back after a while): it goes in chunks of
 * AGG_CHUNK_BEHIND, as every round trip then counts, so the scorecard
 * catches up rather than falls behind (at 64 route calls in flight a round
 * trip takes about 13 ms).
 */
#define AGG_BEHIND_MS	2000
#define AGG_CHUNK_BEHIND	1000	/* 2,000 values: well inside Lua's stack for unpack() */
/*
 * Entries folded, and sums spread, per turn of the loop: a batch's whole
 * fold took the daemon several milliseconds at once, which every request
 * arriving meanwhile waited out; a slice takes a few tenths of one.
 */
#define AGG_SLICE	250

enum agg_phase {
	AGG_IDLE,
	AGG_READ,	/* cursor, trimming, entries */
	AGG_LEADS,	/* the leads' attributes */
	AGG_FOLD,	/* the entries folded, a slice a loop turn */
	AGG_UNTOUCHED,	/* new leads into the untouched set, a chunk at a time */
	AGG_SPREAD,	/* the sums spread over levels and dimensions, a slice a turn */
	AGG_APPLY,	/* the script adding the sums */
};

struct agg_waiter {
	struct agg_waiter	*next;
	scorecard_agg_cb	*cb;
	void			*arg;
};

/* One stream entry; its strings live in the batch's arena (offsets: the arena grows). */
struct agg_entry {
	size_t	id;
	size_t	pair;		/* its first field in pairs */
	size_t	npairs;
};

struct agg_pair {
	size_t	name;
	size_t	name_len;
	size_t	value;
};

struct scorecard_agg {
	struct server		*srv;
	struct event		*timer;
	struct event		*slice;		/* the next slice of AGG_FOLD or AGG_SPREAD */
	int			 stopped;
	char			*k_cursor, *k_events, *k_lead;	/* k_lead: "<prefix>:lead:" */
	char			*cursor;	/* where the cursor is, as far as this daemon knows */

	/* The batch in flight. */
	enum agg_phase		 phase;
	int			 pending;	/* commands of the phase in flight */
	char			*err;		/* the phase's first error */
	int			 reads;
	char			*seen;		/* the cursor as GET found it */
	int			 gap;		/* trimming passed the cursor: events lost */
	int			 full;		/* the last XRANGE filled its COUNT: more wait */
	struct scorecard_fold	*fold;
	struct buf		 arena;
	struct agg_entry	*entries;
	size_t			 nentries, entries_cap;
	struct agg_pair		*pairs;
	size_t			 npairs, pairs_cap;
	char			**want;		/* leads to look up, in the order asked */
	size_t			 nwant, want_cap, next_want, sent_want;
	size_t			 chunk;		/* leads per round trip for this batch */
	size_t			 next_entry;	/* the next entry to fold */
	const struct scorecard_untouched *untouched;	/* the fold's, once folded */
	size_t			 nuntouched, next_untouched;

	struct agg_waiter	*waiting;	/* catch-ups for the next batch */
	struct agg_waiter	*serving;	/* catch-ups the batch in flight answers */
};

static void agg_read(struct scorecard_agg *);
static void agg_advance(struct scorecard_agg *);
static void agg_send_untouched(struct scorecard_agg *);
static void agg_spread(struct scorecard_agg *);
static void agg_apply(struct scorecard_agg *);

static void
agg_arm(struct scorecard_agg *agg, int64_t ms)
{
	struct timeval tv = sys_timeval_ms(ms);

	if (!agg->stopped || agg->waiting != NULL)
		evtimer_add(agg->timer, &tv);
}

/*
 * Remember the phase's first error; nothing more is sent. Redis's own
 * errors are logged; not being connected is not (the store says so).
 */
static void
agg_fail(struct scorecard_agg *agg, const char *err)
{
	char q[256];

	if (agg->err != NULL)
		return;
	agg->err = xstrdup(err);
	if (strcmp(err, AGG_BUSY) != 0 && strcmp(err, "unavailable") != 0)
		log_warn("scorecard_aggregate_failed", "error=%s", log_quote(err, q, sizeof(q)));
}

static void
agg_batch_reset(struct scorecard_agg *agg)
{
	size_t i;

	scorecard_fold_free(agg->fold);
	agg->fold = NULL;
	for (i = 0; i < agg->nwant; i++)
		free(agg->want[i]);
	agg->nwant = agg->next_want = agg->sent_want = 0;
	agg->next_entry = 0;
	agg->untouched = NULL;
	agg->nuntouched = agg->next_untouched = 0;
	agg->nentries = agg->npairs = 0;
	buf_reset(&agg->arena);
	free(agg->seen);
	agg->seen = NULL;
	free(agg->err);
	agg->err = NULL;
	agg->gap = 0;
	agg->full = 0;
	agg->pending = 0;
}

/* The batch is over: answer its catch-ups, then plan the next one. */
static void
agg_done(struct scorecard_agg *agg, const char *err, int more)
{
	struct agg_waiter *w = agg->serving, *next;
	char *why = err != NULL ? xstrdup(err) : NULL;

	agg_batch_reset(agg);
	agg->phase = AGG_IDLE;
	agg->serving = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		w->cb(why, w->arg);
		free(w);
	}
	free(why);
	agg_arm(agg, more || agg->waiting != NULL ? 0 : AGG_INTERVAL_MS);
}

/* Send one plain command of the phase; after a failure nothing more goes out. */
static void
agg_send(struct scorecard_agg *agg, const char *what, struct store_args *a, store_cb *cb)
{
	if (agg->err != NULL) {
		store_args_free(a);
		return;
	}
	if (store_command(agg->srv->store, what, a, cb, agg) == -1) {
		agg_fail(agg, AGG_BUSY);
		return;
	}
	agg->pending++;
}

/* A reply of the phase came: 0 to use it, -1 when it (or the phase) failed. */
static int
agg_reply(struct scorecard_agg *agg, const struct store_reply *reply, int type)
{
	agg->pending--;
	if (reply->err != NULL) {
		agg_fail(agg, reply->err);
		return -1;
	}
	if (agg->err != NULL)
		return -1;
	if (reply->raw == NULL || reply->raw->type != type) {
		agg_fail(agg, "unexpected reply");
		return -1;
	}
	return 0;
}

/* Stream ids in order ("1700000000000-3"). */
static int
agg_id_less(const char *a, const char *b)
{
	unsigned long long a1, a2 = 0, b1, b2 = 0;
	char *end;

	a1 = strtoull(a, &end, 10);
	if (*end == '-')
		a2 = strtoull(end + 1, NULL, 10);
	b1 = strtoull(b, &end, 10);
	if (*end == '-')
		b2 = strtoull(end + 1, NULL, 10);
	return a1 < b1 || (a1 == b1 && a2 < b2);
}

static size_t
agg_arena_add(struct scorecard_agg *agg, const char *s, size_t len)
{
	size_t off = agg->arena.len;

	buf_append(&agg->arena, s, len);
	buf_append(&agg->arena, "", 1);
	return off;
}

static void
agg_on_cursor(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;

	agg->pending--;
	if (reply->err != NULL)
		agg_fail(agg, reply->err);
	else if (reply->raw != NULL && reply->raw->type == REDIS_REPLY_STRING)
		agg->seen = xstrdup(reply->raw->str);
	else
		agg->seen = xstrdup("0-0");
	agg_advance(agg);
}

/* Entries past the cursor were deleted before they were read: trimming outran us. */
static void
agg_on_info(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;
	const redisReply *r = reply->raw;
	size_t i;

	/* An error (no stream at all) is no gap; the XRANGE after it tells the rest. */
	agg->pending--;
	if (reply->err == NULL && r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i + 1 < r->elements; i += 2)
			if (r->element[i]->type == REDIS_REPLY_STRING &&
			    strcmp(r->element[i]->str, "max-deleted-entry-id") == 0 &&
			    r->element[i + 1]->type == REDIS_REPLY_STRING &&
			    agg_id_less(agg->cursor, r->element[i + 1]->str))
				agg->gap = 1;
	agg_advance(agg);
}

static void agg_range(struct scorecard_agg *, const char *);

static const char *
agg_str(const struct scorecard_agg *agg, size_t off)
{
	return agg->arena.data + off;
}

/*
 * Copy the entries out of the reply, and note the leads they name. A full
 * reply is followed by the next, up to SCORECARD_AGG_MAX entries: the sums of
 * a bigger batch take fewer increments per lead (a rep's or a pool's counts
 * are added once for all its leads of the batch), while each read still
 * holds Redis as briefly as SCORECARD_AGG_BATCH entries do.
 */
static void
agg_on_range(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;
	const redisReply *r = reply->raw;
	size_t i, j;

	if (agg_reply(agg, reply, REDIS_REPLY_ARRAY) == -1)
		goto out;
	agg->full = r->elements == SCORECARD_AGG_BATCH;
	for (i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i], *f;
		struct scorecard_event ev;
		struct agg_entry *ent;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			continue;
		f = e->element[1];
		if (agg->nentries == agg->entries_cap) {
			agg->entries_cap = agg->entries_cap ? agg->entries_cap * 2 : 256;
			agg->entries = xreallocarray(agg->entries, agg->entries_cap,
			    sizeof(*agg->entries));
		}
		ent = &agg->entries[agg->nentries++];
		ent->id = agg_arena_add(agg, e->element[0]->str, e->element[0]->len);
		ent->pair = agg->npairs;
		ent->npairs = 0;
		memset(&ev, 0, sizeof(ev));
		for (j = 0; f->type == REDIS_REPLY_ARRAY && j + 1 < f->elements; j += 2) {
			const redisReply *name = f->element[j], *value = f->element[j + 1];
			struct agg_pair *p;

			if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
				continue;
			if (agg->npairs == agg->pairs_cap) {
				agg->pairs_cap = agg->pairs_cap ? agg->pairs_cap * 2 : 2048;
				agg->pairs = xreallocarray(agg->pairs, agg->pairs_cap,
				    sizeof(*agg->pairs));
			}
			p = &agg->pairs[agg->npairs++];
			p->name = agg_arena_add(agg, name->str, name->len);
			p->name_len = name->len;
			p->value = agg_arena_add(agg, value->str, value->len);
			ent->npairs++;
			scorecard_event_set(&ev, name->str, name->len, value->str);
		}
		if (ev.lead != NULL && scorecard_fold_want_lead(agg->fold, ev.lead)) {
			if (agg->nwant == agg->want_cap) {
				agg->want_cap = agg->want_cap ? agg->want_cap * 2 : 256;
				agg->want = xreallocarray(agg->want, agg->want_cap, sizeof(*agg->want));
			}
			agg->want[agg->nwant++] = xstrdup(ev.lead);
		}
	}
	if (agg->full && agg->nentries + SCORECARD_AGG_BATCH <= SCORECARD_AGG_MAX) {
		char *from = xasprintf("(%s", agg_str(agg, agg->entries[agg->nentries - 1].id));

		agg_range(agg, from);
		free(from);
	}
out:
	agg_advance(agg);
}

static void
agg_read(struct scorecard_agg *agg)
{
	struct store_args a = { 0 };
	char *from;

	agg_batch_reset(agg);
	agg->phase = AGG_READ;
	agg->reads++;
	agg->fold = scorecard_fold_new(agg->srv->conf->lifecycle.untouched_after_ms);
	store_args_add(&a, "GET");
	store_args_add(&a, agg->k_cursor);
	agg_send(agg, "GET", &a, agg_on_cursor);
	if (strcmp(agg->cursor, "0-0") != 0) {
		store_args_add(&a, "XINFO");
		store_args_add(&a, "STREAM");
		store_args_add(&a, agg->k_events);
		agg_send(agg, "XINFO", &a, agg_on_info);
	}
	from = xasprintf("(%s", agg->cursor);
	agg_range(agg, from);
	free(from);
	agg_advance(agg);
}

/* XRANGE the next SCORECARD_AGG_BATCH entries after from ("(<id>"). */
static void
agg_range(struct scorecard_agg *agg, const char *from)
{
	struct store_args a = { 0 };

	store_args_add(&a, "XRANGE");
	store_args_add(&a, agg->k_events);
	store_args_add(&a, from);
	store_args_add(&a, "+");
	store_args_add(&a, "COUNT");
	store_args_add_int(&a, SCORECARD_AGG_BATCH);
	agg_send(agg, "XRANGE", &a, agg_on_range);
}

static void
agg_on_lead(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;
	const redisReply *r = reply->raw;
	const char *id = agg->want[agg->next_want++];
	const char *v[6];
	size_t i;

	if (agg_reply(agg, reply, REDIS_REPLY_ARRAY) == -1)
		goto out;
	if (r->elements != LR_NELEM(v)) {
		agg_fail(agg, "unexpected reply");
		goto out;
	}
	for (i = 0; i < LR_NELEM(v); i++)
		v[i] = r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : NULL;
	if (v[0] == NULL) {
		scorecard_fold_set_lead(agg->fold, id, NULL);
	} else {
		struct scorecard_lead l = { v[0], v[1] ? v[1] : "", v[2] ? v[2] : "",
		    v[3] ? v[3] : "", v[4] ? v[4] : "", v[5] != NULL && strcmp(v[5], "1") == 0 };

		scorecard_fold_set_lead(agg->fold, id, &l);
	}
out:
	agg_advance(agg);
}

/* Look up the next chunk of the batch's leads: what the fold counts them by. */
static void
agg_fetch_leads(struct scorecard_agg *agg)
{
	struct store_args a = { 0 };
	char *key;
	size_t end = agg->sent_want + agg->chunk;

	agg->phase = AGG_LEADS;
	for (; agg->sent_want < agg->nwant && agg->sent_want < end && agg->err == NULL;
	    agg->sent_want++) {
		key = xasprintf("%s%s", agg->k_lead, agg->want[agg->sent_want]);
		store_args_add(&a, "HMGET");
		store_args_add(&a, key);
		store_args_add(&a, "received_at");
		store_args_add(&a, "pool");
		store_args_add(&a, "rule");
		store_args_add(&a, "source");
		store_args_add(&a, "event");
		store_args_add(&a, "complete");
		agg_send(agg, "HMGET", &a, agg_on_lead);
		free(key);
	}
	agg_advance(agg);
}

/* A string reply's text, else NULL. */
static const char *
agg_reply_str(const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING ? r->str : NULL;
}

/*
 * Another daemon moved the cursor (it may have folded what this batch read,
 * and nothing of ours was written): read on from where it left it, cursor
 * (NULL when unknown: from ours).
 */
static void
agg_moved(struct scorecard_agg *agg, const char *cursor)
{
	if (cursor != NULL) {
		char *c = xstrdup(cursor);	/* cursor may be agg->seen, freed by the read */

		free(agg->cursor);
		agg->cursor = c;
	}
	if (agg->reads < AGG_MAX_READS)
		agg_read(agg);
	else
		agg_done(agg, "other daemons kept moving the cursor", 1);
}

/*
 * The answer of a script that writes only while the cursor is where the
 * batch began (agg_apply, agg_untouched): {1, ...} of n elements when it
 * wrote, returned to be read on; {0, cursor} when another daemon had moved
 * it, read on from there. NULL when the batch ended here (a failure, or
 * the cursor moved).
 */
static const redisReply *
agg_script_reply(struct scorecard_agg *agg, const struct store_reply *reply, size_t n)
{
	const redisReply *r = reply->raw;

	if (agg_reply(agg, reply, REDIS_REPLY_ARRAY) == -1 || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->elements != (r->element[0]->integer == 0 ? 2 : n)) {
		if (agg->err == NULL)
			agg_fail(agg, "unexpected reply");
		agg_done(agg, agg->err, 0);
		return NULL;
	}
	if (r->element[0]->integer == 0) {
		agg_moved(agg, agg_reply_str(r->element[1]));
		return NULL;
	}
	return r;
}

static void
agg_on_applied(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;
	const redisReply *r = agg_script_reply(agg, reply, 2);
	int more;

	if (r == NULL)
		return;
	if (agg->nentries > 0) {
		free(agg->cursor);
		agg->cursor = xstrdup(agg_str(agg, agg->entries[agg->nentries - 1].id));
		metrics_inc(METRIC_SCORECARD_EVENTS, agg->nentries);
	}
	if (agg->gap) {
		metrics_inc(METRIC_SCORECARD_GAPS, 1);
		log_error("scorecard_events_lost", "reason=\"the event stream was trimmed past "
		    "the scorecard's cursor; raise events.max_len\"");
	}
	more = agg->full || (r->element[1]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->integer != 0);
	agg_done(agg, NULL, more);
}

/*
 * Fold the batch, a slice a turn: its sums, and the leads entering and
 * leaving the untouched set. Then the new leads go into the set, a chunk at a
 * time, the sums are spread, a slice a turn, and sent with the cursor's move.
 */
static void
agg_fold(struct scorecard_agg *agg)
{
	size_t end = agg->next_entry + AGG_SLICE, j;

	agg->phase = AGG_FOLD;
	for (; agg->next_entry < agg->nentries && agg->next_entry < end; agg->next_entry++) {
		const struct agg_entry *e = &agg->entries[agg->next_entry];
		struct scorecard_event ev;

		memset(&ev, 0, sizeof(ev));
		for (j = e->pair; j < e->pair + e->npairs; j++)
			scorecard_event_set(&ev, agg_str(agg, agg->pairs[j].name),
			    agg->pairs[j].name_len, agg_str(agg, agg->pairs[j].value));
		scorecard_fold_add(agg->fold, &ev);
	}
	if (agg->next_entry < agg->nentries) {
		event_active(agg->slice, EV_TIMEOUT, 0);
		return;
	}
	agg->nuntouched = scorecard_fold_untouched(agg->fold, &agg->untouched);
	agg->next_untouched = 0;
	agg->phase = AGG_UNTOUCHED;
	agg_send_untouched(agg);
}

/* Spread the next slice of the sums; once all are, send them. */
static void
agg_spread(struct scorecard_agg *agg)
{
	agg->phase = AGG_SPREAD;
	if (scorecard_fold_spread(agg->fold, AGG_SLICE))
		agg_apply(agg);
	else
		event_active(agg->slice, EV_TIMEOUT, 0);
}

static void
agg_on_slice(evutil_socket_t fd, short what, void *arg)
{
	struct scorecard_agg *agg = arg;

	(void)fd;
	(void)what;
	if (agg->phase == AGG_FOLD)
		agg_fold(agg);
	else if (agg->phase == AGG_SPREAD)
		agg_spread(agg);
}

static void
agg_on_untouched(const struct store_reply *reply, void *arg)
{
	struct scorecard_agg *agg = arg;

	if (agg_script_reply(agg, reply, 1) != NULL)
		agg_send_untouched(agg);
}

/* The next chunk of new leads for the untouched set (agg_untouched.lua), else the sums. */
static void
agg_send_untouched(struct scorecard_agg *agg)
{
	const struct scorecard_untouched *u = agg->untouched;
	struct store_args a = { 0 };
	size_t taken = 0;

	store_args_add(&a, agg->cursor);
	for (; agg->next_untouched < agg->nuntouched && taken < agg->chunk;
	    agg->next_untouched++) {
		if (!u[agg->next_untouched].add)
			continue;
		store_args_add_int(&a, u[agg->next_untouched].due);
		store_args_add(&a, u[agg->next_untouched].lead);
		taken++;
	}
	if (taken == 0) {
		store_args_free(&a);
		agg_spread(agg);
		return;
	}
	if (store_eval(agg->srv->store, SCRIPT_AGG_UNTOUCHED, sys_now_ms(), &a, agg_on_untouched,
	    agg) == -1) {
		agg_fail(agg, AGG_BUSY);
		agg_done(agg, agg->err, 0);
		return;
	}
	agg->pending++;
}

/*
 * Send the sums. ARGV (see agg_apply.lua): the cursor it read after, its last
 * id, settle leads due by, the leads leaving the untouched set, then per hash
 * its name, field count and (field, increment) pairs.
 */
static void
agg_apply(struct scorecard_agg *agg)
{
	const struct scorecard_counter *c;
	const struct scorecard_untouched *u = agg->untouched;
	struct store_args a = { 0 };
	int64_t now = sys_now_ms();
	size_t i, j, k, n, nremove = 0;

	agg->phase = AGG_APPLY;
	store_args_add(&a, agg->cursor);
	store_args_add(&a, agg->nentries > 0 ? agg_str(agg, agg->entries[agg->nentries - 1].id) : "");
	/* While catching up, only leads due by the last event read are settled. */
	store_args_add_int(&a, agg->full ?
	    scorecard_fold_last_at(agg->fold, now) : now);
	for (i = 0; i < agg->nuntouched; i++)
		nremove += !u[i].add;
	store_args_add_int(&a, (int64_t)nremove);
	for (i = 0; i < agg->nuntouched; i++)
		if (!u[i].add)
			store_args_add(&a, u[i].lead);
	n = scorecard_fold_counters(agg->fold, &c);
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && strcmp(c[k].key, c[i].key) == 0; k++)
			;
		store_args_add(&a, c[i].key);
		store_args_add_int(&a, (int64_t)(k - i));
		for (j = i; j < k; j++) {
			store_args_addn(&a, c[j].field, c[j].field_len);
			store_args_add_int(&a, c[j].n);
		}
	}
	if (store_eval(agg->srv->store, SCRIPT_AGG_APPLY, now, &a, agg_on_applied, agg) == -1) {
		agg_fail(agg, AGG_BUSY);
		agg_done(agg, agg->err, 0);
		return;
	}
	agg->pending++;
}

/*
 * Whether the batch read is a backlog: its last entry written AGG_BEHIND_MS
 * ago or more (by Redis's clock, against ours: a skew of seconds only picks
 * the chunk size).
 */
static int
agg_behind(const struct scorecard_agg *agg)
{
	unsigned long long at;

	if (agg->nentries == 0)
		return 0;
	at = strtoull(agg_str(agg, agg->entries[agg->nentries - 1].id), NULL, 10);
	return sys_now_ms() - (int64_t)at >= AGG_BEHIND_MS;
}

/* Every command of the phase has answered: on to the next phase. */
static void
agg_advance(struct scorecard_agg *agg)
{
	if (agg->pending > 0)
		return;
	if (agg->err != NULL) {
		agg_done(agg, agg->err, 0);
		return;
	}
	switch (agg->phase) {
	case AGG_READ:
		if (strcmp(agg->seen, agg->cursor) != 0) {
			agg_moved(agg, agg->seen);
			return;
		}
		agg->chunk = agg_behind(agg) ? AGG_CHUNK_BEHIND : AGG_CHUNK;
		agg_fetch_leads(agg);
		break;
	case AGG_LEADS:
		if (agg->sent_want < agg->nwant)
			agg_fetch_leads(agg);
		else
			agg_fold(agg);
		break;
	case AGG_FOLD:
	case AGG_UNTOUCHED:
	case AGG_SPREAD:
	case AGG_APPLY:
	case AGG_IDLE:
		break;
	}
}

static void
agg_run(evutil_socket_t fd, short what, void *arg)
{
	struct scorecard_agg *agg = arg;

	(void)fd;
	(void)what;
	if (agg->phase != AGG_IDLE || (agg->stopped && agg->waiting == NULL))
		return;
	agg->serving = agg->waiting;
	agg->waiting = NULL;
	agg->reads = 0;
	agg_read(agg);
}

struct scorecard_agg *
scorecard_agg_new(struct server *srv)
{
	struct scorecard_agg *agg = xcalloc(1, sizeof(*agg));
	const char *prefix = srv->conf->redis.prefix;

	agg->srv = srv;
	agg->timer = evtimer_new(srv->base, agg_run, agg);
	agg->slice = event_new(srv->base, -1, 0, agg_on_slice, agg);
	agg->k_cursor = xasprintf("%s:sc:cursor", prefix);
	agg->k_events = xasprintf("%s:events", prefix);
	agg->k_lead = xasprintf("%s:lead:", prefix);
	agg->cursor = xstrdup("0-0");	/* the first read learns the real one */
	return agg;
}

void
scorecard_agg_start(struct scorecard_agg *agg)
{
	agg->stopped = 0;
	agg_arm(agg, 0);
}

void
scorecard_agg_stop(struct scorecard_agg *agg)
{
	agg->stopped = 1;
	if (agg->waiting == NULL)
		evtimer_del(agg->timer);
}

void
scorecard_agg_catch_up(struct scorecard_agg *agg, scorecard_agg_cb *cb, void *arg)
{
	struct agg_waiter *w = xcalloc(1, sizeof(*w)), **tail = &agg->waiting;

	w->cb = cb;
	w->arg = arg;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = w;
	if (agg->phase == AGG_IDLE)
		agg_arm(agg, 0);
}

static void
agg_waiters_free(struct agg_waiter *w)
{
	struct agg_waiter *next;

	for (; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
}

void
scorecard_agg_free(struct scorecard_agg *agg)
{
	if (agg == NULL)
		return;
	event_free(agg->timer);
	event_free(agg->slice);
	agg_batch_reset(agg);
	agg_waiters_free(agg->waiting);
	agg_waiters_free(agg->serving);
	buf_free(&agg->arena);
	free(agg->entries);
	free(agg->pairs);
	free(agg->want);
	free(agg->k_cursor);
	free(agg->k_events);
	free(agg->k_lead);
	free(agg->cursor);
	free(agg);
}
