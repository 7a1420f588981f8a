/* tstamp.h — RFC 3339 UTC timestamps for epoch milliseconds. */
#ifndef LEADROUTE_TSTAMP_H
#define LEADROUTE_TSTAMP_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-23T09:30:00.123Z" plus NUL. */
#define TSTAMP_LEN 32

/* Format epoch milliseconds as RFC 3339 UTC with millisecond precision. */
void tstamp_format(int64_t ms, char out[TSTAMP_LEN]);

/*
 * Parse an RFC 3339 timestamp ("2026-11-23T09:30:00Z", fraction and numeric
 * offset optional) into epoch milliseconds. Returns 0, or -1 when malformed.
 */
int tstamp_parse(const char *s, int64_t *ms);

#endif
