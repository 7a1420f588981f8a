/*
 * mapping.c — turn what a sender posts into our leads. A spec (a preset,
 * adjusted or not) is compiled once when the config loads; applying it reads
 * the body strictly (JSON or a form), finds the events, and builds one lead
 * per event from JSON pointers, constants, transforms and value maps.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "leadroute/form.h"
#include "leadroute/lead.h"
#include "leadroute/mapping.h"
#include "leadroute/util.h"

#define MAPPING_ID_MAX		200	/* the daemon prefixes "src:<source>:" to make a key */
#define MAPPING_TRANSFORMS_MAX	8
#define MAPPING_FIELD_MAX	64	/* as lead_validate allows */
#define MAPPING_TOKEN_MAX	256	/* one reference token of a pointer */

#define MAPPING_DEFAULT_EVENTS	100
#define MAPPING_DEFAULT_DEPTH	32
#define MAPPING_DEFAULT_PAIRS	1000

enum transform {
	TR_LOWERCASE,
	TR_UPPERCASE,
	TR_TRIM,
	TR_FIRST_WORD,
	TR_REST_WORDS,
	TR_DIGITS,
	TR_NUMBER,
};

static const char *const transform_names[] = {
	[TR_LOWERCASE] = "lowercase", [TR_UPPERCASE] = "uppercase", [TR_TRIM] = "trim",
	[TR_FIRST_WORD] = "first_word", [TR_REST_WORDS] = "rest_words", [TR_DIGITS] = "digits",
	[TR_NUMBER] = "number",
};

enum batch {
	BATCH_EITHER,
	BATCH_SINGLE,
	BATCH_ARRAY,
};

/* One way to fill a lead field. */
struct map_rule {
	char		**from;		/* pointers: the first that gives a value wins */
	size_t		  nfrom;
	enum transform	  tr[MAPPING_TRANSFORMS_MAX];
	size_t		  ntr;
	json_t		 *map;		/* text → replacement (null: absent), or NULL */
	json_t		 *def;		/* when nothing is found, or NULL */
	char		 *when;		/* take the rule only when the event has when_value here */
	char		 *when_value;
};

struct map_field {
	char		*name;
	struct map_rule	*rules;		/* the first that gives a value wins */
	size_t		 nrules;
};

/* A condition of "only": the event's value at ptr is one of values. */
struct map_only {
	char		 *ptr;
	char		**values;
	size_t		  nvalues;
};

struct mapping {
	int		  form;
	enum batch	  batch;
	char		 *events;	/* where the events are; NULL: the body */
	char		**event_id;
	size_t		  nevent_id;
	struct map_only	 *only;
	size_t		  nonly;
	int		  passthrough;
	int		  activity;	/* kind: activity — events are actions on leads */
	struct map_field *fields;
	size_t		  nfields;
	json_t		 *constants;
};

/* A compile error's text (malloc'd). */
static char *LR_PRINTF(1, 2)
mapping_cause(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return xstrdup(msg);
}

/* Why s is not an RFC 6901 pointer, or NULL when it is one. */
static const char *
mapping_pointer_problem(const char *s)
{
	const char *p;

	if (s[0] != '\0' && s[0] != '/')
		return "they start with /";
	for (p = s; (p = strchr(p, '~')) != NULL; p++)
		if (p[1] != '0' && p[1] != '1')
			return "~ must be followed by 0 or 1";
	return NULL;
}

/* RFC 6901: the value at ptr in doc (borrowed), or NULL. */
static const json_t *
mapping_pointer(const json_t *doc, const char *ptr)
{
	char tok[MAPPING_TOKEN_MAX];

	while (doc != NULL && *ptr == '/') {
		size_t n = 0;

		for (ptr++; *ptr != '\0' && *ptr != '/'; ptr++) {
			char c = *ptr;

			if (c == '~') {
				c = ptr[1] == '0' ? '~' : ptr[1] == '1' ? '/' : '\0';
				if (c == '\0')
					return NULL;
				ptr++;
			}
			if (n + 1 >= sizeof(tok))
				return NULL;
			tok[n++] = c;
		}
		tok[n] = '\0';
		if (json_is_object(doc)) {
			doc = json_object_get(doc, tok);
		} else if (json_is_array(doc)) {
			/* Array indexes are digits without leading zeros; "-" names nothing. */
			if (n == 0 || n > 9 || strspn(tok, "0123456789") != n ||
			    (n > 1 && tok[0] == '0'))
				return NULL;
			doc = json_array_get(doc, strtoul(tok, NULL, 10));
		} else {
			return NULL;
		}
	}
	return *ptr == '\0' ? doc : NULL;
}

