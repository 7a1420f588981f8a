/*
 * cond.c — the rule condition language.
 *
 * A `when` map is a conjunction. Its keys are lead fields (a value means
 * equals, a list means one of, a map holds operators: eq in ieq iin prefix
 * suffix contains gte gt lte lt exists not) or the words any, all, not and
 * territory. Values are hashed when parsed and a lead's fields are looked up
 * once per lead, so evaluating many rules costs little more than comparing
 * integers.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/cond.h"
#include "leadroute/jsonw.h"
#include "leadroute/confread.h"
#include "leadroute/diag.h"
#include "leadroute/lead.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

/* A config path for messages ("rules[2].when.country"); long ones are cut short. */
static void LR_PRINTF(3, 4)
cond_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static char *
cond_lower_dup(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[len] = '\0';
	return out;
}

static int
cond_value_cmp(const void *a, const void *b)
{
	const struct cond_value *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

/* The slot of a field name in the table, adding it if new. */
static int
cond_field_slot(struct cond_fields *fields, const char *name)
{
	size_t i;

	for (i = 0; i < fields->n; i++)
		if (strcmp(fields->names[i], name) == 0)
			return (int)i;
	fields->names = xreallocarray(fields->names, fields->n + 1, sizeof(*fields->names));
	fields->names[fields->n] = xstrdup(name);
	return (int)fields->n++;
}

void
cond_fields_free(struct cond_fields *fields)
{
	size_t i;

	for (i = 0; i < fields->n; i++)
		free(fields->names[i]);
	free(fields->names);
	memset(fields, 0, sizeof(*fields));
}

const char *const *
cond_computed_fields(void)
{
	static const char *const names[] = { "score", "grade", "mql", "email_domain", NULL };

	return names;
}

/* Note that a condition at path reads field. */
static void
cond_add_use(struct cond_env *env, const char *field, const char *path, int line)
{
	struct cond_use *u;

	if (env->uses == NULL)
		return;
	env->uses->v = xreallocarray(env->uses->v, env->uses->n + 1, sizeof(*env->uses->v));
	u = &env->uses->v[env->uses->n++];
	u->field = xstrdup(field);
	u->path = xstrdup(path);
	u->line = line;
}

void
cond_uses_free(struct cond_uses *uses)
{
	size_t i;

	for (i = 0; i < uses->n; i++) {
		free(uses->v[i].field);
		free(uses->v[i].path);
	}
	free(uses->v);
	memset(uses, 0, sizeof(*uses));
}

/*
 * Scalars of a value or list node as hashed values (lower-cased if asked),
 * sorted; an unquoted value with a comma gets a warning (a list was meant).
 */
static int
cond_values(struct conf_diags *diags, const struct ynode *n, const char *path, int lower,
    struct cond_value **out, size_t *nout)
{
	const struct ynode *const *items = &n;
	size_t count = 1, i;

	if (n->type == YNODE_SEQ) {
		items = (const struct ynode *const *)n->items;
		count = n->n;
	}
	if (n->type == YNODE_MAP || count == 0) {
		conf_diag_add(diags, 0, n->line, path, "expected a value or a non-empty list of values");
		return -1;
	}
	*out = xcalloc(count, sizeof(**out));
	*nout = 0;
	for (i = 0; i < count; i++) {
		const struct ynode *it = items[i];
		struct cond_value *v = &(*out)[*nout];

		if (it->type != YNODE_SCALAR || ytree_is_null(it)) {
			conf_diag_add(diags, 0, it->line, path, "expected a value, got %s",
			    it->type == YNODE_SCALAR ? "nothing" : ytree_type_name(it->type));
			continue;
		}
		confread_comma_joined(diags, it, path, 1);
		v->len = strlen(it->value);
		v->s = lower ? cond_lower_dup(it->value, v->len) : xstrdup(it->value);
		v->hash = util_hash(v->s, v->len);
		(*nout)++;
	}
	if (*nout > 1)
		qsort(*out, *nout, sizeof(**out), cond_value_cmp);
	return *nout == count ? 0 : -1;
}

static int
cond_number(struct conf_diags *diags, const struct ynode *n, const char *path, double *out)
{
	char *end;

	if (n->type != YNODE_SCALAR || n->value[0] == '\0') {
		conf_diag_add(diags, 0, n->line, path, "expected a number");
		return -1;
	}
	errno = 0;
	*out = strtod(n->value, &end);
	if (*end != '\0' || errno != 0 || !isfinite(*out)) {
		conf_diag_add(diags, 0, n->line, path, "expected a number, got \"%s\"", n->value);
		return -1;
	}
	return 0;
}

static struct cond *
cond_add_kid(struct cond *parent)
{
	struct cond *k;

	parent->kids = xreallocarray(parent->kids, parent->nkids + 1, sizeof(*parent->kids));
	k = &parent->kids[parent->nkids++];
	memset(k, 0, sizeof(*k));
	k->field = -1;
	return k;
}

static int cond_parse_map(struct cond_env *, const struct ynode *, const char *, struct cond *);

/* Operators on one field (`employees: {gte: 200, lt: 1000}`) into leaves of parent. */
static int
cond_parse_ops(struct cond_env *env, int slot, const struct ynode *map, const char *path,
    struct cond *parent)
{
	struct cond *range = NULL, *k;
	char sub[256];
	size_t i;
	int rc = 0;

	if (map->n == 0) {
		conf_diag_add(env->diags, 0, map->line, path, "expected at least one operator");
		return -1;
	}
	for (i = 0; i < map->n; i++) {
		const char *op = map->keys[i]->value;
		const struct ynode *v = map->items[i];
		int line = map->keys[i]->line;

		cond_path(sub, sizeof(sub), "%s.%s", path, op);
		if (strcmp(op, "gte") == 0 || strcmp(op, "gt") == 0 ||
		    strcmp(op, "lte") == 0 || strcmp(op, "lt") == 0) {
			double num;

			if (cond_number(env->diags, v, sub, &num) == -1) {
				rc = -1;
				continue;
			}
			if (range == NULL) {
				range = cond_add_kid(parent);
				range->op = COND_RANGE;
				range->field = slot;
				range->line = line;
			}
			if (op[0] == 'g') {
				range->lo = num;
				range->lo_set = 1;
				range->lo_incl = op[2] == 'e';
			} else {
				range->hi = num;
				range->hi_set = 1;
				range->hi_incl = op[2] == 'e';
			}
			continue;
		}
		if (strcmp(op, "exists") == 0) {
			if (v->type != YNODE_SCALAR ||
			    (strcmp(v->value, "true") != 0 && strcmp(v->value, "false") != 0)) {
				conf_diag_add(env->diags, 0, v->line, sub, "expected true or false");
				rc = -1;
				continue;
			}
			k = cond_add_kid(parent);
			k->op = COND_EXISTS;
			k->field = slot;
			k->line = line;
			k->exists = v->value[0] == 't';
			continue;
		}
		if (strcmp(op, "not") == 0) {
			struct cond *inner;

			k = cond_add_kid(parent);
			k->op = COND_NOT;
			k->line = line;
			inner = cond_add_kid(k);
			inner->op = COND_ALL;
			inner->line = line;
			if (v->type == YNODE_MAP) {
				if (cond_parse_ops(env, slot, v, sub, inner) == -1)
					rc = -1;
			} else {
				struct cond *leaf = cond_add_kid(inner);

				leaf->op = COND_IN;
				leaf->field = slot;
				leaf->line = v->line;
				if (cond_values(env->diags, v, sub, 0, &leaf->values, &leaf->nvalues) == -1)
					rc = -1;
			}
			continue;
		}
		k = cond_add_kid(parent);
		k->field = slot;
		k->line = line;
		if (strcmp(op, "eq") == 0 || strcmp(op, "in") == 0)
			k->op = COND_IN;
		else if (strcmp(op, "ieq") == 0 || strcmp(op, "iin") == 0)
			k->op = COND_IIN;
		else if (strcmp(op, "prefix") == 0)
			k->op = COND_PREFIX;
		else if (strcmp(op, "suffix") == 0)
			k->op = COND_SUFFIX;
		else if (strcmp(op, "contains") == 0)
			k->op = COND_CONTAINS;
		else {
			conf_diag_add(env->diags, 0, line, sub,
			    "unknown operator \"%s\": use eq, in, ieq, iin, prefix, suffix, "
			    "contains, gte, gt, lte, lt, exists or not", op);
			parent->nkids--;
			rc = -1;
			continue;
		}
		if (strcmp(op, "eq") == 0 && v->type != YNODE_SCALAR) {
			conf_diag_add(env->diags, 0, v->line, sub, "eq takes one value; use in for a list");
			rc = -1;
			continue;
		}
		if (cond_values(env->diags, v, sub, k->op != COND_IN && k->op != COND_PREFIX,
		    &k->values, &k->nvalues) == -1)
			rc = -1;
	}
	return rc;
}

static const struct cond_territory *
cond_find_territory(const struct cond_env *env, const char *id)
{
	size_t i;

	for (i = 0; i < env->nterritories; i++)
		if (strcmp(env->territories[i].id, id) == 0)
			return &env->territories[i];
	return NULL;
}

/* `territory: dach` or `territory: [dach, benelux]` into a kid of parent. */
static int
cond_parse_territory_ref(struct cond_env *env, const struct ynode *v, const char *path,
    struct cond *parent)
{
	const struct ynode *const *items = &v;
	size_t count = 1, i;
	struct cond *any;
	int rc = 0;

	if (v->type == YNODE_SEQ) {
		items = (const struct ynode *const *)v->items;
		count = v->n;
	}
	if (v->type == YNODE_MAP || count == 0) {
		conf_diag_add(env->diags, 0, v->line, path, "expected a territory id or a list of them");
		return -1;
	}
	/* One territory is a leaf of its own; several are one of. */
	if (count == 1) {
		any = parent;
	} else {
		any = cond_add_kid(parent);
		any->op = COND_ANY;
		any->line = v->line;
	}
	for (i = 0; i < count; i++) {
		const struct cond_territory *t = NULL;
		struct cond *k;

		if (confread_comma_joined(env->diags, items[i], path, 0)) {
			rc = -1;
			continue;
		}
		if (items[i]->type == YNODE_SCALAR)
			t = cond_find_territory(env, items[i]->value);
		if (t == NULL) {
			conf_diag_add(env->diags, 0, items[i]->line, path, "unknown territory \"%s\"",
			    items[i]->type == YNODE_SCALAR ? items[i]->value : "?");
			rc = -1;
			continue;
		}
		k = cond_add_kid(any);
		k->op = COND_TERRITORY;
		k->line = items[i]->line;
		k->territory = t;
		k->field = cond_field_slot(env->fields, "country");
		k->state_slot = cond_field_slot(env->fields, "state");
		k->postal_slot = cond_field_slot(env->fields, "postal_code");
	}
	return rc;
}

/* A list of `when` maps (for any/all) into kids of parent. */
static int
cond_parse_list(struct cond_env *env, const struct ynode *v, const char *path, struct cond *parent)
{
	char sub[256];
	size_t i;
	int rc = 0;

	if (v->type != YNODE_SEQ || v->n == 0) {
		conf_diag_add(env->diags, 0, v->line, path, "expected a non-empty list of conditions");
		return -1;
	}
	for (i = 0; i < v->n; i++) {
		struct cond *k = cond_add_kid(parent);

		cond_path(sub, sizeof(sub), "%s[%zu]", path, i);
		k->op = COND_ALL;
		k->line = v->items[i]->line;
		if (cond_parse_map(env, v->items[i], sub, k) == -1)
			rc = -1;
	}
	return rc;
}

static int
cond_parse_map(struct cond_env *env, const struct ynode *map, const char *path, struct cond *c)
{
	char sub[256];
	size_t i;
	int rc = 0;

	if (map->type != YNODE_MAP || map->n == 0) {
		conf_diag_add(env->diags, 0, map->line, path,
		    "expected a map of conditions, as in country: [DE, FR]");
		return -1;
	}
	for (i = 0; i < map->n; i++) {
		const char *key = map->keys[i]->value;
		const struct ynode *v = map->items[i];
		struct cond *k;
		int slot;

		cond_path(sub, sizeof(sub), "%s.%s", path, key);
		if (strcmp(key, "any") == 0 || strcmp(key, "all") == 0) {
			k = cond_add_kid(c);
			k->op = key[1] == 'n' ? COND_ANY : COND_ALL;
			k->line = map->keys[i]->line;
			if (cond_parse_list(env, v, sub, k) == -1)
				rc = -1;
			continue;
		}
		if (strcmp(key, "not") == 0) {
			struct cond *inner;

			k = cond_add_kid(c);
			k->op = COND_NOT;
			k->line = map->keys[i]->line;
			inner = cond_add_kid(k);
			inner->op = COND_ALL;
			inner->line = v->line;
			if (cond_parse_map(env, v, sub, inner) == -1)
				rc = -1;
			continue;
		}
		if (strcmp(key, "territory") == 0) {
			if (cond_parse_territory_ref(env, v, sub, c) == -1)
				rc = -1;
			continue;
		}
		if (!util_valid_id(key, 64)) {
			conf_diag_add(env->diags, 0, map->keys[i]->line, sub, "bad field name \"%s\"", key);
			rc = -1;
			continue;
		}
		slot = cond_field_slot(env->fields, key);
		cond_add_use(env, key, sub, map->keys[i]->line);
		if (v->type == YNODE_MAP) {
			if (cond_parse_ops(env, slot, v, sub, c) == -1)
				rc = -1;
			continue;
		}
		k = cond_add_kid(c);
		k->op = COND_IN;
		k->field = slot;
		k->line = map->keys[i]->line;
		if (cond_values(env->diags, v, sub, 0, &k->values, &k->nvalues) == -1)
			rc = -1;
	}
	return rc;
}

int
cond_parse_when(struct cond_env *env, const struct ynode *when, const char *path, struct cond *c)
{
	memset(c, 0, sizeof(*c));
	c->op = COND_ALL;
	c->field = -1;
	c->line = when->line;
	return cond_parse_map(env, when, path, c);
}

/* "10115" or "80000-81999": a prefix, or a range of prefixes of one length. */
static int
cond_parse_postal(struct conf_diags *diags, const struct ynode *n, const char *path,
    struct cond_postal *p)
{
	const char *dash;

	if (n->type != YNODE_SCALAR || n->value[0] == '\0') {
		conf_diag_add(diags, 0, n->line, path, "expected a postal-code prefix or range");
		return -1;
	}
	confread_comma_joined(diags, n, path, 1);
	dash = strchr(n->value, '-');
	if (dash == NULL) {
		p->lo = xstrdup(n->value);
		p->hi = xstrdup(n->value);
		p->len = strlen(n->value);
		return 0;
	}
	p->lo = xstrndup(n->value, (size_t)(dash - n->value));
	p->hi = xstrdup(dash + 1);
	p->len = strlen(p->lo);
	if (p->len == 0 || strlen(p->hi) != p->len || strcmp(p->lo, p->hi) > 0) {
		conf_diag_add(diags, 0, n->line, path,
		    "bad range \"%s\": two codes of the same length, the lower first (as in 10000-14999)",
		    n->value);
		free(p->lo);
		free(p->hi);
		p->lo = p->hi = NULL;
		return -1;
	}
	return 0;
}

int
cond_parse_territory(struct conf_diags *diags, const struct ynode *item, const char *path,
    struct cond_territory *t)
{
	const struct ynode *n;
	char sub[128];
	size_t i;
	int rc = 0;

	if ((n = ytree_get(item, "countries")) != NULL) {
		cond_path(sub, sizeof(sub), "%s.countries", path);
		if (cond_values(diags, n, sub, 1, &t->countries, &t->ncountries) == -1)
			rc = -1;
	}
	if ((n = ytree_get(item, "states")) != NULL) {
		cond_path(sub, sizeof(sub), "%s.states", path);
		if (cond_values(diags, n, sub, 1, &t->states, &t->nstates) == -1)
			rc = -1;
	}
	if ((n = ytree_get(item, "postal_codes")) != NULL) {
		const struct ynode *const *items = (const struct ynode *const *)n->items;
		size_t count = n->n;

		cond_path(sub, sizeof(sub), "%s.postal_codes", path);
		if (n->type != YNODE_SEQ) {
			items = &n;
			count = 1;
		}
		t->postal = xcalloc(count, sizeof(*t->postal));
		for (i = 0; i < count; i++) {
			if (cond_parse_postal(diags, items[i], sub, &t->postal[t->npostal]) == 0)
				t->npostal++;
			else
				rc = -1;
		}
	}
	if (t->ncountries == 0 && t->nstates == 0 && t->npostal == 0 && rc == 0) {
		conf_diag_add(diags, 0, item->line, path,
		    "a territory needs countries, states or postal_codes");
		rc = -1;
	}
	return rc;
}

void
cond_free(struct cond *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nvalues; i++)
		free(c->values[i].s);
	free(c->values);
	for (i = 0; i < c->nkids; i++)
		cond_free(&c->kids[i]);
	free(c->kids);
	memset(c, 0, sizeof(*c));
}

