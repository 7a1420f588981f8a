/* cmd_escalations.c — leadctl escalations (a page, or --watch the live feed) and escalation ack. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_table.h"

enum {
	OPT_STATUS = CTL_OPT_COMMAND, OPT_POOL, OPT_LEAD, OPT_LIMIT, OPT_CURSOR, OPT_WATCH,
	OPT_SINCE, OPT_COUNT, OPT_BY, OPT_NOTE
};

const struct ctl_opt cmd_escalations_opts[] = {
	{ .name = "status", .value = 1, .id = OPT_STATUS },
	{ .name = "pool", .value = 1, .id = OPT_POOL },
	{ .name = "lead", .value = 1, .id = OPT_LEAD },
	{ .name = "limit", .value = 1, .id = OPT_LIMIT },
	{ .name = "cursor", .value = 1, .id = OPT_CURSOR },
	{ .name = "watch", .value = 0, .id = OPT_WATCH },
	{ .name = "since", .value = 1, .id = OPT_SINCE },
	{ .name = "count", .value = 1, .id = OPT_COUNT },
	{ .name = NULL }
};

const struct ctl_opt cmd_escalation_opts[] = {
	{ .name = "by", .value = 1, .id = OPT_BY },
	{ .name = "note", .value = 1, .id = OPT_NOTE },
	{ .name = NULL }
};

/* A query parameter of the list, and the option it comes from. */
struct esc_param {
	int		 opt;
	const char	*name;
};

static const struct esc_param esc_list_params[] = {
	{ .opt = OPT_STATUS, .name = "status" },
	{ .opt = OPT_POOL, .name = "pool" },
	{ .opt = OPT_LEAD, .name = "lead" },
	{ .opt = OPT_LIMIT, .name = "limit" },
	{ .opt = OPT_CURSOR, .name = "cursor" },
};

/* The --watch run: how many events to print before stopping (0: no end). */
struct esc_watch {
	struct ctl	*ctl;
	long		 count;
	long		 seen;
};

/* path with ?name=value&… for each given option of params (allocated). */
static char *
esc_path(const struct ctl *ctl, const char *base, const struct esc_param *params, size_t n)
{
	struct buf b = { 0 };
	const char *v;
	char *e;
	size_t i;
	int first = 1;

	buf_appendf(&b, "%s", base);
	for (i = 0; i < n; i++) {
		if ((v = ctl_args_get(&ctl->args, params[i].opt)) == NULL)
			continue;
		e = ctl_http_escape(v, 0);
		buf_appendf(&b, "%c%s=%s", first ? '?' : '&', params[i].name, e);
		free(e);
		first = 0;
	}
	return b.data;
}

