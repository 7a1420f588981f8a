/* calendar.c — working hours in a time zone, minus holidays. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/calendar.h"
#include "leadroute/diag.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

static const char *const cal_days[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int
cal_day(const char *s, size_t len)
{
	int i;

	for (i = 0; i < 7; i++)
		if (len == 3 && strncmp(s, cal_days[i], 3) == 0)
			return i;
	return -1;
}

/* "mon", "mon-fri", "sat-sun", "daily" into a set of days. */
static int
cal_parse_days(const char *s, int days[7])
{
	const char *dash = strchr(s, '-');
	int a, b, i;

	memset(days, 0, 7 * sizeof(*days));
	if (strcmp(s, "daily") == 0) {
		for (i = 0; i < 7; i++)
			days[i] = 1;
		return 0;
	}
	if (dash == NULL) {
		if ((a = cal_day(s, strlen(s))) == -1)
			return -1;
		days[a] = 1;
		return 0;
	}
	if ((a = cal_day(s, (size_t)(dash - s))) == -1 || (b = cal_day(dash + 1, strlen(dash + 1))) == -1)
		return -1;
	for (i = a;; i = (i + 1) % 7) {
		days[i] = 1;
		if (i == b)
			break;
	}
	return 0;
}

/* "HH:MM" (24:00 allowed as an end) into minutes. */
static int
cal_parse_hhmm(const char *s, size_t len, int *out)
{
	int h, m;

	if (len != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 24 || (h == 24 && m != 0))
		return -1;
	*out = h * 60 + m;
	return 0;
}

static void
cal_add(struct calendar *cal, int day, int start, int end)
{
	size_t n = cal->nweek[day];

	cal->week[day] = xreallocarray(cal->week[day], n + 1, sizeof(**cal->week));
	cal->week[day][n].start = (uint16_t)start;
	cal->week[day][n].end = (uint16_t)end;
	cal->nweek[day]++;
}

