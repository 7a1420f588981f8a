/*
 * http.c — libmicrohttpd in external epoll mode, driven by libevent.
 *
 * MHD's epoll fd is watched by one persistent read event; after every
 * MHD_run() a timer is re-armed from MHD_get_timeout(). A handler that needs
 * Redis returns without answering: the connection is suspended, and the
 * asynchronous completion stores the response and resumes it. MHD 0.9.75 does
 * not wake the loop on resume, so we make the event active ourselves. A
 * suspended request always completes: the store guarantees a callback within
 * its command timeout.
 *
 * A streamed answer (http_respond_stream) is parked the same way whenever it
 * has nothing to send, and resumed when it has. MHD does not watch a parked
 * connection, so we watch its socket for the client hanging up. Quiescing
 * ends every stream, so that shutdown need not wait for clients to leave.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "leadroute/reqcheck.h"
#include "leadroute/webform.h"

#include "io/http.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/sysutil.h"

/* What MHD asks a stream for at a time; it may ask for less. */
#define HTTP_STREAM_BLOCK	16384

/* How often connections are checked against the whole-request timeout. */
#define HTTP_SWEEP_MS		500

/*
 * One client connection. It is "ready" from when it may send a request (on
 * accept, and after each answer) until its request reaches a handler; a
 * connection ready for longer than the request timeout is a slow client (it
 * trickles its headers or body) and is closed.
 */
struct http_conn {
	struct MHD_Connection	*conn;
	int64_t			 ready_us;
	int			 busy;		/* its request is with a handler, or streaming */
	LIST_ENTRY(http_conn)	 entry;
};

/* A certificate chain and key loaded for TLS; kept until exit (see http_tls_load). */
struct http_tls {
	gnutls_pcert_st		 pcerts[8];
	unsigned int		 npcerts;
	gnutls_privkey_t	 key;
	struct http_tls		*older;
};

/* The credentials new TLS handshakes get (one TLS listener per process). */
static struct http_tls *http_tls_current;

struct http_header {
	char	*name;
	char	*value;
};

struct http_request {
	struct http		*http;
	struct MHD_Connection	*conn;
	const struct http_route	*route;
	struct conf		*conf;
	const struct conf_token	*token;		/* borrowed from conf */
	char			*target;	/* path and query as sent */
	const char		*method;
	int			 started;	/* headers are in and checked */
	char			*params[HTTP_MAX_PARAMS];
	struct buf		 body;
	int64_t			 started_us;

	struct http_header	*headers;	/* extra response headers */
	size_t			 nheaders;
	struct MHD_Response	*resp;		/* answer waiting to be queued */
	int			 status;
	int64_t			 answered_us;	/* when the answer was set */
	int			 dispatched;
	int			 suspended;
	int			 too_large;

	/* A streamed answer: see http_respond_stream. */
	http_stream_read	*stream_read;
	http_stream_done	*stream_done;
	void			*stream_arg;
	struct event		*stream_watch;	/* while parked: the client hanging up */
	int			 stream_gone;	/* it did */
	LIST_ENTRY(http_request) stream_entry;
};

struct http {
	struct event_base		*base;
	const struct http_route		*routes;
	size_t				 nroutes;
	void				*ctx;
	struct conf			*conf;
	struct MHD_Daemon		*mhd;
	int				 listen_fd;
	int				 bound_port;
	int				 tls;
	http_authorizer			*authorize;
	struct event			*ev;
	struct event			*tick;
	struct event			*sweep;
	int				 active;
	int				 quiescing;
	LIST_HEAD(, http_request)	 streams;
	int				 nstreams;
	LIST_HEAD(, http_conn)		 conns;
};

static const char *const http_method_names[] = {
	[HTTP_GET] = "GET", [HTTP_POST] = "POST", [HTTP_PUT] = "PUT", [HTTP_DELETE] = "DELETE",
	[HTTP_OPTIONS] = "OPTIONS",
};

