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
#include "engine/report.h"
#include "io/sysutil.h"
#include "server.h"

#define HOUR_MS		3600000LL
#define RANGE_MAX_MS	(3LL * 366 * 24 * HOUR_MS)
#define DEFAULT_RANGE_MS (30LL * 24 * HOUR_MS)

static const char *const dims[] = { "rep", "pool", "source", "rule" };

struct scorecard_req {
	struct http_request	*req;
	int64_t			 from, to;
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

/*
 * The report's period from ?from= and ?to= (whole hours; by default the 30
 * days up to the end of the current hour): 0, or -1 after answering 400.
 * GET /v1/contract reads its period the same way.
 */
int
api_scorecard_period(struct http_request *req, int64_t now, struct report_period *p)
{
	int64_t from = 0, to = 0;
	int rf, rt;

	if ((rf = time_param(req, "from", &from)) == -1 || (rt = time_param(req, "to", &to)) == -1)
		return -1;
	/* Whole hours: the smallest bucket. */
	to = rt == 1 ? floor_hour(now) + HOUR_MS : floor_hour(to + HOUR_MS - 1);
	from = rf == 1 ? to - DEFAULT_RANGE_MS : floor_hour(from);
	if (from >= to) {
		http_respond_error(req, 400, "invalid_parameter", "from", "from must be before to");
		return -1;
	}
	if (to - from > RANGE_MAX_MS) {
		http_respond_error(req, 400, "invalid_parameter", "to",
		    "a scorecard covers at most three years");
		return -1;
	}
	p->from = from;
	p->to = to;
	return 0;
}

static void
api_on_scorecard(struct scorecard *const *scs, int up_to_date, const char *err, void *arg)
{
	struct scorecard_req *sr = arg;
	struct http_request *req = sr->req;
	struct scorecard *sc;
	char from[TSTAMP_LEN], to[TSTAMP_LEN];

	if (err != NULL) {
		api_respond_unavailable(req, err);
		free(sr);
		return;
	}
	sc = scs[0];
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
		jsonw_bool(&w, "up_to_date", up_to_date);
		scorecard_write_json(sc, &w);
		jsonw_end_object(&w);
		api_respond_jsonw(req, 200, &w);
	}
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

void
api_get_scorecard(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct scorecard_req *sr;
	const char *by = http_request_query(req, "by");
	struct report_period p;
	int64_t now = sys_now_ms();
	size_t i;
	int bad;

	if (api_scorecard_period(req, now, &p) == -1)
		return;
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
	sr->from = p.from;
	sr->to = p.to;
	sr->by = by;
	sr->csv = wants_csv(req, &bad);
	if (bad) {
		free(sr);
		http_respond_error(req, 400, "invalid_parameter", "format", "format must be json or csv");
		return;
	}
	report_read(srv, http_request_conf(req), &p, 1, by, now, api_on_scorecard, sr);
}
