/*
 * api_sources.c — POST /v1/sources/{name}/events: what real senders post.
 *
 * In order: the origin (a public form's post from a page not listed in
 * cors_origins is refused), the rate limits (per client address, then the
 * source's), its authentication (a signature over the raw body, checked
 * before anything parses it, or an ingest token), then the mapping turns the
 * body into one lead per event, and each lead goes through the same path as
 * POST /v1/leads with the sender's event id as its idempotency key — so a
 * sender's retry never makes a second lead. Events of a batch are each
 * stored on their own (one script call apiece) and answered one result
 * apiece. An activity source's events (kind: activity) act on leads
 * instead, through engine/activity.c, keyed the same way. A form may be answered with a redirect (303) instead of JSON, to
 * the source's thank-you or error page; OPTIONS answers browsers' CORS
 * preflights.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/lead.h"
#include "leadroute/mapping.h"
#include "leadroute/ratelimit.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"
#include "leadroute/webform.h"

#include "api/api.h"
#include "api/auth.h"
#include "engine/activity.h"
#include "engine/intake.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/sysutil.h"
#include "server.h"

/* What became of one event. */
enum event_fate {
	FATE_PENDING,
	FATE_CREATED,
	FATE_DUPLICATE,
	FATE_JOINED,
	FATE_IGNORED,
	FATE_REFUSED,
	FATE_ERASED,
	FATE_UNAVAILABLE,
	FATE_TOUCHED,		/* an activity source's: a touch recorded */
	FATE_REASSIGNED,	/* an activity source's: the lead went to the CRM's owner */
	FATE_COUNT,
};

static const char *const fate_names[] = {
	[FATE_PENDING] = "pending", [FATE_CREATED] = "created", [FATE_DUPLICATE] = "duplicate",
	[FATE_JOINED] = "re_engaged", [FATE_IGNORED] = "ignored", [FATE_REFUSED] = "refused", [FATE_ERASED] = "erased",
	[FATE_UNAVAILABLE] = "unavailable", [FATE_TOUCHED] = "touched",
	[FATE_REASSIGNED] = "reassigned",
};

/* The counts a batch answer gives: a lead source's, an activity source's. */
static const enum event_fate lead_fates[] = {
	FATE_CREATED, FATE_DUPLICATE, FATE_JOINED, FATE_IGNORED, FATE_REFUSED, FATE_ERASED,
	FATE_UNAVAILABLE,
};
static const enum event_fate activity_fates[] = {
	FATE_TOUCHED, FATE_REASSIGNED, FATE_DUPLICATE, FATE_IGNORED, FATE_REFUSED,
	FATE_UNAVAILABLE,
};

struct event_result {
	struct source_batch	*batch;
	enum event_fate		 fate;
	char			*event_id;
	const char		*code;		/* refused: why */
	char			 field[72];
	char			 message[512];
	char			*lead;		/* created, duplicate: the lead as JSON members */
	char			*warnings;	/* and what its validation did not use as sent */
	int			 first_touch;	/* touched: the lead's first */
};

struct source_batch {
	struct http_request	*req;
	const struct conf_source *src;
	struct event_result	*results;
	size_t			 n;
	size_t			 pending;
	int			 batch;		/* answer with a list of results */
	char			*location;	/* a form's next page (303); NULL: JSON */
};

/* Per-source buckets, for this daemon. */
static struct rate_table source_rates;

/* Per-source, per-client-address buckets, for this daemon (bounded: see ratelimit.h). */
static struct rate_cache client_rates;

/* How long a browser may keep a preflight's answer. */
#define SOURCE_CORS_MAX_AGE	"600"

/* Send the form's sender to location (taken over) with 303 See Other. */
static void
source_redirect(struct http_request *req, char *location)
{
	http_response_header(req, "Location", location);
	free(location);
	http_respond_empty(req, 303);
}

/*
 * Refuse the request: with a 303 to the source's error_redirect
 * (?error=<code>) when it has one, else with the JSON error.
 */
