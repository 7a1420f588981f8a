/* route.c — rules are tried in order; the first whose conditions hold wins. */
#include "config.h"

#include "leadroute/route.h"

const struct conf_rule *
route_select_rule(const struct conf *conf, struct cond_lead *lead, size_t *evaluated)
{
	size_t i;

	for (i = 0; i < conf->nrules; i++) {
		if (cond_eval(&conf->rules[i].when, lead)) {
			if (evaluated != NULL)
				*evaluated = i + 1;
			return &conf->rules[i];
		}
	}
	if (evaluated != NULL)
		*evaluated = conf->nrules;
	return NULL;
}
