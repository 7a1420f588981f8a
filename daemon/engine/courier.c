/*
 * courier.c — one composed message on its way to its target, whatever the
 * channel: a webhook (POST, Standard Webhooks signature), Slack (the app's
 * bot with chat.postMessage) or email (SMTP with STARTTLS). The outbox
 * (notify.c) and the rep messages (subs.c) both send through it, and both
 * read the same verdict: done, failed for good, or try again (after the
 * receiver's Retry-After when it gave one).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/util.h"
#include "leadroute/webhook.h"

#include "engine/courier.h"
#include "io/sysutil.h"
#include "server.h"

const struct conf_notify_target *
courier_target(const struct conf *conf, const char *msg, size_t len, const char **payload,
    size_t *plen)
{
	const char *nl = memchr(msg, '\n', len);
	const struct conf_rep *rep;
	char id[160];

	if (nl == NULL || (size_t)(nl - msg) >= sizeof(id))
		return NULL;
	memcpy(id, msg, (size_t)(nl - msg));
	id[nl - msg] = '\0';
	*payload = nl + 1;
	*plen = len - (size_t)(nl - msg) - 1;
	if (strncmp(id, "rep:", 4) == 0)
		return (rep = conf_find_rep(conf, id + 4)) != NULL && rep->notify != NULL &&
		    strcmp(rep->notify->id, id) == 0 ? rep->notify : NULL;
	return conf_find_target(conf, id);
}

int
courier_http_permanent(const struct outbound_result *res)
{
	return res->answered && res->status >= 400 && res->status <= 499 && res->status != 408 &&
	    res->status != 409 && res->status != 425 && res->status != 429;
}

/* A mail's parts from its payload ({"to", "subject", "text", "html"}). */
static struct outbound_req *
courier_mail(struct server *srv, const struct conf_notify_target *t, const char *msg_id,
    const char *payload, size_t len, outbound_cb *cb, void *arg, const char **why)
{
	const struct conf *conf = srv->conf;
	struct outbound_mail m = { 0 };
	struct outbound_req *req;
	json_t *j = json_loadb(payload, len, 0, NULL);
	char *id, *wid;

	if (conf->notify.email.url == NULL) {
		*why = "notify.email is not configured any more";
		json_decref(j);
		return NULL;
	}
	if (j == NULL) {
		*why = "the message is not JSON";
		return NULL;
	}
	/* The webhook-id holds only letters, digits, - and _: a valid Message-ID's left half. */
	wid = webhook_msg_id(conf->redis.prefix, msg_id);
	id = xasprintf("%s@leadrouted", wid);
	free(wid);
	m.url = conf->notify.email.url;
	m.tls = conf->notify.email.starttls == 2 ? OUTBOUND_TLS_REQUIRED : OUTBOUND_TLS_TRY;
	m.username = conf->notify.email.username;
	m.password = conf->notify.email.password;
	m.cafile = conf->notify.email.ca_file;
	m.from = conf->notify.email.from;
	m.from_name = conf->notify.email.from_name;
	m.to = t->to;
	m.subject = json_string_value(json_object_get(j, "subject"));
	m.text = json_string_value(json_object_get(j, "text"));
	m.html = json_string_value(json_object_get(j, "html"));
	m.message_id = id;
	req = outbound_mail(srv->outbound, &m, NULL, conf->notify.timeout_ms, cb, arg);
	if (req == NULL)
		*why = "could not start the mail";
	free(id);
	json_decref(j);
	return req;
}

struct outbound_req *
courier_send(struct server *srv, const struct conf_notify_target *t, const char *msg_id,
    const char *payload, size_t len, outbound_cb *cb, void *arg, const char **why)
{
	const struct conf *conf = srv->conf;
	struct outbound_req *req;

	*why = NULL;
	if (t->channel == CHANNEL_EMAIL)
		return courier_mail(srv, t, msg_id, payload, len, cb, arg, why);
	if (t->channel == CHANNEL_SLACK) {
		if (conf->notify.slack.bot_token == NULL) {
			*why = "notify.slack is not configured any more";
			return NULL;
		}
		req = outbound_slack(srv->outbound, conf->notify.slack.api_url, "chat.postMessage",
		    conf->notify.slack.bot_token, payload, len, conf->notify.timeout_ms, cb, arg);
		if (req == NULL)
			*why = "could not start the request";
		return req;
	} else {
		unsigned char *key = t->secret;
		struct curl_slist *headers = outbound_webhook_headers(conf->redis.prefix, msg_id,
		    sys_now_ms() / 1000, &key, &t->secret_len, key != NULL ? 1 : 0, payload, len);

		req = outbound_post(srv->outbound, t->url, headers, payload, len,
		    conf->notify.timeout_ms, cb, arg);
		if (req == NULL)
			*why = "could not start the request";
		return req;
	}
}
