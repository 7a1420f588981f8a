/* cmd_dead_letters.c — leadctl dead-letters: notifications and subscription events not delivered. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_table.h"

enum {
	OPT_SUBSCRIPTION = CTL_OPT_COMMAND, OPT_ALL, OPT_BEFORE, OPT_YES, OPT_LIMIT, OPT_CURSOR
};

const struct ctl_opt cmd_dead_letters_opts[] = {
	{ .name = "subscription", .value = 1, .id = OPT_SUBSCRIPTION },
	{ .name = "all", .value = 0, .id = OPT_ALL },
	{ .name = "before", .value = 1, .id = OPT_BEFORE },
	{ .name = "yes", .value = 0, .id = OPT_YES },
	{ .name = "limit", .value = 1, .id = OPT_LIMIT },
	{ .name = "cursor", .value = 1, .id = OPT_CURSOR },
	{ .name = NULL }
};

/* What one run acts on: the notifications' list, or a subscription's. */
struct dl_run {
	struct ctl	*ctl;
	char		*base;		/* /v1/notifications/failed or /v1/subscriptions/S/dead_letters */
	const char	*subscription;	/* NULL: notifications */
	const char	*id;		/* retry or purge ID; NULL with --all */
};

/* base?limit=…&cursor=… as given (allocated). */
static char *
dl_list_path(const struct dl_run *run, const char *limit, const char *cursor)
{
	struct buf b = { 0 };
	char *e, sep = '?';

	buf_appendf(&b, "%s", run->base);
	if (limit != NULL) {
		e = ctl_http_escape(limit, 0);
		buf_appendf(&b, "%climit=%s", sep, e);
		free(e);
		sep = '&';
	}
	if (cursor != NULL) {
		e = ctl_http_escape(cursor, 0);
		buf_appendf(&b, "%ccursor=%s", sep, e);
		free(e);
	}
	return b.data;
}

