/* conf.c — parse, validate and build the runtime configuration. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/conf.h"
#include "leadroute/units.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define CONF_ID_MAX	64
#define CONF_MAX_FILE	(16 * 1024 * 1024)

enum conf_kind {
	CK_SECTION,
	CK_LIST,
	CK_DURATION,
	CK_SIZE,
	CK_COUNT,
	CK_LISTEN,
	CK_REDIS_URL,
	CK_PREFIX,
	CK_LOG_LEVEL,
};

typedef void conf_list_fn(struct conf_ctx *, const struct ynode *);

/* One row per config key: what it is, where it lands, its default and bounds. */
struct conf_key {
	const char	*path;
	enum conf_kind	 kind;
	size_t		 off;		/* scalars: where the value lands in struct conf */
	const char	*def;		/* scalars: the default, parsed like the file's; NULL: none */
	int64_t		 min;
	int64_t		 max;
	conf_list_fn	*list;		/* CK_LIST: parses the section */
	int		 required;	/* CK_LIST: an error when absent */
	int		 parse_absent;	/* CK_LIST: parsed (as NULL) when absent, to set defaults */
};

static conf_list_fn conf_parse_calendars, conf_parse_reps, conf_parse_pools, conf_parse_accounts,
    conf_parse_territories, conf_parse_scoring, conf_parse_rules;

#define SEC(ms)	((int64_t)(ms) * 1000)
#define MIN(m)	(SEC(m) * 60)
#define DAY(d)	(MIN(d) * 60 * 24)
#define OFF(f)	offsetof(struct conf, f)

