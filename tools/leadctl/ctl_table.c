/* ctl_table.c — leadctl's human output: aligned tables and JSON values as text. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/tstamp.h"

#include "ctl_table.h"

struct table {
	size_t	  ncols;
	char	**cells;	/* row-major, the headers first */
	size_t	  ncells;
	size_t	  cap;
};

struct table *
table_new(const char *const *headers)
{
	struct table *t = xcalloc(1, sizeof *t);
	size_t i;

	while (headers[t->ncols] != NULL)
		t->ncols++;
	for (i = 0; i < t->ncols; i++)
		table_cell(t, headers[i]);
	return t;
}

void
table_row(struct table *t)
{
	/* Fill a short row so every row has ncols cells. */
	while (t->ncols > 0 && t->ncells % t->ncols != 0)
		table_cell(t, NULL);
}

void
table_cell(struct table *t, const char *s)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap, sizeof *t->cells);
	}
	t->cells[t->ncells++] = xstrdup(s != NULL ? s : "-");
}

void
table_cellf(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	table_cell(t, s);
	free(s);
}

void
table_cell_json(struct table *t, json_t *v)
{
	char *s = table_json_text(v);

	table_cell(t, s);
	free(s);
}

/* Columns on a terminal: UTF-8 characters, not bytes. */
static size_t
table_width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	}
	return n;
}

void
table_print(const struct table *t, FILE *fp, const char *empty)
{
	size_t *widths, i, c, w;

	if (t->ncells <= t->ncols) {
		if (empty != NULL)
			fprintf(fp, "%s\n", empty);
		return;
	}
	widths = xcalloc(t->ncols, sizeof *widths);
	for (i = 0; i < t->ncells; i++) {
		w = table_width(t->cells[i]);
		if (w > widths[i % t->ncols])
			widths[i % t->ncols] = w;
	}
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		fputs(t->cells[i], fp);
		if (c == t->ncols - 1)
			fputc('\n', fp);
		else
			fprintf(fp, "%*s", (int)(widths[c] - table_width(t->cells[i]) + 2), "");
	}
	free(widths);
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

char *
table_json_text(json_t *v)
{
	struct buf b = { 0 };
	size_t i;
	char *s;

	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return xstrdup(json_string_value(v));
	case JSON_INTEGER:
		return xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return xasprintf("%.15g", json_real_value(v));
	case JSON_TRUE:
		return xstrdup("yes");
	case JSON_FALSE:
		return xstrdup("no");
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			return xstrdup("-");
		for (i = 0; i < json_array_size(v); i++) {
			s = table_json_text(json_array_get(v, i));
			buf_appendf(&b, "%s%s", i > 0 ? ", " : "", s);
			free(s);
		}
		return b.data;
	case JSON_OBJECT:
		s = json_dumps(v, JSON_COMPACT);
		b.data = xstrdup(s);
		free(s);
		return b.data;
	case JSON_NULL:
	default:
		return xstrdup("-");
	}
}

const char *
table_str(json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : dflt;
}

char *
table_time_text(json_t *v)
{
	char out[TSTAMP_LEN];

	if (!json_is_integer(v))
		return table_json_text(v);
	tstamp_format(json_integer_value(v), out);
	return xstrdup(out);
}

/* table_duration of a number of ms. */
static char *
table_duration_ms(int64_t v)
{
	char *pos, *out;
	int64_t s;

	if (v < 0) {
		pos = table_duration_ms(-v);
		out = xasprintf("-%s", pos);
		free(pos);
		return out;
	}
	if (v < 1000)
		return xasprintf("%" PRId64 "ms", v);
	s = v / 1000;
	if (s < 60)
		return xasprintf("%" PRId64 "s", s);
	if (s < 3600)
		return xasprintf("%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	if (s < 86400)
		return xasprintf("%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
	return xasprintf("%" PRId64 "d%02" PRId64 "h", s / 86400, s % 86400 / 3600);
}

char *
table_duration(json_t *ms)
{
	if (!json_is_number(ms))
		return xstrdup("-");
	return table_duration_ms((int64_t)json_number_value(ms));
}

void
table_print_json(json_t *v)
{
	char *s;

	if (v == NULL) {
		printf("null\n");
		return;
	}
	s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
	printf("%s\n", s != NULL ? s : "null");
	free(s);
}

void
table_print_members(FILE *fp, json_t *obj, const char *const *skip, int times)
{
	const char *key;
	json_t *v;
	size_t i, len;
	char *s;
	int skipped;

	json_object_foreach(obj, key, v) {
		skipped = 0;
		for (i = 0; skip[i] != NULL; i++)
			skipped |= strcmp(key, skip[i]) == 0;
		if (skipped)
			continue;
		len = strlen(key);
		s = times && len >= 3 && strcmp(key + len - 3, "_at") == 0 ? table_time_text(v) :
		    table_json_text(v);
		fprintf(fp, " %s=%s", key, s);
		free(s);
	}
}
