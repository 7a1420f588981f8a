/* ulid.c — ULID encoding (https://github.com/ulid/spec). */
#include "config.h"

#include <string.h>

#include "leadroute/ulid.h"

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void
ulid_encode(int64_t ms, const unsigned char rnd[10], char out[ULID_LEN + 1])
{
	unsigned char b[16];
	int i, bit;

	for (i = 0; i < 6; i++)
		b[i] = (unsigned char)((uint64_t)ms >> (8 * (5 - i)));
	memcpy(b + 6, rnd, 10);
	/* 128 bits as 26 five-bit groups, with two leading zero bits. */
	for (i = 0, bit = -2; i < ULID_LEN; i++, bit += 5) {
		unsigned v = 0;
		int j;

		for (j = 0; j < 5; j++) {
			int pos = bit + j;

			v <<= 1;
			if (pos >= 0)
				v |= (b[pos / 8] >> (7 - pos % 8)) & 1;
		}
		out[i] = ulid_alphabet[v];
	}
	out[ULID_LEN] = '\0';
}

int
ulid_valid(const char *s)
{
	size_t i;

	for (i = 0; i < ULID_LEN; i++)
		if (s[i] == '\0' || strchr(ulid_alphabet, s[i]) == NULL)
			return 0;
	return s[ULID_LEN] == '\0' && s[0] <= '7';
}
