/*
 * crm.c — a lead's owner written back to HubSpot or Salesforce
 * (docs/crm.md). A CRM
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
#include <sys/queue.h>

#include <jansson.h>

#include "leadroute/crm_answer.h"
#include "leadroute/util.h"

#include "engine/crm.h"
#include "io/log.h"
#include "io/outbound.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define CRM_MAX_ROUNDS		4	/* writes per delivery; the next event writes again anyway */
#define CRM_LIMIT_WINDOW_MS	10000	/* a 429 naming no wait: HubSpot's ten-second window */

enum crm_step { CRM_PATCH, CRM_SEARCH, CRM_CREATE };

/* A Salesforce connector's access token, and the writes waiting for it. */
struct crm_token {
	struct crm_tokens	*tokens;
	char			*id, *login_url, *client_id;	/* whose (a reload may change them) */
	char			*token, *instance_url;
	int64_t			 got_ms;
	struct outbound_req	*req;		/* a token request under way */
	char			*form;		/* its body */
	TAILQ_HEAD(, crm_call)	 waiting;
};

struct crm_tokens {
	struct server		*srv;
	struct crm_token	**list;
	size_t			 n;
};

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
	int			 limited;	/* the CRM's rate limit: held, not counted */
	int64_t			 hold_ms;	/* how long, when the answer does not say */
	/* Salesforce */
	char			*sf_token, *sf_instance;
	int			 renewed;	/* a token renewed after INVALID_SESSION_ID */
	enum crm_step		 next;		/* the step waiting for a token */
	struct crm_token	*waiting_on;
	TAILQ_ENTRY(crm_call)	 wait_entry;
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
	if (call->sf_token != NULL)
		explicit_bzero(call->sf_token, strlen(call->sf_token));
	free(call->sf_token);
	free(call->sf_instance);
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
	r.limited = !ok && call->limited;
	if (http != NULL) {
		r.answered = http->answered;
		r.status = http->status;
		r.ms = http->ms;
		r.retry_after_ms = http->retry_after_ms;
	}
	/* A limit naming no wait still holds the connector a while: back off, never drop. */
	if (r.limited && r.retry_after_ms <= 0)
		r.retry_after_ms = call->hold_ms;
	call->cb(&r, call->arg);
	crm_free(call);
}

static void crm_on_answer(const struct outbound_result *res, void *arg);

/*
 * One call to the CRM's API: path under HubSpot's api_url or Salesforce's
 * instance, body taken over (NULL: none).
 */
static void
crm_send(struct crm_call *call, enum crm_step step, const char *method, const char *path,
    char *body)
{
	const struct conf_crm *crm = call->crm;
	int sf = crm->kind == CRM_KIND_SALESFORCE;
	struct curl_slist *h;
	char *url, *auth;

	url = sf ? xasprintf("%s/services/data/v%s%s", call->sf_instance, crm->api_version, path) :
	    xasprintf("%s%s", crm->api_url, path);
	auth = xasprintf("Authorization: Bearer %s", sf ? call->sf_token : crm->token);
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
		crm_finish(call, 0, 0, NULL, "could not start the request");
}

static void crm_sf_need_token(struct crm_call *call, enum crm_step step);

static void
crm_patch(struct crm_call *call)
{
	char *path;

	if (call->crm->kind == CRM_KIND_SALESFORCE) {
		if (call->sf_token == NULL) {
			crm_sf_need_token(call, CRM_PATCH);
			return;
		}
		path = xasprintf("/sobjects/%s/%s", call->crm->object, call->contact);
		crm_send(call, CRM_PATCH, "PATCH", path, crm_sf_patch_body(call->owner_id,
		    call->crm->status_property, call->status));
	} else {
		path = xasprintf("/crm/v3/objects/contacts/%s", call->contact);
		crm_send(call, CRM_PATCH, "PATCH", path, crm_hubspot_patch_body(call->owner_id,
		    call->crm->status_property, call->status));
	}
	free(path);
}

/* Salesforce: the record by email, a SOQL query. */
static void
crm_sf_query(struct crm_call *call)
{
	char *q = crm_sf_email_query(call->crm->object, call->email);
	char *path = xasprintf("/query?q=%s", q);

	free(q);
	crm_send(call, CRM_SEARCH, "GET", path, NULL);
	free(path);
}

