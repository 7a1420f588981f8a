/*
 * score.c — a points model in config. Fit points come from conditions on the
 * lead's fields (the person's latest attributes), behaviour points from the
 * events the person did over time, each decaying from when it happened; the
 * sum is the score, its band the grade, and a score at the threshold makes
 * the person an MQL.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/confread.h"
#include "leadroute/diag.h"
#include "leadroute/score.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#define SCORE_MAX_POINTS 100000

static int
score_int(struct conf_diags *d, const struct ynode *n, const char *path, int *out)
{
	char *end;
	long v;

	if (n == NULL || n->type != YNODE_SCALAR || n->value[0] == '\0') {
		conf_diag_add(d, 0, n != NULL ? n->line : 0, path, "expected a whole number");
		return -1;
	}
	errno = 0;
	v = strtol(n->value, &end, 10);
	if (*end != '\0' || errno != 0 || v < -SCORE_MAX_POINTS || v > SCORE_MAX_POINTS) {
		conf_diag_add(d, 0, n->line, path,
		    "expected a whole number from %d to %d, got \"%s\"", -SCORE_MAX_POINTS,
		    SCORE_MAX_POINTS, n->value);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* True when c reads a field computed from the score itself. */
static int
score_uses_score(const struct cond *c, const struct cond_fields *f)
{
	size_t i;

	if (c->field >= 0 && c->op != COND_TERRITORY &&
	    (strcmp(f->names[c->field], "score") == 0 || strcmp(f->names[c->field], "grade") == 0 ||
	    strcmp(f->names[c->field], "mql") == 0))
		return 1;
	for (i = 0; i < c->nkids; i++)
		if (score_uses_score(&c->kids[i], f))
			return 1;
	return 0;
}

static int
score_parse_fit(struct cond_env *env, const struct ynode *list, struct score_model *m)
{
	static const char *const allowed[] = { "name", "when", "points", NULL };
	char path[64], sub[96];
	size_t i, j;
	int rc = 0;

	if (list->type != YNODE_SEQ) {
		conf_diag_add(env->diags, 0, list->line, "scoring.fit", "expected a list of fit rules");
		return -1;
	}
	m->fit = xcalloc(list->n ? list->n : 1, sizeof(*m->fit));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i], *name, *when;
		struct score_fit *f = &m->fit[m->nfit];

		snprintf(path, sizeof(path), "scoring.fit[%zu]", i);
		if (confread_check_keys(env->diags, item, path, allowed) != 0) {
			rc = -1;
			continue;
		}
		name = ytree_get(item, "name");
		when = ytree_get(item, "when");
		if (name == NULL || name->type != YNODE_SCALAR || !util_valid_id(name->value, 64)) {
			conf_diag_add(env->diags, 0, item->line, path,
			    "needs a name: 1-64 of letters, digits, _ . -");
			rc = -1;
			continue;
		}
		for (j = 0; j < m->nfit; j++)
			if (strcmp(m->fit[j].name, name->value) == 0)
				break;
		if (j < m->nfit) {
			conf_diag_add(env->diags, 0, item->line, path,
			    "duplicate fit rule name \"%s\" (first on line %d)", name->value,
			    m->fit[j].line);
			rc = -1;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.points", path);
		if (score_int(env->diags, ytree_get(item, "points"), sub, &f->points) == -1) {
			rc = -1;
			continue;
		}
		if (when == NULL) {
			conf_diag_add(env->diags, 0, item->line, path, "missing \"when\"");
			rc = -1;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.when", path);
		if (cond_parse_when(env, when, sub, &f->when) == -1) {
			cond_free(&f->when);
			rc = -1;
			continue;
		}
		if (score_uses_score(&f->when, env->fields)) {
			conf_diag_add(env->diags, 0, when->line, sub,
			    "fit conditions cannot use score, grade or mql (they are what is computed)");
			cond_free(&f->when);
			rc = -1;
			continue;
		}
		f->name = xstrdup(name->value);
		f->line = item->line;
		m->nfit++;
	}
	return rc;
}

