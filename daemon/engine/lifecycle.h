/*
 * lifecycle.h — the hand-off actions on a lead: a touch, accept, reject with
 * a reason, a stage move. Checked against the config, then run by the touch
 * or stage script, which checks them against the lead as it is and records
 * them (history, event stream, clocks) atomically. Every door comes through
 * here: the HTTP API (POST /v1/leads/{id}/…, POST /v1/events) and whatever
 * else acts for a rep.
 */
#ifndef LEADROUTED_LIFECYCLE_H
#define LEADROUTED_LIFECYCLE_H

#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"

#include "engine/lead_view.h"

struct server;

enum lifecycle_action {
	LIFECYCLE_TOUCH,	/* the owner worked the lead (a call, an email, …) */
	LIFECYCLE_ACCEPT,	/* the owner takes it into the accept stage */
	LIFECYCLE_REJECT,	/* the owner turns it down with a reason code */
	LIFECYCLE_STAGE,	/* anyone moves it to a stage (a manager, a CRM) */
	/*
	 * The CRM gave the lead to another rep by hand (rep: the new owner; by,
	 * reason: recorded with it). Not one of the API's actions: an activity
	 * source's only (crm_owner.lua).
	 */
	LIFECYCLE_REASSIGN,
};

/* The API's action named name (touch, accept, reject, stage); -1 when none is. */
int lifecycle_action_parse(const char *name, enum lifecycle_action *action);

/* Inputs given in a form their caller could not read (see malformed). */
#define LIFECYCLE_IN_CHANNEL	0x01
#define LIFECYCLE_IN_OUTCOME	0x02
#define LIFECYCLE_IN_STAGE	0x04
#define LIFECYCLE_IN_REASON	0x08
#define LIFECYCLE_IN_NOTE	0x10
#define LIFECYCLE_IN_AMOUNT	0x20

/*
 * One action as its caller asks for it. Strings are borrowed for the call
 * to lifecycle_run only; inputs the action does not take are ignored.
 */
struct lifecycle_req {
	enum lifecycle_action	 action;
	const char		*lead;		/* the lead's id */
	/*
	 * Who acts (required). Touch, accept, reject: the rep, who must be the
	 * lead's owner (the script checks it: LIFECYCLE_NOT_OWNER otherwise).
	 * Stage: whoever made the move (the API's "by"); not checked against
	 * the owner. Authenticating it is the caller's part.
	 */
	const char		*rep;
	/*
	 * A touch by whoever owns the lead (rep NULL): a CRM that logs an
	 * activity on the lead without naming who did it.
	 */
	int			 as_owner;
	const char		*by;		/* reassign: who made the change ("crm") */
	/*
	 * Idempotency key, or NULL: the same key for the same lead within
	 * leads.idempotency_window changes nothing (LIFECYCLE_REPLAYED); for
	 * another lead it is refused (LIFECYCLE_IDEM_CONFLICT), and so is the
	 * same key with another action or other inputs (LIFECYCLE_IDEM_REUSED):
	 * the key is kept with a fingerprint of the action as checked (see
	 * lifecycle_run).
	 */
	const char		*idem;
	const char		*channel;	/* touch: a word (call, email, …); NULL: not said */
	const char		*outcome;	/* touch: a word (connected, voicemail, …); NULL */
	const char		*stage;		/* stage: the stage to enter */
	/*
	 * reject: a reject reason code; stage: a lost reason, where the stage
	 * requires one; reassign: why, a word recorded as it is
	 */
	const char		*reason;
	const char		*note;		/* free text; NULL or "": none (a reason may require one) */
	double			 amount;	/* stage: the deal's amount in currency units */
	int			 has_amount;	/* amount is given */
	/*
	 * LIFECYCLE_IN_* of inputs given in a form the caller could not read
	 * (in JSON: not a string, not a number): each is refused as invalid
	 * when its turn comes, as a wrong value would be.
	 */
	unsigned		 malformed;
};

