/* scorecard.c — turn summed aggregate counters into scorecard figures (JSON and CSV). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/scorecard.h"
#include "leadroute/tz.h"

#define SC_HOUR_MS	3600000LL
#define SC_DAY_MS	86400000LL
#define SC_NUM		32		/* a formatted figure; "" stands for null */

/* The plain counters: the first slots, in this order. */
enum {
	SC_RECEIVED, SC_NURTURE, SC_COMPLETE, SC_ROUTED, SC_TOUCHED, SC_TOUCHES,
	SC_UNTOUCHED, SC_ACCEPTED, SC_REJECTED, SC_DISPOSITION, SC_RETURNING, SC_RE_ENGAGED,
	SC_BECAME_MQL, SC_QUALIFIED, SC_CLOSED_LOST, SC_LOST_TOUCHES, SC_NCOUNTERS
};

static const char *const sc_counter_names[SC_NCOUNTERS] = {
	"received", "nurture", "complete", "routed", "touched", "touches",
	"untouched", "accepted", "rejected", "disposition", "returning", "re_engaged", "became_mql",
	"qualified", "closed_lost", "lost_touches"
};

/* A duration histogram, sorted by bin. */
struct sc_hist {
	struct sc_bin {
		int64_t	 bin;
		int64_t	 count;
	}		*v;
	size_t		 n, cap;
};

struct sc_group {
	char		*key;		/* the value as it came */
	size_t		 keylen;
	char		*source;	/* attribution only: key split at \x1e */
	char		*event;
	int64_t		*v;		/* one count per slot */
	struct sc_hist	 ttr, ttft;
};

/* Groups sorted by key, so a field finds its group by binary search. */
struct sc_set {
	struct sc_group	**v;
	size_t		  n, cap;
};

/*
 * Every metric the report can use has a slot, named as the metric is: the
 * plain counters, then stage:<id> and amount:<id> for the stages, funnel, won
 * and pipeline stage, met:<c> and breached:<c> for the clocks plus the route
 * and touch clocks, reject:<code>, lost:<code> and qualified:<grade> (and
 * "qualified:" for leads of no grade). A metric without a slot is
 * one the report cannot show, so it is ignored.
 */
struct scorecard {
	struct scorecard_spec	 spec;
	char			*by;
	char			**names;	/* the metric name of each slot */
	size_t			 nslots;
	struct sc_group		*overall;
	struct sc_set		 groups, attrs;
};