/* A string, number or boolean: what a lead field can hold. */
static int
mapping_is_scalar(const json_t *v)
{
	return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

/* A pointer or a list of them into *out; -1 with *cause. */
static int
mapping_pointers(const json_t *v, const char *where, char ***out, size_t *n, char **cause)
{
	const char *p, *why;
	json_t *list;
	size_t i;

	if (json_is_string(v)) {
		list = json_pack("[O]", v);
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		list = json_incref((json_t *)v);
	} else {
		*cause = mapping_cause("%s: expected a JSON pointer or a list of them", where);
		return -1;
	}
	*out = xcalloc(json_array_size(list), sizeof(char *));
	for (i = 0; i < json_array_size(list); i++) {
		if ((p = json_string_value(json_array_get(list, i))) == NULL) {
			*cause = mapping_cause("%s: expected a JSON pointer or a list of them", where);
			goto fail;
		}
		if ((why = mapping_pointer_problem(p)) != NULL) {
			*cause = mapping_cause("%s: \"%s\" is not a JSON pointer (%s)", where, p, why);
			goto fail;
		}
		(*out)[(*n)++] = xstrdup(p);
	}
	json_decref(list);
	return 0;
fail:
	json_decref(list);
	return -1;
}

/* The transforms of a rule; "number" may only come last. */
static int
mapping_compile_transforms(const json_t *v, const char *where, struct map_rule *r, char **cause)
{
	json_t *list = json_is_string(v) ? json_pack("[O]", v) : json_incref((json_t *)v);
	const json_t *tr;
	const char *name;
	size_t i, j;

	if (!json_is_array(list) || json_array_size(list) > MAPPING_TRANSFORMS_MAX) {
		*cause = mapping_cause("%s.transform: expected a name or a list of at most %d names",
		    where, MAPPING_TRANSFORMS_MAX);
		goto fail;
	}
	json_array_foreach(list, i, tr) {
		name = json_string_value(tr);
		for (j = 0; name != NULL && j < LR_NELEM(transform_names); j++)
			if (strcmp(name, transform_names[j]) == 0)
				break;
		if (name == NULL || j == LR_NELEM(transform_names)) {
			*cause = mapping_cause("%s.transform: unknown transform \"%s\" (lowercase, "
			    "uppercase, trim, first_word, rest_words, digits, number)", where,
			    name != NULL ? name : "?");
			goto fail;
		}
		if (r->ntr > 0 && r->tr[r->ntr - 1] == TR_NUMBER) {
			*cause = mapping_cause("%s.transform: number must come last", where);
			goto fail;
		}
		r->tr[r->ntr++] = (enum transform)j;
	}
	json_decref(list);
	return 0;
fail:
	json_decref(list);
	return -1;
}

/* A "when" of a rule: {"/pointer": value}. */
static int
mapping_compile_when(const json_t *v, const char *where, struct map_rule *r, char **cause)
{
	const char *p = NULL, *text = NULL;
	const json_t *want = NULL;
	char tmp[64];

	if (json_is_object(v) && json_object_size(v) == 1) {
		json_object_foreach((json_t *)v, p, want)
			break;
		if (mapping_pointer_problem(p) == NULL && mapping_is_scalar(want))
			text = lead_value_text(want, tmp, sizeof(tmp));
	}
	if (text == NULL) {
		*cause = mapping_cause("%s.when: expected {\"/pointer\": \"value\"}", where);
		return -1;
	}
	r->when = xstrdup(p);
	r->when_value = xstrdup(text);
	return 0;
}

/* One rule: a pointer, or {from, transform, map, default, when}. */
static int
mapping_compile_rule(const json_t *spec, const char *where, struct map_rule *r, char **cause)
{
	static const char *const keys[] = { "from", "transform", "map", "default", "when", NULL };
	const json_t *v, *mv;
	const char *key;
	char sub[200];
	size_t i;

	if (json_is_string(spec))
		return mapping_pointers(spec, where, &r->from, &r->nfrom, cause);
	if (!json_is_object(spec)) {
		*cause = mapping_cause("%s: expected a JSON pointer or {from, transform, map, "
		    "default, when}", where);
		return -1;
	}
	json_object_foreach((json_t *)spec, key, v) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
			;
		if (keys[i] == NULL) {
			*cause = mapping_cause("%s: unknown member \"%s\"", where, key);
			return -1;
		}
	}
	snprintf(sub, sizeof(sub), "%.180s.from", where);
	if ((v = json_object_get(spec, "from")) != NULL &&
	    mapping_pointers(v, sub, &r->from, &r->nfrom, cause) == -1)
		return -1;
	if ((v = json_object_get(spec, "default")) == NULL && r->nfrom == 0) {
		*cause = mapping_cause("%s: needs from or default", where);
		return -1;
	}
	if (v != NULL) {
		if (!mapping_is_scalar(v)) {
			*cause = mapping_cause("%s.default: expected a string, number or boolean",
			    where);
			return -1;
		}
		r->def = json_incref((json_t *)v);
	}
	if ((v = json_object_get(spec, "transform")) != NULL &&
	    mapping_compile_transforms(v, where, r, cause) == -1)
		return -1;
	if ((v = json_object_get(spec, "map")) != NULL) {
		if (!json_is_object(v)) {
			*cause = mapping_cause("%s.map: expected an object of value: replacement", where);
			return -1;
		}
		json_object_foreach((json_t *)v, key, mv) {
			if (!mapping_is_scalar(mv) && !json_is_null(mv)) {
				*cause = mapping_cause("%s.map.%s: expected a string, number, boolean or "
				    "null", where, key);
				return -1;
			}
		}
		r->map = json_incref((json_t *)v);
	}
	if ((v = json_object_get(spec, "when")) != NULL &&
	    mapping_compile_when(v, where, r, cause) == -1)
		return -1;
	return 0;
}

