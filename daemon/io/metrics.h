/* metrics.h — process-wide counters, rendered in the Prometheus text format. */
#ifndef LEADROUTED_METRICS_H
#define LEADROUTED_METRICS_H

#include <stdint.h>

#include "leadroute/util.h"

enum metric {
	METRIC_LEADS_RECEIVED,
	METRIC_LEADS_DUPLICATE,
	METRIC_LEADS_JOINED,
	METRIC_PEOPLE_BECAME_MQL,
	METRIC_PERSON_RETRIES,
	METRIC_IDEM_REUSED,
	METRIC_LEADS_INVALID,
	METRIC_LEADS_ASSIGNED_ON_ARRIVAL,
	METRIC_LEADS_ASSIGNED_FROM_QUEUE,
	METRIC_LEADS_QUEUED,
	METRIC_LEADS_NURTURE,
	METRIC_TOUCHES,
	METRIC_SLA_BREACHES,
	METRIC_ESCALATION_LEVELS,
	METRIC_LEADS_REASSIGNED,
	METRIC_SLA_REMINDERS,
	METRIC_REPS_AUTO_OFFLINE,
	METRIC_REDIS_ERRORS,
	METRIC_REDIS_RECONNECTS,
	METRIC_CONFIG_RELOADS_OK,
	METRIC_CONFIG_RELOADS_FAILED,
	METRIC_NOTIFICATIONS_DELIVERED,
	METRIC_NOTIFICATIONS_RETRIED,
	METRIC_NOTIFICATIONS_FAILED,
	METRIC_SCORECARD_EVENTS,
	METRIC_SCORECARD_GAPS,
	METRIC_HTTP_SHED,
	METRIC_HTTP_SLOW_CLIENTS,
	METRIC_AUTH_REFUSED,
	METRIC_RATE_LIMITED,
	METRIC_SIGNATURES_REFUSED,
	METRIC_SOURCE_EVENTS,
	METRIC_FORMS_REFUSED_ORIGIN,
	METRIC_FORMS_REFUSED_HONEYPOT,
	METRIC_SUBJECTS_ERASED,
	METRIC_TOMBSTONED,
	METRIC_COUNT
};

/* Gauges set by the modules that own them, as they change. */
enum metric_gauge {
	GAUGE_NOTIFICATIONS_IN_FLIGHT,
	GAUGE_ESCALATION_STREAM_SUBSCRIBERS,
	GAUGE_COUNT
};

/* Values read at render time from the modules that own them. */
struct metrics_gauges {
	int		 in_flight;
	int		 redis_connected;
	const char	*config_version;
	int64_t		 now_ms;	/* epoch ms: the shared gauges' ages */
};

/*
 * Gauges read from Redis (engine/gauges.c), the same in every daemon sharing
 * it: the whole set is replaced on each read, and rendered only while that
 * read is at most METRICS_SHARED_MAX_AGE_MS old, so a daemon cut off from
 * Redis drops them instead of repeating old values.
 */
enum metric_shared {
	SHARED_QUEUE_DEPTH,		/* pool */
	SHARED_QUEUE_OLDEST,		/* pool; the head's arrival (epoch ms, 0: none), shown as an age */
	SHARED_ESCALATIONS_OPEN,
	SHARED_DEAD_LETTERS,		/* kind, subscription */
	SHARED_OUTBOUND_BACKLOG,	/* kind, recipient or subscription */
	SHARED_COUNT
};

#define METRICS_SHARED_MAX_AGE_MS	15000

/* Forget every shared sample (before a new read's, or at exit). */
void metrics_shared_clear(void);
/*
 * One sample with up to two labels (a NULL name ends them); past the
 * labelled-metric cap, its last label reads "other" and its value joins that
 * sample's (summed; the oldest arrival for SHARED_QUEUE_OLDEST).
 */
void metrics_shared_add(enum metric_shared m, const char *label1, const char *value1,
    const char *label2, const char *value2, int64_t v);
/* The samples now held were read from Redis at read_at_ms (epoch ms). */
void metrics_shared_read(int64_t read_at_ms);

/* Counters with one label whose values come from the config (ids). */
enum metric_label {
	METRIC_LABEL_REJECTIONS,	/* reason */
	METRIC_LABEL_STAGE_ENTRIES,	/* stage */
	METRIC_LABEL_BREACHES,		/* pool */
	METRIC_LABEL_SUB_DELIVERED,	/* subscription */
	METRIC_LABEL_SUB_RETRIED,
	METRIC_LABEL_SUB_DEAD,
	METRIC_LABEL_SUB_SKIPPED,
	METRIC_LABEL_SUB_PAUSED,	/* a gauge: 0 or 1 */
	METRIC_LABEL_EMAIL_ACTIONS,	/* result */
	METRIC_LABEL_FIELD_WARNINGS,	/* field */
	METRIC_LABEL_COUNT
};

void metrics_inc(enum metric m, uint64_t n);
void metrics_inc_label(enum metric_label m, const char *value, uint64_t n);
/* For the labelled gauges. */
void metrics_set_label(enum metric_label m, const char *value, uint64_t v);

/* Live versions of the scorecard's times, observed as leads are routed and touched. */
void metrics_observe_route(double seconds);
void metrics_observe_first_touch(double seconds);
void metrics_gauge_set(enum metric_gauge g, int64_t v);

/* Count one answered HTTP request and how long it took. */
void metrics_http_request(int status, double seconds);

void metrics_render(struct buf *out, const struct metrics_gauges *g);

#endif
