/* ratelimit.c — token buckets: a burst at once, then a steady rate. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/ratelimit.h"
#include "leadroute/util.h"

struct rate_entry {
	char			*name;
	struct rate_bucket	 bucket;
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