static void
http_run(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct timeval tv;

	MHD_run(h->mhd);
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		tv = sys_timeval_ms((int64_t)ms);
		evtimer_add(h->tick, &tv);
	} else {
		evtimer_del(h->tick);
	}
}

static void
http_on_ready(evutil_socket_t fd, short what, void *arg)
{
	http_run(arg);
}

/* Match path against pattern, filling params; 1 on a match. */
static int
http_match(const char *pattern, const char *path, char **params)
{
	size_t np = 0;

	for (;;) {
		if (*pattern == ':') {
			const char *pend = strchr(pattern, '/'), *send = strchr(path, '/');
			size_t len = send != NULL ? (size_t)(send - path) : strlen(path);

			if (len == 0 || np >= HTTP_MAX_PARAMS)
				goto fail;
			params[np++] = xstrndup(path, len);
			pattern = pend != NULL ? pend : pattern + strlen(pattern);
			path += len;
			continue;
		}
		if (*pattern != *path)
			goto fail;
		if (*pattern == '\0')
			return 1;
		pattern++;
		path++;
	}
fail:
	while (np > 0)
		free(params[--np]);
	return 0;
}

static int
http_method_of(const char *method)
{
	size_t i;

	for (i = 0; i < LR_NELEM(http_method_names); i++)
		if (strcmp(method, http_method_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Let MHD go on with a suspended request (waiting for its answer, or a parked stream). */
static void
http_resume(struct http_request *req)
{
	if (!req->suspended)
		return;
	req->suspended = 0;
	if (req->stream_watch != NULL)
		event_del(req->stream_watch);
	MHD_resume_connection(req->conn);
	event_active(req->http->ev, EV_READ, 0);
}

/* 1 when req already has its answer (a bug in the caller, logged). */
static int
http_answered(const struct http_request *req)
{
	if (req->resp == NULL && req->status == 0)
		return 0;
	log_error("http_double_response", "path=%s", req->route ? req->route->pattern : "?");
	return 1;
}

/* Keep resp (taken over) as the answer to queue, and resume the request if it waits. */
static void
http_answer(struct http_request *req, int status, struct MHD_Response *resp,
    const char *content_type, const char *cache_control)
{
	size_t i;

	req->resp = resp;
	req->status = status;
	req->answered_us = sys_monotonic_us();
	if (content_type != NULL)
		MHD_add_response_header(req->resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	/* A handler's own Cache-Control (the console's files) replaces the default. */
	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, MHD_HTTP_HEADER_CACHE_CONTROL) == 0)
			cache_control = NULL;
	if (cache_control != NULL)
		MHD_add_response_header(req->resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control);
	for (i = 0; i < req->nheaders; i++)
		MHD_add_response_header(req->resp, req->headers[i].name, req->headers[i].value);
	/* While shutting down, keep-alive clients must not start new requests here. */
	if (req->http->quiescing)
		MHD_add_response_header(req->resp, MHD_HTTP_HEADER_CONNECTION, "close");
	http_resume(req);
}

static void
http_set_response(struct http_request *req, int status, const char *content_type,
    char *body, size_t len)
{
	if (http_answered(req)) {
		free(body);
		return;
	}
	http_answer(req, status, MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE),
	    content_type, "no-store");
}

/*
 * A parked stream's socket became readable. A streaming client sends nothing
 * after its request, so this is the client hanging up: look without reading
 * and, if it is gone, resume the stream so it is dropped now rather than at
 * its next write.
 */
static void
http_on_stream_readable(evutil_socket_t fd, short what, void *arg)
{
	struct http_request *req = arg;
	ssize_t n;
	char c;

	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(req->stream_watch, NULL);
		return;
	}
	if (n > 0)
		return;	/* it did send something: MHD sees it once the stream resumes */
	req->stream_gone = 1;
	http_resume(req);
}

