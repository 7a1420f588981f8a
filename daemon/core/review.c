/*
 * review.c — the weekly review of the two-way SLA: when a digest is due, the
 * period it covers, the digest (JSON: what GET /v1/review answers and the
 * outbox job carries) and the Slack and email messages written from it.
 * Every figure is the scorecard's, formatted as the scorecard formats it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/contract.h"
#include "leadroute/review.h"
#include "leadroute/tstamp.h"
#include "leadroute/tz.h"
#include "leadroute/util.h"

#define HOUR_MS		3600000LL
#define DAY_MS		(24 * HOUR_MS)
#define REVIEW_TOP	3	/* rejection reasons shown */

/* Floor division, so instants before 1970 work too. */
static int64_t
review_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

/* The instant of a local wall time (days since 1970, seconds into the day); zone NULL: UTC. */
static int64_t
review_local(const struct tz_zone *zone, int64_t days, int32_t s)
{
	return zone != NULL ? tz_local_to_utc(zone, days, s) : days * DAY_MS + (int64_t)s * 1000;
}

void
review_due(const struct conf_review *r, int64_t now_ms, int64_t *last, int64_t *next)
{
	struct tz_civil c;
	int64_t day, step;

	if (r->every == REVIEW_INTERVAL) {
		*last = review_floor_div(now_ms, r->interval_ms) * r->interval_ms;
		*next = *last + r->interval_ms;
		return;
	}
	if (r->zone != NULL) {
		tz_civil(r->zone, now_ms, &c);
	} else {
		c.days = review_floor_div(now_ms, DAY_MS);
		c.wday = (int)(((c.days + 3) % 7 + 7) % 7);	/* 1970-01-01 was a Thursday */
	}
	step = r->every == REVIEW_WEEKLY ? 7 : 1;
	day = r->every == REVIEW_WEEKLY ? c.days - (c.wday - r->wday + 7) % 7 : c.days;
	if (review_local(r->zone, day, r->at_s) > now_ms)
		day -= step;
	*last = review_local(r->zone, day, r->at_s);
	*next = review_local(r->zone, day + step, r->at_s);
}

void
review_period(const struct conf_review *r, int64_t due_ms, int64_t *from, int64_t *to)
{
	*to = -review_floor_div(-due_ms, HOUR_MS) * HOUR_MS;
	*from = *to - r->period_ms;
}

/* A figure of the summary: its id, label, unit and where it is. */
struct review_figure {
	const char	*id;
	const char	*label;
	const char	*unit;		/* leads, ms, pct, amount */
	size_t		 off;		/* a char[32] of struct scorecard_summary, or ... */
	int		 count;		/* ... an int64_t */
};

#define FIG_S(m) offsetof(struct scorecard_summary, m), 0
#define FIG_N(m) offsetof(struct scorecard_summary, m), 1

static const struct review_figure review_figures[] = {
	{ "leads_received", "Leads received", "leads", FIG_N(received) },
	{ "leads_routed", "Leads routed", "leads", FIG_N(routed) },
	{ "time_to_route_median_ms", "Time to route, median", "ms", FIG_S(ttr_median) },
	{ "time_to_route_p90_ms", "Time to route, p90", "ms", FIG_S(ttr_p90) },
	{ "time_to_first_touch_median_ms", "Time to first touch, median", "ms", FIG_S(ttft_median) },
	{ "time_to_first_touch_p90_ms", "Time to first touch, p90", "ms", FIG_S(ttft_p90) },
	{ "routed_within_sla_pct", "Routed within SLA", "pct", FIG_S(route_sla_pct) },
	{ "first_touched_within_sla_pct", "First-touched within SLA", "pct", FIG_S(touch_sla_pct) },
	{ "acceptance_rate_pct", "Acceptance rate", "pct", FIG_S(acceptance_pct) },
	{ "rejection_rate_pct", "Rejection rate", "pct", FIG_S(rejection_pct) },
	{ "won_amount", "Won", "amount", FIG_S(won_amount) },
};

/* A figure's value in a summary, as JSON (null when there is no data). */
static void
review_figure_json(struct jsonw *w, const char *key, const struct review_figure *f,
    const struct scorecard_summary *s)
{
	const char *p = (const char *)s + f->off;

	if (f->count)
		jsonw_int(w, key, *(const int64_t *)(const void *)p);
	else if (p[0] == '\0')
		jsonw_null(w, key);
	else
		jsonw_raw(w, key, p, strlen(p));
}

