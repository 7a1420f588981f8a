/*
 * crm_answer.h — HubSpot's CRM API on the wire: the bodies leadroute sends
 * (an owner and a status written to a contact, a search by email, a new
 * contact) and what HubSpot answers (a record's id, a search's first match,
 * an error's message and category), with whether asking again can help.
 */
#ifndef LEADROUTE_CRM_ANSWER_H
#define LEADROUTE_CRM_ANSWER_H

#include <stddef.h>

/* The longest record id kept, plus NUL (HubSpot's ids are 64-bit numbers). */
#define CRM_ID_LEN 32
/* The longest error text kept, plus NUL. */
#define CRM_ERROR_LEN 320

enum crm_verdict {
	CRM_DONE,	/* a 2xx */
	CRM_RETRY,	/* may work later: 429, 5xx, 408, 409 (a race with another writer) */
	CRM_PERMANENT,	/* asking again cannot help: any other 4xx (400, 401, 403, 404) */
};

/* The verdict of an HTTP status from HubSpot. */
enum crm_verdict crm_hubspot_verdict(long status);

/* True for a HubSpot record id: 1 to 20 digits (anything else is searched for by email). */
int crm_hubspot_id_ok(const char *id);

/*
 * The error text of an answer for the dead letters and logs: "HubSpot
 * <status> <category>: <message>" from HubSpot's {"status":"error",
 * "message", "category"}, or "HubSpot <status>" when the body says neither
 * (cut at out's size, always NUL-terminated).
 */
void crm_hubspot_error(long status, const char *body, size_t len, char *out, size_t outlen);

/*
 * The id of a record HubSpot answered with ({"id":"123",…}: a created
 * contact), into id: 1 when found, -1 when the body has none.
 */
int crm_hubspot_object_id(const char *body, size_t len, char *id);

/*
 * A search's first match ({"total":n,"results":[{"id":"123",…},…]}) into
 * id: 1 found, 0 no match, -1 a body that is no search answer.
 */
int crm_hubspot_search_id(const char *body, size_t len, char *id);

/*
 * The bodies sent, malloc'd compact JSON. A property whose value is NULL is
 * left out. patch: {"properties":{"hubspot_owner_id":owner, status_prop:
 * status}} (owner NULL: the status alone). search: one filter, email EQ
 * value, asking for the id only, the first match. create: the patch's
 * properties with "email" and, when given, first name, last name and
 * company.
 */
char *crm_hubspot_patch_body(const char *owner, const char *status_prop, const char *status);
char *crm_hubspot_search_body(const char *email);
char *crm_hubspot_create_body(const char *email, const char *first, const char *last,
    const char *company, const char *owner, const char *status_prop, const char *status);

#endif
