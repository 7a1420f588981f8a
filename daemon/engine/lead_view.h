/* lead_view.h — a lead as the daemon reads it back: from its Redis hash or a route answer. */
#ifndef LEADROUTED_LEAD_VIEW_H
#define LEADROUTED_LEAD_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

/*
 * A lead as the API shows it. Every string is borrowed from what it was
 * filled from (a Redis reply, a lead being submitted) and lives as long as
 * that does.
 */
struct lead_view {
	const char	*id;
	const char	*person;	/* the person it belongs to (see person.lua) */
	const char	*status;
	const char	*owner;
	const char	*pool;
	const char	*rule;
	int64_t		 received_at;	/* epoch ms; -1: not yet */
	int64_t		 assigned_at;
	int64_t		 touched_at;
	int64_t		 touches;
	const char	*fields;	/* the lead's fields as JSON text */
	size_t		 fields_len;
	const char	*warnings;	/* JSON array of {field, value, message}, or NULL */
	size_t		 warnings_len;
	const char	*events;	/* its history as a JSON array, or NULL */
	size_t		 events_len;
	int64_t		 score;		/* -1: not scored */
	const char	*grade;
	int		 mql;
	const char	*breakdown;	/* JSON array of {reason, points} */
	size_t		 breakdown_len;
	const char	*config_version;	/* of the config that decided */
	int64_t		 rules_tried;	/* rules evaluated; the last one matched */
	const char	*rules_then;	/* its config's rule names (JSON) when not the running one */
	size_t		 rules_then_len;
	const char	*trace;		/* targets tried and why (see route.lua) */
	const char	*trace_queue;	/* the pick that took it off its queue, if any */
	const char	*action;	/* the rule's action: pool, rep, route or nurture */
	const char	*clocks;	/* {name: state} as JSON (route.lua's answer), or NULL */
	size_t		 clocks_len;
	const redisReply *hash;		/* the stored lead, for its clk:* fields */
	const char	*owners;	/* everyone who owned it, comma-separated */
	const char	*esc_open;	/* open escalations as "id:clock,…" */
	const char	*stage;		/* lifecycle stage, or NULL (a nurtured lead has none) */
	int64_t		 stage_at;
	const char	*stage_by;
	int64_t		 decided_at;	/* its first disposition */
	int64_t		 amount;	/* cents; -1: none */
	const char	*reject_reason;
	const char	*reason;	/* why it was closed lost */
};

/* An empty view: no strings, every time and count -1 (touches and mql 0). */
void lead_view_init(struct lead_view *v);

/* Fill v from a lead's Redis hash as a flat field, value, ... array (borrowed by v). */
void lead_view_from_hash(struct lead_view *v, const redisReply *hash);

#endif
