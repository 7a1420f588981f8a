/* review.h — the review digest: built from the scorecard, sent on schedule or on request. */
#ifndef LEADROUTED_REVIEW_H
#define LEADROUTED_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/conf.h"

struct server;
struct review;

/* The scheduler: one per daemon; every daemon runs it, claims decide who sends. */
struct review *review_new(struct server *srv);
void review_free(struct review *rv);
/* Plan the next review from the running config (at start and after a reload). */
void review_start(struct review *rv);
void review_stop(struct review *rv);

/* Which review: the last one due, or the one under way (due next). */
enum review_which {
	REVIEW_LAST,
	REVIEW_CURRENT,
};

/* The due time of a review of conf, as of now. */
int64_t review_due_at(const struct conf *conf, enum review_which which, int64_t now_ms);

/*
 * The digest (JSON text, borrowed for the call) of the review due at
 * due_ms; NULL and err when Redis could not answer. cb runs exactly once,
 * never before review_build returns; conf is referenced until then.
 */
typedef void review_cb(const char *digest, size_t len, const char *err, void *arg);
void review_build(struct server *srv, struct conf *conf, int64_t due_ms, review_cb *cb,
    void *arg);

/*
 * Build the digest of the review due at due_ms and queue it to every
 * recipient of conf's review (notification jobs). claim: the name the
 * review's period is claimed under (NULL: none, a review sent on request).
 * cb gets the digest, the jobs queued (0 when another daemon claimed it) or
 * err; exactly once, never before review_send returns.
 */
typedef void review_sent_cb(const char *digest, size_t len, int jobs, const char *err,
    void *arg);
void review_send(struct server *srv, struct conf *conf, int64_t due_ms, const char *claim,
    review_sent_cb *cb, void *arg);

#endif
