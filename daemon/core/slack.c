/*
 * slack.c — Slack's interactive requests. The signature is checked over the
 * raw body before anything parses it (Slack's v0 scheme: HMAC-SHA256 of
 * "v0:<timestamp>:<body>", the timestamp within five minutes, compared in
 * constant time). The body is then read as Slack documents it, strictly: a
 * form whose one field that matters, payload, holds the interaction as JSON;
 * of a block_actions interaction we keep who clicked what where, and the
 * response_url to answer through. Every string kept is bounded, NUL-free
 * UTF-8, so the caller can log it or put it in a key without more checks.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "leadroute/form.h"
#include "leadroute/slack.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"

#define SLACK_MAC_LEN		32
#define SLACK_TS_DIGITS		12
#define SLACK_FORM_FIELDS	16	/* Slack sends one, payload */
#define SLACK_JSON_DEPTH	64	/* a message's blocks nest about ten deep */

/* slack_string's flags. */
#define SLACK_NEED		0x1	/* absent or null is an error */
#define SLACK_EMPTY_OK		0x2	/* "" is a value, not an error */

/* "v0=" and the hex HMAC-SHA256 of "v0:<ts>:<body>" into out; -1 if OpenSSL fails. */
static int
slack_mac(const unsigned char *secret, size_t secret_len, const char *ts, const char *body,
    size_t len, char out[SLACK_SIG_LEN + 1])
{
	struct buf base = { NULL, 0, 0 };
	unsigned char mac[SLACK_MAC_LEN];
	int rc;

	buf_appendf(&base, "v0:%s:", ts);
	if (body != NULL && len > 0)
		buf_append(&base, body, len);
	rc = sig_hmac_sha256(secret, secret_len, base.data, base.len, mac);
	memcpy(out, "v0=", 3);
	util_hex_encode(mac, SLACK_MAC_LEN, out + 3);
	OPENSSL_cleanse(mac, sizeof(mac));
	buf_free(&base);
	return rc;
}

/* True when sig is "v0=" and exactly 64 lower-case hex digits. */
static int
slack_sig_wellformed(const char *sig)
{
	size_t i;

	if (strncmp(sig, "v0=", 3) != 0)
		return 0;
	for (i = 3; i < SLACK_SIG_LEN; i++)
		if (!((sig[i] >= '0' && sig[i] <= '9') || (sig[i] >= 'a' && sig[i] <= 'f')))
			return 0;
	return sig[SLACK_SIG_LEN] == '\0';
}

/* Set *why and fail. */
static int
slack_refuse(const char **why, const char *reason)
{
	*why = reason;
	return -1;
}

int
slack_verify(const unsigned char *secret, size_t secret_len, const char *ts_header,
    const char *sig_header, const char *body, size_t len, int64_t now_s, const char **why)
{
	char want[SLACK_SIG_LEN + 1];
	uint64_t off;
	int64_t ts;
	int ok;

	if (secret == NULL || secret_len == 0 || secret_len > INT_MAX)
		return slack_refuse(why, "no signing secret to check the signature with");
	if (ts_header == NULL || ts_header[0] == '\0')
		return slack_refuse(why, "missing X-Slack-Request-Timestamp");
	if (sig_header == NULL || sig_header[0] == '\0')
		return slack_refuse(why, "missing X-Slack-Signature");
	if (util_parse_digits(ts_header, SLACK_TS_DIGITS, &ts) == -1)
		return slack_refuse(why,
		    "X-Slack-Request-Timestamp is not unix seconds (1 to 12 digits)");
	if (!slack_sig_wellformed(sig_header))
		return slack_refuse(why, "signature is not v0=<64 lower-case hex digits>");
	/* Unsigned differences, so no now_s can overflow. */
	off = now_s >= ts ? (uint64_t)now_s - (uint64_t)ts : (uint64_t)ts - (uint64_t)now_s;
	if (off > SLACK_TOLERANCE_S)
		return slack_refuse(why, "timestamp is more than 5 minutes from now");
	if (slack_mac(secret, secret_len, ts_header, body, len, want) == -1) {
		OPENSSL_cleanse(want, sizeof(want));
		return slack_refuse(why, "the signature could not be computed");
	}
	ok = sig_equal(want, sig_header, SLACK_SIG_LEN);
	OPENSSL_cleanse(want, sizeof(want));
	if (!ok)
		return slack_refuse(why, "signature does not match");
	return 0;
}

