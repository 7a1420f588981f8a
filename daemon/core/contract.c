/*
 * contract.c — the two-way SLA: each side's commitments with their targets
 * over a period, beside the scorecard's figures for it. The actuals are the
 * scorecard's own (formatted the same way), so the contract and the
 * scorecard never disagree; a target is met when the figure as shown meets
 * the target as shown.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/contract.h"
#include "leadroute/tz.h"
#include "leadroute/util.h"

#define DAY_MS	86400000LL

const struct contract_term_def contract_terms[TERM_COUNT] = {
	[TERM_QUALIFIED] = { .id = "qualified_per_month", .side = CONTRACT_MARKETING,
	    .label = "Qualified leads", .bound = "min", .unit = "leads", .limit = 1e9,
	    .monthly = 1 },
	[TERM_ACCEPTANCE] = { .id = "acceptance_rate_pct", .side = CONTRACT_MARKETING,
	    .label = "Leads accepted by sales", .bound = "min", .unit = "pct", .limit = 100 },
	[TERM_COMPLETE] = { .id = "complete_pct", .side = CONTRACT_MARKETING,
	    .label = "Leads passed with complete records", .bound = "min", .unit = "pct",
	    .limit = 100 },
	[TERM_FIRST_TOUCH] = { .id = "first_touch_median", .side = CONTRACT_SALES,
	    .label = "Median time to first touch", .bound = "max", .unit = "ms",
	    .limit = 366.0 * DAY_MS, .duration = 1 },
	[TERM_TOUCHES_LOST] = { .id = "touches_before_lost", .side = CONTRACT_SALES,
	    .label = "Touches before a lead is closed lost", .bound = "min", .unit = "touches",
	    .limit = 1000 },
	[TERM_DISPOSITION] = { .id = "disposition_pct", .side = CONTRACT_SALES,
	    .label = "Leads dispositioned with a reason", .bound = "min", .unit = "pct",
	    .limit = 100 },
};

double
contract_scale_monthly(double per_month, int64_t from_ms, int64_t to_ms)
{
	double months = 0;
	int64_t t = from_ms, start, next, end;
	int y, m, d;

	while (t < to_ms) {
		tz_civil_from_days(t >= 0 ? t / DAY_MS : (t - DAY_MS + 1) / DAY_MS, &y, &m, &d);
		start = tz_days_from_civil(y, m, 1) * DAY_MS;
		next = tz_days_from_civil(m == 12 ? y + 1 : y, m % 12 + 1, 1) * DAY_MS;
		end = next < to_ms ? next : to_ms;
		months += (double)(end - t) / (double)(next - start);
		t = end;
	}
	return per_month * months;
}

void
contract_format_target(double v, char out[32])
{
	size_t len;

	len = (size_t)snprintf(out, 32, "%.1f", floor(v * 10 + 0.5) / 10);
	if (len > 2 && strcmp(out + len - 2, ".0") == 0)
		out[len - 2] = '\0';
}

/* The figure of the scorecard a commitment is measured by, as the scorecard shows it. */
static void
contract_actual(const struct conf_contract_term *t, enum conf_term k,
    const struct scorecard *sc, char out[32])
{
	struct scorecard_summary s;
	const char *v = NULL;

	if (k == TERM_QUALIFIED) {
		util_format_int(out, scorecard_qualified(sc, (const char *const *)t->grades,
		    t->ngrades));
		return;
	}
	scorecard_summarize(sc, &s);
	switch (k) {
	case TERM_ACCEPTANCE:
		v = s.acceptance_pct;
		break;
	case TERM_COMPLETE:
		v = s.complete_pct;
		break;
	case TERM_FIRST_TOUCH:
		v = s.ttft_median;
		break;
	case TERM_TOUCHES_LOST:
		v = s.touches_before_lost;
		break;
	case TERM_DISPOSITION:
		v = s.disposition_pct;
		break;
	case TERM_QUALIFIED:
	case TERM_COUNT:
		break;
	}
	snprintf(out, 32, "%s", v != NULL ? v : "");
}

