/* sysutil.c — clocks and randomness. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "leadroute/ulid.h"

#include "io/sysutil.h"

int64_t
sys_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
sys_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The one place a timer's delay becomes seconds and microseconds. */
struct timeval
sys_timeval_us(int64_t us)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	return tv;
}

/* sys_timeval_us for the milliseconds our timers are written in. */
struct timeval
sys_timeval_ms(int64_t ms)
{
	return sys_timeval_us(ms * 1000);
}

/* Fill buf with random bytes from the kernel; aborts if it cannot. */
void
sys_random(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("leadrouted: getrandom");
			abort();
		}
		got += (size_t)n;
	}
}

/* Kernel randomness fetched 4 KiB at a time: one syscall per 400 lead ids. */
void
sys_new_lead_id(int64_t now_ms, char out[27])
{
	static unsigned char pool[4096];
	static size_t used = sizeof(pool);

	if (used + 10 > sizeof(pool)) {
		sys_random(pool, sizeof(pool));
		used = 0;
	}
	ulid_encode(now_ms, pool + used, out);
	explicit_bzero(pool + used, 10);
	used += 10;
}
