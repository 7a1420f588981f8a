/*
 * lead_view.c — a stored lead's hash read into a struct lead_view. Which
 * hash field fills which member, and how, is one row each in lead_view_fields.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "leadroute/util.h"

#include "engine/lead_view.h"
#include "io/store.h"

/* How a hash value becomes a member. */
enum lead_view_kind {
	VIEW_STR,	/* const char *: the value as stored */
	VIEW_STR_SET,	/* const char *: the value, NULL when empty */
	VIEW_TEXT,	/* const char * and its size_t length (at .len_off) */
	VIEW_MS,	/* int64_t: a number (epoch ms, a count, cents) */
	VIEW_FLAG,	/* int: 1 when the value starts with '1' */
};

struct lead_view_field {
	const char		*field;	/* in the lead's hash (see route.lua) */
	enum lead_view_kind	 kind;
	size_t			 off;	/* of the member in struct lead_view */
	size_t			 len_off;	/* VIEW_TEXT: of its length */
};

#define AT(member)	offsetof(struct lead_view, member)

static const struct lead_view_field lead_view_fields[] = {
	{ .field = "id", .kind = VIEW_STR, .off = AT(id) },
	{ .field = "person", .kind = VIEW_STR_SET, .off = AT(person) },
	{ .field = "status", .kind = VIEW_STR, .off = AT(status) },
	{ .field = "owner", .kind = VIEW_STR_SET, .off = AT(owner) },
	{ .field = "pool", .kind = VIEW_STR_SET, .off = AT(pool) },
	{ .field = "rule", .kind = VIEW_STR, .off = AT(rule) },
	{ .field = "received_at", .kind = VIEW_MS, .off = AT(received_at) },
	{ .field = "assigned_at", .kind = VIEW_MS, .off = AT(assigned_at) },
	{ .field = "touched_at", .kind = VIEW_MS, .off = AT(touched_at) },
	{ .field = "touches", .kind = VIEW_MS, .off = AT(touches) },
	{ .field = "fields", .kind = VIEW_TEXT, .off = AT(fields), .len_off = AT(fields_len) },
	{ .field = "warnings", .kind = VIEW_TEXT, .off = AT(warnings),
	    .len_off = AT(warnings_len) },
	{ .field = "events", .kind = VIEW_TEXT, .off = AT(events), .len_off = AT(events_len) },
	{ .field = "score", .kind = VIEW_MS, .off = AT(score) },
	{ .field = "grade", .kind = VIEW_STR, .off = AT(grade) },
	{ .field = "mql", .kind = VIEW_FLAG, .off = AT(mql) },
	{ .field = "breakdown", .kind = VIEW_TEXT, .off = AT(breakdown),
	    .len_off = AT(breakdown_len) },
	{ .field = "config_version", .kind = VIEW_STR, .off = AT(config_version) },
	{ .field = "rules_tried", .kind = VIEW_MS, .off = AT(rules_tried) },
	{ .field = "~rules", .kind = VIEW_TEXT, .off = AT(rules_then),
	    .len_off = AT(rules_then_len) },
	{ .field = "trace", .kind = VIEW_STR, .off = AT(trace) },
	{ .field = "trace_queue", .kind = VIEW_STR, .off = AT(trace_queue) },
	{ .field = "action", .kind = VIEW_STR, .off = AT(action) },
	{ .field = "owners", .kind = VIEW_STR, .off = AT(owners) },
	{ .field = "esc_open", .kind = VIEW_STR, .off = AT(esc_open) },
	{ .field = "stage", .kind = VIEW_STR_SET, .off = AT(stage) },
	{ .field = "stage_at", .kind = VIEW_MS, .off = AT(stage_at) },
	{ .field = "stage_by", .kind = VIEW_STR, .off = AT(stage_by) },
	{ .field = "decided_at", .kind = VIEW_MS, .off = AT(decided_at) },
	{ .field = "amount", .kind = VIEW_MS, .off = AT(amount) },
	{ .field = "reject_reason", .kind = VIEW_STR, .off = AT(reject_reason) },
	{ .field = "reason", .kind = VIEW_STR, .off = AT(reason) },
};

#undef AT

void
lead_view_init(struct lead_view *v)
{
	memset(v, 0, sizeof(*v));
	v->received_at = v->assigned_at = v->touched_at = -1;
	v->score = v->rules_tried = -1;
	v->stage_at = v->decided_at = v->amount = -1;
}

/* The row for a hash field; NULL for one the view leaves out (clk:*, source, …). */
static const struct lead_view_field *
lead_view_find(const char *field)
{
	size_t i;

	for (i = 0; i < LR_NELEM(lead_view_fields); i++)
		if (strcmp(lead_view_fields[i].field, field) == 0)
			return &lead_view_fields[i];
	return NULL;
}

/* Set the member f names from a string value. */
static void
lead_view_set(struct lead_view *v, const struct lead_view_field *f, const redisReply *val)
{
	char *m = (char *)v + f->off;

	switch (f->kind) {
	case VIEW_STR:
		*(const char **)m = val->str;
		break;
	case VIEW_STR_SET:
		*(const char **)m = val->str[0] != '\0' ? val->str : NULL;
		break;
	case VIEW_TEXT:
		*(const char **)m = val->str;
		*(size_t *)((char *)v + f->len_off) = val->len;
		break;
	case VIEW_MS:
		*(int64_t *)m = store_reply_ms(val);
		break;
	case VIEW_FLAG:
		*(int *)m = val->str[0] == '1';
		break;
	}
}

void
lead_view_from_hash(struct lead_view *v, const redisReply *hash)
{
	const struct lead_view_field *f;
	size_t i;

	lead_view_init(v);
	if (hash == NULL || hash->type != REDIS_REPLY_ARRAY)
		return;
	v->hash = hash;
	for (i = 0; i + 1 < hash->elements; i += 2) {
		const char *k = hash->element[i]->str;
		const redisReply *val = hash->element[i + 1];

		if (k == NULL || val->type != REDIS_REPLY_STRING)
			continue;
		if ((f = lead_view_find(k)) != NULL)
			lead_view_set(v, f, val);
	}
}
