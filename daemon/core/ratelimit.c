/* ratelimit.c — token buckets: a burst at once, then a steady rate. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/ratelimit.h"
#include "leadroute/util.h"

struct rate_entry {
	char			*name;
	struct rate_bucket	 bucket;
};

struct rate_cache_slot {
	char			 name[RATE_CACHE_NAME_MAX];	/* "": empty */
	struct rate_bucket	 bucket;
	struct conf_rate	 rate;		/* the bucket's rate when last taken from */
};

int
rate_take(struct rate_bucket *b, const struct conf_rate *rate, int64_t now_ms, int64_t *retry_ms)
{
	double per_ms;

	if (rate->per_sec <= 0)
		return 0;
	per_ms = rate->per_sec / 1000.0;
	if (b->at_ms == 0) {
		b->tokens = rate->burst;
	} else if (now_ms > b->at_ms) {
		b->tokens += (double)(now_ms - b->at_ms) * per_ms;
		if (b->tokens > rate->burst)
			b->tokens = rate->burst;
	}
	b->at_ms = now_ms;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	*retry_ms = (int64_t)ceil((1.0 - b->tokens) / per_ms - 1e-6);
	if (*retry_ms < 1)
		*retry_ms = 1;
	return -1;
}

int
rate_table_take(struct rate_table *t, const char *name, const struct conf_rate *rate,
    int64_t now_ms, int64_t *retry_ms)
{
	size_t i;

	if (rate->per_sec <= 0)
		return 0;
	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			break;
	if (i == t->n) {
		t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
		t->v[i].name = xstrdup(name);
		memset(&t->v[i].bucket, 0, sizeof(t->v[i].bucket));
		t->n++;
	}
	return rate_take(&t->v[i].bucket, rate, now_ms, retry_ms);
}

void
rate_table_free(struct rate_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* The tokens b would hold at now_ms (its refill brought up to date, nothing taken). */
static double
rate_tokens_at(const struct rate_bucket *b, const struct conf_rate *rate, int64_t now_ms)
{
	double t = b->tokens;

	if (now_ms > b->at_ms)
		t += (double)(now_ms - b->at_ms) * rate->per_sec / 1000.0;
	return t > rate->burst ? rate->burst : t;
}

int
rate_cache_take(struct rate_cache *c, const char *name, const struct conf_rate *rate,
    int64_t now_ms, int64_t *retry_ms)
{
	struct rate_cache_slot *set, *pick = NULL;
	char key[RATE_CACHE_NAME_MAX];
	double most = -1, t;
	size_t i;

	if (rate->per_sec <= 0)
		return 0;
	if (c->slots == NULL)
		c->slots = xcalloc((size_t)RATE_CACHE_SETS * RATE_CACHE_WAYS, sizeof(*c->slots));
	snprintf(key, sizeof(key), "%s", name);
	set = &c->slots[(util_hash(key, strlen(key)) % RATE_CACHE_SETS) * RATE_CACHE_WAYS];
	for (i = 0; i < RATE_CACHE_WAYS; i++)
		if (strcmp(set[i].name, key) == 0) {
			set[i].rate = *rate;
			return rate_take(&set[i].bucket, rate, now_ms, retry_ms);
		}
	/* A new name: an empty slot, else the fullest bucket (a full one loses nothing). */
	for (i = 0; i < RATE_CACHE_WAYS && pick == NULL; i++)
		if (set[i].name[0] == '\0')
			pick = &set[i];
	if (pick == NULL) {
		for (i = 0; i < RATE_CACHE_WAYS; i++) {
			t = rate_tokens_at(&set[i].bucket, &set[i].rate, now_ms);
			/* How full, as a share of its own burst. */
			t = set[i].rate.burst > 0 ? t / set[i].rate.burst : 1;
			if (t > most) {
				most = t;
				pick = &set[i];
			}
		}
		if (most < 1)
			c->evicted++;
	}
	memcpy(pick->name, key, sizeof(key));
	memset(&pick->bucket, 0, sizeof(pick->bucket));
	pick->rate = *rate;
	return rate_take(&pick->bucket, rate, now_ms, retry_ms);
}

void
rate_cache_free(struct rate_cache *c)
{
	free(c->slots);
	c->slots = NULL;
	c->evicted = 0;
}
