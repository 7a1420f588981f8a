/*
 * ceiling.c — the bare reference of tools/bench --ceiling: what routing a lead
 * costs at its barest, built with the daemon's libraries, so that leadrouted's
 * leads/s can be read as a fraction of it on the same machine in the same run.
 *
 *   ceiling [-p PORT] [-r redis://HOST:PORT/DB]
 *
 * POST /v1/leads takes a JSON object with an "email" (or, with none, a
 * "phone", as a tenth of tools/leadbench's leads have) and runs one EVALSHA
 * of ceil_script: SET NX the idempotency key, LMOVE a rep from the head to
 * the tail of ceil:reps (4 reps, seeded at start), HINCRBY its load, HSET the
 * lead's top-level strings and integers with the owner, ZADD the lead's due
 * time, XADD an event. Only once Redis has replied does it answer
 * {"id":..,"owner":..}: 201, or 200 with the first lead when the key was seen
 * before (then the script reads that lead's owner instead). 400 for a body
 * that is not such an object, 404 elsewhere, 503 when Redis failed.
 *
 * Like daemon/io/http.c, libmicrohttpd runs in external epoll mode on the
 * libevent loop that also carries async hiredis: one thread, no locks, and
 * the same suspend/resume path as the daemon's, so the two differ in the
 * work they do, not in how they are driven. Prints port=N first; SIGTERM or
 * SIGINT ends it cleanly.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <microhttpd.h>

#define CEIL_BODY_MAX	65536
#define CEIL_ARGV_MAX	(10 + 2 * 64)	/* EVALSHA, sha, numkeys, 6 keys, id, due, 64 fields */
#define CEIL_DUE_MS	(5 * 60 * 1000)

/* KEYS: idempotency, reps, load, lead, deadlines, events. ARGV: id, due, field/value... */
static const char ceil_script[] =
    "local prev = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'GET', 'EX', 3600)\n"
    "if prev then\n"
    "  return {0, prev, redis.call('HGET', 'ceil:lead:' .. prev, 'owner')}\n"
    "end\n"
    "local rep = redis.call('LMOVE', KEYS[2], KEYS[2], 'LEFT', 'RIGHT')\n"
    "redis.call('HINCRBY', KEYS[3], rep, 1)\n"
    "redis.call('HSET', KEYS[4], 'owner', rep, unpack(ARGV, 3))\n"
    "redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])\n"
    "redis.call('XADD', KEYS[6], 'MAXLEN', '~', 100000, '*', 'type', 'lead.assigned',\n"
    "  'id', ARGV[1], 'owner', rep)\n"
    "return {1, ARGV[1], rep}\n";

/* One request: its body, then (once Redis replied) its answer. */
struct ceil_req {
	struct MHD_Connection	*conn;
	char			*body;
	size_t			 len;
	int			 too_large;
	int			 dispatched;
	int			 status;	/* 0 until answered */
	char			*answer;	/* JSON, malloc'd */
};

static struct event_base	*ceil_base;
static struct event		*ceil_mhd_ev;
static struct event		*ceil_tick;
static struct MHD_Daemon	*ceil_mhd;
static redisAsyncContext	*ceil_redis;
static char			 ceil_sha[41];
static unsigned long long	 ceil_next_id;
static unsigned int		 ceil_epoch;

/* Run MHD, then re-arm its timer. */
static void
ceil_mhd_run(evutil_socket_t fd, short what, void *arg)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct timeval tv;

	MHD_run(ceil_mhd);
	if (MHD_get_timeout(ceil_mhd, &ms) == MHD_YES) {
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(ceil_tick, &tv);
	} else
		evtimer_del(ceil_tick);
}

/* Store req's answer; resume it when it was waiting for Redis. */
static void
ceil_answer(struct ceil_req *req, int status, json_t *body)
{
	req->status = status;
	req->answer = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (req->dispatched) {
		MHD_resume_connection(req->conn);
		event_active(ceil_mhd_ev, EV_READ, 0);	/* MHD 0.9.75 does not wake us */
	}
}

static void
ceil_answer_error(struct ceil_req *req, int status, const char *message)
{
	ceil_answer(req, status, json_pack("{s:{s:s}}", "error", "message", message));
}

