/* tstamp.c — RFC 3339 formatting and parsing without the C library's time zone state. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "leadroute/tstamp.h"
#include "leadroute/tz.h"

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
	int64_t days, rem;
	int y, m, d;
	char *p = out;

	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	rem = ms - days * 86400000;
	tz_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;	/* RFC 3339 has four-digit years */
	p = tstamp_put(p, (unsigned)y, 4);
	*p++ = '-';
	p = tstamp_put(p, (unsigned)m, 2);
	*p++ = '-';
	p = tstamp_put(p, (unsigned)d, 2);
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
	*ms = ((tz_days_from_civil(y, mo, d) * 24 + h) * 60 + mi -
	    offset) * 60000 + (int64_t)sec * 1000 + frac;
	return 0;
}
