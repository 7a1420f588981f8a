/* cmd_lead.c — leadctl lead and simulate: a lead, its routing decision and clocks, readable. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_table.h"

enum { OPT_FIELD = CTL_OPT_COMMAND, OPT_AT };

const struct ctl_opt cmd_simulate_opts[] = {
	{ .name = "field", .value = 1, .id = OPT_FIELD },
	{ .name = "at", .value = 1, .id = OPT_AT },
	{ .name = NULL }
};

/* "label:  value" of obj's key. */
static void
lead_field(const char *label, json_t *obj, const char *key)
{
	char *s = table_json_text(json_object_get(obj, key));

	printf("%-13s %s\n", label, s);
	free(s);
}

/* "65 (grade B, MQL)". */
static void
lead_print_score(json_t *lead)
{
	json_t *grade = json_object_get(lead, "grade");
	char *score = table_json_text(json_object_get(lead, "score"));

	printf("%-13s %s", "score:", score);
	if (json_is_string(grade) || json_is_true(json_object_get(lead, "mql"))) {
		printf(" (");
		if (json_is_string(grade))
			printf("grade %s%s", json_string_value(grade),
			    json_is_true(json_object_get(lead, "mql")) ? ", " : "");
		if (json_is_true(json_object_get(lead, "mql")))
			printf("MQL");
		printf(")");
	}
	printf("\n");
	free(score);
}

/* The decision: the config that decided, the rules tried, each target and its candidates. */
static void
lead_print_decision(json_t *d)
{
	static const char *const skip[] = { "target", "candidates", "result", NULL };
	json_t *target, *cand;
	size_t i, j;
	char *s;

	if (!json_is_object(d))
		return;
	s = table_json_text(json_object_get(d, "config_version"));
	printf("decision (config %s):\n", s);
	free(s);
	s = table_json_text(json_object_get(d, "rules_evaluated"));
	printf("  rules tried:  %s\n", s);
	free(s);
	s = table_json_text(json_object_get(d, "rule"));
	printf("  rule:         %s", s);
	free(s);
	s = table_json_text(json_object_get(d, "action"));
	printf(" (action %s)\n", s);
	free(s);
	json_array_foreach(json_object_get(d, "targets"), i, target) {
		s = table_json_text(json_object_get(target, "target"));
		printf("  target %s", s);
		free(s);
		table_print_members(stdout, target, skip, 0);
		if (json_is_string(json_object_get(target, "result")))
			printf(": %s", json_string_value(json_object_get(target, "result")));
		printf("\n");
		json_array_foreach(json_object_get(target, "candidates"), j, cand) {
			printf("    %-16s %s\n", table_str(cand, "rep", "?"),
			    table_str(cand, "result", "-"));
		}
	}
}

/* A clock's state in a word or two. */
static const char *
lead_clock_state(json_t *clock)
{
	int running = json_is_true(json_object_get(clock, "running"));
	int breached = json_is_true(json_object_get(clock, "breached"));

	if (running)
		return breached ? "breached, running" : "running";
	return breached ? "breached" : "stopped in time";
}

/* The lead's SLA clocks as a table. */
static void
lead_print_clocks(json_t *clocks)
{
	static const char *const headers[] = { "  CLOCK", "STATE", "DUE", "DURATION", "OWNER",
		"CALENDAR", NULL };
	struct table *t;
	const char *name;
	json_t *clock;
	char *s;

	if (!json_is_object(clocks) || json_object_size(clocks) == 0)
		return;
	printf("clocks:\n");
	t = table_new(headers);
	json_object_foreach(clocks, name, clock) {
		table_row(t);
		table_cellf(t, "  %s", name);
		table_cell(t, lead_clock_state(clock));
		table_cell_json(t, json_object_get(clock, "due_at"));
		s = table_duration(json_object_get(clock, "duration_ms"));
		table_cell(t, s);
		free(s);
		table_cell_json(t, json_object_get(clock, "owner"));
		table_cell_json(t, json_object_get(clock, "calendar"));
	}
	table_print(t, stdout, NULL);
	table_free(t);
}

/* The lead's history: when, what, and the rest of each entry. */
static void
lead_print_events(json_t *events)
{
	static const char *const skip[] = { "type", "at", NULL };
	json_t *ev;
	size_t i;

	if (json_array_size(events) == 0)
		return;
	printf("history:\n");
	json_array_foreach(events, i, ev) {
		printf("  %-24s  %-22s", table_str(ev, "at", "-"),
		    table_str(ev, "type", "?"));
		table_print_members(stdout, ev, skip, 0);
		printf("\n");
	}
}