/* The script's reply {created, id, owner}: exactly once per EVALSHA (NULL: Redis failed). */
static void
ceil_on_reply(redisAsyncContext *ac, void *r, void *arg)
{
	struct ceil_req *req = arg;
	redisReply *reply = r;

	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
	    reply->element[1]->type != REDIS_REPLY_STRING ||
	    reply->element[2]->type != REDIS_REPLY_STRING) {
		if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
			fprintf(stderr, "ceiling: redis: %s\n", reply->str);
		ceil_answer_error(req, 503, "redis failed");
		return;
	}
	ceil_answer(req, reply->element[0]->integer == 1 ? 201 : 200, json_pack("{s:s,s:s}",
	    "id", reply->element[1]->str, "owner", reply->element[2]->str));
}

/* Parse the lead and send its EVALSHA; 0, or -1 with req answered. */
static int
ceil_route(struct ceil_req *req)
{
	const char *argv[CEIL_ARGV_MAX], *k;
	size_t argvlen[CEIL_ARGV_MAX], n = 0, i;
	char keys[2][512], id[32], due[32], nums[64][32];
	json_t *lead, *who, *v;
	long long now_ms;
	struct timespec ts;
	int nnums = 0;

	if ((lead = json_loadb(req->body, req->len, 0, NULL)) == NULL || !json_is_object(lead) ||
	    (!json_is_string(who = json_object_get(lead, "email")) &&
	    !json_is_string(who = json_object_get(lead, "phone")))) {
		json_decref(lead);
		ceil_answer_error(req, 400, "a lead is a JSON object with an email or a phone");
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(id, sizeof(id), "%08x%08llx", ceil_epoch, ++ceil_next_id);
	snprintf(due, sizeof(due), "%lld", now_ms + CEIL_DUE_MS);
	snprintf(keys[0], sizeof(keys[0]), "ceil:idem:%s", json_string_value(who));
	snprintf(keys[1], sizeof(keys[1]), "ceil:lead:%s", id);
	argv[n++] = "EVALSHA", argv[n++] = ceil_sha, argv[n++] = "6";
	argv[n++] = keys[0], argv[n++] = "ceil:reps", argv[n++] = "ceil:load";
	argv[n++] = keys[1], argv[n++] = "ceil:deadlines", argv[n++] = "ceil:events";
	argv[n++] = id, argv[n++] = due;
	json_object_foreach(lead, k, v) {
		if (n + 2 > CEIL_ARGV_MAX)
			break;
		if (json_is_string(v))
			argv[n + 1] = json_string_value(v);
		else if (json_is_integer(v) && nnums < 64) {
			snprintf(nums[nnums], sizeof(nums[0]), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			argv[n + 1] = nums[nnums++];
		} else
			continue;	/* the barest lead keeps strings and integers */
		argv[n] = k;
		n += 2;
	}
	for (i = 0; i < n; i++)
		argvlen[i] = strlen(argv[i]);
	/* hiredis copies the arguments: lead may go now. */
	redisAsyncCommandArgv(ceil_redis, ceil_on_reply, req, (int)n, argv, argvlen);
	json_decref(lead);
	return 0;
}

/* MHD's request handler: collect the body, then route it; answer once ready. */
static enum MHD_Result
ceil_on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct ceil_req *req = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result rc;

	if (req == NULL) {
		req = *con_cls = calloc(1, sizeof(*req));
		if (req == NULL)
			return MHD_NO;
		req->conn = conn;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (req->len + *upload_size > CEIL_BODY_MAX)
			req->too_large = 1;
		else if ((req->body = realloc(req->body, req->len + *upload_size)) == NULL)
			return MHD_NO;
		else {
			memcpy(req->body + req->len, upload, *upload_size);
			req->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->status == 0 && !req->dispatched) {
		if (strcmp(url, "/v1/leads") != 0 || strcmp(method, "POST") != 0)
			ceil_answer_error(req, 404, "only POST /v1/leads");
		else if (req->too_large)
			ceil_answer_error(req, 413, "the body is too large");
		else if (ceil_route(req) == 0) {
			req->dispatched = 1;
			MHD_suspend_connection(conn);
			return MHD_YES;
		}
	}
	if (req->status == 0)
		return MHD_YES;	/* resumed early: not yet */
	resp = MHD_create_response_from_buffer(strlen(req->answer), req->answer,
	    MHD_RESPMEM_MUST_FREE);
	req->answer = NULL;	/* resp owns it */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	rc = MHD_queue_response(conn, (unsigned int)req->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static void
ceil_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct ceil_req *req = *con_cls;

	if (req == NULL)
		return;
	free(req->body);
	free(req->answer);
	free(req);
	*con_cls = NULL;
}

static void
ceil_on_disconnect(const redisAsyncContext *ac, int status)
{
	fprintf(stderr, "ceiling: redis went away: %s\n", status == REDIS_OK ? "closed" : ac->errstr);
	ceil_redis = NULL;	/* hiredis frees it */
	event_base_loopbreak(ceil_base);
}

static void
ceil_on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(ceil_base);
}

static void __attribute__((format(printf, 1, 2), noreturn))
ceil_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ceiling: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Select db, load the script, seed the reps: on a blocking connection of its own. */
static void
ceil_redis_setup(const char *host, int port, int db)
{
	const char *cmds[] = { "SELECT %d", "SCRIPT LOAD %s", "DEL ceil:reps",
	    "RPUSH ceil:reps ana ben cleo dev" };
	redisContext *c = redisConnect(host, port);
	redisReply *r;
	size_t i;

	if (c == NULL || c->err)
		ceil_fatalx("redis %s:%d: %s", host, port, c != NULL ? c->errstr : "no memory");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if ((r = i == 0 ? redisCommand(c, cmds[i], db) : redisCommand(c, cmds[i],
		    ceil_script)) == NULL || r->type == REDIS_REPLY_ERROR)
			ceil_fatalx("redis: %s: %s", cmds[i], r != NULL ? r->str : c->errstr);
		if (i == 1)
			snprintf(ceil_sha, sizeof(ceil_sha), "%s", r->str);
		freeReplyObject(r);
	}
	redisFree(c);
}

int
main(int argc, char **argv)
{
	const char *url = "redis://127.0.0.1:6379/0";
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct event *sigterm, *sigint;
	char host[256];
	int ch, port = 0, rport = 6379, db = 0, rc;

	while ((ch = getopt(argc, argv, "p:r:")) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 'r')
			url = optarg;
		else {
			fprintf(stderr, "usage: ceiling [-p PORT] [-r redis://HOST:PORT/DB]\n");
			return 2;
		}
	}
	if (sscanf(url, "redis://%255[^:/]:%d/%d", host, &rport, &db) < 2 || port < 0 ||
	    port > 65535) {
		fprintf(stderr, "ceiling: bad -p or -r (redis://HOST:PORT/DB): %s\n", url);
		return 2;
	}
	ceil_redis_setup(host, rport, db);
	ceil_epoch = (unsigned int)time(NULL);
	signal(SIGPIPE, SIG_IGN);

	ceil_base = event_base_new();
	ceil_redis = redisAsyncConnect(host, rport);
	if (ceil_redis == NULL || ceil_redis->err)
		ceil_fatalx("redis: %s", ceil_redis != NULL ? ceil_redis->errstr : "no memory");
	redisLibeventAttach(ceil_redis, ceil_base);
	redisAsyncSetDisconnectCallback(ceil_redis, ceil_on_disconnect);
	redisAsyncCommand(ceil_redis, NULL, NULL, "SELECT %d", db);

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ceil_mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, ceil_on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_CONNECTION_LIMIT, 10000U,
	    MHD_OPTION_NOTIFY_COMPLETED, ceil_on_completed, NULL,
	    MHD_OPTION_END);
	if (ceil_mhd == NULL)
		ceil_fatalx("cannot listen on port %d", port);
	ceil_mhd_ev = event_new(ceil_base, MHD_get_daemon_info(ceil_mhd,
	    MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd, EV_READ | EV_PERSIST, ceil_mhd_run, NULL);
	ceil_tick = evtimer_new(ceil_base, ceil_mhd_run, NULL);
	sigterm = evsignal_new(ceil_base, SIGTERM, ceil_on_signal, NULL);
	sigint = evsignal_new(ceil_base, SIGINT, ceil_on_signal, NULL);
	event_add(ceil_mhd_ev, NULL);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	printf("port=%u\n", MHD_get_daemon_info(ceil_mhd, MHD_DAEMON_INFO_BIND_PORT)->port);
	fflush(stdout);

	event_base_dispatch(ceil_base);
	rc = ceil_redis == NULL;	/* Redis going away is a failure; a signal is not */

	/* Pending replies run with NULL now, answering 503 and resuming their requests. */
	if (ceil_redis != NULL) {
		ceil_redis->onDisconnect = NULL;	/* we are leaving: no need to say so */
		redisAsyncFree(ceil_redis);
	}
	ceil_mhd_run(-1, 0, NULL);
	MHD_stop_daemon(ceil_mhd);
	event_free(sigint);
	event_free(sigterm);
	event_free(ceil_tick);
	event_free(ceil_mhd_ev);
	event_base_free(ceil_base);
	return rc;
}
