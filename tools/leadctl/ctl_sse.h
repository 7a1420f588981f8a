/*
 * ctl_sse.h — a stream of server-sent events read as the WHATWG rules say:
 * bytes in, in any pieces; a callback for each event; the id to resume at.
 * Pure (no I/O), so tests/fuzz/fuzz_sse.c can feed it anything.
 */
#ifndef LEADCTL_CTL_SSE_H
#define LEADCTL_CTL_SSE_H

#include <stddef.h>

#include "leadroute/util.h"

/* One server-sent event of a stream; borrowed for the callback's duration. */
struct ctl_sse_event {
	const char	*id;
	const char	*event;
	const char	*data;
};

/*
 * Called for every event of a stream; returns 0 to go on, 1 to stop (the
 * stream then ends with CTL_OK).
 */
typedef int (*ctl_sse_cb)(const struct ctl_sse_event *ev, void *arg);

struct ctl_sse {
	ctl_sse_cb	 cb;
	void		*arg;
	struct buf	 line;		/* the partial line at the end of the last bytes */
	struct buf	 data;
	char		*event;
	char		*event_id;	/* the id of the event being read */
	char		*last_id;	/* the id of the last event handed on: where to resume */
	long		 retry_ms;	/* as the stream's retry: field sets it; 2000 to begin */
	int		 stop;		/* the callback said stop */
};

/* last_id (copied; NULL: none) is where a first connection resumes. */
void ctl_sse_init(struct ctl_sse *sse, ctl_sse_cb cb, void *arg, const char *last_id);

/* Read len bytes: len, or 0 once the callback said stop (what libcurl takes as "abort"). */
size_t ctl_sse_feed(struct ctl_sse *sse, const char *p, size_t len);

/* A new connection: the half-read line and event go; last_id and retry_ms stay. */
void ctl_sse_restart(struct ctl_sse *sse);

void ctl_sse_free(struct ctl_sse *sse);

#endif
