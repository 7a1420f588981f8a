/* units.h — durations ("250ms", "5m", "1h30m") and sizes ("64KiB"). */
#ifndef LEADROUTE_UNITS_H
#define LEADROUTE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a duration: one or more <integer><unit> parts, unit one of ms, s, m,
 * h, d ("1h30m"). On error returns -1 and points *why at a static message.
 */
int units_parse_duration(const char *s, int64_t *ms, const char **why);

/* Format ms as the shortest exact duration string ("90s" -> "1m30s"). */
void units_format_duration(int64_t ms, char *out, size_t outlen);

/* Parse a size: an integer with an optional B, KiB, MiB or GiB suffix. */
int units_parse_size(const char *s, uint64_t *bytes, const char **why);

#endif