/* The stream has nothing to send: take it out of MHD's loop until it has. */
static void
http_stream_park(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci;

	if (req->stream_watch == NULL) {
		ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			req->stream_watch = event_new(req->http->base, ci->connect_fd, EV_READ,
			    http_on_stream_readable, req);
	}
	req->suspended = 1;
	MHD_suspend_connection(req->conn);	/* allowed from a content reader */
	if (req->stream_watch != NULL)
		event_add(req->stream_watch, NULL);
}

/* MHD's content reader for streams: the stream's read, parking when it is dry. */
static ssize_t
http_stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_request *req = cls;
	ssize_t n;

	if (req->stream_gone)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = req->stream_read(req->stream_arg, buf, max);
	if (n > 0)
		return n;
	if (n == HTTP_STREAM_ABORT)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == HTTP_STREAM_END || req->http->quiescing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	http_stream_park(req);
	return 0;
}

void
http_respond_stream(struct http_request *req, int status, const char *content_type,
    http_stream_read *read, http_stream_done *done, void *arg)
{
	struct http *h = req->http;

	if (http_answered(req))
		return;
	req->stream_read = read;
	req->stream_done = done;
	req->stream_arg = arg;
	LIST_INSERT_HEAD(&h->streams, req, stream_entry);
	h->nstreams++;
	http_answer(req, status, MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    HTTP_STREAM_BLOCK, http_stream_reader, req, NULL), content_type, "no-cache");
}

void
http_stream_wake(struct http_request *req)
{
	if (req->stream_read != NULL)
		http_resume(req);
}

void
http_stream_drop(struct http_request *req)
{
	const union MHD_ConnectionInfo *ci;

	if (req->stream_read == NULL || req->stream_gone)
		return;
	req->stream_gone = 1;
	/*
	 * A client that does not read leaves MHD waiting to write, never asking
	 * the stream again; with the socket shut down, that write fails and MHD
	 * closes the connection (the descriptor stays MHD's to close).
	 */
	ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL)
		shutdown(ci->connect_fd, SHUT_RDWR);
	http_resume(req);
	event_active(req->http->ev, EV_READ, 0);
}

void
http_respond_text(struct http_request *req, int status, const char *content_type,
    char *text, size_t len)
{
	http_set_response(req, status, content_type, text, len);
}

void
http_respond_empty(struct http_request *req, int status)
{
	http_set_response(req, status, NULL, NULL, 0);
}

void
http_respond_json(struct http_request *req, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	if (text == NULL)
		text = xstrdup("{}");
	http_set_response(req, status, "application/json", text, strlen(text));
}

static void LR_PRINTF(6, 0)
http_respond_verror(struct http_request *req, int status, const char *code, const char *field,
    json_t *extra, const char *fmt, va_list ap)
{
	char msg[512];
	json_t *err;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	util_utf8_scrub(msg);	/* it may echo a client's bytes: the answer must still build */
	err = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (field != NULL)
		json_object_set_new(err, "field", json_string(field));
	if (extra != NULL) {
		json_object_update(err, extra);
		json_decref(extra);
	}
	http_respond_json(req, status, json_pack("{s:o}", "error", err));
}

void
http_respond_error(struct http_request *req, int status, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	http_respond_verror(req, status, code, field, NULL, fmt, ap);
	va_end(ap);
}

void
http_respond_error_with(struct http_request *req, int status, const char *code,
    const char *field, json_t *extra, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	http_respond_verror(req, status, code, field, extra, fmt, ap);
	va_end(ap);
}

void
http_response_header(struct http_request *req, const char *name, const char *value)
{
	req->headers = xreallocarray(req->headers, req->nheaders + 1, sizeof(*req->headers));
	req->headers[req->nheaders].name = xstrdup(name);
	req->headers[req->nheaders].value = xstrdup(value);
	req->nheaders++;
}

static enum MHD_Result
http_queue(struct http_request *req)
{
	enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned int)req->status, req->resp);

	MHD_destroy_response(req->resp);
	req->resp = NULL;
	return rc;
}

