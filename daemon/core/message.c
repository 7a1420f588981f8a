/*
 * message.c — what a person reads about an event (docs/notifications.md,
 * "What a rep reads"). A rep told of a lead gets what they need to act
 * without opening anything else: who the person is, what they did, how
 * good a fit they are and why, why the lead came to this rep, when the first
 * touch is due in the rep's own time, a link, and the actions. An owner
 * whose person is back reads what they did now, their score now and every
 * running clock. Managers told of a breach get the same context. Pure: the
 * event and the config in, the text out, so every message is tested without
 * a network.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/actlink.h"
#include "leadroute/message.h"
#include "leadroute/tstamp.h"
#include "leadroute/util.h"
#include "leadroute/webhook.h"

#define VALUE_MAX	200	/* bytes of one outside value shown (a title, a company) */
#define HEADER_MAX	150	/* Slack's limit for a header's text */
#define REASONS_SHOWN	3	/* score reasons shown */
#define OPTION_MAX	75	/* Slack's limit for an option's text */
#define OPTIONS_MAX	100

static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
    "Sep", "Oct", "Nov", "Dec" };
static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

int
message_for_rep(const char *type)
{
	return strcmp(type, "lead.assigned") == 0 || strcmp(type, "lead.reassigned") == 0 ||
	    strcmp(type, "lead.re_engaged") == 0 || strcmp(type, "sla.reminder") == 0;
}

/* A string member, NULL when absent or empty. */
static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

/* s cut to at most max bytes, at a character boundary, with "…" when cut; malloc'd. */
static char *
cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return xstrdup(s);
	n = max - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return xasprintf("%.*s…", (int)n, s);
}

/* How outside text is written: as it is (text/plain), for Slack mrkdwn, for HTML. */
enum esc { ESC_NONE, ESC_SLACK, ESC_HTML };

/* Append s, at most VALUE_MAX bytes, escaped as the medium needs (&, <, > and for HTML "). */
static void
put(struct buf *b, const char *s, enum esc html)
{
	char *c = cut(s, VALUE_MAX);
	const char *p;

	for (p = c; *p != '\0'; p++) {
		if (html == ESC_NONE)
			buf_append(b, p, 1);
		else if (*p == '&')
			buf_append(b, "&amp;", 5);
		else if (*p == '<')
			buf_append(b, "&lt;", 4);
		else if (*p == '>')
			buf_append(b, "&gt;", 4);
		else if (*p == '"' && html == ESC_HTML)
			buf_append(b, "&quot;", 6);
		else
			buf_append(b, p, 1);
	}
	free(c);
}

