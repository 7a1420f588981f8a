/* ctl_http.h — leadctl's calls to the HTTP API (libcurl's easy interface, blocking). */
#ifndef LEADCTL_CTL_HTTP_H
#define LEADCTL_CTL_HTTP_H

#include <jansson.h>

#include "leadroute/util.h"

#include "ctl_sse.h"

/* Where the daemon is and who we are; strings owned (ctl_conn_free). */
struct ctl_conn {
	char	*url;		/* base URL, no trailing slash */
	char	*token;		/* NULL: send no Authorization */
	char	*token_from;	/* where the token came from, for a 401's message */
	char	*cacert;	/* NULL: the system's CAs */
	long	 timeout;	/* seconds for a whole request (not a stream) */
};

/*
 * METHOD path (with its query) with body (borrowed, NULL: none) as JSON.
 * A 2xx answer is CTL_OK with its JSON in *out (a new reference, NULL for an
 * empty body); anything else prints "leadctl: ..." naming the request and
 * what went wrong and returns its exit code (enum ctl_exit).
 */
int ctl_http_json(const struct ctl_conn *conn, const char *method, const char *path,
    json_t *body, json_t **out);

/* GET path asking for accept (text/csv): the body of a 2xx answer into out; as ctl_http_json. */
int ctl_http_text(const struct ctl_conn *conn, const char *path, const char *accept,
    struct buf *out);

/*
 * GET path as a stream of server-sent events, calling cb for each, until cb
 * says stop, SIGINT or SIGTERM (CTL_OK), or an error (its exit code). When the
 * daemon ends the stream, connects again with Last-Event-ID, as EventSource
 * does, for up to 30 s. last_id: start after that event (NULL: new events).
 */
int ctl_http_stream(const struct ctl_conn *conn, const char *path, const char *last_id,
    ctl_sse_cb cb, void *arg);

/* s percent-encoded for one path segment (in_path) or a query value (allocated). */
char *ctl_http_escape(const char *s, int in_path);

void ctl_conn_free(struct ctl_conn *conn);

#endif
