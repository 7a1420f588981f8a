/*
 * store.c — hiredis async on the libevent loop.
 *
 * Replies arrive in the order commands were sent, so the oldest command in
 * flight is the first that can time out: one timer watches it. A command past
 * its deadline means the connection is stuck; we drop it (every command in
 * flight then fails) and reconnect with capped exponential backoff. The
 * scripts, one function library named by a digest of its text, are loaded on
 * every connection ahead of any FCALL in the same pipeline (a library already
 * there, loaded by another daemon of the same version, is fine).
 *
 * With Sentinels configured (io/sentinel.c), every (re)connection starts by
 * asking them where the master is. Whatever the address came from, the
 * server must say ROLE "master" before the store is up: a failed-over master
 * comes back as a replica, and writing to it fails. A READONLY error later
 * (the server was demoted under us) drops the connection and asks again, as
 * does +switch-master from the Sentinels, which comes first.
 *
 * Replication is asynchronous: a master that dies may take its last writes
 * with it. With redis.wait_replicas, a script whose answer tells someone
 * outside that a change is kept (a lead taken, a claim whose notifications
 * go out) is followed in the pipeline by WAIT, and its answer is held until
 * that many replicas have it (store_acknowledges).
 *
 * A TCP connection proves little: a frozen Redis (SIGSTOP, a stuck host)
 * still completes the handshake in the kernel. So the store is up only once
 * every setup command has been answered, and the backoff resets only then;
 * and while the oldest command in flight has waited STORE_STALL_MS with no
 * reply, new commands are refused at once (503) instead of queueing behind
 * a connection that may be dead.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <hiredis/adapters/libevent.h>
#include <openssl/evp.h>

#include "io/log.h"
#include "io/metrics.h"
#include "io/sentinel.h"
#include "io/store.h"
#include "io/sysutil.h"

#define STORE_BACKOFF_MIN_MS	100
#define STORE_BACKOFF_MAX_MS	5000
#define STORE_FLUSH_BYTES	8192
#define STORE_STALL_MS		500	/* no reply for this long: refuse new commands */

enum store_state {
	STORE_DOWN,
	STORE_FINDING,		/* asking the Sentinels where the master is */
	STORE_CONNECTING,	/* connecting, or connected with setup not yet answered */
	STORE_UP,
};

enum store_cmd_kind {
	CMD_SCRIPT,
	CMD_PING,
	CMD_COMMAND,	/* a plain command from store_command */
	CMD_SETUP,	/* AUTH, SELECT, ROLE, FUNCTION LOAD: internal, part of connecting */
	CMD_RELOAD,	/* FUNCTION LOAD again, ahead of a call that found no function */
	CMD_WAIT,	/* WAIT for replicas, holding the answer of the script before it */
};

struct store_cmd {
	TAILQ_ENTRY(store_cmd)	 entry;
	struct store		*store;
	enum store_cmd_kind	 kind;
	enum script_id		 script;
	struct store_args	 head;		/* FCALL, function, keys and common ARGV (see store_cmd_head) */
	struct store_args	 args;		/* the caller's arguments, kept for a retry */
	int64_t			 now_ms;
	int64_t			 sent;		/* monotonic ms; its deadline is redis.timeout later */
	int			 retried;
	const char		*what;		/* setup and plain commands: for messages */
	store_cb		*cb;
	void			*arg;
	struct store_cmd	*wait;		/* a script's WAIT, when it has one */
	struct store_cmd	*held;		/* a WAIT's script, when it still waits */
	redisReply		*answer;	/* the script's answer, kept until its WAIT answers */
};

struct store {
	struct event_base	*base;
	redisAsyncContext	*ac;
	enum store_state	 state;

	struct conf		*conn;		/* where to connect: the config at start (a reference) */
	struct sentinel		*sentinel;	/* NULL: the URL's address is the master */
	char			*host;		/* where this connection goes (TCP) */
	int			 port;
	char			*anchor;	/* KEYS[1], so cluster clients know the slot */
	int64_t			 timeout_ms;
	int64_t			 last_reply;	/* when Redis last answered (ms) */
	uint64_t		 max_in_flight;
	uint64_t		 stream_max_len;
	uint64_t		 wait_replicas;
	int64_t			 wait_timeout_ms;
	char			*library;	/* lua_library with its version in */
	char			*function[SCRIPT_COUNT];	/* <script>_<version> */

	TAILQ_HEAD(, store_cmd)	 pending;
	int			 npending;
	struct event		*timer;
	struct event		*retry;
	struct event		*flush;		/* writes the pipeline at the end of a loop turn */
	int64_t			 backoff_ms;
	int64_t			 connect_deadline;
	int			 connections;
	const char		*drop_reason;	/* set while dropping: what pending commands report */
	const char		*drop_later;	/* a drop requested from inside a hiredis callback */

