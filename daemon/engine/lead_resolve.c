/*
 * lead_resolve.c — the lead a reference names: the keyed hash of its
 * identity, then one read-only script call (lead_resolve.lua) that finds the
 * person's open lead. The hash is this process's (pii_key), so the value
 * itself never reaches Redis.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/pii.h"
#include "leadroute/ulid.h"
#include "leadroute/util.h"

#include "engine/lead_resolve.h"
#include "engine/pii_key.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* The open leads a message names at most (a person keeps up to 50). */
#define MESSAGE_IDS	5

/* A reference on its way through the script. */
struct lead_resolve_op {
	lead_resolve_cb	*cb;
	void		*arg;
	char		*ref;		/* "kind:value", as given: what the messages name */
};

/* Element i of the script's answer as text, or NULL. */
static const char *
answer_str(const redisReply *r, size_t i)
{
	return r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements &&
	    r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : NULL;
}

static void
lead_resolve_on_reply(const struct store_reply *reply, void *arg)
{
	struct lead_resolve_op *op = arg;
	struct lead_resolved out = { .status = LEAD_RESOLVE_UNAVAILABLE };
	const redisReply *r = reply->raw;
	const char *word = answer_str(r, 0), **ids = NULL;
	char *message = NULL;
	struct buf list = { NULL, 0, 0 };
	size_t i;

	if (reply->err != NULL) {
		out.message = reply->err;
	} else if (word != NULL && strcmp(word, "lead") == 0 && answer_str(r, 1) != NULL &&
	    ulid_valid(answer_str(r, 1))) {
		out.status = LEAD_RESOLVED;
		out.id = answer_str(r, 1);
	} else if (word != NULL && strcmp(word, "none") == 0) {
		out.status = LEAD_RESOLVE_NONE;
		out.message = message = xasprintf("no lead for %s", op->ref);
	} else if (word != NULL && strcmp(word, "several") == 0 && r->elements > 2) {
		ids = xcalloc(r->elements - 1, sizeof(*ids));
		for (i = 1; i < r->elements && answer_str(r, i) != NULL; i++) {
			ids[i - 1] = answer_str(r, i);
			/* The message names the first few; all are in several. */
			if (i <= MESSAGE_IDS)
				buf_appendf(&list, "%s%s", i > 1 ? ", " : "", ids[i - 1]);
			else if (i == MESSAGE_IDS + 1)
				buf_appendf(&list, ", ...");
		}
		buf_append(&list, "", 1);
		out.status = LEAD_RESOLVE_SEVERAL;
		out.several = ids;
		out.nseveral = i - 1;
		out.message = message = xasprintf("%s names %zu open leads (%s): name one by its id",
		    op->ref, out.nseveral, list.data);
	} else {
		out.message = "the script gave an answer it does not promise";
	}
	op->cb(op->arg, &out);
	buf_free(&list);
	free(ids);
	free(message);
	free(op->ref);
	free(op);
}

int
lead_resolve(struct server *srv, const struct leadref *ref, const char *idem,
    const char *owner, lead_resolve_cb *cb, void *arg)
{
	struct lead_resolved out = { .status = LEAD_RESOLVE_UNAVAILABLE };
	const char *kind = leadref_kind_name(ref->kind);
	struct store_args a = { 0 };
	struct lead_resolve_op *op;
	const unsigned char *key;
	char h[PII_HASH_LEN + 1];
	size_t keylen;

	if (ref->kind == LEADREF_ID) {
		out.status = LEAD_RESOLVED;
		out.id = ref->value;
		cb(arg, &out);
		return -1;
	}
	/* The identities were hashed with the key: without it nothing can match yet. */
	if (!pii_key_ready()) {
		out.message = "starting up";
		cb(arg, &out);
		return -1;
	}
	key = pii_key(&keylen);
	if (pii_hash(kind, ref->value, key, keylen, h) == -1) {
		/* leadref_parse took the value: it always has something to hash. */
		out.message = "the reference has nothing to match";
		cb(arg, &out);
		return -1;
	}
	store_args_add(&a, h);
	store_args_add(&a, idem != NULL ? idem : "");
	store_args_add(&a, owner != NULL ? owner : "");
	op = xcalloc(1, sizeof(*op));
	op->cb = cb;
	op->arg = arg;
	op->ref = xasprintf("%s:%s", kind, ref->value);
	if (store_eval(srv->store, SCRIPT_LEAD_RESOLVE, sys_now_ms(), &a, lead_resolve_on_reply,
	    op) == -1) {
		out.message = "not connected or too busy";
		cb(arg, &out);
		free(op->ref);
		free(op);
		return -1;
	}
	return 0;
}