static void
cond_values_free(struct cond_value *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].s);
	free(v);
}

void
cond_territory_free(struct cond_territory *t)
{
	size_t i;

	free(t->id);
	cond_values_free(t->countries, t->ncountries);
	cond_values_free(t->states, t->nstates);
	for (i = 0; i < t->npostal; i++) {
		free(t->postal[i].lo);
		free(t->postal[i].hi);
	}
	free(t->postal);
	memset(t, 0, sizeof(*t));
}

void
cond_lead_init(struct cond_lead *lead, const struct cond_fields *table, const json_t *fields)
{
	lead->fields = fields;
	lead->table = table;
	lead->slots = xcalloc(table->n ? table->n : 1, sizeof(*lead->slots));
	lead->in_territory = xcalloc(table->nterritories ? table->nterritories : 1, 1);
	lead->has_score = 0;
	lead->score = 0;
	lead->grade = NULL;
	lead->mql = 0;
}

void
cond_lead_free(struct cond_lead *lead)
{
	size_t i;

	for (i = 0; i < lead->table->n; i++)
		free(lead->slots[i].lower);
	free(lead->slots);
	free(lead->in_territory);
	lead->slots = NULL;
	lead->in_territory = NULL;
}

static void
cond_slot_number(struct cond_slot *s)
{
	char *end;

	if (s->len == 0 || s->len > 30)
		return;
	errno = 0;
	s->num = strtod(s->text, &end);
	s->has_num = *end == '\0' && errno == 0 && isfinite(s->num);
}

