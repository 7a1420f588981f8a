/* pii_key.h — the key behind this process's hashes of emails and phones. */
#ifndef LEADROUTED_PII_KEY_H
#define LEADROUTED_PII_KEY_H

#include <stddef.h>

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/pii.h"

struct server;

/*
 * Make the key ready: pii.hash_key from the config, else the one kept in
 * Redis (made once, at random, by whichever daemon comes first, so every
 * daemon hashes alike). Called on every connection to Redis.
 */
void pii_key_load(struct server *srv);

/* True once a key is there (leads wait for it: their subjects are indexed by it). */
int pii_key_ready(void);

/* The key (borrowed). */
const unsigned char *pii_key(size_t *len);

/*
 * How logs name a lead's person: the first of its subjects (the keyed hashes
 * pii_lead_subjects made: its email's, else its phone's) as "h:<hash>", or
 * the raw email (else phone) with pii.log_raw; "-" when it has neither.
 */
const char *pii_log_subject(const struct conf *conf, const json_t *fields, const char *subjects,
    char *buf, size_t len);

#endif