/* "demo_request" as "demo request": codes read as words. */
static void
put_words(struct buf *b, const char *s, enum esc html)
{
	char *w = xstrdup(s), *p;

	for (p = w; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
	put(b, w, html);
	free(w);
}

void
message_put_time(struct buf *b, int64_t ms, const struct tz_zone *zone)
{
	struct tz_civil c;

	if (zone == NULL) {
		char ts[TSTAMP_LEN];

		tstamp_format(ms, ts);
		/* "2026-12-03T14:04" → "Thu 3 Dec, 14:04 (UTC)" */
		tz_civil_from_days(ms / 86400000, &c.year, &c.month, &c.day);
		c.wday = (int)(((ms / 86400000) + 3) % 7);
		buf_appendf(b, "%s %d %s, %.5s (UTC)", days[c.wday], c.day, months[c.month - 1],
		    ts + 11);
		return;
	}
	tz_civil(zone, ms, &c);
	buf_appendf(b, "%s %d %s, %02d:%02d (%s)", days[c.wday], c.day, months[c.month - 1],
	    c.hour, c.minute, tz_name(zone));
}

/* The person's name: first and last, else the email, else NULL. */
static char *
person_name(const json_t *data)
{
	const json_t *ct = json_object_get(data, "contact");
	const char *first = str(ct, "first_name"), *last = str(ct, "last_name");

	if (first != NULL && last != NULL)
		return xasprintf("%s %s", first, last);
	if (first != NULL || last != NULL)
		return xstrdup(first != NULL ? first : last);
	if (str(ct, "email") != NULL)
		return xstrdup(str(ct, "email"));
	return NULL;
}

/* Who the lead is, in a few words: the name, else the company, else the id. */
static char *
lead_label(const json_t *data)
{
	char *name = person_name(data);

	if (name != NULL)
		return name;
	if (str(data, "company") != NULL)
		return xasprintf("someone at %s", str(data, "company"));
	return xasprintf("lead %s", str(data, "lead") != NULL ? str(data, "lead") : "?");
}

/* A time given as epoch ms (the outbox's events) or RFC 3339 (the stream's); -1: none. */
static int64_t
when(const json_t *v)
{
	int64_t ms;

	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (json_is_string(v) && tstamp_parse(json_string_value(v), &ms) == 0)
		return ms;
	return -1;
}

/* A running clock of the lead's snapshot. */
struct running {
	const char	*name;
	int64_t		 due_ms;
	int64_t		 started_ms;	/* -1: unknown */
};

/* The running clocks due first, soonest first: at most max of them; how many. */
static size_t
running_clocks(const json_t *data, struct running *out, size_t max)
{
	const json_t *clocks = json_object_get(data, "clocks"), *c;
	const char *k;
	size_t n = 0, i;

	json_object_foreach((json_t *)clocks, k, c) {
		const char *due = str(c, "due_at"), *start = str(c, "started_at");
		struct running r = { k, 0, -1 };

		if (due == NULL || tstamp_parse(due, &r.due_ms) != 0)
			continue;
		if (start == NULL || tstamp_parse(start, &r.started_ms) != 0)
			r.started_ms = -1;
		/* Insert in due order; past max, the latest falls off. */
		for (i = n < max ? n : max; i > 0 && out[i - 1].due_ms > r.due_ms; i--)
			if (i < max)
				out[i] = out[i - 1];
		if (i < max) {
			out[i] = r;
			if (n < max)
				n++;
		}
	}
	return n;
}

/* The running clock due first: its name and due time; 0 when none runs. */
static int
first_due(const json_t *data, const char **name, int64_t *due_ms)
{
	struct running r;

	if (running_clocks(data, &r, 1) == 0)
		return 0;
	*name = r.name;
	*due_ms = r.due_ms;
	return 1;
}

char *
message_lead_url(const struct conf *conf, const char *lead, const char *crm_id)
{
	const char *t = conf->notify.lead_url, *p;
	struct buf b = { NULL, 0, 0 };

	if (lead == NULL)
		return NULL;
	if (t == NULL)
		return conf->notify.public_url != NULL ?
		    xasprintf("%s/v1/leads/%s", conf->notify.public_url, lead) : NULL;
	for (p = t; *p != '\0'; p++) {
		if (strncmp(p, "{id}", 4) == 0) {
			buf_append(&b, lead, strlen(lead));
			p += 3;
		} else if (strncmp(p, "{crm_id}", 8) == 0) {
			if (crm_id == NULL) {
				buf_free(&b);
				return conf->notify.public_url != NULL ? xasprintf("%s/v1/leads/%s",
				    conf->notify.public_url, lead) : NULL;
			}
			/* A CRM id in a URL: letters, digits and -_. only, anything else escaped. */
			for (const char *q = crm_id; *q != '\0'; q++) {
				if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
				    (*q >= '0' && *q <= '9') || strchr("-_.", *q) != NULL)
					buf_append(&b, q, 1);
				else
					buf_appendf(&b, "%%%02X", (unsigned char)*q);
			}
			p += 7;
		} else {
			buf_append(&b, p, 1);
		}
	}
	buf_append(&b, "", 1);
	return b.data;
}

/* One "rep=result" of a trace: the rep's part, cut at '='. */
static int
trace_pick(const char *detail, const char *owner, const char **result)
{
	size_t n = strlen(owner);

	if (strncmp(detail, owner, n) != 0 || detail[n] != '=')
		return 0;
	*result = detail + n + 1;
	return 1;
}

