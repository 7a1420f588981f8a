/* courier.h — a composed message sent to its target over the target's channel (webhook, Slack, SMTP). */
#ifndef LEADROUTED_COURIER_H
#define LEADROUTED_COURIER_H

#include <stddef.h>

#include "leadroute/conf.h"

#include "io/outbound.h"

struct server;

/*
 * The target a composed message ("<target id>\n<payload>", tell.c) is for,
 * in conf: a notify target, or a rep's own channel ("rep:<id>"); NULL when
 * the config has no such target any more. *payload and *len: the rest.
 */
const struct conf_notify_target *courier_target(const struct conf *conf, const char *msg,
    size_t len, const char **payload, size_t *plen);

/*
 * Send payload to t: a webhook's POST (signed with its secret), Slack's
 * chat.postMessage with the app's token, or a mail through notify.email.
 * msg_id is the message's id on every attempt (webhook-id, the email's
 * Message-ID). cb runs once, from the loop (never when cancelled), with
 * res->ok set whatever the channel and res->permanent for Slack's and SMTP's
 * final refusals; a webhook's statuses are the caller's to judge
 * (courier_http_permanent, 410 Gone). NULL (no cb) with *why set
 * when it cannot start.
 */
struct outbound_req *courier_send(struct server *srv, const struct conf_notify_target *t,
    const char *msg_id, const char *payload, size_t len, outbound_cb *cb, void *arg,
    const char **why);

/* A webhook's answer is final (no retry changes it): a 4xx but 408, 409, 425 and 429. */
int courier_http_permanent(const struct outbound_result *res);

#endif
