/* lead_json.c — a lead as the API shows it: its fields, decision, clocks, lifecycle and owners. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/scorecard.h"

#include "api/api.h"

/* One clock's state as stored (see lua/lib/clocks.lua), with times in RFC 3339. */
static void
api_write_clock(struct jsonw *w, const char *name, const json_t *st)
{
	const json_t *cal = json_object_get(st, "calendar"), *stopped = json_object_get(st, "stopped_at");

	jsonw_begin_object(w, name);
	jsonw_time(w, "started_at", (int64_t)json_number_value(json_object_get(st, "started_at")));
	jsonw_time(w, "due_at", (int64_t)json_number_value(json_object_get(st, "due_at")));
	jsonw_time(w, "stopped_at", json_is_number(stopped) ? (int64_t)json_number_value(stopped) : -1);
	jsonw_int(w, "duration_ms", (int64_t)json_number_value(json_object_get(st, "duration")));
	jsonw_string(w, "calendar", json_is_string(cal) ? json_string_value(cal) : NULL);
	jsonw_string(w, "owner", json_string_value(json_object_get(st, "owner")));
	jsonw_bool(w, "running", !json_is_number(stopped));
	jsonw_bool(w, "breached", json_is_true(json_object_get(st, "breached")));
	if (json_is_true(json_object_get(st, "reassigned")))
		jsonw_bool(w, "reassigned", 1);
	jsonw_end_object(w);
}

/* The lead's SLA clocks: from the stored clk:NAME fields, or a route answer. */
static void
api_write_clocks(struct jsonw *w, const struct lead_view *v)
{
	json_t *all, *st;
	const char *name;
	size_t i;

	jsonw_begin_object(w, "clocks");
	if (v->hash != NULL) {
		for (i = 0; i + 1 < v->hash->elements; i += 2) {
			const redisReply *k = v->hash->element[i], *val = v->hash->element[i + 1];

			if (k->str == NULL || strncmp(k->str, "clk:", 4) != 0 || val->str == NULL)
				continue;
			if ((st = json_loadb(val->str, val->len, 0, NULL)) != NULL) {
				api_write_clock(w, k->str + 4, st);
				json_decref(st);
			}
		}
	} else if (v->clocks != NULL &&
	    (all = json_loadb(v->clocks, v->clocks_len, 0, NULL)) != NULL) {
		json_object_foreach(all, name, st)
			api_write_clock(w, name, st);
		json_decref(all);
	}
	jsonw_end_object(w);
}

/*
 * The next item of a comma-separated list into buf; 0 at the end. Items
 * too long for buf are skipped (ids are at most 64 bytes).
 */
static int
api_next_item(const char **p, char *buf, size_t size)
{
	while (*p != NULL && **p != '\0') {
		const char *end = strchr(*p, ',');
		size_t len = end != NULL ? (size_t)(end - *p) : strlen(*p);
		int fits = len < size;

		if (fits)
			snprintf(buf, size, "%.*s", (int)len, *p);
		*p += len + (end != NULL);
		if (fits)
			return 1;
	}
	return 0;
}

/* "12:first_touch,15:route" as [{"id": "12", "clock": "first_touch"}, …]. */
static void
api_write_open_escalations(struct jsonw *w, const char *open)
{
	char item[128], *colon;

	jsonw_begin_array(w, "open_escalations");
	while (api_next_item(&open, item, sizeof(item))) {
		if ((colon = strchr(item, ':')) == NULL)
			continue;
		*colon = '\0';
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "id", item);
		jsonw_string(w, "clock", colon + 1);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

/* Everyone who owned the lead, in order. */
static void
api_write_owners(struct jsonw *w, const struct lead_view *v)
{
	const char *p = v->owners != NULL ? v->owners : v->owner;
	char id[80];

	jsonw_begin_array(w, "owners");
	while (api_next_item(&p, id, sizeof(id)))
		jsonw_string(w, NULL, id);
	jsonw_end_array(w);
}

/* "ana=away,ben=chosen" as [{"rep": "ana", "result": "away"}, …]. */
static void
api_write_candidates(struct jsonw *w, const char *s, size_t len)
{
	const char *end = s + len;

	jsonw_begin_array(w, "candidates");
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s)), *eq;
		size_t n = comma != NULL ? (size_t)(comma - s) : (size_t)(end - s);
		char rep[80], result[32];

		eq = memchr(s, '=', n);
		if (eq != NULL && (size_t)(eq - s) < sizeof(rep) && n - (size_t)(eq - s) - 1 < sizeof(result)) {
			memcpy(rep, s, (size_t)(eq - s));
			rep[eq - s] = '\0';
			memcpy(result, eq + 1, n - (size_t)(eq - s) - 1);
			result[n - (size_t)(eq - s) - 1] = '\0';
			jsonw_begin_object(w, NULL);
			jsonw_string(w, "rep", rep);
			jsonw_string(w, "result", result);
			jsonw_end_object(w);
		}
		s += n + 1;
	}
	jsonw_end_array(w);
}

