/* http.h — the HTTP server: libmicrohttpd driven by the libevent loop. */
#ifndef LEADROUTED_HTTP_H
#define LEADROUTED_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"

struct http;
struct http_request;

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_OPTIONS,	/* CORS preflights */
};

typedef void http_handler(struct http_request *req);

/* One endpoint. ":name" in a pattern matches one path segment. */
struct http_route {
	enum http_method	 method;
	const char		*pattern;
	http_handler		*handler;
	int			 json_body;	/* the request carries a JSON body */
	unsigned		 roles;		/* CONF_ROLE_* a token needs one of; 0: open */
};

/*
 * Decides whether a request may reach its route's handler (tokens, roles,
 * rate limits): 0 to go on, -1 after answering.
 */
typedef int http_authorizer(struct http_request *req, const struct http_route *route);

#define HTTP_MAX_PARAMS 4

struct http *http_new(struct event_base *base, const struct http_route *routes,
    size_t nroutes, void *ctx);
void http_free(struct http *http);

/* Every request passes through authorize first, unless the server is open (health). */
void http_set_authorizer(struct http *http, http_authorizer *authorize);

/*
 * Whether the config's TLS certificate and key load as http_configure would
 * load them (0 without TLS); -1 with *cause when they do not. For -t.
 */
int http_tls_check(const struct conf *conf, char **cause);

/*
 * Listen on addr; with tls, over TLS with the config's certificate (see
 * http_configure). *cause says why not.
 */
int http_start(struct http *http, struct conf *conf, const struct conf_addr *addr, int tls,
    char **cause);

/*
 * Requests that start from now on see this config; a TLS server takes its
 * certificate and key for new connections. -1 with *cause when they do not
 * load (the old ones stay).
 */
int http_configure(struct http *http, struct conf *conf, char **cause);

/* Stop accepting connections; requests in flight go on. */
void http_quiesce(struct http *http);

/* Requests received and not yet answered and finished (open streams included). */
int http_active(const struct http *http);

/* Streamed answers still open (see http_respond_stream). */
int http_streams(const struct http *http);

/* Close every connection and stop the server. */
void http_stop(struct http *http);

/* The address actually bound (port 0 in the config picks a free one). */
int http_bound_port(const struct http *http);

void *http_request_ctx(const struct http_request *req);
/* The server (listener) the request came to. */
struct http *http_request_server(const struct http_request *req);
struct conf *http_request_conf(const struct http_request *req);
const char *http_request_param(const struct http_request *req, size_t i);
const char *http_request_header(const struct http_request *req, const char *name);
const char *http_request_query(const struct http_request *req, const char *name);
const char *http_request_body(const struct http_request *req, size_t *len);
const char *http_request_method(const struct http_request *req);
/* The path and query as the client sent them (the request target). */
const char *http_request_target(const struct http_request *req);
/* True when the request came over TLS. */
int http_request_tls(const struct http_request *req);
/* True when the client's connection is TLS: here, or at a trusted proxy (X-Forwarded-Proto). */
int http_request_secure(const struct http_request *req);
/* The client's address as text. */
const char *http_request_peer(const struct http_request *req);
/*
 * Who sent the request: the peer's address, or, when the peer is one of
 * http.trusted_proxies, the last entry of its X-Forwarded-For (when that is
 * an address). Text, valid until the next call.
 */
const char *http_request_client(const struct http_request *req);

/* The token the request was authorized with (borrowed; NULL: none was needed). */
const struct conf_token *http_request_token(const struct http_request *req);
void http_request_set_token(struct http_request *req, const struct conf_token *token);

/* Add a header to the response about to be sent (before http_respond_*). */
void http_response_header(struct http_request *req, const char *name, const char *value);

/*
 * Answer the request; exactly one http_respond_* call per request, either
 * inside the handler or later from an asynchronous completion.
 */
void http_respond_json(struct http_request *req, int status, json_t *body);	/* steals body */
void http_respond_error(struct http_request *req, int status, const char *code,
    const char *field, const char *fmt, ...) LR_PRINTF(5, 6);
/* The same with more members for the error object ("allowed", "valid": what to choose from); steals extra. */
void http_respond_error_with(struct http_request *req, int status, const char *code,
    const char *field, json_t *extra, const char *fmt, ...) LR_PRINTF(6, 7);
void http_respond_text(struct http_request *req, int status, const char *content_type,
    char *text, size_t len);	/* takes over text (malloc'd) */
/* An answer without a body (204, or a 303 after http_response_header's Location). */
void http_respond_empty(struct http_request *req, int status);

/*
 * A streamed answer of unknown length (Server-Sent Events), sent with
 * Cache-Control: no-cache. Whenever the client can take more, read copies up
 * to max bytes into buf and returns how many; 0 when it has nothing now (the
 * connection is then parked, costing nothing, until http_stream_wake);
 * HTTP_STREAM_END to finish the answer, HTTP_STREAM_ABORT to drop the
 * connection. done(arg) runs exactly once, when the exchange is over for
 * whatever reason: the stream ended, the client hung up (noticed even while
 * parked), or the server stopped; the request is gone after it. Once the
 * server quiesces, a stream ends as soon as read has nothing more.
 */
#define HTTP_STREAM_END		(-1)
#define HTTP_STREAM_ABORT	(-2)
typedef ssize_t http_stream_read(void *arg, char *buf, size_t max);
typedef void http_stream_done(void *arg);

void http_respond_stream(struct http_request *req, int status, const char *content_type,
    http_stream_read *read, http_stream_done *done, void *arg);

/* The stream has more to read, or should end: ask its read again if it is parked. */
void http_stream_wake(struct http_request *req);

/* Close the stream's connection now, even if the client is not reading. */
void http_stream_drop(struct http_request *req);

#endif