static int
http_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* The connection's own record (see struct http_conn). */
static struct http_conn *
http_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* What the header walk gathers: their size, and the checks of reqcheck.h. */
struct http_headers {
	size_t		 size;
	struct reqcheck	 check;
};

static enum MHD_Result
http_walk_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	struct http_headers *hh = cls;

	hh->size += key_size + value_size + 4;	/* ": " and CRLF */
	reqcheck_header(&hh->check, key, key_size, value, value_size);
	return MHD_YES;
}

/*
 * What a request must get right before anything else looks at it: the size
 * of its target and headers, and one unambiguous body length. 0, or -1 after
 * answering.
 */
static int
http_check_framing(struct http_request *req)
{
	const struct conf *conf = req->conf;
	struct http_headers hh = { 0 };

	if (strlen(req->target) > conf->http.max_uri_length) {
		http_respond_error(req, 414, "uri_too_long", NULL,
		    "the request target is longer than the limit of %llu bytes",
		    (unsigned long long)conf->http.max_uri_length);
		return -1;
	}
	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, http_walk_header, &hh);
	if (hh.size > conf->http.max_header_size) {
		http_respond_error(req, 431, "headers_too_large", NULL,
		    "the request headers are larger than the limit of %llu bytes",
		    (unsigned long long)conf->http.max_header_size);
		return -1;
	}
	if (reqcheck_target(&hh.check, req->target) == -1 || reqcheck_framing(&hh.check) == -1) {
		/* Where this request ends is in doubt: nothing after it is read. */
		http_response_header(req, "Connection", "close");
		http_respond_error(req, hh.check.status, hh.check.code, NULL, "%s", hh.check.why);
		return -1;
	}
	return 0;
}

/* Find the route for a new request, or answer 404/405/415/413/401/403/503 at once. */
static void
http_route_request(struct http_request *req, const char *url, const char *method)
{
	struct http *h = req->http;
	int m = http_method_of(method);
	char allow[64] = "";
	const char *ct, *cl;
	size_t i;

	if (http_check_framing(req) == -1)
		return;
	for (i = 0; i < h->nroutes; i++) {
		char *params[HTTP_MAX_PARAMS] = { NULL };
		size_t j;

		if (!http_match(h->routes[i].pattern, url, params))
			continue;
		if ((int)h->routes[i].method == m && req->route == NULL) {
			req->route = &h->routes[i];
			memcpy(req->params, params, sizeof(params));
			continue;
		}
		for (j = 0; j < HTTP_MAX_PARAMS; j++)
			free(params[j]);
		if (strstr(allow, http_method_names[h->routes[i].method]) == NULL)
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
			    allow[0] ? ", " : "", http_method_names[h->routes[i].method]);
	}
	if (req->route == NULL && allow[0] != '\0') {
		http_response_header(req, "Allow", allow);
		http_respond_error(req, 405, "method_not_allowed", NULL,
		    "%s is not allowed on %s; use %s", method, url, allow);
		return;
	}
	if (req->route == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no such endpoint: %s", url);
		return;
	}
	if (h->authorize != NULL && h->authorize(req, req->route) == -1)
		return;
	/* Requests waiting for an answer (streams are answered): shed load before reading bodies. */
	if ((uint64_t)(h->active - h->nstreams) > req->conf->http.max_in_flight) {
		http_response_header(req, "Retry-After", "1");
		metrics_inc(METRIC_HTTP_SHED, 1);
		http_respond_error(req, 503, "overloaded", NULL,
		    "more than %llu requests are in flight; retry shortly",
		    (unsigned long long)req->conf->http.max_in_flight);
		return;
	}
	cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > req->conf->http.max_body) {
		http_respond_error(req, 413, "payload_too_large", NULL,
		    "the body is larger than the limit of %llu bytes",
		    (unsigned long long)req->conf->http.max_body);
		return;
	}
	if (!req->route->json_body)
		return;
	ct = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!http_is_json(ct)) {
		http_respond_error(req, 415, "unsupported_media_type", NULL,
		    "Content-Type must be application/json%s%s", ct ? ", not " : "", ct ? ct : "");
		return;
	}
}

