/*
 * person.h — a lead's person as the intake decides with them: what the
 * route script answered of them (lib/person.lua's person_read), their latest
 * attributes, and whether their latest lead is one to join.
 */
#ifndef LEADROUTED_PERSON_H
#define LEADROUTED_PERSON_H

#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/score.h"
#include "leadroute/ulid.h"

#include "io/store.h"

struct person {
	char			 id[ULID_LEN + 1];	/* "" for nobody yet */
	char			 ver[24];		/* of their record ("0": none yet) */
	int			 mql;
	struct score_past	 past[SCORE_MAX_PAST];	/* their behaviour, oldest first */
	size_t			 npast;
	char			 last[ULID_LEN + 1];	/* their latest lead ("" when gone) */
	char			 last_status[16];
	int			 last_staged;		/* it has a lifecycle stage */
	int64_t			 last_received;
	json_t			*last_fields;		/* its fields, or NULL */
};

/* Forget what was read (nobody). */
void person_clear(struct person *p);

/* Read the person from the route script's answer; -1 (and nobody) when malformed. */
int person_parse(struct person *p, const redisReply *r);

/*
 * Their latest attributes: in's fields over those of their latest lead (a
 * form with only an email and an event keeps the title given before); the
 * event's own fields are in's. A new reference.
 */
json_t *person_latest_attributes(const struct person *p, const json_t *in);

/*
 * What their latest lead keeps as its fields when in joins it: its own, with
 * in's newer attributes over them; its event, source and event id stay its
 * own (what it arrived by). A new reference.
 */
json_t *person_joined_fields(const struct person *p, const json_t *in);

/*
 * True when their latest lead is one a new event joins at now: in the sales
 * process (queued, assigned, touched) or held in nurture by routing (not
 * recycled to nurture by sales), and within leads.join_window.
 */
int person_joins(const struct person *p, const struct conf *conf, int64_t now);

/* True when in's event asks their worked lead for a new first touch (leads.restart_first_touch_on). */
int person_restarts(const struct person *p, const struct conf *conf, const json_t *in);

/* The behaviour to keep in their record, as JSON [{r, p, at}, …] (see person_parse). */
char *person_behavior_json(const struct score_result *sr);

#endif
