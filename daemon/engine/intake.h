/*
 * intake.h — a lead's way in: validated, its person read, scored and decided
 * in memory, then stored (or joined to the person's open lead) and routed by
 * one route script call. Every door (POST /v1/leads,
 * a source's events, POST /v1/route/simulate) comes through here.
 */
#ifndef LEADROUTED_INTAKE_H
#define LEADROUTED_INTAKE_H

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/lead.h"

#include "engine/lead_view.h"

struct server;

/* What became of a lead handed to intake_submit. */
enum intake_outcome {
	INTAKE_STORED,		/* new: v is the lead as decided */
	INTAKE_REPLAYED,	/* its idempotency key was seen: v is the lead stored then */
	INTAKE_JOINED,		/* its person's open lead took it (re_engaged): v is that lead */
	INTAKE_ERASED,		/* its person was erased (a tombstone): nothing stored */
	INTAKE_KEY_REUSED,	/* its idempotency key came with other fields: nothing stored */
	INTAKE_UNAVAILABLE,	/* Redis failed (why): nothing known to be stored */
};

/*
 * Runs exactly once per submitted lead; v is borrowed for the call. why
 * says, for UNAVAILABLE, what failed; for KEY_REUSED, it is the key.
 */
typedef void intake_done(void *arg, enum intake_outcome outcome, const struct lead_view *v,
    const char *why);

/*
 * Validate (normalizing fields in place; borrowed), decide with conf and
 * store one lead, idem (may be NULL: the fields' event_id, if any) being its
 * idempotency key. The key is stored with the fingerprint of the validated
 * fields (idem_fp_json): the same fields again are a replay, others with the
 * same key are refused (INTAKE_KEY_REUSED). conf is
 * borrowed and must outlive done: the config a request started with does,
 * the request holding it until it is answered. 0: done will run, never
 * before this returns; -1: refused with err (nothing sent); -2: not sent,
 * Redis unavailable or the key not loaded yet (err.message says why).
 */
int intake_submit(struct server *srv, const struct conf *conf, json_t *fields, const char *idem,
    struct lead_error *err, intake_done *done, void *arg);

/*
 * Runs exactly once per simulated lead: v (borrowed for the call) is the
 * decision it would get, or NULL when Redis failed (why).
 */
typedef void intake_simulated(void *arg, const struct lead_view *v, const char *why);

/*
 * The decision a lead would get now (at_ms 0) or at at_ms, with nothing
 * written: decided as intake_submit does, then the route script runs dry
 * (its clocks worked out, not started). Same conf contract and returns,
 * except that it does not wait for the key.
 */
int intake_simulate(struct server *srv, const struct conf *conf, json_t *fields,
    int64_t at_ms, struct lead_error *err, intake_simulated *done, void *arg);


#endif