/*
 * MHD's first word on a request: its raw target (kept for signatures and the
 * 414 check). From here MHD reports the request's end to http_on_completed
 * even when it refuses the request itself (headers over its buffer, say).
 */
static void *
http_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http *h = cls;
	struct http_request *req = xcalloc(1, sizeof(*req));

	req->http = h;
	req->conn = conn;
	req->conf = conf_ref(h->conf);
	req->target = xstrdup(uri);
	req->started_us = sys_monotonic_us();
	h->active++;
	return req;
}

static enum MHD_Result
http_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct http_request *req = *con_cls;
	struct http_conn *hc;

	if (!req->started) {
		req->started = 1;
		req->method = method;
		http_route_request(req, url, method);
		/* An early answer is queued now; MHD then skips the body and closes. */
		return req->resp != NULL ? http_queue(req) : MHD_YES;
	}
	if (*upload_size > 0) {
		if (!req->too_large && req->body.len + *upload_size > req->conf->http.max_body) {
			req->too_large = 1;
			buf_free(&req->body);
		}
		if (!req->too_large)
			buf_append(&req->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->resp != NULL)
		return http_queue(req);
	if (req->dispatched || req->status != 0)
		return MHD_YES;
	req->dispatched = 1;
	if ((hc = http_conn_of(conn)) != NULL)
		hc->busy = 1;
	if (req->too_large) {
		http_respond_error(req, 413, "payload_too_large", NULL,
		    "the body is larger than the limit of %llu bytes",
		    (unsigned long long)req->conf->http.max_body);
		return http_queue(req);
	}
	req->route->handler(req);
	if (req->resp != NULL)
		return http_queue(req);
	req->suspended = 1;
	MHD_suspend_connection(conn);
	return MHD_YES;
}

static void
http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct http_request *req = *con_cls;
	struct http_conn *hc;
	size_t i;

	if (req == NULL)
		return;
	if ((hc = http_conn_of(conn)) != NULL) {
		hc->busy = 0;
		hc->ready_us = sys_monotonic_us();
	}
	if (req->status != 0) {
		/* A stream counts until its answer began, not until it ended. */
		int64_t end = req->stream_read != NULL ? req->answered_us : sys_monotonic_us();
		double secs = (double)(end - req->started_us) / 1e6;

		metrics_http_request(req->status, secs);
		log_debug("http_request", "route=%s status=%d ms=%.3f",
		    req->route != NULL ? req->route->pattern : "-", req->status, secs * 1000);
	}
	if (req->resp != NULL)
		MHD_destroy_response(req->resp);
	for (i = 0; i < HTTP_MAX_PARAMS; i++)
		free(req->params[i]);
	for (i = 0; i < req->nheaders; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->headers);
	free(req->target);
	buf_free(&req->body);
	conf_unref(req->conf);
	if (req->stream_read != NULL) {
		LIST_REMOVE(req, stream_entry);
		h->nstreams--;
		if (req->stream_watch != NULL)
			event_free(req->stream_watch);
		req->stream_done(req->stream_arg);
	}
	free(req);
	*con_cls = NULL;
	h->active--;
}

static void
http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct http *h = cls;
	struct http_conn *hc = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		hc = xcalloc(1, sizeof(*hc));
		hc->conn = conn;
		hc->ready_us = sys_monotonic_us();
		LIST_INSERT_HEAD(&h->conns, hc, entry);
		*socket_context = hc;
	} else if (hc != NULL) {
		LIST_REMOVE(hc, entry);
		free(hc);
		*socket_context = NULL;
	}
}

/*
 * A slow client: tell it why (on plain HTTP, where we can still write: MHD is
 * only reading this connection) and close it. MHD closes the descriptor.
 */
