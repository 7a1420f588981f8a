/* pii_key.c — the key of the keyed hashes (see pii.h), from the config or Redis. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "leadroute/util.h"

#include "engine/pii_key.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define PII_KEY_LEN	32

static unsigned char pii_key_bytes[PII_KEY_LEN * 2];
static size_t pii_key_len;

static void
pii_key_set(const unsigned char *key, size_t len)
{
	if (len > sizeof(pii_key_bytes))
		len = sizeof(pii_key_bytes);
	memcpy(pii_key_bytes, key, len);
	pii_key_len = len;
}

static void
pii_key_on_reply(const struct store_reply *reply, void *arg)
{
	unsigned char *mine = arg;
	const redisReply *r = reply->raw;

	if (reply->err != NULL) {
		log_warn("pii_key_failed", "error=\"%s\"", reply->err);
	} else if (r != NULL && r->type == REDIS_REPLY_STRING && r->len >= 16) {
		pii_key_set((const unsigned char *)r->str, r->len);	/* another daemon's */
	} else if (r != NULL && r->type == REDIS_REPLY_NIL) {
		pii_key_set(mine, PII_KEY_LEN * 2);	/* ours was stored */
		log_info("pii_key_created", "where=redis");
	}
	free(mine);
}

void
pii_key_load(struct server *srv)
{
	const struct conf *conf = srv->conf;
	struct store_args a = { 0 };
	unsigned char *mine, raw[PII_KEY_LEN];
	char name[128];

	if (conf->pii.hash_key != NULL) {
		pii_key_set(conf->pii.hash_key, conf->pii.hash_key_len);
		return;
	}
	if (pii_key_len > 0)
		return;
	/* Hex text: 32 random bytes, readable by anything that dumps Redis. */
	mine = xmalloc(PII_KEY_LEN * 2 + 1);
	sys_random(raw, sizeof(raw));
	util_hex_encode(raw, sizeof(raw), (char *)mine);
	snprintf(name, sizeof(name), "%s:pii:key", conf->redis.prefix);
	store_args_add(&a, "SET");
	store_args_add(&a, name);
	store_args_addn(&a, (const char *)mine, PII_KEY_LEN * 2);
	store_args_add(&a, "NX");
	store_args_add(&a, "GET");
	if (store_command(srv->store, "pii_key", &a, pii_key_on_reply, mine) == -1)
		free(mine);
}

int
pii_key_ready(void)
{
	return pii_key_len > 0;
}

const unsigned char *
pii_key(size_t *len)
{
	*len = pii_key_len;
	return pii_key_bytes;
}

const char *
pii_log_subject(const struct conf *conf, const json_t *fields, const char *subjects, char *buf,
    size_t len)
{
	const char *raw = json_string_value(json_object_get(fields, "email"));

	if (conf->pii.log_raw) {
		if (raw == NULL)
			raw = json_string_value(json_object_get(fields, "phone"));
		snprintf(buf, len, "%s", raw != NULL ? raw : "-");
		return buf;
	}
	if (subjects[0] == '\0')
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "h:%.*s", (int)strcspn(subjects, ","), subjects);
	return buf;
}
