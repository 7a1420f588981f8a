/* sysutil.h — clocks and randomness from the kernel. */
#ifndef LEADROUTED_SYSUTIL_H
#define LEADROUTED_SYSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

/* Wall-clock time in epoch milliseconds (what deadlines are written in). */
int64_t sys_now_ms(void);

/* Monotonic microseconds, for measuring durations. */
int64_t sys_monotonic_us(void);

/* A duration in ms (or us) as the timeval a libevent timer takes. */
struct timeval sys_timeval_ms(int64_t ms);
struct timeval sys_timeval_us(int64_t us);

/* A new lead id: a ULID for the given time. */
void sys_new_lead_id(int64_t now_ms, char out[27]);

/* Fill buf with random bytes from the kernel; aborts if it cannot. */
void sys_random(void *buf, size_t len);

#endif
