/* metrics.c — counters and histograms, no locks: one thread owns them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "io/metrics.h"

static const struct {
	const char	*name;
	const char	*labels;
	const char	*help;
} metric_info[METRIC_COUNT] = {
	[METRIC_LEADS_RECEIVED] = { "leads_received_total", "", "Leads accepted and stored (duplicates excluded)." },
	[METRIC_LEADS_DUPLICATE] = { "leads_duplicate_total", "", "Repeats answered from the idempotency record." },
	[METRIC_LEADS_JOINED] = { "leads_re_engaged_total", "", "Events of a person with an open lead, added to that lead instead of making another." },
	[METRIC_PEOPLE_BECAME_MQL] = { "people_became_mql_total", "", "People whose accumulated score crossed the MQL threshold." },
	[METRIC_PERSON_RETRIES] = { "person_decisions_retried_total", "", "Decisions made again because another lead of the same person was stored first." },
	[METRIC_IDEM_REUSED] = { "idempotency_keys_reused_total", "", "Requests refused because their idempotency key came with a different request (leads, source events, lead actions)." },
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
	[METRIC_SCORECARD_EVENTS] = { "scorecard_events_folded_total", "", "Events folded into the scorecard's aggregates by this daemon." },
	[METRIC_SCORECARD_GAPS] = { "scorecard_event_gaps_total", "", "Times the event stream was trimmed before the scorecard read it (figures are then short)." },
	[METRIC_HTTP_SHED] = { "http_requests_shed_total", "", "Requests answered 503 because too many were in flight." },
	[METRIC_HTTP_SLOW_CLIENTS] = { "http_slow_clients_total", "", "Connections closed for not sending a whole request within http.request_timeout." },
	[METRIC_AUTH_REFUSED] = { "auth_refused_total", "", "Requests refused 401 or 403 (no token, a bad token, or a token without the role)." },
	[METRIC_RATE_LIMITED] = { "rate_limited_total", "", "Requests refused (429, or a form's error page) by a per-token, per-source or per-address rate limit." },
	[METRIC_SIGNATURES_REFUSED] = { "webhook_signatures_refused_total", "", "Source requests refused for a missing, bad or expired signature." },
	[METRIC_SOURCE_EVENTS] = { "source_events_total", "", "Events received on source endpoints (each event of a batch)." },
	[METRIC_FORMS_REFUSED_ORIGIN] = { "source_forms_refused_total", "reason=\"origin\"", "Browser requests to a source refused: from a page not in its cors_origins (403), or a filled honeypot (answered as stored)." },
	[METRIC_FORMS_REFUSED_HONEYPOT] = { "source_forms_refused_total", "reason=\"honeypot\"", NULL },
	[METRIC_SUBJECTS_ERASED] = { "subjects_erased_total", "", "Erasure requests carried out (DELETE /v1/subjects)." },
	[METRIC_TOMBSTONED] = { "leads_tombstoned_total", "", "Leads refused because their subject was erased." },
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

struct histogram {
	const char	*name;
	const char	*help;
	const double	*bounds;
	size_t		 nbounds;
	uint64_t	 buckets[16];	/* cumulative, per bound */
	uint64_t	 count;
	double		 sum;
};

/* Seconds: a lead answer should be a few milliseconds; the tail shows trouble. */
static const double latency_bounds[] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};
/* Routing takes milliseconds unless a lead waits in a queue (the SLA: 5 minutes). */
static const double route_bounds[] = {
	0.001, 0.01, 0.1, 1, 10, 60, 300, 900, 3600, 14400, 86400,
};
/* First touch: the playbooks' marks are 5 minutes, 1 hour and 48 hours. */
static const double touch_bounds[] = {
	60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800,
};

static struct histogram hist_http = { "http_request_duration_seconds",
	"Time from a request's arrival to its answer.", latency_bounds,
	LR_NELEM(latency_bounds), { 0 }, 0, 0 };