static void LR_PRINTF(5, 6)
source_refuse(struct http_request *req, const struct conf_source *src, int status,
    const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (src->error_redirect != NULL) {
		source_redirect(req, webform_error_location(src->error_redirect, code));
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_respond_error(req, status, code, NULL, "%s", msg);
}

static void
source_batch_free(struct source_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->results[i].event_id);
		free(b->results[i].lead);
		free(b->results[i].warnings);
	}
	free(b->results);
	free(b->location);
	free(b);
}

static void
source_write_result(struct jsonw *w, const struct event_result *r)
{
	jsonw_string(w, "event_id", r->event_id);
	jsonw_string(w, "result", fate_names[r->fate]);
	if (r->lead != NULL)
		jsonw_raw(w, "lead", r->lead, strlen(r->lead));
	if (r->warnings != NULL)
		jsonw_raw(w, "warnings", r->warnings, strlen(r->warnings));
	if (r->fate == FATE_TOUCHED)
		jsonw_bool(w, "first_touch", r->first_touch);
	if (r->fate == FATE_REFUSED || r->fate == FATE_IGNORED || r->fate == FATE_ERASED ||
	    r->fate == FATE_UNAVAILABLE) {
		jsonw_begin_object(w, "error");
		jsonw_string(w, "code", r->code);
		jsonw_string(w, "message", r->message);
		if (r->field[0] != '\0')
			jsonw_string(w, "field", r->field);
		jsonw_end_object(w);
	}
}

/* Every event has its fate: answer. */
static void
source_respond(struct source_batch *b)
{
	struct http_request *req = b->req;
	struct jsonw w = { 0 };
	int activity = mapping_activity(b->src->mapping);
	const enum event_fate *fates = activity ? activity_fates : lead_fates;
	size_t i, nfates = activity ? LR_NELEM(activity_fates) : LR_NELEM(lead_fates);
	size_t count[FATE_COUNT] = { 0 };
	int status;

	for (i = 0; i < b->n; i++)
		count[b->results[i].fate]++;
	if (activity)
		log_info("source_events", "source=%s events=%zu touched=%zu reassigned=%zu "
		    "duplicate=%zu refused=%zu ignored=%zu unavailable=%zu", b->src->name, b->n,
		    count[FATE_TOUCHED], count[FATE_REASSIGNED], count[FATE_DUPLICATE],
		    count[FATE_REFUSED], count[FATE_IGNORED], count[FATE_UNAVAILABLE]);
	else
		log_info("source_events", "source=%s events=%zu created=%zu duplicate=%zu "
		    "re_engaged=%zu refused=%zu ignored=%zu erased=%zu unavailable=%zu",
		    b->src->name, b->n, count[FATE_CREATED], count[FATE_DUPLICATE],
		    count[FATE_JOINED], count[FATE_REFUSED], count[FATE_IGNORED],
		    count[FATE_ERASED], count[FATE_UNAVAILABLE]);
	if (count[FATE_UNAVAILABLE] > 0)
		http_response_header(req, "Retry-After", "1");
	if (!b->batch) {
		const struct event_result *r = &b->results[0];

		/* A form's sender goes on to the thank-you page, or the error page. */
		if (b->location != NULL && (r->fate == FATE_CREATED || r->fate == FATE_JOINED ||
		    r->fate == FATE_DUPLICATE || r->fate == FATE_IGNORED)) {
			source_redirect(req, b->location);
			b->location = NULL;
			source_batch_free(b);
			return;
		}
		if (b->src->error_redirect != NULL && (r->fate == FATE_REFUSED ||
		    r->fate == FATE_ERASED || r->fate == FATE_UNAVAILABLE)) {
			source_redirect(req, webform_error_location(b->src->error_redirect,
			    r->code));
			source_batch_free(b);
			return;
		}
		switch (r->fate) {
		case FATE_CREATED:
			status = 201;
			break;
		case FATE_REFUSED:
			status = 422;
			break;
		case FATE_ERASED:
			status = 410;
			break;
		case FATE_UNAVAILABLE:
			status = 503;
			break;
		default:
			status = 200;
			break;
		}
		jsonw_begin_object(&w, NULL);
		source_write_result(&w, r);
		jsonw_end_object(&w);
		api_respond_jsonw(req, status, &w);
		source_batch_free(b);
		return;
	}
	/* A batch: 200 once every event has a final answer; 503 to have it sent again. */
	jsonw_begin_object(&w, NULL);
	jsonw_int(&w, "events", (int64_t)b->n);
	for (i = 0; i < nfates; i++)
		jsonw_int(&w, fate_names[fates[i]], (int64_t)count[fates[i]]);
	jsonw_begin_array(&w, "results");
	for (i = 0; i < b->n; i++) {
		jsonw_begin_object(&w, NULL);
		jsonw_int(&w, "index", (int64_t)i);
		source_write_result(&w, &b->results[i]);
		jsonw_end_object(&w);
	}
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	api_respond_jsonw(req, count[FATE_UNAVAILABLE] > 0 ? 503 : 200, &w);
	source_batch_free(b);
}