/* list: a page of dead letters as a table. */
static int
dl_list(struct dl_run *run)
{
	static const char *const n_headers[] = { "ID", "FAILED AT", "TO", "TARGET", "EVENT",
		"ATTEMPTS", "LAST ERROR", NULL };
	static const char *const s_headers[] = { "ID", "FAILED AT", "TYPE", "TARGET", "ATTEMPTS",
		"LAST ERROR", NULL };
	struct ctl *ctl = run->ctl;
	struct table *t = NULL;
	json_t *root = NULL, *d, *cursor;
	char *path;
	size_t i;
	int rc;

	path = dl_list_path(run, ctl_args_get(&ctl->args, OPT_LIMIT),
	    ctl_args_get(&ctl->args, OPT_CURSOR));
	if ((rc = ctl_http_json(&ctl->conn, "GET", path, NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json) {
		table_print_json(root);
		goto done;
	}
	t = table_new(run->subscription != NULL ? s_headers : n_headers);
	json_array_foreach(json_object_get(root, run->subscription != NULL ? "dead_letters" :
	    "notifications"), i, d) {
		table_row(t);
		table_cell_json(t, json_object_get(d, "id"));
		table_cell_json(t, json_object_get(d, "failed_at"));
		if (run->subscription != NULL)
			table_cell_json(t, json_object_get(d, "type"));
		else {
			table_cell_json(t, json_object_get(d, "to"));
			table_cell_json(t, json_object_get(d, "target"));
		}
		if (run->subscription != NULL)
			table_cell_json(t, json_object_get(d, "target"));
		else
			table_cell_json(t, json_object_get(json_object_get(d, "event"), "type"));
		table_cell_json(t, json_object_get(d, "attempts"));
		table_cell_json(t, json_object_get(d, "last_error"));
	}
	table_print(t, stdout, "no dead letters");
	cursor = json_object_get(root, "next_cursor");
	if (json_is_string(cursor))
		fprintf(stderr, "leadctl: more: leadctl dead-letters%s%s --cursor %s\n",
		    run->subscription != NULL ? " --subscription " : "",
		    run->subscription != NULL ? run->subscription : "", json_string_value(cursor));

done:
	table_free(t);
	free(path);
	json_decref(root);
	return rc;
}

/* Every notification's id in the dead-letter list, page after page (a new array). */
static int
dl_all_ids(struct dl_run *run, json_t **ids)
{
	json_t *root = NULL, *n, *cursor;
	char *path, *c = NULL;
	size_t i;
	int rc;

	*ids = json_array();
	for (;;) {
		path = dl_list_path(run, "500", c);
		rc = ctl_http_json(&run->ctl->conn, "GET", path, NULL, &root);
		free(path);
		free(c);
		c = NULL;
		if (rc != CTL_OK)
			break;
		json_array_foreach(json_object_get(root, "notifications"), i, n)
			json_array_append(*ids, json_object_get(n, "id"));
		cursor = json_object_get(root, "next_cursor");
		if (json_is_string(cursor))
			c = xstrdup(json_string_value(cursor));
		json_decref(root);
		root = NULL;
		if (c == NULL)
			break;
	}
	if (rc != CTL_OK) {
		json_decref(*ids);
		*ids = NULL;
	}
	return rc;
}

/* Notifications' retry --all: each of the list back in the outbox (the API retries one at a time). */
static int
dl_retry_notifications(struct dl_run *run)
{
	struct ctl *ctl = run->ctl;
	json_t *ids = NULL, *id, *root, *out;
	char *esc, *path;
	size_t i, done = 0;
	int rc, first_rc = CTL_OK;

	if ((rc = dl_all_ids(run, &ids)) != CTL_OK)
		return rc;
	json_array_foreach(ids, i, id) {
		esc = ctl_http_escape(json_string_value(id) != NULL ? json_string_value(id) : "",
		    1);
		path = xasprintf("%s/%s/retry", run->base, esc);
		rc = ctl_http_json(&ctl->conn, "POST", path, NULL, &root);
		json_decref(root);
		free(path);
		free(esc);
		if (rc == CTL_OK)
			done++;
		else if (first_rc == CTL_OK)
			first_rc = rc;
	}
	if (ctl->json) {
		out = json_pack("{sIsI}", "retried", (json_int_t)done,
		    "failed", (json_int_t)(json_array_size(ids) - done));
		table_print_json(out);
		json_decref(out);
	} else
		printf("retried %zu of %zu notifications: back in the outbox\n", done,
		    json_array_size(ids));
	json_decref(ids);
	return first_rc;
}

/* A call that acts 1,000 at a time: again while the answer says more; the counts of key summed. */
static int
dl_repeat(struct dl_run *run, const char *method, const char *path, const char *key,
    json_int_t *total)
{
	json_t *root = NULL;
	int rc;

	*total = 0;
	do {
		json_decref(root);
		root = NULL;
		if ((rc = ctl_http_json(&run->ctl->conn, method, path, NULL, &root)) != CTL_OK)
			break;
		*total += json_integer_value(json_object_get(root, key));
	} while (json_is_true(json_object_get(root, "more")));
	json_decref(root);
	return rc;
}

/* retry ID, or retry --all. */
static int
dl_retry(struct dl_run *run)
{
	struct ctl *ctl = run->ctl;
	json_t *root = NULL, *out;
	json_int_t total;
	char *esc = NULL, *path = NULL;
	int rc;

	if (ctl_args_get(&ctl->args, OPT_BEFORE) != NULL)
		return ctl_usage(ctl, "--before goes with purge --all");
	if (run->id == NULL && run->subscription == NULL)
		return dl_retry_notifications(run);
	if (run->id == NULL) {
		path = xasprintf("%s/retry", run->base);
		if ((rc = dl_repeat(run, "POST", path, "retried", &total)) != CTL_OK)
			goto done;
		if (ctl->json) {
			out = json_pack("{sI}", "retried", total);
			table_print_json(out);
			json_decref(out);
		} else
			printf("retried %" JSON_INTEGER_FORMAT " dead letters of %s\n", total,
			    run->subscription);
		goto done;
	}
	esc = ctl_http_escape(run->id, 1);
	path = xasprintf("%s/%s/retry", run->base, esc);
	if ((rc = ctl_http_json(&ctl->conn, "POST", path, NULL, &root)) != CTL_OK)
		goto done;
	if (ctl->json)
		table_print_json(root);
	else if (run->subscription != NULL)
		printf("retried %s of %s\n", run->id, run->subscription);
	else
		printf("notification %s is back in the outbox\n", run->id);

done:
	json_decref(root);
	free(path);
	free(esc);
	return rc;
}

/* purge ID, or purge --all [--before TIME]. */
static int
dl_purge(struct dl_run *run)
{
	struct ctl *ctl = run->ctl;
	const char *before = ctl_args_get(&ctl->args, OPT_BEFORE);
	char when[TSTAMP_LEN], *esc = NULL, *path = NULL, *question;
	json_int_t total;
	json_t *out;
	int rc;

	if (before != NULL && run->id != NULL)
		return ctl_usage(ctl, "--before goes with purge --all");
	if (before != NULL && ctl_args_time(before, when) == -1)
		return ctl_usage(ctl, "--before \"%s\" is not a time: RFC 3339 "
		    "(2026-12-04T09:00:00Z) or local YYYY-MM-DDTHH:MM", before);
	if (run->id != NULL)
		question = xasprintf("purge dead letter %s%s%s", run->id,
		    run->subscription != NULL ? " of " : "",
		    run->subscription != NULL ? run->subscription : "");
	else
		question = xasprintf("purge every dead letter%s%s%s%s",
		    before != NULL ? " that failed before " : "", before != NULL ? when : "",
		    run->subscription != NULL ? " of " : "",
		    run->subscription != NULL ? run->subscription : "");
	rc = ctl_confirm(ctl, ctl_args_get(&ctl->args, OPT_YES) != NULL, question);
	free(question);
	if (rc != CTL_OK)
		return rc;
	if (run->id != NULL) {
		esc = ctl_http_escape(run->id, 1);
		path = xasprintf("%s/%s", run->base, esc);
	} else if (before != NULL) {
		esc = ctl_http_escape(when, 0);
		path = xasprintf("%s?before=%s", run->base, esc);
	} else
		path = xstrdup(run->base);
	if ((rc = dl_repeat(run, "DELETE", path, "purged", &total)) != CTL_OK)
		goto done;
	if (ctl->json) {
		out = json_pack("{sI}", "purged", total);
		table_print_json(out);
		json_decref(out);
	} else
		printf("purged %" JSON_INTEGER_FORMAT " dead letter%s\n", total, total == 1 ? "" : "s");

done:
	free(path);
	free(esc);
	return rc;
}

int
cmd_dead_letters_exec(struct ctl *ctl)
{
	struct dl_run run = { .ctl = ctl };
	const char *action = ctl->args.nwords > 0 ? ctl->args.words[0] : "list";
	int all = ctl_args_get(&ctl->args, OPT_ALL) != NULL, rc;
	char *esc;

	run.subscription = ctl_args_get(&ctl->args, OPT_SUBSCRIPTION);
	if (strcmp(action, "list") == 0) {
		if (ctl->args.nwords > 1 || all)
			return ctl_usage(ctl, "list takes --subscription, --limit and --cursor");
	} else if (strcmp(action, "retry") == 0 || strcmp(action, "purge") == 0) {
		if (ctl->args.nwords > 2)
			return ctl_usage(ctl, "%s one dead letter, or --all", action);
		if (ctl->args.nwords == 2 && all)
			return ctl_usage(ctl, "%s %s or --all, not both", action, ctl->args.words[1]);
		if (ctl->args.nwords == 1 && !all)
			return ctl_usage(ctl, "%s which dead letter? an id, or --all", action);
		run.id = ctl->args.nwords == 2 ? ctl->args.words[1] : NULL;
	} else
		return ctl_usage(ctl, "unknown action \"%s\" (list, retry, purge)", action);

	if (run.subscription != NULL) {
		esc = ctl_http_escape(run.subscription, 1);
		run.base = xasprintf("/v1/subscriptions/%s/dead_letters", esc);
		free(esc);
	} else
		run.base = xstrdup("/v1/notifications/failed");
	if (strcmp(action, "list") == 0)
		rc = dl_list(&run);
	else if (strcmp(action, "retry") == 0)
		rc = dl_retry(&run);
	else
		rc = dl_purge(&run);
	free(run.base);
	return rc;
}
