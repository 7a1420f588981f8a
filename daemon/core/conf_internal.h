/* conf_internal.h — what the config parser's files share; not part of the API. */
#ifndef LEADROUTE_CONF_INTERNAL_H
#define LEADROUTE_CONF_INTERNAL_H

#include <stdint.h>

#include "leadroute/conf.h"
#include "leadroute/confread.h"
#include "leadroute/diag.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

struct conf_ctx {
	struct conf		*conf;
	struct conf_diags	*diags;
	struct cond_uses	 uses;		/* where conditions read lead fields */
};

void conf_error(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
    LR_PRINTF(4, 5);
void conf_warning(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
    LR_PRINTF(4, 5);

/* What a key holds: a map of more keys, a section its own function parses, or a scalar. */
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

/* The key table (conf_keys.c): conf_nkeys rows, sections in the order they are parsed. */
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

/* The walker (conf_walk.c): every default, then the file's keys and sections. */
void conf_apply_defaults(struct conf_ctx *ctx);
void conf_walk_root(struct conf_ctx *ctx, const struct ynode *root);
/* Addresses, shared by the walker and the sections that name hosts. */
int conf_parse_ip(const char *s, char **out);
int conf_parse_port(const char *s, int allow_zero, int *port);
int conf_split_hostport(const char *s, char **host, char **port);

/* The Redis connection (conf_redis.c): the URL, Sentinel, credentials, replication wait. */
void conf_parse_redis_url(struct conf_ctx *ctx, const char *s, int line, const char *path);
void conf_parse_redis_sentinels(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_redis_master_name(struct conf_ctx *ctx, const struct ynode *node);
void conf_parse_redis_password(struct conf_ctx *ctx, const struct ynode *node);
void conf_parse_redis_sentinel_password(struct conf_ctx *ctx, const struct ynode *node);
void conf_check_redis(struct conf_ctx *ctx);
void conf_free_redis(struct conf *c);

/* Sections in conf_routing.c (calendars, reps, pools, accounts, territories, scoring, rules). */
void conf_parse_calendars(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_reps(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_pools(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_accounts(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_territories(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_scoring(struct conf_ctx *ctx, const struct ynode *node);
void conf_parse_restart_on(struct conf_ctx *ctx, const struct ynode *node);
void conf_parse_rules(struct conf_ctx *ctx, const struct ynode *list);
/* After every section: warn about conditions on fields no one is known to send. */
void conf_check_fields(struct conf_ctx *ctx);
void conf_free_routing(struct conf *c);

/* Sections in conf_channels.c (notification targets, Slack, SMTP, action links). */
void conf_parse_notify_targets(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_notify_slack(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_notify_email(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_notify_links(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_public_url(struct conf_ctx *ctx, const struct ynode *node);
void conf_parse_lead_url(struct conf_ctx *ctx, const struct ynode *node);
const struct conf_notify_target *conf_ref_target(struct conf_ctx *ctx, const struct ynode *item,
    const char *key, const char *path);
void conf_rep_channel(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_rep *rep, size_t reps);
void conf_free_channels(struct conf *c);
void conf_free_target(struct conf_notify_target *t);
/* True for a Slack conversation or user id (C0123ABCD, U0123ABCD). */
int conf_slack_id(const char *s);
/* True for an address as SMTP takes it: one @, no spaces, no angle brackets. */
int conf_mail_address(const char *s);
/* whsec_<base64> (the Standard Webhooks form, 16 to 64 bytes) to the key's bytes; -1 when bad. */
int conf_decode_secret(const char *s, unsigned char **key, size_t *len);

/* Sections in conf_sla.c (clocks, escalation policies, people). */
void conf_parse_people(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_clocks(struct conf_ctx *ctx, const struct ynode *list);
void conf_default_clocks(struct conf *c);
void conf_parse_default_policy(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_policy(struct conf_ctx *ctx, const struct ynode *list, const char *path,
    struct conf_policy *policy);
void conf_parse_sla_override(struct conf_ctx *ctx, const struct ynode *node, const char *path,
    struct conf_sla *sla);
void conf_parse_grade_slas(struct conf_ctx *ctx, const struct ynode *map);
/* A reference to a person under key of item; NULL when absent or bad. */
const struct conf_person *conf_ref_person(struct conf_ctx *ctx, const struct ynode *item,
    const char *key, const char *path);
void conf_free_sla(struct conf *c);

/* conf_subs.c: event subscriptions. */
void conf_parse_subscriptions(struct conf_ctx *ctx, const struct ynode *list);
void conf_free_subs(struct conf *c);

/* CRM connectors (conf_crm.c): parsed before the subscriptions, which add one each. */
void conf_parse_crm(struct conf_ctx *ctx, const struct ynode *list);
void conf_free_crm(struct conf *c);

/* Sections in conf_lifecycle.c; lifecycle and scorecard take NULL when absent. */
void conf_parse_lifecycle(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_changelog(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_scorecard(struct conf_ctx *ctx, const struct ynode *map);
void conf_free_lifecycle(struct conf *c);
/* Lead events clocks know besides stages: received, queued, assigned, touched, nurture, accepted, rejected. */
int conf_is_builtin_event(const char *s);

/* conf_contract.c: the two-way SLA (contract:), after scoring (its grades). */
void conf_parse_contract(struct conf_ctx *ctx, const struct ynode *map);
void conf_free_contract(struct conf *c);
/* conf_contract.c: its review (review:), after notify (its channels). */
void conf_parse_review(struct conf_ctx *ctx, const struct ynode *map);
void conf_free_review(struct conf *c);

/* Sections in conf_edge.c: the ingest edge (TLS, tokens, sources, PII). */
void conf_parse_tls(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_auth(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_console(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_pii(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_sources(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_trusted_proxies(struct conf_ctx *ctx, const struct ynode *list);
void conf_free_edge(struct conf *c);

#endif
