/* metrics.h — process-wide counters, rendered in the Prometheus text format. */
#ifndef LEADROUTED_METRICS_H
#define LEADROUTED_METRICS_H

#include <stdint.h>

#include "leadroute/util.h"

enum metric {
	METRIC_LEADS_RECEIVED,
	METRIC_LEADS_DUPLICATE,
	METRIC_LEADS_INVALID,
	METRIC_LEADS_ASSIGNED_ON_ARRIVAL,
	METRIC_LEADS_ASSIGNED_FROM_QUEUE,
	METRIC_LEADS_QUEUED,
	METRIC_LEADS_NURTURE,
	METRIC_TOUCHES,
	METRIC_ESCALATIONS_ROUTE,
	METRIC_ESCALATIONS_FIRST_TOUCH,
	METRIC_REDIS_ERRORS,
	METRIC_REDIS_RECONNECTS,
	METRIC_CONFIG_RELOADS_OK,
	METRIC_CONFIG_RELOADS_FAILED,
	METRIC_COUNT
};

/* Values read at render time from the modules that own them. */
struct metrics_gauges {
	int		 in_flight;
	int		 redis_connected;
	const char	*config_version;
};

void metrics_inc(enum metric m, uint64_t n);

/* Count one answered HTTP request and how long it took. */
void metrics_http_request(int status, double seconds);

void metrics_render(struct buf *out, const struct metrics_gauges *g);

#endif
