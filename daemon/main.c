/* main.c — leadrouted: command line, start-up, signals, reload and graceful shutdown. */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "leadroute/conf.h"

#include "api/api.h"
#include "api/auth.h"
#include "engine/accounts.h"
#include "engine/definitions.h"
#include "engine/dispatch.h"
#include "engine/intake_gate.h"
#include "engine/feed.h"
#include "engine/gauges.h"
#include "engine/lead_index.h"
#include "engine/lead_snap.h"
#include "engine/notify.h"
#include "engine/pii_key.h"
#include "engine/review.h"
#include "engine/scorecard_agg.h"
#include "engine/sessions.h"
#include "engine/sla.h"
#include "engine/crm.h"
#include "engine/subs.h"
#include "io/http.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/outbound.h"
#include "io/service.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define DEFAULT_CONF SYSCONFDIR "/leadrouted/leadrouted.yaml"

static int64_t shutdown_deadline;
static int shutdown_aborted;
static struct event *shutdown_timer;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: leadrouted [-t] [-d] [-c FILE] | -H\n"
	    "  -c FILE  configuration file (default " DEFAULT_CONF ")\n"
	    "  -t       check the configuration, print every problem, and exit\n"
	    "  -d       log at debug level (overrides log_level)\n"
	    "  -H       read a token on standard input and print its line for the tokens\n"
	    "           file (sha256:…), so the file holds no secret\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n");
}

/*
 * -t: exit 0 when the config is valid, else print every error and exit 1.
 * The TLS certificate and key are loaded as a reload would, so a check that
 * passes (systemd's ExecReload runs it first) means the reload will too.
 */
static int
main_check_config(const char *path)
{
	struct conf_diags diags;
	struct conf *conf;
	char *cause = NULL;
	int rc;

	rc = conf_load_file(path, &conf, &diags);
	conf_diags_print(&diags, stderr);
	if (rc == 0 && http_tls_check(conf, &cause) == -1) {
		fprintf(stderr, "%s: tls: %s\n%s: 1 error\n", path, cause, path);
		free(cause);
		conf_unref(conf);
		conf_diags_free(&diags);
		return 1;
	}
	if (rc == 0) {
		printf("%s: ok (version %s: %zu reps, %zu pools, %zu rules%s)\n", path,
		    conf->version, conf->nreps, conf->npools, conf->nrules,
		    diags.n > 0 ? ", with warnings" : "");
		conf_unref(conf);
	} else {
		fprintf(stderr, "%s: %zu error%s\n", path, diags.nerrors,
		    diags.nerrors == 1 ? "" : "s");
	}
	conf_diags_free(&diags);
	return rc == 0 ? 0 : 1;
}

static void
main_log_diags(const struct conf_diags *diags, int level)
{
	char path[256], msg[600];
	size_t i;

	for (i = 0; i < diags->n; i++) {
		const struct conf_diag *d = &diags->v[i];

		log_msg(d->warning ? CONF_LOG_WARN : level, d->warning ? "config_warning" : "config_error",
		    "file=%s line=%d path=%s message=%s", diags->file, d->line,
		    log_quote(d->path, path, sizeof(path)), log_quote(d->msg, msg, sizeof(msg)));
	}
}

