/*
 * conf_crm.c — CRM connectors: where a lead's owner is written back
 * (docs/crm.md), HubSpot or Salesforce. Each connector is delivered as an event subscription
 * (conf_subs.c adds one per connector), so it has their retries, dead
 * letters, pause and status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/crm_answer.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define CRM_HUBSPOT_API		"https://api.hubapi.com"
#define CRM_IN_FLIGHT_MAX	64
#define CRM_ATTEMPTS_MAX	100
#define CRM_PAUSE_MIN_MS	1000
#define CRM_PAUSE_MAX_MS	(30LL * 86400 * 1000)
#define CRM_TOKEN_MAX		1024
#define CRM_TTL_MIN_MS		60000
#define CRM_TTL_MAX_MS		(24LL * 3600 * 1000)

static const char *
crm_pair_find(const struct conf_crm_pair *pairs, size_t n, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < n; i++)
		if (strcmp(pairs[i].key, key) == 0)
			return pairs[i].value;
	return NULL;
}

const char *
conf_crm_owner(const struct conf_crm *crm, const char *rep)
{
	return crm_pair_find(crm->owners, crm->nowners, rep);
}

const char *
conf_crm_stage(const struct conf_crm *crm, const char *stage)
{
	return crm->status_property != NULL ? crm_pair_find(crm->stages, crm->nstages, stage) :
	    NULL;
}

/* True when a token can go in a header as it is: printable ASCII, no spaces. */
static int
crm_token_ok(const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return 0;
	return len > 0 && len <= CRM_TOKEN_MAX;
}

/*
 * A map (map_what: of what to what) into pairs; each key passes known (an error
 * naming what is unknown otherwise), each value passes value_ok.
 */
static struct conf_crm_pair *
crm_pairs(struct conf_ctx *ctx, const struct ynode *map, const char *path,
    const char *map_what, int (*known)(const struct conf *, const char *), const char *unknown,
    int (*value_ok)(const char *), const char *expected, size_t *n)
{
	struct conf_crm_pair *pairs;
	char sub[192];
	size_t i;

	*n = 0;
	if (map->type != YNODE_MAP) {
		conf_error(ctx, map->line, path, "expected a map of %s", map_what);
		return NULL;
	}
	pairs = xcalloc(map->n + 1, sizeof(*pairs));
	for (i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->value, *v;

		snprintf(sub, sizeof(sub), "%s.%s", path, k);
		if (!known(ctx->conf, k)) {
			conf_error(ctx, map->keys[i]->line, sub, "unknown %s \"%s\"", unknown, k);
			continue;
		}
		if ((v = confread_scalar(ctx->diags, map->items[i], sub, expected)) == NULL)
			continue;
		if (!value_ok(v)) {
			conf_error(ctx, map->items[i]->line, sub, "expected %s, not \"%s\"",
			    expected, v);
			continue;
		}
		pairs[*n].key = xstrdup(k);
		pairs[(*n)++].value = xstrdup(v);
	}
	return pairs;
}

static int
crm_rep_known(const struct conf *c, const char *id)
{
	return conf_find_rep(c, id) != NULL;
}

static int
crm_stage_known(const struct conf *c, const char *id)
{
	return conf_find_stage(c, id) != NULL;
}

static int
crm_value_ok(const char *v)
{
	return v[0] != '\0' && strlen(v) <= 256;
}

/* lead_status: {property: NAME, stages: {stage: VALUE, …}}. */
static void
crm_lead_status(struct conf_ctx *ctx, const struct ynode *n, const char *path,
    struct conf_crm *crm)
{
	/* HubSpot names its properties, Salesforce its fields. */
	static const char *const hs_keys[] = { "property", "stages", NULL };
	static const char *const sf_keys[] = { "field", "stages", NULL };
	int sf = crm->kind == CRM_KIND_SALESFORCE;
	const struct ynode *stages;
	const char *prop;
	char sub[160];

	snprintf(sub, sizeof(sub), "%s.lead_status", path);
	if (confread_check_keys(ctx->diags, n, sub, sf ? sf_keys : hs_keys) == -1)
		return;
	if ((prop = confread_id(ctx->diags, n, sf ? "field" : "property", sub)) != NULL)
		crm->status_property = xstrdup(prop);
	if ((stages = ytree_get(n, "stages")) == NULL) {
		conf_error(ctx, n->line, sub, "missing \"stages\": a map of the lifecycle's stages "
		    "to the %s's values", sf ? "field" : "property");
		return;
	}
	snprintf(sub, sizeof(sub), "%s.lead_status.stages", path);
	crm->stages = crm_pairs(ctx, stages, sub, sf ?
	    "the lifecycle's stages to the field's values" :
	    "the lifecycle's stages to the property's values",
	    crm_stage_known, "stage", crm_value_ok,
	    sf ? "the field's value (a string)" : "the property's value (a string)",
	    &crm->nstages);
}

