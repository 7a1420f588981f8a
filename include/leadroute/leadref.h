/*
 * leadref.h — how a request names a lead: by its id (a ULID), or by an
 * identity of the person it belongs to — "email:<address>",
 * "phone:<number>" or "crm:<a CRM's record id>" — which the daemon resolves
 * to that person's open lead (daemon/lua/lead_resolve.lua). Only the form
 * is read here: the value is matched as pii_hash normalizes its kind.
 */
#ifndef LEADROUTE_LEADREF_H
#define LEADROUTE_LEADREF_H

#define LEADREF_VALUE_MAX	254	/* bytes after the prefix: an email's own limit */

enum leadref_kind {
	LEADREF_ID,		/* a lead's id */
	LEADREF_EMAIL,		/* email:<address> */
	LEADREF_PHONE,		/* phone:<number> */
	LEADREF_CRM,		/* crm:<record id> */
};

struct leadref {
	enum leadref_kind	 kind;
	/*
	 * Into the text read: the id, or what follows the prefix (as sent:
	 * pii_hash trims it, folds an email's case and keeps a phone's digits
	 * and leading +).
	 */
	const char		*value;
	const char		*why;	/* -1: why text names no lead (static) */
};

/*
 * Read text as a lead id or a reference. The prefix may come in any case;
 * the value must not be blank, must hold no control characters nor more
 * than LEADREF_VALUE_MAX bytes, an email's an @ with something on each side,
 * a phone's a digit. 0, or -1 with ref->why (an unknown prefix, an empty
 * value, text that is neither an id nor a reference).
 */
int leadref_parse(const char *text, struct leadref *ref);

/* "id", "email", "phone" or "crm": for the last three, the kind pii_hash takes. */
const char *leadref_kind_name(enum leadref_kind kind);

#endif
