/* scorecard_fold.c — sum what a batch of stream entries adds to the scorecard's aggregates. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/scorecard.h"
#include "leadroute/scorecard_fold.h"
#include "leadroute/util.h"

#define FOLD_SEP	"\x1f"	/* between value and metric in a field */
#define FOLD_ATTR_SEP	"\x1e"	/* between source and event in an attr value */
#define FOLD_EXACT	9007199254740992.0	/* 2^53: beyond it Lua's numbers lose units */

/* A hashed byte string; every item kept in a fold_map starts with one. */
struct fold_key {
	char		*s;
	size_t		 len;
	uint64_t	 hash;
};

/* Open addressing over pointers to items, so items never move. */
struct fold_map {
	struct fold_key	**slot;
	size_t		  cap;	/* a power of two, or 0 */
	size_t		  n;
};

enum fold_lead_state {
	LEAD_WANTED,	/* named by an entry, attributes not (yet) set: gone */
	LEAD_KNOWN,
	LEAD_GONE,
};

struct fold_lead {
	struct fold_key	 k;		/* the lead id */
	enum fold_lead_state state;
	int64_t		 received;
	char		*pool, *rule, *source, *event;
	int		 complete;
	char		 bucket[3][32];	/* hour, day, month of arrival */
	struct buf	 combo;		/* what its counts are grouped by, see fold_count */
	int		 uop;		/* untouched set: 0 untouched, 1 add, -1 remove */
	int64_t		 due;
};

/*
 * A sum per lead combination (arrival hour, pool, source, rule, event), acting
 * rep and metric: many entries of a batch share one, so the spreading over
 * dimensions and levels happens once per sum, not per entry.
 */
struct fold_count {
	struct fold_key	 k;		/* combo \0 rep \0 metric */
	struct fold_lead *lead;		/* the first lead of the combination */
	const char	*rep;		/* inside k.s */
	const char	*metric;	/* inside k.s */
	int64_t		 n;
	int		 attr;		/* also counts for the attr dimension */
};

struct fold_out {
	struct fold_key	 k;		/* key \0 field */
	struct scorecard_counter c;	/* pointing into k.s */
};

struct scorecard_fold {
	int64_t		  untouched_ms;
	struct fold_map	  leads;
	struct fold_map	  counts;
	struct fold_count **count_v;
	size_t		  ncount, count_cap;
	struct fold_lead **touched_v;	/* leads whose untouched state changed, in order */
	size_t		  ntouched, touched_cap;
	struct scorecard_untouched *untouched;
	struct fold_map	  outs;
	struct fold_out	**out_v;
	size_t		  nout, out_cap;
	struct scorecard_counter *counters;
	int		  dirty;	/* a count changed: the spreading starts over */
	size_t		  spread;	/* outs hold count_v[0 .. spread) spread */
	int		  built;	/* counters match outs */
	size_t		  entries;
	int64_t		  last_at;
	int		  have_last_at;
	struct buf	  scratch;
};

static struct fold_key *
fold_map_get(const struct fold_map *m, const char *s, size_t len, uint64_t hash)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = hash & (m->cap - 1); m->slot[i] != NULL; i = (i + 1) & (m->cap - 1)) {
		const struct fold_key *k = m->slot[i];

		if (k->hash == hash && k->len == len && memcmp(k->s, s, len) == 0)
			return m->slot[i];
	}
	return NULL;
}

/* Add an item whose key is not in the map yet. */
static void
fold_map_put(struct fold_map *m, struct fold_key *k)
{
	size_t i;

	if ((m->n + 1) * 4 > m->cap * 3) {
		struct fold_map bigger = { NULL, m->cap ? m->cap * 2 : 64, 0 };

		bigger.slot = xcalloc(bigger.cap, sizeof(*bigger.slot));
		for (i = 0; i < m->cap; i++)
			if (m->slot[i] != NULL)
				fold_map_put(&bigger, m->slot[i]);
		free(m->slot);
		*m = bigger;
	}
	for (i = k->hash & (m->cap - 1); m->slot[i] != NULL; i = (i + 1) & (m->cap - 1))
		;
	m->slot[i] = k;
	m->n++;
}