/* The most frequent rejection reasons of the period, with the period before's counts. */
static void
review_rejections_json(const struct conf *conf, const struct scorecard *cur,
    const struct scorecard *prev, struct jsonw *w)
{
	const struct conf_reason *reason;
	const char *codes[REVIEW_TOP];
	int64_t counts[REVIEW_TOP];
	size_t i, n;

	n = scorecard_top_rejections(cur, REVIEW_TOP, codes, counts);
	jsonw_begin_array(w, "top_rejections");
	for (i = 0; i < n; i++) {
		reason = conf_find_reason(conf->lifecycle.reject, conf->lifecycle.nreject, codes[i]);
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "code", codes[i]);
		jsonw_string(w, "label", reason != NULL ? reason->label : codes[i]);
		jsonw_int(w, "count", counts[i]);
		jsonw_int(w, "previous", scorecard_count(prev, "reject:", codes[i]));
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

void
review_write_json(const struct conf *conf, const struct scorecard *cur,
    const struct scorecard *prev, int64_t due_ms, const int64_t from[2], const int64_t to[2],
    struct jsonw *w)
{
	struct scorecard_summary s[2];
	char t[TSTAMP_LEN];
	size_t i;

	scorecard_summarize(cur, &s[0]);
	scorecard_summarize(prev, &s[1]);
	jsonw_time(w, "due_at", due_ms);
	tstamp_format(from[0], t);
	jsonw_string(w, "from", t);
	tstamp_format(to[0], t);
	jsonw_string(w, "to", t);
	jsonw_begin_object(w, "previous");
	tstamp_format(from[1], t);
	jsonw_string(w, "from", t);
	tstamp_format(to[1], t);
	jsonw_string(w, "to", t);
	jsonw_end_object(w);
	jsonw_begin_object(w, "contract");
	contract_write_review(&conf->contract, cur, from[0], to[0], prev, from[1], to[1], w);
	jsonw_end_object(w);
	jsonw_begin_array(w, "figures");
	for (i = 0; i < LR_NELEM(review_figures); i++) {
		const struct review_figure *f = &review_figures[i];

		jsonw_begin_object(w, NULL);
		jsonw_string(w, "id", f->id);
		jsonw_string(w, "label", f->label);
		jsonw_string(w, "unit", f->unit);
		review_figure_json(w, "value", f, &s[0]);
		review_figure_json(w, "previous", f, &s[1]);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	review_rejections_json(conf, cur, prev, w);
}

/* A number of the digest as text in its unit ("42.9%", "1h 5m", "12"); "n/a" for null. */
static void
review_value(struct buf *b, const json_t *v, const char *unit)
{
	double x;
	int64_t ms;

	if (!json_is_number(v)) {
		buf_appendf(b, "n/a");
		return;
	}
	x = json_number_value(v);
	if (strcmp(unit, "ms") == 0) {
		ms = (int64_t)x;
		if (ms < 1000)
			buf_appendf(b, "%lld ms", (long long)ms);
		else if (ms < 60000)
			buf_appendf(b, "%.1f s", (double)ms / 1000);
		else if (ms < HOUR_MS)
			buf_appendf(b, "%lld min", (long long)(ms / 60000));
		else if (ms < DAY_MS && ms % HOUR_MS < 60000)
			buf_appendf(b, "%lld h", (long long)(ms / HOUR_MS));
		else if (ms < DAY_MS)
			buf_appendf(b, "%lld h %lld min", (long long)(ms / HOUR_MS),
			    (long long)(ms % HOUR_MS / 60000));
		else
			buf_appendf(b, "%lld d %lld h", (long long)(ms / DAY_MS),
			    (long long)(ms % DAY_MS / HOUR_MS));
	} else if (json_is_integer(v)) {
		buf_appendf(b, "%lld%s", (long long)json_integer_value(v),
		    strcmp(unit, "pct") == 0 ? "%" : "");
	} else {
		buf_appendf(b, "%.15g%s", x, strcmp(unit, "pct") == 0 ? "%" : "");
	}
}

/* Append s, with HTML's or Slack's special characters escaped (html 0: Slack's). */
static void
review_escape(struct buf *b, const char *s, int html)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '&')
			buf_appendf(b, "&amp;");
		else if (*s == '<')
			buf_appendf(b, "&lt;");
		else if (*s == '>')
			buf_appendf(b, "&gt;");
		else if (*s == '"' && html)
			buf_appendf(b, "&quot;");
		else
			buf_append(b, s, 1);
	}
}

/* How a message is written: Slack's mrkdwn, plain text or HTML. */
enum review_style { STYLE_SLACK, STYLE_TEXT, STYLE_HTML };

static const char *
review_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/* "2026-07-01 – 2026-07-08" from a digest's (or previous's) from and to. */
static void
review_range(struct buf *b, const json_t *o)
{
	buf_appendf(b, "%.10s – %.10s", review_str(o, "from"), review_str(o, "to"));
}