static int
cal_interval_cmp(const void *a, const void *b)
{
	const struct cal_interval *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* One "HH:MM-HH:MM" for a set of days; overnight spans spill into the next day. */
static int
cal_parse_span(struct conf_diags *diags, struct calendar *cal, const int days[7],
    const struct ynode *n, const char *path)
{
	const char *s = n->value, *dash;
	int start, end, d;

	if (n->type != YNODE_SCALAR || (dash = strchr(s, '-')) == NULL ||
	    cal_parse_hhmm(s, (size_t)(dash - s), &start) == -1 ||
	    cal_parse_hhmm(dash + 1, strlen(dash + 1), &end) == -1 || start == 1440 || start == end) {
		conf_diag_add(diags, 0, n->line, path,
		    "expected hours as HH:MM-HH:MM, as in \"09:00-17:30\"%s%s%s",
		    n->type == YNODE_SCALAR ? ", got \"" : "", n->type == YNODE_SCALAR ? s : "",
		    n->type == YNODE_SCALAR ? "\"" : "");
		return -1;
	}
	for (d = 0; d < 7; d++) {
		if (!days[d])
			continue;
		if (start < end) {
			cal_add(cal, d, start, end);
		} else {
			cal_add(cal, d, start, 1440);
			if (end > 0)
				cal_add(cal, (d + 1) % 7, 0, end);
		}
	}
	return 0;
}

static int
cal_parse_hours(struct conf_diags *diags, struct calendar *cal, const struct ynode *map,
    const char *path)
{
	char sub[160];
	size_t i, j;
	int days[7], d, rc = 0;

	if (map->type != YNODE_MAP) {
		conf_diag_add(diags, 0, map->line, path,
		    "expected a map of days to hours, as in mon-fri: \"09:00-18:00\"");
		return -1;
	}
	cal->has_hours = 1;
	for (i = 0; i < map->n; i++) {
		const struct ynode *v = map->items[i];

		snprintf(sub, sizeof(sub), "%s.%s", path, map->keys[i]->value);
		if (cal_parse_days(map->keys[i]->value, days) == -1) {
			conf_diag_add(diags, 0, map->keys[i]->line, sub,
			    "bad days \"%s\": use mon … sun, a range such as mon-fri, or daily",
			    map->keys[i]->value);
			rc = -1;
			continue;
		}
		if (v->type == YNODE_SEQ) {
			for (j = 0; j < v->n; j++)
				if (cal_parse_span(diags, cal, days, v->items[j], sub) == -1)
					rc = -1;
		} else if (cal_parse_span(diags, cal, days, v, sub) == -1) {
			rc = -1;
		}
	}
	for (d = 0; d < 7; d++) {
		if (cal->nweek[d] > 1)
			qsort(cal->week[d], cal->nweek[d], sizeof(*cal->week[d]), cal_interval_cmp);
		for (j = 1; j < cal->nweek[d]; j++) {
			if (cal->week[d][j].start < cal->week[d][j - 1].end) {
				conf_diag_add(diags, 0, map->line, path,
				    "hours overlap on %s", cal_days[d]);
				rc = -1;
				break;
			}
		}
	}
	return rc;
}

static int
cal_parse_date(const char *s, int64_t *days)
{
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*days = tz_days_from_civil(y, m, d);
	{
		int yy, mm, dd;

		tz_civil_from_days(*days, &yy, &mm, &dd);
		if (yy != y || mm != m || dd != d)
			return -1;	/* 2026-02-30 and the like */
	}
	return 0;
}

static int
cal_cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
cal_parse_holidays(struct conf_diags *diags, struct calendar *cal, const struct ynode *list,
    const char *path)
{
	size_t i;
	int rc = 0;

	if (list->type != YNODE_SEQ) {
		conf_diag_add(diags, 0, list->line, path,
		    "expected a list of dates, as in [2026-12-24, \"2026-12-28..2026-12-31\"]");
		return -1;
	}
	for (i = 0; i < list->n; i++) {
		const struct ynode *n = list->items[i];
		const char *dots;
		int64_t a, b, day;
		char first[16];

		if (n->type != YNODE_SCALAR)
			goto bad;
		if ((dots = strstr(n->value, "..")) != NULL) {
			if ((size_t)(dots - n->value) >= sizeof(first))
				goto bad;
			memcpy(first, n->value, (size_t)(dots - n->value));
			first[dots - n->value] = '\0';
			if (cal_parse_date(first, &a) == -1 || cal_parse_date(dots + 2, &b) == -1 ||
			    b < a || b - a > 366)
				goto bad;
		} else if (cal_parse_date(n->value, &a) == 0) {
			b = a;
		} else {
			goto bad;
		}
		for (day = a; day <= b; day++) {
			cal->holidays = xreallocarray(cal->holidays, cal->nholidays + 1,
			    sizeof(*cal->holidays));
			cal->holidays[cal->nholidays++] = day;
		}
		continue;
bad:
		conf_diag_add(diags, 0, n->line, path,
		    "bad holiday \"%s\": a date YYYY-MM-DD or a range FIRST..LAST",
		    n->type == YNODE_SCALAR ? n->value : "?");
		rc = -1;
	}
	if (cal->nholidays > 1)
		qsort(cal->holidays, cal->nholidays, sizeof(*cal->holidays), cal_cmp_day);
	return rc;
}

int
calendar_parse(struct conf_diags *diags, const struct ynode *item, const char *path,
    struct calendar *cal)
{
	const struct ynode *n;
	char sub[128], *cause = NULL;
	int rc = 0;

	snprintf(sub, sizeof(sub), "%s.timezone", path);
	n = ytree_get(item, "timezone");
	if (n == NULL || n->type != YNODE_SCALAR) {
		conf_diag_add(diags, 0, n != NULL ? n->line : item->line, sub,
		    "a calendar needs a timezone, as in Europe/Berlin or UTC");
		rc = -1;
	} else if ((cal->zone = tz_load(n->value, &cause)) == NULL) {
		conf_diag_add(diags, 0, n->line, sub, "%s", cause);
		free(cause);
		rc = -1;
	}
	snprintf(sub, sizeof(sub), "%s.hours", path);
	if ((n = ytree_get(item, "hours")) != NULL && cal_parse_hours(diags, cal, n, sub) == -1)
		rc = -1;
	snprintf(sub, sizeof(sub), "%s.holidays", path);
	if ((n = ytree_get(item, "holidays")) != NULL && cal_parse_holidays(diags, cal, n, sub) == -1)
		rc = -1;
	return rc;
}

void
calendar_free(struct calendar *cal)
{
	int d;

	free(cal->id);
	tz_free(cal->zone);
	for (d = 0; d < 7; d++)
		free(cal->week[d]);
	free(cal->holidays);
	memset(cal, 0, sizeof(*cal));
}

static int
cal_holiday(const struct calendar *cal, int64_t days)
{
	size_t lo = 0, hi = cal->nholidays;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cal->holidays[mid] == days)
			return 1;
		if (cal->holidays[mid] < days)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
calendar_is_holiday(const struct calendar *cal, int64_t utc_ms)
{
	struct tz_civil c;

	tz_civil(cal->zone, utc_ms, &c);
	return cal_holiday(cal, c.days);
}

int
calendar_is_open(const struct calendar *cal, int64_t utc_ms)
{
	struct tz_civil c;
	size_t i;
	int minute;

	tz_civil(cal->zone, utc_ms, &c);
	if (cal_holiday(cal, c.days))
		return 0;
	if (!cal->has_hours)
		return 1;
	minute = c.hour * 60 + c.minute;
	for (i = 0; i < cal->nweek[c.wday]; i++)
		if (minute >= cal->week[c.wday][i].start && minute < cal->week[c.wday][i].end)
			return 1;
	return 0;
}

#define CAL_HORIZON_DAYS 731

/*
 * Walk open intervals from t on: each (local day, interval) is turned into
 * UTC on its own, so days with a DST change count the time that really
 * passes. With need < 0 return the first open instant; otherwise the instant
 * at which need ms of open time have been used.
 */
static int64_t
cal_walk(const struct calendar *cal, int64_t t, int64_t need)
{
	static const struct cal_interval all_day = { 0, 1440 };
	struct tz_civil c;
	int64_t day;
	int n;

	tz_civil(cal->zone, t, &c);
	for (day = c.days, n = 0; n < CAL_HORIZON_DAYS; day++, n++) {
		const struct cal_interval *iv = cal->has_hours ? cal->week[(day + 3) % 7] : &all_day;
		size_t i, count = cal->has_hours ? cal->nweek[(day + 3) % 7] : 1;

		if (cal_holiday(cal, day))
			continue;
		for (i = 0; i < count; i++) {
			int64_t s = tz_local_to_utc(cal->zone, day, iv[i].start * 60);
			int64_t e = iv[i].end == 1440 ? tz_local_to_utc(cal->zone, day + 1, 0) :
			    tz_local_to_utc(cal->zone, day, iv[i].end * 60);
			int64_t from = t > s ? t : s;

			if (e <= from)
				continue;
			if (need < 0)
				return from;
			if (need <= e - from)
				return from + need;
			need -= e - from;
			t = e;
		}
	}
	return -1;
}

size_t
calendar_windows(const struct calendar *cal, int64_t from_ms, int64_t to_ms,
    struct cal_window *out, size_t max)
{
	static const struct cal_interval all_day = { 0, 1440 };
	struct tz_civil c;
	size_t n = 0;
	int64_t day;

	tz_civil(cal->zone, from_ms, &c);
	for (day = c.days - 1; n < max; day++) {
		const struct cal_interval *iv = cal->has_hours ? cal->week[(day + 3) % 7] : &all_day;
		size_t i, count = cal->has_hours ? cal->nweek[(day + 3) % 7] : 1;

		if (tz_local_to_utc(cal->zone, day, 0) >= to_ms)
			break;
		if (cal_holiday(cal, day))
			continue;
		for (i = 0; i < count && n < max; i++) {
			int64_t s = tz_local_to_utc(cal->zone, day, iv[i].start * 60);
			int64_t e = iv[i].end == 1440 ? tz_local_to_utc(cal->zone, day + 1, 0) :
			    tz_local_to_utc(cal->zone, day, iv[i].end * 60);

			if (e <= from_ms || s >= to_ms || e <= s)
				continue;
			/* Spans that touch (an overnight shift at midnight) become one. */
			if (n > 0 && out[n - 1].end >= s) {
				if (e > out[n - 1].end)
					out[n - 1].end = e;
				continue;
			}
			out[n].start = s;
			out[n].end = e;
			n++;
		}
	}
	return n;
}

int64_t
calendar_add_open(const struct calendar *cal, int64_t start_ms, int64_t duration_ms)
{
	return cal_walk(cal, start_ms, duration_ms < 0 ? 0 : duration_ms);
}

int64_t
calendar_next_open(const struct calendar *cal, int64_t t_ms)
{
	return cal_walk(cal, t_ms, -1);
}

void
calendar_local_date(const struct calendar *cal, int64_t utc_ms, char out[11])
{
	struct tz_civil c;

	tz_civil(cal->zone, utc_ms, &c);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)c.year % 10000, (unsigned)c.month % 13,
	    (unsigned)c.day % 32);
}
