/* conf.h — the daemon's configuration: parsed from YAML, validated whole, then immutable. */
#ifndef LEADROUTE_CONF_H
#define LEADROUTE_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leadroute/calendar.h"
#include "leadroute/cond.h"
#include "leadroute/diag.h"
#include "leadroute/score.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"
#include "leadroute/webform.h"

struct mapping;

enum conf_log_level {
	CONF_LOG_DEBUG,
	CONF_LOG_INFO,
	CONF_LOG_WARN,
	CONF_LOG_ERROR,
};

/* How an outbound notification is written. */
enum conf_notify_format {
	NOTIFY_FORMAT_JSON,	/* our event envelope */
	NOTIFY_FORMAT_SLACK,	/* a Slack incoming-webhook message: {"text": …} */
};

/* A webhook that notifications are POSTed to. */
/* The event types a subscription can ask for (docs/notifications.md). */
enum sub_event {
	SUB_LEAD_RECEIVED, SUB_LEAD_ASSIGNED, SUB_LEAD_QUEUED, SUB_LEAD_REASSIGNED,
	SUB_LEAD_NURTURED, SUB_LEAD_RE_ENGAGED, SUB_LEAD_BECAME_MQL, SUB_LEAD_TOUCHED,
	SUB_LEAD_ACCEPTED, SUB_LEAD_REJECTED, SUB_LEAD_STAGE_CHANGED, SUB_LEAD_ERASED,
	SUB_SLA_REMINDER, SUB_SLA_BREACHED, SUB_ESCALATION_LEVEL, SUB_ESCALATION_ACKNOWLEDGED,
	SUB_ESCALATION_RESOLVED, SUB_REP_STATUS_CHANGED, SUB_EVENT_COUNT
};

/* Most secrets of a subscription at once: the current one and the next while rotating. */
#define SUB_MAX_SECRETS 2

/* A system subscribed to events: a URL that gets them, signed, at least once. */
struct conf_subscription {
	char		*id;
	char		*url;		/* http:// or https:// */
	unsigned char	*secrets[SUB_MAX_SECRETS];	/* decoded whsec_ keys */
	size_t		 secret_lens[SUB_MAX_SECRETS];
	size_t		 nsecrets;
	uint32_t	 events;	/* bit (1 << enum sub_event) per type wanted */
	char		**pools;	/* filters, NULL-terminated; NULL: any */
	char		**sources;
	char		**grades;
	int		 contact;	/* email, names and phone in the data */
	uint64_t	 max_in_flight;	/* requests under way at once, per daemon */
	uint64_t	 attempts;	/* before the dead-letter list */
	int64_t		 pause_after_ms;	/* failing this long without a success: paused */
	int		 reps;		/* the built-in one: leads told to their reps' channels */
	const struct conf_crm *crm;	/* a CRM connector's: the owner written back, not a POST */
	int		 line;
};

/* A rep's id in a CRM, or a stage's value of the CRM's status property. */
struct conf_crm_pair {
	char		*key;		/* a rep's id, a stage's id */
	char		*value;		/* HubSpot's owner id, the property's value */
};

enum conf_crm_kind {
	CRM_KIND_HUBSPOT,
	CRM_KIND_SALESFORCE,
};

/* A CRM the lead's owner (and status) is written back to (docs/crm.md). */
struct conf_crm {
	char		*id;		/* also its subscription's id */
	enum conf_crm_kind kind;
	char		*api_url;	/* HubSpot: https://api.hubapi.com; Salesforce: the login
					   URL (its My Domain); no trailing slash */
	char		*token;		/* HubSpot: a private app's access token */
	size_t		 token_len;
	char		*client_id;	/* Salesforce: the connected app's OAuth client */
	char		*client_secret;
	size_t		 client_secret_len;
	char		*api_version;	/* Salesforce: "60.0" */
	char		*object;	/* Salesforce: Lead or Contact */
	int64_t		 token_ttl_ms;	/* Salesforce: an access token is renewed this often */
	struct conf_crm_pair *owners;	/* rep → owner id */
	size_t		 nowners;
	int		 create_missing;	/* a contact not found by email is created */
	char		*status_property;	/* a property (HubSpot), a field (Salesforce); NULL: none */
	struct conf_crm_pair *stages;	/* stage → the property's value */
	size_t		 nstages;
	uint64_t	 max_in_flight;
	uint64_t	 attempts;
	int64_t		 pause_after_ms;
	int		 line;
};