/* A lead field name lead_validate() accepts. */
static int
mapping_valid_field(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= MAPPING_FIELD_MAX;
}

/* A lead field's rule, or list of rules. */
static int
mapping_compile_field(struct mapping *m, const char *name, const json_t *spec, char **cause)
{
	struct map_field *f;
	json_t *list;
	const json_t *item;
	char where[160];
	size_t i;

	if (!mapping_valid_field(name)) {
		*cause = mapping_cause("fields: lead field names are 1-%d characters",
		    MAPPING_FIELD_MAX);
		return -1;
	}
	list = json_is_array(spec) ? json_incref((json_t *)spec) : json_pack("[O]", spec);
	if (json_array_size(list) == 0) {
		json_decref(list);
		*cause = mapping_cause("fields.%s: an empty list of rules", name);
		return -1;
	}
	m->fields = xreallocarray(m->fields, m->nfields + 1, sizeof(*m->fields));
	f = &m->fields[m->nfields++];
	f->name = xstrdup(name);
	f->rules = xcalloc(json_array_size(list), sizeof(*f->rules));
	f->nrules = 0;
	json_array_foreach(list, i, item) {
		if (json_is_array(spec))
			snprintf(where, sizeof(where), "fields.%s[%zu]", name, i);
		else
			snprintf(where, sizeof(where), "fields.%s", name);
		f->nrules++;
		if (mapping_compile_rule(item, where, &f->rules[i], cause) == -1) {
			json_decref(list);
			return -1;
		}
	}
	json_decref(list);
	return 0;
}

/* "only": {"/pointer": [values]} (a single value is a list of one). */
static int
mapping_compile_only(struct mapping *m, const json_t *v, char **cause)
{
	const json_t *vals, *item;
	const char *key, *why, *text;
	char tmp[64];
	size_t i;

	if (!json_is_object(v)) {
		*cause = mapping_cause("only: expected {\"/pointer\": [values]}");
		return -1;
	}
	m->only = xcalloc(json_object_size(v), sizeof(*m->only));
	json_object_foreach((json_t *)v, key, vals) {
		struct map_only *o = &m->only[m->nonly++];

		o->ptr = xstrdup(key);
		if ((why = mapping_pointer_problem(key)) != NULL) {
			*cause = mapping_cause("only: \"%s\" is not a JSON pointer (%s)", key, why);
			return -1;
		}
		if (mapping_is_scalar(vals)) {
			o->values = xcalloc(1, sizeof(char *));
			o->values[o->nvalues++] = xstrdup(lead_value_text(vals, tmp, sizeof(tmp)));
			continue;
		}
		if (!json_is_array(vals) || json_array_size(vals) == 0) {
			*cause = mapping_cause("only.%s: expected a list of values", key);
			return -1;
		}
		o->values = xcalloc(json_array_size(vals), sizeof(char *));
		json_array_foreach(vals, i, item) {
			if (!mapping_is_scalar(item) ||
			    (text = lead_value_text(item, tmp, sizeof(tmp))) == NULL) {
				*cause = mapping_cause("only.%s[%zu]: expected a string, number or "
				    "boolean", key, i);
				return -1;
			}
			o->values[o->nvalues++] = xstrdup(text);
		}
	}
	return 0;
}

