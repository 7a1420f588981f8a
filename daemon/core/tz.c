/*
 * tz.c — time zones read from TZif files (RFC 8536): the version 2+ 64-bit
 * transition table, and the POSIX TZ string in the footer for instants after
 * the last transition (TZ="CET-1CEST,M3.5.0,M10.5.0/3"). Zones are loaded
 * when the config is, so routing never touches the file system.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/tz.h"
#include "leadroute/util.h"

#define TZ_MAX_FILE (256 * 1024)

/* A POSIX TZ rule date: Mm.w.d, Jn or n, at a local time of day (seconds). */
struct tz_rule_date {
	char	kind;		/* 'M', 'J' or 'N' */
	int	month, week, wday, day;
	int32_t	time;
};

struct tz_posix {
	int		has_dst;
	int32_t		std_off;	/* seconds east of UTC */
	int32_t		dst_off;
	struct tz_rule_date start, end;
};

struct tz_zone {
	char		*name;
	int64_t		*trans;		/* transition instants, ascending */
	int32_t		*trans_off;	/* offset in effect from each transition */
	size_t		 ntrans;
	int32_t		 first_off;	/* before the first transition */
	int		 has_posix;
	struct tz_posix	 posix;
};

int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
tz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
tz_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* 0 Monday .. 6 Sunday; 1970-01-01 was a Thursday. */
static int
tz_wday(int64_t days)
{
	int64_t w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

static int64_t
tz_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

/* [+-]hh[:mm[:ss]] into seconds. */
static const char *
tz_parse_hms(const char *p, int32_t *out)
{
	int sign = 1, h = 0, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		h = h * 10 + (*p++ - '0');
	if (*p == ':') {
		p++;
		while (*p >= '0' && *p <= '9')
			m = m * 10 + (*p++ - '0');
		if (*p == ':') {
			p++;
			while (*p >= '0' && *p <= '9')
				s = s * 10 + (*p++ - '0');
		}
	}
	if (h > 167 || m > 59 || s > 59)
		return NULL;
	*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *
tz_parse_name(const char *p)
{
	if (*p == '<') {
		while (*p != '\0' && *p != '>')
			p++;
		return *p == '>' ? p + 1 : NULL;
	}
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
		return NULL;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p;
}

static const char *
tz_parse_date(const char *p, struct tz_rule_date *d)
{
	d->time = 2 * 3600;
	if (*p == 'M') {
		d->kind = 'M';
		d->month = (int)strtol(p + 1, (char **)&p, 10);
		if (*p++ != '.')
			return NULL;
		d->week = (int)strtol(p, (char **)&p, 10);
		if (*p++ != '.')
			return NULL;
		d->wday = (int)strtol(p, (char **)&p, 10);
		if (d->month < 1 || d->month > 12 || d->week < 1 || d->week > 5 ||
		    d->wday < 0 || d->wday > 6)
			return NULL;
	} else if (*p == 'J') {
		d->kind = 'J';
		d->day = (int)strtol(p + 1, (char **)&p, 10);
	} else if (*p >= '0' && *p <= '9') {
		d->kind = 'N';
		d->day = (int)strtol(p, (char **)&p, 10);
	} else {
		return NULL;
	}
	if (*p == '/')
		p = tz_parse_hms(p + 1, &d->time);
	return p;
}

/* "CET-1CEST,M3.5.0,M10.5.0/3" (POSIX offsets are west of UTC: negate them). */
static int
tz_parse_posix(const char *s, struct tz_posix *tz)
{
	const char *p = s;
	int32_t off;

	memset(tz, 0, sizeof(*tz));
	if ((p = tz_parse_name(p)) == NULL || (p = tz_parse_hms(p, &off)) == NULL)
		return -1;
	tz->std_off = -off;
	if (*p == '\0')
		return 0;
	if ((p = tz_parse_name(p)) == NULL)
		return -1;
	tz->has_dst = 1;
	tz->dst_off = tz->std_off + 3600;
	if (*p != ',' && *p != '\0') {
		if ((p = tz_parse_hms(p, &off)) == NULL)
			return -1;
		tz->dst_off = -off;
	}
	if (*p != ',') {
		/* No rule given: the US rule is the POSIX default. */
		tz->start = (struct tz_rule_date){ 'M', 3, 2, 0, 0, 7200 };
		tz->end = (struct tz_rule_date){ 'M', 11, 1, 0, 0, 7200 };
		return *p == '\0' ? 0 : -1;
	}
	if ((p = tz_parse_date(p + 1, &tz->start)) == NULL || *p++ != ',' ||
	    (p = tz_parse_date(p, &tz->end)) == NULL)
		return -1;
	return *p == '\0' ? 0 : -1;
}

/* Days since epoch of a rule date in a year. */
static int64_t
tz_rule_day(const struct tz_rule_date *d, int year)
{
	int64_t first, day;
	int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (tz_is_leap(year))
		mdays[1] = 29;
	switch (d->kind) {
	case 'J':	/* 1..365, February 29 never counted */
		day = tz_days_from_civil(year, 1, 1) + d->day - 1;
		if (tz_is_leap(year) && d->day >= 60)
			day++;
		return day;
	case 'N':
		return tz_days_from_civil(year, 1, 1) + d->day;
	default:
		first = tz_days_from_civil(year, d->month, 1);
		/* POSIX weekday 0 is Sunday; ours is Monday-based. */
		day = first + ((d->wday + 6) % 7 - tz_wday(first) + 7) % 7 + (d->week - 1) * 7;
		while (day >= first + mdays[d->month - 1])
			day -= 7;
		return day;
	}
}

static int32_t
tz_posix_offset(const struct tz_posix *tz, int64_t t)
{
	int64_t start, end;
	int y, m, d;

	if (!tz->has_dst)
		return tz->std_off;
	tz_civil_from_days((t + tz->std_off) / 86400 - ((t + tz->std_off) % 86400 < 0), &y, &m, &d);
	/* Start is given in standard time, end in daylight time. */
	start = tz_rule_day(&tz->start, y) * 86400 + tz->start.time - tz->std_off;
	end = tz_rule_day(&tz->end, y) * 86400 + tz->end.time - tz->dst_off;
	if (start < end)
		return t >= start && t < end ? tz->dst_off : tz->std_off;
	return t >= end && t < start ? tz->std_off : tz->dst_off;	/* southern hemisphere */
}

static int
tz_parse_file(struct tz_zone *z, const unsigned char *b, size_t len, char **cause)
{
	size_t off = 0, isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt, i, need;
	int32_t *types = NULL;
	int version;

	if (len < 44 || memcmp(b, "TZif", 4) != 0)
		goto bad;
	version = b[4] == 0 ? 1 : b[4] - '0';
	if (version < 2) {
		*cause = xstrdup("TZif version 1 (32-bit) files are not supported");
		return -1;
	}
	/* Version 1 data is 32-bit; from version 2 skip it for the 64-bit copy. */
	for (;;) {
		const unsigned char *h = b + off;

		if (off + 44 > len || memcmp(h, "TZif", 4) != 0)
			goto bad;
		isutcnt = (size_t)tz_be(h + 20, 4);
		isstdcnt = (size_t)tz_be(h + 24, 4);
		leapcnt = (size_t)tz_be(h + 28, 4);
		timecnt = (size_t)tz_be(h + 32, 4);
		typecnt = (size_t)tz_be(h + 36, 4);
		charcnt = (size_t)tz_be(h + 40, 4);
		if (timecnt > 10000 || typecnt == 0 || typecnt > 256 || leapcnt > 1000)
			goto bad;
		off += 44;
		if (version >= 2 && off == 44) {
			off += timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt;
			version = 2;
			continue;
		}
		break;
	}
	need = timecnt * 9 + typecnt * 6 + charcnt + leapcnt * 12 + isstdcnt + isutcnt;
	if (off + need > len)
		goto bad;
	types = xcalloc(typecnt, sizeof(*types));
	for (i = 0; i < typecnt; i++)
		types[i] = (int32_t)tz_be(b + off + timecnt * 9 + i * 6, 4);
	z->trans = xcalloc(timecnt ? timecnt : 1, sizeof(*z->trans));
	z->trans_off = xcalloc(timecnt ? timecnt : 1, sizeof(*z->trans_off));
	for (i = 0; i < timecnt; i++) {
		unsigned idx = b[off + timecnt * 8 + i];

		if (idx >= typecnt)
			goto bad;
		z->trans[i] = tz_be(b + off + i * 8, 8);
		z->trans_off[i] = types[idx];
	}
	z->ntrans = timecnt;
	/* Before the first transition: the first standard-time type (RFC 8536 3.2). */
	z->first_off = types[0];
	for (i = 0; i < typecnt; i++) {
		if (b[off + timecnt * 9 + i * 6 + 4] == 0) {
			z->first_off = types[i];
			break;
		}
	}
	off += need;
	if (off < len && b[off] == '\n') {
		const unsigned char *nl = memchr(b + off + 1, '\n', len - off - 1);

		if (nl != NULL && nl > b + off + 1) {
			char *footer = xstrndup((const char *)b + off + 1, (size_t)(nl - b - off - 1));

			if (tz_parse_posix(footer, &z->posix) == 0)
				z->has_posix = 1;
			free(footer);
		}
	}
	free(types);
	return 0;
bad:
	free(types);
	*cause = xstrdup("not a valid TZif file");
	return -1;
}

struct tz_zone *
tz_load(const char *name, char **cause)
{
	const char *dir = getenv("TZDIR");
	struct buf data = { NULL, 0, 0 };
	struct tz_zone *z;
	char path[1024], chunk[8192];
	size_t n;
	FILE *fp;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL ||
	    strlen(name) > 200) {
		*cause = xasprintf("bad time zone name \"%s\"", name);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "/usr/share/zoneinfo", name);
	if ((fp = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("unknown time zone \"%s\" (%s: %s)", name, path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && data.len < TZ_MAX_FILE)
		buf_append(&data, chunk, n);
	fclose(fp);
	z = xcalloc(1, sizeof(*z));
	z->name = xstrdup(name);
	if (tz_parse_file(z, (const unsigned char *)data.data, data.len, cause) == -1) {
		char *why = *cause;

		*cause = xasprintf("time zone \"%s\": %s", name, why);
		free(why);
		tz_free(z);
		z = NULL;
	}
	buf_free(&data);
	return z;
}

void
tz_free(struct tz_zone *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->trans_off);
	free(z);
}

int32_t
tz_offset(const struct tz_zone *z, int64_t t)
{
	size_t lo = 0, hi = z->ntrans;

	if (z->ntrans == 0 || t < z->trans[0])
		return z->ntrans == 0 && z->has_posix ? tz_posix_offset(&z->posix, t) : z->first_off;
	if (t >= z->trans[z->ntrans - 1] && z->has_posix)
		return tz_posix_offset(&z->posix, t);
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->trans_off[lo];
}

int64_t
tz_local_to_utc(const struct tz_zone *z, int64_t days, int32_t seconds)
{
	int64_t local = days * 86400 + seconds, t;
	int32_t before, after;

	/* The offsets just before and after: they differ only near a DST change. */
	before = tz_offset(z, local - 86400);
	after = tz_offset(z, local + 86400);
	t = local - before;
	if (tz_offset(z, t) == before)
		return t * 1000;	/* valid under the earlier offset: the first occurrence */
	t = local - after;
	if (tz_offset(z, t) == after)
		return t * 1000;
	/* In the gap of a spring-forward: read with the earlier offset. */
	return (local - before) * 1000;
}

const char *
tz_name(const struct tz_zone *zone)
{
	return zone->name;
}

void
tz_civil(const struct tz_zone *z, int64_t utc_ms, struct tz_civil *out)
{
	int64_t s = (utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000));
	int64_t local = s + tz_offset(z, s), days, rem;

	days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	rem = local - days * 86400;
	tz_civil_from_days(days, &out->year, &out->month, &out->day);
	out->hour = (int)(rem / 3600);
	out->minute = (int)(rem / 60 % 60);
	out->second = (int)(rem % 60);
	out->wday = tz_wday(days);
	out->days = days;
}