/* The CRM's id of a rep, the value of a stage; NULL when the connector maps none. */
const char *conf_crm_owner(const struct conf_crm *crm, const char *rep);
const char *conf_crm_stage(const struct conf_crm *crm, const char *stage);

/* The id of the built-in subscription that tells reps of their leads (notify channels). */
#define SUB_REPS_ID "reps"

/* The name of an event type ("lead.assigned"); NULL past the end. */
const char *sub_event_name(enum sub_event e);
/* The type of a name; -1 when unknown. */
int sub_event_find(const char *name);

/* How a message reaches its reader. */
enum conf_channel {
	CHANNEL_WEBHOOK,	/* POSTed to a URL (format: our JSON, or a Slack incoming webhook) */
	CHANNEL_SLACK,		/* chat.postMessage by the Slack app's bot, to a conversation or user */
	CHANNEL_EMAIL,		/* a multipart mail over SMTP */
};

/* Somewhere notifications go: notify.targets, or a rep's own (notify: slack | email). */
struct conf_notify_target {
	char			*id;		/* "rep:<id>" for a rep's own channel */
	enum conf_channel	 channel;
	char			*url;		/* CHANNEL_WEBHOOK: http:// or https:// */
	enum conf_notify_format	 format;	/* CHANNEL_WEBHOOK */
	char			*to;		/* CHANNEL_SLACK: a conversation or user id; CHANNEL_EMAIL: an address */
	unsigned char		*secret;	/* Standard Webhooks key (whsec_… decoded); NULL: unsigned */
	size_t			 secret_len;
	int			 line;
};

/* The keys that sign email action links: the current one first, the previous while rotating. */
#define CONF_LINK_KEYS 2

/* Someone told of escalations who takes no leads: a manager, a director. */
struct conf_person {
	char				*id;
	char				*name;
	const struct conf_notify_target	*notify;	/* NULL: cannot be reached */
	int				 line;
};

struct conf_rep {
	char			*id;
	char			*name;
	char			*email;		/* optional: where notifications reach the rep */
	char			*slack_user;	/* optional: the rep's Slack user id (U…), for DMs and actions */
	const struct conf_notify_target	*notify;	/* where the rep's notifications go; NULL: nowhere */
	const struct conf_person	*manager;	/* told when the rep misses SLAs; NULL: the pool's */
	const struct calendar	*calendar;	/* working hours; NULL: always working */
	uint64_t		 max_open;	/* open (untouched) leads at most; 0: no cap */
	uint64_t		 max_per_day;	/* new leads a day, in the calendar's zone; 0: no cap */
	int			 line;
};

/* A rep in a pool's rotation, with its share. */
struct conf_member {
	struct conf_rep	*rep;		/* borrowed from conf->reps */
	unsigned	 weight;	/* 1-100: weight 2 gets twice the leads of weight 1 */
};

/* Who to tell, as written: owner, manager, director, webhook:ID, person:ID. */
struct conf_recipients {
	char	**v;
	size_t	  n;
};

/* One level of an escalation policy: fires after_ms after the breach. */
struct conf_esc_level {
	int64_t			after_ms;
	struct conf_recipients	notify;
	int			reassign;	/* next_available: a rep who never owned the lead */
	int			line;
};

/* What happens when a clock breaches, level by level (like an on-call policy). */
struct conf_policy {
	struct conf_esc_level	*levels;	/* in the order they fire (the config must list them so) */
	size_t			 nlevels;
	int			 line;
};

#define CONF_MAX_CLOCKS 16

