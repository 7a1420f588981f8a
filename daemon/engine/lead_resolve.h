/*
 * lead_resolve.h — the lead a reference names, for every door that takes a
 * lead from outside: an identity (email:, phone:, crm:; core/leadref.c)
 * names its person's one open lead, else their most recent, found by one
 * read-only script call (lead_resolve.lua). A door resolves a reference
 * first and hands the id to what acts on the lead (lifecycle_run, a read);
 * an id needs no resolving and takes no round trip.
 */
#ifndef LEADROUTED_LEAD_RESOLVE_H
#define LEADROUTED_LEAD_RESOLVE_H

#include <stddef.h>

#include "leadroute/leadref.h"

struct server;

enum lead_resolve_status {
	LEAD_RESOLVED,		/* id is the lead */
	LEAD_RESOLVE_NONE,	/* no person has the identity, or none of their leads is left */
	LEAD_RESOLVE_SEVERAL,	/* the person has several open leads (several) */
	LEAD_RESOLVE_UNAVAILABLE,	/* Redis failed or refused the call, or no key yet (message) */
};

/* What a reference resolved to, borrowed for the callback's duration. */
struct lead_resolved {
	enum lead_resolve_status status;
	const char		*id;		/* RESOLVED: the lead's id (a ULID) */
	const char *const	*several;	/* SEVERAL: the open leads' ids, newest first */
	size_t			 nseveral;
	/*
	 * NULL for RESOLVED; otherwise a sentence for people, naming the
	 * reference as it was given and nothing more of the person (what the
	 * API answers as the error's message). UNAVAILABLE: why.
	 */
	const char		*message;
};

/* Runs exactly once per call. */
typedef void lead_resolve_cb(void *arg, const struct lead_resolved *r);

/*
 * Resolve ref (from leadref_parse; its value is borrowed for this call
 * only). idem is the event id of the action the lead is wanted for, or
 * NULL: when it was already used on one of the person's leads, that lead
 * is the answer (a retried event acts on the lead it acted on). With an
 * owner, only the leads that rep owns count: a rep's token learns nothing
 * of the person's other leads, not even that they exist. Returns 0
 * when the script was sent: cb runs later, from the loop. Returns -1 when
 * cb has already run: an id (RESOLVED, at once), or UNAVAILABLE when the
 * identity key is not loaded yet or the store is not connected or too busy.
 */
int lead_resolve(struct server *srv, const struct leadref *ref, const char *idem,
    const char *owner, lead_resolve_cb *cb, void *arg);

#endif
