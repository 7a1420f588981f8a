/*
 * fuzz_normalise.c — countries and employee counts as senders write them.
 * The input, cut at its first NUL, is read as a country and as an employee
 * count. A key is its own key, a country's code names itself, keys fit the
 * room they are given, and a count's range is in order and in bounds.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/normalise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Both none, or the same code. */
static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), key[NORMALISE_KEY_MAX];
	char again[NORMALISE_KEY_MAX], small[8];
	struct normalise_range r;
	const char *code;
	size_t n;

	if (text == NULL)
		return 0;
	code = normalise_country(text);
	if (code != NULL && (strlen(code) != 2 || !same(normalise_country(code), code)))
		abort();
	if (normalise_country_key(text, key, sizeof(key)) == 0) {
		if (normalise_country_key(key, again, sizeof(again)) != 0 || strcmp(key, again) != 0)
			abort();
		if (!same(normalise_country(key), code))
			abort();
		for (n = 0; n <= sizeof(small); n++)
			if (normalise_country_key(text, small, n) == 0 &&
			    (strlen(small) >= n || strcmp(small, key) != 0))
				abort();
	} else if (code != NULL) {
		abort();
	}
	switch (normalise_employees(text, &r)) {
	case NORMALISE_COUNT_OK:
		if (r.lo < 0 || r.lo > NORMALISE_EMPLOYEES_MAX || (r.hi != -1 && r.hi < r.lo))
			abort();
		break;
	case NORMALISE_COUNT_TOO_LARGE:
	case NORMALISE_COUNT_UNKNOWN:
		break;
	}
	free(text);
	return 0;
}