static void
http_drop_slow(struct http *h, struct http_conn *hc)
{
	static const char body[] = "{\"error\":{\"code\":\"request_timeout\",\"message\":"
	    "\"the request did not arrive in time\"}}";
	const union MHD_ConnectionInfo *ci;
	char msg[256];
	int n;

	ci = MHD_get_connection_info(hc->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	if (!h->tls) {
		n = snprintf(msg, sizeof(msg), "HTTP/1.1 408 Request Timeout\r\nContent-Type: "
		    "application/json\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
		    sizeof(body) - 1, body);
		if (send(ci->connect_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			(void)0;	/* it is being closed either way */
	}
	shutdown(ci->connect_fd, SHUT_RDWR);
	hc->busy = 1;	/* once */
	metrics_inc(METRIC_HTTP_SLOW_CLIENTS, 1);
}

/* Close connections that have taken longer than the request timeout to send a request. */
static void
http_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	struct http_conn *hc;
	int64_t now = sys_monotonic_us(), limit = h->conf->http.request_timeout_ms * 1000;
	int dropped = 0;

	LIST_FOREACH(hc, &h->conns, entry) {
		if (!hc->busy && now - hc->ready_us > limit) {
			http_drop_slow(h, hc);
			dropped = 1;
		}
	}
	if (dropped)
		http_run(h);
}

/* gnutls asks which certificate to present: the one loaded last. */
static int
http_tls_pick(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
    const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert,
    unsigned int *npcert, gnutls_privkey_t *key)
{
	if (http_tls_current == NULL)
		return -1;
	*pcert = http_tls_current->pcerts;
	*npcert = http_tls_current->npcerts;
	*key = http_tls_current->key;
	return 0;
}

static void
http_tls_free(struct http_tls *t)
{
	if (t->key != NULL)
		gnutls_privkey_deinit(t->key);
	while (t->npcerts > 0)
		gnutls_pcert_deinit(&t->pcerts[--t->npcerts]);
	free(t);
}

/* The config's certificate chain and key, imported; NULL with *cause when they do not load. */
static struct http_tls *
http_tls_import(const struct conf *conf, char **cause)
{
	struct http_tls *t = xcalloc(1, sizeof(*t));
	gnutls_datum_t cert, key;
	int rc;

	cert.data = (unsigned char *)conf->tls.cert_pem;
	cert.size = (unsigned int)strlen(conf->tls.cert_pem);
	key.data = (unsigned char *)conf->tls.key_pem;
	key.size = (unsigned int)strlen(conf->tls.key_pem);
	t->npcerts = LR_NELEM(t->pcerts);
	rc = gnutls_pcert_list_import_x509_raw(t->pcerts, &t->npcerts, &cert, GNUTLS_X509_FMT_PEM,
	    0);
	if (rc < 0) {
		*cause = xasprintf("%s: %s", conf->tls.cert_file, gnutls_strerror(rc));
		t->npcerts = 0;	/* none imported */
		http_tls_free(t);
		return NULL;
	}
	if ((rc = gnutls_privkey_init(&t->key)) < 0 ||
	    (rc = gnutls_privkey_import_x509_raw(t->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		*cause = xasprintf("%s: %s", conf->tls.key_file, gnutls_strerror(rc));
		http_tls_free(t);
		return NULL;
	}
	return t;
}

int
http_tls_check(const struct conf *conf, char **cause)
{
	struct http_tls *t;

	if (conf->tls.cert_pem == NULL)
		return 0;
	if ((t = http_tls_import(conf, cause)) == NULL)
		return -1;
	http_tls_free(t);
	return 0;
}

/*
 * Load the config's certificate chain and key for new handshakes. Handshakes
 * under way may still use the previous ones, so those are kept (a few bytes
 * a reload) until the process ends.
 */
static int
http_tls_load(const struct conf *conf, char **cause)
{
	struct http_tls *t;

	if ((t = http_tls_import(conf, cause)) == NULL)
		return -1;
	t->older = http_tls_current;
	http_tls_current = t;
	return 0;
}

static void
http_tls_free_all(void)
{
	struct http_tls *t, *next;

	for (t = http_tls_current; t != NULL; t = next) {
		next = t->older;
		http_tls_free(t);
	}
	http_tls_current = NULL;
}

static void
http_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512], q[600];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_warn("http_server", "message=%s", log_quote(msg, q, sizeof(q)));
}

static int
http_listen_socket(const char *host, int port, int *bound, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd = -1, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &s4->sin_addr);
		sslen = sizeof(*s4);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1 || listen(fd, 1024) == -1)
		goto fail;
	sslen = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sslen);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
