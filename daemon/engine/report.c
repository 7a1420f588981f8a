/*
 * report.c — the scorecard of a period as the aggregates hold it: one
 * catch-up batch of the fold, then the `scorecard` script over the buckets
 * covering each period (scorecard_buckets), and the figures computed in the
 * core. GET /v1/scorecard, GET /v1/contract and the weekly review read
 * through it, so their figures are the same.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/util.h"

#include "engine/report.h"
#include "engine/scorecard_agg.h"
#include "io/store.h"
#include "server.h"

struct report;

/* What one period's script answer needs to find its place. */
struct report_part {
	struct report	*rp;
	size_t		 i;
};

struct report {
	struct server		*srv;
	struct conf		*conf;
	struct report_period	 periods[REPORT_MAX_PERIODS];
	size_t			 n;
	const char		*by;
	int64_t			 now;
	report_cb		*cb;
	void			*arg;
	struct scorecard_spec	 spec;
	struct scorecard	*sc[REPORT_MAX_PERIODS];
	struct report_part	 part[REPORT_MAX_PERIODS];
	int			 pending;
	int			 up_to_date;
	char			*err;
};

/* The spec of the report, from the config (arrays freed by spec_free). */
static void
spec_init(struct scorecard_spec *sp, const struct conf *conf)
{
	const struct conf_lifecycle *l = &conf->lifecycle;
	const char **stages = xcalloc(l->nstages + 1, sizeof(char *));
	const char **funnel = xcalloc(l->nfunnel + 1, sizeof(char *));
	const char **reject = xcalloc(l->nreject + 1, sizeof(char *));
	const char **lost = xcalloc(l->nlost + 1, sizeof(char *));
	const char **clocks = xcalloc(conf->sla.nclocks + 1, sizeof(char *));
	const char **grades = xcalloc(conf->scoring.ngrades + 1, sizeof(char *));
	size_t i;

	memset(sp, 0, sizeof(*sp));
	for (i = 0; i < l->nstages; i++) {
		stages[i] = l->stages[i].id;
		/* The last funnel stage is the win; the one that needs an amount, the pipeline. */
		if (sp->pipeline_stage == NULL && (l->stages[i].needs & STAGE_NEEDS_AMOUNT))
			sp->pipeline_stage = l->stages[i].id;
	}
	for (i = 0; i < l->nfunnel; i++)
		funnel[i] = l->funnel[i]->id;
	for (i = 0; i < l->nreject; i++)
		reject[i] = l->reject[i].code;
	for (i = 0; i < l->nlost; i++)
		lost[i] = l->lost[i].code;
	for (i = 0; i < conf->sla.nclocks; i++)
		clocks[i] = conf->sla.clocks[i].name;
	for (i = 0; i < conf->scoring.ngrades; i++)
		grades[i] = conf->scoring.grades[i].name;
	sp->stages = stages;
	sp->nstages = l->nstages;
	sp->funnel = funnel;
	sp->nfunnel = l->nfunnel;
	sp->reject = reject;
	sp->nreject = l->nreject;
	sp->lost = lost;
	sp->nlost = l->nlost;
	sp->clocks = clocks;
	sp->nclocks = conf->sla.nclocks;
	sp->grades = grades;
	sp->ngrades = conf->scoring.ngrades;
	sp->route_clock = l->route_clock;
	sp->touch_clock = l->touch_clock;
	sp->won_stage = l->nfunnel > 0 ? l->funnel[l->nfunnel - 1]->id : "won";
	if (sp->pipeline_stage == NULL)
		sp->pipeline_stage = "opportunity";
}

static void
spec_free(struct scorecard_spec *sp)
{
	free((void *)sp->stages);
	free((void *)sp->funnel);
	free((void *)sp->reject);
	free((void *)sp->lost);
	free((void *)sp->clocks);
	free((void *)sp->grades);
}

/* Every answer is in: the one call of the callback, then everything goes. */
static void
report_finish(struct report *rp)
{
	size_t i;

	rp->cb(rp->err == NULL ? rp->sc : NULL, rp->up_to_date, rp->err, rp->arg);
	for (i = 0; i < rp->n; i++)
		scorecard_free(rp->sc[i]);
	spec_free(&rp->spec);
	conf_unref(rp->conf);
	free(rp->err);
	free(rp);
}

static void
report_fail(struct report *rp, const char *err)
{
	if (rp->err == NULL)
		rp->err = xstrdup(err);
}

/* One period's sums: {fields, up to date}. */
static void
report_on_sums(const struct store_reply *reply, void *arg)
{
	const struct report_part *part = arg;
	struct report *rp = part->rp;
	struct scorecard *sc = rp->sc[part->i];
	const redisReply *r = reply->raw, *fields;
	size_t i;

	if (reply->err != NULL)
		report_fail(rp, reply->err);
	else if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY)
		report_fail(rp, "unexpected reply");
	else {
		fields = r->element[0];
		for (i = 0; i + 1 < fields->elements; i += 2)
			scorecard_add(sc, fields->element[i]->str, fields->element[i]->len,
			    fields->element[i + 1]->integer);
		if (part->i == 0)
			rp->up_to_date = r->element[1]->integer == 1;
	}
	if (--rp->pending == 0)
		report_finish(rp);
}

/* The batch folded (or not: the report then says it is not up to date): sum the buckets. */
static void
report_on_caught_up(const char *err, void *arg)
{
	struct report *rp = arg;
	size_t i, j, nkeys;
	char **keys;

	(void)err;	/* scorecard_agg.c logged it */
	spec_init(&rp->spec, rp->conf);
	for (i = 0; i < rp->n; i++)
		rp->sc[i] = scorecard_new(&rp->spec, rp->by);
	rp->pending = 1;	/* held while sending, so no answer finishes early */
	for (i = 0; i < rp->n && rp->err == NULL; i++) {
		struct store_args a = { 0 };

		store_args_add(&a, rp->by != NULL ? rp->by : "");
		nkeys = scorecard_buckets(rp->periods[i].from, rp->periods[i].to, &keys);
		for (j = 0; j < nkeys; j++) {
			store_args_add(&a, keys[j]);
			free(keys[j]);
		}
		free(keys);
		rp->part[i].rp = rp;
		rp->part[i].i = i;
		if (store_eval(rp->srv->store, SCRIPT_SCORECARD, rp->now, &a, report_on_sums,
		    &rp->part[i]) == -1)
			report_fail(rp, "not connected or too busy");
		else
			rp->pending++;
	}
	if (--rp->pending == 0)
		report_finish(rp);
}

void
report_read(struct server *srv, struct conf *conf, const struct report_period *periods,
    size_t n, const char *by, int64_t now, report_cb *cb, void *arg)
{
	struct report *rp = xcalloc(1, sizeof(*rp));

	rp->srv = srv;
	rp->conf = conf_ref(conf);
	rp->n = n < REPORT_MAX_PERIODS ? n : REPORT_MAX_PERIODS;
	memcpy(rp->periods, periods, rp->n * sizeof(*periods));
	rp->by = by;
	rp->now = now;
	rp->cb = cb;
	rp->arg = arg;
	/*
	 * Fold what just happened first: one batch that starts after this
	 * request, so a backlog cannot hold up a report.
	 */
	scorecard_agg_catch_up(srv->agg, report_on_caught_up, rp);
}

struct report_period
report_previous(struct report_period p)
{
	struct report_period prev = { p.from - (p.to - p.from), p.from };

	return prev;
}
