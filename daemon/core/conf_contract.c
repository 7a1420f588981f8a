/*
 * conf_contract.c — the two-way SLA (contract:): each commitment a map with
 * its one bound (min or max) and, for qualified leads, the grades that count.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/contract.h"
#include "leadroute/score.h"
#include "leadroute/units.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define CONTRACT_MAX_GRADES 16

/* A number from 0 to max under n; -1 after reporting. */
static int
contract_number(struct conf_ctx *ctx, const struct ynode *n, const char *path, double max,
    double *out)
{
	char *end;
	double v;

	if (n->type != YNODE_SCALAR || ytree_is_null(n)) {
		conf_error(ctx, n->line, path, "expected a number from 0 to %g", max);
		return -1;
	}
	v = strtod(n->value, &end);
	if (end == n->value || *end != '\0' || !isfinite(v) || v < 0 || v > max) {
		conf_error(ctx, n->line, path, "expected a number from 0 to %g, got \"%s\"", max,
		    n->value);
		return -1;
	}
	*out = v;
	return 0;
}

/* qualified_per_month's grades: configured grades, and a threshold that makes an MQL. */
static void
contract_grades(struct conf_ctx *ctx, const struct ynode *node, const char *path,
    struct conf_contract_term *t)
{
	const struct score_model *m = &ctx->conf->scoring;
	const struct ynode *l = ytree_get(node, "grades"), *e;
	char sub[128];
	size_t i;

	if (!m->mql_set)
		conf_error(ctx, node->line, path,
		    "needs scoring.mql: a qualified lead is one that was an MQL");
	if (l == NULL)
		return;
	snprintf(sub, sizeof(sub), "%s.grades", path);
	if (l->type != YNODE_SEQ || l->n == 0 || l->n > CONTRACT_MAX_GRADES) {
		if (confread_comma_joined(ctx->diags, l, sub, 0))
			return;
		conf_error(ctx, l->line, sub, "expected a list of 1 to %d grades, like [A, B]",
		    CONTRACT_MAX_GRADES);
		return;
	}
	t->grades = xcalloc(l->n, sizeof(*t->grades));
	for (i = 0; i < l->n; i++) {
		e = l->items[i];
		if (e->type != YNODE_SCALAR || score_find_grade(m, e->value) == NULL) {
			conf_error(ctx, e->line, sub, "unknown grade \"%s\" (scoring.grades names "
			    "them)", e->type == YNODE_SCALAR ? e->value : "");
			continue;
		}
		t->grades[t->ngrades++] = xstrdup(e->value);
	}
}

/* One commitment: {min: …} or {max: …}, and grades for qualified leads. */
static void
contract_term(struct conf_ctx *ctx, const struct ynode *node, enum conf_term k)
{
	const struct contract_term_def *def = &contract_terms[k];
	const char *allowed[] = { def->bound, k == TERM_QUALIFIED ? "grades" : NULL, NULL };
	const char *other = strcmp(def->bound, "min") == 0 ? "max" : "min";
	struct conf_contract_term *t = &ctx->conf->contract.term[k];
	const struct ynode *v;
	char path[96], sub[128];
	int64_t ms;

	snprintf(path, sizeof(path), "contract.%s", def->id);
	if (node->type != YNODE_MAP) {
		conf_error(ctx, node->line, path, "expected a map like {%s: %s}", def->bound,
		    def->duration ? "1h" : "70");
		return;
	}
	if (ytree_get(node, other) != NULL) {
		conf_error(ctx, ytree_get(node, other)->line, path,
		    "%s is a %s commitment: it takes %s, not %s", def->id,
		    strcmp(def->bound, "min") == 0 ? "minimum" : "maximum", def->bound, other);
		return;
	}
	if (confread_check_keys(ctx->diags, node, path, allowed) != 0)
		return;
	if ((v = ytree_get(node, def->bound)) == NULL) {
		conf_error(ctx, node->line, path, "missing \"%s\"", def->bound);
		return;
	}
	snprintf(sub, sizeof(sub), "%s.%s", path, def->bound);
	if (def->duration) {
		if (confread_duration(ctx->diags, v, sub, 1, (int64_t)def->limit, &ms) == -1)
			return;
		t->target = (double)ms;
	} else if (contract_number(ctx, v, sub, def->limit, &t->target) == -1) {
		return;
	}
	if (k == TERM_QUALIFIED)
		contract_grades(ctx, node, path, t);
	t->set = 1;
	t->line = node->line;
	ctx->conf->contract.set = 1;
}

void
conf_parse_contract(struct conf_ctx *ctx, const struct ynode *map)
{
	const char *allowed[TERM_COUNT + 1];
	const struct ynode *n;
	size_t k;

	for (k = 0; k < TERM_COUNT; k++)
		allowed[k] = contract_terms[k].id;
	allowed[TERM_COUNT] = NULL;
	if (confread_check_keys(ctx->diags, map, "contract", allowed) == -1)
		return;
	for (k = 0; k < TERM_COUNT; k++)
		if ((n = ytree_get(map, contract_terms[k].id)) != NULL)
			contract_term(ctx, n, (enum conf_term)k);
}

void
conf_free_contract(struct conf *c)
{
	size_t k, i;

	for (k = 0; k < TERM_COUNT; k++) {
		for (i = 0; i < c->contract.term[k].ngrades; i++)
			free(c->contract.term[k].grades[i]);
		free(c->contract.term[k].grades);
	}
}