static void
fold_key_set(struct fold_key *k, const char *s, size_t len, uint64_t hash)
{
	k->s = xmalloc(len + 1);
	memcpy(k->s, s, len);
	k->s[len] = '\0';
	k->len = len;
	k->hash = hash;
}

/* Append p to a growable array of pointers. */
static void
fold_push(void ***v, size_t *n, size_t *cap, void *p)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof(**v));
	}
	(*v)[(*n)++] = p;
}

/*
 * A number as Lua 5.1's tonumber() reads it (strtod, a hex integer, spaces
 * around): 0, or -1 when s is not one.
 */
static int
fold_tonumber(const char *s, double *out)
{
	char *end;

	if (s == NULL)
		return -1;
	*out = strtod(s, &end);
	if (end == s)
		return -1;
	if (*end == 'x' || *end == 'X')
		*out = (double)strtoul(s, &end, 16);
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0' ? 0 : -1;
}

/* A time in whole epoch ms: 0, or -1 when s is not one. */
static int
fold_ms(const char *s, int64_t *ms)
{
	double v;

	if (fold_tonumber(s, &v) == -1 || !(fabs(v) <= FOLD_EXACT) || floor(v) != v)
		return -1;
	*ms = (int64_t)v;
	return 0;
}

void
scorecard_event_set(struct scorecard_event *ev, const char *name, size_t len, const char *value)
{
	static const struct {
		const char	*name;
		size_t		 off;
	} fields[] = {
#define F(m) { #m, offsetof(struct scorecard_event, m) }
		F(type), F(at), F(lead), F(rep), F(stage), F(to), F(amount), F(reason),
		F(clock), F(result), F(first), F(first_decision), F(closes), F(returning),
		F(mql), F(touches), F(met),
#undef F
	};
	size_t i;

	for (i = 0; i < LR_NELEM(fields); i++)
		if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0) {
			*(const char **)((char *)ev + fields[i].off) = value;
			return;
		}
}

struct scorecard_fold *
scorecard_fold_new(int64_t untouched_ms)
{
	struct scorecard_fold *fold = xcalloc(1, sizeof(*fold));

	fold->untouched_ms = untouched_ms;
	return fold;
}

static struct fold_lead *
fold_lead_get(struct scorecard_fold *fold, const char *id)
{
	size_t len = strlen(id);

	return (struct fold_lead *)fold_map_get(&fold->leads, id, len, util_hash(id, len));
}

int
scorecard_fold_want_lead(struct scorecard_fold *fold, const char *id)
{
	size_t len = strlen(id);
	uint64_t hash = util_hash(id, len);
	struct fold_lead *l;

	if (fold_map_get(&fold->leads, id, len, hash) != NULL)
		return 0;
	l = xcalloc(1, sizeof(*l));
	fold_key_set(&l->k, id, len, hash);
	l->state = LEAD_WANTED;
	fold_map_put(&fold->leads, &l->k);
	return 1;
}

/* Append s and a NUL to b: a component of a key that no string can blur with the next. */
static void
fold_key_part(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s) + 1);
}

void
scorecard_fold_set_lead(struct scorecard_fold *fold, const char *id,
    const struct scorecard_lead *lead)
{
	struct fold_lead *l;

	scorecard_fold_want_lead(fold, id);
	l = fold_lead_get(fold, id);
	if (l->state == LEAD_KNOWN) {
		free(l->pool);
		free(l->rule);
		free(l->source);
		free(l->event);
		buf_reset(&l->combo);
	}
	if (lead == NULL || fold_ms(lead->received_at, &l->received) == -1) {
		l->state = LEAD_GONE;
		return;
	}
	l->state = LEAD_KNOWN;
	l->pool = xstrdup(lead->pool);
	l->rule = xstrdup(lead->rule);
	l->source = xstrdup(lead->source);
	l->event = xstrdup(lead->event);
	l->complete = lead->complete;
	scorecard_bucket_names(l->received, l->bucket[0], l->bucket[1], l->bucket[2]);
	fold_key_part(&l->combo, l->bucket[0]);
	fold_key_part(&l->combo, l->pool);
	fold_key_part(&l->combo, l->source);
	fold_key_part(&l->combo, l->rule);
	fold_key_part(&l->combo, l->event);
}