static const struct conf_key conf_keys[] = {
	{ .path = "listen", .kind = CK_LISTEN, .off = OFF(listen), .def = "127.0.0.1:8080" },
	{ .path = "health_listen", .kind = CK_LISTEN, .off = OFF(health_listen) },
	{ .path = "log_level", .kind = CK_LOG_LEVEL, .off = OFF(log_level), .def = "info" },
	{ .path = "http", .kind = CK_SECTION },
	{ .path = "http.max_body", .kind = CK_SIZE, .off = OFF(http.max_body),
	  .def = "64KiB", .min = 1024, .max = 64 << 20 },
	{ .path = "http.max_connections", .kind = CK_COUNT, .off = OFF(http.max_connections),
	  .def = "1024", .min = 1, .max = 1000000 },
	{ .path = "http.max_connections_per_ip", .kind = CK_COUNT,
	  .off = OFF(http.max_connections_per_ip), .def = "256", .min = 1, .max = 1000000 },
	{ .path = "http.max_header_size", .kind = CK_SIZE, .off = OFF(http.max_header_size),
	  .def = "8KiB", .min = 1024, .max = 1 << 20 },
	{ .path = "http.max_uri_length", .kind = CK_SIZE, .off = OFF(http.max_uri_length),
	  .def = "2KiB", .min = 256, .max = 64 << 10 },
	{ .path = "http.max_in_flight", .kind = CK_COUNT, .off = OFF(http.max_in_flight),
	  .def = "4096", .min = 1, .max = 1000000 },
	{ .path = "http.idle_timeout", .kind = CK_DURATION, .off = OFF(http.idle_timeout_ms),
	  .def = "30s", .min = SEC(1), .max = MIN(60) },
	{ .path = "http.request_timeout", .kind = CK_DURATION, .off = OFF(http.request_timeout_ms),
	  .def = "60s", .min = SEC(1), .max = MIN(60) },
	{ .path = "http.shutdown_timeout", .kind = CK_DURATION,
	  .off = OFF(http.shutdown_timeout_ms), .def = "10s", .max = MIN(10) },
	{ .path = "redis", .kind = CK_SECTION },
	{ .path = "redis.url", .kind = CK_REDIS_URL, .def = "redis://127.0.0.1:6379/0" },
	{ .path = "redis.prefix", .kind = CK_PREFIX, .off = OFF(redis.prefix), .def = "lr" },
	{ .path = "redis.timeout", .kind = CK_DURATION, .off = OFF(redis.timeout_ms),
	  .def = "2s", .min = 10, .max = MIN(1) },
	{ .path = "redis.max_in_flight", .kind = CK_COUNT, .off = OFF(redis.max_in_flight),
	  .def = "10000", .min = 1, .max = 1000000 },
	{ .path = "sla", .kind = CK_SECTION },
	{ .path = "leads", .kind = CK_SECTION },
	{ .path = "leads.idempotency_window", .kind = CK_DURATION,
	  .off = OFF(leads.idempotency_window_ms), .def = "7d", .min = SEC(1), .max = DAY(366) },
	{ .path = "leads.sticky_window", .kind = CK_DURATION, .off = OFF(leads.sticky_window_ms),
	  .def = "0s", .max = DAY(366) },
	{ .path = "leads.retention", .kind = CK_DURATION, .off = OFF(leads.retention_ms),
	  .def = "400d", .min = DAY(1), .max = DAY(3660) },
	{ .path = "events", .kind = CK_SECTION },
	{ .path = "events.max_len", .kind = CK_COUNT, .off = OFF(events.max_len),
	  .def = "1000000", .min = 1000, .max = 1000000000 },
	{ .path = "notify", .kind = CK_SECTION },
	{ .path = "notify.attempts", .kind = CK_COUNT, .off = OFF(notify.attempts),
	  .def = "6", .min = 1, .max = 50 },
	{ .path = "notify.backoff", .kind = CK_DURATION, .off = OFF(notify.backoff_ms),
	  .def = "1s", .min = 10, .max = MIN(60) },
	{ .path = "notify.max_backoff", .kind = CK_DURATION, .off = OFF(notify.max_backoff_ms),
	  .def = "10m", .min = 10, .max = DAY(1) },
	{ .path = "notify.timeout", .kind = CK_DURATION, .off = OFF(notify.timeout_ms),
	  .def = "10s", .min = 100, .max = MIN(5) },
	/* Sections parsed by a function, in this order (later ones refer to earlier ones). */
	{ .path = "calendars", .kind = CK_LIST, .list = conf_parse_calendars },
	{ .path = "notify.targets", .kind = CK_LIST, .list = conf_parse_notify_targets },
	{ .path = "people", .kind = CK_LIST, .list = conf_parse_people },
	{ .path = "reps", .kind = CK_LIST, .list = conf_parse_reps, .required = 1 },
	{ .path = "lifecycle", .kind = CK_LIST, .list = conf_parse_lifecycle, .parse_absent = 1 },
	{ .path = "changelog", .kind = CK_LIST, .list = conf_parse_changelog },
	{ .path = "sla.clocks", .kind = CK_LIST, .list = conf_parse_clocks },
	{ .path = "scorecard", .kind = CK_LIST, .list = conf_parse_scorecard, .parse_absent = 1 },
	{ .path = "escalation", .kind = CK_LIST, .list = conf_parse_default_policy },
	{ .path = "pools", .kind = CK_LIST, .list = conf_parse_pools, .required = 1 },
	{ .path = "accounts", .kind = CK_LIST, .list = conf_parse_accounts },
	{ .path = "territories", .kind = CK_LIST, .list = conf_parse_territories },
	{ .path = "scoring", .kind = CK_LIST, .list = conf_parse_scoring },
	{ .path = "sla.grades", .kind = CK_LIST, .list = conf_parse_grade_slas },
	{ .path = "rules", .kind = CK_LIST, .list = conf_parse_rules, .required = 1 },
	{ .path = "tls", .kind = CK_LIST, .list = conf_parse_tls },
	{ .path = "auth", .kind = CK_LIST, .list = conf_parse_auth, .parse_absent = 1 },
	{ .path = "pii", .kind = CK_LIST, .list = conf_parse_pii, .parse_absent = 1 },
	{ .path = "sources", .kind = CK_LIST, .list = conf_parse_sources },
};

static void conf_free(struct conf *);

void
conf_error(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(ctx->diags, 0, line, path, fmt, ap);
	va_end(ap);
}

void
conf_warning(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(ctx->diags, 1, line, path, fmt, ap);
	va_end(ap);
}

static const struct conf_key *
conf_find_key(const char *path)
{
	size_t i;

	for (i = 0; i < LR_NELEM(conf_keys); i++)
		if (strcmp(conf_keys[i].path, path) == 0)
			return &conf_keys[i];
	return NULL;
}

static int
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

static int
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
static int
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

static void
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

