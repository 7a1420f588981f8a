/* cmd_reps.c — leadctl reps, rep, pools and pool: who takes leads now, and why not. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_table.h"

enum { OPT_UNTIL = CTL_OPT_COMMAND };

const struct ctl_opt cmd_none_opts[] = { { .name = NULL } };

const struct ctl_opt cmd_rep_opts[] = {
	{ .name = "until", .value = 1, .id = OPT_UNTIL },
	{ .name = NULL }
};

/* The statuses PUT /v1/reps/{id}/status takes. */
static const char *const rep_statuses[] = { "available", "away", "ooo" };

/* "3/25" for a count against its cap, "3" without one. */
static char *
reps_load_text(json_t *count, json_t *cap)
{
	char *c = table_json_text(count), *m, *out;

	if (json_is_null(cap) || cap == NULL)
		return c;
	m = table_json_text(cap);
	out = xasprintf("%s/%s", c, m);
	free(c);
	free(m);
	return out;
}

/* A table cell of a count against its cap. */
static void
reps_cell_load(struct table *t, json_t *count, json_t *cap)
{
	char *s = reps_load_text(count, cap);

	table_cell(t, s);
	free(s);
}

/* "label:  text" with the label padded to a column. */
static void
reps_field(const char *label, const char *text)
{
	printf("%-13s %s\n", label, text != NULL ? text : "-");
}

/* reps_field with a JSON value. */
static void
reps_field_json(const char *label, json_t *v)
{
	char *s = table_json_text(v);

	reps_field(label, s);
	free(s);
}