/* Sums saturate: counts may be any int64, and overflow must not be undefined. */
static int64_t
sc_sum(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static uint64_t
sc_abs(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Floor division, so instants before 1970 land in the right bucket. */
static int64_t
sc_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

int64_t
scorecard_bin(int64_t ms)
{
	int64_t p = 1;

	if (ms < 0)
		return 0;
	while (ms / p >= 100)
		p *= 10;
	return ms / p * p;
}

void
scorecard_bucket_names(int64_t ms, char hour[32], char day[32], char month[32])
{
	int64_t days = sc_floor_div(ms, SC_DAY_MS);
	int y, m, d;

	tz_civil_from_days(days, &y, &m, &d);
	snprintf(hour, 32, "h:%lld", (long long)sc_floor_div(ms, SC_HOUR_MS));
	snprintf(day, 32, "d:%lld", (long long)days);
	snprintf(month, 32, "m:%04d%02d", y, m);
}

size_t
scorecard_buckets(int64_t from_ms, int64_t to_ms, char ***keys)
{
	char **v = NULL, hour[32], day[32], month[32], *name;
	size_t n = 0, cap = 0;
	int64_t t = from_ms, days, next;
	int y, m, d;

	while (t < to_ms) {
		scorecard_bucket_names(t, hour, day, month);
		days = sc_floor_div(t, SC_DAY_MS);
		tz_civil_from_days(days, &y, &m, &d);
		next = tz_days_from_civil(m == 12 ? y + 1 : y, m % 12 + 1, 1) * SC_DAY_MS;
		if (t == days * SC_DAY_MS && d == 1 && next <= to_ms)
			name = month;
		else if (t == days * SC_DAY_MS && (next = t + SC_DAY_MS) <= to_ms)
			name = day;
		else {
			/* An instant inside an hour (caller's bug) still ends on the next hour. */
			next = (sc_floor_div(t, SC_HOUR_MS) + 1) * SC_HOUR_MS;
			name = hour;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n++] = xstrdup(name);
		t = next;
	}
	*keys = v;
	return n;
}

static int
sc_is(const char *s, size_t len, const char *word)
{
	return word != NULL && strlen(word) == len && memcmp(s, word, len) == 0;
}

/* The slot of the metric s[0..len), or -1. */
static long
sc_slot(const struct scorecard *sc, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sc->nslots; i++)
		if (sc_is(s, len, sc->names[i]))
			return (long)i;
	return -1;
}

/* The count of metric prefix+id; 0 when there is no such slot. */
static int64_t
sc_val(const struct scorecard *sc, const struct sc_group *g, const char *prefix, const char *id)
{
	size_t pl = strlen(prefix), i;

	for (i = 0; id != NULL && i < sc->nslots; i++)
		if (strncmp(sc->names[i], prefix, pl) == 0 && strcmp(sc->names[i] + pl, id) == 0)
			return g->v[i];
	return 0;
}

/* Slots for p1+id and p2+id (p2 may be NULL) of each id not NULL, unless they have one. */
static void
sc_slots_add(struct scorecard *sc, const char *const *ids, size_t n, const char *p1,
    const char *p2)
{
	char *name;
	size_t i;
	int k;

	for (i = 0; i < n; i++)
		for (k = 0; k < 2 && ids[i] != NULL; k++) {
			if (k == 1 && p2 == NULL)
				break;
			name = xasprintf("%s%s", k == 0 ? p1 : p2, ids[i]);
			if (sc_slot(sc, name, strlen(name)) >= 0)
				free(name);
			else
				sc->names[sc->nslots++] = name;
		}
}

struct scorecard *
scorecard_new(const struct scorecard_spec *spec, const char *by)
{
	static const char *const ungraded = "";
	struct scorecard *sc = xcalloc(1, sizeof(*sc));

	sc->spec = *spec;
	sc->by = by != NULL ? xstrdup(by) : NULL;
	sc->names = xcalloc(SC_NCOUNTERS + 2 * (spec->nstages + spec->nfunnel + 2) +
	    2 * (spec->nclocks + 2) + spec->nreject + spec->nlost + spec->ngrades + 1,
	    sizeof(*sc->names));
	sc_slots_add(sc, sc_counter_names, SC_NCOUNTERS, "", NULL);
	sc_slots_add(sc, spec->stages, spec->nstages, "stage:", "amount:");
	sc_slots_add(sc, spec->funnel, spec->nfunnel, "stage:", "amount:");
	sc_slots_add(sc, &spec->won_stage, 1, "stage:", "amount:");
	sc_slots_add(sc, &spec->pipeline_stage, 1, "stage:", "amount:");
	sc_slots_add(sc, spec->clocks, spec->nclocks, "met:", "breached:");
	sc_slots_add(sc, &spec->route_clock, 1, "met:", "breached:");
	sc_slots_add(sc, &spec->touch_clock, 1, "met:", "breached:");
	sc_slots_add(sc, spec->reject, spec->nreject, "reject:", NULL);
	sc_slots_add(sc, spec->lost, spec->nlost, "lost:", NULL);
	sc_slots_add(sc, spec->grades, spec->ngrades, "qualified:", NULL);
	sc_slots_add(sc, &ungraded, 1, "qualified:", NULL);
	sc->overall = xcalloc(1, sizeof(*sc->overall));
	sc->overall->key = xstrdup("");
	sc->overall->v = xcalloc(sc->nslots, sizeof(int64_t));
	return sc;
}

static void
sc_group_free(struct sc_group *g)
{
	free(g->key);
	free(g->source);
	free(g->event);
	free(g->v);
	free(g->ttr.v);
	free(g->ttft.v);
	free(g);
}

void
scorecard_free(struct scorecard *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->groups.n; i++)
		sc_group_free(sc->groups.v[i]);
	for (i = 0; i < sc->attrs.n; i++)
		sc_group_free(sc->attrs.v[i]);
	for (i = 0; i < sc->nslots; i++)
		free(sc->names[i]);
	sc_group_free(sc->overall);
	free(sc->groups.v);
	free(sc->attrs.v);
	free(sc->names);
	free(sc->by);
	free(sc);
}

