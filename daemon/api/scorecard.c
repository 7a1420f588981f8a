/*
 * api_scorecard.c — GET /v1/scorecard?from=&to=&by=rep|pool|source|rule: the
 * one scorecard sales and marketing share, as JSON or CSV. It reads the
 * aggregates of the leads that arrived in [from, to) (hour, day and month
 * buckets; see scorecard_fold.h), never the leads themselves.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "leadroute/scorecard.h"
#include "leadroute/tstamp.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/scorecard_agg.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define HOUR_MS		3600000LL
#define RANGE_MAX_MS	(3LL * 366 * 24 * HOUR_MS)
#define DEFAULT_RANGE_MS (30LL * 24 * HOUR_MS)

static const char *const dims[] = { "rep", "pool", "source", "rule" };

struct scorecard_req {
	struct http_request	*req;
	int64_t			 from, to, now;
	const char		*by;		/* NULL: overall only */
	int			 csv;
};

/*
 * A time parameter: RFC 3339, or a date (midnight UTC). 0, 1 when absent, or
 * -1 after answering 400.
 */
static int
time_param(struct http_request *req, const char *name, int64_t *ms)
{
	const char *s = http_request_query(req, name);
	char buf[40];

	if (s == NULL)
		return 1;
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		s = buf;
	}
	if (tstamp_parse(s, ms) == -1) {
		http_respond_error(req, 400, "invalid_parameter", name,
		    "%s must be a date (2026-07-01) or an RFC 3339 time (2026-07-01T00:00:00Z)", name);
		return -1;
	}
	return 0;
}

static int64_t
floor_hour(int64_t ms)
{
	return ms - ((ms % HOUR_MS) + HOUR_MS) % HOUR_MS;
}

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
}

static void
api_on_scorecard(const struct store_reply *reply, void *arg)
{
	struct scorecard_req *sr = arg;
	struct http_request *req = sr->req;
	const redisReply *r = reply->raw, *fields;
	struct scorecard_spec spec;
	struct scorecard *sc;
	char from[TSTAMP_LEN], to[TSTAMP_LEN];
	size_t i;

	if (api_check_answer(req, reply, r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 2 && r->element[0]->type == REDIS_REPLY_ARRAY, "unexpected reply") == -1) {
		free(sr);
		return;
	}
	fields = r->element[0];
	spec_init(&spec, http_request_conf(req));
	sc = scorecard_new(&spec, sr->by);
	for (i = 0; i + 1 < fields->elements; i += 2)
		scorecard_add(sc, fields->element[i]->str, fields->element[i]->len,
		    fields->element[i + 1]->integer);
	tstamp_format(sr->from, from);
	tstamp_format(sr->to, to);
	if (sr->csv) {
		struct buf out = { NULL, 0, 0 };
		char *disposition = xasprintf("attachment; filename=\"scorecard-%.10s-%.10s.csv\"",
		    from, to);

		scorecard_write_csv(sc, &out);
		http_response_header(req, "Content-Disposition", disposition);
		if (out.data == NULL)
			buf_append(&out, "", 1);
		http_respond_text(req, 200, "text/csv; charset=utf-8", out.data, strlen(out.data));
		free(disposition);
	} else {
		struct jsonw w = { 0 };

		jsonw_begin_object(&w, NULL);
		jsonw_string(&w, "from", from);
		jsonw_string(&w, "to", to);
		jsonw_string(&w, "by", sr->by);
		jsonw_string(&w, "cohort", "leads by arrival time");
		jsonw_time(&w, "generated_at", sys_now_ms());
		jsonw_bool(&w, "up_to_date", r->element[1]->integer == 1);
		scorecard_write_json(sc, &w);
		jsonw_end_object(&w);
		api_respond_jsonw(req, 200, &w);
	}
	scorecard_free(sc);
	spec_free(&spec);
	free(sr);
}

/* True when the client asked for CSV (?format=csv, or Accept: text/csv). */
static int
wants_csv(struct http_request *req, int *bad)
{
	const char *f = http_request_query(req, "format");
	const char *accept = http_request_header(req, "Accept");

	*bad = 0;
	if (f != NULL) {
		if (strcmp(f, "csv") == 0)
			return 1;
		*bad = strcmp(f, "json") != 0;
		return 0;
	}
	return accept != NULL && strcasestr(accept, "text/csv") != NULL &&
	    strcasestr(accept, "application/json") == NULL;
}

/* The batch folded (or not: the report then says it is not up to date): sum the buckets. */
static void
api_on_caught_up(const char *err, void *arg)
{
	struct scorecard_req *sr = arg;
	struct store_args a = { 0 };
	char **keys;
	size_t i, n;

	(void)err;	/* scorecard_agg.c logged it */
	store_args_add(&a, sr->by != NULL ? sr->by : "");
	n = scorecard_buckets(sr->from, sr->to, &keys);
	for (i = 0; i < n; i++) {
		store_args_add(&a, keys[i]);
		free(keys[i]);
	}
	free(keys);
	if (api_eval_at(sr->req, SCRIPT_SCORECARD, sr->now, &a, api_on_scorecard, sr) == -1)
		free(sr);
}

void
api_get_scorecard(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct scorecard_req *sr;
	const char *by = http_request_query(req, "by");
	int64_t from = 0, to = 0, now = sys_now_ms();
	size_t i;
	int rf, rt, bad;

	if ((rf = time_param(req, "from", &from)) == -1 || (rt = time_param(req, "to", &to)) == -1)
		return;
	/* Whole hours: the smallest bucket. */
	to = rt == 1 ? floor_hour(now) + HOUR_MS : floor_hour(to + HOUR_MS - 1);
	from = rf == 1 ? to - DEFAULT_RANGE_MS : floor_hour(from);
	if (from >= to) {
		http_respond_error(req, 400, "invalid_parameter", "from", "from must be before to");
		return;
	}
	if (to - from > RANGE_MAX_MS) {
		http_respond_error(req, 400, "invalid_parameter", "to",
		    "a scorecard covers at most three years");
		return;
	}
	if (by != NULL) {
		for (i = 0; i < LR_NELEM(dims); i++)
			if (strcmp(by, dims[i]) == 0)
				break;
		if (i == LR_NELEM(dims)) {
			http_respond_error(req, 400, "invalid_parameter", "by",
			    "by must be rep, pool, source or rule");
			return;
		}
		by = dims[i];
	}
	sr = xcalloc(1, sizeof(*sr));
	sr->req = req;
	sr->from = from;
	sr->to = to;
	sr->now = now;
	sr->by = by;
	sr->csv = wants_csv(req, &bad);
	if (bad) {
		free(sr);
		http_respond_error(req, 400, "invalid_parameter", "format", "format must be json or csv");
		return;
	}
	/*
	 * Fold what just happened first: one batch that starts after this
	 * request, so a backlog cannot hold up a report.
	 */
	scorecard_agg_catch_up(srv->agg, api_on_caught_up, sr);
}