/* Add n to the lead's sum for (rep, metric); attr: the metric counts for attr too. */
static void
fold_count(struct scorecard_fold *fold, struct fold_lead *l, const char *rep, const char *metric,
    int64_t n, int attr)
{
	struct buf *b = &fold->scratch;
	struct fold_count *c;
	uint64_t hash;

	buf_reset(b);
	buf_append(b, l->combo.data, l->combo.len);
	fold_key_part(b, rep != NULL ? rep : "");
	buf_append(b, metric, strlen(metric));
	hash = util_hash(b->data, b->len);
	c = (struct fold_count *)fold_map_get(&fold->counts, b->data, b->len, hash);
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		fold_key_set(&c->k, b->data, b->len, hash);
		c->lead = l;
		c->rep = c->k.s + l->combo.len;
		c->metric = c->rep + strlen(c->rep) + 1;
		fold_map_put(&fold->counts, &c->k);
		fold_push((void ***)&fold->count_v, &fold->ncount, &fold->count_cap, c);
	}
	c->n += n;
	c->attr |= attr;
	fold->dirty = 1;
}

/* fold_count with "<prefix><suffix>" as the metric. */
static void
fold_count2(struct scorecard_fold *fold, struct fold_lead *l, const char *rep,
    const char *prefix, const char *suffix, int64_t n, int attr)
{
	char *metric = xasprintf("%s%s", prefix, suffix);

	fold_count(fold, l, rep, metric, n, attr);
	free(metric);
}

/* Count a time since arrival in the histogram metric prefix ("ttr#"). */
static void
fold_count_duration(struct scorecard_fold *fold, struct fold_lead *l, const struct scorecard_event *ev,
    const char *prefix)
{
	char bin[24];
	int64_t at;

	if (fold_ms(ev->at, &at) == -1)
		return;
	util_format_int(bin, scorecard_bin(at - l->received));
	fold_count2(fold, l, ev->rep, prefix, bin, 1, 0);
}

/* A change to the lead's place in the untouched set; the last one wins. */
static void
fold_untouched(struct scorecard_fold *fold, struct fold_lead *l, int add)
{
	if (l->uop == 0)
		fold_push((void ***)&fold->touched_v, &fold->ntouched, &fold->touched_cap, l);
	l->uop = add ? 1 : -1;
	if (add)
		l->due = l->received + fold->untouched_ms;
}

/* Entering stage "to": accepted, rejected and stage entries. */
static void
fold_stage_entered(struct scorecard_fold *fold, struct fold_lead *l,
    const struct scorecard_event *ev)
{
	double amount;

	if (ev->to == NULL)
		return;
	fold_count2(fold, l, ev->rep, "stage:", ev->to, 1, 1);
	if (ev->amount != NULL && fold_tonumber(ev->amount, &amount) == 0) {
		/* As Lua did it: cents rounded half up, in doubles. */
		amount = floor(amount * 100 + 0.5);
		if (fabs(amount) <= FOLD_EXACT)
			fold_count2(fold, l, ev->rep, "amount:", ev->to, (int64_t)amount, 1);
	}
	if (ev->first_decision != NULL)
		fold_count(fold, l, ev->rep, "disposition", 1, 0);
}

/*
 * A lead held in nurture and routed later enters its stage then (its
 * assigned or queued event names it): a sales lead from that moment.
 */
static void
fold_entered_late(struct scorecard_fold *fold, struct fold_lead *l,
    const struct scorecard_event *ev)
{
	if (ev->stage == NULL)
		return;
	fold_count(fold, l, ev->rep, "nurture", -1, 0);	/* no longer a nurtured lead */
	fold_count2(fold, l, ev->rep, "stage:", ev->stage, 1, 1);
	fold_untouched(fold, l, 1);
}

