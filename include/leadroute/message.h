/* message.h — what a person reads about an event: a Slack message (Block Kit) or an email (text and HTML). */
#ifndef LEADROUTE_MESSAGE_H
#define LEADROUTE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/tz.h"

/* Slack action ids of the buttons and the select a lead message offers. */
#define MESSAGE_ACT_ACCEPT	"lr_accept"
#define MESSAGE_ACT_REJECT	"lr_reject"	/* a static_select: the reason code is its value */
#define MESSAGE_ACT_CALL	"lr_touch_call"
#define MESSAGE_ACT_EMAIL	"lr_touch_email"
#define MESSAGE_ACT_OPEN	"lr_open"	/* a link button: Slack tells us of the click too */

/* An event to write for one reader. */
struct message_in {
	const struct conf		*conf;
	const char			*type;		/* lead.assigned, sla.reminder, escalation.level, … */
	const json_t			*data;		/* the event's data, with the lead's snapshot and contact */
	int64_t				 at_ms;		/* when the event happened */
	const char			*trace;		/* the lead's routing trace (route.lua); NULL: unknown */
	const struct conf_rep		*reader;	/* the rep it is for; NULL: a pool's or a person's channel */
	const struct tz_zone		*zone;		/* the reader's; NULL: UTC */
	int				 actions;	/* offer Accept / Reject / Log touch */
	int64_t				 now_ms;	/* signs email links from now */
};

/* An email: malloc'd parts. */
struct message_mail {
	char	*subject;
	char	*text;
	char	*html;
};

/* True when the type is one a rep is told of with the lead's context and actions. */
int message_for_rep(const char *type);

/* The Slack message {"text", "blocks"} (the caller adds "channel"); a new reference. */
json_t *message_slack(const struct message_in *in);

/* The email; 0, or -1 when the event cannot be written (no data). */
int message_mail(const struct message_in *in, struct message_mail *out);
void message_mail_clear(struct message_mail *m);

/*
 * A lead's link as the config writes it: notify.lead_url with {id} and
 * {crm_id} filled in, else public_url + /v1/leads/<id>; NULL when neither is
 * set (or crm_id is wanted and unknown). malloc'd.
 */
char *message_lead_url(const struct conf *conf, const char *lead, const char *crm_id);

/*
 * Append a time as its reader lives it: "Wed 3 Dec, 15:04 (Europe/Berlin)",
 * in zone (NULL: UTC, "(UTC)").
 */
void message_put_time(struct buf *b, int64_t ms, const struct tz_zone *zone);

/*
 * The short, human form of the decision a trace records for owner: "next in
 * rotation of pool emea", "account owner of acme.com"; malloc'd, NULL when
 * the trace does not say.
 */
char *message_why(const char *trace, const char *owner);

#endif
