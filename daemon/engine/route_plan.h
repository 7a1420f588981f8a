/*
 * route_plan.h — what the route script needs of the config and the clock to
 * route a rule's leads: the rule's targets with their candidates, its queue,
 * the sticky window, the reps' facts and the clock plan. The same for every
 * lead of the rule within a second, so it is built once and sent by its
 * digest: the script keeps the plans it has parsed (route_plan.lua) and asks
 * for the plan itself only when it has not seen its digest.
 */
#ifndef LEADROUTED_ROUTE_PLAN_H
#define LEADROUTED_ROUTE_PLAN_H

#include <stdint.h>

#include "leadroute/conf.h"

#include "io/store.h"

/* A digest's length in hex digits (64 bits: plans in use are a handful). */
#define ROUTE_PLAN_KEY_LEN 16

struct route_plan {
	char			 key[ROUTE_PLAN_KEY_LEN + 1];	/* hex digest of args */
	struct store_args	 args;
};

/*
 * The plan of rule (of conf, or a rule of the daemon's own such as the
 * nurture hold) at now: borrowed, valid until the next call for the same
 * rule or with another config. Rebuilt at most once a second per rule.
 */
const struct route_plan *route_plan_get(const struct conf *conf, const struct conf_rule *rule,
    int64_t now_ms);

/* True for a clock a new lead's first events can start (see the clock plan). */
int route_plan_clock_starts_new(const struct conf_clock *k);

#endif