static int
score_parse_behavior(struct conf_diags *d, const struct ynode *map, struct score_model *m)
{
	char path[160];
	size_t i;
	int rc = 0;

	if (map->type != YNODE_MAP) {
		conf_diag_add(d, 0, map->line, "scoring.behavior",
		    "expected a map of events to points, as in demo_request: 40");
		return -1;
	}
	m->behavior = xcalloc(map->n ? map->n : 1, sizeof(*m->behavior));
	for (i = 0; i < map->n; i++) {
		struct score_behavior *b = &m->behavior[m->nbehavior];

		snprintf(path, sizeof(path), "scoring.behavior.%s", map->keys[i]->value);
		if (score_int(d, map->items[i], path, &b->points) == -1) {
			rc = -1;
			continue;
		}
		b->event = xstrdup(map->keys[i]->value);
		b->reason = xasprintf("event:%s", b->event);
		m->nbehavior++;
	}
	return rc;
}

static int
score_grade_cmp(const void *a, const void *b)
{
	const struct score_grade *x = a, *y = b;

	return x->min > y->min ? -1 : x->min < y->min;
}

static int
score_parse_grades(struct conf_diags *d, const struct ynode *map, struct score_model *m)
{
	char path[160];
	size_t i, j;
	int rc = 0;

	if (map->type != YNODE_MAP || map->n == 0) {
		conf_diag_add(d, 0, map->line, "scoring.grades",
		    "expected a map of grades to minimum scores, as in A: 80");
		return -1;
	}
	m->grades = xcalloc(map->n, sizeof(*m->grades));
	for (i = 0; i < map->n; i++) {
		struct score_grade *g = &m->grades[m->ngrades];

		snprintf(path, sizeof(path), "scoring.grades.%s", map->keys[i]->value);
		if (!util_valid_id(map->keys[i]->value, 16)) {
			conf_diag_add(d, 0, map->keys[i]->line, path,
			    "bad grade name: 1-16 of letters, digits, _ . -");
			rc = -1;
			continue;
		}
		if (score_int(d, map->items[i], path, &g->min) == -1) {
			rc = -1;
			continue;
		}
		for (j = 0; j < m->ngrades; j++) {
			if (m->grades[j].min == g->min) {
				conf_diag_add(d, 0, map->items[i]->line, path,
				    "grades %s and %s start at the same score %d", m->grades[j].name,
				    map->keys[i]->value, g->min);
				rc = -1;
				break;
			}
		}
		if (j < m->ngrades)
			continue;
		g->name = xstrdup(map->keys[i]->value);
		g->line = map->keys[i]->line;
		m->ngrades++;
	}
	if (m->ngrades > 1)
		qsort(m->grades, m->ngrades, sizeof(*m->grades), score_grade_cmp);
	return rc;
}

int
score_parse(struct cond_env *env, const struct ynode *node, struct score_model *m)
{
	static const char *const allowed[] = { "fit", "behavior", "mql", "grades", "decay",
		"hold_below_mql", NULL };
	static const char *const decay_keys[] = { "half_life", "expire_after", NULL };
	const struct ynode *n;
	int rc = 0;

	memset(m, 0, sizeof(*m));
	if (confread_check_keys(env->diags, node, "scoring", allowed) != 0)
		return -1;
	if ((n = ytree_get(node, "fit")) != NULL && score_parse_fit(env, n, m) == -1)
		rc = -1;
	if ((n = ytree_get(node, "behavior")) != NULL && score_parse_behavior(env->diags, n, m) == -1)
		rc = -1;
	if ((n = ytree_get(node, "mql")) != NULL) {
		if (score_int(env->diags, n, "scoring.mql", &m->mql) == -1)
			rc = -1;
		else
			m->mql_set = 1;
	}
	if ((n = ytree_get(node, "grades")) != NULL && score_parse_grades(env->diags, n, m) == -1)
		rc = -1;
	if ((n = ytree_get(node, "decay")) != NULL) {
		const struct ynode *v;

		if (confread_check_keys(env->diags, n, "scoring.decay", decay_keys) != 0)
			rc = -1;
		else {
			if ((v = ytree_get(n, "half_life")) != NULL &&
			    confread_duration(env->diags, v, "scoring.decay.half_life", 60000,
			    3650LL * 86400000, &m->half_life_ms) == -1)
				rc = -1;
			if ((v = ytree_get(n, "expire_after")) != NULL &&
			    confread_duration(env->diags, v, "scoring.decay.expire_after", 60000,
			    3650LL * 86400000, &m->expire_ms) == -1)
				rc = -1;
		}
	}
	if (confread_bool(env->diags, node, "hold_below_mql", "scoring.hold_below_mql",
	    &m->hold_below_mql) == -1)
		rc = -1;
	else if (m->hold_below_mql && !m->mql_set) {
		conf_diag_add(env->diags, 0, ytree_get(node, "hold_below_mql")->line,
		    "scoring.hold_below_mql", "needs scoring.mql: the threshold a person is held below");
		rc = -1;
	}
	return rc;
}

