/*
 * conf_keys.c — the config's keys, one row each: what a key is, where its
 * value lands in struct conf, its default and bounds, or the function that
 * parses its section. The walker (conf_walk.c) does the rest.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"

#include "conf_internal.h"

#define SEC(ms)	((int64_t)(ms) * 1000)
#define MIN(m)	(SEC(m) * 60)
#define DAY(d)	(MIN(d) * 60 * 24)
#define OFF(f)	offsetof(struct conf, f)

const struct conf_key conf_keys[] = {
	{ .path = "listen", .kind = CK_LISTEN, .off = OFF(listen), .def = "127.0.0.1:8080" },
	{ .path = "health_listen", .kind = CK_LISTEN, .off = OFF(health_listen) },
	{ .path = "log_level", .kind = CK_LOG_LEVEL, .off = OFF(log_level), .def = "info" },
	{ .path = "http", .kind = CK_SECTION },
	{ .path = "http.max_body", .kind = CK_SIZE, .off = OFF(http.max_body),
	  .def = "64KiB", .min = 1024, .max = 64 << 20 },
	{ .path = "http.max_connections", .kind = CK_COUNT, .off = OFF(http.max_connections),
	  .def = "1024", .min = 1, .max = 1000000 },
	{ .path = "http.max_connections_per_ip", .kind = CK_COUNT,
	  .off = OFF(http.max_connections_per_ip), .def = "256", .min = 1, .max = 1000000 },
	{ .path = "http.max_header_size", .kind = CK_SIZE, .off = OFF(http.max_header_size),
	  .def = "8KiB", .min = 1024, .max = 1 << 20 },
	{ .path = "http.max_uri_length", .kind = CK_SIZE, .off = OFF(http.max_uri_length),
	  .def = "2KiB", .min = 256, .max = 64 << 10 },
	{ .path = "http.max_in_flight", .kind = CK_COUNT, .off = OFF(http.max_in_flight),
	  .def = "4096", .min = 1, .max = 1000000 },
	{ .path = "http.idle_timeout", .kind = CK_DURATION, .off = OFF(http.idle_timeout_ms),
	  .def = "30s", .min = SEC(1), .max = MIN(60) },
	{ .path = "http.request_timeout", .kind = CK_DURATION, .off = OFF(http.request_timeout_ms),
	  .def = "60s", .min = SEC(1), .max = MIN(60) },
	{ .path = "http.shutdown_timeout", .kind = CK_DURATION,
	  .off = OFF(http.shutdown_timeout_ms), .def = "10s", .max = MIN(10) },
	{ .path = "redis", .kind = CK_SECTION },
	{ .path = "redis.url", .kind = CK_REDIS_URL, .def = "redis://127.0.0.1:6379/0" },
	{ .path = "redis.prefix", .kind = CK_PREFIX, .off = OFF(redis.prefix), .def = "lr" },
	{ .path = "redis.timeout", .kind = CK_DURATION, .off = OFF(redis.timeout_ms),
	  .def = "2s", .min = 10, .max = MIN(1) },
	{ .path = "redis.max_in_flight", .kind = CK_COUNT, .off = OFF(redis.max_in_flight),
	  .def = "10000", .min = 1, .max = 1000000 },
	{ .path = "redis.sentinels", .kind = CK_LIST, .list = conf_parse_redis_sentinels },
	{ .path = "redis.master_name", .kind = CK_LIST, .list = conf_parse_redis_master_name },
	{ .path = "redis.password", .kind = CK_LIST, .list = conf_parse_redis_password },
	{ .path = "redis.sentinel_password", .kind = CK_LIST,
	  .list = conf_parse_redis_sentinel_password },
	{ .path = "redis.wait_replicas", .kind = CK_COUNT, .off = OFF(redis.wait_replicas),
	  .def = "0", .max = 16 },
	{ .path = "redis.wait_timeout", .kind = CK_DURATION, .off = OFF(redis.wait_timeout_ms),
	  .def = "100ms", .min = 1, .max = SEC(10) },
	{ .path = "sla", .kind = CK_SECTION },
	{ .path = "leads", .kind = CK_SECTION },
	{ .path = "leads.idempotency_window", .kind = CK_DURATION,
	  .off = OFF(leads.idempotency_window_ms), .def = "7d", .min = SEC(1), .max = DAY(366) },
	{ .path = "leads.sticky_window", .kind = CK_DURATION, .off = OFF(leads.sticky_window_ms),
	  .def = "0s", .max = DAY(366) },
	{ .path = "leads.retention", .kind = CK_DURATION, .off = OFF(leads.retention_ms),
	  .def = "400d", .min = DAY(1), .max = DAY(3660) },
	{ .path = "leads.join_window", .kind = CK_DURATION, .off = OFF(leads.join_window_ms),
	  .def = "30d", .max = DAY(366) },
	{ .path = "events", .kind = CK_SECTION },
	{ .path = "events.max_len", .kind = CK_COUNT, .off = OFF(events.max_len),
	  .def = "1000000", .min = 1000, .max = 1000000000 },
	{ .path = "notify", .kind = CK_SECTION },
	{ .path = "notify.attempts", .kind = CK_COUNT, .off = OFF(notify.attempts),
	  .def = "6", .min = 1, .max = 50 },
	{ .path = "notify.backoff", .kind = CK_DURATION, .off = OFF(notify.backoff_ms),
	  .def = "1s", .min = 10, .max = MIN(60) },
	{ .path = "notify.max_backoff", .kind = CK_DURATION, .off = OFF(notify.max_backoff_ms),
	  .def = "10m", .min = 10, .max = DAY(1) },
	{ .path = "notify.timeout", .kind = CK_DURATION, .off = OFF(notify.timeout_ms),
	  .def = "10s", .min = 100, .max = MIN(5) },
	{ .path = "notify.dead_letter_retention", .kind = CK_DURATION,
	  .off = OFF(notify.dead_retention_ms), .def = "30d", .min = 60000, .max = DAY(3650) },
	/* Sections parsed by a function, in this order (later ones refer to earlier ones). */
	{ .path = "calendars", .kind = CK_LIST, .list = conf_parse_calendars },
	{ .path = "notify.public_url", .kind = CK_LIST, .list = conf_parse_public_url },
	{ .path = "notify.lead_url", .kind = CK_LIST, .list = conf_parse_lead_url },
	{ .path = "notify.slack", .kind = CK_LIST, .list = conf_parse_notify_slack },
	{ .path = "notify.email", .kind = CK_LIST, .list = conf_parse_notify_email },
	{ .path = "notify.links", .kind = CK_LIST, .list = conf_parse_notify_links,
	  .parse_absent = 1 },
	{ .path = "notify.targets", .kind = CK_LIST, .list = conf_parse_notify_targets },
	{ .path = "people", .kind = CK_LIST, .list = conf_parse_people },
	{ .path = "reps", .kind = CK_LIST, .list = conf_parse_reps, .required = 1 },
	{ .path = "lifecycle", .kind = CK_LIST, .list = conf_parse_lifecycle, .parse_absent = 1 },
	{ .path = "changelog", .kind = CK_LIST, .list = conf_parse_changelog },
	{ .path = "sla.clocks", .kind = CK_LIST, .list = conf_parse_clocks },
	{ .path = "scorecard", .kind = CK_LIST, .list = conf_parse_scorecard, .parse_absent = 1 },
	{ .path = "escalation", .kind = CK_LIST, .list = conf_parse_default_policy },
	{ .path = "pools", .kind = CK_LIST, .list = conf_parse_pools, .required = 1 },
	{ .path = "accounts", .kind = CK_LIST, .list = conf_parse_accounts },
	{ .path = "territories", .kind = CK_LIST, .list = conf_parse_territories },
	{ .path = "scoring", .kind = CK_LIST, .list = conf_parse_scoring },
	{ .path = "leads.restart_first_touch_on", .kind = CK_LIST, .list = conf_parse_restart_on },
	{ .path = "sla.grades", .kind = CK_LIST, .list = conf_parse_grade_slas },
	{ .path = "rules", .kind = CK_LIST, .list = conf_parse_rules, .required = 1 },
	{ .path = "contract", .kind = CK_LIST, .list = conf_parse_contract },
	{ .path = "review", .kind = CK_LIST, .list = conf_parse_review, .parse_absent = 1 },
	{ .path = "tls", .kind = CK_LIST, .list = conf_parse_tls },
	{ .path = "http.trusted_proxies", .kind = CK_LIST, .list = conf_parse_trusted_proxies },
	{ .path = "auth", .kind = CK_LIST, .list = conf_parse_auth, .parse_absent = 1 },
	{ .path = "console", .kind = CK_LIST, .list = conf_parse_console, .parse_absent = 1 },
	{ .path = "pii", .kind = CK_LIST, .list = conf_parse_pii, .parse_absent = 1 },
	{ .path = "sources", .kind = CK_LIST, .list = conf_parse_sources },
	{ .path = "crm", .kind = CK_LIST, .list = conf_parse_crm },
	{ .path = "subscriptions", .kind = CK_LIST, .list = conf_parse_subscriptions,
	  .parse_absent = 1 },
};

const size_t conf_nkeys = LR_NELEM(conf_keys);