/* The lead's short form in a result: id, status, owner, pool. */
static char *
source_lead_json(const struct lead_view *v)
{
	struct jsonw w = { 0 };
	size_t len;

	jsonw_begin_object(&w, NULL);
	jsonw_string(&w, "id", v->id);
	jsonw_string(&w, "status", v->status);
	jsonw_string(&w, "owner", v->owner);
	jsonw_string(&w, "pool", v->pool);
	jsonw_end_object(&w);
	return jsonw_finish(&w, &len);
}

static void
source_on_lead(void *arg, enum intake_outcome outcome, const struct lead_view *v,
    const char *why)
{
	struct event_result *r = arg;
	struct source_batch *b = r->batch;

	switch (outcome) {
	case INTAKE_STORED:
	case INTAKE_REPLAYED:
	case INTAKE_JOINED:
		r->fate = outcome == INTAKE_STORED ? FATE_CREATED :
		    outcome == INTAKE_JOINED ? FATE_JOINED : FATE_DUPLICATE;
		r->lead = source_lead_json(v);
		if (v->warnings != NULL)
			r->warnings = xstrndup(v->warnings, v->warnings_len);
		break;
	case INTAKE_KEY_REUSED:
		/* The sender's event id again, with other lead data: refused, not replayed. */
		r->fate = FATE_REFUSED;
		r->code = "idempotency_key_reused";
		snprintf(r->field, sizeof(r->field), "event_id");
		snprintf(r->message, sizeof(r->message), "event id %s was already used for an "
		    "event with different lead data; nothing was stored (a new event needs a new id)",
		    r->event_id);
		break;
	case INTAKE_ERASED:
		r->fate = FATE_ERASED;
		r->code = "subject_erased";
		snprintf(r->message, sizeof(r->message),
		    "this person's data was erased on request; the lead is not stored");
		break;
	case INTAKE_UNAVAILABLE:
		r->fate = FATE_UNAVAILABLE;
		r->code = "unavailable";
		snprintf(r->message, sizeof(r->message), "Redis is unavailable (%s); send it again",
		    why);
		break;
	}
	if (--b->pending == 0)
		source_respond(b);
}

static void
source_on_activity(void *arg, const struct activity_outcome *o)
{
	struct event_result *r = arg;
	struct source_batch *b = r->batch;

	switch (o->result) {
	case ACTIVITY_TOUCHED:
	case ACTIVITY_REASSIGNED:
	case ACTIVITY_REPLAYED:
		r->fate = o->result == ACTIVITY_TOUCHED ? FATE_TOUCHED :
		    o->result == ACTIVITY_REASSIGNED ? FATE_REASSIGNED : FATE_DUPLICATE;
		r->first_touch = o->first_touch;
		if (o->lead != NULL)
			r->lead = source_lead_json(o->lead);
		break;
	case ACTIVITY_IGNORED:
	case ACTIVITY_REFUSED:
	case ACTIVITY_UNAVAILABLE:
		r->fate = o->result == ACTIVITY_IGNORED ? FATE_IGNORED :
		    o->result == ACTIVITY_REFUSED ? FATE_REFUSED : FATE_UNAVAILABLE;
		r->code = o->code;
		snprintf(r->field, sizeof(r->field), "%s", o->field != NULL ? o->field : "");
		snprintf(r->message, sizeof(r->message), "%s", o->message != NULL ? o->message : "");
		break;
	}
	if (--b->pending == 0)
		source_respond(b);
}

