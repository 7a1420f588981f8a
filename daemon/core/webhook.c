/*
 * webhook.c — what a notification looks like on the wire. Pure: the daemon's
 * notify.c does the sending; this writes bodies, signs them and works out
 * retry delays, so all of it is unit-tested without a network.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leadroute/jsonw.h"
#include "leadroute/tstamp.h"
#include "leadroute/tz.h"
#include "leadroute/util.h"
#include "leadroute/webhook.h"

void
webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, int64_t ts,
    const char *body, size_t len, char out[WEBHOOK_SIG_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	struct buf content = { NULL, 0, 0 };

	buf_appendf(&content, "%s.%" PRId64 ".", msg_id, ts);
	buf_append(&content, body, len);
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)content.data, content.len,
	    mac, &maclen);
	buf_free(&content);
	memcpy(out, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)maclen);	/* 44 bytes and a NUL */
}

char *
webhook_msg_id(const char *prefix, const char *id)
{
	char *msg = xasprintf("msg_%s_%s", prefix, id), *p;

	/* The signed content is "<id>.<ts>.<body>": an id must not hold a dot. */
	for (p = msg + 4; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			*p = '_';
	return msg;
}

int64_t
webhook_backoff_ms(int64_t base_ms, int64_t max_ms, uint64_t failed, uint32_t rnd)
{
	int64_t d = base_ms;
	uint64_t i;

	if (base_ms <= 0)
		return 0;
	for (i = 1; i < failed && (max_ms <= 0 || d < max_ms) && d < INT64_MAX / 4; i++)
		d *= 2;
	if (max_ms > 0 && d > max_ms)
		d = max_ms;
	return d - (int64_t)(rnd % (uint64_t)(d / 4 + 1));
}

/* A member of data as text: strings as they are, numbers in decimal; NULL when absent or empty. */
static const char *
webhook_field(const json_t *data, const char *key, char *tmp, size_t tmplen)
{
	const json_t *v = json_object_get(data, key);

	if (json_is_string(v))
		return json_string_length(v) > 0 ? json_string_value(v) : NULL;
	if (json_is_integer(v)) {
		snprintf(tmp, tmplen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tmp;
	}
	if (json_is_real(v)) {
		snprintf(tmp, tmplen, "%.0f", json_real_value(v));
		return tmp;
	}
	return NULL;
}

/* Epoch ms from a number (or a string of digits); -1 when absent. */
static int64_t
webhook_ms(const json_t *v)
{
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return -1;
}

/*
 * Append s for Slack: &, < and > are its control characters (links and
 * mentions) and must be written as entities.
 */
static void
webhook_put(struct buf *b, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '&')
			buf_append(b, "&amp;", 5);
		else if (*p == '<')
			buf_append(b, "&lt;", 4);
		else if (*p == '>')
			buf_append(b, "&gt;", 4);
		else
			buf_append(b, p, 1);
	}
}

/* Append a member of data, or dflt when it is absent. */
static void
webhook_put_field(struct buf *b, const json_t *data, const char *key, const char *dflt)
{
	char tmp[32];
	const char *s = webhook_field(data, key, tmp, sizeof(tmp));

	webhook_put(b, s != NULL ? s : dflt);
}

/*
 * "2026-11-23T09:30:00Z", or in the reader's zone "2026-11-23T10:30:00+01:00":
 * to the second, which is what a reader wants.
 */
static void
webhook_put_time(struct buf *b, int64_t ms, const struct tz_zone *zone)
{
	char ts[TSTAMP_LEN];
	struct tz_civil c;
	int32_t off;

	if (ms < 0) {
		buf_append(b, "an unknown time", 15);
		return;
	}
	if (zone == NULL) {
		tstamp_format(ms, ts);
		buf_append(b, ts, 19);
		buf_append(b, "Z", 1);
		return;
	}
	tz_civil(zone, ms, &c);
	off = tz_offset(zone, ms / 1000);
	buf_appendf(b, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month, c.day, c.hour,
	    c.minute, c.second, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 3600,
	    (off < 0 ? -off : off) % 3600 / 60);
}

/* " (owner ana, pool sdr-emea)" */
static void
webhook_put_whose(struct buf *b, const json_t *data)
{
	char tmp[32];
	const char *owner = webhook_field(data, "owner", tmp, sizeof(tmp));
	const char *pool = webhook_field(data, "pool", tmp + 16, sizeof(tmp) - 16);

	buf_append(b, " (", 2);
	if (owner != NULL) {
		buf_append(b, "owner ", 6);
		webhook_put(b, owner);
	} else {
		buf_append(b, "no owner", 8);
	}
	if (pool != NULL) {
		buf_append(b, ", pool ", 7);
		webhook_put(b, pool);
	}
	buf_append(b, ")", 1);
}

