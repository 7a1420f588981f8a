/* scripts.c — the table of embedded scripts (their text comes from lua_sources.c). */
#include "config.h"

#include "io/scripts.h"

extern const char lua_src_outbox_lease[], lua_src_outbox_settle[], lua_src_notifications[];
extern const char lua_src_route[], lua_src_drain[], lua_src_rep_status[], lua_src_touch[],
    lua_src_lead_get[], lua_src_reps[], lua_src_sla_claim[], lua_src_escalations[],
    lua_src_pool_view[], lua_src_accounts[], lua_src_esc_ack[], lua_src_cfg_publish[],
    lua_src_stage[], lua_src_agg_apply[], lua_src_scorecard[], lua_src_definitions[],
    lua_src_erase[], lua_src_erase_stream[];

const struct script scripts[SCRIPT_COUNT] = {
	[SCRIPT_ROUTE] = { "route", lua_src_route },
	[SCRIPT_DRAIN] = { "drain", lua_src_drain },
	[SCRIPT_REP_STATUS] = { "rep_status", lua_src_rep_status },
	[SCRIPT_TOUCH] = { "touch", lua_src_touch },
	[SCRIPT_LEAD_GET] = { "lead_get", lua_src_lead_get },
	[SCRIPT_REPS] = { "reps", lua_src_reps },
	[SCRIPT_SLA_CLAIM] = { "sla_claim", lua_src_sla_claim },
	[SCRIPT_ESCALATIONS] = { "escalations", lua_src_escalations },
	[SCRIPT_POOL_VIEW] = { "pool_view", lua_src_pool_view },
	[SCRIPT_ACCOUNTS] = { "accounts", lua_src_accounts },
	[SCRIPT_ESC_ACK] = { "esc_ack", lua_src_esc_ack },
	[SCRIPT_CFG_PUBLISH] = { "cfg_publish", lua_src_cfg_publish },
	[SCRIPT_OUTBOX_LEASE] = { "outbox_lease", lua_src_outbox_lease },
	[SCRIPT_OUTBOX_SETTLE] = { "outbox_settle", lua_src_outbox_settle },
	[SCRIPT_NOTIFICATIONS] = { "notifications", lua_src_notifications },
	[SCRIPT_STAGE] = { "stage", lua_src_stage },
	[SCRIPT_AGG_APPLY] = { "agg_apply", lua_src_agg_apply },
	[SCRIPT_SCORECARD] = { "scorecard", lua_src_scorecard },
	[SCRIPT_DEFINITIONS] = { "definitions", lua_src_definitions },
	[SCRIPT_ERASE] = { "erase", lua_src_erase },
	[SCRIPT_ERASE_STREAM] = { "erase_stream", lua_src_erase_stream },
};