static const char *
source_header(void *arg, const char *name)
{
	return http_request_header(arg, name);
}

/* The sender's signature, over the raw body; 0, or -1 after answering 401. */
static int
source_verify(struct http_request *req, const struct conf_source *src)
{
	struct sig_request rq;
	struct sig_error err;
	const char *host = http_request_header(req, "Host");
	char *sent = NULL;
	int rc;

	memset(&rq, 0, sizeof(rq));
	memset(&err, 0, sizeof(err));
	/* What the sender signed: the configured public URL, else what we were sent. */
	if (src->url == NULL)
		sent = xasprintf("%s://%s%s", http_request_tls(req) ? "https" : "http",
		    host != NULL ? host : "", http_request_target(req));
	rq.method = http_request_method(req);
	rq.url = src->url != NULL ? src->url : sent;
	rq.body = (const unsigned char *)http_request_body(req, &rq.len);
	rq.header = source_header;
	rq.arg = req;
	rq.now_ms = sys_now_ms();
	rc = sig_verify(&src->sig, &rq, &err);
	free(sent);
	if (rc == 0)
		return 0;
	metrics_inc(METRIC_SIGNATURES_REFUSED, 1);
	log_info("signature_refused", "source=%s code=%s peer=%s", src->name, err.code,
	    http_request_peer(req));
	http_respond_error(req, 401, err.code, err.header, "%s", err.message);
	return -1;
}

/* True when origin is one of the source's cors_origins. */
static int
source_origin_listed(const struct conf_source *src, const char *origin)
{
	size_t i;

	for (i = 0; i < src->ncors_origins; i++)
		if (strcmp(src->cors_origins[i], origin) == 0)
			return 1;
	return 0;
}

/* Refuse a browser's request from a page the source does not list: 403. */
static void
source_refuse_origin(struct http_request *req, const struct conf_source *src, const char *origin)
{
	char q[160];

	metrics_inc(METRIC_FORMS_REFUSED_ORIGIN, 1);
	log_info("source_origin_refused", "source=%s origin=%s client=%s", src->name,
	    log_quote(origin, q, sizeof(q)), http_request_client(req));
	http_respond_error(req, 403, "origin_not_allowed", NULL, "this source takes requests "
	    "from pages of its cors_origins only, not from %.100s", origin);
}

/*
 * CORS for a request from a browser: with cors_origins, every answer varies
 * by Origin, and one to a listed origin lets that page read it (never with
 * credentials, never "*"). A public form refuses a post from an origin it
 * does not list: a page of another site must not make leads through its
 * visitors' browsers. 0, or -1 after answering 403.
 */
static int
source_cors(struct http_request *req, const struct conf_source *src)
{
	const char *origin = http_request_header(req, "Origin");

	if (src->ncors_origins == 0)
		return 0;
	http_response_header(req, "Vary", "Origin");
	if (origin == NULL)
		return 0;
	if (source_origin_listed(src, origin)) {
		http_response_header(req, "Access-Control-Allow-Origin", origin);
		return 0;
	}
	if (!src->public_form)
		return 0;
	source_refuse_origin(req, src, origin);
	return -1;
}

/* Over a rate limit (what: whose): 429, or the error page (?error=rate_limited). */
static void
source_rate_limited(struct http_request *req, const struct conf_source *src, int64_t retry_ms,
    const char *what)
{
	if (src->error_redirect == NULL) {
		auth_respond_rate_limited(req, retry_ms, what);
		return;
	}
	metrics_inc(METRIC_RATE_LIMITED, 1);
	source_refuse(req, src, 429, "rate_limited", "%s is over its rate limit", what);
}

/* The limit per client address (an IPv6 /64); 0, or -1 after answering 429. */
static int
source_client_rate(struct http_request *req, const struct conf_source *src)
{
	const char *client = http_request_client(req);
	char key[RATE_CACHE_NAME_MAX], ck[WEBFORM_ADDR_MAX];
	int64_t retry;

	if (src->rate_per_ip.per_sec <= 0)
		return 0;
	if (webform_client_key(client, ck, sizeof(ck)) == -1)
		snprintf(ck, sizeof(ck), "%s", client);
	snprintf(key, sizeof(key), "%s %s", src->name, ck);
	if (rate_cache_take(&client_rates, key, &src->rate_per_ip, sys_now_ms(), &retry) == 0)
		return 0;
	log_info("source_client_limited", "source=%s client=%s", src->name, ck);
	source_rate_limited(req, src, retry, "this client address");
	return -1;
}