/* The lead's value for a field slot, computed on first use. */
static struct cond_slot *
cond_slot(struct cond_lead *lead, int field)
{
	struct cond_slot *s = &lead->slots[field];
	const char *name = lead->table->names[field];

	if (s->resolved)
		return s;
	s->resolved = 1;
	if (strcmp(name, "score") == 0 && lead->has_score) {
		s->len = util_format_int(s->buf, lead->score);
		s->text = s->buf;
	} else if (strcmp(name, "grade") == 0 && lead->grade != NULL) {
		s->text = lead->grade;
		s->len = strlen(s->text);
	} else if (strcmp(name, "mql") == 0 && lead->has_score) {
		s->text = lead->mql ? "true" : "false";
		s->len = strlen(s->text);
	} else if (strcmp(name, "email_domain") == 0) {
		const char *email = json_string_value(json_object_get(lead->fields, "email"));
		const char *at = email != NULL ? strrchr(email, '@') : NULL;

		if (at != NULL) {
			s->text = at + 1;
			s->len = strlen(s->text);
		}
	} else if ((s->text = lead_value_text(json_object_get(lead->fields, name), s->buf,
	    sizeof(s->buf))) != NULL) {
		s->len = strlen(s->text);	/* validated fields hold no NUL */
	}
	if (s->text == NULL)
		return s;
	s->present = 1;
	s->hash = util_hash(s->text, s->len);
	cond_slot_number(s);
	return s;
}