/* SIGHUP: validate the file, then swap; on any error the running config stays. */
static void
main_reload(struct server *srv)
{
	struct conf_diags diags;
	struct conf *conf, *old = srv->conf;
	char *cause = NULL;

	service_reloading();
	if (conf_load_file(srv->conf_path, &conf, &diags) == -1) {
		main_log_diags(&diags, CONF_LOG_ERROR);
		log_error("config_reload_failed", "file=%s errors=%zu kept_version=%s",
		    srv->conf_path, diags.nerrors, old->version);
		metrics_inc(METRIC_CONFIG_RELOADS_FAILED, 1);
		conf_diags_free(&diags);
		service_ready("reload failed; running the previous config");
		return;
	}
	main_log_diags(&diags, CONF_LOG_ERROR);
	conf_diags_free(&diags);
	if (strcmp(conf->listen.text, old->listen.text) != 0)
		log_warn("config_needs_restart", "key=listen running=%s", old->listen.text);
	if (!conf_redis_same_server(&conf->redis, &old->redis))
		log_warn("config_needs_restart", "key=redis (url, sentinels, master_name or a password)");
	if (strcmp(conf->redis.prefix, old->redis.prefix) != 0)
		log_warn("config_needs_restart", "key=redis.prefix running=%s", old->redis.prefix);
	if (conf->http.max_connections != old->http.max_connections ||
	    conf->http.max_connections_per_ip != old->http.max_connections_per_ip ||
	    conf->http.max_header_size != old->http.max_header_size ||
	    conf->http.max_uri_length != old->http.max_uri_length ||
	    conf->http.idle_timeout_ms != old->http.idle_timeout_ms)
		log_warn("config_needs_restart", "key=http.max_connections/max_connections_per_ip/"
		    "max_header_size/max_uri_length/idle_timeout");
	if ((conf->tls.cert_pem == NULL) != (old->tls.cert_pem == NULL))
		log_warn("config_needs_restart", "key=tls running=%s",
		    old->tls.cert_pem != NULL ? "tls" : "plain");
	if ((conf->health_listen.text == NULL) != (old->health_listen.text == NULL) ||
	    (conf->health_listen.text != NULL &&
	    strcmp(conf->health_listen.text, old->health_listen.text) != 0))
		log_warn("config_needs_restart", "key=health_listen");
	/* A certificate that does not load keeps the whole running config. */
	if (http_configure(srv->http, conf, &cause) == -1) {
		log_error("config_reload_failed", "file=%s tls=\"%s\" kept_version=%s",
		    srv->conf_path, cause, old->version);
		free(cause);
		conf_unref(conf);
		metrics_inc(METRIC_CONFIG_RELOADS_FAILED, 1);
		service_ready("reload failed; running the previous config");
		return;
	}
	if (srv->health != NULL)
		http_configure(srv->health, conf, NULL);
	if (conf->tls.cert_pem != NULL && old->tls.cert_pem != NULL)
		log_info("tls_reloaded", "cert=%s", conf->tls.cert_file);
	srv->conf = conf;
	store_configure(srv->store, conf);
	log_set_level(conf->log_level);
	log_info("config_reloaded", "version=%s previous=%s reps=%zu pools=%zu rules=%zu",
	    conf->version, old->version, conf->nreps, conf->npools, conf->nrules);
	conf_unref(old);
	metrics_inc(METRIC_CONFIG_RELOADS_OK, 1);
	accounts_seed(srv);
	definitions_record(srv);
	lead_index_upkeep(srv->ix);
	sla_republish(srv->sla);
	dispatch_kick(srv->dispatch);
	sla_kick(srv->sla);
	subs_configure(srv->subs);
	review_start(srv->review);	/* the schedule may have changed */
	service_ready("running");
}

static void
main_on_store_stopped(void *arg)
{
	struct server *srv = arg;

	event_base_loopexit(srv->base, NULL);
}

/* Wait for in-flight requests; past the deadline, fail them so none hangs. */
static void
main_on_shutdown_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = sys_timeval_ms(20);

	if (http_active(srv->http) > 0) {
		if (sys_now_ms() < shutdown_deadline) {
			evtimer_add(shutdown_timer, &tv);
			return;
		}
		if (!shutdown_aborted) {
			log_warn("shutdown_timeout", "in_flight=%d", http_active(srv->http));
			shutdown_aborted = 1;
			store_abort(srv->store);
			shutdown_deadline = sys_now_ms() + 500;
			evtimer_add(shutdown_timer, &tv);
			return;
		}
	}
	http_stop(srv->http);
	if (srv->health != NULL)
		http_stop(srv->health);
	store_stop(srv->store, main_on_store_stopped, srv);
}

