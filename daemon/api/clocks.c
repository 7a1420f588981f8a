/*
 * api_clocks.c — GET /v1/clocks: the SLA clocks running now, soonest due
 * first, with the time each has left; what a team's live view watches.
 */
#include "config.h"

#include <string.h>

#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "io/store.h"

#define CLOCKS_DEFAULT_LIMIT	100
#define CLOCKS_MAX_LIMIT	500

/*
 * A running clock is at risk once the time left to its due time is at most
 * this percent of its duration, and breached past its due time. Every answer
 * carries it (at_risk_below_pct); docs/api.md says so.
 */
#define CLOCKS_AT_RISK_PCT	25

/* The states a clock's ?state= may ask for (sla_view.lua names them). */
static const char *const clock_states[] = { "on_track", "at_risk", "breached" };

/* One clock of the answer, from its item of the script's (see sla_view.lua). */
static void
api_write_clock(struct jsonw *w, const json_t *c, int64_t now)
{
	int64_t due = api_ms(json_object_get(c, "due_at"));

	jsonw_begin_object(w, NULL);
	jsonw_string(w, "lead", json_string_value(json_object_get(c, "lead")));
	jsonw_string(w, "clock", json_string_value(json_object_get(c, "clock")));
	jsonw_string(w, "owner", json_string_value(json_object_get(c, "owner")));
	jsonw_string(w, "pool", json_string_value(json_object_get(c, "pool")));
	jsonw_time(w, "started_at", api_ms(json_object_get(c, "started_at")));
	jsonw_time(w, "due_at", due);
	jsonw_int(w, "duration_ms", api_ms(json_object_get(c, "duration")));
	jsonw_int(w, "remaining_ms", due - now);
	jsonw_string(w, "state", json_string_value(json_object_get(c, "state")));
	jsonw_string(w, "escalation", json_string_value(json_object_get(c, "escalation")));
	jsonw_end_object(w);
}

static void
api_on_clocks(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const json_t *clocks, *c;
	struct jsonw w = { 0 };
	int64_t now;
	size_t i;

	if (api_check_answer(req, reply, json_is_object(reply->json),
	    "unexpected reply from the sla_view script") == -1)
		return;
	now = api_ms(json_object_get(reply->json, "now"));
	clocks = json_object_get(reply->json, "clocks");
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "clocks");
	if (json_is_array(clocks))	/* Redis's cjson writes an empty list as {} */
		json_array_foreach(clocks, i, c)
			api_write_clock(&w, c, now);
	jsonw_end_array(&w);
	jsonw_time(&w, "generated_at", now);
	jsonw_int(&w, "at_risk_below_pct", CLOCKS_AT_RISK_PCT);
	jsonw_bool(&w, "partial", json_is_true(json_object_get(reply->json, "partial")));
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

/* ?state=, NULL for any; -1 after answering 400 for a state that is none of clock_states. */
static int
api_clock_state_param(struct http_request *req, const char **state)
{
	size_t i;

	*state = http_request_query(req, "state");
	if (*state == NULL)
		return 0;
	for (i = 0; i < LR_NELEM(clock_states); i++)
		if (strcmp(*state, clock_states[i]) == 0)
			return 0;
	http_respond_error(req, 400, "invalid_parameter", "state",
	    "state must be on_track, at_risk or breached");
	return -1;
}

/* GET /v1/clocks?limit=&pool=&owner=&state= — a rep's token sees its own leads' clocks. */
void
api_get_clocks(struct http_request *req)
{
	const char *pool = http_request_query(req, "pool");
	const char *asked = http_request_query(req, "owner"), *owner, *state;
	struct store_args a = { 0 };
	long n;

	if (api_limit_param(req, CLOCKS_DEFAULT_LIMIT, CLOCKS_MAX_LIMIT, &n) == -1)
		return;
	if (pool != NULL && !util_valid_id(pool, 64)) {
		http_respond_error(req, 400, "invalid_parameter", "pool", "pool must be a pool id");
		return;
	}
	if (asked != NULL && !util_valid_id(asked, 64)) {
		http_respond_error(req, 400, "invalid_parameter", "owner", "owner must be a rep id");
		return;
	}
	if (api_clock_state_param(req, &state) == -1)
		return;
	if ((owner = auth_acting_rep(req, asked, "owner")) == NULL && asked != NULL)
		return;		/* a rep's token asked for another rep's clocks: 403 */
	store_args_add_int(&a, n);
	store_args_add(&a, pool != NULL ? pool : "");
	store_args_add(&a, owner != NULL ? owner : "");
	store_args_add(&a, state != NULL ? state : "");
	store_args_add_int(&a, CLOCKS_AT_RISK_PCT);
	api_eval(req, SCRIPT_SLA_VIEW, &a, api_on_clocks, req);
}