static void
cond_slot_lower(struct cond_slot *s)
{
	if (s->has_lower)
		return;
	s->has_lower = 1;
	s->lower = cond_lower_dup(s->text, s->len);
	s->lower_hash = util_hash(s->lower, s->len);
}

/* Is (s, len, hash) one of the sorted values? */
static int
cond_in(const struct cond_value *v, size_t n, const char *s, size_t len, uint64_t hash)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid].hash < hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && v[lo].hash == hash; lo++)
		if (v[lo].len == len && memcmp(v[lo].s, s, len) == 0)
			return 1;
	return 0;
}

static int
cond_in_territory(const struct cond *c, struct cond_lead *lead)
{
	const struct cond_territory *t = c->territory;
	struct cond_slot *s;
	size_t i;

	if (t->ncountries > 0) {
		s = cond_slot(lead, c->field);
		if (!s->present)
			return 0;
		cond_slot_lower(s);
		if (!cond_in(t->countries, t->ncountries, s->lower, s->len, s->lower_hash))
			return 0;
	}
	if (t->nstates > 0) {
		s = cond_slot(lead, c->state_slot);
		if (!s->present)
			return 0;
		cond_slot_lower(s);
		if (!cond_in(t->states, t->nstates, s->lower, s->len, s->lower_hash))
			return 0;
	}
	if (t->npostal > 0) {
		s = cond_slot(lead, c->postal_slot);
		if (!s->present)
			return 0;
		for (i = 0; i < t->npostal; i++) {
			const struct cond_postal *p = &t->postal[i];

			if (s->len >= p->len && memcmp(s->text, p->lo, p->len) >= 0 &&
			    memcmp(s->text, p->hi, p->len) <= 0)
				return 1;
		}
		return 0;
	}
	return 1;
}

