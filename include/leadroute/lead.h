/* lead.h — validation and normalization of an incoming lead. */
#ifndef LEADROUTE_LEAD_H
#define LEADROUTE_LEAD_H

#include <stddef.h>

#include <jansson.h>

/* Longest idempotency key (header or event_id) we accept. */
#define LEAD_IDEMPOTENCY_KEY_MAX 255

/* Why a lead was refused: a stable code, the offending field, a sentence. */
struct lead_error {
	const char	*code;		/* "missing_field", "invalid_field", "invalid_body" */
	char		 field[72];
	char		 message[256];
};

/*
 * Validate a lead body and normalize it in place: known fields checked and
 * trimmed, email lower-cased, country as its ISO 3166-1 alpha-2 code and
 * employees as a number (the lower bound of a range; see normalise.h),
 * empty and null fields dropped, everything else kept. A country that names
 * no country is kept as sent and an employee count that cannot be read is
 * left out, each with a warning: with warnings not NULL, *warnings is then
 * a new array of {"field", "value" (as sent), "message"}, else NULL.
 * Returns 0, or -1 and err (body is then half-normalized: discard it;
 * *warnings is NULL).
 */
int lead_validate(json_t *body, json_t **warnings, struct lead_error *err);

/* The i-th field of the lead schema (email, phone, country, …), or NULL past the last. */
const char *lead_field_name(size_t i);

/*
 * The key of a contact for sticky ownership: the email lower-cased, without
 * a +tag in the local part, hashed with SHA-256 (hex), so keys carry no
 * address. 0, or -1 when the lead has no usable email.
 */
int lead_contact_key(const json_t *fields, char out[65]);

/*
 * The lead's email domain and its parents down to two labels, comma-separated
 * ("eu.acme.com,acme.com"), for finding its account. Empty without an email.
 */
void lead_email_domains(const json_t *fields, char *out, size_t outlen);

/* True when key is an acceptable idempotency key (1-255 printable ASCII). */
int lead_valid_idempotency_key(const char *key);

/*
 * A scalar as rules and mappings compare it: strings as they are, integers
 * in decimal, reals in the shortest form that reads back the same (0.1, not
 * 0.10000000000000001), booleans as true/false. NULL for a missing value,
 * null, an array or an object. tmp (32 bytes) holds formatted numbers.
 */
const char *lead_value_text(const json_t *v, char *tmp, size_t tmplen);

#endif