/* Durations that replace the clocks' own (by clock index); 0: not replaced. */
struct conf_sla {
	int64_t		ms[CONF_MAX_CLOCKS];
};

struct conf_pool {
	char			*id;
	struct conf_member	*members;	/* rotation order */
	size_t			 nmembers;
	uint64_t		 max_open;	/* open leads across the pool at most; 0: no cap */
	const struct calendar	*calendar;	/* for clocks on the pool's calendar; NULL: wall time */
	const struct conf_person *manager;	/* told of escalations; NULL: none */
	const struct conf_person *director;
	const struct conf_notify_target *notify;	/* for its reps without a channel; NULL: none */
	struct conf_policy	 escalation;	/* no levels: the default policy */
	struct conf_sla		 sla;		/* this pool's clocks, under the grade's and rule's */
	int			 line;
};

/* Which hours a clock counts. */
enum conf_clock_calendar {
	CLOCK_WALL,		/* every hour */
	CLOCK_OWNER,		/* the owner's calendar (wall time without one) */
	CLOCK_POOL,		/* the lead's pool's calendar (wall time without one) */
	CLOCK_NAMED,		/* one calendar of the config */
};

/* An SLA clock: starts on one lead event, stops on another, due after duration. */
struct conf_clock {
	char			*name;
	char			*start;		/* lead event that starts it */
	char			*stop;		/* lead event that stops it */
	int64_t			 duration_ms;
	enum conf_clock_calendar calendar_kind;
	const struct calendar	*calendar;	/* CLOCK_NAMED */
	int64_t			 remind_before_ms;	/* 0: no reminder */
	struct conf_recipients	 remind;	/* who the reminder goes to (default: owner) */
	uint64_t		 auto_offline_after;	/* misses in a row that set the owner away; 0: never */
	int			 line;
};

/*
 * The lifecycle both teams share (conf_lifecycle.c). A stage is open (the lead
 * is being worked), nurture (handed back to marketing) or closed (final).
 * Entering a nurture or closed stage ends the lead's running clocks and frees
 * its owner's slot; such stages have no next stages.
 */
enum conf_stage_kind {
	STAGE_OPEN,
	STAGE_NURTURE,
	STAGE_CLOSED,
};

/* What a move into a stage must carry. */
#define STAGE_NEEDS_AMOUNT	0x1
#define STAGE_NEEDS_REASON	0x2

struct conf_stage {
	char			*id;
	char			*name;		/* short human name */
	char			*definition;	/* what being in it means, as agreed */
	char			*owner;		/* the team that owns it: marketing, sales, ... */
	enum conf_stage_kind	 kind;
	int			 entry;		/* a lead may arrive in it */
	int			 needs;		/* STAGE_NEEDS_* */
	char			**next;		/* stages it may move to */
	size_t			 nnext;
	int			 line;
};

/* A reason code: why a lead was rejected, or why a deal was lost. */
struct conf_reason {
	char			*code;
	char			*label;
	const struct conf_stage	*then;		/* rejection: the stage the lead goes to */
	int			 note_required;	/* free text required ("other") */
	int			 needs_cadence;	/* only after the follow-up cadence is done */
	int			 line;
};

struct conf_lifecycle {
	struct conf_stage	*stages;
	size_t			 nstages;
	const struct conf_stage	*initial;	/* where a lead arrives without a stage */
	const struct conf_stage	*accept;	/* where accepting moves a lead (sal) */
	const struct conf_stage	**funnel;	/* the scorecard's conversion chain */
	size_t			 nfunnel;
	struct conf_reason	*reject;	/* rejection reasons */
	size_t			 nreject;
	struct conf_reason	*lost;		/* reasons a lead is closed lost */
	size_t			 nlost;
	const struct conf_stage	*lost_stage;	/* the stage lost reasons apply to */
	uint64_t		 cadence_touches;	/* touches before "unresponsive" */
	int64_t			 cadence_within_ms;	/* the span the cadence should take */
	char			**required_fields;	/* a lead is complete with all of them */
	size_t			 nrequired;
	char			*changelog_by;	/* who made this definition change (NULL: none) */
	char			*changelog_why;
	int64_t			 untouched_after_ms;	/* the scorecard's "untouched" threshold */
	char			*route_clock;	/* the clock behind "% routed within SLA" */
	char			*touch_clock;	/* the clock behind "% first-touched within SLA" */
};

