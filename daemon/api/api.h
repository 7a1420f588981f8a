/* api.h — the HTTP endpoints and the helpers they share. */
#ifndef LEADROUTED_API_H
#define LEADROUTED_API_H

#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "leadroute/jsonw.h"

#include "engine/lead_resolve.h"
#include "engine/lead_view.h"
#include "engine/report.h"
#include "io/http.h"
#include "io/store.h"

extern const struct http_route api_routes[];
extern const size_t api_nroutes;
extern const struct http_route api_health_routes[];
extern const size_t api_health_nroutes;

/* Endpoints, one file per resource. */
http_handler api_post_lead, api_get_lead, api_post_touch, api_post_simulate;
http_handler api_post_accept, api_post_reject, api_post_stage, api_post_event;
http_handler api_get_definitions, api_get_definitions_history, api_get_definitions_version,
    api_get_definitions_by_config;
http_handler api_get_leads;
http_handler api_get_scorecard, api_get_contract, api_get_review, api_post_review_send;
http_handler api_post_source_events, api_options_source_events, api_delete_subject;
http_handler api_get_email_action, api_post_email_action;

http_handler api_get_reps, api_put_rep_status;
http_handler api_get_pools, api_get_pool;
http_handler api_put_account, api_get_account, api_delete_account, api_list_accounts,
    api_import_accounts;

http_handler api_get_clocks;
http_handler api_get_escalations, api_post_escalation_ack;
http_handler api_get_escalation_stream;
http_handler api_get_notifications_failed, api_post_notification_retry,
    api_delete_notifications_failed;
http_handler api_get_subscriptions, api_post_sub_resume, api_get_sub_dead_letters,
    api_post_sub_dead_retry, api_delete_sub_dead_letters;
http_handler api_post_slack_interaction;
/* Drop the Slack message updates still under way (at exit, before the outbound goes). */
void api_slack_abort_updates(void);
http_handler api_get_healthz, api_get_metrics;
http_handler api_get_console_root, api_get_console_page, api_get_console_asset;
http_handler api_get_console_session, api_post_console_session, api_delete_console_session;

/*
 * Write the public form of a lead as members of the object w has open. conf
 * names the rules evaluated when it is the config that decided.
 */
void api_write_lead(struct jsonw *w, const struct lead_view *v, const struct conf *conf);

/* An amount in cents as a number in currency units; null when cents < 0. */
void api_write_amount(struct jsonw *w, const char *key, int64_t cents);

/* Answer with what w holds. */
void api_respond_jsonw(struct http_request *req, int status, struct jsonw *w);

/* The parsed JSON object body, or NULL after answering 400/422. */
json_t *api_body_object(struct http_request *req);

/* The ?limit= of a list: 1 to max, default def. 0, or -1 after answering 400. */
int api_limit_param(struct http_request *req, long def, long max, long *limit);

/*
 * The ?limit= (1 to max, default def) and ?cursor= (digits: a next_cursor
 * from an earlier page; NULL for the first) of a paged list. 0, or -1 after
 * answering 400.
 */
int api_page_params(struct http_request *req, long def, long max, long *limit,
    const char **cursor);

/* Writes one item of a page (a JSON value from a script's answer). */
typedef void api_item_writer(struct jsonw *w, struct http_request *req, const json_t *item);

/*
 * Answer a script's page: 200 {"<name>": [each item of its items_key],
 * "next_cursor": next (NULL: the last page)}, or 503 when the script failed.
 */
void api_respond_page(struct http_request *req, const struct store_reply *reply,
    const char *items_key, const char *name, const char *next, api_item_writer *write_item);

/* 503 with Retry-After: Redis is down or saturated; nothing was changed. */
void api_respond_unavailable(struct http_request *req, const char *why);

/*
 * A report's period from ?from= and ?to= (a date or an RFC 3339 time; whole
 * hours; by default the 30 days to the end of the current hour): 0, or -1
 * after answering 400. The scorecard, the contract and the review share it.
 */
int api_scorecard_period(struct http_request *req, int64_t now, struct report_period *p);

/*
 * Run a script for req (store_eval's contract: args are taken over, cb runs
 * exactly once). 0, or -1 after answering 503: cb will not run, so the
 * caller frees what it gave as arg. api_eval_at runs it at now_ms, api_eval
 * at the present.
 */
int api_eval_at(struct http_request *req, enum script_id script, int64_t now_ms,
    struct store_args *args, store_cb *cb, void *arg);
int api_eval(struct http_request *req, enum script_id script, struct store_args *args,
    store_cb *cb, void *arg);

/* 0 when the script answered; -1 after answering 503 with the store's error. */
int api_check_reply(struct http_request *req, const struct store_reply *reply);

/*
 * The same, and -1 after answering 503 with why when the answer is not the
 * one the script promises (expected false).
 */
int api_check_answer(struct http_request *req, const struct store_reply *reply, int expected,
    const char *why);

/*
 * The lead text names — its id, or email:, phone: or crm: and a value
 * (core/leadref.c) — into ref. 0, or -1 after answering 404 not_found with
 * why text names no lead.
 */
int api_lead_ref(struct http_request *req, const char *text, struct leadref *ref);

/*
 * Whose leads a reference may find: a rep's token, that rep's (it learns
 * nothing of a person's other leads, not even that there are any); NULL for
 * any other token: everyone's.
 */
const char *api_lead_ref_owner(struct http_request *req);

/*
 * Answer a reference that named no single lead: 404 lead_not_found, 409
 * ambiguous_lead with the open leads' ids ("leads"), or 503. 0 when r is
 * RESOLVED: nothing was answered, r->id is the lead.
 */
int api_lead_resolved(struct http_request *req, const struct lead_resolved *r);

/* Epoch ms from a JSON string or number; -1 when absent. */
int64_t api_ms(const json_t *v);

#endif