/* A lead passed as an MQL (the entry carries its grade): marketing's qualified leads. */
static void
fold_qualified(struct scorecard_fold *fold, struct fold_lead *l,
    const struct scorecard_event *ev)
{
	if (ev->mql == NULL)
		return;
	fold_count(fold, l, ev->rep, "qualified", 1, 0);
	fold_count2(fold, l, ev->rep, "qualified:", ev->mql, 1, 0);
}

/* A lead closed lost with its reason, and the touches it had by then. */
static void
fold_lost(struct scorecard_fold *fold, struct fold_lead *l, const struct scorecard_event *ev)
{
	int64_t touches;

	fold_count2(fold, l, ev->rep, "lost:", ev->reason, 1, 0);
	fold_count(fold, l, ev->rep, "closed_lost", 1, 0);
	if (fold_ms(ev->touches, &touches) == 0 && touches >= 0)
		fold_count(fold, l, ev->rep, "lost_touches", touches, 0);
}

/*
 * Clocks a new lead met at once, named on its status entry (met: "route" or
 * "a,b"): each counts as a clock entry with result met would, for the
 * entry's rep.
 */
static void
fold_met(struct scorecard_fold *fold, struct fold_lead *l, const struct scorecard_event *ev)
{
	const char *p = ev->met, *comma;
	char name[128];
	size_t len;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len > 0 && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			fold_count2(fold, l, ev->rep, "met:", name, 1, 0);
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
}

void
scorecard_fold_add(struct scorecard_fold *fold, const struct scorecard_event *ev)
{
	struct fold_lead *l = NULL;
	const char *t = ev->type != NULL ? ev->type : "";
	int64_t at;

	fold->entries++;
	if (fold_ms(ev->at, &at) == 0) {
		fold->last_at = at;
		fold->have_last_at = 1;
	}
	if (ev->lead != NULL)
		l = fold_lead_get(fold, ev->lead);
	if (l == NULL || l->state != LEAD_KNOWN)
		return;
	if (strcmp(t, "received") == 0) {
		fold_count(fold, l, ev->rep, "received", 1, 1);
		/* People are leads less those of people seen before (rare). */
		if (ev->returning != NULL)
			fold_count(fold, l, ev->rep, "returning", 1, 1);
		if (l->complete)
			fold_count(fold, l, ev->rep, "complete", 1, 0);
		fold_qualified(fold, l, ev);
		if (ev->stage != NULL) {
			fold_count2(fold, l, ev->rep, "stage:", ev->stage, 1, 1);
			fold_untouched(fold, l, 1);
		}
	} else if (strcmp(t, "nurture") == 0) {
		fold_count(fold, l, ev->rep, "nurture", 1, 0);
		fold_met(fold, l, ev);
	} else if (strcmp(t, "re_engaged") == 0) {
		fold_count(fold, l, ev->rep, "re_engaged", 1, 0);
	} else if (strcmp(t, "became_mql") == 0) {
		fold_count(fold, l, ev->rep, "became_mql", 1, 0);
		fold_qualified(fold, l, ev);
	} else if (strcmp(t, "assigned") == 0) {
		fold_count(fold, l, ev->rep, "routed", 1, 0);
		fold_count_duration(fold, l, ev, "ttr#");
		fold_entered_late(fold, l, ev);
		fold_met(fold, l, ev);
	} else if (strcmp(t, "queued") == 0) {
		fold_entered_late(fold, l, ev);
		fold_met(fold, l, ev);
	} else if (strcmp(t, "touched") == 0) {
		fold_count(fold, l, ev->rep, "touches", 1, 0);
		if (ev->first != NULL) {
			fold_count(fold, l, ev->rep, "touched", 1, 0);
			fold_count_duration(fold, l, ev, "ttft#");
			fold_untouched(fold, l, 0);
		}
	} else if (strcmp(t, "accepted") == 0) {
		fold_count(fold, l, ev->rep, "accepted", 1, 0);
		fold_stage_entered(fold, l, ev);
	} else if (strcmp(t, "rejected") == 0) {
		fold_count(fold, l, ev->rep, "rejected", 1, 0);
		fold_count2(fold, l, ev->rep, "reject:", ev->reason != NULL ? ev->reason : "", 1, 0);
		fold_stage_entered(fold, l, ev);
		fold_untouched(fold, l, 0);
	} else if (strcmp(t, "stage") == 0) {
		if (ev->reason != NULL)
			fold_lost(fold, l, ev);
		fold_stage_entered(fold, l, ev);
		if (ev->closes != NULL)
			fold_untouched(fold, l, 0);
	} else if (strcmp(t, "clock") == 0) {
		if (ev->clock != NULL)
			fold_count2(fold, l, ev->rep, ev->result != NULL &&
			    strcmp(ev->result, "met") == 0 ? "met:" : "breached:", ev->clock, 1, 0);
	} else if (strcmp(t, "escalated") == 0) {
		if (ev->clock != NULL)
			fold_count2(fold, l, ev->rep, "breached:", ev->clock, 1, 0);
	}
}

