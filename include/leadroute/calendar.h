/* calendar.h — when a team works: a time zone, weekly hours, holidays. */
#ifndef LEADROUTE_CALENDAR_H
#define LEADROUTE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/tz.h"

struct conf_diags;
struct ynode;

/* Open from start to end, in minutes of the local day (end up to 1440). */
struct cal_interval {
	uint16_t	start;
	uint16_t	end;
};

struct calendar {
	char			*id;
	int			 line;
	struct tz_zone		*zone;
	int			 has_hours;	/* without hours: open all day, but on holidays */
	struct cal_interval	*week[7];	/* Monday first, sorted, not overlapping */
	size_t			 nweek[7];
	int64_t			*holidays;	/* local dates as days since 1970-01-01, sorted */
	size_t			 nholidays;
};

/*
 * Parse one calendar (id, timezone, hours, holidays):
 *   hours: {mon-fri: "09:00-18:00", sat: ["10:00-12:00", "13:00-15:00"]}
 *   holidays: [2026-12-24, "2026-12-28..2026-12-31"]
 * An interval that ends before it starts runs past midnight.
 */
int calendar_parse(struct conf_diags *diags, const struct ynode *item, const char *path,
    struct calendar *cal);
void calendar_free(struct calendar *cal);

/* True when the calendar is open at the instant (epoch ms). */
int calendar_is_open(const struct calendar *cal, int64_t utc_ms);

/* True when the instant falls on a holiday (local date). */
int calendar_is_holiday(const struct calendar *cal, int64_t utc_ms);

/*
 * The instant at which duration_ms of open time has passed since start_ms,
 * counting only the calendar's hours and skipping holidays: a 1h clock that
 * starts Friday 17:30 with mon-fri 09:00-18:00 is due Monday 09:30. A start
 * outside hours begins at the next opening. -1 when the calendar is never
 * open within two years.
 */
int64_t calendar_add_open(const struct calendar *cal, int64_t start_ms, int64_t duration_ms);

/* An open span in UTC, epoch ms. */
struct cal_window {
	int64_t	start;
	int64_t	end;
};

/*
 * The open spans that overlap [from_ms, to_ms), in order, at most max of them;
 * spans that touch are merged. Returns how many were written.
 */
size_t calendar_windows(const struct calendar *cal, int64_t from_ms, int64_t to_ms,
    struct cal_window *out, size_t max);

/* The next instant at or after t when the calendar is open; -1 as above. */
int64_t calendar_next_open(const struct calendar *cal, int64_t t_ms);

/* The local date of the instant as YYYY-MM-DD. */
void calendar_local_date(const struct calendar *cal, int64_t utc_ms, char out[11]);

#endif
