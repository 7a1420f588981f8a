/* feed.h — the escalation feed: one reader of the escalation stream, fanned out to subscribers. */
#ifndef LEADROUTED_FEED_H
#define LEADROUTED_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>

struct feed;
struct feed_sub;
struct store;

/* A Redis stream entry id, <ms>-<seq>: the feed's event ids. */
struct feed_id {
	uint64_t	ms;
	uint64_t	seq;
};

enum feed_sub_state {
	FEED_SUB_STARTING,	/* waiting for the reader to find the end of the stream */
	FEED_SUB_OPEN,		/* sending: the backlog after its id if it has one, then live */
	FEED_SUB_FAILED,	/* could not start: Redis unavailable, or the feed stopped */
	FEED_SUB_CLOSED,	/* dropped for reading too slowly; it may resume from its last id */
};

/*
 * A subscriber's state changed or it has text to read. Runs from the loop,
 * never inside a feed_* call, and may call feed_unsubscribe.
 */
typedef void feed_wake_cb(struct feed_sub *sub, void *arg);

/* The feed of the stream <prefix>:escalation_events, read through store. */
struct feed *feed_new(struct event_base *base, struct store *store, const char *prefix);
void feed_free(struct feed *feed);

/* An escalation event was just written: read the stream now, not at the next poll. */
void feed_kick(struct feed *feed);

/* Shutting down: stop reading; subscribers still starting fail. */
void feed_stop(struct feed *feed);

/* Subscribers connected, in any state. */
int feed_subscribers(const struct feed *feed);

/* Parse "<ms>-<seq>" (decimal, each fitting 64 bits); 0, or -1 if s is not an id. */
int feed_id_parse(const char *s, struct feed_id *id);

/*
 * A new subscriber: events of pool (NULL: all) after the entry after (NULL:
 * new events only), as Server-Sent Events text. It is FEED_SUB_OPEN at once
 * when the reader is running, else FEED_SUB_STARTING until wake reports
 * otherwise. NULL when the feed is stopped.
 */
struct feed_sub *feed_subscribe(struct feed *feed, const char *pool, const struct feed_id *after,
    feed_wake_cb *wake, void *arg);

/* Forget sub: no wake after this. */
void feed_unsubscribe(struct feed_sub *sub);

enum feed_sub_state feed_sub_state(const struct feed_sub *sub);

/*
 * Take up to max bytes of sub's text into buf: how many (0: nothing now,
 * wake reports more), or -1 when sub has been closed.
 */
ssize_t feed_sub_read(struct feed_sub *sub, char *buf, size_t max);

#endif
