/*
 * conf_walk.c — the table-driven part of the config parser: find each key of
 * the file in conf_keys[], apply scalars (durations, sizes, counts, addresses,
 * the Redis URL) where the row says, and keep sections for their parsers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/confread.h"
#include "leadroute/units.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

static const struct conf_key *
conf_find_key(const char *path)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].path, path) == 0)
			return &conf_keys[i];
	return NULL;
}

/* A numeric IP address (or localhost), copied to out: 0, or -1. */
int
conf_parse_ip(const char *s, char **out)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (strcmp(s, "localhost") == 0)
		s = "127.0.0.1";
	if (inet_pton(AF_INET, s, addr) != 1 && inet_pton(AF_INET6, s, addr) != 1)
		return -1;
	*out = xstrdup(s);
	return 0;
}

/* A port number (0 only when allowed): 0, or -1. */
int
conf_parse_port(const char *s, int allow_zero, int *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535 || (v == 0 && !allow_zero))
		return -1;
	*port = (int)v;
	return 0;
}

/* Split "host:port", "[v6]:port" or ":port" into its parts. */
int
conf_split_hostport(const char *s, char **host, char **port)
{
	const char *colon;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		*host = xstrndup(s + 1, (size_t)(close - s - 1));
		*port = xstrdup(close + 2);
		return 0;
	}
	colon = strrchr(s, ':');
	if (colon == NULL)
		return -1;
	*host = xstrndup(s, (size_t)(colon - s));
	*port = xstrdup(colon + 1);
	return 0;
}

static void
conf_parse_listen(struct conf_ctx *ctx, struct conf_addr *addr, const char *s, int line,
    const char *path)
{
	char *host = NULL, *port = NULL;

	if (conf_split_hostport(s, &host, &port) == -1) {
		conf_error(ctx, line, path, "expected HOST:PORT, as in 127.0.0.1:8080, got \"%s\"", s);
		goto out;
	}
	if (conf_parse_port(port, 1, &addr->port) == -1) {
		conf_error(ctx, line, path, "bad port \"%s\": expected 0-65535", port);
		goto out;
	}
	free(addr->host);
	addr->host = NULL;
	if (host[0] == '\0')
		addr->host = xstrdup("0.0.0.0");
	else if (conf_parse_ip(host, &addr->host) == -1) {
		conf_error(ctx, line, path, "bad host \"%s\": expected an IP address", host);
		goto out;
	}
	free(addr->text);
	addr->text = xstrdup(s);
out:
	free(host);
	free(port);
}

static int
conf_valid_prefix(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= CONFREAD_ID_MAX || strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.:-{}", s[n]) == NULL)
			return 0;
	return n > 0;
}

