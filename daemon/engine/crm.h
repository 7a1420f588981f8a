/* crm.h — a lead's owner (and status) written back to a CRM (HubSpot, Salesforce): one delivery of a connector's subscription. */
#ifndef LEADROUTED_CRM_H
#define LEADROUTED_CRM_H

#include "leadroute/conf.h"

#include "io/outbound.h"

struct crm_call;
struct crm_tokens;
struct server;

/* Salesforce's access tokens, one per connector, fetched once and shared by its writes. */
struct crm_tokens *crm_tokens_new(struct server *srv);
/* After the subscriptions: no write waits for a token any more. */
void crm_tokens_free(struct crm_tokens *t);

/*
 * Write lead's owner as it is now (read at this call, not taken from the
 * event) to crm: found by its crm_id, else by email (HubSpot: created when
 * the connector says so; Salesforce: with an access token from the
 * client-credentials flow), then read again after the write and written again
 * until the CRM holds what the lead holds (docs/crm.md, "Latest wins").
 * cb runs once, from the loop, with ok, permanent (dead-letter it),
 * status, retry_after_ms and the CRM's own error text; never when
 * cancelled. NULL (and no cb) when Redis cannot be asked now.
 */
struct crm_call *crm_deliver(struct server *srv, const struct conf_crm *crm, const char *lead,
    outbound_cb *cb, void *arg);

/* Abort a delivery under way; its cb never runs. */
void crm_cancel(struct crm_call *call);

#endif