/*
 * The two-way SLA (contract:): what marketing commits to (qualified leads a
 * month, acceptance rate, complete records) and what sales commits to
 * (median time to first touch, touches before a lead is closed lost, leads
 * dispositioned). Each is optional; the order is the report's.
 */
enum conf_term {
	TERM_QUALIFIED,		/* qualified_per_month: {min, grades} */
	TERM_ACCEPTANCE,	/* acceptance_rate_pct: {min} */
	TERM_COMPLETE,		/* complete_pct: {min} */
	TERM_FIRST_TOUCH,	/* first_touch_median: {max} (a duration) */
	TERM_TOUCHES_LOST,	/* touches_before_lost: {min} */
	TERM_DISPOSITION,	/* disposition_pct: {min} */
	TERM_COUNT
};

struct conf_contract_term {
	int		  set;		/* configured */
	double		  target;	/* the min or max; ms for a duration */
	char		**grades;	/* TERM_QUALIFIED: the grades that count; none: any */
	size_t		  ngrades;
	int		  line;
};

struct conf_contract {
	struct conf_contract_term term[TERM_COUNT];
	int		  set;		/* any term configured */
};

/* When the review digest goes out (review:). */
enum conf_review_every {
	REVIEW_WEEKLY,		/* every: week, on day at at, in timezone */
	REVIEW_DAILY,		/* every: day, at at, in timezone */
	REVIEW_INTERVAL,	/* every: a duration (10s, 1h): multiples of it since the epoch */
};

/* The weekly review (review:): the contract and the scorecard, sent to people. */
struct tz_zone;

struct conf_review {
	int			 set;
	enum conf_review_every	 every;
	int64_t			 interval_ms;	/* between two reviews (a week, a day, the duration) */
	int			 wday;		/* REVIEW_WEEKLY: 0 Monday .. 6 Sunday */
	int32_t			 at_s;		/* seconds into the local day */
	struct tz_zone		*zone;		/* NULL: UTC */
	char			*zone_name;
	int64_t			 period_ms;	/* what a digest covers: whole hours */
	struct conf_notify_target *targets;	/* ids "review:slack:<channel>", "review:email:<address>" */
	size_t			 ntargets;
};

/* Where a rule sends a lead: tried in order, the first eligible one wins. */
enum conf_target_kind {
	TARGET_POOL,		/* the next rep of a pool's rotation */
	TARGET_REP,		/* one rep */
	TARGET_ACCOUNT_OWNER,	/* the owner of the account of the lead's email domain */
};

struct conf_target {
	enum conf_target_kind	 kind;
	struct conf_pool	*pool;		/* TARGET_POOL; borrowed */
	struct conf_rep		*rep;		/* TARGET_REP; borrowed */
};

struct conf_rule {
	char			*name;
	struct cond		 when;		/* an ALL; with no kids it matches every lead */
	struct conf_target	*targets;	/* none when nurture */
	size_t			 ntargets;
	struct conf_pool	*queue;		/* where leads wait when no target is eligible */
	int			 nurture;	/* store the lead as nurture, route nothing */
	struct conf_sla		 sla;		/* this rule's clocks, over the grade's */
	int			 line;
};

/* An account from the config: leads from its domain may go to its owner. */
struct conf_account {
	char			*domain;
	char			*name;
	struct conf_rep		*owner;		/* borrowed */
	int			 line;
};

struct conf_grade_sla {
	const struct score_grade	*grade;	/* borrowed from conf->scoring */
	struct conf_sla			 sla;
};

/* A Sentinel's address. */
struct conf_sentinel {
	char		*host;		/* numeric IP */
	int		 port;
};