/* A string and its length, measured once for the many keys it goes into. */
struct fold_part {
	const char	*s;
	size_t		 len;
};

static struct fold_part
fold_part(const char *s)
{
	struct fold_part p = { s, strlen(s) };

	return p;
}

/*
 * Add n to field "<value>\x1f<metric>" of the hash "<bucket>:<dim>". A batch
 * spreads each of its sums over three levels and six dimensions, so this runs
 * tens of thousands of times a batch: the key is copied together from parts
 * whose lengths are known, not formatted.
 */
static void
fold_out_add(struct scorecard_fold *fold, struct fold_part bucket, struct fold_part dim,
    struct fold_part value, struct fold_part metric, int64_t n)
{
	struct buf *b = &fold->scratch;
	struct fold_out *o;
	size_t keylen;
	uint64_t hash;

	buf_reset(b);
	buf_append(b, bucket.s, bucket.len);
	buf_append(b, ":", 1);
	buf_append(b, dim.s, dim.len);
	keylen = b->len;
	buf_append(b, "", 1);
	buf_append(b, value.s, value.len);
	buf_append(b, FOLD_SEP, 1);
	buf_append(b, metric.s, metric.len);
	hash = util_hash(b->data, b->len);
	o = (struct fold_out *)fold_map_get(&fold->outs, b->data, b->len, hash);
	if (o == NULL) {
		o = xcalloc(1, sizeof(*o));
		fold_key_set(&o->k, b->data, b->len, hash);
		o->c.key = o->k.s;
		o->c.field = o->k.s + keylen + 1;
		o->c.field_len = b->len - keylen - 1;
		fold_map_put(&fold->outs, &o->k);
		fold_push((void ***)&fold->out_v, &fold->nout, &fold->out_cap, o);
	}
	o->c.n += n;
}

static void
fold_outs_clear(struct scorecard_fold *fold)
{
	size_t i;

	for (i = 0; i < fold->nout; i++) {
		free(fold->out_v[i]->k.s);
		free(fold->out_v[i]);
	}
	fold->nout = 0;
	free(fold->outs.slot);
	memset(&fold->outs, 0, sizeof(fold->outs));
}

static int
fold_out_cmp(const void *a, const void *b)
{
	const struct fold_out *x = *(struct fold_out *const *)a, *y = *(struct fold_out *const *)b;
	size_t n = x->k.len < y->k.len ? x->k.len : y->k.len;
	int c = memcmp(x->k.s, y->k.s, n);	/* key \0 field: key first, then field */

	if (c != 0)
		return c;
	return x->k.len < y->k.len ? -1 : x->k.len > y->k.len;
}

#define FOLD_PART(lit)	((struct fold_part){ lit, sizeof(lit) - 1 })
#define DIM_ALL		FOLD_PART("all")
#define DIM_REP		FOLD_PART("rep")
#define DIM_POOL	FOLD_PART("pool")
#define DIM_SOURCE	FOLD_PART("source")
#define DIM_RULE	FOLD_PART("rule")
#define DIM_ATTR	FOLD_PART("attr")

