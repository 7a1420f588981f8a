/*
 * accounts.c — seeds Redis with the accounts the config lists (the import
 * action of accounts.lua, as "config"), so a lead whose email domain is an
 * account's can go to that account's owner. The endpoints that read and
 * change accounts are api/accounts.c.
 */
#include "config.h"

#include <stdint.h>

#include <jansson.h>

#include "engine/accounts.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

/* The seeding's answer: say how many accounts it wrote. */
static void
accounts_on_seeded(const struct store_reply *reply, void *arg)
{
	if (reply->err == NULL)
		log_info("accounts_seeded", "count=%lld",
		    (long long)json_integer_value(json_object_get(reply->json, "imported")));
}

void
accounts_seed(struct server *srv)
{
	const struct conf *conf = srv->conf;
	struct store_args a = { 0 };
	size_t i;

	if (conf->naccounts == 0)
		return;
	store_args_add(&a, "import");
	store_args_add(&a, "config");
	store_args_add_int(&a, (int64_t)conf->naccounts);
	for (i = 0; i < conf->naccounts; i++) {
		store_args_add(&a, conf->accounts[i].domain);
		store_args_add(&a, conf->accounts[i].owner->id);
		store_args_add(&a, conf->accounts[i].name);
	}
	store_eval(srv->store, SCRIPT_ACCOUNTS, sys_now_ms(), &a, accounts_on_seeded, NULL);
}
