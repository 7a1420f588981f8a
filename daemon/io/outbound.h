/* outbound.h — outbound HTTP requests with libcurl's multi interface, on the daemon's event loop. */
#ifndef LEADROUTED_OUTBOUND_H
#define LEADROUTED_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>

struct outbound;
struct outbound_req;

/* How a request ended. */
struct outbound_result {
	int		 answered;	/* the receiver sent a status line */
	long		 status;	/* its HTTP status; 0 when not answered */
	int64_t		 retry_after_ms;	/* its Retry-After; 0: none */
	int64_t		 ms;		/* how long the request took */
	const char	*error;		/* "HTTP 503", "timed out after 3000ms", libcurl's words */
	const char	*answer;	/* the first bytes of the answer's body (NUL-terminated) */
};

typedef void outbound_cb(const struct outbound_result *res, void *arg);

/* Most answer bytes kept for the error record; more are read and dropped, up to OUTBOUND_MAX_ANSWER. */
#define OUTBOUND_ANSWER_KEEP	200
/* A receiver sending more than this is cut off; its status still counts. */
#define OUTBOUND_MAX_ANSWER	(64 * 1024)

/* Initializes libcurl (once per process: there is one outbound). */
struct outbound *outbound_new(struct event_base *base);
/* Aborts what is under way without callbacks; also cleans up libcurl. */
void outbound_free(struct outbound *ob);

/*
 * POST body (borrowed: it must live until cb runs or the request is
 * cancelled) to url with headers (taken over) and a User-Agent of
 * leadrouted/VERSION; only http and https, no redirects followed, the whole
 * attempt bounded by timeout_ms. cb runs once, from the loop, never before
 * this returns. Returns NULL (and no cb) when libcurl refuses to start it.
 */
struct outbound_req *outbound_post(struct outbound *ob, const char *url,
    struct curl_slist *headers, const char *body, size_t len, int64_t timeout_ms,
    outbound_cb *cb, void *arg);

/*
 * The headers of a Standard Webhooks POST of body: Content-Type, webhook-id
 * (webhook_msg_id of prefix and id, the same on every attempt),
 * webhook-timestamp (ts, unix seconds) and one v1 signature per key (none:
 * unsigned). For outbound_post.
 */
struct curl_slist *outbound_webhook_headers(const char *prefix, const char *id, int64_t ts,
    unsigned char *const *keys, const size_t *keylens, size_t nkeys, const char *body,
    size_t len);

/* Abort a request under way; its cb never runs. */
void outbound_cancel(struct outbound_req *req);

#endif