void
score_free(struct score_model *m)
{
	size_t i;

	for (i = 0; i < m->nfit; i++) {
		free(m->fit[i].name);
		cond_free(&m->fit[i].when);
	}
	free(m->fit);
	for (i = 0; i < m->nbehavior; i++) {
		free(m->behavior[i].event);
		free(m->behavior[i].reason);
	}
	free(m->behavior);
	for (i = 0; i < m->ngrades; i++)
		free(m->grades[i].name);
	free(m->grades);
	memset(m, 0, sizeof(*m));
}

const struct score_grade *
score_find_grade(const struct score_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->ngrades; i++)
		if (strcmp(m->grades[i].name, name) == 0)
			return &m->grades[i];
	return NULL;
}

static void
score_hit(struct score_result *out, const char *reason, int points, int earned, int64_t at)
{
	if (out->nhits < SCORE_MAX_HITS) {
		out->hits[out->nhits].reason = reason;
		out->hits[out->nhits].points = points;
		out->hits[out->nhits].earned = earned;
		out->hits[out->nhits].at = at;
		out->nhits++;
	}
}

int
score_decayed(const struct score_model *m, int earned, int64_t at, int64_t now)
{
	int64_t age = now > at ? now - at : 0;

	if (m->expire_ms > 0 && age >= m->expire_ms)
		return 0;
	if (m->half_life_ms <= 0 || age == 0)
		return earned;
	return (int)lround((double)earned * exp2(-(double)age / (double)m->half_life_ms));
}

/* Keep an event's behaviour for next time, the oldest giving way when full. */
static void
score_keep(struct score_result *out, const char *reason, int earned, int64_t at)
{
	struct score_past *p;

	if (out->npast == SCORE_MAX_PAST) {
		memmove(&out->past[0], &out->past[1], (SCORE_MAX_PAST - 1) * sizeof(out->past[0]));
		out->npast--;
	}
	p = &out->past[out->npast++];
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	p->earned = earned;
	p->at = at;
}

void
score_lead(const struct score_model *m, struct cond_lead *lead, struct score_result *out)
{
	score_person(m, lead, NULL, 0, 0, out);
}

void
score_person(const struct score_model *m, struct cond_lead *lead,
    const struct score_past *past, size_t npast, int64_t now, struct score_result *out)
{
	const char *event = json_string_value(json_object_get(lead->fields, "event"));
	size_t i;
	int pts;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < m->nfit; i++) {
		if (cond_eval(&m->fit[i].when, lead)) {
			out->score += m->fit[i].points;
			score_hit(out, m->fit[i].name, m->fit[i].points, 0, 0);
		}
	}
	/* Past events as they count now; those worth nothing any more are let go. */
	for (i = 0; i < npast; i++) {
		if ((pts = score_decayed(m, past[i].earned, past[i].at, now)) == 0)
			continue;
		out->score += pts;
		score_keep(out, past[i].reason, past[i].earned, past[i].at);
		score_hit(out, past[i].reason, pts, past[i].earned, past[i].at);
	}
	for (i = 0; event != NULL && i < m->nbehavior; i++) {
		if (strcmp(m->behavior[i].event, event) == 0) {
			out->score += m->behavior[i].points;
			score_keep(out, m->behavior[i].reason, m->behavior[i].points, now);
			score_hit(out, m->behavior[i].reason, m->behavior[i].points,
			    m->behavior[i].points, now);
			break;
		}
	}
	out->mql = m->mql_set && out->score >= m->mql;
	for (i = 0; i < m->ngrades; i++)
		if (out->score >= m->grades[i].min)
			break;
	if (m->ngrades > 0)
		out->grade = m->grades[i < m->ngrades ? i : m->ngrades - 1].name;
	lead->has_score = 1;
	lead->score = out->score;
	lead->grade = out->grade;
	lead->mql = out->mql;
}