static int
conf_valid_prefix(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n >= CONF_ID_MAX || strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
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

static const struct conf_rule *
conf_find_rule(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nrules; i++)
		if (strcmp(conf->rules[i].name, name) == 0)
			return &conf->rules[i];
	return NULL;
}

static void
conf_parse_calendars(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "timezone", "hours", "holidays", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "calendars", "calendars"))
		return;
	c->calendars = xcalloc(list->n ? list->n : 1, sizeof(*c->calendars));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct calendar *prev;
		struct calendar *cal;
		const char *id;

		snprintf(path, sizeof(path), "calendars[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_calendar(c, id);
		if (confread_duplicate(ctx->diags, item, path, "calendar id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		cal = &c->calendars[c->ncalendars];
		if (calendar_parse(ctx->diags, item, path, cal) == -1) {
			calendar_free(cal);
			continue;
		}
		cal->id = xstrdup(id);
		cal->line = item->line;
		c->ncalendars++;
	}
}

static void
conf_parse_reps(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "name", "email", "calendar", "max_open",
	    "max_per_day", "notify", "manager", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "reps", "reps"))
		return;
	c->reps = xcalloc(list->n, sizeof(*c->reps));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct conf_rep *prev;
		const char *id, *name, *email, *calendar;
		struct conf_rep *rep;
		char sub[96];

		snprintf(path, sizeof(path), "reps[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_rep(c, id);
		if (confread_duplicate(ctx->diags, item, path, "rep id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		name = confread_opt_string(ctx->diags, item, "name", path);
		email = confread_opt_string(ctx->diags, item, "email", path);
		if (email != NULL && strchr(email, '@') == NULL) {
			conf_error(ctx, ytree_get(item, "email")->line, path,
			    "bad email \"%s\"", email);
			email = NULL;
		}
		rep = &c->reps[c->nreps];
		if ((calendar = confread_opt_string(ctx->diags, item, "calendar", path)) != NULL &&
		    (rep->calendar = conf_find_calendar(c, calendar)) == NULL) {
			snprintf(sub, sizeof(sub), "%s.calendar", path);
			conf_error(ctx, ytree_get(item, "calendar")->line, sub,
			    "unknown calendar \"%s\"", calendar);
		}
		confread_opt_count(ctx->diags, item, "max_open", path, 1, 1000000, &rep->max_open);
		confread_opt_count(ctx->diags, item, "max_per_day", path, 1, 1000000,
		    &rep->max_per_day);
		rep->notify = conf_ref_target(ctx, item, "notify", path);
		rep->manager = conf_ref_person(ctx, item, "manager", path);
		rep->id = xstrdup(id);
		rep->name = xstrdup(name != NULL ? name : id);
		rep->email = email != NULL ? xstrdup(email) : NULL;
		rep->line = item->line;
		c->nreps++;
	}
	if (list->n == 0)
		conf_error(ctx, list->line, "reps", "at least one rep is required");
}

/* One entry of a pool's reps: an id, or {id: ben, weight: 2}. */
static int
conf_parse_member(struct conf_ctx *ctx, const struct ynode *n, const char *path,
    struct conf_member *m)
{
	static const char *const allowed[] = { "id", "weight", NULL };
	const char *rid;
	uint64_t weight = 1;

	if (n->type == YNODE_MAP) {
		if (confread_check_keys(ctx->diags, n, path, allowed) == -1 ||
		    (rid = confread_id(ctx->diags, n, "id", path)) == NULL ||
		    confread_opt_count(ctx->diags, n, "weight", path, 1, 100, &weight) == -1)
			return -1;
		if (weight == 0)
			weight = 1;
	} else if ((rid = confread_scalar(ctx->diags, n, path,
	    "a rep id or {id: …, weight: …}")) == NULL) {
		return -1;
	}
	if ((m->rep = (struct conf_rep *)conf_find_rep(ctx->conf, rid)) == NULL) {
		conf_error(ctx, n->line, path, "unknown rep \"%s\"", rid);
		return -1;
	}
	m->weight = (unsigned)weight;
	return 0;
}

static void
conf_parse_pools(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "reps", "max_open", "calendar", "manager",
	    "director", "escalation", "sla", NULL };
	struct conf *c = ctx->conf;
	char path[64], rpath[96];
	size_t i, j, k;

	if (!confread_is_list(ctx->diags, list, "pools", "pools"))
		return;
	c->pools = xcalloc(list->n, sizeof(*c->pools));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *reps, *n;
		const struct conf_pool *prev;
		struct conf_pool *pool;
		const char *id, *cal;

		snprintf(path, sizeof(path), "pools[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_pool(c, id);
		if (confread_duplicate(ctx->diags, item, path, "pool id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		pool = &c->pools[c->npools++];
		pool->id = xstrdup(id);
		pool->line = item->line;
		confread_opt_count(ctx->diags, item, "max_open", path, 1, 100000000,
		    &pool->max_open);
		if ((cal = confread_opt_string(ctx->diags, item, "calendar", path)) != NULL &&
		    (pool->calendar = conf_find_calendar(c, cal)) == NULL) {
			snprintf(rpath, sizeof(rpath), "%s.calendar", path);
			conf_error(ctx, ytree_get(item, "calendar")->line, rpath,
			    "unknown calendar \"%s\"", cal);
		}
		pool->manager = conf_ref_person(ctx, item, "manager", path);
		pool->director = conf_ref_person(ctx, item, "director", path);
		if ((n = ytree_get(item, "escalation")) != NULL) {
			snprintf(rpath, sizeof(rpath), "%s.escalation", path);
			conf_parse_policy(ctx, n, rpath, &pool->escalation);
		}
		if ((n = ytree_get(item, "sla")) != NULL) {
			snprintf(rpath, sizeof(rpath), "%s.sla", path);
			conf_parse_sla_override(ctx, n, rpath, &pool->sla);
		}
		snprintf(rpath, sizeof(rpath), "%s.reps", path);
		if ((reps = ytree_get(item, "reps")) == NULL) {
			conf_error(ctx, item->line, path, "missing \"reps\"");
			continue;
		}
		if (reps->type != YNODE_SEQ || reps->n == 0) {
			conf_error(ctx, reps->line, rpath, "expected a non-empty list of rep ids");
			continue;
		}
		pool->members = xcalloc(reps->n, sizeof(*pool->members));
		for (j = 0; j < reps->n; j++) {
			struct conf_member *m = &pool->members[pool->nmembers];

			snprintf(rpath, sizeof(rpath), "%s.reps[%zu]", path, j);
			if (conf_parse_member(ctx, reps->items[j], rpath, m) == -1)
				continue;
			for (k = 0; k < pool->nmembers; k++)
				if (pool->members[k].rep == m->rep)
					break;
			if (k < pool->nmembers) {
				conf_error(ctx, reps->items[j]->line, rpath,
				    "rep \"%s\" is listed twice", m->rep->id);
				continue;
			}
			pool->nmembers++;
		}
	}
	if (list->n == 0)
		conf_error(ctx, list->line, "pools", "at least one pool is required");
}

int
conf_valid_domain(const char *d)
{
	size_t n;

	for (n = 0; d[n] != '\0'; n++)
		if (n >= 253 || strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", d[n]) == NULL)
			return 0;
	return n >= 3 && strchr(d, '.') != NULL && d[0] != '.' && d[n - 1] != '.' &&
	    strstr(d, "..") == NULL;
}

static void
conf_parse_accounts(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "domain", "owner", "name", NULL };
	struct conf *c = ctx->conf;
	char path[64], sub[96];
	size_t i, j;

	if (!confread_is_list(ctx->diags, list, "accounts", "accounts"))
		return;
	c->accounts = xcalloc(list->n ? list->n : 1, sizeof(*c->accounts));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *n;
		struct conf_account *acc = &c->accounts[c->naccounts];
		const char *domain, *owner, *name;

		snprintf(path, sizeof(path), "accounts[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1)
			continue;
		snprintf(sub, sizeof(sub), "%s.domain", path);
		if ((n = ytree_get(item, "domain")) == NULL ||
		    (domain = confread_scalar(ctx->diags, n, sub, "a domain")) == NULL)
			continue;
		if (!conf_valid_domain(domain)) {
			conf_error(ctx, n->line, sub,
			    "bad domain \"%s\": a lower-case name such as acme.com", domain);
			continue;
		}
		for (j = 0; j < c->naccounts; j++)
			if (strcmp(c->accounts[j].domain, domain) == 0)
				break;
		if (confread_duplicate(ctx->diags, item, path, "account domain", domain,
		    j < c->naccounts ? c->accounts[j].line : 0))
			continue;
		if ((owner = confread_id(ctx->diags, item, "owner", path)) == NULL)
			continue;
		if ((acc->owner = (struct conf_rep *)conf_find_rep(c, owner)) == NULL) {
			snprintf(sub, sizeof(sub), "%s.owner", path);
			conf_error(ctx, ytree_get(item, "owner")->line, sub, "unknown rep \"%s\"", owner);
			continue;
		}
		name = confread_opt_string(ctx->diags, item, "name", path);
		acc->domain = xstrdup(domain);
		acc->name = xstrdup(name != NULL ? name : domain);
		acc->line = item->line;
		c->naccounts++;
	}
}

static void
conf_parse_territories(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "countries", "states", "postal_codes", NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i, j;

	if (!confread_is_list(ctx->diags, list, "territories", "territories"))
		return;
	c->territories = xcalloc(list->n, sizeof(*c->territories));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		struct cond_territory *t;
		const char *id;

		snprintf(path, sizeof(path), "territories[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		for (j = 0; j < c->nterritories; j++)
			if (strcmp(c->territories[j].id, id) == 0)
				break;
		if (confread_duplicate(ctx->diags, item, path, "territory id", id,
		    j < c->nterritories ? c->territories[j].line : 0))
			continue;
		t = &c->territories[c->nterritories];
		if (cond_parse_territory(ctx->diags, item, path, t) == -1) {
			cond_territory_free(t);
			continue;
		}
		t->id = xstrdup(id);
		t->line = item->line;
		t->index = (int)c->nterritories;
		c->nterritories++;
		c->fields.nterritories = c->nterritories;
	}
}

/* Warn about rules no lead can reach: contradictory, or covered by an earlier rule. */
static void
conf_check_shadowed(struct conf_ctx *ctx)
{
	const struct conf *c = ctx->conf;
	char path[64];
	size_t i, j;

	for (j = 0; j < c->nrules; j++) {
		snprintf(path, sizeof(path), "rules[%zu]", j);
		if (cond_never(&c->rules[j].when)) {
			conf_warning(ctx, c->rules[j].line, path,
			    "rule \"%s\" can never match: its conditions contradict each other",
			    c->rules[j].name);
			continue;
		}
		for (i = 0; i < j; i++) {
			if (cond_implies(&c->rules[j].when, &c->rules[i].when)) {
				conf_warning(ctx, c->rules[j].line, path,
				    "rule \"%s\" can never match: rule \"%s\" on line %d matches "
				    "every lead it would", c->rules[j].name, c->rules[i].name,
				    c->rules[i].line);
				break;
			}
		}
	}
}

static void
conf_parse_scoring(struct conf_ctx *ctx, const struct ynode *node)
{
	struct conf *c = ctx->conf;
	struct cond_env env = { ctx->diags, &c->fields, c->territories, c->nterritories };

	score_parse(&env, node, &c->scoring);
}

static void
conf_add_target(struct conf_rule *rule, enum conf_target_kind kind, struct conf_pool *pool,
    struct conf_rep *rep)
{
	rule->targets = xreallocarray(rule->targets, rule->ntargets + 1, sizeof(*rule->targets));
	rule->targets[rule->ntargets].kind = kind;
	rule->targets[rule->ntargets].pool = pool;
	rule->targets[rule->ntargets].rep = rep;
	rule->ntargets++;
}

/* The pool (or, with is_pool 0, rep) named under key of node; NULL after reporting. */
static void *
conf_ref_under(struct conf_ctx *ctx, const struct ynode *node, const char *key, const char *path,
    int is_pool)
{
	const char *id = confread_id(ctx->diags, node, key, path);
	char sub[160];
	void *found;

	if (id == NULL)
		return NULL;
	found = is_pool ? (void *)conf_find_pool(ctx->conf, id) : (void *)conf_find_rep(ctx->conf, id);
	if (found == NULL) {
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		conf_error(ctx, ytree_get(node, key)->line, sub, "unknown %s \"%s\"",
		    is_pool ? "pool" : "rep", id);
	}
	return found;
}

/* route: [account_owner, {pool: a}, {rep: b}] */
static void
conf_parse_route(struct conf_ctx *ctx, struct conf_rule *rule, const struct ynode *list,
    const char *path)
{
	static const char *const pool_keys[] = { "pool", NULL }, *const rep_keys[] = { "rep", NULL };
	char sub[192];
	size_t i;

	if (list->type != YNODE_SEQ || list->n == 0) {
		conf_error(ctx, list->line, path,
		    "expected a non-empty list of targets: account_owner, {pool: …} or {rep: …}");
		return;
	}
	for (i = 0; i < list->n; i++) {
		const struct ynode *t = list->items[i];
		void *ref;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (t->type == YNODE_SCALAR && strcmp(t->value, "account_owner") == 0) {
			conf_add_target(rule, TARGET_ACCOUNT_OWNER, NULL, NULL);
		} else if (t->type == YNODE_MAP && ytree_get(t, "pool") != NULL) {
			if (confread_check_keys(ctx->diags, t, sub, pool_keys) != -1 &&
			    (ref = conf_ref_under(ctx, t, "pool", sub, 1)) != NULL)
				conf_add_target(rule, TARGET_POOL, ref, NULL);
		} else if (t->type == YNODE_MAP && ytree_get(t, "rep") != NULL) {
			if (confread_check_keys(ctx->diags, t, sub, rep_keys) != -1 &&
			    (ref = conf_ref_under(ctx, t, "rep", sub, 0)) != NULL)
				conf_add_target(rule, TARGET_REP, NULL, ref);
		} else {
			conf_error(ctx, t->line, sub,
			    "expected a target: account_owner, {pool: …} or {rep: …}");
		}
	}
}

/* Exactly one of pool, rep, route, nurture; and a queue unless nurture. */
static void
conf_parse_action(struct conf_ctx *ctx, struct conf_rule *rule, const struct ynode *item,
    const char *path)
{
	const struct ynode *route = ytree_get(item, "route"), *nurture = ytree_get(item, "nurture");
	int actions = (ytree_get(item, "pool") != NULL) + (ytree_get(item, "rep") != NULL) +
	    (route != NULL) + (nurture != NULL);
	char sub[128];
	size_t i;
	void *ref;

	if (actions != 1) {
		conf_error(ctx, item->line, path, "%s: pool, rep, route or nurture",
		    actions == 0 ? "missing an action" : "more than one action; use one of");
		return;
	}
	if (nurture != NULL) {
		if (nurture->type != YNODE_SCALAR || strcmp(nurture->value, "true") != 0) {
			snprintf(sub, sizeof(sub), "%s.nurture", path);
			conf_error(ctx, nurture->line, sub, "nurture takes true");
		}
		if (ytree_get(item, "queue") != NULL) {
			snprintf(sub, sizeof(sub), "%s.queue", path);
			conf_error(ctx, ytree_get(item, "queue")->line, sub,
			    "a nurture rule routes nothing, so it has no queue");
		}
		rule->nurture = 1;
		return;
	}
	if (ytree_get(item, "pool") != NULL && (ref = conf_ref_under(ctx, item, "pool", path, 1)) != NULL)
		conf_add_target(rule, TARGET_POOL, ref, NULL);
	if (ytree_get(item, "rep") != NULL && (ref = conf_ref_under(ctx, item, "rep", path, 0)) != NULL)
		conf_add_target(rule, TARGET_REP, NULL, ref);
	if (route != NULL) {
		snprintf(sub, sizeof(sub), "%s.route", path);
		conf_parse_route(ctx, rule, route, sub);
	}
	if (ytree_get(item, "queue") != NULL) {
		rule->queue = conf_ref_under(ctx, item, "queue", path, 1);
		return;
	}
	for (i = 0; i < rule->ntargets && rule->queue == NULL; i++)
		rule->queue = rule->targets[i].pool;
	if (rule->queue == NULL && rule->ntargets > 0)
		conf_error(ctx, item->line, path,
		    "no pool to queue in: add queue: POOL, where leads wait when no target is eligible");
}

static void
conf_parse_rules(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "name", "when", "pool", "rep", "route", "queue",
	    "nurture", "sla", NULL };
	struct conf *c = ctx->conf;
	struct cond_env env;
	char path[64], sub[96];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "rules", "rules"))
		return;
	if (list->n == 0) {
		conf_error(ctx, list->line, "rules", "at least one rule is required");
		return;
	}
	env.diags = ctx->diags;
	env.fields = &c->fields;
	env.territories = c->territories;
	env.nterritories = c->nterritories;
	c->rules = xcalloc(list->n, sizeof(*c->rules));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *when, *sla;
		const struct conf_rule *prev;
		struct conf_rule *rule;
		const char *name;

		snprintf(path, sizeof(path), "rules[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (name = confread_id(ctx->diags, item, "name", path)) == NULL)
			continue;
		prev = conf_find_rule(c, name);
		if (confread_duplicate(ctx->diags, item, path, "rule name", name,
		    prev != NULL ? prev->line : 0))
			continue;
		rule = &c->rules[c->nrules++];
		rule->name = xstrdup(name);
		rule->line = item->line;
		rule->when.op = COND_ALL;
		rule->when.field = -1;
		conf_parse_action(ctx, rule, item, path);
		if ((when = ytree_get(item, "when")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.when", path);
			cond_parse_when(&env, when, sub, &rule->when);
		}
		if ((sla = ytree_get(item, "sla")) != NULL) {
			snprintf(sub, sizeof(sub), "%s.sla", path);
			conf_parse_sla_override(ctx, sla, sub, &rule->sla);
		}
	}
	if (ytree_get(list->items[list->n - 1], "when") != NULL)
		conf_error(ctx, list->items[list->n - 1]->line, "rules",
		    "no default rule: the last rule must have no \"when\", so every lead is routed");
	if (ctx->diags->nerrors == 0)
		conf_check_shadowed(ctx);
}