struct conf_redis {
	char		*url;
	char		*host;		/* numeric IP; NULL when unix_path is set */
	int		 port;
	char		*unix_path;
	int		 db;
	char		*username;
	char		*password;
	char		*prefix;
	int64_t		 timeout_ms;
	uint64_t	 max_in_flight;
	/* Sentinel: where the master is; the URL then gives only db and credentials. */
	struct conf_sentinel	*sentinels;
	size_t		 nsentinels;
	char		*master_name;
	char		*sentinel_password;	/* NULL: the Sentinels ask for none */
	/* Acknowledge a lead once this many replicas have it (WAIT); 0: on the master alone. */
	uint64_t	 wait_replicas;
	int64_t		 wait_timeout_ms;
};

/* An address to listen on. */
struct conf_addr {
	char		*text;		/* as written; NULL: not set */
	char		*host;		/* numeric IP ("0.0.0.0" for ":port") */
	int		 port;
};

/* A rate limit: a token bucket refilled at per_sec, holding at most burst. */
struct conf_rate {
	double		 per_sec;	/* 0: unlimited */
	double		 burst;
};

/* What a bearer token may do: roles are cumulative (admin includes manager, manager rep). */
#define CONF_ROLE_INGEST	0x1u	/* post leads and events */
#define CONF_ROLE_REP		0x2u	/* work one's own leads */
#define CONF_ROLE_MANAGER	0x4u	/* reps, escalations, scorecard, any lead */
#define CONF_ROLE_ADMIN		0x8u	/* accounts, erasure, definitions history */

struct conf_token {
	char		*name;		/* who holds it, for logs (never the token) */
	unsigned	 roles;		/* CONF_ROLE_* as granted, without implied ones */
	char		*rep;		/* rep role: the rep whose leads these are */
	unsigned char	 hash[32];	/* SHA-256 of the token */
};

/* A named webhook sender: POST /v1/sources/{name}/events. */
struct conf_source {
	char		*name;
	struct mapping	*mapping;	/* body → leads */
	struct sig_config sig;		/* signature check (SIG_NONE: see token) */
	int		 token;		/* auth: token — an ingest bearer token */
	char		*url;		/* the URL the sender signs; NULL: from the request */
	struct conf_rate rate;
	struct conf_rate rate_per_ip;	/* per client address (an IPv6 /64) */
	uint64_t	 max_batch;	/* events in one body */
	int		 line;

	/* Browsers (docs/api.md, "Web forms"). */
	int		 public_form;	/* auth: none: anyone may post; origins enforced */
	char		**cors_origins;	/* as browsers send Origin: "https://www.example.com" */
	size_t		 ncors_origins;
	char		*redirect;	/* 303 here after a stored form; NULL: answer JSON */
	char		*error_redirect;	/* 303 here (?error=<code>) after a refusal */
	char		**redirect_allowed;	/* prefixes a form's _redirect may name */
	size_t		 nredirect_allowed;
	char		*honeypot;	/* a form field people leave empty; NULL: none */

	/*
	 * kind: activity — the CRM's owner ids of reps (owners: {rep: id}), in
	 * file order: a CRM owner is the rep whose id it is (conf_source_rep).
	 */
	char		**owner_reps;
	char		**owner_ids;
	size_t		  nowners;
};

/* The rep a source's owners map gives the CRM's owner id; NULL: none does. */
const char *conf_source_rep(const struct conf_source *src, const char *crm_owner);

struct conf {
	int		  refs;
	char		 *path;
	char		  version[13];	/* first 12 hex digits of the file's SHA-256 */

	struct conf_addr  listen;
	struct conf_addr  health_listen;	/* /healthz and /metrics on their own; host NULL: not set */
	int		  log_level;	/* enum conf_log_level */

	struct {
		uint64_t	max_body;
		uint64_t	max_connections;
		uint64_t	max_connections_per_ip;
		uint64_t	max_header_size;
		uint64_t	max_uri_length;
		uint64_t	max_in_flight;
		int64_t		idle_timeout_ms;
		int64_t		request_timeout_ms;
		int64_t		shutdown_timeout_ms;
		/* Peers whose X-Forwarded-For names the client (its last entry). */
		struct webform_net *trusted_proxies;
		size_t		trusted_nproxies;
	} http;

