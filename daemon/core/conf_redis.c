/*
 * conf_redis.c — where Redis is and how to speak to it: the URL (one fixed
 * master), or Sentinels that say which server is the master now; the
 * credentials, from the URL or from a secret reference (credential:NAME,
 * file:PATH) so no password need sit in the config; and how many replicas
 * must hold a lead before it is acknowledged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/confread.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define CONF_SENTINELS_MAX	16

/* redis.url: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=N]. */
void
conf_parse_redis_url(struct conf_ctx *ctx, const char *s, int line, const char *path)
{
	struct conf_redis *r = &ctx->conf->redis;
	char *rest = NULL, *host = NULL, *port = NULL, *at, *slash, *q;

	free(r->host);
	free(r->unix_path);
	free(r->username);
	free(r->password);
	free(r->url);
	r->host = r->unix_path = r->username = r->password = NULL;
	r->url = xstrdup(s);
	r->port = 6379;
	r->db = 0;

	if (strncmp(s, "unix://", 7) == 0) {
		rest = xstrdup(s + 7);
		if ((q = strchr(rest, '?')) != NULL) {
			*q++ = '\0';
			if (strncmp(q, "db=", 3) != 0 || conf_parse_port(q + 3, 1, &r->db) == -1) {
				conf_error(ctx, line, path, "bad query \"%s\": only db=N is allowed", q);
				goto out;
			}
		}
		if (rest[0] != '/') {
			conf_error(ctx, line, path, "expected an absolute socket path, as in unix:///run/redis/redis.sock");
			goto out;
		}
		r->unix_path = xstrdup(rest);
		goto out;
	}
	if (strncmp(s, "redis://", 8) != 0) {
		conf_error(ctx, line, path,
		    "expected redis://HOST:PORT/DB or unix:///PATH, got \"%s\"", s);
		goto out;
	}
	rest = xstrdup(s + 8);
	if ((at = strrchr(rest, '@')) != NULL) {
		char *colon;

		*at = '\0';
		if ((colon = strchr(rest, ':')) != NULL) {
			*colon = '\0';
			r->password = xstrdup(colon + 1);
		}
		if (rest[0] != '\0')
			r->username = xstrdup(rest);
		memmove(rest, at + 1, strlen(at + 1) + 1);
	}
	if ((slash = strchr(rest, '/')) != NULL) {
		*slash = '\0';
		if (slash[1] != '\0' && (conf_parse_port(slash + 1, 1, &r->db) == -1 || r->db > 9999)) {
			conf_error(ctx, line, path, "bad database number \"%s\"", slash + 1);
			goto out;
		}
	}
	if (strchr(rest, ':') == NULL || (rest[0] == '[' && strstr(rest, "]:") == NULL)) {
		char *with_port = xasprintf("%s:6379", rest);

		free(rest);
		rest = with_port;
	}
	if (conf_split_hostport(rest, &host, &port) == -1 ||
	    conf_parse_port(port, 0, &r->port) == -1) {
		conf_error(ctx, line, path, "bad HOST:PORT in \"%s\"", s);
		goto out;
	}
	if (conf_parse_ip(host, &r->host) == -1)
		conf_error(ctx, line, path,
		    "host \"%s\" must be an IP address or localhost (the daemon never blocks on DNS)",
		    host);
out:
	free(rest);
	free(host);
	free(port);
}

/* redis.sentinels: a list of IP:PORT, each a Sentinel watching the master. */
void
conf_parse_redis_sentinels(struct conf_ctx *ctx, const struct ynode *list)
{
	struct conf_redis *r = &ctx->conf->redis;
	char path[64];
	size_t i;

	if (list->type != YNODE_SEQ || list->n == 0) {
		conf_error(ctx, list->line, "redis.sentinels",
		    "expected a list of Sentinel addresses (IP:PORT), as in [10.0.0.1:26379]");
		return;
	}
	if (list->n > CONF_SENTINELS_MAX) {
		conf_error(ctx, list->line, "redis.sentinels", "%zu Sentinels: at most %d",
		    list->n, CONF_SENTINELS_MAX);
		return;
	}
	r->sentinels = xcalloc(list->n, sizeof(*r->sentinels));
	for (i = 0; i < list->n; i++) {
		struct conf_sentinel *sn = &r->sentinels[r->nsentinels];
		char *host = NULL, *port = NULL;
		const char *s;

		snprintf(path, sizeof(path), "redis.sentinels[%zu]", i);
		if ((s = confread_scalar(ctx->diags, list->items[i], path, "IP:PORT")) == NULL)
			continue;
		if (conf_split_hostport(s, &host, &port) == -1 || host[0] == '\0' ||
		    conf_parse_port(port, 0, &sn->port) == -1) {
			conf_error(ctx, list->items[i]->line, path,
			    "expected IP:PORT, as in 10.0.0.1:26379, got \"%s\"", s);
		} else if (conf_parse_ip(host, &sn->host) == -1) {
			conf_error(ctx, list->items[i]->line, path,
			    "host \"%s\" must be an IP address or localhost (the daemon never blocks on DNS)",
			    host);
		} else {
			r->nsentinels++;
		}
		free(host);
		free(port);
	}
}

