/*
 * review.c — GET /v1/review: the review digest as a web page shows it (the
 * last review due, or with ?period=current the one under way); POST
 * /v1/review/send: queue it to the review's recipients now, as the schedule
 * would (engine/review.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/util.h"

#include "api/api.h"
#include "engine/review.h"
#include "io/sysutil.h"
#include "server.h"

/* ?period=last|current: 0, or -1 after answering 400. */
static int
review_which_param(struct http_request *req, enum review_which *which)
{
	const char *p = http_request_query(req, "period");

	*which = REVIEW_LAST;
	if (p == NULL || strcmp(p, "last") == 0)
		return 0;
	if (strcmp(p, "current") == 0) {
		*which = REVIEW_CURRENT;
		return 0;
	}
	http_respond_error(req, 400, "invalid_parameter", "period",
	    "period must be last (the review last due) or current (the one under way)");
	return -1;
}

static void
api_on_review(const char *digest, size_t len, const char *err, void *arg)
{
	struct http_request *req = arg;

	if (err != NULL) {
		api_respond_unavailable(req, err);
		return;
	}
	http_respond_text(req, 200, "application/json", xstrndup(digest, len), len);
}

void
api_get_review(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct conf *conf = http_request_conf(req);
	enum review_which which;

	if (review_which_param(req, &which) == -1)
		return;
	review_build(srv, conf, review_due_at(conf, which, sys_now_ms()), api_on_review, req);
}

static void
api_on_review_sent(const char *digest, size_t len, int jobs, const char *err, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);
	struct jsonw w = { 0 };
	size_t i;

	if (err != NULL) {
		api_respond_unavailable(req, err);
		return;
	}
	jsonw_begin_object(&w, NULL);
	jsonw_int(&w, "queued", jobs);
	jsonw_begin_array(&w, "recipients");
	for (i = 0; i < conf->review.ntargets; i++)
		jsonw_string(&w, NULL, conf->review.targets[i].id);
	jsonw_end_array(&w);
	jsonw_raw(&w, "review", digest, len);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 202, &w);
}

void
api_post_review_send(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct conf *conf = http_request_conf(req);
	enum review_which which;

	if (review_which_param(req, &which) == -1)
		return;
	if (conf->review.ntargets == 0) {
		http_respond_error(req, 409, "no_recipients", NULL,
		    "the review has no recipients: set review.slack_channels or review.emails");
		return;
	}
	review_send(srv, conf, review_due_at(conf, which, sys_now_ms()), NULL, api_on_review_sent,
	    req);
}