	struct {
		char		*cert_file;	/* NULL: plain HTTP */
		char		*key_file;
		char		*cert_pem;	/* the files' contents when loaded */
		char		*key_pem;
	} tls;

	struct {
		int		  open;		/* no tokens: every endpoint without one */
		struct conf_token *tokens;
		size_t		  ntokens;
		struct conf_rate  rate;		/* per token */
	} auth;

	/* The web console under /console/ (api/console.c). */
	struct {
		int		 enabled;
		int64_t		 session_ttl_ms;	/* a sign-in lasts this long */
		char		*chart_js;	/* the charting library's file, served as is */
		struct conf_rate sign_in_rate;	/* per client address */
	} console;

	struct conf_source *sources;
	size_t		  nsources;

	struct {
		int		 log_raw;	/* debug aid: raw emails and phones in logs */
		unsigned char	*hash_key;	/* keyed hashes in logs and tombstones; NULL: Redis keeps one */
		size_t		 hash_key_len;
		int64_t		 tombstone_ms;
	} pii;

	struct conf_redis redis;

	struct {
		struct conf_clock	*clocks;
		size_t			 nclocks;
		struct conf_grade_sla	*grades;	/* per-grade clocks */
		size_t			 ngrades;
	} sla;

	struct conf_policy escalation;	/* the default policy */

	struct {
		struct conf_notify_target *targets;
		size_t		  ntargets;
		uint64_t	  attempts;	/* deliveries tried before the dead-letter list */
		int64_t		  backoff_ms;	/* first retry delay; doubles, with jitter */
		int64_t		  max_backoff_ms;
		int64_t		  timeout_ms;	/* one delivery attempt at most */
		int64_t		  dead_retention_ms;	/* dead letters kept this long */
		struct conf_notify_target *rep_targets;	/* the reps' own channels (notify: slack | email) */
		size_t		  nrep_targets;
		char		 *public_url;	/* where people reach this daemon (links); NULL: no links */
		char		 *lead_url;	/* a lead's link: a template with {id} and {crm_id}; NULL: none */
		struct {
			char		*bot_token;	/* NULL: no Slack app */
			unsigned char	*signing_secret;	/* NULL: no interactions */
			size_t		 signing_secret_len;
			char		*api_url;	/* https://slack.com/api */
		} slack;
		struct {
			char		*url;		/* smtp:// or smtps://; NULL: no email */
			int		 starttls;	/* 2: required, 1: if offered, 0: never (smtp://) */
			char		*username;	/* NULL: no AUTH */
			char		*password;
			char		*from;		/* the sender's address: leads@example.com */
			char		*from_name;	/* its display name ("Leads"); NULL: none */
			char		*ca_file;	/* NULL: the system's CAs */
		} email;
		struct {
			unsigned char	*keys[CONF_LINK_KEYS];	/* NULL: no action links in emails */
			size_t		 lens[CONF_LINK_KEYS];
			size_t		 nkeys;
			int64_t		 ttl_ms;
		} links;
	} notify;

	struct conf_subscription *subs;
	size_t		  nsubs;
	struct conf_crm	 *crm;		/* CRM connectors (each also a subscription) */
	size_t		  ncrm;

	struct conf_person *people;
	size_t		  npeople;

	struct {
		int64_t		idempotency_window_ms;
		int64_t		sticky_window_ms;	/* 0: off */
		int64_t		retention_ms;		/* a lead's record expires after */
		int64_t		join_window_ms;		/* a repeat joins an open lead this young (0: off) */
		char		**restart_on;		/* events that restart a joined lead's first touch */
		size_t		nrestart_on;
	} leads;

	struct {
		uint64_t	max_len;
	} events;

