/* units.c — parsing and formatting of durations and sizes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/units.h"

static const struct {
	const char	*name;
	int64_t		 ms;
} duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "d", 24 * 60 * 60 * 1000 },
};

/* The longest duration we accept: 10 years is more than any SLA needs. */
#define DURATION_MAX_MS ((int64_t)10 * 366 * 24 * 60 * 60 * 1000)

int
units_parse_duration(const char *s, int64_t *ms, const char **why)
{
	int64_t total = 0;
	const char *p = s;

	if (*p == '\0') {
		*why = "empty duration";
		return -1;
	}
	while (*p != '\0') {
		int64_t n = 0, unit = 0;
		size_t i, len, best = 0;

		if (*p < '0' || *p > '9') {
			*why = "expected a number, as in 250ms, 30s, 5m, 1h or 2d";
			return -1;
		}
		while (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p - '0');
			if (n > DURATION_MAX_MS) {
				*why = "duration too large";
				return -1;
			}
			p++;
		}
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
			len = strlen(duration_units[i].name);
			if (strncmp(p, duration_units[i].name, len) == 0 && len > best) {
				best = len;
				unit = duration_units[i].ms;
			}
		}
		if (best == 0) {
			*why = *p == '\0' ?
			    "missing unit: write ms, s, m, h or d (as in 30s)" :
			    "unknown unit: use ms, s, m, h or d";
			return -1;
		}
		p += best;
		if (n > DURATION_MAX_MS / unit || total + n * unit > DURATION_MAX_MS) {
			*why = "duration too large";
			return -1;
		}
		total += n * unit;
	}
	*ms = total;
	return 0;
}

void
units_format_duration(int64_t ms, char *out, size_t outlen)
{
	size_t i, used = 0;

	if (ms <= 0) {
		snprintf(out, outlen, "0s");
		return;
	}
	out[0] = '\0';
	for (i = sizeof(duration_units) / sizeof(duration_units[0]); i-- > 0;) {
		int64_t unit = duration_units[i].ms, n = ms / unit;
		int w;

		if (n == 0)
			continue;
		w = snprintf(out + used, outlen - used, "%lld%s", (long long)n,
		    duration_units[i].name);
		if (w < 0 || (size_t)w >= outlen - used)
			return;
		used += (size_t)w;
		ms -= n * unit;
	}
}

int
units_parse_size(const char *s, uint64_t *bytes, const char **why)
{
	static const struct {
		const char	*name;
		uint64_t	 mult;
	} size_units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024 }, { "MiB", 1024 * 1024 },
		{ "GiB", 1024 * 1024 * 1024 },
	};
	const uint64_t max = (uint64_t)1 << 40;
	uint64_t n = 0;
	const char *p = s;
	size_t i;

	if (*p < '0' || *p > '9') {
		*why = "expected a size, as in 65536, 64KiB or 1MiB";
		return -1;
	}
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max) {
			*why = "size too large";
			return -1;
		}
		p++;
	}
	for (i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
		if (strcmp(p, size_units[i].name) == 0) {
			if (n > max / size_units[i].mult) {
				*why = "size too large";
				return -1;
			}
			*bytes = n * size_units[i].mult;
			return 0;
		}
	}
	*why = "unknown size unit: use B, KiB, MiB or GiB";
	return -1;
}