int
cond_eval(const struct cond *c, struct cond_lead *lead)
{
	struct cond_slot *s;
	size_t i;

	switch (c->op) {
	case COND_ALL:
		for (i = 0; i < c->nkids; i++)
			if (!cond_eval(&c->kids[i], lead))
				return 0;
		return 1;
	case COND_ANY:
		for (i = 0; i < c->nkids; i++)
			if (cond_eval(&c->kids[i], lead))
				return 1;
		return 0;
	case COND_NOT:
		return !cond_eval(&c->kids[0], lead);
	case COND_TERRITORY:
		/* Many rules share a territory: work each out once per lead. */
		if (lead->in_territory[c->territory->index] == 0)
			lead->in_territory[c->territory->index] = cond_in_territory(c, lead) ? 2 : 1;
		return lead->in_territory[c->territory->index] == 2;
	default:
		break;
	}
	s = cond_slot(lead, c->field);
	if (c->op == COND_EXISTS)
		return s->present == c->exists;
	if (!s->present)
		return 0;
	switch (c->op) {
	case COND_IN:
		return cond_in(c->values, c->nvalues, s->text, s->len, s->hash);
	case COND_IIN:
		cond_slot_lower(s);
		return cond_in(c->values, c->nvalues, s->lower, s->len, s->lower_hash);
	case COND_PREFIX:
		for (i = 0; i < c->nvalues; i++)
			if (c->values[i].len <= s->len &&
			    memcmp(s->text, c->values[i].s, c->values[i].len) == 0)
				return 1;
		return 0;
	case COND_SUFFIX:
		cond_slot_lower(s);
		for (i = 0; i < c->nvalues; i++)
			if (c->values[i].len <= s->len && memcmp(s->lower + s->len - c->values[i].len,
			    c->values[i].s, c->values[i].len) == 0)
				return 1;
		return 0;
	case COND_CONTAINS:
		cond_slot_lower(s);
		for (i = 0; i < c->nvalues; i++)
			if (memmem(s->lower, s->len, c->values[i].s, c->values[i].len) != NULL)
				return 1;
		return 0;
	case COND_RANGE:
		if (!s->has_num)
			return 0;
		if (c->lo_set && (c->lo_incl ? s->num < c->lo : s->num <= c->lo))
			return 0;
		if (c->hi_set && (c->hi_incl ? s->num > c->hi : s->num >= c->hi))
			return 0;
		return 1;
	default:
		return 0;
	}
}

