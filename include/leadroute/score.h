/* score.h — the lead scoring model: fit points, behaviour points, MQL, grades. */
#ifndef LEADROUTE_SCORE_H
#define LEADROUTE_SCORE_H

#include <stddef.h>

#include "leadroute/cond.h"

struct conf_diags;
struct ynode;

/* Points a lead earns when its fields match (title seniority, size, territory …). */
struct score_fit {
	char		*name;
	struct cond	 when;
	int		 points;
	int		 line;
};

/* Points a lead earns for what it did (its `event`). */
struct score_behavior {
	char		*event;
	char		*reason;	/* "event:<name>", as the breakdown shows it */
	int		 points;
};

struct score_grade {
	char		*name;
	int		 min;		/* the lowest score in this band */
	int		 line;
};

struct score_model {
	struct score_fit	*fit;
	size_t			 nfit;
	struct score_behavior	*behavior;
	size_t			 nbehavior;
	int			 mql;		/* MQL at or above this score ... */
	int			 mql_set;	/* ... when one is configured */
	struct score_grade	*grades;	/* highest band first */
	size_t			 ngrades;
};

#define SCORE_MAX_HITS 32

struct score_result {
	int		 score;
	const char	*grade;		/* NULL when no grades are configured */
	int		 mql;
	size_t		 nhits;
	struct {
		const char	*reason;	/* fit rule name, or "event:<name>" (the model's) */
		int		 points;
	} hits[SCORE_MAX_HITS];
};

/* Parse the `scoring` map. Conditions may not use score, grade or mql. */
int score_parse(struct cond_env *env, const struct ynode *node, struct score_model *m);
void score_free(struct score_model *m);

/* The grade name, or NULL when the model has no such grade. */
const struct score_grade *score_find_grade(const struct score_model *m, const char *name);

/*
 * Score a lead; the lead then knows its score, grade and mql so rules can
 * use them. Without a model the score is 0, with no grade.
 */
void score_lead(const struct score_model *m, struct cond_lead *lead, struct score_result *out);

#endif
