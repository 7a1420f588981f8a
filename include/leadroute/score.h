/*
 * score.h — the lead scoring model: fit points from the person's latest
 * attributes, behaviour points from what they did over time (decaying), MQL,
 * grades.
 */
#ifndef LEADROUTE_SCORE_H
#define LEADROUTE_SCORE_H

#include <stddef.h>
#include <stdint.h>

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
	int64_t			 half_life_ms;	/* behaviour points halve this often (0: never) */
	int64_t			 expire_ms;	/* and are gone this long after the event (0: never) */
	int			 hold_below_mql;	/* a person below the MQL threshold is nurtured */
};

/* Past behaviour kept per person, newest last: older entries give way. */
#define SCORE_MAX_PAST 20

#define SCORE_MAX_HITS 32

/* What one event earned a person, and when (see score_person). */
struct score_past {
	char		 reason[72];	/* "event:<name>" */
	int		 earned;	/* its points when it happened */
	int64_t		 at;		/* epoch ms */
};

struct score_result {
	int		 score;
	const char	*grade;		/* NULL when no grades are configured */
	int		 mql;
	size_t		 nhits;
	struct {
		const char	*reason;	/* fit rule name, or "event:<name>" */
		int		 points;	/* as they count now (behaviour: decayed) */
		int		 earned;	/* behaviour: the points when it happened */
		int64_t		 at;		/* behaviour: when (epoch ms); fit: 0 */
	} hits[SCORE_MAX_HITS];
	/* The person's behaviour to keep: what still counts, this event last. */
	struct score_past past[SCORE_MAX_PAST];
	size_t		 npast;
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

/*
 * Score a person at now: fit from the lead's fields (their latest
 * attributes), behaviour from their past events (oldest first) decayed to
 * now, plus the lead's own event. out->past is what to keep for next time.
 * out->hits name past events by their reason; they borrow past's strings.
 */
void score_person(const struct score_model *m, struct cond_lead *lead,
    const struct score_past *past, size_t npast, int64_t now, struct score_result *out);

/* What a past event's points count for at now: halved per half-life, 0 once expired. */
int score_decayed(const struct score_model *m, int earned, int64_t at, int64_t now);

#endif
