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

/* Salesforce's REST API (the same shapes, its own words). */

/* A Salesforce record id: 15 or 18 letters and digits. */
int crm_sf_id_ok(const char *id);

/*
 * The verdict of a status and the errorCode of its answer: CRM_DONE for a
 * 2xx; CRM_RETRY for 5xx, 408, 409, a timeout, REQUEST_LIMIT_EXCEEDED and
 * UNABLE_TO_LOCK_ROW; CRM_PERMANENT for the rest (400, 401 other than an
 * expired session, 403, 404 NOT_FOUND or ENTITY_IS_DELETED).
 */
enum crm_verdict crm_sf_verdict(long status, const char *code);

/*
 * The first error of an answer ([{"message","errorCode",…}], or the OAuth
 * endpoint's {"error","error_description"}): its code into code (cut at
 * CRM_ID_LEN; "" when none) and "Salesforce <status> <code>: <message>"
 * into out ("Salesforce <status>" when the body says neither).
 */
void crm_sf_error(long status, const char *body, size_t len, char *code, char *out,
    size_t outlen);

/*
 * An OAuth token answer ({"access_token","instance_url",…}): both copied
 * out, malloc'd; 0, or -1 when either is missing, the token cannot go in a
 * header or the instance is no http(s) URL.
 */
int crm_sf_token(const char *body, size_t len, char **token, char **instance_url);

/* A query's first record's Id ({"records":[{"Id"}]}): 1 found, 0 none, -1 no query answer. */
int crm_sf_query_id(const char *body, size_t len, char *id);

/*
 * The URL-encoded q= of "SELECT Id FROM <object> WHERE Email = '<email>'
 * LIMIT 1" (quotes and backslashes in the email escaped as SOQL asks),
 * malloc'd. object is Lead or Contact.
 */
char *crm_sf_email_query(const char *object, const char *email);

/* {"OwnerId": owner, status_field: status}, a NULL value left out; malloc'd. */
char *crm_sf_patch_body(const char *owner, const char *status_field, const char *status);

/* grant_type=client_credentials&client_id=…&client_secret=…, URL-encoded; malloc'd. */
char *crm_sf_token_form(const char *client_id, const char *client_secret);

#endif