/* One "rep=result" as rep and result members. */
static void
api_write_rep_result(struct jsonw *w, const char *detail)
{
	const char *eq = strchr(detail, '=');
	char rep[80];

	if (eq == NULL || (size_t)(eq - detail) >= sizeof(rep)) {
		jsonw_string(w, "result", detail);
		return;
	}
	memcpy(rep, detail, (size_t)(eq - detail));
	rep[eq - detail] = '\0';
	jsonw_string(w, "rep", rep);
	jsonw_string(w, "result", eq + 1);
}

/*
 * The targets a lead went through, from the trace the route script stored:
 * "kind|name|detail;…" (see route.lua).
 */
static void
api_write_targets(struct jsonw *w, const struct lead_view *v)
{
	const char *s = v->trace;

	jsonw_begin_array(w, "targets");
	while (s != NULL && *s != '\0') {
		const char *semi = strchr(s, ';'), *bar1, *bar2;
		size_t n = semi != NULL ? (size_t)(semi - s) : strlen(s);
		char kind[16], name[300], *detail = xstrndup(s, n);

		bar1 = strchr(detail, '|');
		bar2 = bar1 != NULL ? strchr(bar1 + 1, '|') : NULL;
		if (bar2 != NULL && (size_t)(bar1 - detail) < sizeof(kind) &&
		    (size_t)(bar2 - bar1 - 1) < sizeof(name)) {
			memcpy(kind, detail, (size_t)(bar1 - detail));
			kind[bar1 - detail] = '\0';
			memcpy(name, bar1 + 1, (size_t)(bar2 - bar1 - 1));
			name[bar2 - bar1 - 1] = '\0';
			jsonw_begin_object(w, NULL);
			if (strcmp(kind, "pool") == 0) {
				jsonw_string(w, "target", "pool");
				jsonw_string(w, "pool", name);
				api_write_candidates(w, bar2 + 1, strlen(bar2 + 1));
			} else if (strcmp(kind, "rep") == 0) {
				jsonw_string(w, "target", "rep");
				api_write_rep_result(w, bar2 + 1);
			} else if (strcmp(kind, "owner") == 0) {
				jsonw_string(w, "target", "account_owner");
				jsonw_string(w, "domain", name[0] != '\0' ? name : NULL);
				api_write_rep_result(w, bar2 + 1);
			} else if (strcmp(kind, "sticky") == 0) {
				jsonw_string(w, "target", "sticky");
				jsonw_string(w, "lead", name);
				api_write_rep_result(w, bar2 + 1);
			} else {
				jsonw_string(w, "target", kind);	/* queue or nurture */
				if (name[0] != '\0')
					jsonw_string(w, "pool", name);
			}
			jsonw_end_object(w);
		}
		free(detail);
		s += n + (semi != NULL);
	}
	if (v->trace_queue != NULL) {
		jsonw_begin_object(w, NULL);
		jsonw_string(w, "target", "pool");
		jsonw_string(w, "pool", v->pool);
		jsonw_bool(w, "from_queue", 1);
		api_write_candidates(w, v->trace_queue, strlen(v->trace_queue));
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

/*
 * The rules a lead decided under an older config went through, by the names
 * that config published; 0 when they are not known (written nothing).
 */
static int
api_write_rules_then(struct jsonw *w, const struct lead_view *v)
{
	json_t *names;
	int64_t i;
	int ok;

	if (v->rules_then == NULL || v->rules_tried <= 0 ||
	    (names = json_loadb(v->rules_then, v->rules_then_len, 0, NULL)) == NULL)
		return 0;
	ok = json_is_array(names) && (size_t)v->rules_tried <= json_array_size(names);
	if (ok) {
		jsonw_begin_array(w, "rules_evaluated");
		for (i = 0; i < v->rules_tried; i++)
			jsonw_string(w, NULL, json_string_value(json_array_get(names, (size_t)i)));
		jsonw_end_array(w);
	}
	json_decref(names);
	return ok;
}

/* How the lead was routed: which config, and the rules it went through. */
static void
api_write_decision(struct jsonw *w, const struct lead_view *v, const struct conf *conf)
{
	int64_t i;

	jsonw_begin_object(w, "decision");
	jsonw_string(w, "config_version", v->config_version);
	/* Rules are tried in order, so the count says which: all but the last failed. */
	if (v->config_version != NULL && strcmp(v->config_version, conf->version) == 0 &&
	    v->rules_tried > 0 && (size_t)v->rules_tried <= conf->nrules) {
		jsonw_begin_array(w, "rules_evaluated");
		for (i = 0; i < v->rules_tried; i++)
			jsonw_string(w, NULL, conf->rules[i].name);
		jsonw_end_array(w);
	} else if (!api_write_rules_then(w, v) && v->rules_tried >= 0) {
		jsonw_int(w, "rules_evaluated", v->rules_tried);
	}
	jsonw_string(w, "rule", v->rule);
	jsonw_string(w, "action", v->action);
	api_write_targets(w, v);
	jsonw_end_object(w);
}

/* An amount in cents as a JSON number in currency units (12345 -> 123.45). */
void
api_write_amount(struct jsonw *w, const char *key, int64_t cents)
{
	char text[32];

	if (cents < 0) {
		jsonw_null(w, key);
		return;
	}
	scorecard_format_amount(cents, text);
	jsonw_raw(w, key, text, strlen(text));
}

/* Where the lead is in the shared lifecycle, and its follow-up cadence. */
static void
api_write_lifecycle(struct jsonw *w, const struct lead_view *v, const struct conf *conf)
{
	const struct conf_lifecycle *l = &conf->lifecycle;
	int64_t touches = v->touches > 0 ? v->touches : 0;

	jsonw_string(w, "stage", v->stage);
	jsonw_time(w, "stage_at", v->stage_at);
	jsonw_string(w, "stage_by", v->stage_by);
	jsonw_time(w, "decided_at", v->decided_at);
	api_write_amount(w, "amount", v->amount);
	jsonw_string(w, "reject_reason", v->reject_reason);
	jsonw_string(w, "lost_reason", v->reason);
	jsonw_begin_object(w, "cadence");
	jsonw_int(w, "touches", touches);
	jsonw_int(w, "required", (int64_t)l->cadence_touches);
	jsonw_time(w, "due_at", v->touched_at >= 0 ? v->touched_at + l->cadence_within_ms : -1);
	jsonw_bool(w, "complete", (uint64_t)touches >= l->cadence_touches);
	jsonw_end_object(w);
}

void
api_write_lead(struct jsonw *w, const struct lead_view *v, const struct conf *conf)
{
	jsonw_string(w, "id", v->id);
	jsonw_string(w, "person", v->person);
	jsonw_string(w, "status", v->status);
	jsonw_string(w, "owner", v->owner);
	jsonw_string(w, "pool", v->pool);
	jsonw_string(w, "rule", v->rule);
	api_write_owners(w, v);
	jsonw_time(w, "received_at", v->received_at);
	jsonw_time(w, "assigned_at", v->assigned_at);
	jsonw_time(w, "first_touched_at", v->touched_at);
	api_write_clocks(w, v);
	api_write_open_escalations(w, v->esc_open);
	jsonw_int(w, "touches", v->touches > 0 ? v->touches : 0);
	api_write_lifecycle(w, v, conf);
	if (v->score >= 0 || v->breakdown != NULL)
		jsonw_int(w, "score", v->score);
	else
		jsonw_null(w, "score");
	jsonw_string(w, "grade", v->grade);
	jsonw_bool(w, "mql", v->mql);
	if (v->breakdown != NULL)
		jsonw_raw(w, "score_breakdown", v->breakdown, v->breakdown_len);
	else
		jsonw_raw(w, "score_breakdown", "[]", 2);
	if (v->fields != NULL)
		jsonw_raw(w, "fields", v->fields, v->fields_len);
	else
		jsonw_raw(w, "fields", "{}", 2);
	if (v->warnings != NULL)
		jsonw_raw(w, "warnings", v->warnings, v->warnings_len);
	else
		jsonw_raw(w, "warnings", "[]", 2);
	api_write_decision(w, v, conf);
}