	void			(*on_connect)(void *);
	void			*on_connect_arg;

	int			 stopping;
	void			(*stop_done)(void *);
	void			*stop_arg;
};

static void store_connect(struct store *);
static void store_drop(struct store *, const char *);
static void store_mark_up(struct store *);

static int64_t
store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
store_reply_ms(const redisReply *r)
{
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		return r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtoll(r->str, NULL, 10);
	return -1;
}

void
store_args_addn(struct store_args *a, const char *s, size_t len)
{
	char num[24];

	buf_append(&a->resp, "$", 1);
	buf_append(&a->resp, num, util_format_int(num, (int64_t)len));
	buf_append(&a->resp, "\r\n", 2);
	buf_append(&a->resp, s, len);
	buf_append(&a->resp, "\r\n", 2);
	a->n++;
}

void
store_args_add(struct store_args *a, const char *s)
{
	store_args_addn(a, s, strlen(s));
}

void
store_args_add_int(struct store_args *a, int64_t v)
{
	char num[24];

	store_args_addn(a, num, util_format_int(num, v));
}

void
store_args_append(struct store_args *a, struct store_args *src)
{
	if (src->n > 0)
		buf_append(&a->resp, src->resp.data, src->resp.len);
	a->n += src->n;
	store_args_free(src);
}

void
store_args_append_copy(struct store_args *a, const struct store_args *src)
{
	if (src->n > 0)
		buf_append(&a->resp, src->resp.data, src->resp.len);
	a->n += src->n;
}

void
store_args_free(struct store_args *a)
{
	buf_free(&a->resp);
	a->n = 0;
}

/*
 * The library as the daemon loads it: "@V@" replaced by the first 12 hex
 * digits of the SHA-1 of its text, so that each version has its own library
 * and functions, and daemons of different versions can share a Redis.
 */
static void
store_library_init(struct store *s)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[41], version[13];
	struct buf b = { NULL, 0, 0 };
	const char *p, *at;
	int i;

	EVP_Digest(lua_library, strlen(lua_library), md, &mdlen, EVP_sha1(), NULL);
	util_hex_encode(md, 20, hex);
	memcpy(version, hex, 12);
	version[12] = '\0';
	for (p = lua_library; (at = strstr(p, "@V@")) != NULL; p = at + 3) {
		buf_append(&b, p, (size_t)(at - p));
		buf_append(&b, version, 12);
	}
	buf_append(&b, p, strlen(p) + 1);
	s->library = b.data;
	for (i = 0; i < SCRIPT_COUNT; i++)
		s->function[i] = xasprintf("%s_%s", scripts[i].name, version);
}

/* Arm the one timer for the nearest deadline: the oldest command or the connect. */
static void
store_arm_timer(struct store *s)
{
	int64_t due = -1, now = store_now();
	struct timeval tv;

	if (!TAILQ_EMPTY(&s->pending))
		due = TAILQ_FIRST(&s->pending)->sent + s->timeout_ms;
	if (s->state == STORE_CONNECTING && (due == -1 || s->connect_deadline < due))
		due = s->connect_deadline;
	if (due == -1) {
		evtimer_del(s->timer);
		return;
	}
	due = due > now ? due - now : 0;
	tv = sys_timeval_ms(due);
	evtimer_add(s->timer, &tv);
}

static void
store_cmd_free(struct store_cmd *cmd)
{
	if (cmd->wait != NULL)
		cmd->wait->held = NULL;
	if (cmd->answer != NULL)
		freeReplyObject(cmd->answer);
	store_args_free(&cmd->head);
	store_args_free(&cmd->args);
	free(cmd);
}

static void store_reply(redisAsyncContext *, void *, void *);
static void store_send_wait(struct store *, struct store_cmd *);
static void store_write_now(struct store *);

/*
 * Scripts whose answer tells someone outside that a change is kept: a lead
 * acknowledged, a rep's status, a touch or stage, an ack, an erasure, and
 * the SLA claim, whose notifications go out once it answers (so a claim
 * lost in a failover cannot open the same escalation twice).
 */
static int
store_acknowledges(enum script_id id)
{
	switch (id) {
	case SCRIPT_ROUTE:
	case SCRIPT_DRAIN:
	case SCRIPT_REP_STATUS:
	case SCRIPT_TOUCH:
	case SCRIPT_SLA_CLAIM:
	case SCRIPT_ACCOUNTS:
	case SCRIPT_ESC_ACK:
	case SCRIPT_STAGE:
	case SCRIPT_ERASE:
		return 1;
	default:
		return 0;
	}
}

/*
 * Hand a command to hiredis: the arguments are already RESP, so this is a
 * header and two copies; it joins the in-flight list on success.
 */
