/*
 * lead.c — check an incoming lead's fields and normalize them. A country or
 * an employee count that cannot be read into its usual form does not refuse
 * the lead: the country is kept as sent, the count left out, and either is
 * noted as a warning.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/lead.h"
#include "leadroute/normalise.h"
#include "leadroute/util.h"

#define LEAD_MAX_FIELDS		200
#define LEAD_MAX_FIELD_NAME	64
#define LEAD_MAX_TEXT		1024

enum lead_kind {
	LK_TEXT,	/* a string */
	LK_CODE,	/* a string, or an integer written as one (postal codes, ids) */
	LK_EMAIL,
	LK_PHONE,
	LK_COUNTRY,	/* a string: the ISO 3166-1 alpha-2 code of the country it names */
	LK_HEADCOUNT,	/* a number, or a string with a number or a range: its lower bound */
};

static const struct {
	const char	*name;
	enum lead_kind	 kind;
	size_t		 max;
} lead_known[] = {
	{ "email", LK_EMAIL, 254 },
	{ "phone", LK_PHONE, 32 },
	{ "first_name", LK_TEXT, 256 },
	{ "last_name", LK_TEXT, 256 },
	{ "company", LK_TEXT, 512 },
	{ "title", LK_TEXT, 512 },
	{ "country", LK_COUNTRY, 128 },
	{ "state", LK_TEXT, 128 },
	{ "postal_code", LK_CODE, 32 },
	{ "employees", LK_HEADCOUNT, 128 },
	{ "industry", LK_TEXT, 256 },
	{ "source", LK_TEXT, 256 },
	{ "event", LK_TEXT, 256 },
	{ "event_id", LK_CODE, LEAD_IDEMPOTENCY_KEY_MAX },
};

static int LR_PRINTF(4, 5)
lead_fail(struct lead_error *err, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Copy s without leading and trailing white space. */
static char *
lead_trim(const char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

static int
lead_valid_email(const char *s)
{
	const char *at = strchr(s, '@'), *p;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || at - s > 64)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("<>(),;:\\\"[]", *p) != NULL)
			return 0;
	p = strrchr(at + 1, '.');
	return p != NULL && p > at + 1 && p[1] != '\0';
}

static int
lead_valid_phone(const char *s)
{
	int digits = 0;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (strchr("+ -().", *p) == NULL || (*p == '+' && p != s))
			return 0;
	}
	return digits >= 7 && digits <= 15;
}

/*
 * Note that a field's value was not used as sent: the field, the value (a
 * reference is taken) and what became of it, appended to *warnings (made
 * on the first). Nothing when warnings is NULL.
 */
static void
lead_warn(json_t **warnings, const char *name, const json_t *sent, const char *message)
{
	if (warnings == NULL)
		return;
	if (*warnings == NULL)
		*warnings = json_array();
	json_array_append_new(*warnings, json_pack("{s:s, s:O, s:s}", "field", name, "value",
	    (json_t *)sent, "message", message));
}

/*
 * An employee count into out (a new integer, its lower bound; NULL when it
 * is left out), or fail when it is no number or string at all. What cannot
 * be read as a count, or is out of range, is left out with a warning.
 */
static int
lead_check_headcount(const char *name, size_t max, const json_t *v, json_t **out,
    json_t **warnings, struct lead_error *err)
{
	struct normalise_range r;
	char *s;

	*out = NULL;
	if (json_is_integer(v)) {
		r.lo = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0 && d <= NORMALISE_EMPLOYEES_MAX)) {
			r.lo = -1;
		} else if ((double)(int64_t)d != d) {
			lead_warn(warnings, name, v, "employees must be a whole number: left out");
			return 0;
		} else {
			r.lo = (int64_t)d;
		}
	} else if (json_is_string(v)) {
		if (strlen(json_string_value(v)) != json_string_length(v))
			return lead_fail(err, "invalid_field", name, "%s contains a NUL byte", name);
		s = lead_trim(json_string_value(v));
		if (strlen(s) > max) {
			free(s);
			return lead_fail(err, "invalid_field", name,
			    "%s is too long (at most %zu characters)", name, max);
		}
		if (s[0] == '\0') {
			free(s);
			return 0;	/* an empty form field is an absent one */
		}
		switch (normalise_employees(s, &r)) {
		case NORMALISE_COUNT_OK:
			break;
		case NORMALISE_COUNT_TOO_LARGE:
			r.lo = -1;
			break;
		case NORMALISE_COUNT_UNKNOWN:
			free(s);
			lead_warn(warnings, name, v,
			    "employees is not a number or a range of numbers: left out");
			return 0;
		}
		free(s);
	} else {
		return lead_fail(err, "invalid_field", name, "%s must be a number or a string", name);
	}
	if (r.lo < 0 || r.lo > NORMALISE_EMPLOYEES_MAX) {
		lead_warn(warnings, name, v, "employees must be between 0 and 100000000: left out");
		return 0;
	}
	*out = json_integer(r.lo);
	return 0;
}