char *
message_why(const char *trace, const char *owner)
{
	char *copy, *seg, *save = NULL, *out = NULL;

	if (trace == NULL || owner == NULL)
		return NULL;
	copy = xstrdup(trace);
	for (seg = strtok_r(copy, ";", &save); seg != NULL && out == NULL;
	    seg = strtok_r(NULL, ";", &save)) {
		char *bar1 = strchr(seg, '|'), *bar2 = bar1 != NULL ? strchr(bar1 + 1, '|') : NULL;
		const char *result = NULL, *name;

		if (bar2 == NULL)
			continue;
		*bar1 = *bar2 = '\0';
		name = bar1 + 1;
		if (strcmp(seg, "pool") == 0) {
			struct buf b = { NULL, 0, 0 };
			char *c, *s2 = NULL;
			int chosen = 0, skipped = 0;

			for (c = strtok_r(bar2 + 1, ",", &s2); c != NULL; c = strtok_r(NULL, ",", &s2)) {
				char *eq = strchr(c, '=');

				if (eq == NULL)
					continue;
				*eq = '\0';
				if (strcmp(c, owner) == 0 && strcmp(eq + 1, "chosen") == 0) {
					chosen = 1;
					break;
				}
				/* Only the ineligible were skipped: weight_turn was eligible, not next. */
				if (strcmp(eq + 1, "passed") == 0 || strcmp(eq + 1, "chosen") == 0 ||
				    strcmp(eq + 1, "weight_turn") == 0)
					continue;
				buf_appendf(&b, "%s%s %s", skipped++ ? ", " : "", c, eq + 1);
			}
			if (chosen) {
				if (skipped > 0) {
					buf_append(&b, "", 1);
					for (c = b.data; *c != '\0'; c++)
						if (*c == '_')
							*c = ' ';
					out = xasprintf("next in rotation of pool %s (skipped: %s)", name,
					    b.data);
				} else {
					out = xasprintf("next in rotation of pool %s", name);
				}
			}
			buf_free(&b);
		} else if (strcmp(seg, "owner") == 0 && trace_pick(bar2 + 1, owner, &result) &&
		    strcmp(result, "chosen") == 0) {
			out = xasprintf("you own the account %s", name);
		} else if (strcmp(seg, "sticky") == 0 && trace_pick(bar2 + 1, owner, &result) &&
		    strcmp(result, "chosen") == 0) {
			out = xstrdup("you own this person's open lead");
		} else if (strcmp(seg, "rep") == 0 && trace_pick(bar2 + 1, owner, &result) &&
		    strcmp(result, "chosen") == 0) {
			out = xstrdup("the rule names you");
		}
	}
	free(copy);
	return out;
}

/*
 * The reasons that weigh most (by points, either way), heaviest first:
 * their indexes in bd; how many. A person's breakdown lists fit, then what
 * they did oldest first, so order alone would hide what they just did.
 */
static size_t
top_reasons(const json_t *bd, size_t top[REASONS_SHOWN])
{
	size_t n = 0, i, k;

	while (n < REASONS_SHOWN) {
		json_int_t best = 0;
		size_t pick = 0;
		int found = 0;

		for (i = 0; i < json_array_size(bd); i++) {
			const json_t *r = json_array_get(bd, i);
			json_int_t pts = json_integer_value(json_object_get(r, "points"));
			json_int_t w = pts < 0 ? -pts : pts;

			for (k = 0; k < n && top[k] != i; k++)
				;
			if (k < n || str(r, "reason") == NULL || w == 0 || (found && w <= best))
				continue;
			best = w;
			pick = i;
			found = 1;
		}
		if (!found)
			break;
		top[n++] = pick;
	}
	return n;
}

/* The score line: "85 (grade A): +40 demo request, +20 title vp"; score, grade, bd may be NULL. */
static void
put_score_line(struct buf *b, const json_t *score, const char *grade, const json_t *bd,
    enum esc html)
{
	size_t top[REASONS_SHOWN], n = top_reasons(bd, top), i;

