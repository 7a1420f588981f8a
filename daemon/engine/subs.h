/* subs.h — event subscriptions: the event stream delivered to subscribed systems, at least once. */
#ifndef LEADROUTED_SUBS_H
#define LEADROUTED_SUBS_H

struct server;
struct subs;

struct subs *subs_new(struct server *srv);
/* After the store is freed (its callbacks may still run). */
void subs_free(struct subs *subs);

/*
 * Start delivering: this daemon reads as consumer "<host>:<port>" (the same
 * name after a restart, so it picks up what it left pending).
 */
void subs_start(struct subs *subs, int port);

/* The config changed (or Redis reconnected): follow its subscriptions. */
void subs_configure(struct subs *subs);

/* Abort the deliveries under way: retried events are given back, new ones stay pending. */
void subs_stop(struct subs *subs);

/* A subscription's state changed (resumed, dead letters retried): look again now. */
void subs_refresh(struct subs *subs);

/* Events were just written: read them soon (a few ms, so reads come in batches). */
void subs_kick(struct subs *subs);

#endif