void
contract_verdict(const struct conf_contract *c, enum conf_term k, const struct scorecard *sc,
    int64_t from_ms, int64_t to_ms, struct contract_verdict *out)
{
	const struct contract_term_def *def = &contract_terms[k];
	const struct conf_contract_term *t = &c->term[k];
	char shown[32];
	double actual, target;

	target = def->monthly ? contract_scale_monthly(t->target, from_ms, to_ms) : t->target;
	contract_format_target(target, shown);
	out->target = strtod(shown, NULL);
	contract_actual(t, k, sc, out->actual);
	if (out->actual[0] == '\0') {
		out->met = -1;
		return;
	}
	actual = strtod(out->actual, NULL);
	out->met = strcmp(def->bound, "min") == 0 ? actual >= out->target : actual <= out->target;
}

/* A target: {"min"|"max": value, "unit", and for qualified leads per_month and grades}. */
static void
contract_write_target(const struct conf_contract_term *t, enum conf_term k, double value,
    struct jsonw *w)
{
	const struct contract_term_def *def = &contract_terms[k];
	char num[32];
	size_t i;

	jsonw_begin_object(w, "target");
	contract_format_target(value, num);
	jsonw_raw(w, def->bound, num, strlen(num));
	jsonw_string(w, "unit", def->unit);
	if (def->monthly) {
		contract_format_target(t->target, num);
		jsonw_raw(w, "per_month", num, strlen(num));
	}
	if (k == TERM_QUALIFIED) {
		jsonw_begin_array(w, "grades");
		for (i = 0; i < t->ngrades; i++)
			jsonw_string(w, NULL, t->grades[i]);
		jsonw_end_array(w);
	}
	jsonw_end_object(w);
}

/* A verdict's actual and met, null without data. */
static void
contract_write_verdict(const struct contract_verdict *v, struct jsonw *w)
{
	if (v->met < 0) {
		jsonw_null(w, "actual");
		jsonw_null(w, "met");
	} else {
		jsonw_raw(w, "actual", v->actual, strlen(v->actual));
		jsonw_bool(w, "met", v->met);
	}
}

/* What contract_write writes: the periods' scorecards (none: targets only). */
struct contract_scope {
	const struct scorecard	*sc;		/* NULL: the targets as configured */
	int64_t			 from, to;
	const struct scorecard	*prev;		/* NULL: no "previous" member */
	int64_t			 pfrom, pto;
};

/* Both sides' arrays, as members of the object w has open. */
static void
contract_write(const struct conf_contract *c, const struct contract_scope *sp, struct jsonw *w)
{
	static const char *const sides[] = { "marketing", "sales" };
	struct contract_verdict v;
	char num[32];
	size_t side, k;

	for (side = 0; side < LR_NELEM(sides); side++) {
		jsonw_begin_array(w, sides[side]);
		for (k = 0; k < TERM_COUNT; k++) {
			const struct contract_term_def *def = &contract_terms[k];

			if (!c->term[k].set || def->side != (enum contract_side)side)
				continue;
			jsonw_begin_object(w, NULL);
			jsonw_string(w, "id", def->id);
			jsonw_string(w, "label", def->label);
			if (sp->sc == NULL) {
				contract_write_target(&c->term[k], k, c->term[k].target, w);
			} else {
				contract_verdict(c, k, sp->sc, sp->from, sp->to, &v);
				contract_write_target(&c->term[k], k, v.target, w);
				contract_write_verdict(&v, w);
			}
			if (sp->prev != NULL) {
				contract_verdict(c, k, sp->prev, sp->pfrom, sp->pto, &v);
				jsonw_begin_object(w, "previous");
				contract_format_target(v.target, num);
				jsonw_raw(w, "target", num, strlen(num));
				contract_write_verdict(&v, w);
				jsonw_end_object(w);
			}
			jsonw_end_object(w);
		}
		jsonw_end_array(w);
	}
}

void
contract_write_targets(const struct conf_contract *c, struct jsonw *w)
{
	struct contract_scope sp = { 0 };

	contract_write(c, &sp, w);
}

void
contract_write_actuals(const struct conf_contract *c, const struct scorecard *sc,
    int64_t from_ms, int64_t to_ms, struct jsonw *w)
{
	struct contract_scope sp = { .sc = sc, .from = from_ms, .to = to_ms };

	contract_write(c, &sp, w);
}

void
contract_write_review(const struct conf_contract *c, const struct scorecard *sc,
    int64_t from_ms, int64_t to_ms, const struct scorecard *prev, int64_t pfrom_ms,
    int64_t pto_ms, struct jsonw *w)
{
	struct contract_scope sp = { .sc = sc, .from = from_ms, .to = to_ms, .prev = prev,
	    .pfrom = pfrom_ms, .pto = pto_ms };

	contract_write(c, &sp, w);
}