	if (json_is_integer(score))
		buf_appendf(b, "%lld", (long long)json_integer_value(score));
	else
		buf_append(b, "no score", 8);
	if (grade != NULL) {
		buf_append(b, " (grade ", 8);
		put(b, grade, html);
		buf_append(b, ")", 1);
	}
	for (i = 0; i < n; i++) {
		const json_t *r = json_array_get(bd, top[i]);
		const char *reason = str(r, "reason");

		/* Behaviour reads as what they did: "event:demo_request" is "demo request". */
		if (strncmp(reason, "event:", 6) == 0 && reason[6] != '\0')
			reason += 6;
		buf_append(b, i == 0 ? ": " : ", ", 2);
		buf_appendf(b, "%+lld ", (long long)json_integer_value(json_object_get(r, "points")));
		put_words(b, reason, html);
	}
}

static void
put_score(struct buf *b, const json_t *data, enum esc html)
{
	put_score_line(b, json_object_get(data, "score"), str(data, "grade"),
	    json_object_get(data, "score_breakdown"), html);
}

/* The band a score falls in, as scoring bands the lead's own (the lowest below every band). */
static const char *
grade_of(const struct score_model *m, json_int_t score)
{
	size_t i;

	if (m->ngrades == 0)
		return NULL;
	for (i = 0; i < m->ngrades; i++)
		if (score >= m->grades[i].min)
			return m->grades[i].name;
	return m->grades[m->ngrades - 1].name;
}

/*
 * A re-engaged person's score: new_score, as of their event. The lead's
 * grade and reasons go with it when the lead holds that score; a lead
 * scored again since has other reasons, so only the band is told then.
 */
static void
put_new_score(struct buf *b, const struct message_in *in, enum esc html)
{
	const json_t *d = in->data, *now = json_object_get(d, "new_score");
	const json_t *lead = json_object_get(d, "score");

	if (!json_is_integer(now) || (json_is_integer(lead) &&
	    json_integer_value(lead) == json_integer_value(now))) {
		put_score(b, d, html);
		return;
	}
	put_score_line(b, now, grade_of(&in->conf->scoring, json_integer_value(now)), NULL, html);
}

/* "VP Sales at Acme GmbH, DE" (what is known of it); empty when nothing is. */
static void
put_who(struct buf *b, const json_t *data, enum esc html)
{
	const char *title = str(data, "title"), *company = str(data, "company");
	const char *country = str(data, "country");

	if (title != NULL)
		put(b, title, html);
	if (company != NULL) {
		buf_append(b, title != NULL ? " at " : "", title != NULL ? 4 : 0);
		put(b, company, html);
	}
	if (country != NULL) {
		buf_append(b, title != NULL || company != NULL ? ", " : "",
		    title != NULL || company != NULL ? 2 : 0);
		put(b, country, html);
	}
}

/* The headline of the message: what happened, for whom. */
static char *
headline(const struct message_in *in)
{
	const json_t *d = in->data;
	char *who = lead_label(d), *out, *full;
	const char *clock = str(d, "clock");

	if (strcmp(in->type, "lead.assigned") == 0 && in->reader != NULL)
		full = xasprintf("New lead for you: %s", who);
	else if (strcmp(in->type, "lead.assigned") == 0)
		full = xasprintf("New lead for %s: %s", str(d, "owner") != NULL ? str(d, "owner") :
		    "the pool", who);
	else if (strcmp(in->type, "lead.reassigned") == 0)
		full = in->reader != NULL ? xasprintf("Lead reassigned to you: %s", who) :
		    xasprintf("Lead reassigned to %s: %s", str(d, "owner") != NULL ?
		    str(d, "owner") : "?", who);
	else if (strcmp(in->type, "lead.re_engaged") == 0)
		full = str(d, "new_event") != NULL ? xasprintf("%s is back: %s", who,
		    str(d, "new_event")) : xasprintf("%s is back", who);
	else if (strcmp(in->type, "sla.reminder") == 0)
		full = xasprintf("Reminder: %s due for %s", clock != NULL ? clock : "a deadline", who);
	else if (strcmp(in->type, "escalation.level") == 0)
		full = xasprintf("SLA breach: %s missed %s", who, clock != NULL ? clock : "a deadline");
	else if (strcmp(in->type, "rep.auto_offline") == 0)
		full = xasprintf("Rep %s set away after missed deadlines",
		    str(d, "rep") != NULL ? str(d, "rep") : "?");
	else
		full = xasprintf("%s: %s", in->type, who);
	free(who);
	out = cut(full, HEADER_MAX);
	free(full);
	return out;
}

