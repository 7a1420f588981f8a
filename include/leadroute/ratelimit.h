/* ratelimit.h — token buckets for per-token and per-source request limits. */
#ifndef LEADROUTE_RATELIMIT_H
#define LEADROUTE_RATELIMIT_H

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

#endif
