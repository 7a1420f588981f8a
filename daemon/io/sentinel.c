/*
 * sentinel.c — ask Redis Sentinel where the master is, and hear it change.
 *
 * Each ask is its own short connection: AUTH when the Sentinels want a
 * password, then SENTINEL get-master-addr-by-name. A Sentinel that does not
 * answer within the timeout, refuses, or does not know the name is passed
 * over for the next; the first that answers moves to the front, so the next
 * ask starts with a Sentinel known to work (Redis's guidelines for Sentinel
 * clients). The address it gives is only a claim: the store checks ROLE on
 * the server itself before using it.
 *
 * The watch is one long-lived connection subscribed to +switch-master on one
 * Sentinel. When it drops, the next Sentinel is tried a second later. A
 * Sentinel that freezes (stopped, swapped out, wedged) keeps the socket open
 * and sends nothing, switches included; so every SENTINEL_CHECK_MS the
 * watched Sentinel is sent a PING on a connection of its own, and with no
 * answer within the timeout the watch moves on as if it had dropped.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>

#include "leadroute/sentinel_msg.h"
#include "leadroute/util.h"

#include "io/log.h"
#include "io/sentinel.h"
#include "io/sysutil.h"

#define SENTINEL_WATCH_RETRY_MS	1000
#define SENTINEL_CHECK_MS	5000

struct sentinel_addr {
	char	*host;
	int	 port;
};

struct sentinel {
	struct event_base	*base;
	struct sentinel_addr	*addr;		/* the order asks try them in */
	size_t			 n;
	char			*master_name;
	char			*password;
	int64_t			 timeout_ms;

	/* The ask under way (asking), one Sentinel at a time. */
	int			 asking;
	redisAsyncContext	*ask_ac;
	size_t			 ask_index;	/* the Sentinel being asked */
	sentinel_found_cb	*ask_cb;
	void			*ask_arg;
	struct event		*ask_timer;	/* this Sentinel's deadline */
	struct event		*ask_done;	/* hands the answer over from the loop */
	char			*found_host;
	int			 found_port;
	char			*why;		/* why no address, when none */

	/* The watch: subscribed to +switch-master on watch_index. */
	int			 watching;
	redisAsyncContext	*watch_ac;
	size_t			 watch_index;
	struct event		*watch_retry;
	char			*watch_host;	/* the Sentinel watched (addr is reordered by asks) */
	int			 watch_port;
	redisAsyncContext	*check_ac;	/* the PING out to the watched Sentinel */
	struct event		*check_timer;	/* the next check, or while one is out its deadline */
	sentinel_switch_cb	*on_switch;
	void			*switch_arg;
};

static void sentinel_ask_next(struct sentinel *, const char *);
static void sentinel_watch_lost(struct sentinel *, const char *);
static void sentinel_check_failed(struct sentinel *, const char *);

static const char *
sentinel_name(const struct sentinel *sn, size_t i, char *out, size_t len)
{
	snprintf(out, len, "%s:%d", sn->addr[i].host, sn->addr[i].port);
	return out;
}

/*
 * One of the three connections (the ask, the watch, the check) will not do
 * (why): it failed to connect, dropped, or refused. Forget it and take that
 * connection's next step; 0 when it is none of them (already let go of, as
 * every close clears its slot first). The caller closes it if still open.
 */
static int
sentinel_conn_lost(const redisAsyncContext *ac, const char *why)
{
	struct sentinel *sn = ac->data;

	if (ac == sn->ask_ac) {
		sn->ask_ac = NULL;
		sentinel_ask_next(sn, why);
	} else if (ac == sn->watch_ac) {
		sn->watch_ac = NULL;
		sentinel_watch_lost(sn, why);
	} else if (ac == sn->check_ac) {
		sn->check_ac = NULL;
		sentinel_check_failed(sn, why);
	} else
		return 0;
	return 1;
}

/* An open connection that answered with a refusal (why): lost, and closed. */
static void
sentinel_conn_refused(redisAsyncContext *ac, const char *why)
{
	if (sentinel_conn_lost(ac, why))
		redisAsyncFree(ac);	/* from its own callback: hiredis frees it on return */
}

static void
sentinel_on_connect(const redisAsyncContext *ac, int status)
{
	/* hiredis frees a context that failed to connect once this returns. */
	if (status != REDIS_OK)
		sentinel_conn_lost(ac, ac->errstr);
}

static void
sentinel_on_disconnect(const redisAsyncContext *ac, int status)
{
	(void)status;
	sentinel_conn_lost(ac, "closed the connection");
}