static int
store_send(struct store *s, struct store_cmd *cmd)
{
	struct buf resp = { NULL, 0, 0 };
	char num[24];
	int rc;

	if (s->ac == NULL)
		return -1;
	resp.cap = cmd->head.resp.len + cmd->args.resp.len + 32;
	resp.data = xmalloc(resp.cap);
	buf_append(&resp, "*", 1);
	buf_append(&resp, num, util_format_int(num, (int64_t)(cmd->head.n + cmd->args.n)));
	buf_append(&resp, "\r\n", 2);
	if (cmd->head.n > 0)
		buf_append(&resp, cmd->head.resp.data, cmd->head.resp.len);
	if (cmd->args.n > 0)
		buf_append(&resp, cmd->args.resp.data, cmd->args.resp.len);
	rc = redisAsyncFormattedCommand(s->ac, store_reply, cmd, resp.data, resp.len);
	buf_free(&resp);
	if (rc != REDIS_OK)
		return -1;
	/*
	 * hiredis would write on the next turn of the loop, after a round of
	 * epoll_ctl for its write event. Instead the commands of this turn go out
	 * at its end (the write event is then added and removed within the turn,
	 * which libevent's changelist turns into no syscall at all), and past a
	 * few KiB at once, so Redis works on the first commands of a burst while
	 * the daemon prepares the rest.
	 */
	cmd->sent = store_now();
	TAILQ_INSERT_TAIL(&s->pending, cmd, entry);
	if (s->npending++ == 0)
		store_arm_timer(s);
	if (cmd->kind == CMD_SCRIPT && s->wait_replicas > 0 && store_acknowledges(cmd->script))
		store_send_wait(s, cmd);
	if (s->state == STORE_UP && sdslen(s->ac->c.obuf) >= STORE_FLUSH_BYTES)
		store_write_now(s);
	else
		event_active(s->flush, EV_TIMEOUT, 0);
	return 0;
}

/*
 * Write what is buffered, now. Not with redisAsyncHandleWrite: on a failed
 * write (a master killed under load) it tears the connection down at once,
 * running every pending callback, the caller's own included, before
 * store_send returns, and often from inside another reply's callback. A
 * failed write here only marks the store down; the timer drops the
 * connection from the loop, outside any callback.
 */
static void
store_write_now(struct store *s)
{
	int done = 0;

	if (redisBufferWrite(&s->ac->c, &done) == REDIS_OK || s->drop_later != NULL)
		return;
	s->state = STORE_DOWN;
	s->drop_later = "write failed";
	event_active(s->timer, EV_TIMEOUT, 0);
}

/*
 * WAIT right behind the script, on the same connection: Redis answers it once
 * wait_replicas replicas have everything sent before it (so one WAIT covers
 * every script ahead of it in a busy pipeline), or at wait_timeout.
 */
static void
store_send_wait(struct store *s, struct store_cmd *cmd)
{
	struct store_cmd *w = xcalloc(1, sizeof(*w));

	if (cmd->wait != NULL)
		cmd->wait->held = NULL;		/* sent again (a reload): the new WAIT counts */
	w->store = s;
	w->kind = CMD_WAIT;
	w->what = "WAIT";
	w->held = cmd;
	store_args_add(&w->args, "WAIT");
	store_args_add_int(&w->args, (int64_t)s->wait_replicas);
	store_args_add_int(&w->args, s->wait_timeout_ms);
	cmd->wait = w;
	if (store_send(s, w) == -1) {
		cmd->wait = NULL;
		store_cmd_free(w);
	}
}

/* A deep copy of a reply, freed by freeReplyObject like hiredis's own. */
static redisReply *
store_reply_copy(const redisReply *r)
{
	redisReply *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->type = r->type;
	c->integer = r->integer;
	c->len = r->len;
	if (r->str != NULL) {
		c->str = xmalloc(r->len + 1);
		memcpy(c->str, r->str, r->len + 1);
	}
	if (r->element != NULL) {
		c->elements = r->elements;
		c->element = xcalloc(r->elements > 0 ? r->elements : 1, sizeof(*c->element));
		for (i = 0; i < r->elements; i++)
			c->element[i] = store_reply_copy(r->element[i]);
	}
	return c;
}

static void
store_finish(struct store_cmd *cmd, const char *err, json_t *json, const redisReply *raw)
{
	struct store_reply reply = { err, json, raw };

	if (cmd->cb != NULL)
		cmd->cb(&reply, cmd->arg);
}

/*
 * FCALL of the script's function, the one key, then the ARGV every script
 * starts with: prefix, now, stream length.
 */
static void
store_cmd_head(struct store *s, struct store_cmd *cmd)
{
	store_args_free(&cmd->head);
	store_args_add(&cmd->head, "FCALL");
	store_args_add(&cmd->head, s->function[cmd->script]);
	store_args_add(&cmd->head, "1");
	store_args_add(&cmd->head, s->anchor);
	store_args_add(&cmd->head, s->conn->redis.prefix);
	store_args_add_int(&cmd->head, cmd->now_ms);
	store_args_add_int(&cmd->head, (int64_t)s->stream_max_len);
}

