/* ctl_http.c — leadctl's calls to the HTTP API: one blocking libcurl request each, or a stream. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "ctl.h"

/* How long a stream the daemon ended is connected to again before giving up. */
#define HTTP_RECONNECT_MS 30000

/* Set by SIGINT or SIGTERM while a stream runs. */
static volatile sig_atomic_t http_interrupted;

/* One request's answer. */
struct http_reply {
	long	 status;
	struct buf body;
	char	*retry_after;
	char	 errbuf[CURL_ERROR_SIZE];
};

/* A stream being read: the partial line and the event so far. */
struct http_sse {
	struct ctl_sse	 parse;		/* the events, and where to resume */
	CURL		*curl;
	long		 status;	/* 0 until the first bytes of the body */
	struct buf	 errbody;	/* the body of an answer other than 200 */
};

/* libcurl's write callback of a plain request: the body into reply. */
static size_t
http_on_body(char *ptr, size_t size, size_t n, void *arg)
{
	struct http_reply *reply = arg;

	buf_append(&reply->body, ptr, size * n);
	return size * n;
}

/* Keep Retry-After: a 429's or 503's message says when to come back. */
static size_t
http_on_header(char *ptr, size_t size, size_t n, void *arg)
{
	char **retry_after = arg;
	size_t len = size * n, start = 12;

	if (len > 12 && strncasecmp(ptr, "Retry-After:", 12) == 0) {
		while (start < len && (ptr[start] == ' ' || ptr[start] == '\t'))
			start++;
		while (len > start && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n' ||
		    ptr[len - 1] == ' '))
			len--;
		free(*retry_after);
		*retry_after = xstrndup(ptr + start, len - start);
	}
	return size * n;
}

/* A stream stops when asked to; a plain request is left to the default signal action. */
static int
http_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	return http_interrupted ? 1 : 0;
}

/* A handle for METHOD conn->url + path, its headers in *headers (the caller frees both). */
static CURL *
http_handle(const struct ctl_conn *conn, const char *method, const char *path,
    const char *accept, const char *body, char *errbuf, struct curl_slist **headers)
{
	CURL *curl;
	char *url, *h;

	if ((curl = curl_easy_init()) == NULL) {
		fprintf(stderr, "leadctl: cannot start libcurl\n");
		abort();
	}
	url = xasprintf("%s%s", conn->url, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, conn->timeout);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "leadctl/" PACKAGE_VERSION);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (conn->cacert != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, conn->cacert);
	*headers = NULL;
	h = xasprintf("Accept: %s", accept);
	*headers = curl_slist_append(*headers, h);
	free(h);
	if (conn->token != NULL) {
		h = xasprintf("Authorization: Bearer %s", conn->token);
		*headers = curl_slist_append(*headers, h);
		free(h);
	}
	if (body != NULL)
		*headers = curl_slist_append(*headers, "Content-Type: application/json");
	/* No "Expect: 100-continue": the daemon answers a body at once. */
	*headers = curl_slist_append(*headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers);

	if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		if (body != NULL || strcmp(method, "POST") == 0) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body != NULL ? body : "");
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
			    (long)(body != NULL ? strlen(body) : 0));
		}
	}
	return curl;
}

/* "leadctl: cannot reach URL (METHOD path): curl's reason"; returns CTL_UNREACHABLE. */
static int
http_report_unreachable(const struct ctl_conn *conn, const char *method, const char *path,
    CURLcode res, const char *errbuf)
{
	fprintf(stderr, "leadctl: cannot reach %s (%s %s): %s\n", conn->url, method, path,
	    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res));
	return CTL_UNREACHABLE;
}

/* The exit code of an HTTP status that is not 2xx. */
static int
http_status_exit(long status)
{
	if (status == 401 || status == 403)
		return CTL_DENIED;
	if (status == 404)
		return CTL_NOT_FOUND;
	if (status >= 400 && status < 500)
		return CTL_REFUSED;
	return CTL_FAILED;
}

/*
 * "leadctl: METHOD path: STATUS code (field): message" from the API's error
 * body (docs/api.md, Errors), with Retry-After and, for a 401, where the
 * token came from; returns the status's exit code.
 */