/* The group for a value, created on first sight. */
static struct sc_group *
sc_set_get(struct scorecard *sc, struct sc_set *set, const char *key, size_t len, int attr)
{
	size_t lo = 0, hi = set->n, mid;
	struct sc_group *g;
	const char *sep;
	int c;

	while (lo < hi) {
		g = set->v[mid = lo + (hi - lo) / 2];
		if ((c = memcmp(g->key, key, g->keylen < len ? g->keylen : len)) == 0)
			c = g->keylen < len ? -1 : g->keylen > len;
		if (c == 0)
			return g;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	g = xcalloc(1, sizeof(*g));
	g->key = xstrndup(key, len);
	g->keylen = len;
	g->v = xcalloc(sc->nslots, sizeof(int64_t));
	if (attr) {
		sep = memchr(key, '\x1e', len);
		g->source = xstrndup(key, (size_t)(sep - key));
		g->event = xstrndup(sep + 1, (size_t)(key + len - sep - 1));
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
	}
	memmove(set->v + lo + 1, set->v + lo, (set->n - lo) * sizeof(*set->v));
	set->v[lo] = g;
	set->n++;
	return g;
}

/* The bin of a "<prefix><bin>" metric (1 to 18 digits, so no overflow), or -1. */
static int64_t
sc_bin_of(const char *m, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix), i;
	int64_t bin = 0;

	if (len <= pl || len - pl > 18 || memcmp(m, prefix, pl) != 0)
		return -1;
	for (i = pl; i < len; i++) {
		if (m[i] < '0' || m[i] > '9')
			return -1;
		bin = bin * 10 + (m[i] - '0');
	}
	return bin;
}