/* The step a token was waited for. */
static void
crm_sf_step(struct crm_call *call)
{
	if (call->next == CRM_SEARCH)
		crm_sf_query(call);
	else
		crm_patch(call);
}

static void crm_after_write(struct crm_call *call, const struct outbound_result *res);
static void crm_on_sf_answer(struct crm_call *call, const struct outbound_result *res);

static void
crm_on_answer(const struct outbound_result *res, void *arg)
{
	struct crm_call *call = arg;
	char err[CRM_ERROR_LEN];
	int found;

	call->req = NULL;
	if (!res->answered) {
		char *e = xasprintf("%s: %s", call->crm->kind == CRM_KIND_SALESFORCE ?
		    "Salesforce" : "HubSpot", res->error);

		crm_finish(call, 0, 0, res, e);
		free(e);
		return;
	}
	if (call->crm->kind == CRM_KIND_SALESFORCE) {
		crm_on_sf_answer(call, res);
		return;
	}
	switch (crm_hubspot_verdict(res->status)) {
	case CRM_RETRY:
	case CRM_PERMANENT:
		crm_hubspot_error(res->status, res->body, res->body_len, err, sizeof(err));
		if (res->status == 429) {
			call->limited = 1;
			call->hold_ms = res->limit_window_ms > 0 ? res->limit_window_ms :
			    CRM_LIMIT_WINDOW_MS;
		}
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
			char *body = crm_hubspot_create_body(call->email, call->first, call->last,
			    call->company, call->owner_id, call->crm->status_property, call->status);

			crm_send(call, CRM_CREATE, "POST", "/crm/v3/objects/contacts", body);
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
	crm_after_write(call, res);
}

/* Written: read the lead again, and write again if it moved meanwhile. */
static void
crm_after_write(struct crm_call *call, const struct outbound_result *res)
{
	if (++call->rounds >= CRM_MAX_ROUNDS)
		crm_finish(call, 1, 0, res, "written");
	else if (crm_read(call) == -1)
		crm_finish(call, 0, 0, NULL, "reading the lead again: unavailable");
}

static void crm_token_forget(struct crm_call *call);

static void
crm_on_sf_answer(struct crm_call *call, const struct outbound_result *res)
{
	char err[CRM_ERROR_LEN], code[CRM_ID_LEN];
	enum crm_verdict v;
	int found;

	crm_sf_error(res->status, res->body, res->body_len, code, err, sizeof(err));
	v = crm_sf_verdict(res->status, code);
	/* An expired session: a new token, once per attempt, and the same step again. */
	if (res->status == 401 && strcmp(code, "INVALID_SESSION_ID") == 0 && !call->renewed) {
		call->renewed = 1;
		crm_token_forget(call);
		crm_sf_need_token(call, call->step);
		return;
	}
	if (v != CRM_DONE) {
		if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0) {
			call->limited = 1;
			call->hold_ms = call->conf->notify.max_backoff_ms;
		}
		crm_finish(call, 0, v == CRM_PERMANENT, res, err);
		return;
	}
	if (call->step == CRM_SEARCH) {
		found = crm_sf_query_id(res->body, res->body_len, call->contact);
		if (found == 1) {
			crm_patch(call);
		} else if (found == 0) {
			snprintf(err, sizeof(err), "Salesforce has no %s with the lead's email",
			    call->crm->object);
			crm_finish(call, 0, 1, res, err);
		} else {
			crm_finish(call, 0, 0, res, "Salesforce: a query answer without records");
		}
		return;
	}
	crm_after_write(call, res);
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

/*
 * A crm_id this CRM can take as its record's: HubSpot's digits; Salesforce's
 * 15 or 18 characters, of the object's key prefix (00Q a Lead, 003 a
 * Contact). Any other (another CRM's) is left for the search by email.
 */
static int
crm_id_fits(const struct conf_crm *crm, const char *id)
{
	if (crm->kind == CRM_KIND_HUBSPOT)
		return crm_hubspot_id_ok(id);
	return crm_sf_id_ok(id) &&
	    strncmp(id, strcmp(crm->object, "Contact") == 0 ? "003" : "00Q", 3) == 0;
}

/* The lead's contact and how the CRM finds it. */
static void
crm_take_fields(struct crm_call *call, const redisReply *r)
{
	json_t *fields = r->type == REDIS_REPLY_STRING ?
	    json_loadb(r->str, r->len, 0, NULL) : NULL;
	char *id = crm_field(fields, "crm_id");

	if (id != NULL && crm_id_fits(call->crm, id))
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

/* The CRM holds the lead's value now: it has none to write, or the last write sent it. */
static int
crm_holds(const char *now, const char *sent)
{
	return now == NULL || (sent != NULL && strcmp(now, sent) == 0);
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
		e = xasprintf("reading the lead: %s", reply->err != NULL ? reply->err :
		    "a bad reply");
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
		e = xasprintf("rep \"%s\" has no %s (crm %s: owners)", owner,
		    call->crm->kind == CRM_KIND_SALESFORCE ? "Salesforce user id" :
		    "HubSpot owner id", call->crm->id);
		crm_finish(call, 0, 1, NULL, e);
		free(e);
		return;
	}
	if (call->rounds > 0) {
		/* After a write: done when the CRM now holds what the lead holds. */
		if (crm_holds(owner_id, call->owner_id) && crm_holds(status, call->status)) {
			crm_finish(call, 1, 0, NULL, "written");
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
	} else if (call->email != NULL && call->crm->kind == CRM_KIND_SALESFORCE) {
		crm_sf_need_token(call, CRM_SEARCH);
	} else if (call->email != NULL) {
		crm_send(call, CRM_SEARCH, "POST", "/crm/v3/objects/contacts/search",
		    crm_hubspot_search_body(call->email));
	} else {
		e = xasprintf("the lead has neither a %s record id (crm_id) nor an email to find "
		    "it by", call->crm->kind == CRM_KIND_SALESFORCE ? "Salesforce" : "HubSpot");
		crm_finish(call, 0, 1, NULL, e);
		free(e);
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
	if (call->waiting_on != NULL) {
		TAILQ_REMOVE(&call->waiting_on->waiting, call, wait_entry);
		call->waiting_on = NULL;
	}
	if (call->req != NULL) {
		outbound_cancel(call->req);
		call->req = NULL;
	}
	if (call->reading)
		call->cancelled = 1;	/* its read frees it */
	else
		crm_free(call);
}

/* Salesforce's tokens ------------------------------------------------------ */

static struct crm_token *
crm_token_of(struct crm_tokens *t, const struct conf_crm *crm)
{
	struct crm_token *tok;
	size_t i;

	for (i = 0; i < t->n; i++) {
		tok = t->list[i];
		if (strcmp(tok->id, crm->id) == 0 && strcmp(tok->login_url, crm->api_url) == 0 &&
		    strcmp(tok->client_id, crm->client_id) == 0)
			return tok;
	}
	tok = xcalloc(1, sizeof(*tok));
	tok->tokens = t;
	tok->id = xstrdup(crm->id);
	tok->login_url = xstrdup(crm->api_url);
	tok->client_id = xstrdup(crm->client_id);
	TAILQ_INIT(&tok->waiting);
	t->list = xreallocarray(t->list, t->n + 1, sizeof(*t->list));
	t->list[t->n++] = tok;
	return tok;
}

static void
crm_token_clear(struct crm_token *tok)
{
	if (tok->token != NULL)
		explicit_bzero(tok->token, strlen(tok->token));
	free(tok->token);
	free(tok->instance_url);
	tok->token = tok->instance_url = NULL;
}

/* The session the call used has expired: nobody uses that token again. */
static void
crm_token_forget(struct crm_call *call)
{
	struct crm_token *tok = crm_token_of(call->srv->crm_tokens, call->crm);

	if (tok->token != NULL && call->sf_token != NULL && strcmp(tok->token, call->sf_token) == 0)
		crm_token_clear(tok);
	if (call->sf_token != NULL)
		explicit_bzero(call->sf_token, strlen(call->sf_token));
	free(call->sf_token);
	free(call->sf_instance);
	call->sf_token = call->sf_instance = NULL;
}

static void
crm_token_take(struct crm_call *call, const struct crm_token *tok)
{
	call->sf_token = xstrdup(tok->token);
	call->sf_instance = xstrdup(tok->instance_url);
}

/* The token request ended: every write waiting for it goes on, or ends. */
static void
crm_on_token(const struct outbound_result *res, void *arg)
{
	struct crm_token *tok = arg;
	char err[CRM_ERROR_LEN], code[CRM_ID_LEN], *e = NULL;
	struct crm_call *call;
	int permanent = 0;

	tok->req = NULL;
	explicit_bzero(tok->form, strlen(tok->form));
	free(tok->form);
	tok->form = NULL;
	crm_token_clear(tok);	/* a fetch starts without one; nothing to keep */
	if (res->ok && crm_sf_token(res->body, res->body_len, &tok->token,
	    &tok->instance_url) == 0) {
		tok->got_ms = sys_now_ms();
		log_info("crm_token", "crm=%s note=\"a new access token\"", tok->id);
	} else if (res->ok) {
		e = xstrdup("Salesforce token: an answer without access_token and instance_url");
	} else if (!res->answered) {
		e = xasprintf("Salesforce token: %s", res->error);
	} else {
		crm_sf_error(res->status, res->body, res->body_len, code, err, sizeof(err));
		/* Wrong credentials or a grant not allowed: no retry mends them. */
		permanent = crm_sf_verdict(res->status, code) == CRM_PERMANENT;
		e = xasprintf("token: %s", err);
	}
	while ((call = TAILQ_FIRST(&tok->waiting)) != NULL) {
		TAILQ_REMOVE(&tok->waiting, call, wait_entry);
		call->waiting_on = NULL;
		if (e != NULL) {
			crm_finish(call, 0, permanent, res, e);
		} else {
			crm_token_take(call, tok);
			crm_sf_step(call);
		}
	}
	free(e);
}

/* The client-credentials flow: POST the client's id and secret to the login URL. */
static void
crm_token_fetch(struct crm_token *tok, const struct conf_crm *crm, const struct conf *conf)
{
	struct curl_slist *h;
	char *url = xasprintf("%s/services/oauth2/token", crm->api_url);
	struct crm_call *call;

	tok->form = crm_sf_token_form(crm->client_id, crm->client_secret);
	h = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded");
	h = curl_slist_append(h, "Accept: application/json");
	tok->req = outbound_request(tok->tokens->srv->outbound, "POST", url, h, tok->form,
	    strlen(tok->form), conf->notify.timeout_ms, crm_on_token, tok);
	free(url);
	if (tok->req != NULL)
		return;
	free(tok->form);
	tok->form = NULL;
	while ((call = TAILQ_FIRST(&tok->waiting)) != NULL) {
		TAILQ_REMOVE(&tok->waiting, call, wait_entry);
		call->waiting_on = NULL;
		crm_finish(call, 0, 0, NULL, "Salesforce token: could not start the request");
	}
}

/* Go on with step once the call has a token: the cached one while fresh, else a new one. */
static void
crm_sf_need_token(struct crm_call *call, enum crm_step step)
{
	struct crm_token *tok = crm_token_of(call->srv->crm_tokens, call->crm);

	call->next = step;
	if (call->sf_token == NULL && tok->token != NULL &&
	    sys_now_ms() - tok->got_ms < call->crm->token_ttl_ms)
		crm_token_take(call, tok);
	if (call->sf_token != NULL) {
		crm_sf_step(call);
		return;
	}
	if (tok->token != NULL)
		crm_token_clear(tok);	/* expired */
	call->waiting_on = tok;
	TAILQ_INSERT_TAIL(&tok->waiting, call, wait_entry);
	if (tok->req == NULL)
		crm_token_fetch(tok, call->crm, call->conf);
}

struct crm_tokens *
crm_tokens_new(struct server *srv)
{
	struct crm_tokens *t = xcalloc(1, sizeof(*t));

	t->srv = srv;
	return t;
}

void
crm_tokens_free(struct crm_tokens *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		struct crm_token *tok = t->list[i];

		if (tok->req != NULL)
			outbound_cancel(tok->req);
		if (tok->form != NULL)
			explicit_bzero(tok->form, strlen(tok->form));
		free(tok->form);
		crm_token_clear(tok);
		free(tok->id);
		free(tok->login_url);
		free(tok->client_id);
		free(tok);
	}
	free(t->list);
	free(t);
}