/* What became of an action. */
enum lifecycle_status {
	LIFECYCLE_DONE,		/* recorded; lead is the lead as it now is */
	LIFECYCLE_REPLAYED,	/* the key was used for this lead already: nothing changed */
	LIFECYCLE_INVALID,	/* refused by the checks (field says which input); nothing ran */
	LIFECYCLE_NOT_FOUND,	/* no such lead */
	LIFECYCLE_NO_OWNER,	/* the lead has no owner yet (lead_status: queued, …) */
	LIFECYCLE_NOT_OWNER,	/* rep does not own the lead: owner does */
	LIFECYCLE_CLOSED,	/* a touch on a lead that left the sales process (lead_status) */
	LIFECYCLE_NO_STAGE,	/* the lead has no stage: its rule nurtured it on arrival */
	LIFECYCLE_STAGE_CONFLICT,	/* its stage (stage, since stage_at) cannot move to to */
	LIFECYCLE_CADENCE,	/* the reason needs the follow-up cadence done (touches, required) */
	LIFECYCLE_IDEM_CONFLICT,	/* the key was used for another lead (other_lead) */
	LIFECYCLE_IDEM_REUSED,	/* the key came with another request for this lead (lead) */
	LIFECYCLE_UNAVAILABLE,	/* Redis failed or refused the call (message: why) */
};

/*
 * An outcome, borrowed for the callback's duration. Members other than the
 * first four are set for the statuses named beside them; the rest are NULL,
 * 0 or -1.
 */
struct lifecycle_outcome {
	enum lifecycle_status	 status;
	enum lifecycle_action	 action;
	const char		*lead_id;	/* the lead asked about, as given */
	/*
	 * NULL for DONE and REPLAYED; otherwise a sentence for people (what the
	 * API answers as the error's message). UNAVAILABLE: why.
	 */
	const char		*message;

	/* DONE, REPLAYED, IDEM_REUSED: the lead (stage, owner, …) as it now is */
	const struct lead_view	*lead;
	int			 first_touch;	/* DONE, a touch: the lead's first */
	int			 changed;	/* DONE, a reassignment: 0 when rep owned it already */

	const char		*field;		/* INVALID: the input, as the API names it */
	int			 missing;	/* INVALID: it was not given (else: not valid) */
	json_t			*valid;		/* INVALID: the values it may take (an array), or NULL */

	const char		*lead_status;	/* NO_OWNER, CLOSED, NO_STAGE: queued, nurture, … */
	const char		*owner;		/* NOT_OWNER: the lead's owner now */

	const char		*stage;		/* STAGE_CONFLICT: the stage the lead is in */
	int64_t			 stage_at;	/* since when (epoch ms); -1: not known */
	const char		*stage_by;	/* who moved it there; NULL: not known */
	const char		*to;		/* STAGE_CONFLICT: the stage asked for */
	json_t			*allowed;	/* STAGE_CONFLICT: where it may move (an array) */

	int64_t			 touches;	/* CADENCE: the lead's touches */
	int64_t			 required;	/* CADENCE: the touches the reason needs */

	const char		*other_lead;	/* IDEM_CONFLICT: the lead the key was used for */
};

/* Runs exactly once per action. */
typedef void lifecycle_cb(void *arg, const struct lifecycle_outcome *outcome);

/*
 * Check req against conf (the config the caller started with; a reference
 * is held until cb has run) and run it. With a key, the script compares the
 * fingerprint of the action as checked — its name, who acts and its inputs
 * (channel, outcome, stage, reason code, note, amount in cents), "" for each
 * not given — with the one the key was first used with. On success the
 * action is logged and counted, and a first touch or a lead leaving the
 * process drains the queues. Returns 0 when the script was sent: cb runs later, from the loop.
 * Returns -1 when req was answered before anything was sent (INVALID,
 * NOT_FOUND for an id that cannot name a lead, UNAVAILABLE when the store
 * is not connected or too busy): cb has already run.
 */
int lifecycle_run(struct server *srv, struct conf *conf, const struct lifecycle_req *req,
    lifecycle_cb *cb, void *arg);

#endif