/* AUTH's answer: only a refusal matters (OK is followed by the command's). */
static void
sentinel_on_auth(redisAsyncContext *ac, void *rv, void *priv)
{
	redisReply *r = rv;

	(void)priv;
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		sentinel_conn_refused(ac, r->str);
}

/*
 * A connection to the Sentinel at host:port on the loop, AUTH pipelined when
 * needed; NULL on failure.
 */
static redisAsyncContext *
sentinel_open_at(struct sentinel *sn, const char *host, int port)
{
	redisAsyncContext *ac = redisAsyncConnect(host, port);
	char q[256];

	if (ac == NULL || ac->err) {
		log_warn("sentinel_unreachable", "sentinel=%s:%d error=%s", host, port,
		    log_quote(ac != NULL ? ac->errstr : "out of memory", q, sizeof(q)));
		if (ac != NULL)
			redisAsyncFree(ac);
		return NULL;
	}
	ac->data = sn;
	redisLibeventAttach(ac, sn->base);
	redisAsyncSetConnectCallback(ac, sentinel_on_connect);
	redisAsyncSetDisconnectCallback(ac, sentinel_on_disconnect);
	if (sn->password != NULL)
		redisAsyncCommand(ac, sentinel_on_auth, NULL, "AUTH %s", sn->password);
	return ac;
}

/* A connection to Sentinel i on the loop, AUTH pipelined when needed; NULL on failure. */
static redisAsyncContext *
sentinel_open(struct sentinel *sn, size_t i)
{
	return sentinel_open_at(sn, sn->addr[i].host, sn->addr[i].port);
}

/* ---- asking for the master ---- */

/* The ask is over: hand the answer (or why there is none) over from the loop. */
static void
sentinel_ask_finish(struct sentinel *sn, const char *host, int port, const char *why)
{
	struct timeval tv = { 0, 0 };

	evtimer_del(sn->ask_timer);
	free(sn->found_host);
	free(sn->why);
	sn->found_host = host != NULL ? xstrdup(host) : NULL;
	sn->found_port = port;
	sn->why = why != NULL ? xstrdup(why) : NULL;
	evtimer_add(sn->ask_done, &tv);
}

static void
sentinel_on_ask_done(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *sn = arg;
	sentinel_found_cb *cb = sn->ask_cb;

	sn->asking = 0;
	sn->ask_cb = NULL;
	if (cb != NULL)
		cb(sn->found_host, sn->found_port, sn->why, sn->ask_arg);
}

/* Let go of the asking connection (from a callback too: hiredis defers the free). */
static void
sentinel_ask_close(struct sentinel *sn)
{
	redisAsyncContext *ac = sn->ask_ac;

	sn->ask_ac = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
}

static void
sentinel_ask_on_reply(redisAsyncContext *ac, void *rv, void *priv)
{
	struct sentinel *sn = ac->data;
	redisReply *r = rv;
	struct sentinel_addr first;
	char host[SENTINEL_HOST_MAX];
	int port;

	if (ac != sn->ask_ac || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sentinel_conn_refused(ac, r->str);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING ||
	    sentinel_msg_addr(r->element[0]->str, r->element[0]->len, r->element[1]->str,
	    r->element[1]->len, host, &port) == -1) {
		sentinel_conn_refused(ac, r->type == REDIS_REPLY_NIL ?
		    "does not know the master's name" :
		    "gave no address as IP and port (host names are never looked up)");
		return;
	}
	sentinel_ask_close(sn);
	/* The next ask starts with the Sentinel that answered. */
	first = sn->addr[sn->ask_index];
	memmove(&sn->addr[1], &sn->addr[0], sn->ask_index * sizeof(*sn->addr));
	sn->addr[0] = first;
	sentinel_ask_finish(sn, host, port, NULL);
}

/* Ask Sentinel ask_index, or the ones after it, or give up when none is left. */
static void
sentinel_ask(struct sentinel *sn)
{
	struct timeval tv;

	for (; sn->ask_index < sn->n; sn->ask_index++) {
		sn->ask_ac = sentinel_open(sn, sn->ask_index);
		if (sn->ask_ac == NULL)
			continue;
		redisAsyncCommand(sn->ask_ac, sentinel_ask_on_reply, NULL,
		    "SENTINEL get-master-addr-by-name %s", sn->master_name);
		tv = sys_timeval_ms(sn->timeout_ms);
		evtimer_add(sn->ask_timer, &tv);
		return;
	}
	sentinel_ask_finish(sn, NULL, 0, "no Sentinel answered");
}