static void
conf_set_version(struct conf *c, const char *text, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL);
	util_hex_encode(md, 6, c->version);
}

int
conf_load_string(const char *text, size_t len, const char *name, struct conf **out,
    struct conf_diags *diags)
{
	const struct ynode *lists[LR_NELEM(conf_keys)] = { NULL };
	struct conf_ctx ctx;
	struct ynode *root;
	char *cause = NULL;
	int line = 0;
	size_t i;

	memset(diags, 0, sizeof(*diags));
	diags->file = xstrdup(name);
	ctx.diags = diags;
	ctx.conf = xcalloc(1, sizeof(*ctx.conf));
	ctx.conf->refs = 1;
	ctx.conf->path = xstrdup(name);
	conf_set_version(ctx.conf, text, len);

	for (i = 0; i < LR_NELEM(conf_keys); i++)
		if (conf_keys[i].def != NULL && conf_keys[i].kind != CK_LIST)
			conf_apply_scalar(&ctx, &conf_keys[i], conf_keys[i].def, 0, conf_keys[i].path);

	if (memchr(text, '\0', len) != NULL) {
		conf_error(&ctx, 1, NULL, "the file contains a NUL byte");
		goto done;
	}
	if ((root = ytree_parse(text, len, &line, &cause)) == NULL) {
		conf_error(&ctx, line, NULL, "%s", cause);
		free(cause);
		goto done;
	}
	if (root->type != YNODE_MAP) {
		conf_error(&ctx, root->line, NULL, "expected a map of settings at the top");
	} else {
		conf_walk(&ctx, root, "", lists);
		if (lists[conf_find_key("sla.clocks") - conf_keys] == NULL)
			conf_default_clocks(ctx.conf);
		for (i = 0; i < LR_NELEM(conf_keys); i++) {
			if (conf_keys[i].kind != CK_LIST)
				continue;
			if (lists[i] == NULL && conf_keys[i].required)
				conf_error(&ctx, 1, conf_keys[i].path, "missing required key \"%s\"",
				    conf_keys[i].path);
			else if (lists[i] != NULL || conf_keys[i].parse_absent)
				conf_keys[i].list(&ctx, lists[i]);
		}
	}
	ytree_free(root);
done:
	conf_diags_sort(diags);
	if (diags->nerrors > 0) {
		conf_free(ctx.conf);
		*out = NULL;
		return -1;
	}
	*out = ctx.conf;
	return 0;
}