/* The facts, one (label, value) per line; html escapes for HTML, else for Slack. */
struct fact {
	const char	*label;
	char		*value;
};

static void
facts_add(struct fact *f, size_t *n, const char *label, struct buf *b)
{
	buf_append(b, "", 1);
	f[*n].label = label;
	f[*n].value = b->data;
	(*n)++;
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Up to this many facts a message shows (Slack's most fields in a section). */
#define FACTS_MAX 10

/* "demo request via hubspot"; nothing when neither is known. */
static void
put_event_via(struct buf *b, const char *event, const char *source, enum esc html)
{
	if (event == NULL && source == NULL)
		return;
	put_words(b, event != NULL ? event : "an event", html);
	if (source != NULL) {
		buf_append(b, " via ", 5);
		put(b, source, html);
	}
}

/*
 * Every running clock, soonest first, as far as the facts have room: a
 * re-engaged lead may have had its first touch restarted, and its owner
 * needs the new due time beside the others.
 */
static void
facts_clocks(const struct message_in *in, enum esc html, struct fact *f, size_t *n,
    struct buf *b)
{
	struct running r[FACTS_MAX];
	size_t k, nr = running_clocks(in->data, r, FACTS_MAX - *n);
	int restarts = str(in->data, "restarts") != NULL;

	for (k = 0; k < nr; k++) {
		message_put_time(b, r[k].due_ms, in->zone);
		/* The event restarted clocks: those started at its very time (the scripts' clock). */
		if (restarts && r[k].started_ms == in->at_ms)
			buf_append(b, ", restarted", 11);
		facts_add(f, n, r[k].name, b);
	}
}

static size_t
facts(const struct message_in *in, enum esc html, struct fact *f)
{
	const json_t *d = in->data;
	struct buf b = { NULL, 0, 0 };
	const char *clock = NULL, *s;
	int back = strcmp(in->type, "lead.re_engaged") == 0;
	char *why;
	int64_t due = 0;
	size_t n = 0;

	put_who(&b, d, html);
	if (b.len > 0)
		facts_add(f, &n, "Who", &b);
	if (back) {
		put_event_via(&b, str(d, "new_event"), str(d, "new_source"), html);
		if (b.len > 0)
			facts_add(f, &n, "Back with", &b);
	}
	put_event_via(&b, str(d, "event"), str(d, "source"), html);
	if (b.len > 0)
		facts_add(f, &n, "Came in as", &b);
	if (back)
		put_new_score(&b, in, html);
	else
		put_score(&b, d, html);
	facts_add(f, &n, "Score", &b);
	if (strcmp(in->type, "lead.reassigned") == 0 && (s = str(d, "from")) != NULL) {
		put(&b, s, html);
		if (str(d, "reason") != NULL) {
			buf_append(&b, ": ", 2);
			put_words(&b, str(d, "reason"), html);
		}
		facts_add(f, &n, "From", &b);
	}
	/* Why a lead came to them; a re-engaged one is theirs already. */
	if (in->reader != NULL && message_for_rep(in->type) &&
	    strcmp(in->type, "lead.reassigned") != 0 && !back &&
	    (why = message_why(in->trace, in->reader->id)) != NULL) {
		if (str(d, "rule") != NULL) {
			buf_append(&b, "rule ", 5);
			put(&b, str(d, "rule"), html);
			buf_append(&b, ": ", 2);
		}
		put(&b, why, html);
		free(why);
		facts_add(f, &n, "Why you", &b);
	} else if (in->reader == NULL && (str(d, "owner") != NULL || str(d, "pool") != NULL)) {
		put(&b, str(d, "owner") != NULL ? str(d, "owner") : "no owner", html);
		if (str(d, "pool") != NULL) {
			buf_append(&b, ", pool ", 7);
			put(&b, str(d, "pool"), html);
		}
		facts_add(f, &n, "Owner", &b);
	}
	if (strcmp(in->type, "escalation.level") == 0 &&
	    json_is_integer(json_object_get(d, "level"))) {
		buf_appendf(&b, "level %lld", (long long)json_integer_value(json_object_get(d, "level")));
		if (json_is_integer(json_object_get(d, "levels")))
			buf_appendf(&b, " of %lld",
			    (long long)json_integer_value(json_object_get(d, "levels")));
		if (str(d, "new_owner") != NULL) {
			buf_append(&b, ", reassigned to ", 16);
			put(&b, str(d, "new_owner"), html);
		}
		facts_add(f, &n, "Escalation", &b);
	}
	if (back) {
		facts_clocks(in, html, f, &n, &b);
	} else if (strcmp(in->type, "sla.reminder") == 0 && str(d, "clock") != NULL &&
	    (due = when(json_object_get(d, "due_at"))) >= 0) {
		message_put_time(&b, due, in->zone);
		facts_add(f, &n, "Due", &b);
	} else if (strcmp(in->type, "escalation.level") != 0 && first_due(d, &clock, &due)) {
		message_put_time(&b, due, in->zone);
		facts_add(f, &n, clock, &b);	/* the clock's own name: "first_touch" */
	}
	return n;
}

static void
facts_free(struct fact *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].value);
}

