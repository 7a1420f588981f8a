/*
 * outbound.c — outbound requests with libcurl's multi interface driven by
 * the daemon's event loop: libcurl's sockets are libevent events and its
 * timer a libevent timer, so a slow receiver never blocks anything. The
 * notification courier and the event subscriptions POST through it; rep
 * notifications also call Slack's Web API and send mail over SMTP, each
 * request saying whether a failure may pass (leadroute/slack_answer.h and mail.h
 * hold the pure parts).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "leadroute/mail.h"
#include "leadroute/slack_answer.h"
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

/* What a request is, which decides how its end is read. */
enum outbound_kind {
	OUTBOUND_HTTP,		/* outbound_post: the HTTP status is the verdict */
	OUTBOUND_SLACK,		/* outbound_slack: the status and the JSON answer */
	OUTBOUND_MAIL,		/* outbound_mail: the SMTP replies */
	OUTBOUND_API,		/* outbound_request: the status, and the whole answer for the caller */
};

struct outbound_req {
	TAILQ_ENTRY(outbound_req) entry;
	struct outbound		*ob;
	enum outbound_kind	 kind;
	CURL			*easy;
	struct curl_slist	*headers;
	struct curl_slist	*rcpt;		/* mail: the recipient */
	curl_mime		*mime;		/* mail: the message */
	struct buf		 whole;		/* slack, api: the answer, up to OUTBOUND_MAX_ANSWER */
	int64_t			 limit_window_ms;	/* api: X-HubSpot-RateLimit-Interval-Milliseconds */
	struct event		*refuse;	/* refused before it started: its cb, from the loop */
	const char		*refused;	/* why (static text) */
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
	curl_mime_free(req->mime);	/* after the handle lets go of it */
	curl_slist_free_all(req->rcpt);
	curl_slist_free_all(req->headers);
	buf_free(&req->whole);
	if (req->refuse != NULL)
		event_free(req->refuse);
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

/*
 * Keep the first bytes of the answer for the error record (a Slack call all
 * of it, for its verdict); cut off a flood.
 */
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
	if ((req->kind == OUTBOUND_SLACK || req->kind == OUTBOUND_API) &&
	    req->got < OUTBOUND_MAX_ANSWER)
		buf_append(&req->whole, ptr, n < OUTBOUND_MAX_ANSWER - req->got ? n :
		    OUTBOUND_MAX_ANSWER - req->got);
	req->got += n;
	if (req->got > OUTBOUND_MAX_ANSWER) {
		req->cut = 1;
		return 0;	/* libcurl stops reading: CURLE_WRITE_ERROR */
	}
	return n;
}

/*
 * SMTP replies as the answer: each line the server sends replaces the last,
 * so a failure's answer is the reply that refused ("550 5.1.1 ..."), not
 * the 221 to the QUIT libcurl sends after it.
 */
static int
outbound_on_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userp)
{
	struct outbound_req *req = userp;

	if (type != CURLINFO_HEADER_IN || (size >= 4 && memcmp(data, "221", 3) == 0 &&
	    (data[3] == ' ' || data[3] == '-')))
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	if (size > OUTBOUND_ANSWER_KEEP)
		size = OUTBOUND_ANSWER_KEEP;
	memcpy(req->answer, data, size);
	req->answer[size] = '\0';
	return 0;
}

/*
 * Failures without a verdict that no retry mends: the URL, the credentials
 * or the TLS the configuration asks for (no STARTTLS where it is required, a
 * certificate that does not verify). A lost connection or a timeout may pass.
 */
static int
outbound_curl_permanent(CURLcode res)
{
	switch (res) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_LOGIN_DENIED:
	case CURLE_USE_SSL_FAILED:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return 1;
	default:
		return 0;
	}
}

/* The error text of a transfer without a verdict. */
static char *
outbound_curl_error(struct outbound_req *req, CURLcode res)
{
	if (res == CURLE_OPERATION_TIMEDOUT)
		return xasprintf("timed out after %" PRId64 "ms", req->timeout_ms);
	return xstrdup(req->errbuf[0] != '\0' ? req->errbuf : curl_easy_strerror(res));
}

