/* api.h — the HTTP endpoints and the helpers they share. */
#ifndef LEADROUTED_API_H
#define LEADROUTED_API_H

#include <stdint.h>

#include <jansson.h>

#include "http.h"

extern const struct http_route api_routes[];
extern const size_t api_nroutes;

/* Endpoints, one file per resource. */
http_handler api_post_lead, api_get_lead, api_post_touch;
http_handler api_get_reps, api_put_rep_status;
http_handler api_get_escalations;
http_handler api_get_healthz, api_get_metrics;

/* The parsed JSON object body, or NULL after answering 400/422. */
json_t *api_body_object(struct http_request *req);

/* 503 with Retry-After: Redis is down or saturated; nothing was changed. */
void api_respond_unavailable(struct http_request *req, const char *why);

/* Epoch ms from a Redis hash value (a string) or a JSON number; -1 when absent. */
int64_t api_ms(const json_t *v);

/* Set key to the RFC 3339 form of ms, or to null when ms < 0. */
void api_set_time(json_t *obj, const char *key, int64_t ms);

/*
 * The public form of a lead from its Redis hash (all values strings; the
 * fields value is the JSON text of the lead's fields, or already an object).
 */
json_t *api_lead_json(const json_t *hash);

#endif
