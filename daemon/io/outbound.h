/*
 * outbound.h — outbound requests with libcurl's multi interface, on the
 * daemon's event loop: HTTP POSTs, Slack Web API calls and SMTP mail.
 */
#ifndef LEADROUTED_OUTBOUND_H
#define LEADROUTED_OUTBOUND_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <event2/event.h>

struct outbound;
struct outbound_req;

/* How a request ended; its strings live until cb returns. */
struct outbound_result {
	int		 answered;	/* the receiver gave its verdict: an HTTP status line, an SMTP reply */
	long		 status;	/* that HTTP status or SMTP reply code; 0 when not answered */
	int		 ok;		/* it was done: a 2xx, a mail taken (250), Slack's "ok":true */
	int		 permanent;	/* not ok, and trying again cannot help: dead-letter it (set by
					   outbound_mail and outbound_slack; outbound_post's callers judge
					   the status themselves) */
	int64_t		 retry_after_ms;	/* its Retry-After; 0: none */
	int		 limited;	/* not ok: the receiver's rate limit, not this request's
					   fault (a CRM's 429): tried again however many attempts
					   it takes, never dead-lettered for it (set by crm.c) */
	int64_t		 ms;		/* how long the request took */
	const char	*error;		/* "HTTP 503", "timed out after 3000ms", libcurl's words,
					   "slack: channel_not_found", "RCPT failed: 550" */
	const char	*answer;	/* the first bytes of the answer's body (NUL-terminated);
					   for mail the server's last reply line */
	const char	*body;		/* outbound_request: the whole answer (up to OUTBOUND_MAX_ANSWER,
					   NUL-terminated); else NULL */
	size_t		 body_len;
	int64_t		 limit_window_ms;	/* outbound_request: a rate limit's window, from
						   X-HubSpot-RateLimit-Interval-Milliseconds; 0: none */
	const char	*channel;	/* outbound_slack done: the message's channel id; else NULL */
	const char	*ts;		/* outbound_slack done: the message's ts; else NULL */
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
 * An API call: method ("GET", "POST", "PATCH") to url with headers (taken
 * over) and body (borrowed, as for outbound_post; NULL with GET), the whole
 * answer read (up to OUTBOUND_MAX_ANSWER) into res->body for the caller to
 * judge with the status; ok for a 2xx. Otherwise as outbound_post.
 */
struct outbound_req *outbound_request(struct outbound *ob, const char *method, const char *url,
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

/* Whether an smtp:// connection must be made TLS with STARTTLS before anything is sent. */
enum outbound_tls {
	OUTBOUND_TLS_REQUIRED,	/* no STARTTLS, no mail (the default) */
	OUTBOUND_TLS_TRY,	/* STARTTLS when the server offers it, plain text otherwise */
};

/* One email to send; outbound_mail copies what it needs. */
struct outbound_mail {
	const char	*url;		/* smtp://host:587 (STARTTLS) or smtps://host:465 (TLS) */
	enum outbound_tls tls;		/* for smtp:// */
	const char	*username;	/* AUTH (PLAIN, LOGIN, ... as the server offers); NULL: none */
	const char	*password;
	const char	*cafile;	/* PEM CAs for a private CA; NULL: the system's */
	const char	*from;		/* envelope sender and From address: local@domain */
	const char	*from_name;	/* From's display name (UTF-8); NULL: none */
	const char	*to;		/* the one recipient: local@domain */
	const char	*to_name;	/* To's display name (UTF-8); NULL: none */
	const char	*subject;	/* UTF-8; encoded words when not plain ASCII */
	const char	*text;		/* the text/plain part (UTF-8) */
	const char	*html;		/* the text/html part (UTF-8) */
	const char	*message_id;	/* "id@host", the same on every attempt; with or without <> */
};

/*
 * Send one email over SMTP: MAIL FROM, one RCPT TO, and a message of
 * headers Date (now), From, To, Subject, Message-ID, MIME-Version and
 * headers (extra "Name: value" lines, taken over; NULL: none), then a
 * multipart/alternative of text/plain and text/html, UTF-8, quoted-printable
 * (in the multipart/mixed libcurl always makes the message's root).
 * The whole attempt is bounded by timeout_ms. cb runs once, from the loop,
 * never before this returns: ok when the server took the message (250,
 * error "SMTP 250");
 * answered when it gave a verdict (status: its reply code, 400 and up, or
 * 250); error is libcurl's ("RCPT failed: 550", "STARTTLS not supported.")
 * and answer the server's last reply line ("550 5.1.1 <x@y>: no such
 * user"). permanent: a 5xx reply (no such user, bad credentials, refused),
 * no TLS where it is required, a certificate that does not verify, a
 * malformed message (CR or LF, a bad address or Message-ID): dead-letter
 * it. Not permanent: a 4xx reply, no connection, a timeout, a cut
 * connection: try again later. Returns NULL (and no cb) when libcurl
 * refuses to start it.
 */
struct outbound_req *outbound_mail(struct outbound *ob, const struct outbound_mail *m,
    struct curl_slist *headers, int64_t timeout_ms, outbound_cb *cb, void *arg);

/* Slack's Web API, where outbound_slack goes when api_url is NULL. */
#define OUTBOUND_SLACK_API	"https://slack.com/api"

/*
 * Call a Slack Web API method with a JSON body: POST body (borrowed, as for
 * outbound_post) to api_url/method ("chat.postMessage", "chat.update"), with
 * Authorization: Bearer token and Content-Type: application/json;
 * charset=utf-8. api_url NULL: OUTBOUND_SLACK_API. method NULL: POST to
 * api_url itself, as for a response_url (token NULL: no Authorization).
 * The whole answer (up to OUTBOUND_MAX_ANSWER) is read for its verdict (see
 * slack_verdict in leadroute/slack_answer.h): ok for "ok":true, with channel and ts
 * of the message; error "slack: channel_not_found" for "ok":false;
 * permanent when Slack's code or the HTTP status says asking again cannot
 * help (invalid_auth, channel_not_found, invalid_blocks, a 4xx, ...), not
 * for ratelimited, internal_error, 429 (retry_after_ms: its Retry-After),
 * 5xx, timeouts and no connection. A token that does not fit in a header
 * fails at once (permanent, from the loop). Returns NULL (and no cb) when
 * libcurl refuses to start it.
 */
struct outbound_req *outbound_slack(struct outbound *ob, const char *api_url, const char *method,
    const char *token, const char *body, size_t len, int64_t timeout_ms, outbound_cb *cb,
    void *arg);

/* Abort a request under way; its cb never runs. */
void outbound_cancel(struct outbound_req *req);

#endif