/* Normalize one known field into out (stolen reference), or fail. */
static int
lead_check_known(const char *name, enum lead_kind kind, size_t max, const json_t *v,
    json_t **out, json_t **warnings, struct lead_error *err)
{
	char num[32], *s;
	const char *text, *code;

	*out = NULL;
	if (kind == LK_HEADCOUNT)
		return lead_check_headcount(name, max, v, out, warnings, err);
	if (json_is_integer(v) && (kind == LK_CODE || kind == LK_PHONE)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		text = num;
	} else if (json_is_string(v)) {
		text = json_string_value(v);
		if (strlen(text) != json_string_length(v))
			return lead_fail(err, "invalid_field", name, "%s contains a NUL byte", name);
	} else {
		return lead_fail(err, "invalid_field", name, "%s must be a string", name);
	}
	s = lead_trim(text);
	if (strlen(s) > max) {
		free(s);
		return lead_fail(err, "invalid_field", name,
		    "%s is too long (at most %zu characters)", name, max);
	}
	if (s[0] == '\0') {
		free(s);
		return 0;	/* an empty form field is an absent one */
	}
	if (kind == LK_EMAIL) {
		for (char *p = s; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!lead_valid_email(s)) {
			free(s);
			return lead_fail(err, "invalid_field", name,
			    "email is not a valid address");
		}
	} else if (kind == LK_PHONE && !lead_valid_phone(s)) {
		free(s);
		return lead_fail(err, "invalid_field", name,
		    "phone must have 7 to 15 digits and only + ( ) - . and spaces");
	} else if (strcmp(name, "event_id") == 0 && !lead_valid_idempotency_key(s)) {
		free(s);
		return lead_fail(err, "invalid_field", name,
		    "event_id must be 1-%d printable ASCII characters", LEAD_IDEMPOTENCY_KEY_MAX);
	} else if (kind == LK_COUNTRY) {
		if ((code = normalise_country(s)) != NULL) {
			*out = json_string(code);
			free(s);
			return 0;
		}
		lead_warn(warnings, name, v, "country is not a country we know: kept as sent");
	}
	*out = json_string(s);
	free(s);
	if (*out == NULL)
		return lead_fail(err, "invalid_field", name, "%s is not valid UTF-8", name);
	return 0;
}

/* True when s has a character other than white space. */
static int
lead_has_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 1;
	return 0;
}

