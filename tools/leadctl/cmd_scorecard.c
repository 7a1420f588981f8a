/* cmd_scorecard.c — leadctl scorecard: the cohort's figures, overall and by rep, pool, source or rule. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_table.h"

enum { OPT_BY = CTL_OPT_COMMAND, OPT_FROM, OPT_TO, OPT_CSV };

const struct ctl_opt cmd_scorecard_opts[] = {
	{ .name = "by", .value = 1, .id = OPT_BY },
	{ .name = "from", .value = 1, .id = OPT_FROM },
	{ .name = "to", .value = 1, .id = OPT_TO },
	{ .name = "csv", .value = 0, .id = OPT_CSV },
	{ .name = NULL }
};

/* What GET /v1/scorecard groups by. */
static const char *const sc_groups[] = { "rep", "pool", "source", "rule" };

/* A column of the table: a figure of the scorecard and how to show it. */
struct sc_column {
	const char	*header;
	const char	*key;
	const char	*sub;		/* a member of the figure (median), or NULL */
	enum { SC_COUNT, SC_PCT, SC_DURATION } kind;
};

static const struct sc_column sc_columns[] = {
	{ .header = "RECEIVED", .key = "leads_received", .kind = SC_COUNT },
	{ .header = "ROUTED", .key = "leads_routed", .kind = SC_COUNT },
	{ .header = "ROUTE MEDIAN", .key = "time_to_route_ms", .sub = "median", .kind = SC_DURATION },
	{ .header = "TOUCH MEDIAN", .key = "time_to_first_touch_ms", .sub = "median",
	  .kind = SC_DURATION },
	{ .header = "TOUCHED IN SLA", .key = "first_touched_within_sla_pct", .kind = SC_PCT },
	{ .header = "UNTOUCHED", .key = "untouched_pct", .kind = SC_PCT },
	{ .header = "ACCEPTED", .key = "acceptance_rate_pct", .kind = SC_PCT },
	{ .header = "REJECTED", .key = "rejection_rate_pct", .kind = SC_PCT },
	{ .header = "WON", .key = "won", .kind = SC_COUNT },
	{ .header = "WON AMOUNT", .key = "won_amount", .kind = SC_COUNT },
};

/* /v1/scorecard?by=…&from=…&to=…[&format=csv] (allocated). */
static char *
sc_path(const struct ctl *ctl, int csv)
{
	static const struct { int opt; const char *name; } params[] = {
		{ OPT_BY, "by" }, { OPT_FROM, "from" }, { OPT_TO, "to" }
	};
	struct buf b = { 0 };
	const char *v;
	char *e, sep = '?';
	size_t i;

	buf_appendf(&b, "/v1/scorecard");
	for (i = 0; i < LR_NELEM(params); i++) {
		if ((v = ctl_args_get(&ctl->args, params[i].opt)) == NULL)
			continue;
		e = ctl_http_escape(v, 0);
		buf_appendf(&b, "%c%s=%s", sep, params[i].name, e);
		free(e);
		sep = '&';
	}
	if (csv)
		buf_appendf(&b, "%cformat=csv", sep);
	return b.data;
}

/* One row: the group's name, then each column's figure. */
static void
sc_row(struct table *t, const char *name, json_t *figures)
{
	const struct sc_column *c;
	json_t *v;
	size_t i;
	char *s;

	table_row(t);
	table_cell(t, name);
	for (i = 0; i < LR_NELEM(sc_columns); i++) {
		c = &sc_columns[i];
		v = json_object_get(figures, c->key);
		if (c->sub != NULL)
			v = json_object_get(v, c->sub);
		if (c->kind == SC_DURATION)
			s = table_duration(v);
		else
			s = table_json_text(v);
		if (c->kind == SC_PCT && json_is_number(v))
			table_cellf(t, "%s%%", s);
		else
			table_cell(t, s);
		free(s);
	}
}

int
cmd_scorecard_exec(struct ctl *ctl)
{
	const char *by = ctl_args_get(&ctl->args, OPT_BY), *headers[LR_NELEM(sc_columns) + 2];
	int csv = ctl_args_get(&ctl->args, OPT_CSV) != NULL, known = 0, rc;
	struct buf text = { 0 };
	struct table *t = NULL;
	json_t *root = NULL, *g, *name;
	char *path = NULL, *s;
	size_t i;

	if (ctl->args.nwords > 0)
		return ctl_usage(ctl, "takes no arguments (\"%s\")", ctl->args.words[0]);
	for (i = 0; by != NULL && i < LR_NELEM(sc_groups); i++)
		known |= strcmp(by, sc_groups[i]) == 0;
	if (by != NULL && !known)
		return ctl_usage(ctl, "--by \"%s\": rep, pool, source or rule", by);
	if (csv && ctl->json)
		return ctl_usage(ctl, "--csv or --json, not both");
	path = sc_path(ctl, csv);
	if (csv) {
		if ((rc = ctl_http_text(&ctl->conn, path, "text/csv", &text)) == CTL_OK &&
		    text.len > 0) {
			fwrite(text.data, 1, text.len, stdout);
			if (text.data[text.len - 1] != '\n')
				fputc('\n', stdout);
		}
		goto done;
	}
	if ((rc = ctl_http_json(&ctl->conn, "GET", path, NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	printf("leads that arrived from %s to %s%s%s\n",
	    table_str(root, "from", "?"),
	    table_str(root, "to", "?"), by != NULL ? ", by " : "",
	    by != NULL ? by : "");
	if (json_is_false(json_object_get(root, "up_to_date")))
		printf("(not up to date: the newest events are still being counted)\n");
	headers[0] = by != NULL ? by : "";
	for (i = 0; i < LR_NELEM(sc_columns); i++)
		headers[i + 1] = sc_columns[i].header;
	headers[i + 1] = NULL;
	t = table_new(headers);
	sc_row(t, "(all)", json_object_get(root, "overall"));
	json_array_foreach(json_object_get(root, "groups"), i, g) {
		name = json_object_get(g, by != NULL ? by : "");
		s = json_is_null(name) ? xstrdup("(none)") : table_json_text(name);
		sc_row(t, s, g);
		free(s);
	}
	table_print(t, stdout, NULL);

done:
	table_free(t);
	buf_free(&text);
	free(path);
	json_decref(root);
	return rc;
}