char *
slack_sign(const unsigned char *secret, size_t secret_len, const char *ts, const char *body,
    size_t len)
{
	char *out = xmalloc(SLACK_SIG_LEN + 1);

	(void)slack_mac(secret, secret_len > INT_MAX ? 0 : secret_len, ts, body, len, out);
	return out;
}

/* Write the reason into a->why and fail. */
static int LR_PRINTF(2, 3)
slack_fail(struct slack_action *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* obj.key as an object into *dst (NULL if obj is NULL or it is absent or null); -1 if no object. */
static int
slack_object(const json_t *obj, const char *key, const char *path, const json_t **dst,
    struct slack_action *a)
{
	const json_t *v = obj != NULL ? json_object_get(obj, key) : NULL;

	*dst = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return slack_fail(a, "%s is not an object", path);
	*dst = v;
	return 0;
}

/*
 * obj.key, called path in reasons, copied into *dst when it is a string of
 * at most max bytes without a NUL: 0 (and *dst left NULL when obj is NULL or
 * the member absent or null, unless flags has SLACK_NEED); -1 otherwise.
 */
static int
slack_string(const json_t *obj, const char *key, const char *path, size_t max, int flags,
    char **dst, struct slack_action *a)
{
	const json_t *v = obj != NULL ? json_object_get(obj, key) : NULL;
	const char *s;
	size_t n;

	if (v == NULL || json_is_null(v)) {
		if (flags & SLACK_NEED)
			return slack_fail(a, "%s is missing", path);
		return 0;
	}
	if (!json_is_string(v))
		return slack_fail(a, "%s is not a string", path);
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 && !(flags & SLACK_EMPTY_OK))
		return slack_fail(a, "%s is empty", path);
	if (n > max)
		return slack_fail(a, "%s is longer than %zu bytes", path, max);
	if (memchr(s, '\0', n) != NULL)
		return slack_fail(a, "%s holds a NUL byte", path);
	*dst = xstrndup(s, n);
	return 0;
}

/* The payload field of a form body, decoded, into *out (borrowed from form); -1 without one. */
static int
slack_payload(const char *body, size_t len, json_t **form, const char **out,
    struct slack_action *a)
{
	const json_t *v;
	char *cause = NULL;

	*form = form_parse(body != NULL ? body : "", len, SLACK_FORM_FIELDS, &cause);
	if (*form == NULL) {
		slack_fail(a, "the body is not a valid form: %s", cause);
		free(cause);
		return -1;
	}
	if ((v = json_object_get(*form, "payload")) == NULL)
		return slack_fail(a, "the form has no payload field");
	if (!json_is_string(v))
		return slack_fail(a, "the form has more than one payload field");
	*out = json_string_value(v);
	return 0;
}

