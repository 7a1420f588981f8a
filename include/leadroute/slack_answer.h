/* slack_answer.h — what Slack's Web API answered, and whether asking again can help. */
#ifndef LEADROUTE_SLACK_ANSWER_H
#define LEADROUTE_SLACK_ANSWER_H

#include <stddef.h>

/* The longest error code, channel id or ts kept, plus NUL. */
#define SLACK_FIELD_LEN 64

/* The top-level members of an answer that matter: {"ok", "error", "channel", "ts"}. */
struct slack_answer {
	int	ok;				/* 1: "ok":true, 0: "ok":false, -1: no "ok" */
	char	error[SLACK_FIELD_LEN];		/* "channel_not_found"; "" when none (cut if longer) */
	char	channel[SLACK_FIELD_LEN];	/* the message's channel id; "" when none or too long */
	char	ts[SLACK_FIELD_LEN];		/* the message's ts ("1700000000.000100"); "" likewise */
};

/*
 * Read the members above from an answer's body, which may be cut off (the
 * echo of a long message goes past what is kept): members read before the
 * cut count, nested objects ("message" has a ts of its own) are skipped.
 * A plain "ok" body (what incoming webhooks answer) counts as "ok":true.
 * Returns 1 for a whole JSON object, 0 for one cut short, -1 for a body that
 * is no JSON object.
 */
int slack_answer_parse(const char *text, size_t len, struct slack_answer *a);

/*
 * True when an error code of an "ok":false answer says Slack could not do it
 * now (ratelimited, internal_error, service_unavailable, fatal_error,
 * request_timeout, team_added_to_org): asking again later may work. Every
 * other code (channel_not_found, invalid_auth, invalid_blocks, ...) says the
 * request, its token or its channel is wrong, and asking again cannot help.
 */
int slack_error_retryable(const char *code);

enum slack_verdict {
	SLACK_DONE,		/* Slack did it */
	SLACK_RETRY,		/* it did not, and may later */
	SLACK_PERMANENT,	/* it did not, and never will as asked */
};

/*
 * The verdict on an answered call from its HTTP status and body (parsed
 * into a): a 2xx with "ok":true is done; "ok":false is judged by its code;
 * 429, 408, 425 and 5xx are retried; any other 3xx or 4xx (redirects are
 * not followed) is permanent; a 2xx without "ok" is retried. err gets the
 * error text: "slack: channel_not_found", "slack: invalid_auth (HTTP 401)",
 * "HTTP 503", or "HTTP 200" when done.
 */
enum slack_verdict slack_verdict(long status, const char *body, size_t len,
    struct slack_answer *a, char *err, size_t errlen);

#endif