	struct calendar	 *calendars;
	size_t		  ncalendars;
	struct conf_rep	 *reps;
	size_t		  nreps;
	struct conf_pool *pools;
	size_t		  npools;
	struct cond_territory *territories;
	size_t		  nterritories;
	struct conf_account *accounts;
	size_t		  naccounts;
	struct conf_rule *rules;
	size_t		  nrules;
	struct conf_lifecycle lifecycle;
	struct conf_contract contract;
	struct conf_review review;
	struct cond_fields fields;	/* lead fields the conditions read */
	struct score_model scoring;
};

/*
 * Load and validate a config file. Every problem is put in diags, in file
 * order (the caller frees them with conf_diags_free). Returns 0 and a conf with one
 * reference, or -1 when there is at least one error.
 */
int conf_load_file(const char *path, struct conf **out, struct conf_diags *diags);

/* The same for a text already in memory; name is used in messages. */
int conf_load_string(const char *text, size_t len, const char *name,
    struct conf **out, struct conf_diags *diags);

/* References: a request started under one config keeps it until it ends. */
/* Whether two configs reach Redis the same way (address, Sentinels, credentials). */
int conf_redis_same_server(const struct conf_redis *a, const struct conf_redis *b);

struct conf *conf_ref(struct conf *conf);
void conf_unref(struct conf *conf);

const struct conf_rep *conf_find_rep(const struct conf *conf, const char *id);
const struct calendar *conf_find_calendar(const struct conf *conf, const char *id);
const struct conf_pool *conf_find_pool(const struct conf *conf, const char *id);

/*
 * A lead's clock durations set by its rule, else its grade (grade may be
 * NULL); 0 where neither sets one (the pool's, else the clock's own, apply).
 */
struct conf_sla conf_sla_for(const struct conf *conf, const struct conf_rule *rule,
    const char *grade);

const struct conf_clock *conf_find_clock(const struct conf *conf, const char *name);
const struct conf_stage *conf_find_stage(const struct conf *conf, const char *id);
/* A reason of a list (conf->lifecycle.reject or .lost) by code, or NULL. */
const struct conf_reason *conf_find_reason(const struct conf_reason *list, size_t n,
    const char *code);
/* True when the lifecycle allows moving from stage from to stage to. */
int conf_stage_allows(const struct conf_stage *from, const char *to);
const struct conf_source *conf_find_source(const struct conf *conf, const char *name);
/* The token whose SHA-256 is hash (compared in constant time), or NULL. */
const struct conf_token *conf_find_token(const struct conf *conf, const unsigned char hash[32]);
/* The roles a token's grant implies (admin ⊇ manager ⊇ rep). */
unsigned conf_roles_implied(unsigned roles);
const struct conf_notify_target *conf_find_target(const struct conf *conf, const char *id);
const struct conf_subscription *conf_find_subscription(const struct conf *conf, const char *id);
const struct conf_person *conf_find_person(const struct conf *conf, const char *id);
/* The rep whose Slack user id this is, or NULL. */
const struct conf_rep *conf_find_slack_user(const struct conf *conf, const char *user);
/*
 * Where the rep's own messages (a lead assigned, a reminder) go: the rep's
 * channel, else the pool's (pool may be NULL); NULL: nowhere.
 */
const struct conf_notify_target *conf_rep_target(const struct conf *conf,
    const struct conf_rep *rep, const struct conf_pool *pool);

/*
 * Where a notification for one recipient goes: "owner" (the lead's owner),
 * "manager" (the owner's manager, else the pool's), "director" (the pool's),
 * "webhook:ID", "person:ID" or a review recipient ("review:slack:#revops",
 * "review:email:ADDRESS"). NULL with *why set when nobody is reachable.
 */
const struct conf_notify_target *conf_recipient_target(const struct conf *conf,
    const char *recipient, const char *owner, const char *pool, const char **why);

/* True when a domain name is acceptable as an account key (lower case, a dot). */
int conf_valid_domain(const char *domain);

/* True when the rep belongs to the pool. */
int conf_pool_has_rep(const struct conf_pool *pool, const char *rep_id);

const char *conf_log_level_name(int level);

#endif
