/* ratelimit.h — token buckets for per-token, per-source and per-client request limits. */
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

/*
 * Buckets for names nobody lists in advance (client addresses), in a fixed
 * number of slots, so memory stays bounded whatever arrives. A name hashes
 * to a set of RATE_CACHE_WAYS slots; a new name takes an empty slot, else
 * one whose bucket has filled up again (as good as a new one, so nothing is
 * lost), else the one closest to full: its holder gets a new burst, which
 * only a flood of distinct names can cause (counted in evicted; a
 * per-source limit still holds). Zeroed is empty; slots are made on first use.
 */
#define RATE_CACHE_WAYS		8
#define RATE_CACHE_SETS		2048	/* 16384 names, about 2.5 MB */
#define RATE_CACHE_NAME_MAX	128	/* longer names are cut (their prefix is their bucket) */

struct rate_cache_slot;

struct rate_cache {
	struct rate_cache_slot	*slots;		/* RATE_CACHE_SETS * RATE_CACHE_WAYS */
	uint64_t		 evicted;	/* slots taken from a name whose bucket was not full */
};

/* rate_take on the bucket of name (not empty), making it (full) when name is new. */
int rate_cache_take(struct rate_cache *c, const char *name, const struct conf_rate *rate,
    int64_t now_ms, int64_t *retry_ms);

void rate_cache_free(struct rate_cache *c);

#endif