static void
main_begin_shutdown(struct server *srv, const char *why)
{
	struct timeval now = sys_timeval_ms(0);

	if (srv->stopping)
		return;
	srv->stopping = 1;
	log_info("stopping", "signal=%s in_flight=%d", why, http_active(srv->http));
	service_stopping();
	http_quiesce(srv->http);	/* open streams end too */
	if (srv->health != NULL)
		http_quiesce(srv->health);
	feed_stop(srv->feed);
	sla_stop(srv->sla);
	dispatch_stop(srv->dispatch);
	notify_stop(srv->notify);
	subs_stop(srv->subs);
	scorecard_agg_stop(srv->agg);
	review_stop(srv->review);
	lead_index_stop(srv->ix);
	gauges_stop(srv->gauges);
	shutdown_deadline = sys_now_ms() + srv->conf->http.shutdown_timeout_ms;
	shutdown_timer = evtimer_new(srv->base, main_on_shutdown_tick, srv);
	evtimer_add(shutdown_timer, &now);
}

static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	if (sig == SIGHUP) {
		if (!srv->stopping)
			main_reload(srv);
		return;
	}
	main_begin_shutdown(srv, sig == SIGTERM ? "TERM" : "INT");
}

/* After every (re)connection: catch up on queues and deadlines at once. */
static void
main_on_redis_up(void *arg)
{
	struct server *srv = arg;

	if (srv->stopping)
		return;
	pii_key_load(srv);
	accounts_seed(srv);
	definitions_record(srv);
	lead_index_upkeep(srv->ix);
	sla_republish(srv->sla);	/* before any script that reads it */
	dispatch_kick(srv->dispatch);
	sla_kick(srv->sla);
	notify_kick(srv->notify);
	subs_configure(srv->subs);
	sessions_kick(srv->sessions);
	gauges_read(srv->gauges);
}