static struct histogram hist_route = { "time_to_route_seconds",
	"Time from a lead's arrival to its first owner, for leads routed by this daemon.",
	route_bounds, LR_NELEM(route_bounds), { 0 }, 0, 0 };
static struct histogram hist_touch = { "time_to_first_touch_seconds",
	"Time from a lead's arrival to its first touch, for touches recorded by this daemon.",
	touch_bounds, LR_NELEM(touch_bounds), { 0 }, 0, 0 };

static void
histogram_observe(struct histogram *h, double v)
{
	size_t i;

	for (i = 0; i < h->nbounds; i++)
		if (v <= h->bounds[i])
			h->buckets[i]++;
	h->count++;
	h->sum += v;
}

static void
histogram_render(struct buf *out, const struct histogram *h)
{
	size_t i;

	buf_appendf(out, "# HELP leadrouted_%s %s\n# TYPE leadrouted_%s histogram\n", h->name,
	    h->help, h->name);
	for (i = 0; i < h->nbounds; i++)
		buf_appendf(out, "leadrouted_%s_bucket{le=\"%g\"} %llu\n", h->name, h->bounds[i],
		    (unsigned long long)h->buckets[i]);
	buf_appendf(out, "leadrouted_%s_bucket{le=\"+Inf\"} %llu\nleadrouted_%s_sum %.6f\n"
	    "leadrouted_%s_count %llu\n", h->name, (unsigned long long)h->count, h->name, h->sum,
	    h->name, (unsigned long long)h->count);
}

/* Label values are config ids; a bounded number each, the rest counted as "other". */
#define LABEL_VALUES_MAX 256

static struct {
	const char	*name;
	const char	*label;
	const char	*help;
	char		**values;
	uint64_t	 *counts;
	size_t		  n;
	int		  gauge;	/* set, not counted */
} labelled[METRIC_LABEL_COUNT] = {
	[METRIC_LABEL_REJECTIONS] = { "lead_rejections_total", "reason",
	    "Leads rejected by their owner, by reason code.", NULL, NULL, 0 },
	[METRIC_LABEL_STAGE_ENTRIES] = { "lead_stage_entries_total", "stage",
	    "Leads moved into a lifecycle stage (accepted, rejected or moved).", NULL, NULL, 0 },
	[METRIC_LABEL_BREACHES] = { "sla_breaches_by_pool_total", "pool",
	    "SLA clocks that ran out, by the lead's pool, in claims by this daemon.", NULL, NULL, 0 },
	[METRIC_LABEL_SUB_DELIVERED] = { "subscription_delivered_total", "subscription",
	    "Events delivered to a subscription (a 2xx answer) by this daemon.", NULL, NULL, 0 },
	[METRIC_LABEL_SUB_RETRIED] = { "subscription_retries_total", "subscription",
	    "Failed attempts to deliver to a subscription that will be tried again.", NULL, NULL, 0 },
	[METRIC_LABEL_SUB_DEAD] = { "subscription_dead_letters_total", "subscription",
	    "Events moved to a subscription's dead-letter list.", NULL, NULL, 0 },
	[METRIC_LABEL_SUB_SKIPPED] = { "subscription_skipped_total", "subscription",
	    "Events a subscription's types or filters leave out, or whose lead is gone.", NULL, NULL,
	    0 },
	[METRIC_LABEL_SUB_PAUSED] = { "subscription_paused", "subscription",
	    "1 while a subscription is paused, as this daemon last read its state.", NULL, NULL, 0, 1 },
	[METRIC_LABEL_EMAIL_ACTIONS] = { "email_actions_total", "result",
	    "Confirmations posted from email action links, by what became of them.", NULL, NULL,
	    0 },
	[METRIC_LABEL_FIELD_WARNINGS] = { "lead_field_warnings_total", "field",
	    "Stored leads with a field not used as sent (a country not known, employees not "
	    "a number or range).", NULL, NULL, 0 },
};