fail:
	*cause = xasprintf("cannot listen on %s port %d: %s", host, port, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

struct http *
http_new(struct event_base *base, const struct http_route *routes, size_t nroutes, void *ctx)
{
	struct http *h = xcalloc(1, sizeof(*h));

	h->base = base;
	h->routes = routes;
	h->nroutes = nroutes;
	h->ctx = ctx;
	h->listen_fd = -1;
	LIST_INIT(&h->streams);
	LIST_INIT(&h->conns);
	return h;
}

void
http_set_authorizer(struct http *h, http_authorizer *authorize)
{
	h->authorize = authorize;
}

int
http_start(struct http *h, struct conf *conf, const struct conf_addr *addr, int tls,
    char **cause)
{
	const union MHD_DaemonInfo *info;
	struct timeval tv = sys_timeval_ms(HTTP_SWEEP_MS);
	unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	/* Room for the request line and headers, with the read buffer beside them. */
	size_t pool = conf->http.max_header_size + conf->http.max_uri_length + 16384;

	h->conf = conf_ref(conf);
	h->tls = tls;
	if (tls && http_tls_load(conf, cause) == -1)
		return -1;
	h->listen_fd = http_listen_socket(addr->host, addr->port, &h->bound_port, cause);
	if (h->listen_fd == -1)
		return -1;
	h->mhd = MHD_start_daemon(flags | (tls ? MHD_USE_TLS : 0),
	    0, NULL, NULL, http_on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, http_on_mhd_log, h,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)conf->http.max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)conf->http.max_connections_per_ip,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool < 32768 ? (size_t)32768 : pool,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)((conf->http.idle_timeout_ms + 999) / 1000),
	    MHD_OPTION_URI_LOG_CALLBACK, http_on_uri, h,
	    MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, h,
	    tls ? MHD_OPTION_HTTPS_CERT_CALLBACK : MHD_OPTION_END, http_tls_pick,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		*cause = xstrdup("cannot start the HTTP server (libmicrohttpd)");
		close(h->listen_fd);
		h->listen_fd = -1;
		return -1;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	h->ev = event_new(h->base, info->epoll_fd, EV_READ | EV_PERSIST, http_on_ready, h);
	h->tick = evtimer_new(h->base, http_on_ready, h);
	h->sweep = event_new(h->base, -1, EV_PERSIST, http_on_sweep, h);
	event_add(h->ev, NULL);
	event_add(h->sweep, &tv);
	http_run(h);
	return 0;
}

int
http_configure(struct http *h, struct conf *conf, char **cause)
{
	if (h->tls && conf->tls.cert_pem != NULL && http_tls_load(conf, cause) == -1)
		return -1;
	conf_unref(h->conf);
	h->conf = conf_ref(conf);
	return 0;
}