static void
sc_hist_add(struct sc_hist *h, int64_t bin, int64_t count)
{
	size_t i;

	for (i = 0; i < h->n && h->v[i].bin < bin; i++)
		;
	if (i < h->n && h->v[i].bin == bin) {
		h->v[i].count = sc_sum(h->v[i].count, count);
		return;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 16;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	memmove(h->v + i + 1, h->v + i, (h->n - i) * sizeof(*h->v));
	h->v[i].bin = bin;
	h->v[i].count = count;
	h->n++;
}

void
scorecard_add(struct scorecard *sc, const char *field, size_t field_len, int64_t count)
{
	const char *end = field + field_len, *s1, *s2, *m;
	size_t dimlen, vlen, mlen;
	struct sc_group *g;
	int64_t ttr, ttft;
	long slot;
	int all, attr;

	if (field == NULL || memchr(field, '\0', field_len) != NULL ||
	    (s1 = memchr(field, '\x1f', field_len)) == NULL ||
	    (s2 = memchr(s1 + 1, '\x1f', (size_t)(end - s1 - 1))) == NULL)
		return;
	dimlen = (size_t)(s1 - field);
	vlen = (size_t)(s2 - s1 - 1);
	m = s2 + 1;
	mlen = (size_t)(end - m);
	/* Check the metric first: an ignored field must not create a group. */
	slot = sc_slot(sc, m, mlen);
	ttr = sc_bin_of(m, mlen, "ttr#");
	ttft = sc_bin_of(m, mlen, "ttft#");
	if (slot < 0 && ttr < 0 && ttft < 0)
		return;
	all = sc_is(field, dimlen, "all");
	attr = sc_is(field, dimlen, "attr");
	if (all && vlen == 0)
		g = sc->overall;
	else if (attr && memchr(s1 + 1, '\x1e', vlen) != NULL)
		g = sc_set_get(sc, &sc->attrs, s1 + 1, vlen, 1);
	else if (!all && !attr && sc_is(field, dimlen, sc->by))
		g = sc_set_get(sc, &sc->groups, s1 + 1, vlen, 0);
	else
		return;
	if (slot >= 0)
		g->v[slot] = sc_sum(g->v[slot], count);
	else if (ttr >= 0)
		sc_hist_add(&g->ttr, ttr, count);
	else
		sc_hist_add(&g->ttft, ttft, count);
}

/* A fixed-point magnitude with 1 or 2 decimals, trailing zeros and dot dropped. */
static void
sc_fixed(char out[SC_NUM], int neg, uint64_t mag, int decimals)
{
	uint64_t p = decimals == 2 ? 100 : 10;
	size_t len;

	len = (size_t)snprintf(out, SC_NUM, "%s%llu.%0*llu", neg && mag != 0 ? "-" : "",
	    (unsigned long long)(mag / p), decimals, (unsigned long long)(mag % p));
	while (out[len - 1] == '0')
		out[--len] = '\0';
	if (out[len - 1] == '.')
		out[--len] = '\0';
}

/*
 * scale*a/b rounded half away from zero, with decimals places; "" (null) when
 * b is 0. Integer arithmetic, so exact halves (1/16 -> 6.25% -> 6.3) always
 * round up; only operands beyond 1.8e16 fall back to long double.
 */
static void
sc_ratio(char out[SC_NUM], int64_t a, int64_t b, uint64_t scale, int decimals)
{
	uint64_t ua = sc_abs(a), ub = sc_abs(b), q, r;
	long double x;

	out[0] = '\0';
	if (b == 0)
		return;
	if (ua <= UINT64_MAX / scale) {
		q = ua * scale / ub;
		r = ua * scale % ub;
		q += r >= ub - r;
	} else {
		x = (long double)ua * (long double)scale / (long double)ub + 0.5L;
		q = x >= 18446744073709551615.0L ? UINT64_MAX : (uint64_t)x;
	}
	sc_fixed(out, (a < 0) != (b < 0), q, decimals);
}

/* A percentage with one decimal. */
static void
sc_pct(char out[SC_NUM], int64_t a, int64_t b)
{
	sc_ratio(out, a, b, 1000, 1);
}

/* Cents in, currency units out, exactly. */
static void
sc_amount(char out[SC_NUM], int64_t cents)
{
	sc_fixed(out, cents < 0, sc_abs(cents), 2);
}

void
scorecard_format_amount(int64_t cents, char out[32])
{
	sc_amount(out, cents);
}

struct sc_quant {
	int64_t	n;
	char	median[SC_NUM];
	char	p90[SC_NUM];
};

/*
 * Nearest rank: the first bin whose cumulative count reaches ceil(n/2) or
 * ceil(0.9 n), computed as n - n/2 and n - n/10 so they cannot overflow.
 */
static void
sc_quantiles(const struct sc_hist *h, struct sc_quant *q)
{
	int64_t cum = 0;
	size_t i;

	q->n = 0;
	q->median[0] = q->p90[0] = '\0';
	for (i = 0; i < h->n; i++)
		q->n = sc_sum(q->n, h->v[i].count);
	for (i = 0; q->n > 0 && i < h->n && q->p90[0] == '\0'; i++) {
		cum = sc_sum(cum, h->v[i].count);
		if (q->median[0] == '\0' && cum >= q->n - q->n / 2)
			util_format_int(q->median, h->v[i].bin);
		if (cum >= q->n - q->n / 10)
			util_format_int(q->p90, h->v[i].bin);
	}
}

/* A clock's met and breached counts and its met_pct. */
static void
sc_clock(const struct scorecard *sc, const struct sc_group *g, const char *clock,
    int64_t mb[2], char pct[SC_NUM])
{
	mb[0] = sc_val(sc, g, "met:", clock);
	mb[1] = sc_val(sc, g, "breached:", clock);
	sc_pct(pct, mb[0], sc_sum(mb[0], mb[1]));
}

/* People whose first lead arrived: the leads, less those of people seen before. */
static int64_t
sc_people(const struct sc_group *g)
{
	return sc_sum(g->v[SC_RECEIVED], g->v[SC_RETURNING] == INT64_MIN ? INT64_MAX :
	    -g->v[SC_RETURNING]);
}

/* The figures JSON and CSV share, already formatted. */
struct sc_figs {
	int64_t		received, sales, routed, won, mb[2];
	struct sc_quant	ttr, ttft;
	char		route_sla[SC_NUM], touch_sla[SC_NUM], untouched[SC_NUM];
	char		accept[SC_NUM], reject[SC_NUM], disposition[SC_NUM];
	char		complete[SC_NUM], touches[SC_NUM], lost_touches[SC_NUM];
	char		pipeline[SC_NUM], won_amount[SC_NUM];
};

static void
sc_figures(const struct scorecard *sc, const struct sc_group *g, struct sc_figs *f)
{
	const int64_t *v = g->v;

	f->received = v[SC_RECEIVED];
	f->sales = sc_sum(v[SC_RECEIVED], v[SC_NURTURE] == INT64_MIN ? INT64_MAX : -v[SC_NURTURE]);
	f->routed = v[SC_ROUTED];
	sc_quantiles(&g->ttr, &f->ttr);
	sc_quantiles(&g->ttft, &f->ttft);
	sc_clock(sc, g, sc->spec.route_clock, f->mb, f->route_sla);
	sc_clock(sc, g, sc->spec.touch_clock, f->mb, f->touch_sla);
	sc_pct(f->untouched, v[SC_UNTOUCHED], f->sales);
	sc_pct(f->accept, v[SC_ACCEPTED], v[SC_ROUTED]);
	sc_pct(f->reject, v[SC_REJECTED], v[SC_ROUTED]);
	sc_pct(f->disposition, v[SC_DISPOSITION], v[SC_ROUTED]);
	sc_pct(f->complete, v[SC_COMPLETE], v[SC_RECEIVED]);
	sc_ratio(f->touches, v[SC_TOUCHES], v[SC_TOUCHED], 100, 2);
	sc_ratio(f->lost_touches, v[SC_LOST_TOUCHES], v[SC_CLOSED_LOST], 100, 2);
	sc_amount(f->pipeline, sc_val(sc, g, "amount:", sc->spec.pipeline_stage));
	f->won = sc_val(sc, g, "stage:", sc->spec.won_stage);
	sc_amount(f->won_amount, sc_val(sc, g, "amount:", sc->spec.won_stage));
}

static void
sc_json_num(struct jsonw *w, const char *key, const char *num)
{
	if (num[0] == '\0')
		jsonw_null(w, key);
	else
		jsonw_raw(w, key, num, strlen(num));
}

static void
sc_json_quant(struct jsonw *w, const char *key, const struct sc_quant *q)
{
	jsonw_begin_object(w, key);
	jsonw_int(w, "count", q->n);
	sc_json_num(w, "median", q->median);
	sc_json_num(w, "p90", q->p90);
	jsonw_end_object(w);
}

/* An object of the counts of prefix+id, one member per id. */
static void
sc_json_counts(const struct scorecard *sc, const struct sc_group *g, struct jsonw *w,
    const char *key, const char *prefix, const char *const *ids, size_t n)
{
	size_t i;

	jsonw_begin_object(w, key);
	for (i = 0; i < n; i++)
		jsonw_int(w, ids[i], sc_val(sc, g, prefix, ids[i]));
	jsonw_end_object(w);
}

/* The figures as members of the object w has open. */
static void
sc_json_figures(const struct scorecard *sc, const struct sc_group *g, struct jsonw *w)
{
	const struct scorecard_spec *sp = &sc->spec;
	char num[SC_NUM];
	struct sc_figs f;
	int64_t mb[2];
	size_t i;

	sc_figures(sc, g, &f);
	jsonw_int(w, "leads_received", f.received);
	/* People, not leads: whose first lead arrived, and events that joined an open lead. */
	jsonw_int(w, "people_received", sc_people(g));
	jsonw_int(w, "re_engaged", g->v[SC_RE_ENGAGED]);
	jsonw_int(w, "became_mql", g->v[SC_BECAME_MQL]);
	jsonw_int(w, "sales_leads", f.sales);
	jsonw_int(w, "leads_routed", f.routed);
	sc_json_quant(w, "time_to_route_ms", &f.ttr);
	sc_json_quant(w, "time_to_first_touch_ms", &f.ttft);
	sc_json_num(w, "routed_within_sla_pct", f.route_sla);
	sc_json_num(w, "first_touched_within_sla_pct", f.touch_sla);
	sc_json_num(w, "untouched_pct", f.untouched);
	sc_json_num(w, "acceptance_rate_pct", f.accept);
	sc_json_num(w, "rejection_rate_pct", f.reject);
	sc_json_counts(sc, g, w, "rejections", "reject:", sp->reject, sp->nreject);
	sc_json_counts(sc, g, w, "lost_reasons", "lost:", sp->lost, sp->nlost);
	sc_json_num(w, "disposition_pct", f.disposition);
	sc_json_num(w, "complete_pct", f.complete);
	sc_json_num(w, "touches_per_worked_lead", f.touches);
	/* Marketing's qualified leads (MQLs, by the grade they qualified at) and sales' losses. */
	jsonw_int(w, "qualified_leads", g->v[SC_QUALIFIED]);
	sc_json_counts(sc, g, w, "qualified_by_grade", "qualified:", sp->grades, sp->ngrades);
	jsonw_int(w, "closed_lost", g->v[SC_CLOSED_LOST]);
	sc_json_num(w, "touches_before_lost", f.lost_touches);
	jsonw_begin_object(w, "sla");
	for (i = 0; i < sp->nclocks; i++) {
		sc_clock(sc, g, sp->clocks[i], mb, num);
		jsonw_begin_object(w, sp->clocks[i]);
		jsonw_int(w, "met", mb[0]);
		jsonw_int(w, "breached", mb[1]);
		sc_json_num(w, "met_pct", num);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	sc_json_counts(sc, g, w, "stages", "stage:", sp->stages, sp->nstages);
	jsonw_begin_array(w, "conversions");
	for (i = 0; i + 1 < sp->nfunnel; i++) {
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "from", sp->funnel[i]);
		jsonw_string(w, "to", sp->funnel[i + 1]);
		sc_pct(num, sc_val(sc, g, "stage:", sp->funnel[i + 1]),
		    sc_val(sc, g, "stage:", sp->funnel[i]));
		sc_json_num(w, "pct", num);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	sc_json_num(w, "pipeline_amount", f.pipeline);
	jsonw_int(w, "won", f.won);
	sc_json_num(w, "won_amount", f.won_amount);
}

void
scorecard_summarize(const struct scorecard *sc, struct scorecard_summary *out)
{
	const struct sc_group *g = sc->overall;
	struct sc_figs f;

	sc_figures(sc, g, &f);
	memset(out, 0, sizeof(*out));
	out->received = f.received;
	out->routed = f.routed;
	out->won = f.won;
	out->qualified = g->v[SC_QUALIFIED];
	out->closed_lost = g->v[SC_CLOSED_LOST];
	out->rejected = g->v[SC_REJECTED];
	memcpy(out->ttr_median, f.ttr.median, SC_NUM);
	memcpy(out->ttr_p90, f.ttr.p90, SC_NUM);
	memcpy(out->ttft_median, f.ttft.median, SC_NUM);
	memcpy(out->ttft_p90, f.ttft.p90, SC_NUM);
	memcpy(out->route_sla_pct, f.route_sla, SC_NUM);
	memcpy(out->touch_sla_pct, f.touch_sla, SC_NUM);
	memcpy(out->acceptance_pct, f.accept, SC_NUM);
	memcpy(out->rejection_pct, f.reject, SC_NUM);
	memcpy(out->disposition_pct, f.disposition, SC_NUM);
	memcpy(out->complete_pct, f.complete, SC_NUM);
	memcpy(out->touches_before_lost, f.lost_touches, SC_NUM);
	memcpy(out->won_amount, f.won_amount, SC_NUM);
}

int64_t
scorecard_count(const struct scorecard *sc, const char *prefix, const char *id)
{
	return sc_val(sc, sc->overall, prefix, id);
}

int64_t
scorecard_qualified(const struct scorecard *sc, const char *const *grades, size_t n)
{
	int64_t sum = 0;
	size_t i;

	if (n == 0)
		return sc->overall->v[SC_QUALIFIED];
	for (i = 0; i < n; i++)
		sum = sc_sum(sum, sc_val(sc, sc->overall, "qualified:", grades[i]));
	return sum;
}

size_t
scorecard_top_rejections(const struct scorecard *sc, size_t max, const char **codes,
    int64_t *counts)
{
	const struct scorecard_spec *sp = &sc->spec;
	size_t i, j, n = 0;
	int64_t c;

	for (i = 0; i < sp->nreject; i++) {
		if ((c = sc_val(sc, sc->overall, "reject:", sp->reject[i])) <= 0)
			continue;
		/* Insertion into the kept list, most first; a tie stays behind (config order). */
		for (j = n; j > 0 && counts[j - 1] < c; j--)
			if (j < max) {
				codes[j] = codes[j - 1];
				counts[j] = counts[j - 1];
			}
		if (j < max) {
			codes[j] = sp->reject[i];
			counts[j] = c;
			if (n < max)
				n++;
		}
	}
	return n;
}

/* A row being sorted for output: two keys descending, then two strings ascending. */
struct sc_row {
	struct sc_group	*g;
	int64_t		 k1, k2;
	const char	*s1, *s2;
};

static int
sc_row_cmp(const void *a, const void *b)
{
	const struct sc_row *x = a, *y = b;
	int c;

	if (x->k1 != y->k1)
		return x->k1 > y->k1 ? -1 : 1;
	if (x->k2 != y->k2)
		return x->k2 > y->k2 ? -1 : 1;
	if ((c = strcmp(x->s1, y->s1)) != 0)
		return c;
	return strcmp(x->s2, y->s2);
}

/*
 * Groups by leads received, then value; attribution by won amount, won,
 * source, event (strcmp compares bytes as unsigned). Caller frees the rows.
 */
static struct sc_row *
sc_sorted(const struct scorecard *sc, const struct sc_set *set, int attr)
{
	struct sc_row *rows = xcalloc(set->n, sizeof(*rows)), *r;
	size_t i;

	for (i = 0; i < set->n; i++) {
		r = &rows[i];
		r->g = set->v[i];
		r->k1 = attr ? sc_val(sc, r->g, "amount:", sc->spec.won_stage) :
		    r->g->v[SC_RECEIVED];
		r->k2 = attr ? sc_val(sc, r->g, "stage:", sc->spec.won_stage) : 0;
		r->s1 = attr ? r->g->source : r->g->key;
		r->s2 = attr ? r->g->event : "";
	}
	qsort(rows, set->n, sizeof(*rows), sc_row_cmp);
	return rows;
}

void
scorecard_write_json(struct scorecard *sc, struct jsonw *w)
{
	struct sc_row *rows;
	struct sc_group *g;
	char num[SC_NUM];
	size_t i;

	jsonw_begin_object(w, "overall");
	sc_json_figures(sc, sc->overall, w);
	jsonw_end_object(w);
	if (sc->by != NULL) {
		rows = sc_sorted(sc, &sc->groups, 0);
		jsonw_begin_array(w, "groups");
		for (i = 0; i < sc->groups.n; i++) {
			jsonw_begin_object(w, NULL);
			jsonw_string(w, sc->by, rows[i].g->keylen > 0 ? rows[i].g->key : NULL);
			sc_json_figures(sc, rows[i].g, w);
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
		free(rows);
	}

	rows = sc_sorted(sc, &sc->attrs, 1);
	jsonw_begin_array(w, "attribution");
	for (i = 0; i < sc->attrs.n; i++) {
		g = rows[i].g;
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "source", g->source[0] != '\0' ? g->source : NULL);
		jsonw_string(w, "event", g->event[0] != '\0' ? g->event : NULL);
		jsonw_int(w, "leads", g->v[SC_RECEIVED]);
		jsonw_int(w, "won", rows[i].k2);
		sc_amount(num, rows[i].k1);
		sc_json_num(w, "won_amount", num);
		sc_pct(num, rows[i].k2, g->v[SC_RECEIVED]);
		sc_json_num(w, "win_rate_pct", num);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	free(rows);
}

/*
 * The group cell: "" reads "(none)"; a leading = + - @ gets a "'" so a
 * spreadsheet does not run it as a formula; quoted per RFC 4180 when needed.
 */
static void
sc_csv_label(struct buf *out, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	const char *q;

	if (s[0] == '\0')
		s = "(none)";
	if (quote)
		buf_append(out, "\"", 1);
	if (strchr("=+-@", s[0]) != NULL)
		buf_append(out, "'", 1);
	for (; quote && (q = strchr(s, '"')) != NULL; s = q + 1) {
		buf_append(out, s, (size_t)(q - s + 1));
		buf_append(out, "\"", 1);
	}
	buf_append(out, s, strlen(s));
	if (quote)
		buf_append(out, "\"", 1);
}

static void
sc_csv_counts(const struct scorecard *sc, const struct sc_group *g, struct buf *out,
    const char *prefix, const char *const *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_appendf(out, ",%lld", (long long)sc_val(sc, g, prefix, ids[i]));
}

static void
sc_csv_row(const struct scorecard *sc, const struct sc_group *g, const char *label,
    struct buf *out)
{
	const struct scorecard_spec *sp = &sc->spec;
	char num[SC_NUM];
	struct sc_figs f;
	int64_t mb[2];
	size_t i;

	sc_figures(sc, g, &f);
	sc_csv_label(out, label);
	buf_appendf(out, ",%lld,%lld,%lld,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s",
	    (long long)f.received, (long long)f.sales, (long long)f.routed,
	    f.ttr.median, f.ttr.p90, f.ttft.median, f.ttft.p90, f.route_sla, f.touch_sla,
	    f.untouched, f.accept, f.reject, f.disposition, f.complete, f.touches);
	for (i = 0; i < sp->nclocks; i++) {
		sc_clock(sc, g, sp->clocks[i], mb, num);
		buf_appendf(out, ",%s", num);
	}
	sc_csv_counts(sc, g, out, "stage:", sp->stages, sp->nstages);
	for (i = 0; i + 1 < sp->nfunnel; i++) {
		sc_pct(num, sc_val(sc, g, "stage:", sp->funnel[i + 1]),
		    sc_val(sc, g, "stage:", sp->funnel[i]));
		buf_appendf(out, ",%s", num);
	}
	sc_csv_counts(sc, g, out, "reject:", sp->reject, sp->nreject);
	sc_csv_counts(sc, g, out, "lost:", sp->lost, sp->nlost);
	buf_appendf(out, ",%s,%lld,%s,%lld,%lld,%lld\r\n", f.pipeline, (long long)f.won,
	    f.won_amount, (long long)sc_people(g), (long long)g->v[SC_RE_ENGAGED],
	    (long long)g->v[SC_BECAME_MQL]);
}

/* Column names come from config ids, which need no quoting. */
void
scorecard_write_csv(struct scorecard *sc, struct buf *out)
{
	const struct scorecard_spec *sp = &sc->spec;
	struct sc_row *rows;
	size_t i;

	buf_appendf(out, "group,leads_received,sales_leads,leads_routed,ttr_median_ms,"
	    "ttr_p90_ms,ttft_median_ms,ttft_p90_ms,routed_within_sla_pct,"
	    "first_touched_within_sla_pct,untouched_pct,acceptance_rate_pct,"
	    "rejection_rate_pct,disposition_pct,complete_pct,touches_per_worked_lead");
	for (i = 0; i < sp->nclocks; i++)
		buf_appendf(out, ",sla_%s_met_pct", sp->clocks[i]);
	for (i = 0; i < sp->nstages; i++)
		buf_appendf(out, ",stage_%s", sp->stages[i]);
	for (i = 0; i + 1 < sp->nfunnel; i++)
		buf_appendf(out, ",conv_%s_%s_pct", sp->funnel[i], sp->funnel[i + 1]);
	for (i = 0; i < sp->nreject; i++)
		buf_appendf(out, ",reject_%s", sp->reject[i]);
	for (i = 0; i < sp->nlost; i++)
		buf_appendf(out, ",lost_%s", sp->lost[i]);
	buf_appendf(out, ",pipeline_amount,won,won_amount,people_received,re_engaged,"
	    "became_mql\r\n");

	sc_csv_row(sc, sc->overall, "(all)", out);
	if (sc->by == NULL)
		return;
	rows = sc_sorted(sc, &sc->groups, 0);
	for (i = 0; i < sc->groups.n; i++)
		sc_csv_row(sc, rows[i].g, rows[i].g->key, out);
	free(rows);
}
