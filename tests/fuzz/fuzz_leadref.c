/*
 * fuzz_leadref.c — a lead reference as a path segment or a body's "lead"
 * brings it: the input up to its first NUL, in a buffer of exactly its
 * size (so ASan sees any read past it). Checks what the header promises: a
 * reference read points into the text, after a prefix naming its kind (an
 * id is the whole text, a valid ULID), within LEADREF_VALUE_MAX bytes and
 * without control characters, and always has something to hash (pii_hash
 * takes its value); a refusal says why and keeps nothing; reading twice
 * gives the same.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadroute/leadref.h"
#include "leadroute/pii.h"
#include "leadroute/ulid.h"

static const unsigned char key[32] = "fuzz-key";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul != NULL ? (size_t)(nul - data) : size, i, plen;
	struct leadref ref, again;
	char h[PII_HASH_LEN + 1];
	char *text;
	int rc;

	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	rc = leadref_parse(text, &ref);
	if (rc == 0) {
		if (ref.why != NULL || ref.value == NULL || ref.value < text ||
		    ref.value > text + len)
			abort();
		if (ref.kind == LEADREF_ID) {
			if (ref.value != text || !ulid_valid(text))
				abort();
		} else {
			/* The prefix before the value names the kind. */
			plen = strlen(leadref_kind_name(ref.kind));
			if (ref.value != text + plen + 1 || text[plen] != ':' ||
			    strncasecmp(text, leadref_kind_name(ref.kind), plen) != 0)
				abort();
			if (strlen(ref.value) > LEADREF_VALUE_MAX)
				abort();
			for (i = 0; ref.value[i] != '\0'; i++)
				if ((unsigned char)ref.value[i] < 0x20 || ref.value[i] == 0x7f)
					abort();
			if (pii_hash(leadref_kind_name(ref.kind), ref.value, key, sizeof(key), h) != 0 ||
			    strlen(h) != PII_HASH_LEN)
				abort();
		}
	} else if (rc != -1 || ref.why == NULL || ref.why[0] == '\0' || ref.value != NULL) {
		abort();
	}
	if (leadref_parse(text, &again) != rc || again.kind != ref.kind ||
	    again.value != ref.value || again.why != ref.why)
		abort();
	free(text);
	return 0;
}
