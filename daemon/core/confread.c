/*
 * confread.c — readers for config values in a ytree: scalars, ids, counts,
 * booleans, durations, secrets. Each reports what is wrong to a conf_diags
 * (with the line and the config path) and tells its caller to skip the value.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/confread.h"
#include "leadroute/diag.h"
#include "leadroute/units.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#define CONFREAD_SECRET_MAX	(64 * 1024)

/* A scalar that is not null, or an error naming what was expected. */
const char *
confread_scalar(struct conf_diags *d, const struct ynode *n, const char *path, const char *what)
{
	if (n->type != YNODE_SCALAR || ytree_is_null(n)) {
		conf_diag_add(d, 0, n->line, path, "expected %s, got %s", what,
		    n->type == YNODE_SCALAR ? "nothing" : ytree_type_name(n->type));
		return NULL;
	}
	return n->value;
}

/*
 * Check that node is a map and report keys not in allowed (NULL-terminated).
 * Returns -1 when node is not a map, else how many keys were unknown: the
 * config parser still parses such an item so one typo does not cascade into
 * more errors; the scoring model skips it.
 */
int
confread_check_keys(struct conf_diags *d, const struct ynode *node, const char *path,
    const char *const *allowed)
{
	size_t i, j;
	int unknown = 0;

	if (node->type != YNODE_MAP) {
		conf_diag_add(d, 0, node->line, path, "expected a map, got %s",
		    ytree_type_name(node->type));
		return -1;
	}
	for (i = 0; i < node->n; i++) {
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(node->keys[i]->value, allowed[j]) == 0)
				break;
		if (allowed[j] == NULL) {
			conf_diag_add(d, 0, node->keys[i]->line, path, "unknown key \"%s\"",
			    node->keys[i]->value);
			unknown++;
		}
	}
	return unknown;
}

/* A required id-like string under key; NULL after reporting when missing or bad. */
const char *
confread_id(struct conf_diags *d, const struct ynode *item, const char *key, const char *path)
{
	const struct ynode *n = ytree_get(item, key);
	char sub[160];
	const char *s;

	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (n == NULL) {
		conf_diag_add(d, 0, item->line, path, "missing \"%s\"", key);
		return NULL;
	}
	if ((s = confread_scalar(d, n, sub, "an id")) == NULL)
		return NULL;
	if (!util_valid_id(s, CONFREAD_ID_MAX)) {
		conf_diag_add(d, 0, n->line, sub,
		    "bad %s \"%s\": use 1-64 of letters, digits, _ . -", key, s);
		return NULL;
	}
	return s;
}

/* An optional string under key; NULL when absent, or after reporting a non-scalar. */
const char *
confread_opt_string(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path)
{
	const struct ynode *n = ytree_get(item, key);
	char sub[160];

	if (n == NULL)
		return NULL;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	return confread_scalar(d, n, sub, "a string");
}

const char *
confread_url(struct conf_diags *d, const struct ynode *item, const char *key, const char *path)
{
	const char *url = confread_opt_string(d, item, key, path), *host;
	char sub[160];

	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (url == NULL) {
		if (ytree_get(item, key) == NULL)
			conf_diag_add(d, 0, item->line, path, "missing \"%s\"", key);
		return NULL;
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		conf_diag_add(d, 0, ytree_get(item, key)->line, sub,
		    "expected an http:// or https:// URL, got \"%s\"", url);
		return NULL;
	}
	host = url + (url[4] == ':' ? 7 : 8);
	if (*host == '\0' || strchr("/:?#", *host) != NULL) {
		conf_diag_add(d, 0, ytree_get(item, key)->line, sub, "the URL \"%s\" has no host", url);
		return NULL;
	}
	return url;
}

/* An optional true/false under key into *out (left alone when absent); -1 after reporting. */
int
confread_bool(struct conf_diags *d, const struct ynode *item, const char *key, const char *path,
    int *out)
{
	const struct ynode *n = ytree_get(item, key);
	char sub[160];
	const char *s;

	if (n == NULL)
		return 0;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if ((s = confread_scalar(d, n, sub, "true or false")) == NULL)
		return -1;
	if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
		conf_diag_add(d, 0, n->line, sub, "expected true or false, got \"%s\"", s);
		return -1;
	}
	*out = strcmp(s, "true") == 0;
	return 0;
}

/* True when list is a list; otherwise report it as not the list of what it should be. */
int
confread_is_list(struct conf_diags *d, const struct ynode *list, const char *path,
    const char *what)
{
	if (list->type == YNODE_SEQ)
		return 1;
	conf_diag_add(d, 0, list->line, path, "expected a list of %s, got %s", what,
	    ytree_type_name(list->type));
	return 0;
}

/* True for a whole number written with thousands separators: 1,000 or -12,500,000. */
static int
confread_grouped_number(const char *s)
{
	size_t digits = 0;

	if (*s == '-')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (digits < 1 || digits > 3 || *s != ',')
		return 0;
	while (*s == ',') {
		if (strspn(s + 1, "0123456789") != 3)
			return 0;
		s += 4;
	}
	return *s == '\0';
}

