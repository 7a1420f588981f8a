/*
 * crm.c — a lead's owner written back to HubSpot (docs/crm.md). A CRM
 * connector is a subscription (subs.c) whose delivery is this instead of a
 * webhook POST, so it has the same retries, dead letters, pause and status.
 *
 * Latest wins: whatever event is delivered, the values written are the
 * lead's as read now, and after a write the lead is read again; if its
 * owner or stage moved meanwhile, the new values are written too. So the
 * write that lands last at the CRM either carries the lead's latest values
 * or is followed by one that does, whatever order retries come in and
 * however many daemons deliver.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "leadroute/crm_answer.h"
#include "leadroute/util.h"

#include "engine/crm.h"
#include "io/log.h"
#include "io/outbound.h"
#include "io/store.h"
#include "server.h"

#define CRM_MAX_ROUNDS		4	/* writes per delivery; the next event writes again anyway */
#define CRM_LIMIT_WINDOW_MS	10000	/* a 429 naming no wait: HubSpot's ten-second window */

enum crm_step { CRM_PATCH, CRM_SEARCH, CRM_CREATE };

struct crm_call {
	struct server		*srv;
	struct conf		*conf;		/* held: crm lives in it */
	const struct conf_crm	*crm;
	char			*lead;
	outbound_cb		*cb;
	void			*arg;
	int			 reading;	/* a store read under way (it frees a cancelled call) */
	int			 cancelled;
	struct outbound_req	*req;
	enum crm_step		 step;
	char			*body;		/* the request's, while under way */
	const char		*owner_id;	/* what the last write sent (borrowed from crm) */
	const char		*status;
	int			 rounds;	/* writes done */
	char			 contact[CRM_ID_LEN];
	char			*email, *first, *last, *company;
};

static int crm_read(struct crm_call *call);

static void
crm_free(struct crm_call *call)
{
	conf_unref(call->conf);
	free(call->lead);
	free(call->body);
	free(call->email);
	free(call->first);
	free(call->last);
	free(call->company);
	free(call);
}

/* The delivery's end: its verdict to the subscription, then gone. */
static void
crm_finish(struct crm_call *call, int ok, int permanent, const struct outbound_result *http,
    const char *error)
{
	struct outbound_result r = { 0 };

	r.ok = ok;
	r.permanent = permanent;
	r.error = error;
	if (http != NULL) {
		r.answered = http->answered;
		r.status = http->status;
		r.ms = http->ms;
		r.retry_after_ms = http->retry_after_ms;
		/* A 429 naming no wait still holds the connector a window: back off, never drop. */
		if (http->status == 429 && r.retry_after_ms <= 0)
			r.retry_after_ms = http->limit_window_ms > 0 ? http->limit_window_ms :
			    CRM_LIMIT_WINDOW_MS;
	}
	call->cb(&r, call->arg);
	crm_free(call);
}

static void crm_on_answer(const struct outbound_result *res, void *arg);

