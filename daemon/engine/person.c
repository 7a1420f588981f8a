/*
 * person.c — a lead's person for the intake's decision: read from the route
 * script's answer (their record's behaviour, or their one lead's breakdown),
 * and what their latest lead means for this one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/tstamp.h"

#include "engine/person.h"

void
person_clear(struct person *p)
{
	json_decref(p->last_fields);
	memset(p, 0, sizeof(*p));
}

/* A past event of the person's, as their record keeps them; 0, or -1 when unreadable. */
static int
person_read_past(struct score_past *p, const json_t *e)
{
	const char *r = json_string_value(json_object_get(e, "r"));
	const json_t *pts = json_object_get(e, "p"), *at = json_object_get(e, "at");

	if (r == NULL || !json_is_integer(pts) || !json_is_integer(at))
		return -1;
	snprintf(p->reason, sizeof(p->reason), "%s", r);
	p->earned = (int)json_integer_value(pts);
	p->at = json_integer_value(at);
	return 0;
}

/*
 * A past event from a lead's score breakdown (a person with one lead keeps
 * their behaviour there): its behaviour entries say when and what they
 * earned; fit entries do not. 0, or -1 when it is no behaviour entry.
 */
static int
person_read_breakdown(struct score_past *p, const json_t *e)
{
	const char *r = json_string_value(json_object_get(e, "reason"));
	const char *at = json_string_value(json_object_get(e, "at"));
	const json_t *pts = json_object_get(e, "earned");

	if (r == NULL || at == NULL || !json_is_integer(pts) || tstamp_parse(at, &p->at) == -1)
		return -1;
	snprintf(p->reason, sizeof(p->reason), "%s", r);
	p->earned = (int)json_integer_value(pts);
	return 0;
}

/* The person's past behaviour from text (their record's, or their one lead's breakdown). */
static void
person_read_history(struct person *p, const redisReply *text,
    int (*read)(struct score_past *, const json_t *))
{
	json_t *past, *e;
	size_t i;

	if (text->len == 0 || (past = json_loadb(text->str, text->len, 0, NULL)) == NULL)
		return;
	json_array_foreach(past, i, e)
		if (p->npast < SCORE_MAX_PAST && read(&p->past[p->npast], e) == 0)
			p->npast++;
	json_decref(past);
}

int
person_parse(struct person *p, const redisReply *r)
{
	size_t i;

	person_clear(p);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		return -1;
	if (r->elements == 0)
		return 0;	/* nobody yet */
	if (r->elements < 10)
		return -1;
	for (i = 0; i < 10; i++)
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return -1;
	snprintf(p->id, sizeof(p->id), "%s", r->element[0]->str);
	snprintf(p->ver, sizeof(p->ver), "%s", r->element[1]->str);
	person_read_history(p, r->element[2], person_read_past);
	person_read_history(p, r->element[9], person_read_breakdown);
	p->mql = r->element[3]->str[0] == '1';
	snprintf(p->last, sizeof(p->last), "%s", r->element[4]->str);
	snprintf(p->last_status, sizeof(p->last_status), "%s", r->element[5]->str);
	p->last_staged = r->element[6]->len > 0;
	p->last_received = strtoll(r->element[7]->str, NULL, 10);
	if (r->element[8]->len > 0)
		p->last_fields = json_loadb(r->element[8]->str, r->element[8]->len, 0, NULL);
	return 0;
}

/* Fields that describe one event, not the person: never carried over from a past lead. */
static int
person_event_field(const char *name)
{
	return strcmp(name, "event") == 0 || strcmp(name, "event_id") == 0 ||
	    strcmp(name, "source") == 0 || strcmp(name, "stage") == 0;
}

json_t *
person_latest_attributes(const struct person *p, const json_t *in)
{
	json_t *merged = json_copy((json_t *)in);
	const char *name;
	json_t *v;

	if (p->last_fields == NULL)
		return merged;
	json_object_foreach(p->last_fields, name, v)
		if (!person_event_field(name) && json_object_get(merged, name) == NULL)
			json_object_set(merged, name, v);
	return merged;
}

json_t *
person_joined_fields(const struct person *p, const json_t *in)
{
	json_t *joined = p->last_fields != NULL ? json_copy(p->last_fields) : json_object();
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)in, name, v)
		if (!person_event_field(name))
			json_object_set(joined, name, v);
	return joined;
}

int
person_joins(const struct person *p, const struct conf *conf, int64_t now)
{
	const char *s = p->last_status;

	if (conf->leads.join_window_ms == 0 || p->last[0] == '\0')
		return 0;
	/* A lead held in nurture is joined; one recycled to nurture by sales is not. */
	if (strcmp(s, "queued") != 0 && strcmp(s, "assigned") != 0 &&
	    strcmp(s, "touched") != 0 && !(strcmp(s, "nurture") == 0 && !p->last_staged))
		return 0;
	return now - p->last_received <= conf->leads.join_window_ms;
}

int
person_restarts(const struct person *p, const struct conf *conf, const json_t *in)
{
	const char *ev = json_string_value(json_object_get(in, "event"));
	const char *was = json_string_value(json_object_get(p->last_fields, "event"));
	size_t i;

	if (ev == NULL || (was != NULL && strcmp(ev, was) == 0))
		return 0;
	for (i = 0; i < conf->leads.nrestart_on; i++)
		if (strcmp(conf->leads.restart_on[i], ev) == 0)
			return 1;
	return 0;
}

char *
person_behavior_json(const struct score_result *sr)
{
	struct jsonw w = { 0 };
	size_t i, len;

	jsonw_begin_array(&w, NULL);
	for (i = 0; i < sr->npast; i++) {
		jsonw_begin_object(&w, NULL);
		jsonw_string(&w, "r", sr->past[i].reason);
		jsonw_int(&w, "p", sr->past[i].earned);
		jsonw_int(&w, "at", sr->past[i].at);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	return jsonw_finish(&w, &len);
}