/* A secret under key (text, credential:NAME, file:PATH), what: what it is; NULL after reporting. */
static char *
crm_secret(struct conf_ctx *ctx, const struct ynode *item, const char *path, const char *key,
    const char *what, size_t *len)
{
	const struct ynode *n = ytree_get(item, key);
	const char *ref;
	char sub[160], *text;

	if (n == NULL) {
		conf_error(ctx, item->line, path, "missing \"%s\": %s (credential:NAME, file:PATH "
		    "or the text)", key, what);
		return NULL;
	}
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if ((ref = confread_scalar(ctx->diags, n, sub, "a secret")) == NULL ||
	    (text = confread_secret_ref(ctx->diags, n->line, sub, ref, len)) == NULL)
		return NULL;
	if (!crm_token_ok(text, *len))
		conf_error(ctx, n->line, sub, "expected printable characters without spaces, at "
		    "most %d", CRM_TOKEN_MAX);
	return text;
}

static int
crm_version_ok(const char *v)
{
	size_t i = 0;

	while (v[i] >= '0' && v[i] <= '9')
		i++;
	return i >= 2 && i <= 3 && strcmp(v + i, ".0") == 0;
}

/* What only Salesforce's connector takes, and what it does not. */
static void
crm_parse_salesforce(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_crm *crm)
{
	static const char *const hubspot_only[] = { "token", "api_url", "create_missing", NULL };
	const struct ynode *n;
	const char *url, *v;
	char sub[160];
	size_t i, len;

	for (i = 0; hubspot_only[i] != NULL; i++)
		if ((n = ytree_get(item, hubspot_only[i])) != NULL) {
			snprintf(sub, sizeof(sub), "%s.%s", path, hubspot_only[i]);
			conf_error(ctx, n->line, sub, "a HubSpot connector's: Salesforce takes "
			    "login_url, client_id and client_secret");
		}
	url = confread_url(ctx->diags, item, "login_url", path);
	crm->api_url = xstrdup(url != NULL ? url : "");
	crm->client_id = crm_secret(ctx, item, path, "client_id",
	    "the connected app's consumer key", &len);
	crm->client_secret = crm_secret(ctx, item, path, "client_secret",
	    "the connected app's consumer secret", &crm->client_secret_len);
	crm->api_version = xstrdup("60.0");
	if ((v = confread_opt_string(ctx->diags, item, "api_version", path)) != NULL) {
		if (crm_version_ok(v)) {
			free(crm->api_version);
			crm->api_version = xstrdup(v);
		} else {
			snprintf(sub, sizeof(sub), "%s.api_version", path);
			conf_error(ctx, ytree_get(item, "api_version")->line, sub,
			    "expected a REST API version such as \"60.0\", not \"%s\"", v);
		}
	}
	crm->object = xstrdup("Lead");
	if ((v = confread_opt_string(ctx->diags, item, "object", path)) != NULL) {
		if (strcmp(v, "Lead") == 0 || strcmp(v, "Contact") == 0) {
			free(crm->object);
			crm->object = xstrdup(v);
		} else {
			snprintf(sub, sizeof(sub), "%s.object", path);
			conf_error(ctx, ytree_get(item, "object")->line, sub,
			    "expected Lead or Contact, not \"%s\"", v);
		}
	}
	crm->token_ttl_ms = 3600 * 1000;
	if ((n = ytree_get(item, "token_ttl")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.token_ttl", path);
		confread_duration(ctx->diags, n, sub, CRM_TTL_MIN_MS, CRM_TTL_MAX_MS,
		    &crm->token_ttl_ms);
	}
}

/* What only HubSpot's connector takes. */
static void
crm_parse_hubspot(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_crm *crm)
{
	static const char *const salesforce_only[] = { "login_url", "client_id",
		"client_secret", "api_version", "object", "token_ttl", NULL };
	const struct ynode *n;
	const char *url;
	char sub[160];
	size_t i;

	for (i = 0; salesforce_only[i] != NULL; i++)
		if ((n = ytree_get(item, salesforce_only[i])) != NULL) {
			snprintf(sub, sizeof(sub), "%s.%s", path, salesforce_only[i]);
			conf_error(ctx, n->line, sub, "a Salesforce connector's: HubSpot takes a "
			    "token");
		}
	url = ytree_get(item, "api_url") != NULL ? confread_url(ctx->diags, item, "api_url", path) :
	    CRM_HUBSPOT_API;
	crm->api_url = xstrdup(url != NULL ? url : "");
	crm->token = crm_secret(ctx, item, path, "token", "the private app's access token",
	    &crm->token_len);
	confread_bool(ctx->diags, item, "create_missing", path, &crm->create_missing);
}

static void
crm_parse(struct conf_ctx *ctx, const struct ynode *item, const char *path, struct conf_crm *crm)
{
	const struct ynode *n;
	const char *type;
	char sub[160];
	size_t len;
	int sf;

	type = confread_id(ctx->diags, item, "type", path);
	sf = type != NULL && strcmp(type, "salesforce") == 0;
	if (type != NULL && !sf && strcmp(type, "hubspot") != 0) {
		snprintf(sub, sizeof(sub), "%s.type", path);
		conf_error(ctx, ytree_get(item, "type")->line, sub,
		    "unknown CRM \"%s\" (hubspot or salesforce)", type);
	}
	crm->kind = sf ? CRM_KIND_SALESFORCE : CRM_KIND_HUBSPOT;
	if (sf)
		crm_parse_salesforce(ctx, item, path, crm);
	else
		crm_parse_hubspot(ctx, item, path, crm);
	for (len = strlen(crm->api_url); len > 0 && crm->api_url[len - 1] == '/'; len--)
		crm->api_url[len - 1] = '\0';
	if ((n = ytree_get(item, "owners")) == NULL) {
		conf_error(ctx, item->line, path, sf ? "missing \"owners\": each rep's Salesforce "
		    "user id (005…)" : "missing \"owners\": each rep's HubSpot owner id "
		    "(GET /crm/v3/owners lists them)");
	} else {
		snprintf(sub, sizeof(sub), "%s.owners", path);
		if (sf)
			crm->owners = crm_pairs(ctx, n, sub, "reps to their Salesforce user ids",
			    crm_rep_known, "rep", crm_sf_id_ok,
			    "a Salesforce user id (15 or 18 letters and digits, 005…)",
			    &crm->nowners);
		else
			crm->owners = crm_pairs(ctx, n, sub, "reps to their HubSpot owner ids",
			    crm_rep_known, "rep", crm_hubspot_id_ok,
			    "a HubSpot owner id (digits, as GET /crm/v3/owners lists them)",
			    &crm->nowners);
	}
	if ((n = ytree_get(item, "lead_status")) != NULL)
		crm_lead_status(ctx, n, path, crm);
	crm->max_in_flight = 4;
	if (ytree_get(item, "max_in_flight") != NULL)
		confread_opt_count(ctx->diags, item, "max_in_flight", path, 1, CRM_IN_FLIGHT_MAX,
		    &crm->max_in_flight);
	crm->attempts = 10;
	if (ytree_get(item, "attempts") != NULL)
		confread_opt_count(ctx->diags, item, "attempts", path, 1, CRM_ATTEMPTS_MAX,
		    &crm->attempts);
	crm->pause_after_ms = 3600 * 1000;
	if ((n = ytree_get(item, "pause_after")) != NULL) {
		snprintf(sub, sizeof(sub), "%s.pause_after", path);
		confread_duration(ctx->diags, n, sub, CRM_PAUSE_MIN_MS, CRM_PAUSE_MAX_MS,
		    &crm->pause_after_ms);
	}
}

void
conf_parse_crm(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "type", "api_url", "token", "owners",
		"create_missing", "lead_status", "max_in_flight", "attempts", "pause_after",
		"login_url", "client_id", "client_secret", "api_version", "object", "token_ttl",
		NULL };
	struct conf *c = ctx->conf;
	char path[64];
	size_t i, k;

	if (!confread_is_list(ctx->diags, list, "crm", "CRM connectors"))
		return;
	c->crm = xcalloc(list->n + 1, sizeof(*c->crm));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		struct conf_crm *crm;
		const char *id;
		int prev = 0;

		snprintf(path, sizeof(path), "crm[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		for (k = 0; k < c->ncrm; k++)
			if (strcmp(c->crm[k].id, id) == 0)
				prev = c->crm[k].line;
		if (confread_duplicate(ctx->diags, item, path, "CRM connector id", id, prev))
			continue;
		crm = &c->crm[c->ncrm++];
		crm->id = xstrdup(id);
		crm->line = item->line;
		crm_parse(ctx, item, path, crm);
	}
}

static void
crm_pairs_free(struct conf_crm_pair *pairs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(pairs[i].key);
		free(pairs[i].value);
	}
	free(pairs);
}

void
conf_free_crm(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->ncrm; i++) {
		struct conf_crm *crm = &c->crm[i];

		free(crm->id);
		free(crm->api_url);
		if (crm->token != NULL)
			explicit_bzero(crm->token, crm->token_len);
		free(crm->token);
		if (crm->client_secret != NULL)
			explicit_bzero(crm->client_secret, crm->client_secret_len);
		free(crm->client_secret);
		free(crm->client_id);
		free(crm->api_version);
		free(crm->object);
		crm_pairs_free(crm->owners, crm->nowners);
		free(crm->status_property);
		crm_pairs_free(crm->stages, crm->nstages);
	}
	free(c->crm);
}
