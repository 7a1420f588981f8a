/*
 * crm_answer.c — HubSpot's CRM API on the wire (see leadroute/crm_answer.h).
 * Its answers are outside input: read with jansson from a length, never
 * trusted to be whole, to be objects or to hold strings where the docs say.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/crm_answer.h"
#include "leadroute/util.h"

enum crm_verdict
crm_hubspot_verdict(long status)
{
	if (status >= 200 && status <= 299)
		return CRM_DONE;
	/* 409: a contact made by someone else meanwhile; the next attempt finds it. */
	if (status == 429 || status == 408 || status == 409 || status >= 500 || status < 100)
		return CRM_RETRY;
	return CRM_PERMANENT;
}

int
crm_hubspot_id_ok(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (id[n] < '0' || id[n] > '9')
			return 0;
	return n >= 1 && n <= 20;
}

/* The answer as a JSON object; NULL when it is not one. */
static json_t *
crm_load(const char *body, size_t len)
{
	json_t *j;

	if (body == NULL || len == 0)
		return NULL;
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* A member that is a string, or a whole number HubSpot may write without quotes. */
static int
crm_id_of(const json_t *v, char *id)
{
	if (json_is_string(v) && crm_hubspot_id_ok(json_string_value(v))) {
		snprintf(id, CRM_ID_LEN, "%s", json_string_value(v));
		return 1;
	}
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		snprintf(id, CRM_ID_LEN, "%lld", (long long)json_integer_value(v));
		return 1;
	}
	return -1;
}

void
crm_hubspot_error(long status, const char *body, size_t len, char *out, size_t outlen)
{
	json_t *j = crm_load(body, len);
	const char *msg = json_string_value(json_object_get(j, "message"));
	const char *cat = json_string_value(json_object_get(j, "category"));

	if (msg != NULL && cat != NULL)
		snprintf(out, outlen, "HubSpot %ld %s: %s", status, cat, msg);
	else if (msg != NULL)
		snprintf(out, outlen, "HubSpot %ld: %s", status, msg);
	else
		snprintf(out, outlen, "HubSpot %ld", status);
	json_decref(j);
	/* Their bytes go into logs and JSON: valid UTF-8, a cut character included. */
	util_utf8_scrub(out);
}

int
crm_hubspot_object_id(const char *body, size_t len, char *id)
{
	json_t *j = crm_load(body, len);
	int r = j != NULL ? crm_id_of(json_object_get(j, "id"), id) : -1;

	json_decref(j);
	return r;
}

int
crm_hubspot_search_id(const char *body, size_t len, char *id)
{
	json_t *j = crm_load(body, len), *results;
	int r = -1;

	results = json_object_get(j, "results");
	if (json_is_array(results))
		r = json_array_size(results) == 0 ? 0 :
		    crm_id_of(json_object_get(json_array_get(results, 0), "id"), id);
	json_decref(j);
	return r;
}

static char *
crm_dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (s == NULL)
		abort();	/* jansson allocates; as xmalloc does, out of memory ends it */
	return s;
}

static void
crm_set(json_t *props, const char *name, const char *value)
{
	if (name != NULL && value != NULL)
		json_object_set_new(props, name, json_string(value));
}

char *
crm_hubspot_patch_body(const char *owner, const char *status_prop, const char *status)
{
	json_t *props = json_object();

	crm_set(props, "hubspot_owner_id", owner);
	crm_set(props, status_prop, status);
	return crm_dump(json_pack("{s:o}", "properties", props));
}

char *
crm_hubspot_search_body(const char *email)
{
	return crm_dump(json_pack("{s:[{s:[{s:s, s:s, s:s}]}], s:[s], s:i}", "filterGroups",
	    "filters", "propertyName", "email", "operator", "EQ", "value", email,
	    "properties", "email", "limit", 1));
}

char *
crm_hubspot_create_body(const char *email, const char *first, const char *last,
    const char *company, const char *owner, const char *status_prop, const char *status)
{
	json_t *props = json_object();

	crm_set(props, "email", email);
	crm_set(props, "firstname", first);
	crm_set(props, "lastname", last);
	crm_set(props, "company", company);
	crm_set(props, "hubspot_owner_id", owner);
	crm_set(props, status_prop, status);
	return crm_dump(json_pack("{s:o}", "properties", props));
}