/* The slot of a label value, added on first use; past the limit, "other". */
static size_t
metrics_label_slot(enum metric_label m, const char *value)
{
	size_t i;

	for (i = 0; i < labelled[m].n; i++)
		if (strcmp(labelled[m].values[i], value) == 0)
			return i;
	if (labelled[m].n == LABEL_VALUES_MAX - 1 && strcmp(value, "other") != 0)
		return metrics_label_slot(m, "other");
	labelled[m].values = xreallocarray(labelled[m].values, labelled[m].n + 1, sizeof(char *));
	labelled[m].counts = xreallocarray(labelled[m].counts, labelled[m].n + 1,
	    sizeof(uint64_t));
	labelled[m].values[labelled[m].n] = xstrdup(value);
	labelled[m].counts[labelled[m].n] = 0;
	return labelled[m].n++;
}

void
metrics_inc_label(enum metric_label m, const char *value, uint64_t n)
{
	size_t slot = metrics_label_slot(m, value != NULL ? value : "");	/* may move counts */

	labelled[m].counts[slot] += n;
}

void
metrics_set_label(enum metric_label m, const char *value, uint64_t v)
{
	size_t slot = metrics_label_slot(m, value != NULL ? value : "");

	labelled[m].counts[slot] = v;
}

void
metrics_observe_route(double seconds)
{
	histogram_observe(&hist_route, seconds);
}

void
metrics_observe_first_touch(double seconds)
{
	histogram_observe(&hist_touch, seconds);
}

static const struct {
	const char	*name;
	const char	*help;
} shared_info[SHARED_COUNT] = {
	[SHARED_QUEUE_DEPTH] = { "queue_depth", "Leads waiting in each pool's queue (read from Redis: every daemon's)." },
	[SHARED_QUEUE_OLDEST] = { "queue_oldest_age_seconds", "Seconds since the lead at the head of each pool's queue arrived; 0 when none waits." },
	[SHARED_ESCALATIONS_OPEN] = { "escalations_open", "Escalations open: clocks breached and not yet acknowledged or resolved." },
	[SHARED_DEAD_LETTERS] = { "dead_letters", "Dead letters kept: notifications' (kind=\"notifications\") and each subscription's." },
	[SHARED_OUTBOUND_BACKLOG] = { "outbound_backlog", "Deliveries waiting: notification jobs in the outbox by recipient as written, and each subscription's events not yet delivered (lag, pending, retrying)." },
};

struct shared_sample {
	enum metric_shared	 m;
	char			*labels;	/* rendered: name="value",… */
	int64_t			 v;
};

static struct shared_sample *shared;
static size_t nshared;
static size_t shared_per_metric[SHARED_COUNT];
static int64_t shared_read_at;	/* epoch ms; 0: never read */

void
metrics_shared_clear(void)
{
	size_t i;

	for (i = 0; i < nshared; i++)
		free(shared[i].labels);
	free(shared);
	shared = NULL;
	nshared = 0;
	memset(shared_per_metric, 0, sizeof(shared_per_metric));
}

/* name="value", the value escaped as the text format asks. */
static void
metrics_append_label(struct buf *b, const char *name, const char *value)
{
	const char *p;

	buf_appendf(b, "%s%s=\"", b->len > 0 ? "," : "", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			buf_appendf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_appendf(b, "\\n");
		else
			buf_appendf(b, "%c", *p);
	}
	buf_appendf(b, "\"");
}

