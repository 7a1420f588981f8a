/* scripts.h — the server-side Lua scripts, embedded at build time from daemon/lua/. */
#ifndef LEADROUTED_SCRIPTS_H
#define LEADROUTED_SCRIPTS_H

enum script_id {
	SCRIPT_ROUTE,		/* store a new lead and assign or queue it */
	SCRIPT_DRAIN,		/* assign queued leads of pools to available reps */
	SCRIPT_REP_STATUS,	/* set a rep's status, then drain its pools */
	SCRIPT_TOUCH,		/* record a touch by the owner */
	SCRIPT_LEAD_GET,	/* a lead with its history */
	SCRIPT_REPS,		/* status and open-lead count of reps */
	SCRIPT_SLA_CLAIM,	/* claim due deadlines and record escalations */
	SCRIPT_ESCALATIONS,	/* page through escalations */
	SCRIPT_POOL_VIEW,	/* a pool's rotation, read-only */
	SCRIPT_ACCOUNTS,	/* accounts: put, get, delete, import, list */
	SCRIPT_ESC_ACK,		/* acknowledge an escalation */
	SCRIPT_CFG_PUBLISH,	/* publish clocks, policies and calendars for the scripts */
	SCRIPT_OUTBOX_LEASE,	/* take due notifications for one delivery attempt */
	SCRIPT_OUTBOX_SETTLE,	/* record the outcome of a delivery attempt */
	SCRIPT_NOTIFICATIONS,	/* dead-lettered notifications: list, retry */
	SCRIPT_STAGE,		/* accept, reject or move a lead through its lifecycle */
	SCRIPT_AGG_APPLY,	/* fold new events into the scorecard's aggregates */
	SCRIPT_SCORECARD,	/* sum the aggregates of a range */
	SCRIPT_DEFINITIONS,	/* record a definitions version; list the history */
	SCRIPT_ERASE,		/* erase a person's leads and leave tombstones */
	SCRIPT_ERASE_STREAM,	/* delete erased leads' stream entries, a page at a time */
	SCRIPT_COUNT
};

struct script {
	const char	*name;
	const char	*source;	/* the preludes (common.lua, clocks.lua), then the script */
};

extern const struct script scripts[SCRIPT_COUNT];

#endif