/* The spec itself, or the preset it names with its members laid over (a new reference). */
static json_t *
mapping_merge(const json_t *spec, char **cause)
{
	const char *preset = json_string_value(json_object_get(spec, "preset")), *key, *f;
	json_t *base, *v, *fields, *fv;

	if (json_object_get(spec, "preset") == NULL)
		return json_deep_copy(spec);
	if (preset == NULL || (base = mapping_preset(preset)) == NULL) {
		*cause = mapping_cause("preset: unknown preset \"%s\" (hubspot_webhooks, "
		    "hubspot_workflow, marketo, salesforce_form, webform, generic, hubspot_activity, "
		    "salesforce_task)",
		    preset != NULL ? preset : "?");
		return NULL;
	}
	json_object_foreach((json_t *)spec, key, v) {
		if (strcmp(key, "preset") == 0)
			continue;
		if (strcmp(key, "fields") != 0 || !json_is_object(v)) {
			json_object_set(base, key, v);
			continue;
		}
		if ((fields = json_object_get(base, "fields")) == NULL) {
			fields = json_object();
			json_object_set_new(base, "fields", fields);
		}
		json_object_foreach(v, f, fv) {
			if (json_is_null(fv))
				json_object_del(fields, f);
			else
				json_object_set(fields, f, fv);
		}
	}
	return base;
}

struct mapping *
mapping_compile(const json_t *spec, char **cause)
{
	static const char *const keys[] = { "preset", "kind", "format", "batch", "events",
	    "event_id", "only", "passthrough", "fields", "constants", NULL };
	struct mapping *m = xcalloc(1, sizeof(*m));
	const json_t *v, *fv;
	const char *key, *s, *why;
	json_t *full = NULL;
	size_t i;

	*cause = NULL;
	if (!json_is_object(spec)) {
		*cause = mapping_cause("a mapping is an object");
		goto fail;
	}
	json_object_foreach((json_t *)spec, key, v) {
		for (i = 0; keys[i] != NULL && strcmp(keys[i], key) != 0; i++)
			;
		if (keys[i] == NULL) {
			*cause = mapping_cause("unknown member \"%s\"", key);
			goto fail;
		}
	}
	if ((full = mapping_merge(spec, cause)) == NULL)
		goto fail;
	if ((v = json_object_get(full, "format")) != NULL) {
		s = json_string_value(v);
		if (s == NULL || (strcmp(s, "json") != 0 && strcmp(s, "form") != 0)) {
			*cause = mapping_cause("format: expected json or form");
			goto fail;
		}
		m->form = strcmp(s, "form") == 0;
	}
	if ((v = json_object_get(full, "kind")) != NULL) {
		s = json_string_value(v);
		if (s == NULL || (strcmp(s, "leads") != 0 && strcmp(s, "activity") != 0)) {
			*cause = mapping_cause("kind: expected leads or activity");
			goto fail;
		}
		m->activity = strcmp(s, "activity") == 0;
	}
	if ((v = json_object_get(full, "batch")) != NULL) {
		s = json_string_value(v);
		if (s != NULL && strcmp(s, "single") == 0)
			m->batch = BATCH_SINGLE;
		else if (s != NULL && strcmp(s, "array") == 0)
			m->batch = BATCH_ARRAY;
		else if (s == NULL || strcmp(s, "either") != 0) {
			*cause = mapping_cause("batch: expected single, array or either");
			goto fail;
		}
	}
	if (m->form && m->batch == BATCH_ARRAY) {
		*cause = mapping_cause("batch: a form is one event (single or either)");
		goto fail;
	}
	if ((v = json_object_get(full, "events")) != NULL) {
		if ((s = json_string_value(v)) == NULL) {
			*cause = mapping_cause("events: expected a JSON pointer");
			goto fail;
		}
		if ((why = mapping_pointer_problem(s)) != NULL) {
			*cause = mapping_cause("events: \"%s\" is not a JSON pointer (%s)", s, why);
			goto fail;
		}
		m->events = xstrdup(s);
	}
	if ((v = json_object_get(full, "event_id")) != NULL &&
	    mapping_pointers(v, "event_id", &m->event_id, &m->nevent_id, cause) == -1)
		goto fail;
	if ((v = json_object_get(full, "only")) != NULL && mapping_compile_only(m, v, cause) == -1)
		goto fail;
	if ((v = json_object_get(full, "passthrough")) != NULL) {
		if (!json_is_boolean(v)) {
			*cause = mapping_cause("passthrough: expected true or false");
			goto fail;
		}
		m->passthrough = json_is_true(v);
	}
	if ((v = json_object_get(full, "fields")) != NULL) {
		if (!json_is_object(v)) {
			*cause = mapping_cause("fields: expected an object of lead field: rule");
			goto fail;
		}
		json_object_foreach((json_t *)v, key, fv)
			if (mapping_compile_field(m, key, fv, cause) == -1)
				goto fail;
	}
	m->constants = json_object();
	if ((v = json_object_get(full, "constants")) != NULL) {
		if (!json_is_object(v)) {
			*cause = mapping_cause("constants: expected an object of lead field: value");
			goto fail;
		}
		json_object_foreach((json_t *)v, key, fv) {
			if (!mapping_valid_field(key)) {
				*cause = mapping_cause("constants: lead field names are 1-%d characters",
				    MAPPING_FIELD_MAX);
				goto fail;
			}
			if (!mapping_is_scalar(fv)) {
				*cause = mapping_cause("constants.%s: expected a string, number or boolean",
				    key);
				goto fail;
			}
			json_object_set(m->constants, key, (json_t *)fv);
		}
	}
	if (m->nfields == 0 && !m->passthrough && json_object_size(m->constants) == 0) {
		*cause = mapping_cause("fields: a mapping needs fields (or passthrough)");
		goto fail;
	}
	json_decref(full);
	return m;
fail:
	json_decref(full);
	mapping_free(m);
	return NULL;
}

