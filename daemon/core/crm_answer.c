/*
 * crm_answer.c — HubSpot's and Salesforce's APIs on the wire (see
 * leadroute/crm_answer.h).
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

int
crm_sf_id_ok(const char *id)
{
	size_t n = 0;

	for (; id[n] != '\0'; n++)
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'z') ||
		    (id[n] >= 'A' && id[n] <= 'Z')))
			return 0;
	return n == 15 || n == 18;
}

enum crm_verdict
crm_sf_verdict(long status, const char *code)
{
	if (status >= 200 && status <= 299)
		return CRM_DONE;
	/* Its daily API limit (403) and a locked record pass; they say nothing of this write. */
	if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0 || strcmp(code, "UNABLE_TO_LOCK_ROW") == 0)
		return CRM_RETRY;
	if (status == 429 || status == 408 || status == 409 || status >= 500 || status < 100)
		return CRM_RETRY;
	return CRM_PERMANENT;
}

void
crm_sf_error(long status, const char *body, size_t len, char *code, char *out, size_t outlen)
{
	json_t *j = body != NULL && len > 0 ? json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL) :
	    NULL;
	const json_t *e = json_is_array(j) ? json_array_get(j, 0) : j;
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *c = json_string_value(json_object_get(e, "errorCode"));

	if (msg == NULL && c == NULL) {		/* the OAuth endpoint's shape */
		msg = json_string_value(json_object_get(e, "error_description"));
		c = json_string_value(json_object_get(e, "error"));
	}
	snprintf(code, CRM_ID_LEN, "%s", c != NULL ? c : "");
	if (msg != NULL && c != NULL)
		snprintf(out, outlen, "Salesforce %ld %s: %s", status, c, msg);
	else if (msg != NULL || c != NULL)
		snprintf(out, outlen, "Salesforce %ld: %s", status, msg != NULL ? msg : c);
	else
		snprintf(out, outlen, "Salesforce %ld", status);
	json_decref(j);
	util_utf8_scrub(code);
	util_utf8_scrub(out);
}

static int
crm_header_safe(const char *t)
{
	for (; *t != '\0'; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return 0;
	return 1;
}

int
crm_sf_token(const char *body, size_t len, char **token, char **instance_url)
{
	json_t *j = crm_load(body, len);
	const char *t = json_string_value(json_object_get(j, "access_token"));
	const char *u = json_string_value(json_object_get(j, "instance_url"));
	int ok = t != NULL && u != NULL && t[0] != '\0' && crm_header_safe(t) &&
	    crm_header_safe(u) && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0);

	*token = ok ? xstrdup(t) : NULL;
	*instance_url = NULL;
	if (ok) {
		size_t n = strlen(u);

		while (n > 0 && u[n - 1] == '/')
			n--;
		*instance_url = xstrndup(u, n);
	}
	json_decref(j);
	return ok ? 0 : -1;
}

int
crm_sf_query_id(const char *body, size_t len, char *id)
{
	json_t *j = crm_load(body, len), *records;
	const char *v;
	int r = -1;

	records = json_object_get(j, "records");
	if (json_is_array(records)) {
		v = json_string_value(json_object_get(json_array_get(records, 0), "Id"));
		r = json_array_size(records) == 0 ? 0 : v != NULL && crm_sf_id_ok(v) ? 1 : -1;
		if (r == 1)
			snprintf(id, CRM_ID_LEN, "%s", v);
	}
	json_decref(j);
	return r;
}

/* s percent-encoded into b: all but unreserved characters (RFC 3986). */
static void
crm_urlencode(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			buf_append(b, s, 1);
		else
			buf_appendf(b, "%%%02X", c);
	}
}

char *
crm_sf_email_query(const char *object, const char *email)
{
	struct buf soql = { 0 }, out = { 0 };
	char *r;

	buf_appendf(&soql, "SELECT Id FROM %s WHERE Email = '", object);
	for (; *email != '\0'; email++) {
		if (*email == '\'' || *email == '\\')
			buf_append(&soql, "\\", 1);
		buf_append(&soql, email, 1);
	}
	buf_appendf(&soql, "' LIMIT 1");
	buf_append(&soql, "", 1);
	crm_urlencode(&out, soql.data);
	buf_append(&out, "", 1);
	r = xstrdup(out.data);
	buf_free(&soql);
	buf_free(&out);
	return r;
}

char *
crm_sf_patch_body(const char *owner, const char *status_field, const char *status)
{
	json_t *o = json_object();

	crm_set(o, "OwnerId", owner);
	crm_set(o, status_field, status);
	return crm_dump(o);
}

char *
crm_sf_token_form(const char *client_id, const char *client_secret)
{
	struct buf b = { 0 };
	char *r;

	buf_appendf(&b, "grant_type=client_credentials&client_id=");
	crm_urlencode(&b, client_id);
	buf_appendf(&b, "&client_secret=");
	crm_urlencode(&b, client_secret);
	buf_append(&b, "", 1);
	r = xstrdup(b.data);
	explicit_bzero(b.data, b.len);
	buf_free(&b);
	return r;
}