static void
webhook_text_escalation(struct buf *b, const json_t *data, const struct tz_zone *zone)
{
	char t1[32], t2[32];
	const char *level = webhook_field(data, "level", t1, sizeof(t1));
	const char *levels = webhook_field(data, "levels", t2, sizeof(t2));
	const char *action = json_string_value(json_object_get(data, "action"));

	buf_append(b, "SLA breach: lead ", 17);
	webhook_put_field(b, data, "lead", "?");
	buf_append(b, " missed ", 8);
	webhook_put_field(b, data, "clock", "its deadline");
	webhook_put_whose(b, data);
	if (level != NULL) {
		buf_append(b, ", level ", 8);
		webhook_put(b, level);
		if (levels != NULL) {
			buf_append(b, " of ", 4);
			webhook_put(b, levels);
		}
	}
	if (action != NULL && strcmp(action, "reassign") == 0) {
		if (webhook_field(data, "new_owner", t1, sizeof(t1)) != NULL) {
			buf_append(b, ": reassigned to ", 16);
			webhook_put_field(b, data, "new_owner", "?");
		} else {
			buf_append(b, ": no rep to reassign it to", 26);
		}
	}
}

static void
webhook_text_reminder(struct buf *b, const json_t *data, const struct tz_zone *zone)
{
	buf_append(b, "SLA reminder: lead ", 19);
	webhook_put_field(b, data, "lead", "?");
	buf_append(b, " is due for ", 12);
	webhook_put_field(b, data, "clock", "its deadline");
	buf_append(b, " at ", 4);
	webhook_put_time(b, webhook_ms(json_object_get(data, "due_at")), zone);
	webhook_put_whose(b, data);
}

static void
webhook_text_offline(struct buf *b, const json_t *data, const struct tz_zone *zone)
{
	char tmp[32];
	const char *s;

	buf_append(b, "Rep ", 4);
	webhook_put_field(b, data, "rep", "?");
	buf_append(b, " was set away after missing ", 28);
	webhook_put_field(b, data, "clock", "a deadline");
	if ((s = webhook_field(data, "misses", tmp, sizeof(tmp))) != NULL) {
		buf_append(b, " ", 1);
		webhook_put(b, s);
		buf_append(b, " times in a row", 15);
	}
	if ((s = webhook_field(data, "lead", tmp, sizeof(tmp))) != NULL) {
		buf_append(b, " (last: lead ", 13);
		webhook_put(b, s);
		buf_append(b, ")", 1);
	}
}

/* Types this version does not know: the type, the time and the data as it is. */
static void
webhook_text_other(struct buf *b, const char *type, const json_t *event,
    const struct tz_zone *zone)
{
	const json_t *data = json_object_get(event, "data");
	char *text;

	buf_append(b, "leadrouted event ", 17);
	webhook_put(b, type);
	buf_append(b, " at ", 4);
	webhook_put_time(b, webhook_ms(json_object_get(event, "at")), zone);
	if (json_is_object(data) && json_object_size(data) > 0) {
		text = json_dumps(data, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		buf_append(b, ": ", 2);
		webhook_put(b, text);
		free(text);
	}
}

char *
webhook_text(const json_t *event, const struct tz_zone *zone)
{
	const char *type = json_string_value(json_object_get(event, "type"));
	const json_t *data = json_object_get(event, "data");
	struct buf b = { NULL, 0, 0 };

	if (type == NULL)
		type = "unknown";
	if (strcmp(type, "escalation.level") == 0)
		webhook_text_escalation(&b, data, zone);
	else if (strcmp(type, "sla.reminder") == 0)
		webhook_text_reminder(&b, data, zone);
	else if (strcmp(type, "rep.auto_offline") == 0)
		webhook_text_offline(&b, data, zone);
	else
		webhook_text_other(&b, type, event, zone);
	return b.data;
}

char *
webhook_body(enum conf_notify_format format, const json_t *event, const struct tz_zone *zone,
    size_t *len)
{
	const json_t *type = json_object_get(event, "type");
	const json_t *data = json_object_get(event, "data");
	struct jsonw w = { 0 };
	char *text;

	if (!json_is_object(event) || !json_is_string(type))
		return NULL;
	jsonw_begin_object(&w, NULL);
	if (format == NOTIFY_FORMAT_SLACK) {
		text = webhook_text(event, zone);
		jsonw_string(&w, "text", text);
		free(text);
	} else {
		jsonw_string(&w, "type", json_string_value(type));
		jsonw_time(&w, "timestamp", webhook_ms(json_object_get(event, "at")));
		if (data != NULL) {
			text = json_dumps(data, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
			jsonw_raw(&w, "data", text, strlen(text));
			free(text);
		} else {
			jsonw_raw(&w, "data", "{}", 2);
		}
	}
	jsonw_end_object(&w);
	return jsonw_finish(&w, len);
}