/* A clock's name as a label: "first_touch" → "first touch due". */
static char *
fact_label(const char *label, int is_clock)
{
	char *s = is_clock ? xasprintf("%s due", label) : xstrdup(label), *p;

	for (p = s; *p != '\0'; p++)
		if (*p == '_')
			*p = ' ';
	if (is_clock && s[0] >= 'a' && s[0] <= 'z')
		s[0] = (char)(s[0] - 'a' + 'A');
	return s;
}

/* The last fact is a clock's when its label is not one of ours. */
static int
fact_is_clock(const struct fact *f)
{
	static const char *const ours[] = { "Who", "Back with", "Came in as", "Score", "From",
	    "Why you", "Owner", "Escalation", "Due", NULL };
	size_t i;

	for (i = 0; ours[i] != NULL; i++)
		if (strcmp(f->label, ours[i]) == 0)
			return 0;
	return 1;
}

static json_t *
text_obj(const char *type, const char *text)
{
	return json_pack("{s:s, s:s}", "type", type, "text", text);
}

static json_t *
button(const char *action, const char *label, const char *value, const char *style)
{
	json_t *b = json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
	    json_pack("{s:s, s:s}", "type", "plain_text", "text", label), "action_id", action,
	    "value", value);

	if (style != NULL)
		json_object_set_new(b, "style", json_string(style));
	return b;
}

/* The Accept / Reject / Log touch row, and the link. */
static json_t *
slack_actions(const struct message_in *in, const char *lead, const char *url)
{
	const struct conf_lifecycle *lc = &in->conf->lifecycle;
	json_t *els = json_array(), *opts = json_array(), *block;
	char *block_id = xasprintf("lr:%s", lead);
	size_t i;

	if (in->actions) {
		json_array_append_new(els, button(MESSAGE_ACT_ACCEPT, "Accept", lead, "primary"));
		for (i = 0; i < lc->nreject && i < OPTIONS_MAX; i++) {
			char *label = cut(lc->reject[i].label != NULL ? lc->reject[i].label :
			    lc->reject[i].code, OPTION_MAX);

			json_array_append_new(opts, json_pack("{s:o, s:s}", "text",
			    json_pack("{s:s, s:s}", "type", "plain_text", "text", label), "value",
			    lc->reject[i].code));
			free(label);
		}
		if (json_array_size(opts) > 0)
			json_array_append_new(els, json_pack("{s:s, s:s, s:o, s:o}", "type",
			    "static_select", "action_id", MESSAGE_ACT_REJECT, "placeholder",
			    json_pack("{s:s, s:s}", "type", "plain_text", "text", "Reject…"),
			    "options", opts));
		else
			json_decref(opts);
		json_array_append_new(els, button(MESSAGE_ACT_CALL, "Log call", lead, NULL));
		json_array_append_new(els, button(MESSAGE_ACT_EMAIL, "Log email", lead, NULL));
	} else {
		json_decref(opts);
	}
	if (url != NULL) {
		json_t *open = button(MESSAGE_ACT_OPEN, "Open lead", lead, NULL);

		json_object_set_new(open, "url", json_string(url));
		json_array_append_new(els, open);
	}
	if (json_array_size(els) == 0) {
		json_decref(els);
		free(block_id);
		return NULL;
	}
	block = json_pack("{s:s, s:s, s:o}", "type", "actions", "block_id", block_id,
	    "elements", els);
	free(block_id);
	return block;
}

