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
#include "leadroute/mapping.h"
#include "leadroute/util.h"

#define MAPPING_ID_MAX		200
#define MAPPING_TRANSFORMS_MAX	8

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
	char		**from;		/* pointers: the first with a value wins */
	size_t		  nfrom;
	enum transform	  tr[MAPPING_TRANSFORMS_MAX];
	size_t		  ntr;
	json_t		 *map;		/* value → replacement, or NULL */
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
	char		*ptr;
	json_t		*values;
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
	struct map_field *fields;
	size_t		  nfields;
	json_t		 *constants;
};

/* RFC 6901: the value at ptr in doc (borrowed), or NULL. */
static const json_t *
mapping_pointer(const json_t *doc, const char *ptr)
{
	char tok[256];

	if (*ptr == '\0')
		return doc;
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
			if (n == 0 || strspn(tok, "0123456789") != n || n > 9 ||
			    (n > 1 && tok[0] == '0'))
				return NULL;
			doc = json_array_get(doc, strtoul(tok, NULL, 10));
		} else {
			return NULL;
		}
	}
	return doc;
}

static int
mapping_valid_pointer(const char *s)
{
	return s[0] == '\0' || s[0] == '/';
}

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

/* A pointer or a list of them; -1 with *cause. */
static int
mapping_pointers(const json_t *v, const char *where, char ***out, size_t *n, char **cause)
{
	size_t i;

	if (json_is_string(v)) {
		v = json_pack("[O]", v);
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		json_incref((json_t *)v);
	} else {
		*cause = mapping_cause("%s: expected a JSON pointer or a list of them", where);
		return -1;
	}
	*out = xcalloc(json_array_size(v), sizeof(char *));
	for (i = 0; i < json_array_size(v); i++) {
		const char *p = json_string_value(json_array_get(v, i));

		if (p == NULL || !mapping_valid_pointer(p)) {
			*cause = mapping_cause("%s: \"%s\" is not a JSON pointer (they start with /)",
			    where, p != NULL ? p : "?");
			json_decref((json_t *)v);
			return -1;
		}
		(*out)[(*n)++] = xstrdup(p);
	}
	json_decref((json_t *)v);
	return 0;
}

static int
mapping_compile_rule(const json_t *spec, const char *where, struct map_rule *r, char **cause)
{
	static const char *const keys[] = { "from", "transform", "map", "default", "when", NULL };
	const json_t *v, *tr;
	const char *key;
	char sub[200];
	size_t i, j;

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
	if (v != NULL && !json_is_string(v) && !json_is_integer(v) && !json_is_real(v) &&
	    !json_is_boolean(v)) {
		*cause = mapping_cause("%s.default: expected a string, number or boolean", where);
		return -1;
	}
	r->def = v != NULL ? json_incref((json_t *)v) : NULL;
	if ((v = json_object_get(spec, "transform")) != NULL) {
		json_t *list = json_is_string(v) ? json_pack("[O]", v) : json_incref((json_t *)v);

		if (!json_is_array(list) || json_array_size(list) > MAPPING_TRANSFORMS_MAX) {
			json_decref(list);
			*cause = mapping_cause("%s.transform: expected a name or a list of at most %d",
			    where, MAPPING_TRANSFORMS_MAX);
			return -1;
		}
		json_array_foreach(list, i, tr) {
			const char *name = json_string_value(tr);

			for (j = 0; name != NULL && j < LR_NELEM(transform_names); j++)
				if (strcmp(name, transform_names[j]) == 0)
					break;
			if (name == NULL || j == LR_NELEM(transform_names)) {
				*cause = mapping_cause("%s.transform: unknown transform \"%s\" (lowercase, "
				    "uppercase, trim, first_word, rest_words, digits, number)", where,
				    name != NULL ? name : "?");
				json_decref(list);
				return -1;
			}
			r->tr[r->ntr++] = (enum transform)j;
		}
		json_decref(list);
	}
	if ((v = json_object_get(spec, "map")) != NULL) {
		if (!json_is_object(v)) {
			*cause = mapping_cause("%s.map: expected an object of value: replacement", where);
			return -1;
		}
		r->map = json_incref((json_t *)v);
	}
	if ((v = json_object_get(spec, "when")) != NULL) {
		const char *p = NULL;
		const json_t *want = NULL;

		if (json_is_object(v) && json_object_size(v) == 1) {
			json_object_foreach((json_t *)v, p, want)
				break;
		}
		if (p == NULL || !mapping_valid_pointer(p) || !json_is_string(want)) {
			*cause = mapping_cause("%s.when: expected {\"/pointer\": \"value\"}", where);
			return -1;
		}
		r->when = xstrdup(p);
		r->when_value = xstrdup(json_string_value(want));
	}
	return 0;
}

