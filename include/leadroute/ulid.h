/* ulid.h — lexicographically sortable unique ids (ULID) for leads. */
#ifndef LEADROUTE_ULID_H
#define LEADROUTE_ULID_H

#include <stdint.h>

#define ULID_LEN 26

/* Encode 48 bits of milliseconds and 80 random bits as 26 Crockford base32 characters. */
void ulid_encode(int64_t ms, const unsigned char rnd[10], char out[ULID_LEN + 1]);

/* True when s is a well-formed ULID. */
int ulid_valid(const char *s);

#endif