/* This Sentinel will not do (why): on to the next. */
static void
sentinel_ask_next(struct sentinel *sn, const char *why)
{
	char name[80], q[256];

	log_warn("sentinel_unreachable", "sentinel=%s master=%s error=%s",
	    sentinel_name(sn, sn->ask_index, name, sizeof(name)), sn->master_name,
	    log_quote(why, q, sizeof(q)));
	evtimer_del(sn->ask_timer);
	sn->ask_index++;
	sentinel_ask(sn);
}

static void
sentinel_on_ask_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *sn = arg;
	char why[64];

	snprintf(why, sizeof(why), "no answer within %lldms", (long long)sn->timeout_ms);
	sentinel_ask_close(sn);
	sentinel_ask_next(sn, why);
}

void
sentinel_find_master(struct sentinel *sn, sentinel_found_cb *cb, void *arg)
{
	sn->ask_cb = cb;
	sn->ask_arg = arg;
	if (sn->asking)
		return;
	sn->asking = 1;
	sn->ask_index = 0;
	sentinel_ask(sn);
}

/* ---- watching for a switch ---- */

static void sentinel_watch_connect(struct sentinel *);

/* The watch is lost: try the next Sentinel a little later. */
static void
sentinel_watch_lost(struct sentinel *sn, const char *why)
{
	struct timeval tv = sys_timeval_ms(SENTINEL_WATCH_RETRY_MS);
	char q[256];

	log_warn("sentinel_watch_lost", "sentinel=%s:%d error=%s", sn->watch_host,
	    sn->watch_port, log_quote(why, q, sizeof(q)));
	sn->watch_index++;
	if (sn->watching)
		evtimer_add(sn->watch_retry, &tv);
}

/* ---- checking that the watched Sentinel answers ---- */

static void
sentinel_check_arm(struct sentinel *sn, int64_t ms)
{
	struct timeval tv = sys_timeval_ms(ms);

	if (sn->watching)
		evtimer_add(sn->check_timer, &tv);
}

/* Let go of the checking connection (from a callback too: hiredis defers the free). */
static void
sentinel_check_close(struct sentinel *sn)
{
	redisAsyncContext *ac = sn->check_ac;

	sn->check_ac = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
}

/* The watched Sentinel did not answer (why): the watch moves on as if dropped. */
static void
sentinel_check_failed(struct sentinel *sn, const char *why)
{
	redisAsyncContext *ac = sn->watch_ac;

	sentinel_check_close(sn);
	sentinel_check_arm(sn, SENTINEL_CHECK_MS);
	if (ac == NULL)
		return;
	sn->watch_ac = NULL;	/* before the free, so its disconnect is not taken for another loss */
	redisAsyncFree(ac);
	sentinel_watch_lost(sn, why);
}

static void
sentinel_check_on_reply(redisAsyncContext *ac, void *rv, void *priv)
{
	struct sentinel *sn = ac->data;
	redisReply *r = rv;

	if (ac != sn->check_ac || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sentinel_conn_refused(ac, r->str);
		return;
	}
	if (r->type != REDIS_REPLY_STATUS || strcmp(r->str, "PONG") != 0)
		return;
	sentinel_check_close(sn);
	sentinel_check_arm(sn, SENTINEL_CHECK_MS);
}

/* The check's timer: send the next PING, or, while one is out, it went unanswered. */
static void
sentinel_on_check_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sentinel *sn = arg;
	char why[64];

	if (sn->check_ac != NULL) {
		snprintf(why, sizeof(why), "no answer to PING within %lldms",
		    (long long)sn->timeout_ms);
		sentinel_check_failed(sn, why);
		return;
	}
	if (sn->watch_ac == NULL) {
		sentinel_check_arm(sn, SENTINEL_CHECK_MS);
		return;
	}
	sn->check_ac = sentinel_open_at(sn, sn->watch_host, sn->watch_port);
	if (sn->check_ac == NULL) {
		sentinel_check_failed(sn, "cannot connect");
		return;
	}
	redisAsyncCommand(sn->check_ac, sentinel_check_on_reply, NULL, "PING");
	sentinel_check_arm(sn, sn->timeout_ms);
}

/*
 * A message on +switch-master: "NAME OLD-IP OLD-PORT NEW-IP NEW-PORT". Only
 * our master's name counts; one Sentinel may watch several masters.
 */