int
conf_load_file(const char *path, struct conf **out, struct conf_diags *diags)
{
	struct buf text = { NULL, 0, 0 };
	char chunk[8192];
	size_t n;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		memset(diags, 0, sizeof(*diags));
		diags->file = xstrdup(path);
		diags->v = xcalloc(1, sizeof(*diags->v));
		diags->v[0].path = xstrdup("");
		diags->v[0].msg = xasprintf("cannot open: %s", strerror(errno));
		diags->n = diags->nerrors = 1;
		*out = NULL;
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && text.len <= CONF_MAX_FILE)
		buf_append(&text, chunk, n);
	fclose(fp);
	if (text.len > CONF_MAX_FILE) {
		buf_free(&text);
		memset(diags, 0, sizeof(*diags));
		diags->file = xstrdup(path);
		diags->v = xcalloc(1, sizeof(*diags->v));
		diags->v[0].path = xstrdup("");
		diags->v[0].msg = xstrdup("file too large (over 16 MiB)");
		diags->n = diags->nerrors = 1;
		*out = NULL;
		return -1;
	}
	rc = conf_load_string(text.data != NULL ? text.data : "", text.len, path, out, diags);
	buf_free(&text);
	return rc;
}

static void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nreps; i++) {
		free(c->reps[i].id);
		free(c->reps[i].name);
		free(c->reps[i].email);
	}
	free(c->reps);
	for (i = 0; i < c->npools; i++) {
		free(c->pools[i].id);
		free(c->pools[i].members);
	}
	conf_free_sla(c);
	conf_free_lifecycle(c);
	free(c->pools);
	for (i = 0; i < c->ncalendars; i++)
		calendar_free(&c->calendars[i]);
	free(c->calendars);
	for (i = 0; i < c->nrules; i++) {
		cond_free(&c->rules[i].when);
		free(c->rules[i].targets);
		free(c->rules[i].name);
	}
	free(c->rules);
	for (i = 0; i < c->naccounts; i++) {
		free(c->accounts[i].domain);
		free(c->accounts[i].name);
	}
	free(c->accounts);
	for (i = 0; i < c->nterritories; i++)
		cond_territory_free(&c->territories[i]);
	free(c->territories);
	score_free(&c->scoring);
	cond_fields_free(&c->fields);
	free(c->redis.url);
	free(c->redis.host);
	free(c->redis.unix_path);
	free(c->redis.username);
	free(c->redis.password);
	free(c->redis.prefix);
	free(c->listen.text);
	free(c->listen.host);
	free(c->health_listen.text);
	free(c->health_listen.host);
	conf_free_edge(c);
	free(c->path);
	free(c);
}