/* Release what a rule holds (not the rule itself). */
static void
mapping_free_rule(struct map_rule *r)
{
	size_t i;

	for (i = 0; i < r->nfrom; i++)
		free(r->from[i]);
	free(r->from);
	json_decref(r->map);
	json_decref(r->def);
	free(r->when);
	free(r->when_value);
}

void
mapping_free(struct mapping *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	free(m->events);
	for (i = 0; i < m->nevent_id; i++)
		free(m->event_id[i]);
	free(m->event_id);
	for (i = 0; i < m->nonly; i++) {
		for (j = 0; j < m->only[i].nvalues; j++)
			free(m->only[i].values[j]);
		free(m->only[i].values);
		free(m->only[i].ptr);
	}
	free(m->only);
	for (i = 0; i < m->nfields; i++) {
		for (j = 0; j < m->fields[i].nrules; j++)
			mapping_free_rule(&m->fields[i].rules[j]);
		free(m->fields[i].rules);
		free(m->fields[i].name);
	}
	free(m->fields);
	json_decref(m->constants);
	free(m);
}

int
mapping_activity(const struct mapping *m)
{
	return m->activity;
}

const char *
mapping_format(const struct mapping *m)
{
	return m->form ? "form" : "json";
}

const char *
mapping_field_name(const struct mapping *m, size_t i)
{
	const char *key;
	json_t *v;

	if (i < m->nfields)
		return m->fields[i].name;
	i -= m->nfields;
	json_object_foreach(m->constants, key, v) {
		(void)v;
		if (i-- == 0)
			return key;
	}
	return NULL;
}

/* Apply one text transform to s (malloc'd; the result replaces it). */
static char *
mapping_transform(enum transform tr, char *s)
{
	char *p, *end, *out;
	size_t i;

	switch (tr) {
	case TR_LOWERCASE:
	case TR_UPPERCASE:
		/* ASCII only: UTF-8 sequences pass through untouched. */
		for (p = s; *p != '\0'; p++)
			*p = (char)(tr == TR_LOWERCASE ? tolower((unsigned char)*p) :
			    toupper((unsigned char)*p));
		return s;
	case TR_TRIM:
	case TR_FIRST_WORD:
	case TR_REST_WORDS:
	case TR_NUMBER:
		for (p = s; isspace((unsigned char)*p); p++)
			;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		if (tr == TR_FIRST_WORD) {
			for (out = p; out < end && !isspace((unsigned char)*out); out++)
				;
			end = out;
		} else if (tr == TR_REST_WORDS) {
			while (p < end && !isspace((unsigned char)*p))
				p++;
			while (p < end && isspace((unsigned char)*p))
				p++;
		}
		out = xstrndup(p, (size_t)(end - p));
		free(s);
		return out;
	case TR_DIGITS:
		for (p = s; isspace((unsigned char)*p); p++)
			;
		i = 0;
		if (*p == '+')
			s[i++] = *p++;
		for (; *p != '\0'; p++)
			if (*p >= '0' && *p <= '9')
				s[i++] = *p;
		s[i] = '\0';
		if (i == 1 && s[0] == '+')
			s[0] = '\0';
		return s;
	}
	return s;
}

