/* webhook.h — a notification on the wire: bodies, Standard Webhooks signatures, retry delays. */
#ifndef LEADROUTE_WEBHOOK_H
#define LEADROUTE_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/tz.h"

/* "v1," and the base64 of a SHA-256 HMAC (44 characters), plus NUL. */
#define WEBHOOK_SIG_LEN 48

/*
 * The Standard Webhooks signature of one attempt: "v1," then the base64 of
 * HMAC-SHA256(key, "<msg_id>.<ts>.<body>"), where ts is the attempt's unix
 * seconds (its webhook-timestamp header) and key the decoded whsec_ secret.
 */
void webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, int64_t ts,
    const char *body, size_t len, char out[WEBHOOK_SIG_LEN]);

/*
 * The webhook-id of a message: msg_<prefix>_<id>, every character but
 * letters, digits, - and _ made _ (an id must hold no dot); malloc'd.
 */
char *webhook_msg_id(const char *prefix, const char *id);

/*
 * How long to wait after the failed-th failed attempt (1 for the first):
 * base_ms doubled per failure and capped at max_ms, less a random part of
 * up to a quarter (rnd picks it), so the delay is in [3/4 d, d] and retries
 * of many jobs spread out while the gaps still grow.
 */
int64_t webhook_backoff_ms(int64_t base_ms, int64_t max_ms, uint64_t failed, uint32_t rnd);

/*
 * The body to POST for an event ({"type", "at", "data"}): for
 * NOTIFY_FORMAT_JSON the envelope {"type", "timestamp" (RFC 3339 of at),
 * "data"}, for NOTIFY_FORMAT_SLACK {"text": one readable line}. The same
 * event always gives the same bytes. malloc'd; NULL when the event is not an
 * object with a string type. zone: the reader's, for the times of the Slack line.
 */
char *webhook_body(enum conf_notify_format format, const json_t *event, const struct tz_zone *zone,
    size_t *len);

/*
 * The event as one readable line (what the Slack format sends), its times in
 * the reader's zone (NULL: UTC); malloc'd.
 */
char *webhook_text(const json_t *event, const struct tz_zone *zone);

#endif