struct conf *
conf_ref(struct conf *conf)
{
	conf->refs++;
	return conf;
}

void
conf_unref(struct conf *conf)
{
	if (conf != NULL && --conf->refs == 0)
		conf_free(conf);
}

const struct conf_rep *
conf_find_rep(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->nreps; i++)
		if (strcmp(conf->reps[i].id, id) == 0)
			return &conf->reps[i];
	return NULL;
}

const struct conf_pool *
conf_find_pool(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->npools; i++)
		if (strcmp(conf->pools[i].id, id) == 0)
			return &conf->pools[i];
	return NULL;
}

struct conf_sla
conf_sla_for(const struct conf *conf, const struct conf_rule *rule, const char *grade)
{
	struct conf_sla out;
	size_t i, k;

	memset(&out, 0, sizeof(out));
	for (i = 0; grade != NULL && i < conf->sla.ngrades; i++)
		if (strcmp(conf->sla.grades[i].grade->name, grade) == 0)
			out = conf->sla.grades[i].sla;
	for (k = 0; rule != NULL && k < conf->sla.nclocks; k++)
		if (rule->sla.ms[k] > 0)
			out.ms[k] = rule->sla.ms[k];
	return out;
}

int
conf_pool_has_rep(const struct conf_pool *pool, const char *rep_id)
{
	size_t i;

	for (i = 0; i < pool->nmembers; i++)
		if (strcmp(pool->members[i].rep->id, rep_id) == 0)
			return 1;
	return 0;
}

const struct calendar *
conf_find_calendar(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->ncalendars; i++)
		if (strcmp(conf->calendars[i].id, id) == 0)
			return &conf->calendars[i];
	return NULL;
}

const char *
conf_log_level_name(int level)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };

	return level >= 0 && level < (int)LR_NELEM(names) ? names[level] : "?";
}