static int
http_report_status(const struct ctl_conn *conn, const char *method, const char *path,
    long status, const struct buf *body, const char *retry_after)
{
	json_t *root = NULL, *err;
	const char *code = NULL, *message = NULL, *field = NULL;
	size_t n;

	if (body->len > 0)
		root = json_loadb(body->data, body->len, 0, NULL);
	err = json_object_get(root, "error");
	if (json_is_object(err)) {
		code = json_string_value(json_object_get(err, "code"));
		message = json_string_value(json_object_get(err, "message"));
		field = json_string_value(json_object_get(err, "field"));
	}
	fprintf(stderr, "leadctl: %s %s: %ld", method, path, status);
	if (code != NULL)
		fprintf(stderr, " %s", code);
	if (field != NULL)
		fprintf(stderr, " (%s)", field);
	if (message != NULL)
		fprintf(stderr, ": %s", message);
	else if (code == NULL && body->len > 0) {
		/* Not the API's error (a proxy's page, say): its first line. */
		n = strcspn(body->data, "\r\n");
		fprintf(stderr, ": %.*s", (int)(n > 200 ? 200 : n), body->data);
	}
	if (retry_after != NULL)
		fprintf(stderr, "; retry after %s s", retry_after);
	if (status == 401) {
		if (conn->token_from != NULL)
			fprintf(stderr, " (the token from %s)", conn->token_from);
		else
			fprintf(stderr, " (no token given: --token-file, LEADCTL_TOKEN or the config file)");
	}
	fputc('\n', stderr);
	json_decref(root);
	return http_status_exit(status);
}

/* Send one request; CTL_OK with the answer in reply, or CTL_UNREACHABLE (reported). */
static int
http_perform(const struct ctl_conn *conn, const char *method, const char *path,
    const char *body, const char *accept, struct http_reply *reply)
{
	struct curl_slist *headers;
	CURL *curl;
	CURLcode res;
	int rc = CTL_OK;

	curl = http_handle(conn, method, path, accept, body, reply->errbuf, &headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, conn->timeout);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, http_on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply->retry_after);
	if ((res = curl_easy_perform(curl)) != CURLE_OK)
		rc = http_report_unreachable(conn, method, path, res, reply->errbuf);
	else
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply->status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return rc;
}

/* Release an answer's buffers. */
static void
http_reply_free(struct http_reply *reply)
{
	buf_free(&reply->body);
	free(reply->retry_after);
}

int
ctl_http_json(const struct ctl_conn *conn, const char *method, const char *path,
    json_t *body, json_t **out)
{
	struct http_reply reply = { 0 };
	json_error_t jerr;
	char *text = NULL;
	int rc;

	*out = NULL;
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	if ((rc = http_perform(conn, method, path, text, "application/json", &reply)) != CTL_OK)
		goto done;
	if (reply.status < 200 || reply.status > 299) {
		rc = http_report_status(conn, method, path, reply.status, &reply.body,
		    reply.retry_after);
		goto done;
	}
	if (reply.body.len > 0 &&
	    (*out = json_loadb(reply.body.data, reply.body.len, 0, &jerr)) == NULL) {
		fprintf(stderr, "leadctl: %s %s: %ld, but the answer is not JSON (%s)\n", method,
		    path, reply.status, jerr.text);
		rc = CTL_FAILED;
	}

done:
	free(text);
	http_reply_free(&reply);
	return rc;
}

int
ctl_http_text(const struct ctl_conn *conn, const char *path, const char *accept,
    struct buf *out)
{
	struct http_reply reply = { 0 };
	int rc;

	if ((rc = http_perform(conn, "GET", path, NULL, accept, &reply)) != CTL_OK)
		goto done;
	if (reply.status < 200 || reply.status > 299) {
		rc = http_report_status(conn, "GET", path, reply.status, &reply.body,
		    reply.retry_after);
		goto done;
	}
	buf_append(out, reply.body.data != NULL ? reply.body.data : "", reply.body.len);

done:
	http_reply_free(&reply);
	return rc;
}

/* libcurl's write callback of a stream: the body of a 200 to the parser. */
static size_t
http_on_stream(char *ptr, size_t size, size_t n, void *arg)
{
	struct http_sse *sse = arg;
	size_t len = size * n;

	if (sse->status == 0)
		curl_easy_getinfo(sse->curl, CURLINFO_RESPONSE_CODE, &sse->status);
	if (sse->status != 200) {
		buf_append(&sse->errbody, ptr, len);
		return len;
	}
	return ctl_sse_feed(&sse->parse, ptr, len);
}

