/* slack.h — Slack's interactive requests: the v0 request signature and block_actions payloads. */
#ifndef LEADROUTE_SLACK_H
#define LEADROUTE_SLACK_H

#include <stddef.h>
#include <stdint.h>

#define SLACK_TOLERANCE_S	300	/* seconds either side of now a timestamp may be */
#define SLACK_ID_MAX		255	/* bytes: ids, timestamps, the interaction type */
#define SLACK_URL_MAX		2048	/* bytes: response_url */
#define SLACK_VALUE_MAX		8000	/* bytes: a value is 2000 characters at most */
#define SLACK_SIG_LEN		67	/* "v0=" and 64 hex digits */

/* slack_interaction_parse: a well-formed interaction of a type other than block_actions. */
#define SLACK_UNSUPPORTED	1

/*
 * 0 when secret signed the request as Slack does, -1 with *why (a static
 * English sentence) otherwise: ts_header (X-Slack-Request-Timestamp) must be
 * 1 to 12 digits of unix seconds within SLACK_TOLERANCE_S of now_s (either
 * way; the edge is allowed), sig_header (X-Slack-Signature) "v0=" and 64
 * lower-case hex digits of HMAC-SHA256(secret, "v0:<ts>:<body>"), compared
 * in constant time. A NULL or empty header is missing; body may be NULL when
 * len is 0. Checks run missing, malformed, window, MAC; the first failure is
 * reported. An empty secret never verifies.
 */
int slack_verify(const unsigned char *secret, size_t secret_len, const char *ts_header,
    const char *sig_header, const char *body, size_t len, int64_t now_s, const char **why);

/*
 * The X-Slack-Signature Slack sends for body at ts (digits, as in the
 * header): "v0=" and 64 hex digits, malloc'd. For tests and tools.
 */
char *slack_sign(const unsigned char *secret, size_t secret_len, const char *ts,
    const char *body, size_t len);

/*
 * The first action of a block_actions interaction. Every string is
 * NUL-terminated, valid UTF-8, owned by the struct (slack_action_free) and
 * at most SLACK_ID_MAX bytes unless said otherwise; those not marked NULL
 * are set, and not empty, whenever slack_interaction_parse returns 0.
 */
struct slack_action {
	char	*type;		/* "block_actions", or another (SLACK_UNSUPPORTED) */
	char	*user_id;	/* user.id */
	char	*team_id;	/* user.team_id, else team.id */
	char	*response_url;	/* http:// or https://, as given; at most SLACK_URL_MAX */
	char	*action_id;	/* actions[0].action_id */
	char	*action_type;	/* actions[0].type, e.g. "static_select"; NULL if absent */
	char	*value;		/* .value, else .selected_option.value; NULL if neither;
				   at most SLACK_VALUE_MAX */
	char	*block_id;	/* actions[0].block_id */
	char	*action_ts;	/* actions[0].action_ts */
	char	*channel_id;	/* channel.id, else container.channel_id; NULL if neither */
	char	*message_ts;	/* container.message_ts, else message.ts; NULL if neither */
	char	 why[256];	/* why parsing failed, or which type was unsupported */
};

/*
 * Parse the body Slack POSTs to an interactivity URL: a form whose field
 * payload holds the interaction as JSON ('+' is a space, %XX escapes; other
 * fields are ignored). 0 with out filled for a block_actions interaction;
 * SLACK_UNSUPPORTED for a well-formed one of another type, with only
 * out->type set (answer 200 and ignore it); -1 for anything else (answer
 * 400): a malformed form or escape, no payload or two, a NUL, invalid UTF-8,
 * JSON that is not an object, a required field missing or not a string, an
 * over-long string, a response_url that is not http(s). Unless 0, *why
 * (pointing to out->why) says what and where. out is cleared first; call
 * slack_action_free whatever the result.
 */
int slack_interaction_parse(const char *body, size_t len, struct slack_action *out,
    const char **why);

/* Free the strings of a (possibly half-filled) action and clear them; safe twice. */
void slack_action_free(struct slack_action *a);

#endif