/* Every value of b is one of a's values (a and b sorted by hash). */
static int
cond_values_subset(const struct cond_value *b, size_t nb, const struct cond_value *a, size_t na)
{
	size_t i;

	for (i = 0; i < nb; i++)
		if (!cond_in(a, na, b[i].s, b[i].len, b[i].hash))
			return 0;
	return 1;
}

static int cond_leaf_implies(const struct cond *, const struct cond *,
    const struct cond_territory **);

/* Every code with one of the prefixes (IN or PREFIX values) lies in one of the postal ranges. */
static int
cond_postal_within(const struct cond_value *v, size_t nv, const struct cond_postal *p, size_t np)
{
	size_t i, j;

	for (i = 0; i < nv; i++) {
		for (j = 0; j < np; j++)
			if (v[i].len >= p[j].len && memcmp(v[i].s, p[j].lo, p[j].len) >= 0 &&
			    memcmp(v[i].s, p[j].hi, p[j].len) <= 0)
				break;
		if (j == np)
			return 0;
	}
	return nv > 0;
}

/* Every lead in territory in is also in t: each set t has holds in's. */
static int
cond_territory_within(const struct cond_territory *in, const struct cond_territory *t)
{
	size_t i, j;

	if (t->ncountries > 0 && (in->ncountries == 0 ||
	    !cond_values_subset(in->countries, in->ncountries, t->countries, t->ncountries)))
		return 0;
	if (t->nstates > 0 && (in->nstates == 0 ||
	    !cond_values_subset(in->states, in->nstates, t->states, t->nstates)))
		return 0;
	if (t->npostal == 0)
		return 1;
	for (i = 0; i < in->npostal; i++) {
		const struct cond_postal *r = &in->postal[i];

		for (j = 0; j < t->npostal; j++)
			if (r->len >= t->postal[j].len &&
			    memcmp(r->lo, t->postal[j].lo, t->postal[j].len) >= 0 &&
			    memcmp(r->hi, t->postal[j].hi, t->postal[j].len) <= 0)
				break;
		if (j == t->npostal)
			return 0;
	}
	return in->npostal > 0;
}

static int
cond_same_territory(const struct cond_territory *x, const struct cond_territory *y)
{
	return x == y || (x->id != NULL && y->id != NULL && strcmp(x->id, y->id) == 0);
}

/*
 * Leaf b puts the lead in a's territory, which has one kind of set (see
 * cond_implies_territory): b is that territory, a territory within it, or a
 * condition on the set's field whose every value is in the set.
 */
static int
cond_leaf_in_territory(const struct cond *b, const struct cond *a,
    const struct cond_territory **via)
{
	const struct cond_territory *t = a->territory;
	struct cond set;

	if (b->op == COND_TERRITORY) {
		if (cond_same_territory(b->territory, t))
			return 1;
		if (!cond_territory_within(b->territory, t))
			return 0;
	} else if (t->ncountries > 0 || t->nstates > 0) {
		/* Countries and states are compared ignoring case: an iin of the set. */
		memset(&set, 0, sizeof(set));
		set.op = COND_IIN;
		set.field = t->ncountries > 0 ? a->field : a->state_slot;
		set.values = t->ncountries > 0 ? t->countries : t->states;
		set.nvalues = t->ncountries > 0 ? t->ncountries : t->nstates;
		if (!cond_leaf_implies(b, &set, NULL))
			return 0;
	} else if (b->field != a->postal_slot || (b->op != COND_IN && b->op != COND_PREFIX) ||
	    !cond_postal_within(b->values, b->nvalues, t->postal, t->npostal)) {
		return 0;
	}
	if (via != NULL)
		*via = t;
	return 1;
}