json_t *
message_slack(const struct message_in *in)
{
	const json_t *d = in->data;
	const char *lead = str(d, "lead");
	struct fact f[FACTS_MAX];
	size_t n = facts(in, ESC_SLACK, f), i;
	char *head = headline(in), *url = message_lead_url(in->conf, lead, str(d, "crm_id"));
	json_t *blocks = json_array(), *fields = json_array(), *act, *msg;
	struct buf ctx = { NULL, 0, 0 };
	const json_t *ct = json_object_get(d, "contact");

	json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "header", "text",
	    text_obj("plain_text", head)));
	for (i = 0; i < n && i < 10; i++) {
		char *label = fact_label(f[i].label, fact_is_clock(&f[i]));
		char *t = xasprintf("*%s*\n%s", label, f[i].value);

		json_array_append_new(fields, text_obj("mrkdwn", t));
		free(t);
		free(label);
	}
	json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "fields", fields));
	if (str(ct, "email") != NULL || str(ct, "phone") != NULL) {
		if (str(ct, "email") != NULL)
			put(&ctx, str(ct, "email"), ESC_SLACK);
		if (str(ct, "phone") != NULL) {
			buf_append(&ctx, ctx.len > 0 ? " · " : "", ctx.len > 0 ? strlen(" · ") : 0);
			put(&ctx, str(ct, "phone"), ESC_SLACK);
		}
	}
	if (lead != NULL) {
		buf_append(&ctx, ctx.len > 0 ? " · " : "", ctx.len > 0 ? strlen(" · ") : 0);
		buf_appendf(&ctx, "lead %s", lead);
	}
	if (ctx.len > 0) {
		buf_append(&ctx, "", 1);
		json_array_append_new(blocks, json_pack("{s:s, s:[o]}", "type", "context", "elements",
		    text_obj("mrkdwn", ctx.data)));
	}
	buf_reset(&ctx);
	if (lead != NULL && (act = slack_actions(in, lead, url)) != NULL)
		json_array_append_new(blocks, act);
	/*
	 * The text is what notifications and screen readers show: for the
	 * outbox's events their whole line (webhook_text, in the reader's zone),
	 * for the others the headline; mrkdwn, escaped.
	 */
	if (strcmp(in->type, "escalation.level") == 0 || strcmp(in->type, "sla.reminder") == 0 ||
	    strcmp(in->type, "rep.auto_offline") == 0) {
		json_t *ev = json_pack("{s:s, s:I, s:O}", "type", in->type, "at",
		    (json_int_t)in->at_ms, "data", d);
		char *line = webhook_text(ev, in->zone);

		msg = json_pack("{s:s, s:o}", "text", line, "blocks", blocks);
		free(line);
		json_decref(ev);
	} else {
		put(&ctx, head, ESC_SLACK);
		buf_append(&ctx, "", 1);
		msg = json_pack("{s:s, s:o}", "text", ctx.data, "blocks", blocks);
	}
	buf_free(&ctx);
	facts_free(f, n);
	free(head);
	free(url);
	return msg;
}

/* An action link of an email: public_url/v1/integrations/email/action?token=…; NULL without keys. */
static char *
action_link(const struct message_in *in, const char *lead, const char *action)
{
	const struct conf *c = in->conf;
	char *token, *url;

	if (c->notify.links.nkeys == 0 || c->notify.public_url == NULL || in->reader == NULL)
		return NULL;
	token = actlink_sign(c->notify.links.keys[0], c->notify.links.lens[0], lead, in->reader->id,
	    action, (in->now_ms + c->notify.links.ttl_ms) / 1000);
	if (token == NULL)
		return NULL;
	url = xasprintf("%s/v1/integrations/email/action?token=%s", c->notify.public_url, token);
	free(token);
	return url;
}

