/*
 * contract.c — GET /v1/contract?from=&to=: the two-way SLA's targets beside
 * the actuals of the period and of the period of equal length before it.
 * The actuals are the scorecard's figures over the same cohort (leads that
 * arrived in the period), read the same way (engine/report.c).
 */
#include "config.h"

#include <stdlib.h>

#include "leadroute/contract.h"
#include "leadroute/tstamp.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/report.h"
#include "io/sysutil.h"
#include "server.h"

struct contract_req {
	struct http_request	*req;
	struct report_period	 p[2];		/* the period, the one before */
};

/* One period's commitments as members of the object w has open. */
static void
contract_period_json(const struct conf *conf, const struct scorecard *sc,
    struct report_period p, struct jsonw *w)
{
	char from[TSTAMP_LEN], to[TSTAMP_LEN];

	tstamp_format(p.from, from);
	tstamp_format(p.to, to);
	jsonw_string(w, "from", from);
	jsonw_string(w, "to", to);
	contract_write_actuals(&conf->contract, sc, p.from, p.to, w);
}

static void
api_on_contract(struct scorecard *const *sc, int up_to_date, const char *err, void *arg)
{
	struct contract_req *cr = arg;
	struct http_request *req = cr->req;
	const struct conf *conf = http_request_conf(req);
	struct jsonw w = { 0 };

	if (err != NULL) {
		api_respond_unavailable(req, err);
		free(cr);
		return;
	}
	jsonw_begin_object(&w, NULL);
	contract_period_json(conf, sc[0], cr->p[0], &w);
	jsonw_string(&w, "cohort", "leads by arrival time");
	jsonw_time(&w, "generated_at", sys_now_ms());
	jsonw_bool(&w, "up_to_date", up_to_date);
	jsonw_begin_object(&w, "previous");
	contract_period_json(conf, sc[1], cr->p[1], &w);
	jsonw_end_object(&w);
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
	free(cr);
}

void
api_get_contract(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct contract_req *cr;
	int64_t now = sys_now_ms();
	struct report_period p;

	if (api_scorecard_period(req, now, &p) == -1)
		return;
	cr = xcalloc(1, sizeof(*cr));
	cr->req = req;
	cr->p[0] = p;
	cr->p[1] = report_previous(p);
	report_read(srv, http_request_conf(req), cr->p, 2, NULL, now, api_on_contract, cr);
}