static void
store_setup_reply(struct store *s, struct store_cmd *cmd, redisReply *r)
{
	const char *what = cmd->what;

	if (strcmp(what, "ROLE") == 0) {
		if (r->type == REDIS_REPLY_ERROR) {
			char q[512];

			/* An ACL may forbid ROLE: READONLY errors still catch a replica. */
			log_warn("redis_role_unknown", "error=%s", log_quote(r->str, q, sizeof(q)));
			return;
		}
		if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[0]->str, "master") == 0)
			return;
		log_error("redis_not_master", "redis=%s:%d role=%s", s->host != NULL ? s->host : "",
		    s->port, r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
		    r->element[0]->type == REDIS_REPLY_STRING ? r->element[0]->str : "unknown");
		s->drop_later = "not the master";
		event_active(s->timer, EV_TIMEOUT, 0);
		return;
	}
	/* Another daemon of this version loaded it first. */
	if (r->type == REDIS_REPLY_ERROR && strcmp(what, "FUNCTION LOAD") == 0 &&
	    strstr(r->str, "already exists") != NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		char q[512];

		log_error("redis_setup_failed", "command=%s error=%s", what,
		    log_quote(r->str, q, sizeof(q)));
		metrics_inc(METRIC_REDIS_ERRORS, 1);
		/* We are inside a hiredis callback: drop from the loop, not here. */
		s->drop_later = "setup failed";
		event_active(s->timer, EV_TIMEOUT, 0);
		return;
	}
}

static int store_queue_internal(struct store *, enum store_cmd_kind, const char *,
    struct store_args *);

/* FUNCTION LOAD of the library: part of connecting (CMD_SETUP), or again (CMD_RELOAD). */
static int
store_library_load(struct store *s, enum store_cmd_kind kind)
{
	struct store_args a = { 0 };

	store_args_add(&a, "FUNCTION");
	store_args_add(&a, "LOAD");
	store_args_add(&a, s->library);
	return store_queue_internal(s, kind, "FUNCTION LOAD", &a);
}

/*
 * Where in its own file a script's error is: Redis tells the library's line
 * ("user_function:LINE: ..."); 0 when the error names none.
 */
static int
store_error_line(const struct store_cmd *cmd, const char *err)
{
	const char *at = strstr(err, "user_function:");
	long line;

	if (at == NULL || (line = strtol(at + 14, NULL, 10)) <= 0)
		return 0;
	line -= *scripts[cmd->script].line - 1;
	return line > 0 ? (int)line : 0;
}

/* Hand a reply to the command's callback, as an error, JSON or raw. */
static void
store_deliver(struct store_cmd *cmd, const redisReply *r)
{
	json_t *json;
	json_error_t jerr;

	if (r->type == REDIS_REPLY_ERROR && cmd->kind == CMD_SCRIPT) {
		char q[512];

		metrics_inc(METRIC_REDIS_ERRORS, 1);
		log_error("redis_error", "script=%s line=%d error=%s", scripts[cmd->script].name,
		    store_error_line(cmd, r->str), log_quote(r->str, q, sizeof(q)));
		store_finish(cmd, r->str, NULL, r);
	} else if (r->type == REDIS_REPLY_ERROR) {
		char q[512];

		metrics_inc(METRIC_REDIS_ERRORS, 1);
		log_error("redis_error", "%s=%s error=%s",
		    cmd->kind == CMD_COMMAND ? "command" : "ping",
		    cmd->kind == CMD_COMMAND ? cmd->what : "ping",
		    log_quote(r->str, q, sizeof(q)));
		store_finish(cmd, r->str, NULL, r);
	} else if (cmd->kind == CMD_SCRIPT && r->type == REDIS_REPLY_STRING) {
		if ((json = json_loadb(r->str, r->len, JSON_DECODE_ANY, &jerr)) == NULL) {
			metrics_inc(METRIC_REDIS_ERRORS, 1);
			log_error("redis_bad_reply", "script=%s", scripts[cmd->script].name);
			store_finish(cmd, "bad reply from script", NULL, r);
		} else {
			store_finish(cmd, NULL, json, r);
			json_decref(json);
		}
	} else {
		store_finish(cmd, NULL, NULL, r);
	}
}

/*
 * WAIT answered with the number of replicas that have everything before it:
 * enough, and the script it held is answered; too few, and its caller hears
 * "unavailable" (a 503 to retry: the change is on the master, and a retry
 * with the same idempotency key is answered from it once replicated).
 */