/*
 * A found value through the rule's transforms: a new reference, or NULL when
 * nothing is left (empty text, or not a whole number for "number").
 */
static json_t *
mapping_convert(const struct map_rule *r, const json_t *v)
{
	char tmp[64], *s;
	json_t *out;
	size_t i;

	if (r->ntr == 0 || (!json_is_string(v) && !json_is_integer(v)))
		return json_incref((json_t *)v);
	s = xstrdup(lead_value_text(v, tmp, sizeof(tmp)));
	for (i = 0; i < r->ntr; i++)
		s = mapping_transform(r->tr[i], s);
	if (s[0] == '\0')
		out = NULL;
	else if (r->tr[r->ntr - 1] != TR_NUMBER)
		out = json_string(s);
	else if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 15)
		out = json_integer(strtoll(s, NULL, 10));
	else
		out = NULL;	/* "25-50", "1,000", "many" */
	free(s);
	return out;
}

/*
 * The value of one rule for an event in *out: a new reference, or NULL when
 * the rule gives none. -1 (with me's error filled) when the event holds a list
 * or an object where a value belongs.
 */
static int
mapping_rule_value(const struct map_rule *r, const json_t *ev, const char *field, json_t **out,
    struct mapping_event *me)
{
	const json_t *v, *w;
	const char *text;
	char tmp[64];
	size_t i;

	*out = NULL;
	if (r->when != NULL) {
		text = lead_value_text(mapping_pointer(ev, r->when), tmp, sizeof(tmp));
		if (text == NULL || strcmp(text, r->when_value) != 0)
			return 0;
	}
	for (i = 0; i < r->nfrom && *out == NULL; i++) {
		v = mapping_pointer(ev, r->from[i]);
		if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
			continue;
		if (!mapping_is_scalar(v)) {
			me->error_code = "invalid_event";
			snprintf(me->error_field, sizeof(me->error_field), "%s", field);
			snprintf(me->message, sizeof(me->message), "%s holds %s, not a value (for %s)",
			    r->from[i][0] != '\0' ? r->from[i] : "\"\"",
			    json_is_array(v) ? "a list" : "an object", field);
			return -1;
		}
		*out = mapping_convert(r, v);
	}
	if (*out != NULL && r->map != NULL &&
	    (text = lead_value_text(*out, tmp, sizeof(tmp))) != NULL &&
	    (w = json_object_get(r->map, text)) != NULL) {
		json_decref(*out);
		*out = json_is_null(w) ? NULL : json_incref((json_t *)w);
	}
	if (*out == NULL && r->def != NULL)
		*out = json_incref(r->def);
	return 0;
}

/* "sha256:" and the hex SHA-256 of the event's compact JSON with sorted keys. */
static char *
mapping_event_hash(const json_t *ev)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *text, *id;

	text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
	free(text);
	id = xmalloc(7 + 2 * (size_t)mdlen + 1);
	memcpy(id, "sha256:", 7);
	util_hex_encode(md, mdlen, id + 7);
	return id;
}

/* The sender's id for an event (its parts joined with ":"), or NULL when it has none. */
static char *
mapping_sender_id(const struct mapping *m, const json_t *ev)
{
	struct buf id = { NULL, 0, 0 };
	char tmp[64];
	size_t i;

	for (i = 0; i < m->nevent_id; i++) {
		const json_t *v = mapping_pointer(ev, m->event_id[i]);
		const char *part = json_is_string(v) || json_is_integer(v) ?
		    lead_value_text(v, tmp, sizeof(tmp)) : NULL;

		if (part == NULL || part[0] == '\0') {
			buf_free(&id);
			return NULL;
		}
		if (i > 0)
			buf_append(&id, ":", 1);
		buf_append(&id, part, strlen(part));
	}
	return id.data;
}

/* 1-MAPPING_ID_MAX bytes of printable ASCII, no spaces: usable as an idempotency key. */
static int
mapping_valid_event_id(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e ||
		    i >= MAPPING_ID_MAX)
			return 0;
	return i > 0;
}

/* 0 (me marked ignored, with the reason) when "only" leaves the event out, else 1. */
static int
mapping_only(const struct mapping *m, const json_t *ev, struct mapping_event *me)
{
	char tmp[64];
	size_t i, j;

	for (i = 0; i < m->nonly; i++) {
		const struct map_only *o = &m->only[i];
		const char *text = lead_value_text(mapping_pointer(ev, o->ptr), tmp, sizeof(tmp));

		for (j = 0; text != NULL && j < o->nvalues; j++)
			if (strcmp(o->values[j], text) == 0)
				break;
		if (text != NULL && j < o->nvalues)
			continue;
		me->ignored = 1;
		if (text != NULL)
			snprintf(me->message, sizeof(me->message), "%s is \"%.120s\": not routed by "
			    "this source", o->ptr, text);
		else
			snprintf(me->message, sizeof(me->message), "%s is missing: not routed by "
			    "this source", o->ptr);
		return 0;
	}
	return 1;
}

