/* api_ops.c — GET /healthz and GET /metrics, for load balancers and Prometheus. */
#include "config.h"

#include <stdlib.h>

#include "api/api.h"
#include "engine/gauges.h"
#include "engine/pii_key.h"
#include "io/http.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

static void
api_on_ping(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const struct conf *conf = http_request_conf(req);

	if (reply->err != NULL || !pii_key_ready()) {
		http_response_header(req, "Retry-After", "1");
		http_respond_json(req, 503, json_pack("{s:s, s:s, s:s}", "status", reply->err != NULL ?
		    "unavailable" : "starting", "redis", reply->err != NULL ? "down" : "up",
		    "config_version", conf->version));
		return;
	}
	http_respond_json(req, 200, json_pack("{s:s, s:s, s:s}", "status", "ok", "redis", "up",
	    "config_version", conf->version));
}

void
api_get_healthz(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct store_reply down = { "unavailable", NULL, NULL };

	if (srv->stopping || store_ping(srv->store, api_on_ping, req) == -1)
		api_on_ping(&down, req);
}

void
api_get_metrics(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	struct metrics_gauges g;
	struct buf out = { NULL, 0, 0 };

	/* Not counting this request, nor open streams (answered long ago). */
	g.in_flight = http_active(srv->http) - http_streams(srv->http) -
	    (http_request_server(req) == srv->http ? 1 : 0);
	g.redis_connected = store_connected(srv->store);
	g.config_version = srv->conf->version;
	g.now_ms = sys_now_ms();
	metrics_render(&out, &g);
	gauges_refresh(srv->gauges);	/* for the next scrape */
	http_respond_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
}
