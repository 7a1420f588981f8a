/*
 * intake_gate.h — one person's leads through this daemon one at a time: a
 * lead whose email, phone or CRM id another lead on its way holds waits for
 * it, so a burst from one person is decided in order instead of racing (the
 * route script still settles a race between daemons).
 */
#ifndef LEADROUTED_INTAKE_GATE_H
#define LEADROUTED_INTAKE_GATE_H

#include <sys/queue.h>

struct intake_gate;

/* A lead at the gate: its identity hashes, and what to do when its turn comes. */
struct gate_waiter {
	TAILQ_ENTRY(gate_waiter) entry;
	const char		*subjects;	/* comma-separated keyed hashes (borrowed) */
	int			 held;		/* it holds them: leave the gate when answered */
	void			(*go)(struct gate_waiter *w);	/* its turn (it holds them now) */
};

struct intake_gate *intake_gate_new(void);
void intake_gate_free(struct intake_gate *gate);

/*
 * Through the gate at once (1: w holds its identities now), or in line
 * behind a lead that holds one of them (0: w->go runs when its turn comes).
 */
int intake_gate_enter(struct intake_gate *gate, struct gate_waiter *w);

/*
 * w was answered (or gave up): let its identities go and start, in arrival
 * order, the waiting leads none of whose identities is held any more.
 */
void intake_gate_leave(struct intake_gate *gate, struct gate_waiter *w);

#endif