int
lead_validate(json_t *body, json_t **warnings, struct lead_error *err)
{
	const char *key;
	json_t *val, *warned = NULL;
	void *tmp;
	size_t i;

	if (warnings != NULL)
		*warnings = NULL;
	if (!json_is_object(body))
		return lead_fail(err, "invalid_body", "", "the body must be a JSON object");
	if (json_object_size(body) > LEAD_MAX_FIELDS)
		return lead_fail(err, "invalid_body", "",
		    "too many fields (at most %d)", LEAD_MAX_FIELDS);
	json_object_foreach_safe(body, tmp, key, val) {
		json_t *norm = NULL;

		if (key[0] == '\0' || strlen(key) > LEAD_MAX_FIELD_NAME) {
			json_decref(warned);
			return lead_fail(err, "invalid_field", "",
			    "field names must be 1-%d characters", LEAD_MAX_FIELD_NAME);
		}
		if (json_is_null(val)) {
			json_object_del(body, key);
			continue;
		}
		for (i = 0; i < LR_NELEM(lead_known); i++)
			if (strcmp(key, lead_known[i].name) == 0)
				break;
		if (i < LR_NELEM(lead_known)) {
			if (lead_check_known(key, lead_known[i].kind, lead_known[i].max, val,
			    &norm, &warned, err) == -1) {
				json_decref(warned);
				return -1;
			}
			if (norm != NULL)
				json_object_set_new(body, key, norm);
			else
				json_object_del(body, key);
			continue;
		}
		if (json_is_string(val) && json_string_length(val) > LEAD_MAX_TEXT) {
			json_decref(warned);
			return lead_fail(err, "invalid_field", key,
			    "%s is too long (at most %d characters)", key, LEAD_MAX_TEXT);
		}
	}
	/* A CRM's record id names the person too (see pii_lead_subjects). */
	if ((val = json_object_get(body, "crm_id")) != NULL && !json_is_integer(val) &&
	    !(json_is_string(val) && lead_has_text(json_string_value(val)))) {
		json_decref(warned);
		return lead_fail(err, "invalid_field", "crm_id",
		    "crm_id must be the CRM's record id: a non-empty string or a whole number");
	}
	if (json_object_get(body, "email") == NULL && json_object_get(body, "phone") == NULL &&
	    json_object_get(body, "crm_id") == NULL) {
		json_decref(warned);
		return lead_fail(err, "missing_field", "email", "email, phone or crm_id is required");
	}
	if (warnings != NULL)
		*warnings = warned;
	else
		json_decref(warned);
	return 0;
}

const char *
lead_field_name(size_t i)
{
	return i < LR_NELEM(lead_known) ? lead_known[i].name : NULL;
}

int
lead_contact_key(const json_t *fields, char out[65])
{
	const char *email = json_string_value(json_object_get(fields, "email"));
	const char *at, *plus;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf norm = { NULL, 0, 0 };

	if (email == NULL || (at = strrchr(email, '@')) == NULL)
		return -1;
	plus = memchr(email, '+', (size_t)(at - email));
	buf_append(&norm, email, (size_t)((plus != NULL && plus > email ? plus : at) - email));
	buf_append(&norm, at, strlen(at));
	EVP_Digest(norm.data, norm.len, md, &mdlen, EVP_sha256(), NULL);
	buf_free(&norm);
	util_hex_encode(md, mdlen < 32 ? mdlen : 32, out);
	return 0;
}

void
lead_email_domains(const json_t *fields, char *out, size_t outlen)
{
	const char *email = json_string_value(json_object_get(fields, "email"));
	const char *d = email != NULL ? strrchr(email, '@') : NULL;
	size_t used = 0;

	out[0] = '\0';
	if (d == NULL)
		return;
	for (d++; d != NULL && strchr(d, '.') != NULL; d = strchr(d, '.') + 1) {
		int w = snprintf(out + used, outlen - used, "%s%s", used > 0 ? "," : "", d);

		if (w < 0 || (size_t)w >= outlen - used)
			break;
		used += (size_t)w;
	}
}

int
lead_valid_idempotency_key(const char *key)
{
	size_t n;

	for (n = 0; key[n] != '\0'; n++)
		if (n >= LEAD_IDEMPOTENCY_KEY_MAX || key[n] < 0x21 || key[n] > 0x7e)
			return 0;
	return n > 0;
}

const char *
lead_value_text(const json_t *v, char *tmp, size_t tmplen)
{
	int prec;

	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		return json_string_value(v);
	case JSON_INTEGER:
		util_format_int(tmp, json_integer_value(v));
		return tmp;
	case JSON_REAL:
		for (prec = 1; prec < 17; prec++) {
			snprintf(tmp, tmplen, "%.*g", prec, json_real_value(v));
			if (strtod(tmp, NULL) == json_real_value(v))
				return tmp;
		}
		snprintf(tmp, tmplen, "%.17g", json_real_value(v));
		return tmp;
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return NULL;
	}
}