static void
store_wait_reply(struct store *s, struct store_cmd *w, const redisReply *r)
{
	struct store_cmd *cmd = w->held;
	char why[160];

	if (cmd == NULL || cmd->answer == NULL) {
		store_cmd_free(w);
		return;
	}
	if (r->type == REDIS_REPLY_INTEGER && (uint64_t)r->integer >= s->wait_replicas) {
		store_deliver(cmd, cmd->answer);
	} else {
		metrics_inc(METRIC_REDIS_ERRORS, 1);
		snprintf(why, sizeof(why), "%lld of %llu replicas acknowledged within %lldms",
		    r->type == REDIS_REPLY_INTEGER ? (long long)r->integer : -1LL,
		    (unsigned long long)s->wait_replicas, (long long)s->wait_timeout_ms);
		log_warn("redis_not_replicated", "script=%s replicas=%lld wanted=%llu",
		    scripts[cmd->script].name,
		    r->type == REDIS_REPLY_INTEGER ? (long long)r->integer : -1LL,
		    (unsigned long long)s->wait_replicas);
		store_finish(cmd, "unavailable", NULL, NULL);
	}
	store_cmd_free(cmd);	/* unlinks w */
	store_cmd_free(w);
}

static void
store_reply(redisAsyncContext *ac, void *rv, void *privdata)
{
	struct store_cmd *cmd = privdata;
	struct store *s = cmd->store;
	redisReply *r = rv;

	TAILQ_REMOVE(&s->pending, cmd, entry);
	s->npending--;
	if (r != NULL)
		s->last_reply = store_now();

	if (r == NULL) {
		/* The connection is going away; nothing new may be sent on it. */
		if (s->state == STORE_UP)
			s->state = STORE_DOWN;
		if (cmd->kind == CMD_WAIT && cmd->held != NULL) {
			struct store_cmd *held = cmd->held;

			/* Its script answered, but no replica was seen to have it. */
			metrics_inc(METRIC_REDIS_ERRORS, 1);
			store_finish(held, s->drop_reason != NULL ? s->drop_reason : "unavailable",
			    NULL, NULL);
			store_cmd_free(held);
		} else if (cmd->kind != CMD_SETUP && cmd->kind != CMD_RELOAD && cmd->kind != CMD_WAIT) {
			metrics_inc(METRIC_REDIS_ERRORS, 1);
			store_finish(cmd, s->drop_reason != NULL ? s->drop_reason : "unavailable", NULL, NULL);
		}
		store_cmd_free(cmd);
		return;
	}
	if (cmd->kind == CMD_SETUP) {
		store_setup_reply(s, cmd, r);
		store_cmd_free(cmd);
		/* Only setup commands are sent before the store is up. */
		if (s->state == STORE_CONNECTING && s->npending == 0 && s->drop_later == NULL) {
			store_mark_up(s);
			return;
		}
		goto out;
	}
	if (cmd->kind == CMD_RELOAD) {
		if (r->type == REDIS_REPLY_ERROR && strstr(r->str, "already exists") == NULL) {
			char q[512];

			metrics_inc(METRIC_REDIS_ERRORS, 1);
			log_error("redis_error", "command=FUNCTION_LOAD error=%s",
			    log_quote(r->str, q, sizeof(q)));
		}
		store_cmd_free(cmd);
		goto out;
	}
	if (r->type == REDIS_REPLY_ERROR && cmd->kind == CMD_SCRIPT && !cmd->retried &&
	    strstr(r->str, "Function not found") != NULL) {
		/* Someone ran FUNCTION FLUSH or DELETE: load the library again, then retry once. */
		cmd->retried = 1;
		if (store_library_load(s, CMD_RELOAD) == 0 && store_send(s, cmd) == 0)
			goto out;
		metrics_inc(METRIC_REDIS_ERRORS, 1);
		store_finish(cmd, "unavailable", NULL, NULL);
		store_cmd_free(cmd);
		goto out;
	}
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "READONLY", 8) == 0) {
		/*
		 * The server was made a replica under us (a failover): nothing sent
		 * here can succeed. The caller hears "unavailable" (a 503 to retry);
		 * the connection goes, and the next one asks where the master is.
		 */
		metrics_inc(METRIC_REDIS_ERRORS, 1);
		if (s->drop_later == NULL) {
			log_warn("redis_readonly", "redis=%s:%d", s->host != NULL ? s->host : "", s->port);
			s->drop_later = "the server is a replica now";
			event_active(s->timer, EV_TIMEOUT, 0);
		}
		store_finish(cmd, "unavailable", NULL, NULL);
		store_cmd_free(cmd);
		goto out;
	}
	if (cmd->kind == CMD_WAIT) {
		store_wait_reply(s, cmd, r);
		goto out;
	}
	if (cmd->wait != NULL && r->type != REDIS_REPLY_ERROR) {
		/* Answered once its WAIT is: the reply goes when this callback returns. */
		cmd->answer = store_reply_copy(r);
		goto out;
	}
	store_deliver(cmd, r);
	store_cmd_free(cmd);