/* What a lead and a simulated one share: state, owner, score, warnings, decision, clocks. */
static void
lead_print(json_t *lead)
{
	json_t *w, *esc;
	size_t i;

	lead_field("status:", lead, "status");
	if (json_object_get(lead, "stage") != NULL)
		lead_field("stage:", lead, "stage");
	lead_field("owner:", lead, "owner");
	lead_field("pool:", lead, "pool");
	lead_field("rule:", lead, "rule");
	if (json_object_get(lead, "owners") != NULL)
		lead_field("owners:", lead, "owners");
	lead_print_score(lead);
	if (json_object_get(lead, "received_at") != NULL)
		lead_field("received at:", lead, "received_at");
	if (json_object_get(lead, "assigned_at") != NULL)
		lead_field("assigned at:", lead, "assigned_at");
	if (json_object_get(lead, "first_touched_at") != NULL)
		lead_field("first touch:", lead, "first_touched_at");
	json_array_foreach(json_object_get(lead, "warnings"), i, w) {
		printf("%-13s %s\n", i == 0 ? "warnings:" : "",
		    json_is_string(w) ? json_string_value(w) :
		    table_str(w, "message", "?"));
	}
	json_array_foreach(json_object_get(lead, "open_escalations"), i, esc) {
		printf("%-13s %s (clock %s)\n", i == 0 ? "escalations:" : "",
		    table_str(esc, "id", "?"),
		    table_str(esc, "clock", "?"));
	}
	lead_print_decision(json_object_get(lead, "decision"));
	lead_print_clocks(json_object_get(lead, "clocks"));
}

int
cmd_lead_exec(struct ctl *ctl)
{
	json_t *root = NULL;
	char *esc = NULL, *path = NULL;
	int rc;

	if (ctl->args.nwords != 1)
		return ctl_usage(ctl, ctl->args.nwords == 0 ? "which lead? (an id, or email:, "
		    "phone: or crm: and the person's)" : "one lead at a time");
	esc = ctl_http_escape(ctl->args.words[0], 1);
	path = xasprintf("/v1/leads/%s", esc);
	if ((rc = ctl_http_json(&ctl->conn, "GET", path, NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	printf("lead %s\n", table_str(root, "id", "?"));
	lead_print(root);
	lead_print_events(json_object_get(root, "events"));

done:
	free(path);
	free(esc);
	json_decref(root);
	return rc;
}

/* The lead to simulate: FILE's object (- for stdin) with each --field over it; NULL after a message. */
static json_t *
simulate_body(struct ctl *ctl)
{
	const struct ctl_optval *o;
	json_error_t jerr;
	const char *file = ctl->args.nwords > 0 ? ctl->args.words[0] : NULL, *eq;
	json_t *body = NULL;
	char *key;
	size_t i;

	if (file != NULL) {
		if (strcmp(file, "-") == 0)
			body = json_loadf(stdin, 0, &jerr);
		else
			body = json_load_file(file, 0, &jerr);
		if (body == NULL) {
			ctl_usage(ctl, "%s:%d:%d: %s", strcmp(file, "-") == 0 ? "stdin" : file,
			    jerr.line, jerr.column, jerr.text);
			return NULL;
		}
		if (!json_is_object(body)) {
			ctl_usage(ctl, "%s: a lead is a JSON object", file);
			json_decref(body);
			return NULL;
		}
	} else
		body = json_object();
	for (i = 0; i < ctl->args.nopts; i++) {
		o = &ctl->args.opts[i];
		if (o->id != OPT_FIELD)
			continue;
		if ((eq = strchr(o->value, '=')) == NULL || eq == o->value) {
			ctl_usage(ctl, "--field \"%s\" is not KEY=VALUE", o->value);
			json_decref(body);
			return NULL;
		}
		key = xstrndup(o->value, (size_t)(eq - o->value));
		json_object_set_new(body, key, json_string(eq + 1));
		free(key);
	}
	return body;
}

int
cmd_simulate_exec(struct ctl *ctl)
{
	const char *at = ctl_args_get(&ctl->args, OPT_AT);
	char when[TSTAMP_LEN], *path = NULL, *esc = NULL;
	json_t *body = NULL, *root = NULL;
	int rc;

	if (ctl->args.nwords > 1)
		return ctl_usage(ctl, "one file at a time (\"%s\")", ctl->args.words[1]);
	if (ctl->args.nwords == 0 && ctl_args_get(&ctl->args, OPT_FIELD) == NULL)
		return ctl_usage(ctl, "which lead? a JSON file, - for stdin, or --field KEY=VALUE");
	if (at != NULL && ctl_args_time(at, when) == -1)
		return ctl_usage(ctl, "--at \"%s\" is not a time: RFC 3339 (2026-12-04T09:00:00Z) "
		    "or local YYYY-MM-DDTHH:MM", at);
	if ((body = simulate_body(ctl)) == NULL)
		return CTL_USAGE;
	if (at != NULL) {
		esc = ctl_http_escape(when, 0);
		path = xasprintf("/v1/route/simulate?at=%s", esc);
	} else
		path = xstrdup("/v1/route/simulate");
	if ((rc = ctl_http_json(&ctl->conn, "POST", path, body, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	printf("simulated%s%s: nothing was stored\n", at != NULL ? " at " : "", at != NULL ? when : "");
	lead_print(root);

done:
	free(path);
	free(esc);
	json_decref(body);
	json_decref(root);
	return rc;
}
