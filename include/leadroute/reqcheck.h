/*
 * reqcheck.h — what an HTTP request must get right before anything acts on
 * it: a target without an escaped NUL, header names that are tokens, header
 * values without NUL bytes, and one unambiguous body framing (at most one
 * Content-Length, a lone "chunked" transfer coding, never both). A request
 * that fails is refused and its connection closed: whatever framing a proxy
 * in front read, no second request can hide in its body.
 */
#ifndef LEADROUTE_REQCHECK_H
#define LEADROUTE_REQCHECK_H

#include <stddef.h>

struct reqcheck {
	int		 content_lengths;	/* Content-Length headers seen */
	int		 transfer_encodings;	/* Transfer-Encoding headers seen */
	int		 chunked;		/* the last one is exactly "chunked" */
	int		 status;		/* 0 so far; else 400 or 501 */
	const char	*code;			/* the error code to answer with */
	const char	*why;			/* the first problem (static text) */
};

/* The raw request target (before any decoding): 0, or -1 with rc's status and why. */
int reqcheck_target(struct reqcheck *rc, const char *target);

/* One header as received, with its real lengths: 0, or -1 (the first problem is kept). */
int reqcheck_header(struct reqcheck *rc, const char *name, size_t name_len, const char *value,
    size_t value_len);

/* After the last header: the body's framing. 0, or -1 with rc's status and why. */
int reqcheck_framing(struct reqcheck *rc);

#endif