/* GET /v1/escalations: a page as a table, the next page's cursor on stderr. */
static int
esc_list(struct ctl *ctl)
{
	static const char *const headers[] = { "ID", "STATUS", "LEAD", "CLOCK", "POOL", "OWNER",
		"LEVEL", "BREACHED AT", NULL };
	struct table *t = NULL;
	json_t *root = NULL, *e, *cursor;
	char *path;
	size_t i;
	int rc;

	path = esc_path(ctl, "/v1/escalations", esc_list_params, LR_NELEM(esc_list_params));
	if ((rc = ctl_http_json(&ctl->conn, "GET", path, NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	t = table_new(headers);
	json_array_foreach(json_object_get(root, "escalations"), i, e) {
		table_row(t);
		table_cell_json(t, json_object_get(e, "id"));
		table_cell_json(t, json_object_get(e, "status"));
		table_cell_json(t, json_object_get(e, "lead"));
		table_cell_json(t, json_object_get(e, "clock"));
		table_cell_json(t, json_object_get(e, "pool"));
		table_cell_json(t, json_object_get(e, "owner"));
		table_cellf(t, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(e, "level")),
		    json_integer_value(json_object_get(e, "levels")));
		table_cell_json(t, json_object_get(e, "breached_at"));
	}
	table_print(t, stdout, "no escalations");
	cursor = json_object_get(root, "next_cursor");
	if (json_is_string(cursor))
		fprintf(stderr, "leadctl: more: leadctl escalations --cursor %s\n",
		    json_string_value(cursor));

done:
	table_free(t);
	free(path);
	json_decref(root);
	return rc;
}

/* One event of the feed: a line, as it comes (flushed, for a pipe). */
static int
esc_on_event(const struct ctl_sse_event *ev, void *arg)
{
	static const char *const skip[] = { "type", "at", NULL };
	struct esc_watch *w = arg;
	json_t *data, *line;
	char *s;

	data = json_loads(ev->data, 0, NULL);
	if (w->ctl->json) {
		line = json_pack("{s:s?, s:s, s:o}", "id", ev->id, "event", ev->event,
		    "data", data != NULL ? json_incref(data) : json_string(ev->data));
		s = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
		printf("%s\n", s != NULL ? s : "null");
		free(s);
		json_decref(line);
	} else {
		s = table_time_text(json_object_get(data, "at"));
		printf("%-24s  %-18s", s, ev->event);
		free(s);
		if (data != NULL)
			table_print_members(stdout, data, skip, 1);
		if (data == NULL)
			printf(" %s", ev->data);
		printf("\n");
	}
	fflush(stdout);
	json_decref(data);
	w->seen++;
	return w->count > 0 && w->seen >= w->count;
}

/* --watch: GET /v1/escalations/stream until interrupted or --count events. */
static int
esc_watch(struct ctl *ctl)
{
	static const struct esc_param params[] = { { .opt = OPT_POOL, .name = "pool" } };
	static const int list_only[] = { OPT_STATUS, OPT_LEAD, OPT_LIMIT, OPT_CURSOR };
	struct esc_watch w = { .ctl = ctl };
	const char *count = ctl_args_get(&ctl->args, OPT_COUNT), *since;
	char *path, *end;
	size_t i;
	int rc;

	for (i = 0; i < LR_NELEM(list_only); i++) {
		if (ctl_args_get(&ctl->args, list_only[i]) != NULL)
			return ctl_usage(ctl, "--watch takes --pool, --since and --count only");
	}
	if (count != NULL) {
		w.count = strtol(count, &end, 10);
		if (end == count || *end != '\0' || w.count < 1)
			return ctl_usage(ctl, "--count \"%s\" is not a number of events (1 or more)",
			    count);
	}
	since = ctl_args_get(&ctl->args, OPT_SINCE);
	path = esc_path(ctl, "/v1/escalations/stream", params, LR_NELEM(params));
	rc = ctl_http_stream(&ctl->conn, path, since, esc_on_event, &w);
	free(path);
	return rc;
}

int
cmd_escalations_exec(struct ctl *ctl)
{
	if (ctl->args.nwords > 0)
		return ctl_usage(ctl, "takes no arguments (\"%s\"); \"leadctl escalation ack ID\" "
		    "acknowledges one", ctl->args.words[0]);
	if (ctl_args_get(&ctl->args, OPT_WATCH) != NULL)
		return esc_watch(ctl);
	if (ctl_args_get(&ctl->args, OPT_SINCE) != NULL || ctl_args_get(&ctl->args, OPT_COUNT) != NULL)
		return ctl_usage(ctl, "--since and --count go with --watch");
	return esc_list(ctl);
}

int
cmd_escalation_exec(struct ctl *ctl)
{
	const char *by = ctl_args_get(&ctl->args, OPT_BY), *note = ctl_args_get(&ctl->args, OPT_NOTE);
	json_t *body = NULL, *root = NULL;
	char *esc = NULL, *path = NULL;
	int rc;

	if (ctl->args.nwords == 0 || strcmp(ctl->args.words[0], "ack") != 0)
		return ctl_usage(ctl, ctl->args.nwords == 0 ? "what to do? ack" :
		    "unknown action \"%s\" (ack)", ctl->args.nwords > 0 ? ctl->args.words[0] : "");
	if (ctl->args.nwords != 2)
		return ctl_usage(ctl, ctl->args.nwords < 2 ? "which escalation? (leadctl escalations "
		    "lists them)" : "one escalation at a time");
	if (by == NULL && (by = getenv("USER")) == NULL && (by = getenv("LOGNAME")) == NULL)
		return ctl_usage(ctl, "who acknowledges? --by NAME");
	body = json_pack("{ss}", "by", by);
	if (note != NULL)
		json_object_set_new(body, "note", json_string(note));
	esc = ctl_http_escape(ctl->args.words[1], 1);
	path = xasprintf("/v1/escalations/%s/ack", esc);
	if ((rc = ctl_http_json(&ctl->conn, "POST", path, body, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	printf("escalation %s acknowledged by %s: its later levels stop\n", ctl->args.words[1],
	    table_str(json_object_get(root, "escalation"), "acknowledged_by", by));

done:
	free(path);
	free(esc);
	json_decref(body);
	json_decref(root);
	return rc;
}
