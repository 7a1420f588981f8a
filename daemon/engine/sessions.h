/* sessions.h — console sign-ins: the signing key, and sessions signed out before they expire. */
#ifndef LEADROUTED_SESSIONS_H
#define LEADROUTED_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "leadroute/session.h"

struct server;
struct sessions;

struct sessions *sessions_new(struct server *srv);
void sessions_free(struct sessions *ss);

/* Follow the signed-out list in Redis (every SESSIONS_SYNC_MS, and on every connection). */
void sessions_start(struct sessions *ss);
void sessions_kick(struct sessions *ss);

/*
 * The key that signs sessions, derived from the keyed-hash key every daemon
 * shares (pii_key.c), into key (32 bytes); -1 while that key is not loaded.
 */
int sessions_key(unsigned char key[32]);

/* True when the session was signed out (here, or by another daemon's last sync). */
int sessions_revoked(const struct sessions *ss, const char *id);

/*
 * Sign a session out: revoked here at once, and in Redis for the other
 * daemons until it would have expired. done(ok, arg) runs once, ok 0 when
 * Redis did not take it.
 */
void sessions_revoke(struct sessions *ss, const struct session *s,
    void (*done)(int ok, void *arg), void *arg);

#endif