/*
 * How a mail ended: libcurl stops at the first reply that refuses, and its
 * code (400 and up) is the verdict; a 250 to the message's end is success.
 * A failure with an earlier code left (the 250 of EHLO before a timeout or
 * a missing STARTTLS) had no verdict.
 */
static char *
outbound_mail_result(struct outbound_req *req, CURLcode res, struct outbound_result *r)
{
	r->ok = res == CURLE_OK;
	r->answered = r->ok ? r->status > 0 : r->status >= 400 && res != CURLE_OPERATION_TIMEDOUT;
	if (!r->answered)
		r->status = 0;
	if (r->ok)
		return xasprintf("SMTP %ld", r->status);
	r->permanent = r->answered ? r->status >= 500 : outbound_curl_permanent(res);
	return outbound_curl_error(req, res);
}

/* One finished transfer: tell its owner how it went. */
static void
outbound_finish(struct outbound_req *req, CURLcode res)
{
	struct outbound_result r = { 0 };
	struct slack_answer sa;
	curl_off_t retry_after = 0;
	char *err, verdict[SLACK_FIELD_LEN + 64];

	r.ms = (sys_monotonic_us() - req->started_us) / 1000;
	r.answer = req->answer;
	if (req->refused != NULL) {
		r.permanent = 1;
		r.error = req->refused;
		req->cb(&r, req->arg);
		outbound_req_free(req);
		return;
	}
	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &r.status);
#if LIBCURL_VERSION_NUM >= 0x074200
	curl_easy_getinfo(req->easy, CURLINFO_RETRY_AFTER, &retry_after);
#endif
	r.retry_after_ms = (int64_t)retry_after * 1000;
	/* The receiver's bytes go into logs and JSON: valid UTF-8 (a cut character included). */
	util_utf8_scrub(req->answer);
	if (req->kind == OUTBOUND_MAIL) {
		err = outbound_mail_result(req, res, &r);
	} else {
		/* A status line came: that is the answer, even if its body was cut off. */
		r.answered = r.status > 0 && (res == CURLE_OK || (res == CURLE_WRITE_ERROR && req->cut));
		if (!r.answered) {
			r.status = 0;
			r.permanent = req->kind == OUTBOUND_SLACK && outbound_curl_permanent(res);
			err = outbound_curl_error(req, res);
		} else if (req->kind == OUTBOUND_SLACK) {
			switch (slack_verdict(r.status, req->whole.data, req->whole.len, &sa, verdict,
			    sizeof(verdict))) {
			case SLACK_DONE:
				r.ok = 1;
				r.channel = sa.channel[0] != '\0' ? sa.channel : NULL;
				r.ts = sa.ts[0] != '\0' ? sa.ts : NULL;
				break;
			case SLACK_PERMANENT:
				r.permanent = 1;
				break;
			case SLACK_RETRY:
				break;
			}
			err = xasprintf("%s%s", verdict, req->cut ? " (answer cut off at 64 KiB)" : "");
		} else {
			r.ok = r.status >= 200 && r.status <= 299;
			err = xasprintf("HTTP %ld%s", r.status, req->cut ?
			    " (answer cut off at 64 KiB)" : "");
		}
		if (req->kind == OUTBOUND_API) {
			buf_append(&req->whole, "", 1);	/* NUL-terminated, not counted */
			r.body = req->whole.data;
			r.body_len = req->whole.len - 1;
			r.limit_window_ms = req->limit_window_ms;
		}
	}
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

/* A request of a kind, on an easy handle (a reused one when there is one), not started. */
static struct outbound_req *
outbound_req_new(struct outbound *ob, enum outbound_kind kind, int64_t timeout_ms,
    outbound_cb *cb, void *arg)
{
	struct outbound_req *req = xcalloc(1, sizeof(*req));

	req->ob = ob;
	req->kind = kind;
	req->cb = cb;
	req->arg = arg;
	req->timeout_ms = timeout_ms;
	req->easy = ob->nidle > 0 ? ob->idle[--ob->nidle] : curl_easy_init();
	return req;
}