int
confread_comma_joined(struct conf_diags *d, const struct ynode *n, const char *path, int warning)
{
	struct buf out = { NULL, 0, 0 };
	const char *p, *end;
	size_t len;

	if (n->type != YNODE_SCALAR || !n->plain || strchr(n->value, ',') == NULL)
		return 0;
	if (confread_grouped_number(n->value)) {
		for (p = n->value; *p != '\0'; p++)
			if (*p != ',')
				buf_append(&out, p, 1);
		conf_diag_add(d, warning, n->line, path, "\"%s\" is one value with a comma: write a "
		    "number without separators, as %s", n->value, out.data);
		buf_free(&out);
		return 1;
	}
	for (p = n->value; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			continue;
		if (out.len > 0)
			buf_append(&out, ", ", 2);
		buf_append(&out, p, len);
	}
	conf_diag_add(d, warning, n->line, path, "\"%s\" is one value with a comma: for a list "
	    "write [%s]%s", n->value, out.data != NULL ? out.data : "",
	    warning ? "; quote it if the comma is meant" : "");
	buf_free(&out);
	return 1;
}

/* When first_line > 0, id was defined there already: report it and return 1. */
int
confread_duplicate(struct conf_diags *d, const struct ynode *item, const char *path,
    const char *what, const char *id, int first_line)
{
	if (first_line <= 0)
		return 0;
	conf_diag_add(d, 0, item->line, path, "duplicate %s \"%s\" (first on line %d)", what, id,
	    first_line);
	return 1;
}

/* An optional whole number under key (0 when absent); -1 after reporting a bad one. */
int
confread_opt_count(struct conf_diags *d, const struct ynode *item, const char *key,
    const char *path, uint64_t min, uint64_t max, uint64_t *out)
{
	const struct ynode *n = ytree_get(item, key);
	char sub[160], *end;
	unsigned long long v;

	*out = 0;
	if (n == NULL)
		return 0;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	errno = 0;
	v = n->type == YNODE_SCALAR ? strtoull(n->value, &end, 10) : 0;
	if (n->type != YNODE_SCALAR || n->value[0] < '0' || n->value[0] > '9' || *end != '\0' ||
	    errno != 0 || v < min || v > max) {
		conf_diag_add(d, 0, n->line, sub, "expected a whole number from %llu to %llu",
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* A duration from min_ms to max_ms under node; -1 after reporting. */
int
confread_duration(struct conf_diags *d, const struct ynode *n, const char *path, int64_t min_ms,
    int64_t max_ms, int64_t *out)
{
	const char *why = NULL, *s;
	char lo[32], hi[32];
	int64_t ms;

	if ((s = confread_scalar(d, n, path, "a duration")) == NULL)
		return -1;
	if (units_parse_duration(s, &ms, &why) == -1) {
		conf_diag_add(d, 0, n->line, path, "bad duration \"%s\": %s", s, why);
		return -1;
	}
	if (ms < min_ms || ms > max_ms) {
		units_format_duration(min_ms, lo, sizeof(lo));
		units_format_duration(max_ms, hi, sizeof(hi));
		conf_diag_add(d, 0, n->line, path, "duration %s out of range: must be %s to %s", s,
		    min_ms == 0 ? "0s" : lo, hi);
		return -1;
	}
	*out = ms;
	return 0;
}

/* Read a whole small file; NULL with *why (static text or strerror) on failure. */
char *
confread_small_file(const char *path, size_t max, size_t *len, const char **why)
{
	struct buf b = { NULL, 0, 0 };
	char chunk[4096];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		*why = strerror(errno);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b.len + n > max) {
			fclose(fp);
			buf_free(&b);
			*why = "the file is too large";
			return NULL;
		}
		buf_append(&b, chunk, n);
	}
	fclose(fp);
	*len = b.len;
	buf_append(&b, "", 1);
	return b.data;
}

/* The bytes a secret reference names: "credential:NAME", "file:PATH", else the text. */
char *
confread_secret_ref(struct conf_diags *d, int line, const char *path, const char *s,
    size_t *len)
{
	const char *why = NULL, *dir;
	char file[4096];
	char *text;

	if (strncmp(s, "credential:", 11) == 0) {
		dir = getenv("CREDENTIALS_DIRECTORY");
		if (dir == NULL || dir[0] == '\0') {
			conf_diag_add(d, 0, line, path,
			    "credential %s: CREDENTIALS_DIRECTORY is not set "
			    "(systemd sets it for LoadCredential=)", s + 11);
			return NULL;
		}
		if (s[11] == '\0' || strchr(s + 11, '/') != NULL) {
			conf_diag_add(d, 0, line, path, "bad credential name \"%s\"", s + 11);
			return NULL;
		}
		snprintf(file, sizeof(file), "%s/%s", dir, s + 11);
	} else if (strncmp(s, "file:", 5) == 0) {
		snprintf(file, sizeof(file), "%s", s + 5);
	} else {
		*len = strlen(s);
		return xstrdup(s);
	}
	if ((text = confread_small_file(file, CONFREAD_SECRET_MAX, len, &why)) == NULL) {
		conf_diag_add(d, 0, line, path, "cannot read %s: %s", file, why);
		return NULL;
	}
	while (*len > 0 && (text[*len - 1] == '\n' || text[*len - 1] == '\r'))
		text[--*len] = '\0';
	return text;
}
