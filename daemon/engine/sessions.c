/*
 * sessions.c — what console sessions need beyond their signed cookies
 * (core/session.c): the key, and the sessions signed out early. A signed-out
 * session is kept in the zset <prefix>:console:revoked, scored by when it
 * would have expired; every daemon reads the live part of that set every
 * SESSIONS_SYNC_MS, so a sign-out holds everywhere within that time (at once
 * on the daemon that took it). The set is small: only sessions signed out
 * and not yet expired.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leadroute/util.h"

#include "engine/pii_key.h"
#include "engine/sessions.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define SESSIONS_SYNC_MS	2000

struct revoked {
	char	id[SESSION_ID_HEX + 1];
	int64_t	until_ms;
};

struct sessions {
	struct server	*srv;
	struct event	*timer;
	struct revoked	*ids;
	size_t		 n, cap;
	int		 syncing;	/* a read is in flight */
};

int
sessions_key(unsigned char key[32])
{
	static const char label[] = "leadrouted console sessions v1";
	const unsigned char *base;
	unsigned int len = 32;
	size_t blen;

	if (!pii_key_ready())
		return -1;
	base = pii_key(&blen);
	/* Its own key, so a session MAC can never stand for a keyed hash, nor back. */
	HMAC(EVP_sha256(), base, (int)blen, (const unsigned char *)label, sizeof(label) - 1, key,
	    &len);
	return 0;
}

static void
sessions_add(struct sessions *ss, const char *id, int64_t until_ms)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->ids[i].id, id) == 0)
			return;
	if (ss->n == ss->cap) {
		ss->cap = ss->cap ? ss->cap * 2 : 16;
		ss->ids = xreallocarray(ss->ids, ss->cap, sizeof(*ss->ids));
	}
	snprintf(ss->ids[ss->n].id, sizeof(ss->ids[ss->n].id), "%s", id);
	ss->ids[ss->n++].until_ms = until_ms;
}

int
sessions_revoked(const struct sessions *ss, const char *id)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->ids[i].id, id) == 0)
			return 1;
	return 0;
}

static void
sessions_key_name(const struct sessions *ss, char *name, size_t len)
{
	snprintf(name, len, "%s:console:revoked", ss->srv->conf->redis.prefix);
}

/* The live members, scored by expiry: they replace what this daemon knew. */
static void
sessions_on_sync(const struct store_reply *reply, void *arg)
{
	struct sessions *ss = arg;
	const redisReply *r = reply->raw;
	int64_t now = sys_now_ms();
	size_t i, kept;

	ss->syncing = 0;
	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY)
		return;
	/* Keep our own recent sign-outs whose write may not be visible yet. */
	for (i = kept = 0; i < ss->n; i++)
		if (ss->ids[i].until_ms > now)
			ss->ids[kept++] = ss->ids[i];
	ss->n = kept;
	for (i = 0; i + 1 < r->elements; i += 2)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    r->element[i]->len == SESSION_ID_HEX)
			sessions_add(ss, r->element[i]->str, store_reply_ms(r->element[i + 1]));
}

void
sessions_kick(struct sessions *ss)
{
	struct store_args a = { 0 };
	char name[160], now[24];

	if (ss->syncing || ss->srv->stopping)
		return;
	sessions_key_name(ss, name, sizeof(name));
	snprintf(now, sizeof(now), "(%lld", (long long)sys_now_ms());
	store_args_add(&a, "ZRANGE");
	store_args_add(&a, name);
	store_args_add(&a, now);
	store_args_add(&a, "+inf");
	store_args_add(&a, "BYSCORE");
	store_args_add(&a, "WITHSCORES");
	if (store_command(ss->srv->store, "sessions_sync", &a, sessions_on_sync, ss) == 0)
		ss->syncing = 1;
}

static void
sessions_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sessions *ss = arg;
	struct timeval tv = { SESSIONS_SYNC_MS / 1000, (SESSIONS_SYNC_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	if (ss->srv->conf->console.enabled)
		sessions_kick(ss);
	if (!ss->srv->stopping)
		evtimer_add(ss->timer, &tv);
}

struct sessions *
sessions_new(struct server *srv)
{
	struct sessions *ss = xcalloc(1, sizeof(*ss));

	ss->srv = srv;
	ss->timer = evtimer_new(srv->base, sessions_on_timer, ss);
	return ss;
}

void
sessions_start(struct sessions *ss)
{
	struct timeval tv = { SESSIONS_SYNC_MS / 1000, (SESSIONS_SYNC_MS % 1000) * 1000 };

	evtimer_add(ss->timer, &tv);
}

void
sessions_free(struct sessions *ss)
{
	if (ss == NULL)
		return;
	event_free(ss->timer);
	free(ss->ids);
	free(ss);
}

struct revoke_call {
	void	(*done)(int ok, void *arg);
	void	 *arg;
};

static void
sessions_on_revoked(const struct store_reply *reply, void *arg)
{
	struct revoke_call *call = arg;

	if (reply->err != NULL)
		log_warn("session_revoke_failed", "error=\"%s\"", reply->err);
	call->done(reply->err == NULL, call->arg);
	free(call);
}

void
sessions_revoke(struct sessions *ss, const struct session *s, void (*done)(int ok, void *arg),
    void *arg)
{
	struct store_args a = { 0 }, b = { 0 };
	struct revoke_call *call;
	char name[160], expired[24];

	sessions_add(ss, s->id, s->expires_ms);
	sessions_key_name(ss, name, sizeof(name));
	/* Forget what has expired on the way: nothing else trims the set. */
	snprintf(expired, sizeof(expired), "%lld", (long long)sys_now_ms());
	store_args_add(&b, "ZREMRANGEBYSCORE");
	store_args_add(&b, name);
	store_args_add(&b, "-inf");
	store_args_add(&b, expired);
	store_command(ss->srv->store, "sessions_trim", &b, NULL, NULL);
	store_args_add(&a, "ZADD");
	store_args_add(&a, name);
	store_args_add_int(&a, s->expires_ms);
	store_args_add(&a, s->id);
	call = xmalloc(sizeof(*call));
	call->done = done;
	call->arg = arg;
	if (store_command(ss->srv->store, "sessions_revoke", &a, sessions_on_revoked, call) == -1) {
		free(call);
		done(0, arg);
	}
}
