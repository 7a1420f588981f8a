/* route.c — evaluate rules against a lead's fields. */
#include "config.h"

#include <string.h>

#include "leadroute/lead.h"
#include "leadroute/route.h"

int
route_rule_matches(const struct conf_rule *rule, const json_t *fields)
{
	char tmp[64];
	size_t i, j;

	for (i = 0; i < rule->nconds; i++) {
		const struct conf_cond *cond = &rule->conds[i];
		const char *text = lead_field_text(fields, cond->field, tmp, sizeof(tmp));

		if (text == NULL)
			return 0;
		for (j = 0; j < cond->nvalues; j++)
			if (strcmp(text, cond->values[j]) == 0)
				break;
		if (j == cond->nvalues)
			return 0;
	}
	return 1;
}

const struct conf_rule *
route_select_rule(const struct conf *conf, const json_t *fields)
{
	size_t i;

	for (i = 0; i < conf->nrules; i++)
		if (route_rule_matches(&conf->rules[i], fields))
			return &conf->rules[i];
	return NULL;
}