/* The payload's text as a JSON object into *root; -1 otherwise. */
static int
slack_json(const char *text, json_t **root, struct slack_action *a)
{
	size_t n = strlen(text);
	json_error_t jerr;

	if (n == 0)
		return slack_fail(a, "the payload field is empty");
	if (!util_json_depth_ok(text, n, SLACK_JSON_DEPTH))
		return slack_fail(a, "the payload nests deeper than %d", SLACK_JSON_DEPTH);
	if ((*root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return slack_fail(a, "the payload is not JSON: %s at character %d", jerr.text,
		    jerr.position);
	if (!json_is_object(*root))
		return slack_fail(a, "the payload is not a JSON object");
	return 0;
}

/* A response_url the caller can POST to: http(s), no space or control character. */
static int
slack_check_url(struct slack_action *a)
{
	const char *u = a->response_url;
	size_t i, start;

	if (strncmp(u, "https://", 8) == 0)
		start = 8;
	else if (strncmp(u, "http://", 7) == 0)
		start = 7;
	else
		return slack_fail(a, "response_url is not an http:// or https:// URL");
	if (u[start] == '\0')
		return slack_fail(a, "response_url has no host");
	for (i = 0; u[i] != '\0'; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] == 0x7f)
			return slack_fail(a, "response_url holds a space or control character");
	return 0;
}

/* The first action: its ids, its type and its value (a button's, or a menu's choice). */
static int
slack_first_action(const json_t *root, struct slack_action *a)
{
	const json_t *list = json_object_get(root, "actions"), *act, *opt;

	if (list == NULL || json_is_null(list))
		return slack_fail(a, "actions is missing");
	if (!json_is_array(list))
		return slack_fail(a, "actions is not an array");
	if (json_array_size(list) == 0)
		return slack_fail(a, "actions is empty");
	if (!json_is_object((act = json_array_get(list, 0))))
		return slack_fail(a, "actions[0] is not an object");
	if (slack_string(act, "action_id", "actions[0].action_id", SLACK_ID_MAX, SLACK_NEED,
	    &a->action_id, a) == -1 ||
	    slack_string(act, "block_id", "actions[0].block_id", SLACK_ID_MAX, SLACK_NEED,
	    &a->block_id, a) == -1 ||
	    slack_string(act, "action_ts", "actions[0].action_ts", SLACK_ID_MAX, SLACK_NEED,
	    &a->action_ts, a) == -1 ||
	    slack_string(act, "type", "actions[0].type", SLACK_ID_MAX, 0, &a->action_type,
	    a) == -1 ||
	    slack_string(act, "value", "actions[0].value", SLACK_VALUE_MAX, SLACK_EMPTY_OK,
	    &a->value, a) == -1)
		return -1;
	if (a->value != NULL)
		return 0;
	/* A menu's choice; null when the user cleared it, so no value. */
	if (slack_object(act, "selected_option", "actions[0].selected_option", &opt, a) == -1)
		return -1;
	if (opt != NULL && slack_string(opt, "value", "actions[0].selected_option.value",
	    SLACK_VALUE_MAX, SLACK_NEED | SLACK_EMPTY_OK, &a->value, a) == -1)
		return -1;
	return 0;
}

/* Who clicked (user, team), where (channel, message) and where to answer (response_url). */
static int
slack_context(const json_t *root, struct slack_action *a)
{
	const json_t *user, *team, *channel, *container, *message;

	if (slack_object(root, "user", "user", &user, a) == -1 ||
	    slack_object(root, "team", "team", &team, a) == -1 ||
	    slack_object(root, "channel", "channel", &channel, a) == -1 ||
	    slack_object(root, "container", "container", &container, a) == -1 ||
	    slack_object(root, "message", "message", &message, a) == -1)
		return -1;
	if (user == NULL)
		return slack_fail(a, "user is missing");
	if (slack_string(user, "id", "user.id", SLACK_ID_MAX, SLACK_NEED, &a->user_id, a) == -1 ||
	    slack_string(user, "team_id", "user.team_id", SLACK_ID_MAX, 0, &a->team_id, a) == -1 ||
	    (a->team_id == NULL &&
	    slack_string(team, "id", "team.id", SLACK_ID_MAX, 0, &a->team_id, a) == -1))
		return -1;
	if (a->team_id == NULL)
		return slack_fail(a, "user.team_id and team.id are both missing");
	if (slack_string(root, "response_url", "response_url", SLACK_URL_MAX, SLACK_NEED,
	    &a->response_url, a) == -1 || slack_check_url(a) == -1)
		return -1;
	if (slack_string(channel, "id", "channel.id", SLACK_ID_MAX, 0, &a->channel_id, a) == -1 ||
	    (a->channel_id == NULL && slack_string(container, "channel_id",
	    "container.channel_id", SLACK_ID_MAX, 0, &a->channel_id, a) == -1))
		return -1;
	if (slack_string(container, "message_ts", "container.message_ts", SLACK_ID_MAX, 0,
	    &a->message_ts, a) == -1 ||
	    (a->message_ts == NULL && slack_string(message, "ts", "message.ts", SLACK_ID_MAX, 0,
	    &a->message_ts, a) == -1))
		return -1;
	return 0;
}

int
slack_interaction_parse(const char *body, size_t len, struct slack_action *out,
    const char **why)
{
	json_t *form = NULL, *root = NULL;
	const char *payload = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (slack_payload(body, len, &form, &payload, out) == -1 ||
	    slack_json(payload, &root, out) == -1 ||
	    slack_string(root, "type", "type", SLACK_ID_MAX, SLACK_NEED, &out->type, out) == -1)
		goto fail;
	if (strcmp(out->type, "block_actions") != 0) {
		slack_fail(out, "unsupported interaction type %s", out->type);
		rc = SLACK_UNSUPPORTED;
		goto done;
	}
	if (slack_context(root, out) == -1 || slack_first_action(root, out) == -1)
		goto fail;
	json_decref(root);
	json_decref(form);
	return 0;
fail:
	slack_action_free(out);
done:
	*why = out->why;
	json_decref(root);
	json_decref(form);
	return rc;
}

void
slack_action_free(struct slack_action *a)
{
	char **fields[] = { &a->type, &a->user_id, &a->team_id, &a->response_url, &a->action_id,
	    &a->action_type, &a->value, &a->block_id, &a->action_ts, &a->channel_id,
	    &a->message_ts };
	size_t i;

	for (i = 0; i < LR_NELEM(fields); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
}
