/* jsonw.c — a streaming JSON writer for answers whose shape we know. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/tstamp.h"

static void
jsonw_escape(struct buf *b, const char *s)
{
	const char *run = s;

	buf_append(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, run, (size_t)(s - run));
		switch (c) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			buf_append(b, esc, 6);
			break;
		}
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
	buf_append(b, "\"", 1);
}

/* The comma and member name that come before every value. */
static void
jsonw_prefix(struct jsonw *w, const char *key)
{
	if (w->count[w->depth] > 0)
		buf_append(&w->buf, ",", 1);
	else
		w->count[w->depth] = 1;
	if (key != NULL) {
		jsonw_escape(&w->buf, key);
		buf_append(&w->buf, ":", 1);
	}
}

static void
jsonw_open(struct jsonw *w, const char *key, char c)
{
	jsonw_prefix(w, key);
	buf_append(&w->buf, &c, 1);
	if (w->depth < JSONW_MAX_DEPTH - 1)
		w->count[++w->depth] = 0;
}

static void
jsonw_close(struct jsonw *w, char c)
{
	buf_append(&w->buf, &c, 1);
	if (w->depth > 0)
		w->depth--;
}

void
jsonw_raw_members(struct jsonw *w, const char *members, size_t len)
{
	if (len == 0)
		return;
	jsonw_prefix(w, NULL);
	buf_append(&w->buf, members, len);
}

void
jsonw_begin_object(struct jsonw *w, const char *key)
{
	jsonw_open(w, key, '{');
}

void
jsonw_end_object(struct jsonw *w)
{
	jsonw_close(w, '}');
}

void
jsonw_begin_array(struct jsonw *w, const char *key)
{
	jsonw_open(w, key, '[');
}

void
jsonw_end_array(struct jsonw *w)
{
	jsonw_close(w, ']');
}

void
jsonw_string(struct jsonw *w, const char *key, const char *s)
{
	jsonw_prefix(w, key);
	if (s == NULL)
		buf_append(&w->buf, "null", 4);
	else
		jsonw_escape(&w->buf, s);
}

void
jsonw_int(struct jsonw *w, const char *key, int64_t v)
{
	char num[24];

	jsonw_prefix(w, key);
	buf_append(&w->buf, num, util_format_int(num, v));
}

void
jsonw_bool(struct jsonw *w, const char *key, int v)
{
	jsonw_prefix(w, key);
	buf_append(&w->buf, v ? "true" : "false", v ? 4 : 5);
}

void
jsonw_null(struct jsonw *w, const char *key)
{
	jsonw_prefix(w, key);
	buf_append(&w->buf, "null", 4);
}

void
jsonw_time(struct jsonw *w, const char *key, int64_t ms)
{
	char ts[TSTAMP_LEN];

	if (ms < 0) {
		jsonw_null(w, key);
		return;
	}
	tstamp_format(ms, ts);
	jsonw_string(w, key, ts);
}

void
jsonw_raw(struct jsonw *w, const char *key, const char *json, size_t len)
{
	jsonw_prefix(w, key);
	buf_append(&w->buf, json, len);
}

char *
jsonw_finish(struct jsonw *w, size_t *len)
{
	char *text;

	if (w->buf.data == NULL)
		buf_append(&w->buf, "", 0);
	text = w->buf.data;
	*len = w->buf.len;
	memset(w, 0, sizeof(*w));
	return text;
}
