/* tstamp.c — RFC 3339 formatting and parsing without the C library's time zone state. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/tstamp.h"

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t
tstamp_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
tstamp_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Write v as exactly n decimal digits. */
static char *
tstamp_put(char *p, unsigned v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* Hand-formatted: it runs several times for every lead answered. */
void
tstamp_format(int64_t ms, char out[TSTAMP_LEN])
{
	int64_t days, rem, y;
	unsigned m, d;
	char *p = out;

	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	rem = ms - days * 86400000;
	tstamp_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;	/* RFC 3339 has four-digit years */
	p = tstamp_put(p, (unsigned)y, 4);
	*p++ = '-';
	p = tstamp_put(p, m, 2);
	*p++ = '-';
	p = tstamp_put(p, d, 2);
	*p++ = 'T';
	p = tstamp_put(p, (unsigned)(rem / 3600000), 2);
	*p++ = ':';
	p = tstamp_put(p, (unsigned)(rem / 60000 % 60), 2);
	*p++ = ':';
	p = tstamp_put(p, (unsigned)(rem / 1000 % 60), 2);
	*p++ = '.';
	p = tstamp_put(p, (unsigned)(rem % 1000), 3);
	*p++ = 'Z';
	*p = '\0';
}

static int
tstamp_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

int
tstamp_parse(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, frac = 0, scale = 100, offset = 0;
	const char *p = s;

	if (tstamp_digits(&p, 4, &y) || *p++ != '-' || tstamp_digits(&p, 2, &mo) ||
	    *p++ != '-' || tstamp_digits(&p, 2, &d) || (*p != 'T' && *p != 't'))
		return -1;
	p++;
	if (tstamp_digits(&p, 2, &h) || *p++ != ':' || tstamp_digits(&p, 2, &mi) ||
	    *p++ != ':' || tstamp_digits(&p, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;

		if (tstamp_digits(&p, 2, &oh) || *p++ != ':' || tstamp_digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		offset = sign * (oh * 60 + om);
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	if (sec == 60)
		sec = 59;	/* a leap second maps onto the second before it */
	*ms = ((tstamp_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi -
	    offset) * 60000 + (int64_t)sec * 1000 + frac;
	return 0;
}
