/*
 * pii.h — keyed hashes of a person's identities (email, phone, CRM id): for
 * logs, the person index, the erasure index and tombstones.
 */
#ifndef LEADROUTE_PII_H
#define LEADROUTE_PII_H

#include <stddef.h>

#include <jansson.h>

#define PII_HASH_LEN	32	/* hex digits: the first 16 bytes of an HMAC-SHA256 */

/*
 * The keyed hash of a subject: kind "email" (trimmed, lower-cased), "phone"
 * (its digits, with a leading + kept) or "crm" (a CRM's record id, trimmed,
 * case kept). The kind is part of the hash, so an email and a phone never
 * collide. -1 when nothing is left to hash.
 */
int pii_hash(const char *kind, const char *value, const unsigned char *key, size_t keylen,
    char out[PII_HASH_LEN + 1]);

/*
 * The hashes of a lead's email, phone and crm_id (a string or an integer), in
 * that order, comma-separated ("" when it has none), as the route script
 * indexes them (PII_SUBJECTS_LEN holds all three); kinds_out their kinds
 * the same way ("email,phone,crm").
 */
#define PII_SUBJECTS_LEN	(3 * (PII_HASH_LEN + 1))
#define PII_KINDS_LEN		16
void pii_lead_subjects(const json_t *fields, const unsigned char *key, size_t keylen,
    char *out, size_t outlen, char kinds_out[PII_KINDS_LEN]);

#endif
