/*
 * lead_snap.c — leads as outbound events show them. Each event of a lead
 * reaches every subscription that wants it, and a lead's first events come
 * together (received, then assigned): without sharing, that is one HMGET
 * per event per subscription. Here a lead is read once and the snapshot
 * kept for a moment, reused by any event it is new enough for: a snapshot
 * whose seq (the lead's last event when it was read) is at least the
 * event's own already shows that event. A read still on its way is joined;
 * as the store is one ordered connection, a read sent after an event was
 * read from the stream sees that event, and a waiter an earlier read turns
 * out too old for gets a read of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/util.h"

#include "engine/lead_snap.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define SNAP_SLOTS	1024	/* leads kept, by a hash of their id */
#define SNAP_MAX_AGE_MS	2000	/* a snapshot is reused this long at most */

struct snap_waiter {
	struct snap_waiter	*next;
	int64_t			 seq;
	lead_snap_cb		*cb;
	void			*arg;
};

/* A read under way and who waits for it. */
struct snap_fetch {
	struct lead_snaps	*ls;
	char			*lead;
	size_t			 slot;
	struct snap_waiter	*waiters;
	int			 orphan;	/* its slot moved on: free it when it answers */
};

struct snap_slot {
	char			*lead;
	struct lead_snap	 snap;
	int64_t			 read_at;	/* 0: empty */
	struct snap_fetch	*fetch;		/* a read of this lead under way */
};

struct lead_snaps {
	struct server		*srv;
	struct snap_slot	 slots[SNAP_SLOTS];
};

static void
snap_clear(struct lead_snap *s)
{
	event_lead_snap_clear(s);
}

static void
slot_clear(struct snap_slot *sl)
{
	free(sl->lead);
	sl->lead = NULL;
	snap_clear(&sl->snap);
	sl->read_at = 0;
}

static void snap_read(struct lead_snaps *ls, size_t slot, const char *lead,
    struct snap_waiter *waiters);

static void
snap_on_read(const struct store_reply *reply, void *arg)
{
	struct snap_fetch *f = arg;
	struct lead_snaps *ls = f->ls;
	struct snap_slot *sl = &ls->slots[f->slot];
	struct snap_waiter *w, *next, *again = NULL;
	struct lead_snap snap = { 0 }, *use = &snap;

	if (reply->err == NULL)
		event_lead_snap_fill(&snap, reply->raw);
	if (!f->orphan) {
		sl->fetch = NULL;
		if (reply->err == NULL) {
			slot_clear(sl);
			sl->lead = xstrdup(f->lead);
			sl->snap = snap;
			sl->read_at = sys_now_ms();
			use = &sl->snap;	/* the slot keeps it, and what callers build into it */
		}
	}
	for (w = f->waiters; w != NULL; w = next) {
		next = w->next;
		if (reply->err != NULL) {
			w->cb(NULL, w->arg);
			free(w);
		} else if (use->seq >= w->seq) {
			w->cb(use, w->arg);
			free(w);
		} else {
			w->next = again;	/* read before its event: read again */
			again = w;
		}
	}
	if (again != NULL)
		snap_read(ls, f->slot, f->lead, again);
	if (use == &snap)
		snap_clear(&snap);
	free(f->lead);
	free(f);
}

/* Read lead for waiters (a list) through slot. */
static void
snap_read(struct lead_snaps *ls, size_t slot, const char *lead, struct snap_waiter *waiters)
{
	struct snap_slot *sl = &ls->slots[slot];
	struct snap_fetch *f = xcalloc(1, sizeof(*f));
	struct store_args a = { 0 };
	char *key = xasprintf("%s:lead:%s", ls->srv->conf->redis.prefix, lead);
	struct snap_waiter *w;

	f->ls = ls;
	f->lead = xstrdup(lead);
	f->slot = slot;
	f->waiters = waiters;
	if (sl->fetch != NULL)
		sl->fetch->orphan = 1;	/* another lead in the same slot: this one takes it */
	sl->fetch = f;
	store_args_add(&a, "HMGET");
	store_args_add(&a, key);
	free(key);
	event_lead_fields(ls->srv->conf, &a);
	if (store_command(ls->srv->store, "HMGET", &a, snap_on_read, f) == -1) {
		sl->fetch = NULL;
		for (w = f->waiters; w != NULL; w = waiters) {
			waiters = w->next;
			w->cb(NULL, w->arg);
			free(w);
		}
		free(f->lead);
		free(f);
	}
}

void
lead_snaps_get(struct lead_snaps *ls, const char *lead, int64_t seq, lead_snap_cb *cb, void *arg)
{
	size_t slot = util_hash(lead, strlen(lead)) % SNAP_SLOTS;
	struct snap_slot *sl = &ls->slots[slot];
	struct snap_waiter *w;

	if (sl->read_at != 0 && strcmp(sl->lead, lead) == 0 && sl->snap.seq >= seq &&
	    sys_now_ms() - sl->read_at <= SNAP_MAX_AGE_MS) {
		cb(&sl->snap, arg);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->seq = seq;
	w->cb = cb;
	w->arg = arg;
	if (sl->fetch != NULL && strcmp(sl->fetch->lead, lead) == 0) {
		w->next = sl->fetch->waiters;
		sl->fetch->waiters = w;
		return;
	}
	snap_read(ls, slot, lead, w);
}

struct lead_snaps *
lead_snaps_new(struct server *srv)
{
	struct lead_snaps *ls = xcalloc(1, sizeof(*ls));

	ls->srv = srv;
	return ls;
}

void
lead_snaps_free(struct lead_snaps *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < SNAP_SLOTS; i++)
		slot_clear(&ls->slots[i]);
	free(ls);
}