void
http_quiesce(struct http *h)
{
	struct http_request *req;
	MHD_socket fd;

	if (h->mhd == NULL || h->listen_fd == -1)
		return;
	h->quiescing = 1;
	fd = MHD_quiesce_daemon(h->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	h->listen_fd = -1;
	/* Streams end once they have sent what they hold (see http_stream_reader). */
	LIST_FOREACH(req, &h->streams, stream_entry)
		http_resume(req);
	http_run(h);
}

int
http_active(const struct http *h)
{
	return h->active;
}

int
http_streams(const struct http *h)
{
	return h->nstreams;
}

int
http_bound_port(const struct http *h)
{
	return h->bound_port;
}

void
http_stop(struct http *h)
{
	struct http_request *req;

	if (h->mhd == NULL)
		return;
	/* MHD must not be stopped with connections suspended. */
	LIST_FOREACH(req, &h->streams, stream_entry)
		http_resume(req);
	event_free(h->ev);
	event_free(h->tick);
	event_free(h->sweep);
	MHD_stop_daemon(h->mhd);
	if (h->tls)
		http_tls_free_all();
	h->mhd = NULL;
	h->ev = h->tick = h->sweep = NULL;
	h->listen_fd = -1;	/* MHD closed it */
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	http_stop(h);
	conf_unref(h->conf);
	free(h);
}

void *
http_request_ctx(const struct http_request *req)
{
	return req->http->ctx;
}

struct conf *
http_request_conf(const struct http_request *req)
{
	return req->conf;
}

const char *
http_request_param(const struct http_request *req, size_t i)
{
	return i < HTTP_MAX_PARAMS ? req->params[i] : NULL;
}

const char *
http_request_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_request_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_request_body(const struct http_request *req, size_t *len)
{
	*len = req->body.len;
	return req->body.data != NULL ? req->body.data : "";
}

const char *
http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *
http_request_target(const struct http_request *req)
{
	return req->target;
}

int
http_request_tls(const struct http_request *req)
{
	return req->http->tls;
}

const char *
http_request_peer(const struct http_request *req)
{
	const union MHD_ConnectionInfo *ci;
	static char text[INET6_ADDRSTRLEN];
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return "?";
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text,
		    sizeof(text));
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text,
		    sizeof(text));
	return text;
}

/* MHD's header walk for the last X-Forwarded-For. */
static enum MHD_Result
http_last_forwarded(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	const char **last = cls;

	if (strcasecmp(key, "X-Forwarded-For") == 0)
		*last = value;
	return MHD_YES;
}

const char *
http_request_client(const struct http_request *req)
{
	static char text[WEBFORM_ADDR_MAX];
	const struct conf *conf = req->conf;
	const char *peer = http_request_peer(req), *xff = NULL;
	static int told;
	size_t i;

	MHD_get_connection_values(req->conn, MHD_HEADER_KIND, http_last_forwarded, &xff);
	for (i = 0; i < conf->http.trusted_nproxies; i++)
		if (webform_in_net(peer, &conf->http.trusted_proxies[i]))
			break;
	if (i == conf->http.trusted_nproxies) {
		/* Once: behind a proxy not listed, every client would count as the proxy. */
		if (xff != NULL && !told) {
			told = 1;
			log_warn("http_forwarded_ignored", "peer=%s why=\"X-Forwarded-For from a "
			    "peer not in http.trusted_proxies is ignored; behind a proxy, list it "
			    "there\"", peer);
		}
		return peer;
	}
	if (xff == NULL || webform_forwarded_for(xff, text, sizeof(text)) == -1)
		return peer;
	return text;
}

static int
http_from_trusted_proxy(const struct http_request *req)
{
	const struct conf *conf = req->conf;
	const char *peer = http_request_peer(req);
	size_t i;

	for (i = 0; i < conf->http.trusted_nproxies; i++)
		if (webform_in_net(peer, &conf->http.trusted_proxies[i]))
			return 1;
	return 0;
}

int
http_request_secure(const struct http_request *req)
{
	const char *proto;

	if (http_request_tls(req))
		return 1;
	proto = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
	return proto != NULL && strcasecmp(proto, "https") == 0 && http_from_trusted_proxy(req);
}

const struct conf_token *
http_request_token(const struct http_request *req)
{
	return req->token;
}

void
http_request_set_token(struct http_request *req, const struct conf_token *token)
{
	req->token = token;
}

struct http *
http_request_server(const struct http_request *req)
{
	return req->http;
}