/* True when a form field taken aside holds something (a string, or any of a list). */
static int
source_field_filled(const json_t *v)
{
	size_t i;

	if (json_is_string(v))
		return json_string_length(v) > 0;
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
		if (json_string_length(json_array_get(v, i)) > 0)
			return 1;
	return 0;
}

/*
 * Where a stored form's sender goes: the form's own _redirect when it
 * begins with one of redirect_allowed, else the source's redirect (malloc'd;
 * NULL: answer JSON). Anything else a form asks for is ignored: the
 * endpoint never sends anyone to a page its config does not allow.
 */
static char *
source_location(struct http_request *req, const struct conf_source *src, const json_t *taken)
{
	const json_t *v = json_object_get(taken, WEBFORM_REDIRECT_FIELD);
	char q[160];

	if (json_is_string(v) && json_string_length(v) > 0) {
		if (webform_redirect_allowed(json_string_value(v), src->redirect_allowed,
		    src->nredirect_allowed))
			return xstrdup(json_string_value(v));
		log_info("source_redirect_ignored", "source=%s redirect=%s", src->name,
		    log_quote(json_string_value(v), q, sizeof(q)));
	}
	return src->redirect != NULL ? xstrdup(src->redirect) : NULL;
}

void
api_post_source_events(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	const char *name = http_request_param(req, 0), *body;
	const struct conf_source *src = conf_find_source(conf, name);
	struct http_route token_route = { .method = HTTP_POST,
	    .pattern = "/v1/sources/:name/events", .roles = CONF_ROLE_INGEST };
	struct mapping_limits lim = { 0 };	/* depth and form pairs: the mapping's defaults */
	struct mapping_result res;
	struct mapping_error merr;
	struct source_batch *b;
	const char *aside[3] = { WEBFORM_REDIRECT_FIELD, NULL, NULL };	/* and the honeypot */
	json_t *taken = NULL;
	int64_t retry;
	size_t len, i;
	int trapped;

	if (src == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no source %s in the config", name);
		return;
	}
	if (source_cors(req, src) == -1 || source_client_rate(req, src) == -1)
		return;
	if (rate_table_take(&source_rates, src->name, &src->rate, sys_now_ms(), &retry) == -1) {
		source_rate_limited(req, src, retry, "this source");
		return;
	}
	if (src->token && auth_authorize(req, &token_route) == -1)
		return;
	if (src->sig.scheme != SIG_NONE && source_verify(req, src) == -1)
		return;
	body = http_request_body(req, &len);
	lim.max_events = src->max_batch;
	memset(&merr, 0, sizeof(merr));
	aside[1] = src->honeypot;
	if (mapping_apply_aside(src->mapping, &lim, aside, http_request_header(req, "Content-Type"),
	    body, len, &res, &taken, &merr) == -1) {
		source_refuse(req, src, merr.status, merr.code, "%s", merr.message);
		return;
	}
	metrics_inc(METRIC_SOURCE_EVENTS, res.nevents);
	/* A bot filled the field people leave empty: it is answered as if stored. */
	trapped = src->honeypot != NULL && source_field_filled(json_object_get(taken,
	    src->honeypot));
	if (trapped) {
		metrics_inc(METRIC_FORMS_REFUSED_HONEYPOT, 1);
		log_info("source_honeypot", "source=%s client=%s", src->name,
		    http_request_client(req));
	}
	b = xcalloc(1, sizeof(*b));
	b->req = req;
	b->src = src;
	b->batch = res.batch || res.nevents != 1;
	b->n = res.nevents;
	b->results = xcalloc(res.nevents > 0 ? res.nevents : 1, sizeof(*b->results));
	b->pending = res.nevents + 1;	/* held until every event is sent */
	b->location = source_location(req, src, taken);
	json_decref(taken);
	for (i = 0; i < res.nevents; i++) {
		struct mapping_event *ev = &res.events[i];
		struct event_result *r = &b->results[i];
		struct lead_error err;
		char idem[320];
		int rc;

		r->batch = b;
		r->event_id = xstrdup(ev->event_id);
		if (trapped) {
			r->fate = FATE_IGNORED;
			r->code = "ignored";
			snprintf(r->message, sizeof(r->message), "not stored");
			b->pending--;
			continue;
		}
		if (ev->lead == NULL) {
			r->fate = ev->ignored ? FATE_IGNORED : FATE_REFUSED;
			r->code = ev->ignored ? "ignored" : ev->error_code;
			snprintf(r->field, sizeof(r->field), "%s", ev->error_field);
			snprintf(r->message, sizeof(r->message), "%s", ev->message);
			b->pending--;
			continue;
		}
		if (mapping_activity(src->mapping)) {
			/* The callback counts the event down, now or later. */
			activity_run(http_request_ctx(req), http_request_conf(req), src, ev->lead,
			    ev->event_id, source_on_activity, r);
			continue;
		}
		memset(&err, 0, sizeof(err));
		snprintf(idem, sizeof(idem), "src:%s:%s", src->name, ev->event_id);
		rc = intake_submit(http_request_ctx(req), conf, ev->lead, idem, &err,
		    source_on_lead, r);
		if (rc == 0)
			continue;
		r->fate = rc == -1 ? FATE_REFUSED : FATE_UNAVAILABLE;
		r->code = err.code;
		snprintf(r->field, sizeof(r->field), "%s", err.field);
		snprintf(r->message, sizeof(r->message), "%s", err.message);
		b->pending--;
	}
	mapping_result_free(&res);
	if (--b->pending == 0)
		source_respond(b);
}

