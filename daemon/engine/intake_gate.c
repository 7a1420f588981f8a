/*
 * intake_gate.c — the identities of leads on their way, counted in a small
 * hash table, and the leads waiting for them in arrival order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/pii.h"
#include "leadroute/util.h"

#include "engine/intake_gate.h"

/* An identity some lead on its way holds, with how many hold it. */
struct gate_held {
	struct gate_held	*next;
	int			 n;
	char			 subject[PII_HASH_LEN + 1];
};

#define GATE_BUCKETS 1024

struct intake_gate {
	struct gate_held	*held[GATE_BUCKETS];
	TAILQ_HEAD(, gate_waiter) waiting;	/* in arrival order */
};

struct intake_gate *
intake_gate_new(void)
{
	struct intake_gate *gate = xcalloc(1, sizeof(*gate));

	TAILQ_INIT(&gate->waiting);
	return gate;
}

void
intake_gate_free(struct intake_gate *gate)
{
	struct gate_held *h, *next;
	size_t i;

	if (gate == NULL)
		return;
	for (i = 0; i < GATE_BUCKETS; i++)
		for (h = gate->held[i]; h != NULL; h = next) {
			next = h->next;
			free(h);
		}
	free(gate);
}

/* The link to one identity's holder in its bucket, or where it would go. */
static struct gate_held **
gate_find(struct intake_gate *gate, const char *subject, size_t len)
{
	struct gate_held **hp = &gate->held[util_hash(subject, len) % GATE_BUCKETS];

	for (; *hp != NULL; hp = &(*hp)->next)
		if (strlen((*hp)->subject) == len && memcmp((*hp)->subject, subject, len) == 0)
			break;
	return hp;
}

/* True when a lead on its way holds one of w's identities. */
static int
gate_busy(struct intake_gate *gate, const struct gate_waiter *w)
{
	const char *s = w->subjects, *end;

	for (; *s != '\0'; s = *end == ',' ? end + 1 : end) {
		end = s + strcspn(s, ",");
		if (*gate_find(gate, s, (size_t)(end - s)) != NULL)
			return 1;
	}
	return 0;
}

/* Hold w's identities (add 1) or let them go (add -1). */
static void
gate_hold(struct intake_gate *gate, struct gate_waiter *w, int add)
{
	struct gate_held **hp, *h;
	const char *s = w->subjects, *end;
	size_t len;

	for (; *s != '\0'; s = *end == ',' ? end + 1 : end) {
		end = s + strcspn(s, ",");
		if ((len = (size_t)(end - s)) > PII_HASH_LEN)
			continue;
		hp = gate_find(gate, s, len);
		if (*hp == NULL && add > 0) {
			*hp = h = xcalloc(1, sizeof(*h));
			memcpy(h->subject, s, len);
		}
		if ((h = *hp) == NULL)
			continue;
		if ((h->n += add) <= 0) {
			*hp = h->next;
			free(h);
		}
	}
	w->held = add > 0;
}

int
intake_gate_enter(struct intake_gate *gate, struct gate_waiter *w)
{
	if (gate_busy(gate, w)) {
		TAILQ_INSERT_TAIL(&gate->waiting, w, entry);
		return 0;
	}
	gate_hold(gate, w, 1);
	return 1;
}

void
intake_gate_leave(struct intake_gate *gate, struct gate_waiter *w)
{
	struct gate_waiter *next;

	if (w->held)
		gate_hold(gate, w, -1);
	/*
	 * From the head each time: a waiter's go may answer it at once (Redis
	 * unavailable), which leaves the gate again and changes the list.
	 */
	for (;;) {
		TAILQ_FOREACH(next, &gate->waiting, entry)
			if (!gate_busy(gate, next))
				break;
		if (next == NULL)
			return;
		TAILQ_REMOVE(&gate->waiting, next, entry);
		gate_hold(gate, next, 1);
		next->go(next);
	}
}