/* Spread one sum over the hour, day and month of its leads' arrival, in every dimension. */
static void
fold_spread_one(struct scorecard_fold *fold, const struct fold_count *c)
{
	const struct fold_lead *l = c->lead;
	char *attr = xasprintf("%s" FOLD_ATTR_SEP "%s", l->source, l->event);
	struct fold_part metric = fold_part(c->metric), rep = fold_part(c->rep),
	    pool = fold_part(l->pool), source = fold_part(l->source),
	    rule = fold_part(l->rule), attr_p = fold_part(attr);
	size_t j;

	for (j = 0; j < 3; j++) {
		struct fold_part b = fold_part(l->bucket[j]);

		fold_out_add(fold, b, DIM_ALL, fold_part(""), metric, c->n);
		fold_out_add(fold, b, DIM_REP, rep, metric, c->n);
		fold_out_add(fold, b, DIM_POOL, pool, metric, c->n);
		fold_out_add(fold, b, DIM_SOURCE, source, metric, c->n);
		fold_out_add(fold, b, DIM_RULE, rule, metric, c->n);
		if (c->attr)
			fold_out_add(fold, b, DIM_ATTR, attr_p, metric, c->n);
	}
	free(attr);
}

int
scorecard_fold_spread(struct scorecard_fold *fold, size_t max)
{
	if (fold->dirty) {
		fold_outs_clear(fold);
		fold->spread = 0;
		fold->dirty = 0;
		fold->built = 0;
	}
	for (; fold->spread < fold->ncount && max > 0; fold->spread++, max--) {
		fold_spread_one(fold, fold->count_v[fold->spread]);
		fold->built = 0;
	}
	return fold->spread == fold->ncount;
}

size_t
scorecard_fold_counters(struct scorecard_fold *fold, const struct scorecard_counter **out)
{
	size_t i;

	scorecard_fold_spread(fold, SIZE_MAX);
	if (!fold->built) {
		if (fold->nout > 1)	/* out_v is NULL before the first sum */
			qsort(fold->out_v, fold->nout, sizeof(*fold->out_v), fold_out_cmp);
		free(fold->counters);
		fold->counters = xreallocarray(NULL, fold->nout, sizeof(*fold->counters));
		for (i = 0; i < fold->nout; i++)
			fold->counters[i] = fold->out_v[i]->c;
		fold->built = 1;
	}
	*out = fold->counters;
	return fold->nout;
}

size_t
scorecard_fold_untouched(struct scorecard_fold *fold, const struct scorecard_untouched **out)
{
	size_t i;

	free(fold->untouched);
	fold->untouched = xreallocarray(NULL, fold->ntouched, sizeof(*fold->untouched));
	for (i = 0; i < fold->ntouched; i++) {
		const struct fold_lead *l = fold->touched_v[i];

		fold->untouched[i].lead = l->k.s;
		fold->untouched[i].add = l->uop > 0;
		fold->untouched[i].due = l->uop > 0 ? l->due : 0;
	}
	*out = fold->untouched;
	return fold->ntouched;
}

int64_t
scorecard_fold_last_at(const struct scorecard_fold *fold, int64_t dflt)
{
	return fold->have_last_at ? fold->last_at : dflt;
}

size_t
scorecard_fold_entries(const struct scorecard_fold *fold)
{
	return fold->entries;
}

void
scorecard_fold_free(struct scorecard_fold *fold)
{
	size_t i;

	if (fold == NULL)
		return;
	fold_outs_clear(fold);
	for (i = 0; i < fold->ncount; i++) {
		free(fold->count_v[i]->k.s);
		free(fold->count_v[i]);
	}
	for (i = 0; i < fold->leads.cap; i++) {
		struct fold_lead *l = (struct fold_lead *)fold->leads.slot[i];

		if (l == NULL)
			continue;
		free(l->k.s);
		if (l->state == LEAD_KNOWN) {
			free(l->pool);
			free(l->rule);
			free(l->source);
			free(l->event);
		}
		buf_free(&l->combo);
		free(l);
	}
	free(fold->leads.slot);
	free(fold->counts.slot);
	free(fold->count_v);
	free(fold->touched_v);
	free(fold->untouched);
	free(fold->out_v);
	free(fold->counters);
	buf_free(&fold->scratch);
	free(fold);
}
