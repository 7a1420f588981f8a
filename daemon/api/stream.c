/* api_stream.c — GET /v1/escalations/stream: the escalation feed as Server-Sent Events. */
#include "config.h"

#include <stdlib.h>

#include "api/api.h"
#include "engine/feed.h"
#include "server.h"

/* One stream request and its subscriber; freed when the exchange is over. */
struct api_stream {
	struct http_request	*req;
	struct feed_sub		*sub;
	int			 streaming;	/* answered 200: http owns the rest of the exchange */
};

static ssize_t
api_stream_read(void *arg, char *buf, size_t max)
{
	struct api_stream *st = arg;
	ssize_t n = feed_sub_read(st->sub, buf, max);

	/* Dropped for being too slow: close, and the client resumes from its last id. */
	return n >= 0 ? n : HTTP_STREAM_ABORT;
}

static void
api_stream_done(void *arg)
{
	struct api_stream *st = arg;

	feed_unsubscribe(st->sub);
	free(st);
}

static void
api_stream_begin(struct api_stream *st)
{
	st->streaming = 1;
	http_response_header(st->req, "X-Accel-Buffering", "no");	/* nginx: pass events on at once */
	http_respond_stream(st->req, 200, "text/event-stream", api_stream_read, api_stream_done, st);
}

static void
api_stream_respond_down(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);

	if (srv->stopping) {
		http_response_header(req, "Retry-After", "1");
		http_respond_error(req, 503, "unavailable", NULL, "the server is shutting down");
		return;
	}
	api_respond_unavailable(req, "cannot read the escalation stream");
}

static void
api_stream_on_feed(struct feed_sub *sub, void *arg)
{
	struct api_stream *st = arg;

	if (st->streaming) {
		if (feed_sub_state(sub) == FEED_SUB_CLOSED)
			http_stream_drop(st->req);	/* too slow: the client resumes from its last id */
		else
			http_stream_wake(st->req);
		return;
	}
	switch (feed_sub_state(sub)) {
	case FEED_SUB_STARTING:
		return;
	case FEED_SUB_OPEN:
		api_stream_begin(st);
		return;
	case FEED_SUB_FAILED:
	case FEED_SUB_CLOSED:
		break;
	}
	feed_unsubscribe(sub);
	api_stream_respond_down(st->req);
	free(st);
}

void
api_get_escalation_stream(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const char *pool = http_request_query(req, "pool"), *field = "Last-Event-ID";
	const char *last = http_request_header(req, "Last-Event-ID");
	struct feed_id after;
	struct api_stream *st;

	/* The header is what EventSource sends when it reconnects, so it wins. */
	if (last == NULL || *last == '\0') {
		last = http_request_query(req, "last_event_id");
		field = "last_event_id";
	}
	if (last != NULL && *last == '\0')
		last = NULL;	/* an empty id is no id, as in SSE */
	if (pool != NULL && !util_valid_id(pool, 64)) {
		http_respond_error(req, 400, "invalid_parameter", "pool", "pool must be a pool id");
		return;
	}
	if (last != NULL && feed_id_parse(last, &after) == -1) {
		http_respond_error(req, 400, "invalid_parameter", field,
		    "%s must be the id of an event from this stream (<ms>-<seq>)", field);
		return;
	}
	st = xcalloc(1, sizeof(*st));
	st->req = req;
	st->sub = srv->stopping ? NULL : feed_subscribe(srv->feed, pool,
	    last != NULL ? &after : NULL, api_stream_on_feed, st);
	if (st->sub == NULL) {
		free(st);
		api_stream_respond_down(req);
		return;
	}
	/* Otherwise it is answered from api_stream_on_feed once the feed has started. */
	if (feed_sub_state(st->sub) == FEED_SUB_OPEN)
		api_stream_begin(st);
}