/* Leaf b implies leaf a: both about one field, or a territory and what puts a lead in it. */
static int
cond_leaf_implies(const struct cond *b, const struct cond *a, const struct cond_territory **via)
{
	size_t i, j;

	if (a->op == COND_TERRITORY)
		return cond_leaf_in_territory(b, a, via);
	if (b->op == COND_TERRITORY) {
		/* In the territory, the lead's country (or state) is one of its set, in any case. */
		const struct cond_territory *t = b->territory;
		int in = 0;

		if (a->op == COND_IIN && a->field == b->field && t->ncountries > 0)
			in = cond_values_subset(t->countries, t->ncountries, a->values, a->nvalues);
		else if (a->op == COND_IIN && a->field == b->state_slot && t->nstates > 0)
			in = cond_values_subset(t->states, t->nstates, a->values, a->nvalues);
		if (in && via != NULL)
			*via = t;
		return in;
	}
	if (a->field != b->field)
		return 0;
	if (a->op == COND_EXISTS)
		return a->exists ? b->op != COND_EXISTS || b->exists : b->op == COND_EXISTS && !b->exists;
	if (b->op == COND_EXISTS)
		return 0;
	switch (a->op) {
	case COND_IN:
		return b->op == COND_IN && cond_values_subset(b->values, b->nvalues, a->values, a->nvalues);
	case COND_IIN:
		if (b->op == COND_IIN)
			return cond_values_subset(b->values, b->nvalues, a->values, a->nvalues);
		if (b->op != COND_IN)
			return 0;
		for (i = 0; i < b->nvalues; i++) {
			char *low = cond_lower_dup(b->values[i].s, b->values[i].len);
			int in = cond_in(a->values, a->nvalues, low, b->values[i].len,
			    util_hash(low, b->values[i].len));

			free(low);
			if (!in)
				return 0;
		}
		return 1;
	case COND_PREFIX:
		if (b->op != COND_PREFIX && b->op != COND_IN)
			return 0;
		for (i = 0; i < b->nvalues; i++) {
			for (j = 0; j < a->nvalues; j++)
				if (a->values[j].len <= b->values[i].len &&
				    memcmp(b->values[i].s, a->values[j].s, a->values[j].len) == 0)
					break;
			if (j == a->nvalues)
				return 0;
		}
		return 1;
	case COND_RANGE:
		if (b->op == COND_IN) {
			for (i = 0; i < b->nvalues; i++) {
				char *end;
				double v = strtod(b->values[i].s, &end);

				if (*end != '\0' || b->values[i].len == 0 ||
				    (a->lo_set && (a->lo_incl ? v < a->lo : v <= a->lo)) ||
				    (a->hi_set && (a->hi_incl ? v > a->hi : v >= a->hi)))
					return 0;
			}
			return 1;
		}
		if (b->op != COND_RANGE)
			return 0;
		if (a->lo_set && (!b->lo_set || b->lo < a->lo ||
		    (b->lo == a->lo && b->lo_incl && !a->lo_incl)))
			return 0;
		if (a->hi_set && (!b->hi_set || b->hi > a->hi ||
		    (b->hi == a->hi && b->hi_incl && !a->hi_incl)))
			return 0;
		return 1;
	default:
		return 0;
	}
}

static int cond_implies_r(const struct cond *, const struct cond *,
    const struct cond_territory **);

/*
 * A lead is in a territory when each of its sets (countries, states, postal
 * codes) holds the lead's value: b implies a territory with more than one
 * set when it implies each set on its own, as a territory of that set alone.
 */
static int
cond_implies_territory(const struct cond *b, const struct cond *a,
    const struct cond_territory **via)
{
	const struct cond_territory *t = a->territory, *through = NULL;
	struct cond_territory part;
	struct cond leaf;
	int kind;

	for (kind = 0; kind < 3; kind++) {
		memset(&part, 0, sizeof(part));
		part.id = t->id;
		part.line = t->line;
		part.index = t->index;
		if (kind == 0 && t->ncountries > 0) {
			part.countries = t->countries;
			part.ncountries = t->ncountries;
		} else if (kind == 1 && t->nstates > 0) {
			part.states = t->states;
			part.nstates = t->nstates;
		} else if (kind == 2 && t->npostal > 0) {
			part.postal = t->postal;
			part.npostal = t->npostal;
		} else {
			continue;
		}
		leaf = *a;
		leaf.territory = &part;
		if (!cond_implies_r(b, &leaf, &through))
			return 0;
	}
	if (through != NULL)
		*via = t;
	return 1;
}

/* cond_implies; *via is left as it was when the answer is no. */
static int
cond_implies_r(const struct cond *b, const struct cond *a, const struct cond_territory **via)
{
	const struct cond_territory *was = *via;
	size_t i;

	if (a->op == COND_ALL) {
		for (i = 0; i < a->nkids; i++) {
			if (!cond_implies_r(b, &a->kids[i], via)) {
				*via = was;
				return 0;
			}
		}
		return 1;
	}
	if (a->op == COND_TERRITORY && (a->territory->ncountries > 0) +
	    (a->territory->nstates > 0) + (a->territory->npostal > 0) > 1)
		return cond_implies_territory(b, a, via);
	if (b->op == COND_ANY) {
		for (i = 0; i < b->nkids; i++) {
			if (!cond_implies_r(&b->kids[i], a, via)) {
				*via = was;
				return 0;
			}
		}
		return b->nkids > 0;
	}
	if (a->op == COND_ANY) {
		for (i = 0; i < a->nkids; i++) {
			if (cond_implies_r(b, &a->kids[i], via))
				return 1;
			*via = was;
		}
		if (b->op != COND_ALL)
			return 0;
	}
	if (b->op == COND_ALL) {
		for (i = 0; i < b->nkids; i++) {
			if (cond_implies_r(&b->kids[i], a, via))
				return 1;
			*via = was;
		}
		return 0;
	}
	if (a->op == COND_ANY || a->op == COND_NOT || b->op == COND_NOT)
		return 0;
	return cond_leaf_implies(b, a, via);
}

