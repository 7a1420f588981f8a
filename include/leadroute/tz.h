/* tz.h — IANA time zones from the system's TZif files, without libc's global TZ state. */
#ifndef LEADROUTE_TZ_H
#define LEADROUTE_TZ_H

#include <stdint.h>

struct tz_zone;

/* Local wall time. wday: 0 Monday .. 6 Sunday. */
struct tz_civil {
	int	year;
	int	month;		/* 1-12 */
	int	day;		/* 1-31 */
	int	hour;
	int	minute;
	int	second;
	int	wday;
	int64_t	days;		/* days since 1970-01-01 of this local date */
};

/*
 * Load a zone by name ("Europe/Berlin", "UTC") from $TZDIR or
 * /usr/share/zoneinfo. NULL and an allocated *cause when it cannot.
 */
struct tz_zone *tz_load(const char *name, char **cause);
void tz_free(struct tz_zone *zone);

/* The zone's name, as loaded ("Europe/Berlin"). */
const char *tz_name(const struct tz_zone *zone);

/* Seconds east of UTC in effect at the instant (epoch seconds). */
int32_t tz_offset(const struct tz_zone *zone, int64_t utc_s);

/* The local wall time of an instant (epoch milliseconds). */
void tz_civil(const struct tz_zone *zone, int64_t utc_ms, struct tz_civil *out);

/*
 * The instant (epoch ms) of a local wall time: days since 1970-01-01 and
 * seconds into that day. A time skipped by a DST change is read with the
 * offset before the change (02:30 becomes 03:30, as mktime does); a repeated
 * one is its first occurrence.
 */
int64_t tz_local_to_utc(const struct tz_zone *zone, int64_t days, int32_t seconds);

/* Days since 1970-01-01 for a civil date, and back. */
int64_t tz_days_from_civil(int64_t y, int m, int d);
void tz_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif
