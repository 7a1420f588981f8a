/*
 * console.c — the web console: its files under /console/, built into the
 * binary (daemon/console/), the charting library read from the system, and
 * sign-in. Signing in trades an API token for a session cookie (HttpOnly,
 * SameSite=Strict, Secure under TLS, expiring, revocable); a page's calls to
 * /v1/ then carry the cookie, and each state change also its session's CSRF
 * token and its own origin (api/cookie_auth.c checks them).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "leadroute/confread.h"
#include "leadroute/ratelimit.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "api/console.h"
#include "api/cookie_auth.h"
#include "engine/sessions.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/sysutil.h"
#include "server.h"

#define CONSOLE_TOKEN_MAX	1024
#define CONSOLE_CHART_MAX	(4 << 20)

/*
 * No inline script or style, nothing from elsewhere: the pages run only the
 * files this daemon serves, and talk only to it.
 */
#define CONSOLE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'"

static struct rate_table console_sign_in_rates;

/* The charting library, read once per path (a reload may name another). */
static struct {
	char	*path;
	char	*data;
	size_t	 len;
} console_chart;

static void
console_headers(struct http_request *req)
{
	http_response_header(req, "Content-Security-Policy", CONSOLE_CSP);
	http_response_header(req, "X-Content-Type-Options", "nosniff");
	http_response_header(req, "Referrer-Policy", "no-referrer");
	http_response_header(req, "X-Frame-Options", "DENY");
}

/* 404 as for any unknown path when the console is switched off. */
static int
console_off(struct http_request *req)
{
	if (http_request_conf(req)->console.enabled)
		return 0;
	http_respond_error(req, 404, "not_found", NULL, "the console is switched off "
	    "(console.enabled)");
	return 1;
}

/* A strong ETag from the content, so a reload of the page costs a 304. */
static void
console_etag(const void *data, size_t len, char out[24])
{
	unsigned char h[32];
	char hex[65];

	EVP_Digest(data, len, h, NULL, EVP_sha256(), NULL);
	util_hex_encode(h, 10, hex);
	snprintf(out, 24, "\"%.20s\"", hex);
}

static void
console_send(struct http_request *req, const char *type, const void *data, size_t len)
{
	const char *inm = http_request_header(req, "If-None-Match");
	char etag[24], *copy;

	console_etag(data, len, etag);
	console_headers(req);
	http_response_header(req, "ETag", etag);
	http_response_header(req, "Cache-Control", "no-cache");
	if (inm != NULL && strcmp(inm, etag) == 0) {
		http_respond_empty(req, 304);
		return;
	}
	copy = xmalloc(len + 1);
	memcpy(copy, data, len);
	http_respond_text(req, 200, type, copy, len);
}

static const struct console_asset *
console_find(const char *name)
{
	size_t i;

	for (i = 0; i < console_nassets; i++)
		if (strcmp(console_assets[i].name, name) == 0)
			return &console_assets[i];
	return NULL;
}

void
api_get_console_root(struct http_request *req)
{
	if (console_off(req))
		return;
	http_response_header(req, "Location", "/console/");
	http_respond_empty(req, 303);
}

void
api_get_console_page(struct http_request *req)
{
	const struct console_asset *a = console_find("index.html");

	if (console_off(req))
		return;
	console_send(req, a->type, a->data, a->len);
}

static int
console_load_chart(const char *path)
{
	const char *why;
	size_t len;
	char *data;

	/* A failed read is tried again: the package may have come since. */
	if (console_chart.data != NULL && strcmp(console_chart.path, path) == 0)
		return 0;
	free(console_chart.path);
	free(console_chart.data);
	console_chart.path = xstrdup(path);
	data = confread_small_file(path, CONSOLE_CHART_MAX, &len, &why);
	console_chart.data = data;
	console_chart.len = len;
	if (data == NULL) {
		log_warn("console_chart_missing", "path=%s error=\"%s\"", path, why);
		return -1;
	}
	return 0;
}

void
api_get_console_asset(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	const char *name = http_request_param(req, 0);
	const struct console_asset *a;

	if (console_off(req))
		return;
	if (strcmp(name, "chart.js") == 0) {
		if (console_load_chart(conf->console.chart_js) == -1) {
			http_respond_error(req, 404, "not_found", NULL, "the charting library %s "
			    "cannot be read (install Debian's libjs-chart.js, or set "
			    "console.chart_js)", conf->console.chart_js);
			return;
		}
		console_send(req, "text/javascript; charset=utf-8", console_chart.data,
		    console_chart.len);
		return;
	}
	if ((a = console_find(name)) == NULL || strcmp(name, "index.html") == 0) {
		http_respond_error(req, 404, "not_found", NULL, "no console file %s", name);
		return;
	}
	console_send(req, a->type, a->data, a->len);
}

static void
console_write_roles(struct jsonw *w, unsigned roles)
{
	jsonw_begin_array(w, "roles");
	if (roles & CONF_ROLE_INGEST)
		jsonw_string(w, NULL, "ingest");
	if (roles & CONF_ROLE_REP)
		jsonw_string(w, NULL, "rep");
	if (roles & CONF_ROLE_MANAGER)
		jsonw_string(w, NULL, "manager");
	if (roles & CONF_ROLE_ADMIN)
		jsonw_string(w, NULL, "admin");
	jsonw_end_array(w);
}

/* Who the page acts for: what it may offer, and the token its changes send. */
static void
console_respond_session(struct http_request *req, int status, const struct conf_token *tok,
    const struct session *s, const unsigned char key[32])
{
	struct jsonw w = { 0 };
	char csrf[SESSION_CSRF_HEX + 1];

	jsonw_begin_object(&w, NULL);
	if (tok == NULL) {
		/* auth.open: every endpoint answers without a token. */
		jsonw_bool(&w, "open", 1);
		jsonw_string(&w, "name", "open");
		console_write_roles(&w, conf_roles_implied(CONF_ROLE_ADMIN));
		jsonw_null(&w, "rep");
		jsonw_null(&w, "expires_at");
		jsonw_null(&w, "csrf");
	} else {
		session_csrf(key, 32, s->id, csrf);
		jsonw_bool(&w, "open", 0);
		jsonw_string(&w, "name", tok->name);
		console_write_roles(&w, conf_roles_implied(tok->roles));
		jsonw_string(&w, "rep", tok->rep);
		jsonw_time(&w, "expires_at", s->expires_ms);
		jsonw_string(&w, "csrf", csrf);
	}
	jsonw_end_object(&w);
	api_respond_jsonw(req, status, &w);
}

void
api_get_console_session(struct http_request *req)
{
	const struct conf_token *tok = NULL;
	unsigned char key[32];
	struct session s;
	int r;

	if (console_off(req))
		return;
	if (http_request_conf(req)->auth.open) {
		console_respond_session(req, 200, NULL, NULL, NULL);
		return;
	}
	if ((r = cookie_session(req, &s, &tok, key)) != 1)
		OPENSSL_cleanse(key, sizeof(key));
	if (r == -1)
		return;
	if (r == 0) {
		http_respond_error(req, 401, "not_signed_in", NULL, "sign in with an API token");
		return;
	}
	console_respond_session(req, 200, tok, &s, key);
	OPENSSL_cleanse(key, sizeof(key));
}

static void
console_set_cookie(struct http_request *req, const char *value, int64_t max_age_s)
{
	char *cookie;

	cookie = xasprintf("%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
	    SESSION_COOKIE, value, (long long)max_age_s,
	    http_request_secure(req) ? "; Secure" : "");
	http_response_header(req, "Set-Cookie", cookie);
	free(cookie);
}

void
api_post_console_session(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	const struct conf_token *tok;
	unsigned char key[32], hash[32], raw[SESSION_ID_HEX / 2];
	char value[SESSION_VALUE_MAX];
	struct session s = { 0 };
	const char *token;
	json_t *body;
	int64_t retry, now = sys_now_ms();

	if (console_off(req))
		return;
	if (conf->auth.open) {
		console_respond_session(req, 200, NULL, NULL, NULL);
		return;
	}
	if (rate_table_take(&console_sign_in_rates, http_request_client(req),
	    &conf->console.sign_in_rate, now, &retry) == -1) {
		auth_respond_rate_limited(req, retry, "signing in from this address");
		return;
	}
	if (!cookie_same_origin(req)) {
		metrics_inc(METRIC_AUTH_REFUSED, 1);
		http_respond_error(req, 403, "csrf_failed", NULL, "sign in from the console's own "
		    "page");
		return;
	}
	if ((body = api_body_object(req)) == NULL)
		return;
	token = json_string_value(json_object_get(body, "token"));
	if (token == NULL || token[0] == '\0' || strlen(token) > CONSOLE_TOKEN_MAX) {
		json_decref(body);
		http_respond_error(req, 422, "invalid_body", "token", "token must be the API token "
		    "to sign in with (a string)");
		return;
	}
	EVP_Digest(token, strlen(token), hash, NULL, EVP_sha256(), NULL);
	json_decref(body);
	if ((tok = conf_find_token(conf, hash)) == NULL) {
		metrics_inc(METRIC_AUTH_REFUSED, 1);
		log_info("sign_in_refused", "peer=%s why=unknown_token", http_request_client(req));
		http_respond_error(req, 401, "invalid_token", "token", "the token is not valid");
		return;
	}
	if ((conf_roles_implied(tok->roles) & (CONF_ROLE_REP | CONF_ROLE_MANAGER)) == 0) {
		metrics_inc(METRIC_AUTH_REFUSED, 1);
		http_respond_error(req, 403, "forbidden", "token", "token %s may only send leads; "
		    "the console needs a rep, manager or admin token", tok->name);
		return;
	}
	if (sessions_key(key) == -1) {
		api_respond_unavailable(req, "sessions cannot be signed until Redis is reached");
		return;
	}
	sys_random(raw, sizeof(raw));
	util_hex_encode(raw, sizeof(raw), s.id);
	s.expires_ms = now + conf->console.session_ttl_ms;
	session_fingerprint(tok->hash, s.fp);
	if (session_seal(key, 32, &s, value) == -1) {
		OPENSSL_cleanse(key, sizeof(key));
		http_respond_error(req, 500, "internal", NULL, "the session could not be signed");
		return;
	}
	log_info("signed_in", "token=%s peer=%s session=%.8s", tok->name,
	    http_request_client(req), s.id);
	console_set_cookie(req, value, conf->console.session_ttl_ms / 1000);
	console_respond_session(req, 201, tok, &s, key);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(value, sizeof(value));
}

static void
console_on_signed_out(int ok, void *arg)
{
	struct http_request *req = arg;

	if (!ok) {
		api_respond_unavailable(req, "the sign-out could not be stored");
		return;
	}
	console_set_cookie(req, "", 0);
	http_respond_empty(req, 204);
}

void
api_delete_console_session(struct http_request *req)
{
	struct server *srv = http_request_ctx(req);
	const struct conf_token *tok = NULL;
	unsigned char key[32];
	struct session s;
	int r;

	if (console_off(req))
		return;
	if ((r = cookie_session(req, &s, &tok, key)) != 1)
		OPENSSL_cleanse(key, sizeof(key));
	if (r == -1)
		return;
	if (r == 0) {
		http_respond_error(req, 401, "not_signed_in", NULL, "there is no session to end");
		return;
	}
	if (!cookie_same_origin(req) ||
	    !session_csrf_ok(key, 32, s.id, http_request_header(req, "X-CSRF-Token"))) {
		OPENSSL_cleanse(key, sizeof(key));
		metrics_inc(METRIC_AUTH_REFUSED, 1);
		http_respond_error(req, 403, "csrf_failed", NULL, "sign out from the console's own "
		    "page, with its X-CSRF-Token header");
		return;
	}
	OPENSSL_cleanse(key, sizeof(key));
	log_info("signed_out", "token=%s session=%.8s", tok->name, s.id);
	sessions_revoke(srv->sessions, &s, console_on_signed_out, req);
}