/* Commitments met, of those with data; the subject and Slack's text say it. */
static void
review_tally(const json_t *digest, int *met, int *total)
{
	static const char *const sides[] = { "marketing", "sales" };
	const json_t *side, *c;
	size_t i, j;

	*met = *total = 0;
	for (i = 0; i < LR_NELEM(sides); i++) {
		side = json_object_get(json_object_get(digest, "contract"), sides[i]);
		json_array_foreach(side, j, c) {
			(*total)++;
			*met += json_is_true(json_object_get(c, "met"));
		}
	}
}

/* "✅" met, "❌" missed, "–" no data. */
static const char *
review_mark(const json_t *met)
{
	return json_is_true(met) ? "\u2705" : json_is_false(met) ? "\u274c" : "\u2013";
}

/* One commitment's line: mark, label, actual, target, the period before. */
static void
review_commitment(struct buf *b, const json_t *c, enum review_style st)
{
	const json_t *target = json_object_get(c, "target");
	const json_t *prev = json_object_get(c, "previous");
	const char *unit = review_str(target, "unit");
	const json_t *bound = json_object_get(target, "min");
	const char *op = "\u2265";	/* ≥ */
	const json_t *grades = json_object_get(target, "grades"), *g;
	size_t i;

	if (bound == NULL) {
		bound = json_object_get(target, "max");
		op = "\u2264";		/* ≤ */
	}
	buf_appendf(b, "%s ", review_mark(json_object_get(c, "met")));
	review_escape(b, review_str(c, "label"), st == STYLE_HTML);
	json_array_foreach(grades, i, g) {
		buf_appendf(b, i == 0 ? " (" : ", ");
		review_escape(b, json_string_value(g), st == STYLE_HTML);
		buf_appendf(b, i + 1 == json_array_size(grades) ? ")" : "");
	}
	buf_appendf(b, st == STYLE_SLACK ? ": *" : st == STYLE_HTML ? ": <b>" : ": ");
	review_value(b, json_object_get(c, "actual"), unit);
	buf_appendf(b, st == STYLE_SLACK ? "*" : st == STYLE_HTML ? "</b>" : "");
	buf_appendf(b, " (target %s ", op);
	review_value(b, bound, unit);
	buf_appendf(b, "; previous ");
	review_value(b, json_object_get(prev, "actual"), unit);
	buf_appendf(b, " %s)", review_mark(json_object_get(prev, "met")));
}

/* One side's commitments, a line each; nothing when it has none. */
static void
review_side(struct buf *b, const json_t *digest, const char *side, const char *title,
    enum review_style st)
{
	const json_t *list = json_object_get(json_object_get(digest, "contract"), side), *c;
	size_t i;

	if (json_array_size(list) == 0)
		return;
	buf_appendf(b, st == STYLE_SLACK ? "*%s*\n" : st == STYLE_HTML ? "<h3>%s</h3>\n<ul>\n" :
	    "%s\n", title);
	json_array_foreach(list, i, c) {
		buf_appendf(b, st == STYLE_HTML ? "<li>" : st == STYLE_TEXT ? "  " : "");
		review_commitment(b, c, st);
		buf_appendf(b, st == STYLE_HTML ? "</li>\n" : "\n");
	}
	if (st == STYLE_HTML)
		buf_appendf(b, "</ul>\n");
}

/* The scorecard's key figures, then the top rejection reasons. */
static void
review_figures_text(struct buf *b, const json_t *digest, enum review_style st)
{
	const json_t *f, *list = json_object_get(digest, "figures");
	size_t i;

	buf_appendf(b, st == STYLE_SLACK ? "*Scorecard*\n" : st == STYLE_HTML ?
	    "<h3>Scorecard</h3>\n<ul>\n" : "Scorecard\n");
	json_array_foreach(list, i, f) {
		buf_appendf(b, st == STYLE_HTML ? "<li>" : st == STYLE_TEXT ? "  " : "");
		review_escape(b, review_str(f, "label"), st == STYLE_HTML);
		buf_appendf(b, st == STYLE_SLACK ? ": *" : st == STYLE_HTML ? ": <b>" : ": ");
		review_value(b, json_object_get(f, "value"), review_str(f, "unit"));
		buf_appendf(b, st == STYLE_SLACK ? "*" : st == STYLE_HTML ? "</b>" : "");
		buf_appendf(b, " (previous ");
		review_value(b, json_object_get(f, "previous"), review_str(f, "unit"));
		buf_appendf(b, st == STYLE_HTML ? ")</li>\n" : ")\n");
	}
	if (st == STYLE_HTML)
		buf_appendf(b, "</ul>\n");
}