/* Map one event into me. */
static void
mapping_event(const struct mapping *m, const json_t *ev, struct mapping_event *me)
{
	const char *key;
	json_t *lead, *v;
	size_t i, j;

	if (!json_is_object(ev)) {
		me->event_id = mapping_event_hash(ev);
		me->error_code = "invalid_event";
		snprintf(me->message, sizeof(me->message), "an event must be an object");
		return;
	}
	if ((me->event_id = mapping_sender_id(m, ev)) == NULL) {
		me->event_id = mapping_event_hash(ev);
	} else if (!mapping_valid_event_id(me->event_id)) {
		/* Refused: the hash stands in, so the id never leaves here unchecked. */
		free(me->event_id);
		me->event_id = mapping_event_hash(ev);
		me->error_code = "invalid_event";
		snprintf(me->error_field, sizeof(me->error_field), "event_id");
		snprintf(me->message, sizeof(me->message), "the event id must be 1-%d printable "
		    "ASCII characters without spaces", MAPPING_ID_MAX);
		return;
	}
	if (!mapping_only(m, ev, me))
		return;
	lead = m->passthrough ? json_deep_copy(ev) : json_object();
	for (i = 0; i < m->nfields; i++) {
		const struct map_field *f = &m->fields[i];

		for (j = 0; j < f->nrules; j++) {
			if (mapping_rule_value(&f->rules[j], ev, f->name, &v, me) == -1) {
				json_decref(lead);
				return;
			}
			if (v != NULL) {
				json_object_set_new(lead, f->name, v);
				break;
			}
		}
	}
	json_object_foreach(m->constants, key, v)
		json_object_set(lead, key, v);
	me->lead = lead;
}

