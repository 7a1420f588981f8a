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
};

void conf_error(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
    LR_PRINTF(4, 5);
void conf_warning(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
    LR_PRINTF(4, 5);

/* Sections in conf_sla.c (clocks, escalation policies, notification targets, people). */
void conf_parse_notify_targets(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_people(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_clocks(struct conf_ctx *ctx, const struct ynode *list);
void conf_default_clocks(struct conf *c);
void conf_parse_default_policy(struct conf_ctx *ctx, const struct ynode *list);
void conf_parse_policy(struct conf_ctx *ctx, const struct ynode *list, const char *path,
    struct conf_policy *policy);
void conf_parse_sla_override(struct conf_ctx *ctx, const struct ynode *node, const char *path,
    struct conf_sla *sla);
void conf_parse_grade_slas(struct conf_ctx *ctx, const struct ynode *map);
/* A reference to a notify target / person under key of item; NULL when absent or bad. */
const struct conf_notify_target *conf_ref_target(struct conf_ctx *ctx, const struct ynode *item,
    const char *key, const char *path);
const struct conf_person *conf_ref_person(struct conf_ctx *ctx, const struct ynode *item,
    const char *key, const char *path);
void conf_free_sla(struct conf *c);

/* Sections in conf_lifecycle.c; lifecycle and scorecard take NULL when absent. */
void conf_parse_lifecycle(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_changelog(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_scorecard(struct conf_ctx *ctx, const struct ynode *map);
void conf_free_lifecycle(struct conf *c);
/* Lead events clocks know besides stages: received, queued, assigned, touched, nurture, accepted, rejected. */
int conf_is_builtin_event(const char *s);

/* Sections in conf_edge.c: the ingest edge (TLS, tokens, sources, PII). */
void conf_parse_tls(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_auth(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_pii(struct conf_ctx *ctx, const struct ynode *map);
void conf_parse_sources(struct conf_ctx *ctx, const struct ynode *list);
void conf_free_edge(struct conf *c);

#endif
