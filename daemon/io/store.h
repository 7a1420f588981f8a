/* store.h — the one asynchronous connection to Redis, where all state lives. */
#ifndef LEADROUTED_STORE_H
#define LEADROUTED_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"

#include "io/scripts.h"

struct store;

/* Arguments of one command, kept as RESP bulk strings in one buffer. */
struct store_args {
	struct buf	resp;
	size_t		n;
};

void store_args_add(struct store_args *a, const char *s);
void store_args_addn(struct store_args *a, const char *s, size_t len);
void store_args_add_int(struct store_args *a, int64_t v);
/* Append every argument of src (which is freed). */
void store_args_append(struct store_args *a, struct store_args *src);
/* Append every argument of src, which stays as it is (a prepared part). */
void store_args_append_copy(struct store_args *a, const struct store_args *src);
void store_args_free(struct store_args *a);

/*
 * What a command produced. err is NULL on success; otherwise "unavailable"
 * (connection lost), "timeout", or Redis's own error text. A script answers
 * either JSON text (parsed into json) or a RESP array (raw); both are
 * borrowed for the duration of the callback.
 */
struct store_reply {
	const char		*err;
	json_t			*json;
	const redisReply	*raw;
};

typedef void store_cb(const struct store_reply *reply, void *arg);

/* Epoch ms (or any count) from a Redis string or integer reply; -1 when absent. */
int64_t store_reply_ms(const redisReply *r);

/* Connection settings (address, credentials, prefix) come from conf, kept
 * for the store's life: changing them needs a restart. */
struct store *store_new(struct event_base *base, struct conf *conf);
void store_free(struct store *store);

/* Apply the reloadable settings (timeout, in-flight cap, stream length). */
void store_configure(struct store *store, const struct conf *conf);

/* Connect now, and reconnect with backoff whenever the connection drops. */
void store_start(struct store *store);

/* Called after every successful (re)connection. */
void store_on_connect(struct store *store, void (*fn)(void *), void *arg);

int store_connected(const struct store *store);

/*
 * Run a script with ARGV = prefix, now_ms, stream max length, then args
 * (taken over and freed). cb runs exactly once, never before this returns:
 * on the reply, on the command's timeout, or when the connection drops.
 * Returns -1 without calling cb when Redis is not connected or too busy.
 */
int store_eval(struct store *store, enum script_id script, int64_t now_ms,
    struct store_args *args, store_cb *cb, void *arg);

/* PING; same contract as store_eval. */
int store_ping(struct store *store, store_cb *cb, void *arg);

/*
 * One plain command, its name first in args (taken over and freed); what
 * names it in log lines (a string that outlives the command). Same contract
 * as store_eval; the reply comes as raw.
 */
int store_command(struct store *store, const char *what, struct store_args *args,
    store_cb *cb, void *arg);

/* Disconnect once the commands in flight have answered; done runs once then. */
void store_stop(struct store *store, void (*done)(void *), void *arg);

/* Drop the connection now: every command in flight fails with "unavailable". */
void store_abort(struct store *store);

#endif
