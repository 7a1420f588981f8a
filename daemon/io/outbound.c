/*
 * outbound.c — outbound HTTP requests with libcurl's multi interface driven
 * by the daemon's event loop: libcurl's sockets are libevent events and its
 * timer a libevent timer, so a slow receiver never blocks anything. The
 * notification courier and the event subscriptions both send through it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "leadroute/util.h"
#include "leadroute/webhook.h"

#include "io/log.h"
#include "io/outbound.h"
#include "io/sysutil.h"

/* One socket libcurl asked us to watch. */
struct outbound_sock {
	LIST_ENTRY(outbound_sock) entry;
	struct event		*ev;
};

struct outbound_req {
	TAILQ_ENTRY(outbound_req) entry;
	struct outbound		*ob;
	CURL			*easy;
	struct curl_slist	*headers;
	outbound_cb		*cb;
	void			*arg;
	int64_t			 timeout_ms;
	int64_t			 started_us;
	size_t			 got;		/* answer bytes read */
	int			 cut;		/* the answer was too long: cut off */
	char			 answer[OUTBOUND_ANSWER_KEEP + 1];
	char			 errbuf[CURL_ERROR_SIZE];
};

#define OUTBOUND_IDLE_MAX	64	/* easy handles kept for reuse */
#define OUTBOUND_MAX_CONNECTS	256	/* idle connections kept for reuse */

struct outbound {
	struct event_base	*base;
	CURL			*idle[OUTBOUND_IDLE_MAX];	/* reset handles, cheaper than new ones */
	size_t			 nidle;
	CURLM			*multi;
	struct event		*curl_timer;
	TAILQ_HEAD(, outbound_req) active;
	LIST_HEAD(, outbound_sock) socks;
};

static void outbound_check_done(struct outbound *);

static void
outbound_req_free(struct outbound_req *req)
{
	struct outbound *ob = req->ob;

	if (req->easy != NULL && ob->nidle < OUTBOUND_IDLE_MAX) {
		curl_easy_reset(req->easy);
		ob->idle[ob->nidle++] = req->easy;
	} else if (req->easy != NULL) {
		curl_easy_cleanup(req->easy);
	}
	curl_slist_free_all(req->headers);
	free(req);
}

/* A socket libcurl watches became readable or writable. */
static void
outbound_on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct outbound *ob = arg;
	int running, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(ob->multi, fd, action, &running);
	outbound_check_done(ob);
}

/* libcurl's timeout came: let it time out or retry what it must. */
static void
outbound_on_curl_timer(evutil_socket_t fd, short what, void *arg)
{
	struct outbound *ob = arg;
	int running;

	curl_multi_socket_action(ob->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	outbound_check_done(ob);
}

/* CURLMOPT_SOCKETFUNCTION: watch (or stop watching) one socket for libcurl. */
static int
outbound_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct outbound *ob = userp;
	struct outbound_sock *s = socketp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			LIST_REMOVE(s, entry);
			event_free(s->ev);
			free(s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->ev = event_new(ob->base, fd, kind, outbound_on_socket, ob);
		LIST_INSERT_HEAD(&ob->socks, s, entry);
		curl_multi_assign(ob->multi, fd, s);
	} else {
		event_del(s->ev);
		event_assign(s->ev, ob->base, fd, kind, outbound_on_socket, ob);
	}
	event_add(s->ev, NULL);
	return 0;
}

/*
 * CURLMOPT_TIMERFUNCTION: libcurl wants to be called after timeout_ms (-1:
 * never). It must not be called from here, so even 0 goes through the loop.
 */
static int
outbound_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct outbound *ob = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(ob->curl_timer);
		return 0;
	}
	tv = sys_timeval_ms(timeout_ms);
	evtimer_add(ob->curl_timer, &tv);
	return 0;
}

/* Keep the first bytes of the answer for the error record; cut off a flood. */
static size_t
outbound_on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct outbound_req *req = userdata;
	size_t n = size * nmemb;

	if (req->got < OUTBOUND_ANSWER_KEEP) {
		size_t keep = n < OUTBOUND_ANSWER_KEEP - req->got ? n : OUTBOUND_ANSWER_KEEP - req->got;

		memcpy(req->answer + req->got, ptr, keep);
		req->answer[req->got + keep] = '\0';
	}
	req->got += n;
	if (req->got > OUTBOUND_MAX_ANSWER) {
		req->cut = 1;
		return 0;	/* libcurl stops reading: CURLE_WRITE_ERROR */
	}
	return n;
}

/* One finished transfer: tell its owner how it went. */
static void
outbound_finish(struct outbound_req *req, CURLcode res)
{
	struct outbound_result r = { 0 };
	curl_off_t retry_after = 0;
	char *err;

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &r.status);
#if LIBCURL_VERSION_NUM >= 0x074200
	curl_easy_getinfo(req->easy, CURLINFO_RETRY_AFTER, &retry_after);
#endif
	r.retry_after_ms = (int64_t)retry_after * 1000;
	r.ms = (sys_monotonic_us() - req->started_us) / 1000;
	/* The receiver's bytes go into logs and JSON: valid UTF-8 (a cut character included). */
	util_utf8_scrub(req->answer);
	r.answer = req->answer;
	/* A status line came: that is the answer, even if its body was cut off. */
	r.answered = r.status > 0 && (res == CURLE_OK || (res == CURLE_WRITE_ERROR && req->cut));
	if (r.answered)
		err = xasprintf("HTTP %ld%s", r.status, req->cut ? " (answer cut off at 64 KiB)" : "");
	else if (res == CURLE_OPERATION_TIMEDOUT)
		err = xasprintf("timed out after %" PRId64 "ms", req->timeout_ms);
	else
		err = xstrdup(req->errbuf[0] != '\0' ? req->errbuf : curl_easy_strerror(res));
	if (!r.answered)
		r.status = 0;
	r.error = err;
	req->cb(&r, req->arg);
	free(err);
	outbound_req_free(req);
}