static void
review_rejections_text(struct buf *b, const json_t *digest, enum review_style st)
{
	const json_t *r, *list = json_object_get(digest, "top_rejections");
	size_t i;

	buf_appendf(b, st == STYLE_SLACK ? "*Top rejection reasons*\n" : st == STYLE_HTML ?
	    "<h3>Top rejection reasons</h3>\n<ul>\n" : "Top rejection reasons\n");
	if (json_array_size(list) == 0)
		buf_appendf(b, st == STYLE_HTML ? "<li>none</li>\n" : st == STYLE_TEXT ?
		    "  none\n" : "none\n");
	json_array_foreach(list, i, r) {
		buf_appendf(b, st == STYLE_HTML ? "<li>" : st == STYLE_TEXT ? "  " : "\u2022 ");
		review_escape(b, review_str(r, "label"), st == STYLE_HTML);
		buf_appendf(b, ": %lld (previous %lld)%s",
		    (long long)json_integer_value(json_object_get(r, "count")),
		    (long long)json_integer_value(json_object_get(r, "previous")),
		    st == STYLE_HTML ? "</li>\n" : "\n");
	}
	if (st == STYLE_HTML)
		buf_appendf(b, "</ul>\n");
}

/* "Lead review 2026-07-01 – 2026-07-08: 4 of 6 commitments met" (no commitments: no tally). */
static char *
review_title(const json_t *digest)
{
	struct buf b = { 0 };
	int met, total;

	buf_appendf(&b, "Lead review ");
	review_range(&b, digest);
	review_tally(digest, &met, &total);
	if (total > 0)
		buf_appendf(&b, ": %d of %d commitments met", met, total);
	return b.data;
}

/* A section block of mrkdwn text. */
static json_t *
review_section(const char *text)
{
	return json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn",
	    "text", text);
}

json_t *
review_slack(const json_t *digest)
{
	json_t *blocks = json_array(), *msg;
	struct buf b = { 0 };
	char *title = review_title(digest);

	buf_appendf(&b, "Lead review ");
	review_range(&b, digest);
	json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text",
	    "type", "plain_text", "text", b.data));
	buf_reset(&b);
	buf_appendf(&b, "Due %s · leads that arrived in the period, against ",
	    review_str(digest, "due_at"));
	review_range(&b, json_object_get(digest, "previous"));
	json_array_append_new(blocks, json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
	    "elements", "type", "mrkdwn", "text", b.data));
	buf_reset(&b);
	review_side(&b, digest, "marketing", "Marketing's commitments", STYLE_SLACK);
	if (b.len > 0)
		json_array_append_new(blocks, review_section(b.data));
	buf_reset(&b);
	review_side(&b, digest, "sales", "Sales' commitments", STYLE_SLACK);
	if (b.len > 0)
		json_array_append_new(blocks, review_section(b.data));
	json_array_append_new(blocks, json_pack("{s:s}", "type", "divider"));
	buf_reset(&b);
	review_figures_text(&b, digest, STYLE_SLACK);
	json_array_append_new(blocks, review_section(b.data));
	buf_reset(&b);
	review_rejections_text(&b, digest, STYLE_SLACK);
	json_array_append_new(blocks, review_section(b.data));
	msg = json_pack("{s:s, s:o}", "text", title, "blocks", blocks);
	buf_free(&b);
	free(title);
	return msg;
}

void
review_mail(const json_t *digest, struct message_mail *out)
{
	struct buf text = { 0 }, html = { 0 };

	out->subject = review_title(digest);
	buf_appendf(&text, "%s\n\nLeads that arrived from %s to %s (due %s), against ",
	    out->subject, review_str(digest, "from"), review_str(digest, "to"),
	    review_str(digest, "due_at"));
	review_range(&text, json_object_get(digest, "previous"));
	buf_appendf(&text, ".\n\n");
	review_side(&text, digest, "marketing", "Marketing's commitments", STYLE_TEXT);
	review_side(&text, digest, "sales", "Sales' commitments", STYLE_TEXT);
	review_figures_text(&text, digest, STYLE_TEXT);
	review_rejections_text(&text, digest, STYLE_TEXT);
	buf_appendf(&html, "<!DOCTYPE html>\n<html><body>\n<h2>");
	review_escape(&html, out->subject, 1);
	buf_appendf(&html, "</h2>\n<p>Leads that arrived from %s to %s (due %s), against ",
	    review_str(digest, "from"), review_str(digest, "to"), review_str(digest, "due_at"));
	review_range(&html, json_object_get(digest, "previous"));
	buf_appendf(&html, ".</p>\n");
	review_side(&html, digest, "marketing", "Marketing's commitments", STYLE_HTML);
	review_side(&html, digest, "sales", "Sales' commitments", STYLE_HTML);
	review_figures_text(&html, digest, STYLE_HTML);
	review_rejections_text(&html, digest, STYLE_HTML);
	buf_appendf(&html, "</body></html>\n");
	out->text = text.data;
	out->html = html.data;
}