/* SIGINT, SIGTERM: end the stream at the next progress call. */
static void
http_on_signal(int sig)
{
	http_interrupted = 1;
}

/* Sleep ms unless a signal comes first. */
static void
http_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	if (!http_interrupted)
		nanosleep(&ts, NULL);
}

/* Monotonic milliseconds, for the reconnection window. */
static int64_t
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One connection of a stream: CURLE_OK when the daemon ended it. */
static CURLcode
http_stream_once(const struct ctl_conn *conn, const char *path, struct http_sse *sse,
    char *errbuf)
{
	struct curl_slist *headers;
	CURLcode res;
	char *h;

	sse->curl = http_handle(conn, "GET", path, "text/event-stream", NULL, errbuf, &headers);
	if (sse->parse.last_id != NULL) {
		h = xasprintf("Last-Event-ID: %s", sse->parse.last_id);
		headers = curl_slist_append(headers, h);
		free(h);
		curl_easy_setopt(sse->curl, CURLOPT_HTTPHEADER, headers);
	}
	/* No deadline for the whole stream; the daemon's keepalive comes every 15 s. */
	curl_easy_setopt(sse->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(sse->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(sse->curl, CURLOPT_WRITEFUNCTION, http_on_stream);
	curl_easy_setopt(sse->curl, CURLOPT_WRITEDATA, sse);
	curl_easy_setopt(sse->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(sse->curl, CURLOPT_XFERINFOFUNCTION, http_on_progress);
	sse->status = 0;
	ctl_sse_restart(&sse->parse);
	res = curl_easy_perform(sse->curl);
	if (sse->status == 0)
		curl_easy_getinfo(sse->curl, CURLINFO_RESPONSE_CODE, &sse->status);
	curl_easy_cleanup(sse->curl);
	sse->curl = NULL;
	curl_slist_free_all(headers);
	return res;
}

int
ctl_http_stream(const struct ctl_conn *conn, const char *path, const char *last_id,
    ctl_sse_cb cb, void *arg)
{
	struct http_sse sse = { .curl = NULL };
	struct sigaction sa, old_int, old_term;
	char errbuf[CURL_ERROR_SIZE];
	int64_t ended_at = -1;
	CURLcode res;
	int rc;

	ctl_sse_init(&sse.parse, cb, arg, last_id);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = http_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	for (;;) {
		errbuf[0] = '\0';
		buf_reset(&sse.errbody);
		res = http_stream_once(conn, path, &sse, errbuf);
		if (sse.parse.stop || http_interrupted) {
			rc = CTL_OK;
			break;
		}
		if (res != CURLE_OK && sse.status != 200) {
			/* Not connected: a daemon that ended the stream may be restarting. */
			if (ended_at >= 0 && http_now_ms() - ended_at < HTTP_RECONNECT_MS) {
				http_sleep_ms(sse.parse.retry_ms);
				continue;
			}
			rc = http_report_unreachable(conn, "GET", path, res, errbuf);
			break;
		}
		if (sse.status != 200) {
			rc = http_report_status(conn, "GET", path, sse.status, &sse.errbody, NULL);
			break;
		}
		/* Ended (the daemon stopped, or the connection broke): resume after the last event. */
		ended_at = http_now_ms();
		http_sleep_ms(sse.parse.retry_ms);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	buf_free(&sse.errbody);
	ctl_sse_free(&sse.parse);
	return rc;
}

char *
ctl_http_escape(const char *s, int in_path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b = { 0 };
	unsigned char c;
	char enc[3];

	buf_append(&b, "", 0);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		/* RFC 3986's unreserved characters, and in a path ":@+" (docs/api.md: a + is never a space there). */
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~:@", c) != NULL || (in_path && c == '+')) {
			buf_append(&b, s, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		buf_append(&b, enc, 3);
	}
	return b.data;
}

void
ctl_conn_free(struct ctl_conn *conn)
{
	free(conn->url);
	free(conn->token);
	free(conn->token_from);
	free(conn->cacert);
	memset(conn, 0, sizeof *conn);
}