out:
	if (s->stopping && s->npending == 0 && s->ac != NULL && s->state == STORE_UP)
		redisAsyncDisconnect(s->ac);
	else
		store_arm_timer(s);
	(void)ac;
}

static void
store_schedule_reconnect(struct store *s)
{
	struct timeval tv;
	int64_t delay;

	if (s->stopping)
		return;
	delay = s->backoff_ms + (int64_t)(random() % (s->backoff_ms / 5 + 1));
	s->backoff_ms = s->backoff_ms * 2 > STORE_BACKOFF_MAX_MS ?
	    STORE_BACKOFF_MAX_MS : s->backoff_ms * 2;
	tv = sys_timeval_ms(delay);
	evtimer_add(s->retry, &tv);
}

static void
store_on_hiredis_connect(const redisAsyncContext *ac, int status)
{
	struct store *s = ac->data;

	if (s == NULL || s->ac != ac)
		return;
	if (status != REDIS_OK) {
		char q[256];

		log_warn("redis_connect_failed", "error=%s retry_in_ms=%lld",
		    log_quote(ac->errstr, q, sizeof(q)), (long long)s->backoff_ms);
		/* hiredis frees the context after this returns. */
		s->ac = NULL;
		s->state = STORE_DOWN;
		store_arm_timer(s);
		store_schedule_reconnect(s);
		return;
	}
	/* Up once the setup commands, already on their way, are answered. */
	store_arm_timer(s);
}

/* Every setup command answered: Redis works, the connection is up. */
static void
store_mark_up(struct store *s)
{
	s->state = STORE_UP;
	s->backoff_ms = STORE_BACKOFF_MIN_MS;
	if (s->connections++ > 0)
		metrics_inc(METRIC_REDIS_RECONNECTS, 1);
	if (s->conn->redis.unix_path != NULL)
		log_info("redis_connected", "redis=%s", s->conn->redis.unix_path);
	else
		log_info("redis_connected", "redis=%s:%d", s->host, s->port);
	store_arm_timer(s);
	if (s->on_connect != NULL)
		s->on_connect(s->on_connect_arg);
}

static void
store_on_hiredis_disconnect(const redisAsyncContext *ac, int status)
{
	struct store *s = ac->data;

	if (s == NULL || s->ac != ac)
		return;	/* a connection we dropped ourselves */
	s->ac = NULL;
	s->state = STORE_DOWN;
	if (s->stopping) {
		log_info("redis_disconnected", "reason=shutdown");
		if (s->stop_done != NULL) {
			void (*done)(void *) = s->stop_done;

			s->stop_done = NULL;
			done(s->stop_arg);
		}
		return;
	}
	log_warn("redis_disconnected", "reason=%s", status == REDIS_OK ? "closed" : "error");
	store_schedule_reconnect(s);
}

/* Send a command of the store's own (setup, reload), taking args over: 0, or -1. */
static int
store_queue_internal(struct store *s, enum store_cmd_kind kind, const char *what,
    struct store_args *args)
{
	struct store_cmd *cmd = xcalloc(1, sizeof(*cmd));

	cmd->store = s;
	cmd->kind = kind;
	cmd->what = what;
	cmd->args = *args;
	memset(args, 0, sizeof(*args));
	if (store_send(s, cmd) == 0)
		return 0;
	store_cmd_free(cmd);
	return -1;
}

/* Connect to host:port (or the URL's socket), setup commands pipelined. */
static void
store_connect_to(struct store *s)
{
	const struct conf_redis *r = &s->conn->redis;
	struct store_args a = { 0 };
	redisAsyncContext *ac;

	ac = r->unix_path != NULL ? redisAsyncConnectUnix(r->unix_path) :
	    redisAsyncConnect(s->host, s->port);
	if (ac == NULL || ac->err) {
		char q[256];

		log_warn("redis_connect_failed", "error=%s",
		    log_quote(ac != NULL ? ac->errstr : "out of memory", q, sizeof(q)));
		if (ac != NULL)
			redisAsyncFree(ac);
		store_schedule_reconnect(s);
		return;
	}
	ac->data = s;
	redisLibeventAttach(ac, s->base);
	redisAsyncSetConnectCallback(ac, store_on_hiredis_connect);
	redisAsyncSetDisconnectCallback(ac, store_on_hiredis_disconnect);
	s->ac = ac;
	s->state = STORE_CONNECTING;
	s->drop_reason = NULL;
	s->connect_deadline = store_now() + s->timeout_ms;

	/* Pipelined ahead of anything else on this connection. */
	if (r->password != NULL) {
		store_args_add(&a, "AUTH");
		if (r->username != NULL)
			store_args_add(&a, r->username);
		store_args_add(&a, r->password);
		store_queue_internal(s, CMD_SETUP, "AUTH", &a);
	}
	if (r->db != 0) {
		store_args_add(&a, "SELECT");
		store_args_add_int(&a, r->db);
		store_queue_internal(s, CMD_SETUP, "SELECT", &a);
	}
	/* Before the library: a replica would refuse FUNCTION LOAD with a vaguer error. */
	store_args_add(&a, "ROLE");
	store_queue_internal(s, CMD_SETUP, "ROLE", &a);
	store_library_load(s, CMD_SETUP);
	store_arm_timer(s);
}

