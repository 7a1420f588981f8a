/* route.h — which rule a lead matches. */
#ifndef LEADROUTE_ROUTE_H
#define LEADROUTE_ROUTE_H

#include "leadroute/cond.h"
#include "leadroute/conf.h"

/*
 * The first rule whose conditions hold for the lead; *evaluated is how many
 * rules were tried (all before the match failed). The config guarantees a
 * default rule, so this is never NULL for a valid config.
 */
const struct conf_rule *route_select_rule(const struct conf *conf, struct cond_lead *lead,
    size_t *evaluated);

#endif
