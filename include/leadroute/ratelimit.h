/* ratelimit.h — token buckets for per-token and per-source request limits. */
#ifndef LEADROUTE_RATELIMIT_H
#define LEADROUTE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/conf.h"

/* A bucket's state; zeroed is a full bucket not yet used. */
struct rate_bucket {
	double		tokens;
	int64_t		at_ms;		/* when tokens was last brought up to date; 0: never */
};

/*
 * Take one request from the bucket at now_ms under rate: 0 when allowed,
 * else -1 with *retry_ms, how long until one would be (at least 1 ms).
 * An unlimited rate (per_sec 0) always allows.
 */
int rate_take(struct rate_bucket *b, const struct conf_rate *rate, int64_t now_ms,
    int64_t *retry_ms);

/* Buckets by name (a token holder, a source), made as names are first seen. */
struct rate_table {
	struct rate_entry	*v;
	size_t			 n;
};

/* rate_take on the bucket of name. */
int rate_table_take(struct rate_table *t, const char *name, const struct conf_rate *rate,
    int64_t now_ms, int64_t *retry_ms);

void rate_table_free(struct rate_table *t);

#endif