/* The Sentinels answered (or none did): connect there, or try again later. */
static void
store_on_master_found(const char *host, int port, const char *why, void *arg)
{
	struct store *s = arg;

	if (s->state != STORE_FINDING || s->stopping)
		return;
	s->state = STORE_DOWN;
	if (host == NULL) {
		log_warn("redis_master_unknown", "master=%s error=\"%s\" retry_in_ms=%lld",
		    s->conn->redis.master_name, why, (long long)s->backoff_ms);
		store_schedule_reconnect(s);
		return;
	}
	free(s->host);
	s->host = xstrdup(host);
	s->port = port;
	store_connect_to(s);
}

/*
 * The Sentinels switched the master. Whatever the store was doing (up on the
 * old master, waiting to retry a dead one), it goes to the new one now.
 */
static void
store_on_switch(const char *host, int port, void *arg)
{
	struct store *s = arg;

	if (s->stopping || (s->ac != NULL && s->host != NULL && strcmp(s->host, host) == 0 &&
	    s->port == port))
		return;
	s->backoff_ms = STORE_BACKOFF_MIN_MS;
	if (s->ac != NULL) {
		store_drop(s, "unavailable");	/* schedules the reconnect */
		return;
	}
	if (s->state == STORE_DOWN) {
		evtimer_del(s->retry);
		store_connect(s);
	}
}

/* (Re)connect: with Sentinels, ask them first where the master is. */
static void
store_connect(struct store *s)
{
	if (s->sentinel == NULL) {
		store_connect_to(s);
		return;
	}
	s->state = STORE_FINDING;
	sentinel_find_master(s->sentinel, store_on_master_found, s);
}

/* Tear the connection down now; commands in flight fail with reason. */
static void
store_drop(struct store *s, const char *reason)
{
	redisAsyncContext *ac = s->ac;

	if (ac == NULL)
		return;
	s->ac = NULL;
	s->state = STORE_DOWN;
	s->drop_reason = reason;
	redisAsyncFree(ac);
	s->drop_reason = NULL;
	store_arm_timer(s);
	if (s->stopping) {
		if (s->stop_done != NULL) {
			void (*done)(void *) = s->stop_done;

			s->stop_done = NULL;
			done(s->stop_arg);
		}
		return;
	}
	store_schedule_reconnect(s);
}

static void
store_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;
	int64_t now = store_now();
	struct store_cmd *head = TAILQ_FIRST(&s->pending);

	if (s->drop_later != NULL) {
		const char *why = s->drop_later;

		s->drop_later = NULL;
		log_warn("redis_dropping", "reason=%s", why);
		store_drop(s, "unavailable");
		return;
	}
	if (s->state == STORE_CONNECTING && now >= s->connect_deadline) {
		log_warn("redis_connect_failed", "error=\"connect timed out after %lldms\"",
		    (long long)s->timeout_ms);
		store_drop(s, "unavailable");
		return;
	}
	if (head != NULL && now >= head->sent + s->timeout_ms) {
		log_warn("redis_timeout", "in_flight=%d timeout_ms=%lld", s->npending,
		    (long long)s->timeout_ms);
		store_drop(s, "timeout");
		return;
	}
	store_arm_timer(s);
}

static void
store_on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;

	if (s->ac != NULL && s->state == STORE_UP && sdslen(s->ac->c.obuf) > 0)
		redisAsyncHandleWrite(s->ac);
}

static void
store_on_retry(evutil_socket_t fd, short what, void *arg)
{
	store_connect(arg);
}

struct store *
store_new(struct event_base *base, struct conf *conf)
{
	struct store *s = xcalloc(1, sizeof(*s));

	s->base = base;
	TAILQ_INIT(&s->pending);
	s->conn = conf_ref(conf);
	s->anchor = xasprintf("%s:seq", conf->redis.prefix);
	if (conf->redis.host != NULL)
		s->host = xstrdup(conf->redis.host);
	s->port = conf->redis.port;
	if (conf->redis.nsentinels > 0)
		s->sentinel = sentinel_new(base, &conf->redis, conf->redis.timeout_ms,
		    store_on_switch, s);
	s->backoff_ms = STORE_BACKOFF_MIN_MS;
	s->timer = evtimer_new(base, store_on_timer, s);
	s->retry = evtimer_new(base, store_on_retry, s);
	s->flush = event_new(base, -1, 0, store_on_flush, s);
	store_library_init(s);
	store_configure(s, conf);
	return s;
}

