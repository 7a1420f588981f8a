/* lead_index.h — the leads search's indexes kept in shape (lua/lib/index.lua). */
#ifndef LEADROUTED_LEAD_INDEX_H
#define LEADROUTED_LEAD_INDEX_H

struct server;
struct lead_index;

struct lead_index *lead_index_new(struct server *srv);
void lead_index_free(struct lead_index *ix);

/* Run the upkeep hourly from now on (the first within the hour). */
void lead_index_start(struct lead_index *ix);
void lead_index_stop(struct lead_index *ix);

/*
 * Trim each configured rep's owner index of entries past leads.retention and
 * give it and every company period its expiry: one script call, now (start-up,
 * reconnection, reload) and hourly, so routing writes nothing but the entries.
 */
void lead_index_upkeep(struct lead_index *ix);

#endif