/* Append ", name" to out when name is a plain header name (it goes into a header's value). */
static void
source_add_header(char *out, size_t size, const char *name)
{
	size_t len = strlen(out);

	if (name != NULL && name[0] != '\0' && name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_")] == '\0')
		snprintf(out + len, size - len, ", %s", name);
}

/* The request headers a source's senders may need: its authentication's. */
static void
source_cors_headers(const struct conf_source *src, char *out, size_t size)
{
	snprintf(out, size, "Content-Type");
	if (src->token)
		source_add_header(out, size, "Authorization");
	switch (src->sig.scheme) {
	case SIG_STANDARD:
		source_add_header(out, size, "webhook-id");
		source_add_header(out, size, "webhook-timestamp");
		source_add_header(out, size, "webhook-signature");
		break;
	case SIG_HUBSPOT_V3:
		source_add_header(out, size, "X-HubSpot-Signature-v3");
		source_add_header(out, size, "X-HubSpot-Request-Timestamp");
		break;
	case SIG_HMAC_HEX:
		source_add_header(out, size, src->sig.header);
		source_add_header(out, size, src->sig.timestamp_header);
		break;
	case SIG_NONE:
		break;
	}
}

void
api_options_source_events(struct http_request *req)
{
	const char *name = http_request_param(req, 0);
	const struct conf_source *src = conf_find_source(http_request_conf(req), name);
	const char *origin = http_request_header(req, "Origin");
	char headers[256];

	if (src == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no source %s in the config", name);
		return;
	}
	if (origin == NULL || http_request_header(req, "Access-Control-Request-Method") == NULL) {
		/* Not a preflight: what the endpoint takes. */
		http_response_header(req, "Allow", "POST, OPTIONS");
		http_respond_empty(req, 204);
		return;
	}
	if (src->ncors_origins > 0)
		http_response_header(req, "Vary", "Origin");
	if (!source_origin_listed(src, origin)) {
		source_refuse_origin(req, src, origin);
		return;
	}
	source_cors_headers(src, headers, sizeof(headers));
	http_response_header(req, "Access-Control-Allow-Origin", origin);
	http_response_header(req, "Access-Control-Allow-Methods", "POST");
	http_response_header(req, "Access-Control-Allow-Headers", headers);
	http_response_header(req, "Access-Control-Max-Age", SOURCE_CORS_MAX_AGE);
	http_respond_empty(req, 204);
}
