/* api.c — the endpoint table: every route with its handler and the roles that may call it. */
#include "config.h"

#include "api/api.h"

#define INGEST	CONF_ROLE_INGEST
#define REP	CONF_ROLE_REP
#define MANAGER	CONF_ROLE_MANAGER
#define ADMIN	CONF_ROLE_ADMIN
#define ANY	(INGEST | REP | MANAGER | ADMIN)
#define OPEN	0	/* no token asked for */

/* Each endpoint with the roles that may call it (a higher role includes the lower ones). */
const struct http_route api_routes[] = {
	{ .method = HTTP_POST, .pattern = "/v1/leads",
	  .handler = api_post_lead, .roles = INGEST, .json_body = 1 },
	{ .method = HTTP_GET, .pattern = "/v1/leads",
	  .handler = api_get_leads, .roles = REP },
	{ .method = HTTP_GET, .pattern = "/v1/leads/:id",
	  .handler = api_get_lead, .roles = REP },
	{ .method = HTTP_POST, .pattern = "/v1/leads/:id/touch",
	  .handler = api_post_touch, .roles = REP, .json_body = 1 },
	{ .method = HTTP_POST, .pattern = "/v1/leads/:id/accept",
	  .handler = api_post_accept, .roles = REP, .json_body = 1 },
	{ .method = HTTP_POST, .pattern = "/v1/leads/:id/reject",
	  .handler = api_post_reject, .roles = REP, .json_body = 1 },
	{ .method = HTTP_POST, .pattern = "/v1/leads/:id/stage",
	  .handler = api_post_stage, .roles = MANAGER, .json_body = 1 },
	{ .method = HTTP_POST, .pattern = "/v1/events",
	  .handler = api_post_event, .roles = INGEST, .json_body = 1 },
	/* Sources check their senders themselves: signatures, or an ingest token. */
	{ .method = HTTP_POST, .pattern = "/v1/sources/:name/events",
	  .handler = api_post_source_events, .roles = OPEN },
	/* Browsers' CORS preflights for a source (its cors_origins). */
	{ .method = HTTP_OPTIONS, .pattern = "/v1/sources/:name/events",
	  .handler = api_options_source_events, .roles = OPEN },
	/* Slack signs its requests (v0, the app's signing secret): checked by the handler. */
	{ .method = HTTP_POST, .pattern = "/v1/integrations/slack/interactions",
	  .handler = api_post_slack_interaction, .roles = OPEN },
	/* Email action links: the signed token is the authorisation (api/email_actions.c). */
	{ .method = HTTP_GET, .pattern = "/v1/integrations/email/action",
	  .handler = api_get_email_action, .roles = OPEN },
	{ .method = HTTP_POST, .pattern = "/v1/integrations/email/action",
	  .handler = api_post_email_action, .roles = OPEN },
	{ .method = HTTP_POST, .pattern = "/v1/route/simulate",
	  .handler = api_post_simulate, .roles = MANAGER, .json_body = 1 },
	/* A rep-only token sees its own rep only. */
	{ .method = HTTP_GET, .pattern = "/v1/reps",
	  .handler = api_get_reps, .roles = REP },
	{ .method = HTTP_PUT, .pattern = "/v1/reps/:id/status",
	  .handler = api_put_rep_status, .roles = REP, .json_body = 1 },
	{ .method = HTTP_GET, .pattern = "/v1/pools",
	  .handler = api_get_pools, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/pools/:id",
	  .handler = api_get_pool, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/accounts",
	  .handler = api_list_accounts, .roles = ADMIN },
	{ .method = HTTP_POST, .pattern = "/v1/accounts/import",
	  .handler = api_import_accounts, .roles = ADMIN, .json_body = 1 },
	{ .method = HTTP_PUT, .pattern = "/v1/accounts/:domain",
	  .handler = api_put_account, .roles = ADMIN, .json_body = 1 },
	{ .method = HTTP_GET, .pattern = "/v1/accounts/:domain",
	  .handler = api_get_account, .roles = ADMIN },
	{ .method = HTTP_DELETE, .pattern = "/v1/accounts/:domain",
	  .handler = api_delete_account, .roles = ADMIN },
	/* A rep's token sees its own leads' clocks only (api/clocks.c). */
	{ .method = HTTP_GET, .pattern = "/v1/clocks",
	  .handler = api_get_clocks, .roles = REP },
	{ .method = HTTP_GET, .pattern = "/v1/escalations",
	  .handler = api_get_escalations, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/escalations/stream",
	  .handler = api_get_escalation_stream, .roles = MANAGER },
	{ .method = HTTP_POST, .pattern = "/v1/escalations/:id/ack",
	  .handler = api_post_escalation_ack, .roles = MANAGER, .json_body = 1 },
	{ .method = HTTP_GET, .pattern = "/v1/subscriptions",
	  .handler = api_get_subscriptions, .roles = ADMIN },
	{ .method = HTTP_POST, .pattern = "/v1/subscriptions/:id/resume",
	  .handler = api_post_sub_resume, .roles = ADMIN },
	{ .method = HTTP_GET, .pattern = "/v1/subscriptions/:id/dead_letters",
	  .handler = api_get_sub_dead_letters, .roles = ADMIN },
	{ .method = HTTP_POST, .pattern = "/v1/subscriptions/:id/dead_letters/retry",
	  .handler = api_post_sub_dead_retry, .roles = ADMIN },
	{ .method = HTTP_POST, .pattern = "/v1/subscriptions/:id/dead_letters/:event/retry",
	  .handler = api_post_sub_dead_retry, .roles = ADMIN },
	{ .method = HTTP_DELETE, .pattern = "/v1/subscriptions/:id/dead_letters",
	  .handler = api_delete_sub_dead_letters, .roles = ADMIN },
	{ .method = HTTP_DELETE, .pattern = "/v1/subscriptions/:id/dead_letters/:event",
	  .handler = api_delete_sub_dead_letters, .roles = ADMIN },
	{ .method = HTTP_GET, .pattern = "/v1/notifications/failed",
	  .handler = api_get_notifications_failed, .roles = ADMIN },
	{ .method = HTTP_DELETE, .pattern = "/v1/notifications/failed",
	  .handler = api_delete_notifications_failed, .roles = ADMIN },
	{ .method = HTTP_DELETE, .pattern = "/v1/notifications/failed/:id",
	  .handler = api_delete_notifications_failed, .roles = ADMIN },
	{ .method = HTTP_POST, .pattern = "/v1/notifications/failed/:id/retry",
	  .handler = api_post_notification_retry, .roles = ADMIN },
	{ .method = HTTP_GET, .pattern = "/v1/definitions",
	  .handler = api_get_definitions, .roles = ANY },
	/* Both teams read how the definitions changed: the weekly review's managers too. */
	{ .method = HTTP_GET, .pattern = "/v1/definitions/history",
	  .handler = api_get_definitions_history, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/definitions/history/:version",
	  .handler = api_get_definitions_version, .roles = MANAGER },
	/* Managers read decisions, which name their config version. */
	{ .method = HTTP_GET, .pattern = "/v1/definitions/config/:config_version",
	  .handler = api_get_definitions_by_config, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/scorecard",
	  .handler = api_get_scorecard, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/contract",
	  .handler = api_get_contract, .roles = MANAGER },
	{ .method = HTTP_GET, .pattern = "/v1/review",
	  .handler = api_get_review, .roles = MANAGER },
	{ .method = HTTP_POST, .pattern = "/v1/review/send",
	  .handler = api_post_review_send, .roles = ADMIN },
	{ .method = HTTP_DELETE, .pattern = "/v1/subjects",
	  .handler = api_delete_subject, .roles = ADMIN, .json_body = 1 },
	{ .method = HTTP_GET, .pattern = "/healthz",
	  .handler = api_get_healthz, .roles = OPEN },
	{ .method = HTTP_GET, .pattern = "/metrics",
	  .handler = api_get_metrics, .roles = MANAGER },
	/* The web console (api/console.c): its files are public, its data needs a session. */
	{ .method = HTTP_GET, .pattern = "/console",
	  .handler = api_get_console_root, .roles = OPEN },
	{ .method = HTTP_GET, .pattern = "/console/",
	  .handler = api_get_console_page, .roles = OPEN },
	{ .method = HTTP_GET, .pattern = "/console/assets/:name",
	  .handler = api_get_console_asset, .roles = OPEN },
	{ .method = HTTP_GET, .pattern = "/console/session",
	  .handler = api_get_console_session, .roles = OPEN },
	{ .method = HTTP_POST, .pattern = "/console/session",
	  .handler = api_post_console_session, .roles = OPEN, .json_body = 1 },
	{ .method = HTTP_DELETE, .pattern = "/console/session",
	  .handler = api_delete_console_session, .roles = OPEN },
};
const size_t api_nroutes = LR_NELEM(api_routes);

/* The health listener (health_listen): for probes and Prometheus, without tokens. */
const struct http_route api_health_routes[] = {
	{ .method = HTTP_GET, .pattern = "/healthz",
	  .handler = api_get_healthz, .roles = OPEN },
	{ .method = HTTP_GET, .pattern = "/metrics",
	  .handler = api_get_metrics, .roles = OPEN },
};
const size_t api_health_nroutes = LR_NELEM(api_health_routes);