void
store_configure(struct store *s, const struct conf *conf)
{
	s->timeout_ms = conf->redis.timeout_ms;
	s->max_in_flight = conf->redis.max_in_flight;
	s->wait_replicas = conf->redis.wait_replicas;
	s->wait_timeout_ms = conf->redis.wait_timeout_ms;
	s->stream_max_len = conf->events.max_len;
}

void
store_start(struct store *s)
{
	if (s->sentinel != NULL)
		sentinel_watch(s->sentinel);
	store_connect(s);
}

void
store_on_connect(struct store *s, void (*fn)(void *), void *arg)
{
	s->on_connect = fn;
	s->on_connect_arg = arg;
}

int
store_connected(const struct store *s)
{
	return s->state == STORE_UP;
}

/*
 * True while the oldest command in flight has had no reply for STORE_STALL_MS
 * and Redis has answered nothing for as long. A Redis that just answered is
 * working through a backlog: a request's next step, sent from a reply, goes.
 */
static int
store_stalled(const struct store *s)
{
	const struct store_cmd *head = TAILQ_FIRST(&s->pending);
	int64_t stall = s->timeout_ms < STORE_STALL_MS ? s->timeout_ms : STORE_STALL_MS;
	int64_t now;

	if (head == NULL)
		return 0;
	now = store_now();
	return now - head->sent >= stall && now - s->last_reply >= stall;
}

static int
store_submit(struct store *s, struct store_cmd *cmd)
{
	if (s->state != STORE_UP || s->stopping || store_stalled(s) ||
	    (uint64_t)s->npending >= s->max_in_flight || store_send(s, cmd) == -1) {
		store_cmd_free(cmd);
		return -1;
	}
	return 0;
}

static struct store_cmd *
store_cmd_new(struct store *s, enum store_cmd_kind kind, store_cb *cb, void *arg)
{
	struct store_cmd *cmd = xcalloc(1, sizeof(*cmd));

	cmd->store = s;
	cmd->kind = kind;
	cmd->cb = cb;
	cmd->arg = arg;
	return cmd;
}

int
store_eval(struct store *s, enum script_id script, int64_t now_ms, struct store_args *args,
    store_cb *cb, void *arg)
{
	struct store_cmd *cmd = store_cmd_new(s, CMD_SCRIPT, cb, arg);

	cmd->script = script;
	cmd->now_ms = now_ms;
	store_cmd_head(s, cmd);
	/* The caller's arguments, taken over as they are. */
	cmd->args = *args;
	memset(args, 0, sizeof(*args));
	return store_submit(s, cmd);
}

int
store_ping(struct store *s, store_cb *cb, void *arg)
{
	struct store_cmd *cmd = store_cmd_new(s, CMD_PING, cb, arg);

	store_args_add(&cmd->args, "PING");
	return store_submit(s, cmd);
}

int
store_command(struct store *s, const char *what, struct store_args *args, store_cb *cb,
    void *arg)
{
	struct store_cmd *cmd = store_cmd_new(s, CMD_COMMAND, cb, arg);

	cmd->what = what;
	cmd->args = *args;
	memset(args, 0, sizeof(*args));
	return store_submit(s, cmd);
}

static void
store_on_stopped(evutil_socket_t fd, short what, void *arg)
{
	struct store *s = arg;

	if (s->stop_done != NULL) {
		void (*done)(void *) = s->stop_done;

		s->stop_done = NULL;
		done(s->stop_arg);
	}
}

void
store_stop(struct store *s, void (*done)(void *), void *arg)
{
	s->stopping = 1;
	if (s->sentinel != NULL)
		sentinel_stop(s->sentinel);
	s->stop_done = done;
	s->stop_arg = arg;
	evtimer_del(s->retry);
	if (s->ac == NULL) {
		event_base_once(s->base, -1, EV_TIMEOUT, store_on_stopped, s, NULL);
		return;
	}
	if (s->state != STORE_UP) {
		store_drop(s, "unavailable");
		return;
	}
	if (s->npending == 0)
		redisAsyncDisconnect(s->ac);
}

void
store_abort(struct store *s)
{
	store_drop(s, "unavailable");
}

void
store_free(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	s->stopping = 1;
	s->stop_done = NULL;
	if (s->ac != NULL)
		store_drop(s, "unavailable");
	event_free(s->timer);
	event_free(s->retry);
	event_free(s->flush);
	sentinel_free(s->sentinel);
	free(s->host);
	conf_unref(s->conn);
	free(s->anchor);
	free(s->library);
	for (i = 0; i < SCRIPT_COUNT; i++)
		free(s->function[i]);
	free(s);
}