int
main(int argc, char **argv)
{
	struct server srv;
	struct event_config *evcfg;
	struct conf_diags diags;
	struct event *sigs[3];
	const int signums[] = { SIGTERM, SIGINT, SIGHUP };
	sigset_t stopping;
	const char *path = DEFAULT_CONF;
	char *cause = NULL, status[128];
	int ch, check = 0, debug = 0;
	size_t i;

	while ((ch = getopt(argc, argv, "c:tdHVh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'H':
			return auth_hash_token_main();
		case 'V':
			printf("leadrouted %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check)
		return main_check_config(path);

	memset(&srv, 0, sizeof(srv));
	srv.conf_path = xstrdup(path);
	if (conf_load_file(path, &srv.conf, &diags) == -1) {
		conf_diags_print(&diags, stderr);
		fprintf(stderr, "leadrouted: %s has %zu error%s; not starting\n", path,
		    diags.nerrors, diags.nerrors == 1 ? "" : "s");
		conf_diags_free(&diags);
		free(srv.conf_path);
		return 1;
	}
	log_init(debug ? CONF_LOG_DEBUG : srv.conf->log_level);
	main_log_diags(&diags, CONF_LOG_ERROR);
	conf_diags_free(&diags);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)sys_monotonic_us());

	/*
	 * With the changelist, an event added and removed within one turn of the
	 * loop costs no epoll_ctl (the store relies on it for Redis writes).
	 */
	evcfg = event_config_new();
	event_config_set_flag(evcfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	srv.base = event_base_new_with_config(evcfg);
	event_config_free(evcfg);
	if (srv.base == NULL) {
		fprintf(stderr, "leadrouted: cannot create the event loop\n");
		return 1;
	}
	log_attach(srv.base);
	srv.store = store_new(srv.base, srv.conf);
	srv.sla = sla_new(&srv);
	srv.dispatch = dispatch_new(&srv);
	srv.feed = feed_new(srv.base, srv.store, srv.conf->redis.prefix);
	srv.outbound = outbound_new(srv.base);
	srv.snaps = lead_snaps_new(&srv);
	srv.notify = notify_new(&srv);
	srv.subs = subs_new(&srv);
	srv.crm_tokens = crm_tokens_new(&srv);
	srv.gate = intake_gate_new();
	srv.agg = scorecard_agg_new(&srv);
	srv.sessions = sessions_new(&srv);
	srv.review = review_new(&srv);
	srv.ix = lead_index_new(&srv);
	srv.gauges = gauges_new(&srv);
	srv.http = http_new(srv.base, api_routes, api_nroutes, &srv);
	store_on_connect(srv.store, main_on_redis_up, &srv);

	log_info("starting", "version=%s config=%s config_version=%s reps=%zu pools=%zu rules=%zu",
	    PACKAGE_VERSION, path, srv.conf->version, srv.conf->nreps, srv.conf->npools,
	    srv.conf->nrules);
	http_set_authorizer(srv.http, auth_authorize);
	if (http_start(srv.http, srv.conf, &srv.conf->listen, srv.conf->tls.cert_pem != NULL,
	    &cause) == -1)
		goto listen_failed;
	if (srv.conf->health_listen.text != NULL) {
		srv.health = http_new(srv.base, api_health_routes, api_health_nroutes, &srv);
		if (http_start(srv.health, srv.conf, &srv.conf->health_listen, 0, &cause) == -1)
			goto listen_failed;
		log_info("health_listening", "addr=%s port=%d", srv.conf->health_listen.host,
		    http_bound_port(srv.health));
	}
	for (i = 0; i < LR_NELEM(signums); i++) {
		sigs[i] = evsignal_new(srv.base, signums[i], main_on_signal, &srv);
		event_add(sigs[i], NULL);
	}
	log_info("listening", "addr=%s port=%d", srv.conf->listen.host, http_bound_port(srv.http));
	store_start(srv.store);
	sla_start(srv.sla);
	dispatch_start(srv.dispatch);
	notify_start(srv.notify);
	subs_start(srv.subs, http_bound_port(srv.http));
	scorecard_agg_start(srv.agg);
	sessions_start(srv.sessions);
	review_start(srv.review);
	lead_index_start(srv.ix);
	gauges_start(srv.gauges);
	service_init(srv.base);
	snprintf(status, sizeof(status), "listening on %s port %d", srv.conf->listen.host,
	    http_bound_port(srv.http));
	service_ready(status);

	event_base_dispatch(srv.base);

	log_info("stopped", "pid=%d", (int)getpid());
	if (0) {
listen_failed:
		log_error("listen_failed", "error=\"%s\"", cause);
		log_detach();
		fprintf(stderr, "leadrouted: %s\n", cause);
		free(cause);
		return 1;
	}
	/*
	 * Stopping already: a TERM or INT repeated while the rest is freed (a
	 * supervisor's second signal) must not kill the process half-way with
	 * the default action that freeing the loop's handlers puts back.
	 */
	sigemptyset(&stopping);
	sigaddset(&stopping, SIGTERM);
	sigaddset(&stopping, SIGINT);
	sigprocmask(SIG_BLOCK, &stopping, NULL);	/* held, not acted on, meanwhile */
	for (i = 0; i < LR_NELEM(signums); i++)
		event_free(sigs[i]);
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &stopping, NULL);
	if (shutdown_timer != NULL)
		event_free(shutdown_timer);
	service_free();
	http_free(srv.http);
	http_free(srv.health);
	dispatch_free(srv.dispatch);
	sla_free(srv.sla);
	store_free(srv.store);
	intake_gate_free(srv.gate);	/* after the store: every lead was answered */
	feed_free(srv.feed);	/* after the store: its callbacks may still run */
	notify_free(srv.notify);	/* after the store: its callbacks may still run */
	subs_free(srv.subs);		/* likewise */
	crm_tokens_free(srv.crm_tokens);	/* after subs: its writes are gone */
	lead_snaps_free(srv.snaps);	/* likewise, after its users */
	api_slack_abort_updates();
	outbound_free(srv.outbound);	/* after its users */
	scorecard_agg_free(srv.agg);	/* likewise */
	sessions_free(srv.sessions);	/* likewise */
	review_free(srv.review);	/* likewise */
	lead_index_free(srv.ix);	/* after the store: its callback takes nothing of it */
	gauges_free(srv.gauges);	/* after the store: a read in flight holds it */
	conf_unref(srv.conf);
	free(srv.conf_path);
	log_detach();
	event_base_free(srv.base);
	libevent_global_shutdown();
	return 0;
}
