/* cond.h — rule conditions: parsed from `when` maps, evaluated against a lead. */
#ifndef LEADROUTE_COND_H
#define LEADROUTE_COND_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct conf_diags;
struct ynode;

enum cond_op {
	COND_ALL,	/* every kid holds (none: always true) */
	COND_ANY,	/* some kid holds */
	COND_NOT,	/* the one kid does not hold */
	COND_IN,	/* the field equals one of the values */
	COND_IIN,	/* ... ignoring case */
	COND_PREFIX,	/* the field starts with one of the values */
	COND_SUFFIX,	/* ... ends with one of them (ignoring case) */
	COND_CONTAINS,	/* ... contains one of them (ignoring case) */
	COND_RANGE,	/* the field is a number within bounds */
	COND_EXISTS,	/* the field is present (or absent, when exists is 0) */
	COND_TERRITORY,	/* the lead lies in the territory */
};

/* A string with its length and hash, so comparisons are cheap. */
struct cond_value {
	char		*s;
	size_t		 len;
	uint64_t	 hash;
};

/* A postal-code range on equal-length prefixes; a plain prefix has lo == hi. */
struct cond_postal {
	char		*lo;
	char		*hi;
	size_t		 len;
};

/* A named territory: every set given must contain the lead's value. */
struct cond_territory {
	char			*id;
	int			 line;
	int			 index;		/* position among the config's territories */
	struct cond_value	*countries;	/* lower-cased */
	size_t			 ncountries;
	struct cond_value	*states;	/* lower-cased */
	size_t			 nstates;
	struct cond_postal	*postal;
	size_t			 npostal;
};

struct cond {
	enum cond_op			 op;
	int				 line;
	int				 field;		/* slot in the field table, or -1 */
	struct cond_value		*values;	/* IN, IIN, PREFIX, SUFFIX, CONTAINS */
	size_t				 nvalues;
	double				 lo;		/* RANGE */
	double				 hi;
	unsigned char			 lo_set, hi_set, lo_incl, hi_incl;
	int				 exists;	/* EXISTS */
	const struct cond_territory	*territory;	/* TERRITORY: field is the country slot */
	int				 state_slot;	/* TERRITORY */
	int				 postal_slot;	/* TERRITORY */
	struct cond			*kids;		/* ALL, ANY, NOT */
	size_t				 nkids;
};

/*
 * Field names used by conditions, interned so a lead's values are looked up
 * once per lead, not once per condition. Some names are computed, not sent:
 * score, grade, mql and email_domain.
 */
struct cond_fields {
	char	**names;
	size_t	  n;
	size_t	  nterritories;	/* how many territories leads may be checked against */
};

/* Where a condition reads a lead field, for the config's check of field names. */
struct cond_use {
	char	*field;
	char	*path;		/* rules[2].when.contry */
	int	 line;
};

struct cond_uses {
	struct cond_use	*v;
	size_t		 n;
};

void cond_uses_free(struct cond_uses *uses);

/* The fields conditions compute rather than read from the lead: NULL-terminated. */
const char *const *cond_computed_fields(void);

/* What a condition parser needs from the config around it. */
struct cond_env {
	struct conf_diags		*diags;
	struct cond_fields		*fields;
	const struct cond_territory	*territories;
	size_t				 nterritories;
	struct cond_uses		*uses;		/* each field read is added here; NULL: not kept */
};

/* Parse a `when` map into c (an ALL); problems go to env->diags. Returns 0 or -1. */
int cond_parse_when(struct cond_env *env, const struct ynode *when, const char *path,
    struct cond *c);

/* Parse one territory definition (a map with id and the sets). */
int cond_parse_territory(struct conf_diags *diags, const struct ynode *item, const char *path,
    struct cond_territory *t);

void cond_free(struct cond *c);

struct jsonw;

/*
 * A condition as published (GET /v1/definitions), as the member key of the
 * object w has open (NULL inside an array): {"all": […]}, {"any": […]},
 * {"not": …}, {"field": f, "in" | "iin" | "prefix" | "suffix" | "contains":
 * […]}, {"field": f, "gte" | "gt": n, "lte" | "lt": n}, {"field": f,
 * "exists": bool}, {"territory": id}. An ALL of one condition is that one.
 */
void cond_write_json(const struct cond *c, const struct cond_fields *fields, struct jsonw *w,
    const char *key);
void cond_territory_free(struct cond_territory *t);

void cond_fields_free(struct cond_fields *fields);

/* A lead's values as conditions see them, resolved lazily, once each. */
struct cond_slot {
	unsigned char	 resolved;
	unsigned char	 present;
	unsigned char	 has_num;
	unsigned char	 has_lower;
	const char	*text;
	size_t		 len;
	uint64_t	 hash;
	double		 num;
	char		*lower;		/* lower-cased copy, made on first need */
	uint64_t	 lower_hash;
	char		 buf[32];	/* numbers and computed values as text */
};

struct cond_lead {
	const json_t			*fields;
	const struct cond_fields	*table;
	struct cond_slot		*slots;		/* table->n of them */
	unsigned char			*in_territory;	/* per territory: 0 unknown, 1 no, 2 yes */
	int				 has_score;	/* set by scoring, before rules run */
	int				 score;
	const char			*grade;
	int				 mql;
};

/* Prepare to evaluate conditions against a lead's fields (borrowed). */
void cond_lead_init(struct cond_lead *lead, const struct cond_fields *table, const json_t *fields);
void cond_lead_free(struct cond_lead *lead);

/* True when c holds for the lead. */
int cond_eval(const struct cond *c, struct cond_lead *lead);

/* True when every lead that satisfies b also satisfies a (a conservative check). */
int cond_implies(const struct cond *b, const struct cond *a);

/*
 * cond_implies, and *via: NULL, or the territory the implication went
 * through (`country: DE` implies `territory: emea` when emea's countries
 * hold DE and it has no states or postal codes; `territory: dach` implies
 * it when dach lies within it).
 */
int cond_implies_via(const struct cond *b, const struct cond *a,
    const struct cond_territory **via);

/* True when no lead can satisfy c (a conservative check: contradictory bounds). */
int cond_never(const struct cond *c);

#endif