/* redis.master_name: the name the Sentinels know the master by. */
void
conf_parse_redis_master_name(struct conf_ctx *ctx, const struct ynode *node)
{
	const char *s;

	if ((s = confread_scalar(ctx->diags, node, "redis.master_name", "a name")) == NULL)
		return;
	if (s[0] == '\0' || strlen(s) > CONFREAD_ID_MAX || strpbrk(s, " \t\r\n") != NULL) {
		conf_error(ctx, node->line, "redis.master_name",
		    "expected the master's name as the Sentinels know it (1-64 characters, no spaces)");
		return;
	}
	ctx->conf->redis.master_name = xstrdup(s);
}

/* A password as a secret reference, into *out; what names it in errors. */
static void
conf_parse_redis_secret(struct conf_ctx *ctx, const struct ynode *node, const char *path,
    char **out)
{
	const char *ref;
	char *text;
	size_t n;

	if ((ref = confread_scalar(ctx->diags, node, path,
	    "a password: credential:NAME, file:PATH or the text")) == NULL)
		return;
	if ((text = confread_secret_ref(ctx->diags, node->line, path, ref, &n)) == NULL)
		return;
	if (n == 0 || strlen(text) != n) {
		conf_error(ctx, node->line, path, "the password is empty or holds a NUL byte");
		free(text);
		return;
	}
	free(*out);
	*out = text;
}

/* redis.password: overrides the URL's, so the URL need not hold it. */
void
conf_parse_redis_password(struct conf_ctx *ctx, const struct ynode *node)
{
	conf_parse_redis_secret(ctx, node, "redis.password", &ctx->conf->redis.password);
}

/* redis.sentinel_password: what the Sentinels ask for (their requirepass). */
void
conf_parse_redis_sentinel_password(struct conf_ctx *ctx, const struct ynode *node)
{
	conf_parse_redis_secret(ctx, node, "redis.sentinel_password",
	    &ctx->conf->redis.sentinel_password);
}

/* Sentinels and their master's name go together, and only with a TCP master. */
void
conf_check_redis(struct conf_ctx *ctx)
{
	const struct conf_redis *r = &ctx->conf->redis;

	if (r->nsentinels > 0 && r->master_name == NULL)
		conf_error(ctx, 0, "redis.master_name",
		    "redis.sentinels needs the master's name as the Sentinels know it");
	if (r->master_name != NULL && r->nsentinels == 0)
		conf_error(ctx, 0, "redis.sentinels",
		    "redis.master_name is set but no Sentinels are listed");
	if (r->nsentinels > 0 && r->unix_path != NULL)
		conf_error(ctx, 0, "redis.url",
		    "with redis.sentinels the master is reached over TCP: use redis://, "
		    "whose database and credentials are used (its host and port are not)");
	if (r->wait_replicas > 0 && r->wait_timeout_ms >= r->timeout_ms)
		conf_error(ctx, 0, "redis.wait_timeout",
		    "must be shorter than redis.timeout (%lldms): a WAIT longer than that "
		    "would count as a stuck connection", (long long)r->timeout_ms);
	if (r->sentinel_password != NULL && r->nsentinels == 0)
		conf_error(ctx, 0, "redis.sentinel_password", "no Sentinels are listed");
}

static int
conf_same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
conf_redis_same_server(const struct conf_redis *a, const struct conf_redis *b)
{
	size_t i;

	if (strcmp(a->url, b->url) != 0 || !conf_same_text(a->password, b->password) ||
	    !conf_same_text(a->master_name, b->master_name) ||
	    !conf_same_text(a->sentinel_password, b->sentinel_password) ||
	    a->nsentinels != b->nsentinels)
		return 0;
	for (i = 0; i < a->nsentinels; i++)
		if (strcmp(a->sentinels[i].host, b->sentinels[i].host) != 0 ||
		    a->sentinels[i].port != b->sentinels[i].port)
			return 0;
	return 1;
}

void
conf_free_redis(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->redis.nsentinels; i++)
		free(c->redis.sentinels[i].host);
	free(c->redis.sentinels);
	free(c->redis.master_name);
	free(c->redis.sentinel_password);
	free(c->redis.url);
	free(c->redis.host);
	free(c->redis.unix_path);
	free(c->redis.username);
	free(c->redis.password);
	free(c->redis.prefix);
}
