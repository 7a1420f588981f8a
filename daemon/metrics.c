/* metrics.c — counters and one latency histogram, no locks: one thread owns them. */
#include "config.h"

#include <string.h>

#include "metrics.h"

static const struct {
	const char	*name;
	const char	*labels;
	const char	*help;
} metric_info[METRIC_COUNT] = {
	[METRIC_LEADS_RECEIVED] = { "leads_received_total", "", "Leads accepted and stored (duplicates excluded)." },
	[METRIC_LEADS_DUPLICATE] = { "leads_duplicate_total", "", "Repeats answered from the idempotency record." },
	[METRIC_LEADS_INVALID] = { "leads_invalid_total", "", "Lead bodies refused by validation." },
	[METRIC_LEADS_ASSIGNED_ON_ARRIVAL] = { "leads_assigned_total", "via=\"arrival\"", "Leads given an owner." },
	[METRIC_LEADS_ASSIGNED_FROM_QUEUE] = { "leads_assigned_total", "via=\"queue\"", NULL },
	[METRIC_LEADS_QUEUED] = { "leads_queued_total", "", "Leads that found no available rep and waited in a queue." },
	[METRIC_LEADS_NURTURE] = { "leads_nurture_total", "", "Leads kept for nurture, not routed." },
	[METRIC_TOUCHES] = { "touches_total", "", "Touches recorded by owners." },
	[METRIC_SLA_BREACHES] = { "sla_breaches_total", "", "SLA clocks that ran out (escalations opened) in claims by this daemon." },
	[METRIC_ESCALATION_LEVELS] = { "escalation_levels_total", "", "Escalation levels fired by this daemon." },
	[METRIC_LEADS_REASSIGNED] = { "leads_reassigned_total", "", "Leads reassigned by an escalation level." },
	[METRIC_SLA_REMINDERS] = { "sla_reminders_total", "", "Reminders sent before a clock ran out." },
	[METRIC_REPS_AUTO_OFFLINE] = { "reps_auto_offline_total", "", "Reps set away after missing SLAs in a row." },
	[METRIC_REDIS_ERRORS] = { "redis_errors_total", "", "Redis commands that failed, timed out or lost their connection." },
	[METRIC_REDIS_RECONNECTS] = { "redis_reconnects_total", "", "Connections to Redis established after the first." },
	[METRIC_CONFIG_RELOADS_OK] = { "config_reloads_total", "result=\"ok\"", "Config reloads on SIGHUP." },
	[METRIC_CONFIG_RELOADS_FAILED] = { "config_reloads_total", "result=\"failed\"", NULL },
	[METRIC_NOTIFICATIONS_DELIVERED] = { "notifications_delivered_total", "", "Notifications a receiver accepted (2xx)." },
	[METRIC_NOTIFICATIONS_RETRIED] = { "notification_retries_total", "", "Delivery attempts that failed and were scheduled again." },
	[METRIC_NOTIFICATIONS_FAILED] = { "notifications_failed_total", "", "Notifications moved to the dead-letter list." },
};

static const struct {
	const char	*name;
	const char	*help;
} gauge_info[GAUGE_COUNT] = {
	[GAUGE_NOTIFICATIONS_IN_FLIGHT] = { "notifications_in_flight", "Notification deliveries leased by this daemon and not yet settled." },
	[GAUGE_ESCALATION_STREAM_SUBSCRIBERS] = { "escalation_stream_subscribers", "Clients connected to GET /v1/escalations/stream." },
};

static int64_t gauge_values[GAUGE_COUNT];

static uint64_t metric_values[METRIC_COUNT];

/* Seconds: a lead answer should be a few milliseconds; the tail shows trouble. */
static const double latency_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};
static uint64_t latency_buckets[LR_NELEM(latency_bounds)];
static uint64_t latency_count;
static double latency_sum;

static uint64_t http_by_status[600];

void
metrics_inc(enum metric m, uint64_t n)
{
	metric_values[m] += n;
}

void
metrics_gauge_set(enum metric_gauge g, int64_t v)
{
	gauge_values[g] = v;
}

void
metrics_http_request(int status, double seconds)
{
	size_t i;

	if (status >= 100 && status < 600)
		http_by_status[status]++;
	for (i = 0; i < LR_NELEM(latency_bounds); i++)
		if (seconds <= latency_bounds[i])
			latency_buckets[i]++;
	latency_count++;
	latency_sum += seconds;
}

void
metrics_render(struct buf *out, const struct metrics_gauges *g)
{
	size_t i;
	int code;

	for (i = 0; i < METRIC_COUNT; i++) {
		if (metric_info[i].help != NULL) {
			buf_appendf(out, "# HELP leadrouted_%s %s\n", metric_info[i].name,
			    metric_info[i].help);
			buf_appendf(out, "# TYPE leadrouted_%s counter\n", metric_info[i].name);
		}
		if (metric_info[i].labels[0] != '\0')
			buf_appendf(out, "leadrouted_%s{%s} %llu\n", metric_info[i].name,
			    metric_info[i].labels, (unsigned long long)metric_values[i]);
		else
			buf_appendf(out, "leadrouted_%s %llu\n", metric_info[i].name,
			    (unsigned long long)metric_values[i]);
	}
	buf_appendf(out, "# HELP leadrouted_http_requests_total HTTP requests answered, by status.\n"
	    "# TYPE leadrouted_http_requests_total counter\n");
	for (code = 100; code < 600; code++)
		if (http_by_status[code] > 0)
			buf_appendf(out, "leadrouted_http_requests_total{code=\"%d\"} %llu\n", code,
			    (unsigned long long)http_by_status[code]);
	buf_appendf(out, "# HELP leadrouted_http_request_duration_seconds Time from a request's "
	    "arrival to its answer.\n# TYPE leadrouted_http_request_duration_seconds histogram\n");
	for (i = 0; i < LR_NELEM(latency_bounds); i++)
		buf_appendf(out, "leadrouted_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    latency_bounds[i], (unsigned long long)latency_buckets[i]);
	buf_appendf(out, "leadrouted_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "leadrouted_http_request_duration_seconds_sum %.6f\n"
	    "leadrouted_http_request_duration_seconds_count %llu\n",
	    (unsigned long long)latency_count, latency_sum, (unsigned long long)latency_count);
	buf_appendf(out, "# HELP leadrouted_http_requests_in_flight Requests received and not yet answered.\n"
	    "# TYPE leadrouted_http_requests_in_flight gauge\nleadrouted_http_requests_in_flight %d\n",
	    g->in_flight);
	buf_appendf(out, "# HELP leadrouted_redis_connected 1 while the Redis connection is up.\n"
	    "# TYPE leadrouted_redis_connected gauge\nleadrouted_redis_connected %d\n",
	    g->redis_connected);
	for (i = 0; i < GAUGE_COUNT; i++)
		buf_appendf(out, "# HELP leadrouted_%s %s\n# TYPE leadrouted_%s gauge\nleadrouted_%s %lld\n",
		    gauge_info[i].name, gauge_info[i].help, gauge_info[i].name, gauge_info[i].name,
		    (long long)gauge_values[i]);
	buf_appendf(out, "# HELP leadrouted_build_info Version of the running daemon and its config.\n"
	    "# TYPE leadrouted_build_info gauge\n"
	    "leadrouted_build_info{version=\"%s\",config_version=\"%s\"} 1\n",
	    PACKAGE_VERSION, g->config_version);
}