/* Refuse the whole body. */
static void LR_PRINTF(4, 5)
mapping_fail(struct mapping_error *err, int status, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/*
 * 0 when the Content-Type is want with no charset or a UTF-8 one (other
 * parameters allowed); -1 after failing with 415 otherwise.
 */
static int
mapping_content_type(const char *ct, const char *want, struct mapping_error *err)
{
	size_t n = strlen(want), nlen, vlen;
	const char *p, *name, *val;

	if (ct != NULL)
		ct += strspn(ct, " \t");
	if (ct == NULL || strncasecmp(ct, want, n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t'))
		goto unsupported;
	for (p = ct + n;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			return 0;
		if (*p++ != ';')
			goto unsupported;
		p += strspn(p, " \t");
		name = p;
		nlen = strcspn(p, "=; \t");
		p += nlen;
		p += strspn(p, " \t");
		val = "";
		vlen = 0;
		if (*p == '=') {
			p++;
			p += strspn(p, " \t");
			if (*p == '"') {
				val = ++p;
				vlen = strcspn(p, "\"");
				p += vlen + (p[vlen] == '"');
			} else {
				val = p;
				vlen = strcspn(p, "; \t");
				p += vlen;
			}
		}
		if (nlen == 7 && strncasecmp(name, "charset", 7) == 0 &&
		    !(vlen == 5 && strncasecmp(val, "utf-8", 5) == 0) &&
		    !(vlen == 4 && strncasecmp(val, "utf8", 4) == 0)) {
			mapping_fail(err, 415, "unsupported_media_type", "this source takes %s in "
			    "UTF-8, not charset %.*s", want, (int)(vlen > 40 ? 40 : vlen), val);
			return -1;
		}
	}
unsupported:
	mapping_fail(err, 415, "unsupported_media_type", "this source takes %s, not %.100s", want,
	    ct != NULL ? ct : "a body without Content-Type");
	return -1;
}

/* The body as JSON (a form as an object of strings): a new reference, or NULL after failing. */
static json_t *
mapping_read(const struct mapping *m, const struct mapping_limits *lim, const char *ct,
    const char *body, size_t len, struct mapping_error *err)
{
	json_error_t jerr;
	char *cause = NULL;
	json_t *doc;

	if (mapping_content_type(ct, m->form ? "application/x-www-form-urlencoded" :
	    "application/json", err) == -1)
		return NULL;
	if (len == 0) {
		mapping_fail(err, 400, m->form ? "malformed_form" : "malformed_json",
		    "the body is empty");
		return NULL;
	}
	if (m->form) {
		if ((doc = form_parse(body, len, lim->max_pairs, &cause)) == NULL) {
			mapping_fail(err, 400, "malformed_form", "the form cannot be read: %s", cause);
			free(cause);
		}
		return doc;
	}
	if (!util_json_depth_ok(body, len, lim->max_depth)) {
		mapping_fail(err, 400, "too_deep", "the body nests arrays and objects more than %zu "
		    "deep", lim->max_depth);
		return NULL;
	}
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (doc == NULL)
		mapping_fail(err, 400, "malformed_json", "malformed JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
	return doc;
}

int
mapping_apply(const struct mapping *m, const struct mapping_limits *lim,
    const char *content_type, const char *body, size_t len, struct mapping_result *out,
    struct mapping_error *err)
{
	return mapping_apply_aside(m, lim, NULL, content_type, body, len, out, NULL, err);
}

/* Move the fields named in aside from the form doc into *taken. */
static void
mapping_take_aside(json_t *doc, const char *const *aside, json_t **taken)
{
	json_t *v;
	size_t i;

	for (i = 0; aside[i] != NULL; i++) {
		if ((v = json_object_get(doc, aside[i])) == NULL)
			continue;
		if (*taken == NULL)
			*taken = json_object();
		json_object_set(*taken, aside[i], v);
		json_object_del(doc, aside[i]);
	}
}

int
mapping_apply_aside(const struct mapping *m, const struct mapping_limits *lim,
    const char *const *aside, const char *content_type, const char *body, size_t len,
    struct mapping_result *out, json_t **taken, struct mapping_error *err)
{
	struct mapping_limits l = { MAPPING_DEFAULT_EVENTS, MAPPING_DEFAULT_DEPTH,
	    MAPPING_DEFAULT_PAIRS };
	const json_t *events;
	json_t *doc;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if (lim != NULL) {
		l.max_events = lim->max_events != 0 ? lim->max_events : l.max_events;
		l.max_depth = lim->max_depth != 0 ? lim->max_depth : l.max_depth;
		l.max_pairs = lim->max_pairs != 0 ? lim->max_pairs : l.max_pairs;
	}
	if (taken != NULL)
		*taken = NULL;
	if ((doc = mapping_read(m, &l, content_type, body, len, err)) == NULL)
		return -1;
	if (m->form && aside != NULL && taken != NULL)
		mapping_take_aside(doc, aside, taken);
	events = m->events != NULL ? mapping_pointer(doc, m->events) : doc;
	if (events == NULL) {
		mapping_fail(err, 422, "invalid_body", "the body has nothing at %s", m->events);
		goto fail;
	}
	if (json_is_array(events)) {
		n = json_array_size(events);
		if (m->batch == BATCH_SINGLE) {
			mapping_fail(err, 422, "invalid_body", "this source takes one event (an "
			    "object), not an array");
			goto fail;
		}
		if (n == 0) {
			mapping_fail(err, 422, "invalid_body", "the array of events is empty");
			goto fail;
		}
		if (n > l.max_events) {
			mapping_fail(err, 413, "too_many_events", "%zu events in one body; this source "
			    "takes at most %zu", n, l.max_events);
			goto fail;
		}
		out->batch = 1;
	} else if (json_is_object(events)) {
		if (m->batch == BATCH_ARRAY) {
			mapping_fail(err, 422, "invalid_body", "this source takes an array of events");
			goto fail;
		}
		n = 1;
	} else {
		mapping_fail(err, 422, "invalid_body", "the body must be an event object%s",
		    m->batch == BATCH_SINGLE ? "" : m->batch == BATCH_ARRAY ? " in an array" :
		    " or an array of them");
		goto fail;
	}
	out->events = xcalloc(n, sizeof(*out->events));
	out->nevents = n;
	for (i = 0; i < n; i++)
		mapping_event(m, out->batch ? json_array_get(events, i) : events, &out->events[i]);
	json_decref(doc);
	return 0;
fail:
	json_decref(doc);
	if (taken != NULL) {
		json_decref(*taken);
		*taken = NULL;
	}
	return -1;
}

void
mapping_result_free(struct mapping_result *r)
{
	size_t i;

	for (i = 0; i < r->nevents; i++) {
		free(r->events[i].event_id);
		json_decref(r->events[i].lead);
	}
	free(r->events);
	r->events = NULL;
	r->nevents = 0;
	r->batch = 0;
}
