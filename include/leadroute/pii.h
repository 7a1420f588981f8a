/* pii.h — keyed hashes of a lead's email and phone: for logs, the erasure index and tombstones. */
#ifndef LEADROUTE_PII_H
#define LEADROUTE_PII_H

#include <stddef.h>

#include <jansson.h>

#define PII_HASH_LEN	32	/* hex digits: the first 16 bytes of an HMAC-SHA256 */

/*
 * The keyed hash of a subject: kind "email" (trimmed, lower-cased) or "phone"
 * (its digits, with a leading + kept). The kind is part of the hash, so an
 * email and a phone never collide. -1 when nothing is left to hash.
 */
int pii_hash(const char *kind, const char *value, const unsigned char *key, size_t keylen,
    char out[PII_HASH_LEN + 1]);

/*
 * The hashes of a lead's email and phone, comma-separated ("" when it has
 * neither), as the route script indexes them.
 */
void pii_lead_subjects(const json_t *fields, const unsigned char *key, size_t keylen,
    char *out, size_t outlen);

#endif