int
cond_implies(const struct cond *b, const struct cond *a)
{
	const struct cond_territory *via = NULL;

	return cond_implies_r(b, a, &via);
}

int
cond_implies_via(const struct cond *b, const struct cond *a, const struct cond_territory **via)
{
	*via = NULL;
	return cond_implies_r(b, a, via);
}

int
cond_never(const struct cond *c)
{
	size_t i;

	switch (c->op) {
	case COND_ALL:
		for (i = 0; i < c->nkids; i++)
			if (cond_never(&c->kids[i]))
				return 1;
		/* Two ranges on one field that do not overlap. */
		for (i = 0; i < c->nkids; i++) {
			size_t j;

			for (j = i + 1; j < c->nkids; j++) {
				const struct cond *x = &c->kids[i], *y = &c->kids[j];
				struct cond both;

				if (x->op != COND_RANGE || y->op != COND_RANGE || x->field != y->field)
					continue;
				both = *x;
				if (y->lo_set && (!both.lo_set || y->lo > both.lo ||
				    (y->lo == both.lo && !y->lo_incl))) {
					both.lo = y->lo;
					both.lo_set = 1;
					both.lo_incl = y->lo_incl;
				}
				if (y->hi_set && (!both.hi_set || y->hi < both.hi ||
				    (y->hi == both.hi && !y->hi_incl))) {
					both.hi = y->hi;
					both.hi_set = 1;
					both.hi_incl = y->hi_incl;
				}
				if (cond_never(&both))
					return 1;
			}
		}
		return 0;
	case COND_ANY:
		for (i = 0; i < c->nkids; i++)
			if (!cond_never(&c->kids[i]))
				return 0;
		return 1;
	case COND_RANGE:
		return c->lo_set && c->hi_set &&
		    (c->lo > c->hi || (c->lo == c->hi && !(c->lo_incl && c->hi_incl)));
	case COND_IN:
		return c->nvalues == 0;
	default:
		return 0;
	}
}

/* A bound as JSON: 200, not 200.000000. */
static void
cond_write_number(struct jsonw *w, const char *key, double v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%.15g", v);

	jsonw_raw(w, key, num, (size_t)n);
}

/* The member name of a value list's operator, as the config writes it. */
static const char *
cond_op_name(enum cond_op op)
{
	switch (op) {
	case COND_IN:
		return "in";
	case COND_IIN:
		return "iin";
	case COND_PREFIX:
		return "prefix";
	case COND_SUFFIX:
		return "suffix";
	case COND_CONTAINS:
		return "contains";
	default:
		return NULL;
	}
}

void
cond_write_json(const struct cond *c, const struct cond_fields *fields, struct jsonw *w,
    const char *key)
{
	const char *field = c->field >= 0 && (size_t)c->field < fields->n ?
	    fields->names[c->field] : NULL;
	size_t i;

	if (c->op == COND_ALL && c->nkids == 1) {
		cond_write_json(&c->kids[0], fields, w, key);
		return;
	}
	jsonw_begin_object(w, key);
	switch (c->op) {
	case COND_ALL:
	case COND_ANY:
		jsonw_begin_array(w, c->op == COND_ALL ? "all" : "any");
		for (i = 0; i < c->nkids; i++)
			cond_write_json(&c->kids[i], fields, w, NULL);
		jsonw_end_array(w);
		break;
	case COND_NOT:
		if (c->nkids > 0)
			cond_write_json(&c->kids[0], fields, w, "not");
		break;
	case COND_IN:
	case COND_IIN:
	case COND_PREFIX:
	case COND_SUFFIX:
	case COND_CONTAINS:
		jsonw_string(w, "field", field);
		jsonw_begin_array(w, cond_op_name(c->op));
		for (i = 0; i < c->nvalues; i++)
			jsonw_string(w, NULL, c->values[i].s);
		jsonw_end_array(w);
		break;
	case COND_RANGE:
		jsonw_string(w, "field", field);
		if (c->lo_set)
			cond_write_number(w, c->lo_incl ? "gte" : "gt", c->lo);
		if (c->hi_set)
			cond_write_number(w, c->hi_incl ? "lte" : "lt", c->hi);
		break;
	case COND_EXISTS:
		jsonw_string(w, "field", field);
		jsonw_bool(w, "exists", c->exists);
		break;
	case COND_TERRITORY:
		jsonw_string(w, "territory", c->territory != NULL ? c->territory->id : NULL);
		break;
	}
	jsonw_end_object(w);
}
