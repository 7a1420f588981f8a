/* accounts.h — the config's accounts, kept in Redis for account-owner routing. */
#ifndef LEADROUTED_ACCOUNTS_H
#define LEADROUTED_ACCOUNTS_H

struct server;

/*
 * Write the config's accounts to Redis, their source "config" (start-up,
 * every reconnection, reload). Logs how many once the script answers;
 * does nothing when the config has none.
 */
void accounts_seed(struct server *srv);

#endif
