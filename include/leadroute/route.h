/* route.h — which rule a lead matches. */
#ifndef LEADROUTE_ROUTE_H
#define LEADROUTE_ROUTE_H

#include <jansson.h>

#include "leadroute/conf.h"

/* True when every condition of the rule holds for the lead's fields. */
int route_rule_matches(const struct conf_rule *rule, const json_t *fields);

/* The first rule that matches; the config guarantees a default, so never NULL. */
const struct conf_rule *route_select_rule(const struct conf *conf, const json_t *fields);

#endif