void
metrics_shared_add(enum metric_shared m, const char *label1, const char *value1,
    const char *label2, const char *value2, int64_t v)
{
	struct buf b = { NULL, 0, 0 };
	size_t i;

	if (shared_per_metric[m] >= LABEL_VALUES_MAX - 1 && label1 != NULL) {
		if (label2 != NULL)
			value2 = "other";
		else
			value1 = "other";
	}
	if (label1 != NULL)
		metrics_append_label(&b, label1, value1);
	if (label1 != NULL && label2 != NULL)
		metrics_append_label(&b, label2, value2);
	if (b.data == NULL)
		b.data = xstrdup("");	/* no labels */
	for (i = 0; i < nshared; i++) {
		if (shared[i].m != m || strcmp(shared[i].labels, b.data) != 0)
			continue;
		if (m != SHARED_QUEUE_OLDEST)
			shared[i].v += v;
		else if (v > 0 && (shared[i].v == 0 || v < shared[i].v))
			shared[i].v = v;
		free(b.data);
		return;
	}
	shared = xreallocarray(shared, nshared + 1, sizeof(*shared));
	shared[nshared].m = m;
	shared[nshared].labels = b.data;
	shared[nshared].v = v;
	nshared++;
	shared_per_metric[m]++;
}

void
metrics_shared_read(int64_t read_at_ms)
{
	shared_read_at = read_at_ms;
}

/* The shared gauges while recent, and how old they are once there was a read. */
static void
metrics_shared_render(struct buf *out, int64_t now_ms)
{
	size_t i, j;

	if (shared_read_at == 0)
		return;
	buf_appendf(out, "# HELP leadrouted_shared_gauges_age_seconds Seconds since the gauges "
	    "from Redis (queues, escalations, dead letters, backlogs) were read; past %d s they "
	    "are left out.\n"
	    "# TYPE leadrouted_shared_gauges_age_seconds gauge\n"
	    "leadrouted_shared_gauges_age_seconds %.3f\n", METRICS_SHARED_MAX_AGE_MS / 1000,
	    (double)(now_ms > shared_read_at ? now_ms - shared_read_at : 0) / 1000);
	if (now_ms - shared_read_at > METRICS_SHARED_MAX_AGE_MS)
		return;
	for (i = 0; i < SHARED_COUNT; i++) {
		buf_appendf(out, "# HELP leadrouted_%s %s\n# TYPE leadrouted_%s gauge\n",
		    shared_info[i].name, shared_info[i].help, shared_info[i].name);
		for (j = 0; j < nshared; j++) {
			const struct shared_sample *s = &shared[j];

			if (s->m != i)
				continue;
			buf_appendf(out, "leadrouted_%s", shared_info[i].name);
			if (s->labels[0] != '\0')
				buf_appendf(out, "{%s}", s->labels);
			if (i != SHARED_QUEUE_OLDEST)
				buf_appendf(out, " %lld\n", (long long)s->v);
			else
				buf_appendf(out, " %.3f\n", s->v > 0 && now_ms > s->v ?
				    (double)(now_ms - s->v) / 1000 : 0.0);
		}
	}
}

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
	if (status >= 100 && status < 600)
		http_by_status[status]++;
	histogram_observe(&hist_http, seconds);
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
	histogram_render(out, &hist_http);
	histogram_render(out, &hist_route);
	histogram_render(out, &hist_touch);
	for (i = 0; i < METRIC_LABEL_COUNT; i++) {
		size_t j;

		buf_appendf(out, "# HELP leadrouted_%s %s\n# TYPE leadrouted_%s %s\n",
		    labelled[i].name, labelled[i].help, labelled[i].name,
		    labelled[i].gauge ? "gauge" : "counter");
		for (j = 0; j < labelled[i].n; j++)
			buf_appendf(out, "leadrouted_%s{%s=\"%s\"} %llu\n", labelled[i].name,
			    labelled[i].label, labelled[i].values[j],
			    (unsigned long long)labelled[i].counts[j]);
	}
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
	metrics_shared_render(out, g->now_ms);
	buf_appendf(out, "# HELP leadrouted_build_info Version of the running daemon and its config.\n"
	    "# TYPE leadrouted_build_info gauge\n"
	    "leadrouted_build_info{version=\"%s\",config_version=\"%s\"} 1\n",
	    PACKAGE_VERSION, g->config_version);
}