int
message_mail(const struct message_in *in, struct message_mail *out)
{
	static const struct { const char *action, *label; } acts[] = {
		{ "accept", "Accept" }, { "reject", "Reject" }, { "touch_call", "Log a call" },
		{ "touch_email", "Log an email" },
	};
	const json_t *d = in->data, *ct;
	const char *lead;
	struct fact f[FACTS_MAX];
	struct buf t = { NULL, 0, 0 }, h = { NULL, 0, 0 };
	char *head, *url;
	size_t n, i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(d))
		return -1;
	lead = str(d, "lead");
	ct = json_object_get(d, "contact");
	head = headline(in);
	n = facts(in, ESC_NONE, f);
	url = message_lead_url(in->conf, lead, str(d, "crm_id"));
	out->subject = xstrdup(head);

	/* text/plain: the facts, one per line, then the links. */
	buf_appendf(&t, "%s\n\n", head);
	for (i = 0; i < n; i++) {
		char *label = fact_label(f[i].label, fact_is_clock(&f[i]));

		buf_appendf(&t, "%s: %s\n", label, f[i].value);
		free(label);
	}
	if (str(ct, "email") != NULL)
		buf_appendf(&t, "Email: %s\n", str(ct, "email"));
	if (str(ct, "phone") != NULL)
		buf_appendf(&t, "Phone: %s\n", str(ct, "phone"));
	if (lead != NULL)
		buf_appendf(&t, "Lead: %s\n", lead);
	if (url != NULL)
		buf_appendf(&t, "\nOpen the lead: %s\n", url);
	facts_free(f, n);

	/* text/html: the same, as a small table and buttons. */
	n = facts(in, ESC_HTML, f);
	buf_append(&h, "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">", 58);
	buf_append(&h, "<h2>", 4);
	put(&h, head, ESC_HTML);
	buf_append(&h, "</h2><table>", 12);
	for (i = 0; i < n; i++) {
		char *label = fact_label(f[i].label, fact_is_clock(&f[i]));

		buf_append(&h, "<tr><th align=\"left\">", 21);
		put(&h, label, ESC_HTML);
		buf_appendf(&h, "</th><td>%s</td></tr>", f[i].value);
		free(label);
	}
	if (str(ct, "email") != NULL) {
		buf_append(&h, "<tr><th align=\"left\">Email</th><td>", 35);
		put(&h, str(ct, "email"), ESC_HTML);
		buf_append(&h, "</td></tr>", 10);
	}
	if (str(ct, "phone") != NULL) {
		buf_append(&h, "<tr><th align=\"left\">Phone</th><td>", 35);
		put(&h, str(ct, "phone"), ESC_HTML);
		buf_append(&h, "</td></tr>", 10);
	}
	buf_append(&h, "</table><p>", 11);
	facts_free(f, n);
	if (in->actions && lead != NULL) {
		for (i = 0; i < LR_NELEM(acts); i++) {
			char *link = action_link(in, lead, acts[i].action);

			if (link == NULL)
				continue;
			buf_appendf(&t, "%s: %s\n", acts[i].label, link);
			buf_append(&h, "<a href=\"", 9);
			put(&h, link, ESC_HTML);
			buf_append(&h, "\" style=\"margin-right:1em\">", 27);
			put(&h, acts[i].label, ESC_HTML);
			buf_append(&h, "</a>", 4);
			free(link);
		}
	}
	if (url != NULL) {
		buf_append(&h, "<a href=\"", 9);
		put(&h, url, ESC_HTML);
		buf_append(&h, "\">Open the lead</a>", 19);
	}
	buf_append(&h, "</p></body></html>\n", 19);
	buf_append(&t, "", 1);
	buf_append(&h, "", 1);
	out->text = t.data;
	out->html = h.data;
	free(head);
	free(url);
	return 0;
}

void
message_mail_clear(struct message_mail *m)
{
	free(m->subject);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}