static int
mapping_compile_field(struct mapping *m, const char *name, const json_t *spec, char **cause)
{
	struct map_field *f;
	json_t *list = json_is_array(spec) ? json_incref((json_t *)spec) : json_pack("[O]", spec);
	const json_t *item;
	char where[160];
	size_t i;

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

/* The spec itself, or the preset it names with its members laid over. */
static json_t *
mapping_merge(const json_t *spec, char **cause)
{
	const char *preset = json_string_value(json_object_get(spec, "preset")), *key;
	json_t *base, *v, *fields;

	if (json_object_get(spec, "preset") == NULL)
		return json_deep_copy(spec);
	if (preset == NULL || (base = mapping_preset(preset)) == NULL) {
		*cause = mapping_cause("preset: unknown preset \"%s\" (hubspot_webhooks, "
		    "hubspot_workflow, marketo, salesforce_form, webform, generic)",
		    preset != NULL ? preset : "?");
		return NULL;
	}
	json_object_foreach((json_t *)spec, key, v) {
		if (strcmp(key, "preset") == 0)
			continue;
		if (strcmp(key, "fields") == 0 && json_is_object(v)) {
			const char *f;
			json_t *fv;

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
			continue;
		}
		json_object_set(base, key, v);
	}
	return base;
}

struct mapping *
mapping_compile(const json_t *spec, char **cause)
{
	static const char *const keys[] = { "preset", "format", "batch", "events", "event_id",
	    "only", "passthrough", "fields", "constants", NULL };
	struct mapping *m = xcalloc(1, sizeof(*m));
	const json_t *v, *fv;
	const char *key, *s;
	json_t *full = NULL;
	size_t i;

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
	if ((v = json_object_get(full, "events")) != NULL) {
		if (!json_is_string(v) || !mapping_valid_pointer(json_string_value(v))) {
			*cause = mapping_cause("events: expected a JSON pointer");
			goto fail;
		}
		m->events = xstrdup(json_string_value(v));
	}
	if ((v = json_object_get(full, "event_id")) != NULL &&
	    mapping_pointers(v, "event_id", &m->event_id, &m->nevent_id, cause) == -1)
		goto fail;
	if ((v = json_object_get(full, "only")) != NULL) {
		if (!json_is_object(v)) {
			*cause = mapping_cause("only: expected {\"/pointer\": [values]}");
			goto fail;
		}
		m->only = xcalloc(json_object_size(v), sizeof(*m->only));
		json_object_foreach((json_t *)v, key, fv) {
			if (!mapping_valid_pointer(key) || !json_is_array(fv) || json_array_size(fv) == 0) {
				*cause = mapping_cause("only.%s: expected a pointer to a list of values", key);
				goto fail;
			}
			m->only[m->nonly].ptr = xstrdup(key);
			m->only[m->nonly++].values = json_incref((json_t *)fv);
		}
	}
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
			if (!json_is_string(fv) && !json_is_number(fv) && !json_is_boolean(fv)) {
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
		free(m->only[i].ptr);
		json_decref(m->only[i].values);
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

const char *
mapping_format(const struct mapping *m)
{
	return m->form ? "form" : "json";
}

/* A scalar as text (strings as they are); NULL for anything else. */
static const char *
mapping_text(const json_t *v, char *tmp, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, len, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	if (json_is_real(v)) {
		snprintf(tmp, len, "%.17g", json_real_value(v));
		return tmp;
	}
	return NULL;
}

/* Apply one transform to s (malloc'd, replaced); NULL when nothing is left. */
static char *
mapping_transform(enum transform tr, char *s)
{
	char *p, *end, *out;
	size_t i;

	switch (tr) {
	case TR_LOWERCASE:
	case TR_UPPERCASE:
		for (p = s; *p != '\0'; p++)
			*p = (char)(tr == TR_LOWERCASE ? tolower((unsigned char)*p) :
			    toupper((unsigned char)*p));
		return s;
	case TR_TRIM:
	case TR_FIRST_WORD:
	case TR_REST_WORDS:
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
			if (isdigit((unsigned char)*p))
				s[i++] = *p;
		s[i] = '\0';
		return s;
	case TR_NUMBER:
		return s;	/* made a number by the caller */
	}
	return s;
}

/*
 * The value of one rule for an event: a new reference, or NULL when it gives
 * none. -1 (and err) when the event holds something unusable.
 */
static int
mapping_rule_value(const struct map_rule *r, const json_t *ev, const char *field, json_t **out,
    struct mapping_event *me)
{
	const json_t *v = NULL, *w;
	char tmp[64];
	const char *text;
	char *s;
	size_t i;
	int number = 0;

	*out = NULL;
	if (r->when != NULL) {
		w = mapping_pointer(ev, r->when);
		if ((text = mapping_text(w, tmp, sizeof(tmp))) == NULL ||
		    strcmp(text, r->when_value) != 0)
			return 0;
	}
	for (i = 0; i < r->nfrom; i++) {
		v = mapping_pointer(ev, r->from[i]);
		if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
			continue;
		if (!json_is_string(v) && !json_is_number(v) && !json_is_boolean(v)) {
			me->error_code = "invalid_event";
			snprintf(me->error_field, sizeof(me->error_field), "%s", field);
			snprintf(me->message, sizeof(me->message), "%s holds %s, not a value (for %s)",
			    r->from[i], json_is_array(v) ? "a list" : "an object", field);
			return -1;
		}
		break;
	}
	if (i == r->nfrom)
		v = NULL;
	if (v != NULL && r->ntr > 0 && (json_is_string(v) || json_is_integer(v))) {
		s = xstrdup(mapping_text(v, tmp, sizeof(tmp)));
		for (i = 0; i < r->ntr && s != NULL; i++) {
			if (r->tr[i] == TR_NUMBER)
				number = 1;
			s = mapping_transform(r->tr[i], s);
		}
		if (s[0] == '\0') {
			free(s);
			v = NULL;
		} else if (number) {
			/* Whole numbers only; "25-50" and the like are left out. */
			if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 15)
				*out = json_integer(strtoll(s, NULL, 10));
			free(s);
			return 0;
		} else {
			*out = json_string(s);
			free(s);
		}
	} else if (v != NULL) {
		*out = json_incref((json_t *)v);
	}
	if (*out != NULL && r->map != NULL &&
	    (text = mapping_text(*out, tmp, sizeof(tmp))) != NULL &&
	    (w = json_object_get(r->map, text)) != NULL) {
		json_decref(*out);
		*out = json_incref((json_t *)w);
	}
	if (*out == NULL && r->def != NULL)
		*out = json_incref(r->def);
	return 0;
}

/* The sender's id for an event, or a hash of it. */
static char *
mapping_event_id(const struct mapping *m, const json_t *ev)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	struct buf id = { NULL, 0, 0 };
	unsigned int mdlen = 0;
	char tmp[64];
	char *text;
	size_t i;

	for (i = 0; i < m->nevent_id; i++) {
		const char *part = mapping_text(mapping_pointer(ev, m->event_id[i]), tmp,
		    sizeof(tmp));

		if (part == NULL || part[0] == '\0' || json_is_boolean(mapping_pointer(ev,
		    m->event_id[i]))) {
			buf_free(&id);
			break;
		}
		buf_appendf(&id, "%s%s", i > 0 ? ":" : "", part);
	}
	if (m->nevent_id > 0 && id.data != NULL)
		return id.data;
	text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
	free(text);
	buf_appendf(&id, "sha256:");
	for (i = 0; i < mdlen; i++)
		buf_appendf(&id, "%02x", md[i]);
	return id.data;
}

static int
mapping_valid_event_id(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if ((unsigned char)id[i] < 0x21 || (unsigned char)id[i] > 0x7e)
			return 0;
	return i > 0 && i <= MAPPING_ID_MAX;
}

/* Why an event is not one this source routes, or NULL when it is. */
static int
mapping_only(const struct mapping *m, const json_t *ev, struct mapping_event *me)
{
	char tmp[64];
	size_t i, j;

	for (i = 0; i < m->nonly; i++) {
		const json_t *v = mapping_pointer(ev, m->only[i].ptr);
		const char *text = mapping_text(v, tmp, sizeof(tmp));

		for (j = 0; text != NULL && j < json_array_size(m->only[i].values); j++) {
			const char *want = json_string_value(json_array_get(m->only[i].values, j));

			if (want != NULL && strcmp(want, text) == 0)
				break;
		}
		if (text == NULL || j == json_array_size(m->only[i].values)) {
			me->ignored = 1;
			snprintf(me->message, sizeof(me->message), "%s is %s%s%s: not routed by this "
			    "source", m->only[i].ptr, text != NULL ? "\"" : "", text != NULL ? text :
			    "missing", text != NULL ? "\"" : "");
			return 0;
		}
	}
	return 1;
}

static void
mapping_event(const struct mapping *m, const json_t *ev, struct mapping_event *me)
{
	const char *key;
	json_t *lead, *v;
	size_t i, j;

	me->event_id = mapping_event_id(m, ev);
	if (!json_is_object(ev)) {
		me->error_code = "invalid_event";
		snprintf(me->message, sizeof(me->message), "an event must be an object");
		return;
	}
	if (!mapping_valid_event_id(me->event_id)) {
		me->error_code = "invalid_event";
		snprintf(me->error_field, sizeof(me->error_field), "event_id");
		snprintf(me->message, sizeof(me->message), "the event id must be 1-%d printable "
		    "ASCII characters without spaces", MAPPING_ID_MAX);
		free(me->event_id);
		me->event_id = xstrdup("invalid");
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

/* The media type is want, with no charset or UTF-8; -1 after failing 415. */
static int
mapping_content_type(const char *ct, const char *want, struct mapping_error *err)
{
	size_t n = strlen(want);
	const char *p, *cs;

	if (ct == NULL || strncasecmp(ct, want, n) != 0 || (ct[n] != '\0' && ct[n] != ';' &&
	    ct[n] != ' ')) {
		mapping_fail(err, 415, "unsupported_media_type", "this source takes %s, not %s",
		    want, ct != NULL ? ct : "a body without Content-Type");
		return -1;
	}
	for (p = ct + n; (cs = strchr(p, ';')) != NULL; p = cs + 1) {
		cs++;
		while (*cs == ' ')
			cs++;
		if (strncasecmp(cs, "charset=", 8) != 0)
			continue;
		cs += 8;
		if (*cs == '"')
			cs++;
		if (strncasecmp(cs, "utf-8", 5) != 0 && strncasecmp(cs, "utf8", 4) != 0) {
			mapping_fail(err, 415, "unsupported_media_type",
			    "this source takes UTF-8 only, not charset %s", cs);
			return -1;
		}
	}
	return 0;
}

/* The body as JSON (or a form as an object); NULL after failing. */
static json_t *
mapping_read(const struct mapping *m, const struct mapping_limits *lim, const char *ct,
    const char *body, size_t len, struct mapping_error *err)
{
	json_error_t jerr;
	char *cause = NULL;
	json_t *doc;

	if (m->form) {
		if (mapping_content_type(ct, "application/x-www-form-urlencoded", err) == -1)
			return NULL;
		if ((doc = form_parse(body, len, lim->max_pairs, &cause)) == NULL) {
			mapping_fail(err, 400, "malformed_form", "the form cannot be read: %s", cause);
			free(cause);
		}
		return doc;
	}
	if (mapping_content_type(ct, "application/json", err) == -1)
		return NULL;
	if (len == 0) {
		mapping_fail(err, 400, "malformed_json", "the body is empty");
		return NULL;
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
	const json_t *events, *ev;
	json_t *doc;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if ((doc = mapping_read(m, lim, content_type, body, len, err)) == NULL)
		return -1;
	events = m->events != NULL ? mapping_pointer(doc, m->events) : doc;
	if (events == NULL) {
		mapping_fail(err, 422, "invalid_body", "the body has no %s", m->events);
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
		if (n > lim->max_events) {
			mapping_fail(err, 413, "too_many_events", "%zu events in one body; this source "
			    "takes at most %zu", n, lim->max_events);
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
		    m->batch == BATCH_SINGLE ? "" : " or an array of them");
		goto fail;
	}
	out->events = xcalloc(n, sizeof(*out->events));
	out->nevents = n;
	for (i = 0; i < n; i++) {
		ev = out->batch ? json_array_get(events, i) : events;
		mapping_event(m, ev, &out->events[i]);
	}
	json_decref(doc);
	return 0;
fail:
	json_decref(doc);
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
}
