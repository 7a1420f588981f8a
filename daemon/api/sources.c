/*
 * api_sources.c — POST /v1/sources/{name}/events: what real senders post.
 *
 * In order: the source's rate limit, its authentication (a signature over
 * the raw body, checked before anything parses it, or an ingest token),
 * then the mapping turns the body into one lead per event, and each lead
 * goes through the same path as POST /v1/leads with the sender's event id
 * as its idempotency key — so a sender's retry never makes a second lead.
 * Events of a batch are each stored on their own (one script call apiece)
 * and answered one result apiece.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/lead.h"
#include "leadroute/mapping.h"
#include "leadroute/ratelimit.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
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
	FATE_IGNORED,
	FATE_REFUSED,
	FATE_ERASED,
	FATE_UNAVAILABLE,
};

static const char *const fate_names[] = {
	[FATE_PENDING] = "pending", [FATE_CREATED] = "created", [FATE_DUPLICATE] = "duplicate",
	[FATE_IGNORED] = "ignored", [FATE_REFUSED] = "refused", [FATE_ERASED] = "erased",
	[FATE_UNAVAILABLE] = "unavailable",
};

struct event_result {
	struct source_batch	*batch;
	enum event_fate		 fate;
	char			*event_id;
	const char		*code;		/* refused: why */
	char			 field[72];
	char			 message[256];
	char			*lead;		/* created, duplicate: the lead as JSON members */
	char			*warnings;	/* and what its validation did not use as sent */
};

struct source_batch {
	struct http_request	*req;
	const struct conf_source *src;
	struct event_result	*results;
	size_t			 n;
	size_t			 pending;
	int			 batch;		/* answer with a list of results */
};

/* Per-source buckets, for this daemon. */
static struct rate_table source_rates;

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
	size_t i, count[FATE_UNAVAILABLE + 1] = { 0 };
	int status;

	for (i = 0; i < b->n; i++)
		count[b->results[i].fate]++;
	log_info("source_events", "source=%s events=%zu created=%zu duplicate=%zu refused=%zu "
	    "ignored=%zu erased=%zu unavailable=%zu", b->src->name, b->n, count[FATE_CREATED],
	    count[FATE_DUPLICATE], count[FATE_REFUSED], count[FATE_IGNORED], count[FATE_ERASED],
	    count[FATE_UNAVAILABLE]);
	if (count[FATE_UNAVAILABLE] > 0)
		http_response_header(req, "Retry-After", "1");
	if (!b->batch) {
		const struct event_result *r = &b->results[0];

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
	for (i = FATE_CREATED; i <= FATE_UNAVAILABLE; i++)
		jsonw_int(&w, fate_names[i], (int64_t)count[i]);
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
		r->fate = outcome == INTAKE_STORED ? FATE_CREATED : FATE_DUPLICATE;
		r->lead = source_lead_json(v);
		if (v->warnings != NULL)
			r->warnings = xstrndup(v->warnings, v->warnings_len);
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
	int64_t retry;
	size_t len, i;

	if (src == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no source %s in the config", name);
		return;
	}
	if (rate_table_take(&source_rates, src->name, &src->rate, sys_now_ms(), &retry) == -1) {
		auth_respond_rate_limited(req, retry, "this source");
		return;
	}
	if (src->token && auth_authorize(req, &token_route) == -1)
		return;
	if (src->sig.scheme != SIG_NONE && source_verify(req, src) == -1)
		return;
	body = http_request_body(req, &len);
	lim.max_events = src->max_batch;
	memset(&merr, 0, sizeof(merr));
	if (mapping_apply(src->mapping, &lim, http_request_header(req, "Content-Type"), body, len,
	    &res, &merr) == -1) {
		http_respond_error(req, merr.status, merr.code, NULL, "%s", merr.message);
		return;
	}
	metrics_inc(METRIC_SOURCE_EVENTS, res.nevents);
	b = xcalloc(1, sizeof(*b));
	b->req = req;
	b->src = src;
	b->batch = res.batch || res.nevents != 1;
	b->n = res.nevents;
	b->results = xcalloc(res.nevents > 0 ? res.nevents : 1, sizeof(*b->results));
	b->pending = res.nevents + 1;	/* held until every event is sent */
	for (i = 0; i < res.nevents; i++) {
		struct mapping_event *ev = &res.events[i];
		struct event_result *r = &b->results[i];
		struct lead_error err;
		char idem[320];
		int rc;

		r->batch = b;
		r->event_id = xstrdup(ev->event_id);
		if (ev->lead == NULL) {
			r->fate = ev->ignored ? FATE_IGNORED : FATE_REFUSED;
			r->code = ev->ignored ? "ignored" : ev->error_code;
			snprintf(r->field, sizeof(r->field), "%s", ev->error_field);
			snprintf(r->message, sizeof(r->message), "%s", ev->message);
			b->pending--;
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