/* Collect the transfers libcurl has finished. */
static void
outbound_check_done(struct outbound *ob)
{
	CURLMsg *msg;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(ob->multi, &left)) != NULL) {
		CURL *easy = msg->easy_handle;
		CURLcode res = msg->data.result;
		struct outbound_req *req;

		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		curl_multi_remove_handle(ob->multi, easy);	/* msg is gone from here on */
		req = (struct outbound_req *)priv;
		TAILQ_REMOVE(&ob->active, req, entry);
		outbound_finish(req, res);
	}
}

struct outbound_req *
outbound_post(struct outbound *ob, const char *url, struct curl_slist *headers,
    const char *body, size_t len, int64_t timeout_ms, outbound_cb *cb, void *arg)
{
	struct outbound_req *req = xcalloc(1, sizeof(*req));

	req->ob = ob;
	req->cb = cb;
	req->arg = arg;
	req->timeout_ms = timeout_ms;
	req->headers = curl_slist_append(headers, "Expect:");	/* no 100-continue round trip */
	req->easy = ob->nidle > 0 ? ob->idle[--ob->nidle] : curl_easy_init();
	curl_easy_setopt(req->easy, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(req->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(req->easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(req->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(req->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(req->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(req->easy, CURLOPT_USERAGENT, "leadrouted/" PACKAGE_VERSION);
	curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(req->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(req->easy, CURLOPT_WRITEFUNCTION, outbound_on_data);
	curl_easy_setopt(req->easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(req->easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(req->easy, CURLOPT_PRIVATE, req);
	req->started_us = sys_monotonic_us();
	if (curl_multi_add_handle(ob->multi, req->easy) != CURLM_OK) {
		outbound_req_free(req);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ob->active, req, entry);
	return req;
}

struct curl_slist *
outbound_webhook_headers(const char *prefix, const char *id, int64_t ts,
    unsigned char *const *keys, const size_t *keylens, size_t nkeys, const char *body,
    size_t len)
{
	char *msg_id = webhook_msg_id(prefix, id), sig[WEBHOOK_SIG_LEN];
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	struct buf line = { 0 };
	size_t i;

	buf_appendf(&line, "webhook-id: %s", msg_id);
	headers = curl_slist_append(headers, line.data);
	line.len = 0;
	buf_appendf(&line, "webhook-timestamp: %" PRId64, ts);
	headers = curl_slist_append(headers, line.data);
	if (nkeys > 0) {
		line.len = 0;
		buf_appendf(&line, "webhook-signature:");
		for (i = 0; i < nkeys; i++) {
			webhook_sign(keys[i], keylens[i], msg_id, ts, body, len, sig);
			buf_appendf(&line, " %s", sig);
		}
		headers = curl_slist_append(headers, line.data);
	}
	buf_free(&line);
	free(msg_id);
	return headers;
}

void
outbound_cancel(struct outbound_req *req)
{
	TAILQ_REMOVE(&req->ob->active, req, entry);
	curl_multi_remove_handle(req->ob->multi, req->easy);
	outbound_req_free(req);
}

struct outbound *
outbound_new(struct event_base *base)
{
	struct outbound *ob = xcalloc(1, sizeof(*ob));
	const curl_version_info_data *info;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	info = curl_version_info(CURLVERSION_NOW);
	if (!(info->features & CURL_VERSION_ASYNCHDNS))
		log_warn("notify_blocking_dns", "libcurl=%s note=\"name lookups of webhook "
		    "hosts will block the event loop\"", info->version);
	ob->base = base;
	TAILQ_INIT(&ob->active);
	LIST_INIT(&ob->socks);
	ob->curl_timer = evtimer_new(base, outbound_on_curl_timer, ob);
	ob->multi = curl_multi_init();
	curl_multi_setopt(ob->multi, CURLMOPT_SOCKETFUNCTION, outbound_curl_socket);
	curl_multi_setopt(ob->multi, CURLMOPT_SOCKETDATA, ob);
	curl_multi_setopt(ob->multi, CURLMOPT_TIMERFUNCTION, outbound_curl_timer);
	curl_multi_setopt(ob->multi, CURLMOPT_TIMERDATA, ob);
	/*
	 * Keep connections for reuse however few requests are under way at the
	 * moment (libcurl's default follows the handles added, so a connection
	 * whose request just ended is often closed): a new connection per
	 * request costs both ends far more than the request.
	 */
	curl_multi_setopt(ob->multi, CURLMOPT_MAXCONNECTS, (long)OUTBOUND_MAX_CONNECTS);
	return ob;
}

void
outbound_free(struct outbound *ob)
{
	struct outbound_sock *s;
	struct outbound_req *req;

	if (ob == NULL)
		return;
	while ((req = TAILQ_FIRST(&ob->active)) != NULL)
		outbound_cancel(req);
	while (ob->nidle > 0)
		curl_easy_cleanup(ob->idle[--ob->nidle]);
	curl_multi_cleanup(ob->multi);
	while ((s = LIST_FIRST(&ob->socks)) != NULL) {
		LIST_REMOVE(s, entry);
		event_free(s->ev);
		free(s);
	}
	event_free(ob->curl_timer);
	free(ob);
	curl_global_cleanup();
}