int
cmd_reps_exec(struct ctl *ctl)
{
	static const char *const headers[] = { "ID", "NAME", "STATUS", "UNTIL", "IN HOURS", "OPEN",
		"TODAY", "POOLS", NULL };
	struct table *t = NULL;
	json_t *root = NULL, *rep;
	size_t i;
	int rc;

	if (ctl->args.nwords > 0)
		return ctl_usage(ctl, "takes no arguments (\"leadctl rep %s\" shows one rep)",
		    ctl->args.words[0]);
	if ((rc = ctl_http_json(&ctl->conn, "GET", "/v1/reps", NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	t = table_new(headers);
	json_array_foreach(json_object_get(root, "reps"), i, rep) {
		table_row(t);
		table_cell_json(t, json_object_get(rep, "id"));
		table_cell_json(t, json_object_get(rep, "name"));
		table_cell_json(t, json_object_get(rep, "status"));
		table_cell_json(t, json_object_get(rep, "until"));
		table_cell_json(t, json_object_get(rep, "in_hours"));
		reps_cell_load(t, json_object_get(rep, "open_leads"), json_object_get(rep, "max_open"));
		reps_cell_load(t, json_object_get(rep, "leads_today"),
		    json_object_get(rep, "max_per_day"));
		table_cell_json(t, json_object_get(rep, "pools"));
	}
	table_print(t, stdout, "no reps");

done:
	table_free(t);
	json_decref(root);
	return rc;
}

/* leadctl rep ID: the rep's entry of GET /v1/reps. */
static int
rep_show(struct ctl *ctl, const char *id)
{
	json_t *root = NULL, *rep, *found = NULL;
	char *s;
	size_t i;
	int rc;

	if ((rc = ctl_http_json(&ctl->conn, "GET", "/v1/reps", NULL, &root)) != CTL_OK)
		goto done;
	json_array_foreach(json_object_get(root, "reps"), i, rep) {
		if (strcmp(table_str(rep, "id", ""), id) == 0)
			found = rep;
	}
	if (found == NULL) {
		ctl_errorx("rep: no rep \"%s\" in the daemon's config (leadctl reps lists them)", id);
		rc = CTL_NOT_FOUND;
		goto done;
	}
	if (ctl->json) {
		table_print_json(found);
		goto done;
	}
	reps_field_json("id:", json_object_get(found, "id"));
	reps_field_json("name:", json_object_get(found, "name"));
	reps_field_json("status:", json_object_get(found, "status"));
	reps_field_json("until:", json_object_get(found, "until"));
	reps_field_json("in hours:", json_object_get(found, "in_hours"));
	s = reps_load_text(json_object_get(found, "open_leads"), json_object_get(found, "max_open"));
	reps_field("open leads:", s);
	free(s);
	s = reps_load_text(json_object_get(found, "leads_today"),
	    json_object_get(found, "max_per_day"));
	reps_field("leads today:", s);
	free(s);
	reps_field_json("pools:", json_object_get(found, "pools"));

done:
	json_decref(root);
	return rc;
}

/* leadctl rep ID STATUS [--until TIME]: PUT /v1/reps/ID/status. */
static int
rep_set_status(struct ctl *ctl, const char *id, const char *status)
{
	const char *until = ctl_args_get(&ctl->args, OPT_UNTIL);
	char when[TSTAMP_LEN], *esc = NULL, *path = NULL, *s;
	json_t *body = NULL, *root = NULL, *a;
	size_t i;
	int rc, known = 0;

	for (i = 0; i < LR_NELEM(rep_statuses); i++)
		known |= strcmp(status, rep_statuses[i]) == 0;
	if (!known)
		return ctl_usage(ctl, "unknown status \"%s\": available, away or ooo (out of office)",
		    status);
	if (until != NULL && strcmp(status, "ooo") != 0)
		return ctl_usage(ctl, "--until goes with ooo (out of office) only: %s lasts until "
		    "the status is set again (\"leadctl rep %s ooo --until %s\")", status, id, until);
	if (until != NULL && ctl_args_time(until, when) == -1)
		return ctl_usage(ctl, "--until \"%s\" is not a time: RFC 3339 "
		    "(2026-12-04T09:00:00Z) or local YYYY-MM-DDTHH:MM", until);

	body = json_pack("{ss}", "status", status);
	if (until != NULL)
		json_object_set_new(body, "until", json_string(when));
	esc = ctl_http_escape(id, 1);
	path = xasprintf("/v1/reps/%s/status", esc);
	if ((rc = ctl_http_json(&ctl->conn, "PUT", path, body, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	s = table_json_text(json_object_get(root, "previous"));
	/* An out-of-office with an end comes back as stored ("ooo:<ms>"): the status is ooo. */
	if (strncmp(s, "ooo:", 4) == 0)
		s[3] = '\0';
	printf("%s: %s", table_str(root, "id", id),
	    table_str(root, "status", status));
	if (json_is_string(json_object_get(root, "until")))
		printf(" until %s", json_string_value(json_object_get(root, "until")));
	printf(" (was %s)\n", s);
	free(s);
	json_array_foreach(json_object_get(root, "assigned"), i, a) {
		printf("assigned %s (pool %s)\n", table_str(a, "lead", "?"),
		    table_str(a, "pool", "-"));
	}

done:
	free(path);
	free(esc);
	json_decref(body);
	json_decref(root);
	return rc;
}

int
cmd_rep_exec(struct ctl *ctl)
{
	if (ctl->args.nwords == 0)
		return ctl_usage(ctl, "which rep? (leadctl reps lists them)");
	if (ctl->args.nwords > 2)
		return ctl_usage(ctl, "too many arguments (\"%s\")", ctl->args.words[2]);
	if (ctl->args.nwords == 1) {
		if (ctl_args_get(&ctl->args, OPT_UNTIL) != NULL)
			return ctl_usage(ctl, "--until goes with the status ooo");
		return rep_show(ctl, ctl->args.words[0]);
	}
	return rep_set_status(ctl, ctl->args.words[0], ctl->args.words[1]);
}

int
cmd_pools_exec(struct ctl *ctl)
{
	static const char *const headers[] = { "ID", "QUEUED", "OLDEST", "OPEN", "NEXT",
		"ELIGIBLE", NULL };
	struct table *t = NULL;
	json_t *root = NULL, *pool;
	size_t i;
	char *s;
	int rc;

	if (ctl->args.nwords > 0)
		return ctl_usage(ctl, "takes no arguments (\"leadctl pool %s\" shows one pool)",
		    ctl->args.words[0]);
	if ((rc = ctl_http_json(&ctl->conn, "GET", "/v1/pools", NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	t = table_new(headers);
	json_array_foreach(json_object_get(root, "pools"), i, pool) {
		table_row(t);
		table_cell_json(t, json_object_get(pool, "id"));
		table_cell_json(t, json_object_get(pool, "queued"));
		s = table_duration(json_object_get(pool, "oldest_queued_age_ms"));
		table_cell(t, s);
		free(s);
		reps_cell_load(t, json_object_get(pool, "open_leads"), json_object_get(pool, "max_open"));
		table_cell_json(t, json_object_get(pool, "next"));
		table_cellf(t, "%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(pool, "eligible_reps")),
		    json_integer_value(json_object_get(pool, "reps")));
	}
	table_print(t, stdout, "no pools");

done:
	table_free(t);
	json_decref(root);
	return rc;
}

/* Why a rep of a pool's rotation is not eligible, in words with the numbers behind it. */
static char *
pool_reason_text(json_t *pool, json_t *rep)
{
	const char *reason = json_string_value(json_object_get(rep, "reason"));
	char *n = NULL, *cap = NULL, *out;

	if (reason == NULL)
		return xstrdup("-");
	if (strcmp(reason, "away") == 0)
		return xstrdup("away: status away");
	if (strcmp(reason, "ooo") == 0)
		return xstrdup("ooo: out of office");
	if (strcmp(reason, "outside_hours") == 0)
		return xstrdup("outside_hours: its calendar is closed (or a holiday)");
	if (strcmp(reason, "at_cap") == 0) {
		n = table_json_text(json_object_get(rep, "open_leads"));
		cap = table_json_text(json_object_get(rep, "max_open"));
		out = xasprintf("at_cap: %s untouched leads, max_open %s", n, cap);
	} else if (strcmp(reason, "daily_cap") == 0) {
		n = table_json_text(json_object_get(rep, "leads_today"));
		cap = table_json_text(json_object_get(rep, "max_per_day"));
		out = xasprintf("daily_cap: %s leads today, max_per_day %s", n, cap);
	} else if (strcmp(reason, "pool_cap") == 0) {
		n = table_json_text(json_object_get(pool, "open_leads"));
		cap = table_json_text(json_object_get(pool, "max_open"));
		out = xasprintf("pool_cap: the pool holds %s untouched leads, max_open %s", n, cap);
	} else
		out = xstrdup(reason);
	free(n);
	free(cap);
	return out;
}

int
cmd_pool_exec(struct ctl *ctl)
{
	static const char *const headers[] = { "REP", "WEIGHT", "OPEN", "TODAY", "IN HOURS",
		"ELIGIBLE", "WHY NOT", NULL };
	struct table *t = NULL;
	json_t *root = NULL, *rep;
	char *esc = NULL, *path = NULL, *s, *next;
	size_t i;
	int rc;

	if (ctl->args.nwords != 1)
		return ctl_usage(ctl, ctl->args.nwords == 0 ? "which pool? (leadctl pools lists them)" :
		    "one pool at a time");
	esc = ctl_http_escape(ctl->args.words[0], 1);
	path = xasprintf("/v1/pools/%s", esc);
	if ((rc = ctl_http_json(&ctl->conn, "GET", path, NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	s = reps_load_text(json_object_get(root, "open_leads"), json_object_get(root, "max_open"));
	next = table_json_text(json_object_get(root, "next"));
	printf("pool %s: %" JSON_INTEGER_FORMAT " queued, %s open leads, next: %s\n",
	    table_str(root, "id", ctl->args.words[0]),
	    json_integer_value(json_object_get(root, "queued")), s, next);
	free(s);
	free(next);
	t = table_new(headers);
	json_array_foreach(json_object_get(root, "rotation"), i, rep) {
		table_row(t);
		table_cell_json(t, json_object_get(rep, "rep"));
		table_cell_json(t, json_object_get(rep, "weight"));
		reps_cell_load(t, json_object_get(rep, "open_leads"), json_object_get(rep, "max_open"));
		reps_cell_load(t, json_object_get(rep, "leads_today"),
		    json_object_get(rep, "max_per_day"));
		table_cell_json(t, json_object_get(rep, "in_hours"));
		table_cell_json(t, json_object_get(rep, "eligible"));
		s = pool_reason_text(root, rep);
		table_cell(t, s);
		free(s);
	}
	table_print(t, stdout, "no reps in this pool");

done:
	table_free(t);
	free(path);
	free(esc);
	json_decref(root);
	return rc;
}
