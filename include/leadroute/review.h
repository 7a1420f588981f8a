/*
 * review.h — the review digest: when one is due, the period it covers, the
 * digest itself (the contract and the key scorecard figures, this period
 * against the one before) and what people read of it in Slack and email.
 */
#ifndef LEADROUTE_REVIEW_H
#define LEADROUTE_REVIEW_H

#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/jsonw.h"
#include "leadroute/message.h"
#include "leadroute/scorecard.h"

/* The event type of a digest in the outbox (its data: the digest). */
#define REVIEW_EVENT "review.digest"

/*
 * Due times of r around now: the latest at or before now (*last) and the
 * first after it (*next). Weekly and daily ones are local wall times in
 * r->zone (a time a DST change skips is read as mktime does); an interval's
 * are its multiples since the epoch, so every daemon finds the same ones.
 */
void review_due(const struct conf_review *r, int64_t now_ms, int64_t *last, int64_t *next);

/*
 * The period a digest due at due_ms covers: [to - period, to), to being the
 * due time rounded up to a whole UTC hour (the scorecard's smallest bucket).
 * The one before it is [from - period, from).
 */
void review_period(const struct conf_review *r, int64_t due_ms, int64_t *from, int64_t *to);

/*
 * The digest as members of the object w has open: due_at, from, to,
 * previous {from, to}, contract {marketing, sales} (each commitment with its
 * previous target, actual and met), figures [{id, label, unit, value,
 * previous}] and top_rejections [{code, label, count, previous}]. cur and
 * prev are the scorecards of the period and the one before.
 */
void review_write_json(const struct conf *conf, const struct scorecard *cur,
    const struct scorecard *prev, int64_t due_ms, const int64_t from[2], const int64_t to[2],
    struct jsonw *w);

/* A digest (parsed) as a Slack message {"text", "blocks"}; a new reference. */
json_t *review_slack(const json_t *digest);

/* A digest (parsed) as an email: subject, text and HTML. */
void review_mail(const json_t *digest, struct message_mail *out);

#endif