/* One call to HubSpot's API: path under api_url, body taken over (NULL: none). */
static void
crm_send(struct crm_call *call, enum crm_step step, const char *method, const char *path,
    char *body)
{
	const struct conf_crm *crm = call->crm;
	struct curl_slist *h;
	char *url = xasprintf("%s%s", crm->api_url, path), *auth;

	auth = xasprintf("Authorization: Bearer %s", crm->token);
	h = curl_slist_append(NULL, auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	free(call->body);
	call->body = body;
	call->step = step;
	call->req = outbound_request(call->srv->outbound, method, url, h, body,
	    body != NULL ? strlen(body) : 0, call->conf->notify.timeout_ms, crm_on_answer, call);
	free(url);
	if (call->req == NULL)
		crm_finish(call, 0, 0, NULL, "HubSpot: could not start the request");
}

static void
crm_patch(struct crm_call *call)
{
	char *path = xasprintf("/crm/v3/objects/contacts/%s", call->contact);

	crm_send(call, CRM_PATCH, "PATCH", path, crm_hubspot_patch_body(call->owner_id,
	    call->crm->status_property, call->status));
	free(path);
}

static void
crm_on_answer(const struct outbound_result *res, void *arg)
{
	struct crm_call *call = arg;
	char err[CRM_ERROR_LEN];
	int found;

	call->req = NULL;
	if (!res->answered) {
		char *e = xasprintf("HubSpot: %s", res->error);

		crm_finish(call, 0, 0, res, e);
		free(e);
		return;
	}
	switch (crm_hubspot_verdict(res->status)) {
	case CRM_RETRY:
	case CRM_PERMANENT:
		crm_hubspot_error(res->status, res->body, res->body_len, err, sizeof(err));
		crm_finish(call, 0, crm_hubspot_verdict(res->status) == CRM_PERMANENT, res, err);
		return;
	case CRM_DONE:
		break;
	}
	switch (call->step) {
	case CRM_SEARCH:
		found = crm_hubspot_search_id(res->body, res->body_len, call->contact);
		if (found == 1) {
			crm_patch(call);
		} else if (found == 0 && call->crm->create_missing) {
			crm_send(call, CRM_CREATE, "POST", "/crm/v3/objects/contacts",
			    crm_hubspot_create_body(call->email, call->first, call->last,
			    call->company, call->owner_id, call->crm->status_property, call->status));
		} else if (found == 0) {
			crm_finish(call, 0, 1, res, "HubSpot has no contact with the lead's email "
			    "(create_missing is off)");
		} else {
			crm_finish(call, 0, 0, res, "HubSpot: a search answer without results");
		}
		return;
	case CRM_CREATE:
		if (crm_hubspot_object_id(res->body, res->body_len, call->contact) != 1) {
			crm_finish(call, 1, 0, res, "HubSpot: created, without an id to check");
			return;
		}
		break;
	case CRM_PATCH:
		break;
	}
	/* Written: read the lead again, and write again if it moved meanwhile. */
	if (++call->rounds >= CRM_MAX_ROUNDS) {
		crm_finish(call, 1, 0, res, "HubSpot: written");
		return;
	}
	if (crm_read(call) == -1)
		crm_finish(call, 0, 0, NULL, "reading the lead again: unavailable");
}

/* A member of the lead's fields as text (crm_id may be a number); NULL when absent. */
static char *
crm_field(const json_t *fields, const char *name)
{
	const json_t *v = json_object_get(fields, name);

	if (json_is_string(v) && json_string_value(v)[0] != '\0')
		return xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return NULL;
}

/* The lead's contact and how HubSpot finds it. */
static void
crm_take_fields(struct crm_call *call, const redisReply *r)
{
	json_t *fields = r->type == REDIS_REPLY_STRING ?
	    json_loadb(r->str, r->len, 0, NULL) : NULL;
	char *id = crm_field(fields, "crm_id");

	if (id != NULL && crm_hubspot_id_ok(id))
		snprintf(call->contact, sizeof(call->contact), "%s", id);
	free(id);
	call->email = crm_field(fields, "email");
	call->first = crm_field(fields, "first_name");
	call->last = crm_field(fields, "last_name");
	call->company = crm_field(fields, "company");
	json_decref(fields);
}

static const char *
crm_str(const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING && r->len > 0 ? r->str : NULL;
}

/* The lead as it is now: owner, fields, stage. */
static void
crm_on_lead(const struct store_reply *reply, void *arg)
{
	struct crm_call *call = arg;
	const redisReply *r = reply->raw;
	const char *owner, *stage, *owner_id, *status;
	char *e;

	call->reading = 0;
	if (call->cancelled) {
		crm_free(call);
		return;
	}
	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
		e = xasprintf("reading the lead: %s", reply->err != NULL ? reply->err : "a bad reply");
		crm_finish(call, 0, 0, NULL, e);
		free(e);
		return;
	}
	if (crm_str(r->element[1]) == NULL) {	/* erased or expired: nothing to write */
		crm_finish(call, 1, 0, NULL, "the lead is gone");
		return;
	}
	owner = crm_str(r->element[0]);
	stage = crm_str(r->element[2]);
	owner_id = owner != NULL ? conf_crm_owner(call->crm, owner) : NULL;
	status = conf_crm_stage(call->crm, stage);
	if (owner != NULL && owner_id == NULL) {
		e = xasprintf("rep \"%s\" has no HubSpot owner id (crm %s: owners)", owner,
		    call->crm->id);
		crm_finish(call, 0, 1, NULL, e);
		free(e);
		return;
	}
	if (call->rounds > 0) {
		/* After a write: done when the CRM now holds what the lead holds. */
		if ((owner_id == NULL || (call->owner_id != NULL &&
		    strcmp(owner_id, call->owner_id) == 0)) &&
		    (status == NULL || (call->status != NULL && strcmp(status, call->status) == 0))) {
			crm_finish(call, 1, 0, NULL, "HubSpot: written");
			return;
		}
		log_info("crm_owner_moved", "crm=%s lead=%s note=\"written again\"", call->crm->id,
		    call->lead);
		call->owner_id = owner_id;
		call->status = status;
		crm_patch(call);
		return;
	}
	call->owner_id = owner_id;
	call->status = status;
	if (owner_id == NULL && status == NULL) {	/* queued, and no status mapped */
		crm_finish(call, 1, 0, NULL, "nothing to write");
		return;
	}
	crm_take_fields(call, r->element[1]);
	if (call->contact[0] != '\0') {
		crm_patch(call);
	} else if (call->email != NULL) {
		crm_send(call, CRM_SEARCH, "POST", "/crm/v3/objects/contacts/search",
		    crm_hubspot_search_body(call->email));
	} else {
		crm_finish(call, 0, 1, NULL, "the lead has neither a HubSpot record id (crm_id) "
		    "nor an email to find it by");
	}
}

/* Read the lead; -1 when the store cannot take the command (nothing will call back). */
static int
crm_read(struct crm_call *call)
{
	struct store_args a = { 0 };
	char *key = xasprintf("%s:lead:%s", call->conf->redis.prefix, call->lead);

	store_args_add(&a, "HMGET");
	store_args_add(&a, key);
	store_args_add(&a, "owner");
	store_args_add(&a, "fields");
	store_args_add(&a, "stage");
	free(key);
	if (store_command(call->srv->store, "HMGET", &a, crm_on_lead, call) == -1)
		return -1;
	call->reading = 1;
	return 0;
}

struct crm_call *
crm_deliver(struct server *srv, const struct conf_crm *crm, const char *lead, outbound_cb *cb,
    void *arg)
{
	struct crm_call *call = xcalloc(1, sizeof(*call));

	call->srv = srv;
	call->conf = conf_ref(srv->conf);
	call->crm = crm;
	call->lead = xstrdup(lead);
	call->cb = cb;
	call->arg = arg;
	if (crm_read(call) == -1) {
		crm_free(call);
		return NULL;
	}
	return call;
}

void
crm_cancel(struct crm_call *call)
{
	if (call->req != NULL) {
		outbound_cancel(call->req);
		call->req = NULL;
	}
	if (call->reading)
		call->cancelled = 1;	/* its read frees it */
	else
		crm_free(call);
}