/* What every request sets: where (only by these protocols), how long, where errors go. */
static void
outbound_setup(struct outbound_req *req, const char *url, const char *protocols, long mask)
{
	curl_easy_setopt(req->easy, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(req->easy, CURLOPT_PROTOCOLS_STR, protocols);
#else
	curl_easy_setopt(req->easy, CURLOPT_PROTOCOLS, mask);
#endif
	curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms);
	curl_easy_setopt(req->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(req->easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(req->easy, CURLOPT_PRIVATE, req);
}

/* Start a request that is set up; NULL when libcurl will not. */
static struct outbound_req *
outbound_start(struct outbound_req *req)
{
	req->started_us = sys_monotonic_us();
	if (curl_multi_add_handle(req->ob->multi, req->easy) != CURLM_OK) {
		outbound_req_free(req);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&req->ob->active, req, entry);
	return req;
}

/* The turn of the loop after a request was refused: its cb. */
static void
outbound_on_refused(evutil_socket_t fd, short what, void *arg)
{
	struct outbound_req *req = arg;

	TAILQ_REMOVE(&req->ob->active, req, entry);
	outbound_finish(req, CURLE_OK);
}

/*
 * Refuse a request before it starts, why (a static text) its error: its cb
 * runs from the loop as for any other (permanent), and it can be cancelled.
 */
static struct outbound_req *
outbound_refuse(struct outbound_req *req, const char *why)
{
	struct timeval now = { 0, 0 };

	req->refused = why;
	req->started_us = sys_monotonic_us();
	req->refuse = evtimer_new(req->ob->base, outbound_on_refused, req);
	evtimer_add(req->refuse, &now);
	TAILQ_INSERT_TAIL(&req->ob->active, req, entry);
	return req;
}

/* An HTTP POST of body with headers (taken over). */
static void
outbound_setup_post(struct outbound_req *req, const char *url, struct curl_slist *headers,
    const char *body, size_t len)
{
	req->headers = curl_slist_append(headers, "Expect:");	/* no 100-continue round trip */
	outbound_setup(req, url, "http,https", (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(req->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(req->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(req->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(req->easy, CURLOPT_USERAGENT, "leadrouted/" PACKAGE_VERSION);
	curl_easy_setopt(req->easy, CURLOPT_WRITEFUNCTION, outbound_on_data);
	curl_easy_setopt(req->easy, CURLOPT_WRITEDATA, req);
}

struct outbound_req *
outbound_post(struct outbound *ob, const char *url, struct curl_slist *headers,
    const char *body, size_t len, int64_t timeout_ms, outbound_cb *cb, void *arg)
{
	struct outbound_req *req = outbound_req_new(ob, OUTBOUND_HTTP, timeout_ms, cb, arg);

	outbound_setup_post(req, url, headers, body, len);
	return outbound_start(req);
}

/* A header line of an API call's answer: the rate limit's window, when it says one. */
static size_t
outbound_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	static const char name[] = "x-hubspot-ratelimit-interval-milliseconds:";
	struct outbound_req *req = userdata;
	size_t n = size * nmemb;
	char val[24];
	size_t k;

	if (n > sizeof(name) - 1 && n - (sizeof(name) - 1) < sizeof(val) &&
	    strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		memcpy(val, ptr + sizeof(name) - 1, n - (sizeof(name) - 1));
		val[n - (sizeof(name) - 1)] = '\0';
		for (k = 0; val[k] == ' '; k++)
			;
		req->limit_window_ms = strtoll(val + k, NULL, 10);
		if (req->limit_window_ms < 0 || req->limit_window_ms > 86400000)
			req->limit_window_ms = 0;
	}
	return n;
}

struct outbound_req *
outbound_request(struct outbound *ob, const char *method, const char *url,
    struct curl_slist *headers, const char *body, size_t len, int64_t timeout_ms,
    outbound_cb *cb, void *arg)
{
	struct outbound_req *req = outbound_req_new(ob, OUTBOUND_API, timeout_ms, cb, arg);

	if (body != NULL) {
		outbound_setup_post(req, url, headers, body, len);
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(req->easy, CURLOPT_CUSTOMREQUEST, method);
	} else {
		req->headers = headers;
		outbound_setup(req, url, "http,https", (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
		curl_easy_setopt(req->easy, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);
		curl_easy_setopt(req->easy, CURLOPT_USERAGENT, "leadrouted/" PACKAGE_VERSION);
		curl_easy_setopt(req->easy, CURLOPT_WRITEFUNCTION, outbound_on_data);
		curl_easy_setopt(req->easy, CURLOPT_WRITEDATA, req);
	}
	curl_easy_setopt(req->easy, CURLOPT_HEADERFUNCTION, outbound_on_header);
	curl_easy_setopt(req->easy, CURLOPT_HEADERDATA, req);
	return outbound_start(req);
}

/* True when a token can go in a header as it is: printable ASCII, no spaces. */
static int
outbound_token_ok(const char *token)
{
	for (; *token != '\0'; token++)
		if ((unsigned char)*token <= 0x20 || (unsigned char)*token >= 0x7f)
			return 0;
	return 1;
}

struct outbound_req *
outbound_slack(struct outbound *ob, const char *api_url, const char *method, const char *token,
    const char *body, size_t len, int64_t timeout_ms, outbound_cb *cb, void *arg)
{
	struct outbound_req *req = outbound_req_new(ob, OUTBOUND_SLACK, timeout_ms, cb, arg);
	struct curl_slist *headers;
	struct buf url = { 0 }, line = { 0 };
	size_t baselen;

	if (token != NULL && (token[0] == '\0' || !outbound_token_ok(token)))
		return outbound_refuse(req, "slack: a token that cannot go in a header");
	if (api_url == NULL)
		api_url = OUTBOUND_SLACK_API;
	baselen = strlen(api_url);
	if (method != NULL) {
		while (baselen > 0 && api_url[baselen - 1] == '/')
			baselen--;
		buf_append(&url, api_url, baselen);
		buf_appendf(&url, "/%s", method);
	} else {
		buf_append(&url, api_url, baselen);
	}
	headers = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
	if (token != NULL) {
		buf_appendf(&line, "Authorization: Bearer %s", token);
		headers = curl_slist_append(headers, line.data);
		buf_free(&line);
	}
	outbound_setup_post(req, url.data, headers, body, len);
	buf_free(&url);
	return outbound_start(req);
}

/* Why a mail cannot be sent as it is (a static text), or NULL. */
static const char *
outbound_mail_check(const struct outbound_mail *m, const struct curl_slist *headers)
{
	const char *id = m->message_id != NULL ? m->message_id : "";
	size_t idlen = strlen(id);
	char *inner;
	int ok;

	if (m->url == NULL)
		return "mail: no server URL";
	if (!mail_addr_ok(m->from))
		return "mail: a bad sender address";
	if (!mail_addr_ok(m->to))
		return "mail: a bad recipient address";
	if (idlen >= 2 && id[0] == '<' && id[idlen - 1] == '>')
		inner = xstrndup(id + 1, idlen - 2);
	else
		inner = xstrdup(id);
	ok = mail_msg_id_ok(inner);
	free(inner);
	if (!ok)
		return "mail: a bad Message-ID";
	for (; headers != NULL; headers = headers->next)
		if (strchr(headers->data, ':') == NULL || strpbrk(headers->data, "\r\n") != NULL)
			return "mail: a header line without a colon or with a line break";
	return NULL;
}

/* list with line (malloc'd, freed here) appended. */
static struct curl_slist *
outbound_slist_take(struct curl_slist *list, char *line)
{
	list = curl_slist_append(list, line);
	free(line);
	return list;
}

/* One text part of the message: UTF-8, quoted-printable, CRLF line breaks. */
static void
outbound_mail_part(curl_mime *alt, const char *type, const char *text)
{
	curl_mimepart *part = curl_mime_addpart(alt);
	char *crlf = mail_crlf(text != NULL ? text : "");

	curl_mime_data(part, crlf, CURL_ZERO_TERMINATED);	/* copied */
	curl_mime_type(part, type);
	curl_mime_encoder(part, "quoted-printable");
	free(crlf);
}

struct outbound_req *
outbound_mail(struct outbound *ob, const struct outbound_mail *m, struct curl_slist *headers,
    int64_t timeout_ms, outbound_cb *cb, void *arg)
{
	struct outbound_req *req = outbound_req_new(ob, OUTBOUND_MAIL, timeout_ms, cb, arg);
	struct curl_slist *own = NULL, *tail;
	const char *why = outbound_mail_check(m, headers);
	char date[MAIL_DATE_LEN], *line;
	curl_mime *alt;
	curl_mimepart *part;

	if (why != NULL) {
		req->headers = headers;
		return outbound_refuse(req, why);
	}
	outbound_setup(req, m->url, "smtp,smtps", (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
	curl_easy_setopt(req->easy, CURLOPT_USE_SSL,
	    (long)(m->tls == OUTBOUND_TLS_TRY ? CURLUSESSL_TRY : CURLUSESSL_ALL));
	if (m->username != NULL) {
		curl_easy_setopt(req->easy, CURLOPT_USERNAME, m->username);
		curl_easy_setopt(req->easy, CURLOPT_PASSWORD, m->password != NULL ? m->password : "");
	}
	if (m->cafile != NULL)
		curl_easy_setopt(req->easy, CURLOPT_CAINFO, m->cafile);

	line = xasprintf("<%s>", m->from);
	curl_easy_setopt(req->easy, CURLOPT_MAIL_FROM, line);	/* copied */
	free(line);
	line = xasprintf("<%s>", m->to);
	req->rcpt = curl_slist_append(NULL, line);
	free(line);
	curl_easy_setopt(req->easy, CURLOPT_MAIL_RCPT, req->rcpt);

	/* The message's own headers, then the caller's. */
	mail_date(sys_now_ms() / 1000, date);
	own = outbound_slist_take(own, xasprintf("Date: %s", date));
	own = outbound_slist_take(own, mail_header_addr("From", m->from_name, m->from));
	own = outbound_slist_take(own, mail_header_addr("To", m->to_name, m->to));
	own = outbound_slist_take(own, mail_header_text("Subject", m->subject));
	own = outbound_slist_take(own, m->message_id[0] == '<' ?
	    xasprintf("Message-ID: %s", m->message_id) :
	    xasprintf("Message-ID: <%s>", m->message_id));
	for (tail = own; tail->next != NULL; tail = tail->next)
		;
	tail->next = headers;
	req->headers = own;
	curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);

	/* multipart/alternative, the plain text first: the last part is the one preferred. */
	req->mime = curl_mime_init(req->easy);
	alt = curl_mime_init(req->easy);
	outbound_mail_part(alt, "text/plain; charset=utf-8", m->text);
	outbound_mail_part(alt, "text/html; charset=utf-8", m->html);
	part = curl_mime_addpart(req->mime);
	curl_mime_subparts(part, alt);
	curl_mime_type(part, "multipart/alternative");
	curl_mime_headers(part, curl_slist_append(NULL, "Content-Disposition: inline"), 1);
	curl_easy_setopt(req->easy, CURLOPT_MIMEPOST, req->mime);

	/* No body comes back: the answer is the server's last reply. */
	curl_easy_setopt(req->easy, CURLOPT_DEBUGFUNCTION, outbound_on_debug);
	curl_easy_setopt(req->easy, CURLOPT_DEBUGDATA, req);
	curl_easy_setopt(req->easy, CURLOPT_VERBOSE, 1L);
	return outbound_start(req);
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
	if (req->refuse == NULL)
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