/* Parse one scalar key from its text (a default or the file's value). */
static void
conf_apply_scalar(struct conf_ctx *ctx, const struct conf_key *k, const char *s,
    int line, const char *path)
{
	char *base = (char *)ctx->conf + k->off;
	const char *why = NULL;
	char lo[32], hi[32];
	int64_t ms;
	uint64_t u;
	char *end;

	switch (k->kind) {
	case CK_DURATION:
		if (units_parse_duration(s, &ms, &why) == -1) {
			conf_error(ctx, line, path, "bad duration \"%s\": %s", s, why);
			return;
		}
		if (ms < k->min || ms > k->max) {
			units_format_duration(k->min, lo, sizeof(lo));
			units_format_duration(k->max, hi, sizeof(hi));
			conf_error(ctx, line, path, "duration %s out of range: must be %s to %s",
			    s, lo, hi);
			return;
		}
		*(int64_t *)base = ms;
		break;
	case CK_SIZE:
		if (units_parse_size(s, &u, &why) == -1) {
			conf_error(ctx, line, path, "bad size \"%s\": %s", s, why);
			return;
		}
		if (u < (uint64_t)k->min || u > (uint64_t)k->max) {
			conf_error(ctx, line, path, "size %s out of range: must be %lld to %lld bytes",
			    s, (long long)k->min, (long long)k->max);
			return;
		}
		*(uint64_t *)base = u;
		break;
	case CK_COUNT:
		errno = 0;
		u = strtoull(s, &end, 10);
		if (*s < '0' || *s > '9' || *end != '\0' || errno != 0) {
			conf_error(ctx, line, path, "expected a whole number, got \"%s\"", s);
			return;
		}
		if (u < (uint64_t)k->min || u > (uint64_t)k->max) {
			conf_error(ctx, line, path, "%s out of range: must be %lld to %lld",
			    s, (long long)k->min, (long long)k->max);
			return;
		}
		*(uint64_t *)base = u;
		break;
	case CK_LISTEN:
		conf_parse_listen(ctx, (struct conf_addr *)base, s, line, path);
		break;

	case CK_REDIS_URL:
		conf_parse_redis_url(ctx, s, line, path);
		break;
	case CK_PREFIX:
		if (!conf_valid_prefix(s)) {
			conf_error(ctx, line, path,
			    "bad prefix \"%s\": 1-64 of letters, digits, _ . : - { }", s);
			return;
		}
		free(*(char **)base);
		*(char **)base = xstrdup(s);
		break;
	case CK_LOG_LEVEL:
		for (int lv = CONF_LOG_DEBUG; lv <= CONF_LOG_ERROR; lv++) {
			if (strcmp(s, conf_log_level_name(lv)) == 0) {
				*(int *)base = lv;
				return;
			}
		}
		conf_error(ctx, line, path, "unknown level \"%s\": use debug, info, warn or error", s);
		break;
	case CK_SECTION:
	case CK_LIST:
		break;
	}
}

/* Walk a map of known keys; lists are remembered in lists[] and parsed later. */
static void
conf_walk(struct conf_ctx *ctx, const struct ynode *map, const char *prefix,
    const struct ynode **lists)
{
	char path[128];
	size_t i;

	for (i = 0; i < map->n; i++) {
		const struct ynode *val = map->items[i];
		const struct conf_key *k;
		const char *s;

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
		    map->keys[i]->value);
		k = conf_find_key(path);
		if (k == NULL) {
			conf_error(ctx, map->keys[i]->line, path, "unknown key \"%s\"",
			    map->keys[i]->value);
			continue;
		}
		if (k->kind == CK_SECTION) {
			if (val->type != YNODE_MAP) {
				conf_error(ctx, val->line, path, "expected a map, got %s",
				    ytree_type_name(val->type));
				continue;
			}
			conf_walk(ctx, val, path, lists);
			continue;
		}
		if (k->kind == CK_LIST) {
			lists[k - conf_keys] = val;
			continue;
		}
		if ((s = confread_scalar(ctx->diags, val, path, "a value")) != NULL)
			conf_apply_scalar(ctx, k, s, val->line, path);
	}
}

/* Set every scalar key to its default; the file's values then replace them. */
void
conf_apply_defaults(struct conf_ctx *ctx)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (conf_keys[i].def != NULL && conf_keys[i].kind != CK_LIST)
			conf_apply_scalar(ctx, &conf_keys[i], conf_keys[i].def, 0, conf_keys[i].path);
}

/* Walk the top map of a file, then parse its sections in the table's order. */
void
conf_walk_root(struct conf_ctx *ctx, const struct ynode *root)
{
	const struct ynode **lists = xcalloc(conf_nkeys, sizeof(*lists));
	size_t i;

	conf_walk(ctx, root, "", lists);
	if (lists[conf_find_key("sla.clocks") - conf_keys] == NULL)
		conf_default_clocks(ctx->conf);
	for (i = 0; i < conf_nkeys; i++) {
		if (conf_keys[i].kind != CK_LIST)
			continue;
		if (lists[i] == NULL && conf_keys[i].required)
			conf_error(ctx, 1, conf_keys[i].path, "missing required key \"%s\"",
			    conf_keys[i].path);
		else if (lists[i] != NULL || conf_keys[i].parse_absent)
			conf_keys[i].list(ctx, lists[i]);
	}
	free(lists);
}

/* The name of a log level as the config writes it; "?" for none. */
const char *
conf_log_level_name(int level)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };

	return level >= 0 && level < (int)LR_NELEM(names) ? names[level] : "?";
}
