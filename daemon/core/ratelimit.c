/* ratelimit.c — token buckets: a burst at once, then a steady rate. */
#include "config.h"

#include <math.h>

#include "leadroute/ratelimit.h"

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