static void
sentinel_watch_on_message(redisAsyncContext *ac, void *rv, void *priv)
{
	struct sentinel *sn = ac->data;
	redisReply *r = rv;
	char host[SENTINEL_HOST_MAX], q[600];
	int port;

	if (ac != sn->watch_ac || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(r->element[0]->str, "subscribe") == 0) {
		log_info("sentinel_watching", "sentinel=%s:%d master=%s", sn->watch_host,
		    sn->watch_port, sn->master_name);
		return;
	}
	if (strcmp(r->element[0]->str, "message") != 0 || r->element[2]->type != REDIS_REPLY_STRING)
		return;
	switch (sentinel_msg_switch(r->element[2]->str, r->element[2]->len, sn->master_name,
	    host, &port)) {
	case 1:
		return;		/* another master's */
	case -1:
		log_warn("sentinel_bad_message", "message=%s",
		    log_quote(r->element[2]->str, q, sizeof(q)));
		return;
	}
	log_info("sentinel_switch", "master=%s to=%s:%d", sn->master_name, host, port);
	if (sn->on_switch != NULL)
		sn->on_switch(host, port, sn->switch_arg);
}

static void
sentinel_watch_connect(struct sentinel *sn)
{
	size_t i = sn->watch_index % sn->n;

	if (!sn->watching || sn->watch_ac != NULL)
		return;
	free(sn->watch_host);
	sn->watch_host = xstrdup(sn->addr[i].host);
	sn->watch_port = sn->addr[i].port;
	sn->watch_ac = sentinel_open(sn, i);
	if (sn->watch_ac == NULL) {
		sentinel_watch_lost(sn, "cannot connect");
		return;
	}
	redisAsyncCommand(sn->watch_ac, sentinel_watch_on_message, NULL,
	    "SUBSCRIBE +switch-master");
}

static void
sentinel_on_watch_retry(evutil_socket_t fd, short what, void *arg)
{
	sentinel_watch_connect(arg);
}

void
sentinel_watch(struct sentinel *sn)
{
	sn->watching = 1;
	sentinel_watch_connect(sn);
	sentinel_check_arm(sn, SENTINEL_CHECK_MS);
}

/* ---- life ---- */

struct sentinel *
sentinel_new(struct event_base *base, const struct conf_redis *conf, int64_t timeout_ms,
    sentinel_switch_cb *on_switch, void *arg)
{
	struct sentinel *sn = xcalloc(1, sizeof(*sn));
	size_t i;

	sn->base = base;
	sn->n = conf->nsentinels;
	sn->addr = xcalloc(sn->n, sizeof(*sn->addr));
	for (i = 0; i < sn->n; i++) {
		sn->addr[i].host = xstrdup(conf->sentinels[i].host);
		sn->addr[i].port = conf->sentinels[i].port;
	}
	sn->master_name = xstrdup(conf->master_name);
	sn->password = conf->sentinel_password != NULL ? xstrdup(conf->sentinel_password) : NULL;
	sn->timeout_ms = timeout_ms;
	sn->on_switch = on_switch;
	sn->switch_arg = arg;
	sn->ask_timer = evtimer_new(base, sentinel_on_ask_timeout, sn);
	sn->ask_done = evtimer_new(base, sentinel_on_ask_done, sn);
	sn->watch_retry = evtimer_new(base, sentinel_on_watch_retry, sn);
	sn->check_timer = evtimer_new(base, sentinel_on_check_timer, sn);
	return sn;
}

void
sentinel_stop(struct sentinel *sn)
{
	redisAsyncContext *ac;

	sn->watching = 0;
	sn->asking = 0;
	sn->ask_cb = NULL;
	evtimer_del(sn->ask_timer);
	evtimer_del(sn->ask_done);
	evtimer_del(sn->watch_retry);
	evtimer_del(sn->check_timer);
	sentinel_ask_close(sn);
	sentinel_check_close(sn);
	if ((ac = sn->watch_ac) != NULL) {
		sn->watch_ac = NULL;
		redisAsyncFree(ac);
	}
}

void
sentinel_free(struct sentinel *sn)
{
	size_t i;

	if (sn == NULL)
		return;
	sentinel_stop(sn);
	event_free(sn->ask_timer);
	event_free(sn->ask_done);
	event_free(sn->watch_retry);
	event_free(sn->check_timer);
	free(sn->watch_host);
	for (i = 0; i < sn->n; i++)
		free(sn->addr[i].host);
	free(sn->addr);
	free(sn->master_name);
	if (sn->password != NULL)
		explicit_bzero(sn->password, strlen(sn->password));
	free(sn->password);
	free(sn->found_host);
	free(sn->why);
	free(sn);
}
