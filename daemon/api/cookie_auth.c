/*
 * cookie_auth.c — a console session's cookie as a request's authorisation:
 * the token it was signed in with, if it is valid, not signed out, and that
 * token is still configured; and, for a change, the session's CSRF token
 * and the console's own origin. auth.c asks here when a request has no
 * Authorization header; console.c for its session endpoints.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "api/cookie_auth.h"
#include "engine/sessions.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/sysutil.h"
#include "server.h"

static const struct conf_token *
cookie_token_by_fp(const struct conf *conf, const char *fp)
{
	char have[SESSION_FP_HEX + 1];
	const struct conf_token *found = NULL;
	size_t i;

	for (i = 0; i < conf->auth.ntokens; i++) {
		session_fingerprint(conf->auth.tokens[i].hash, have);
		if (CRYPTO_memcmp(have, fp, SESSION_FP_HEX) == 0)
			found = &conf->auth.tokens[i];
	}
	return found;
}

int
cookie_session(struct http_request *req, struct session *s, const struct conf_token **tok,
    unsigned char key[32])
{
	struct server *srv = http_request_ctx(req);
	const struct conf *conf = http_request_conf(req);
	char value[SESSION_VALUE_MAX];
	const char *why = NULL;

	if (!conf->console.enabled || session_cookie_find(http_request_header(req, "Cookie"),
	    SESSION_COOKIE, value, sizeof(value)) == -1)
		return 0;
	if (sessions_key(key) == -1) {
		http_response_header(req, "Retry-After", "1");
		http_respond_error(req, 503, "unavailable", NULL, "Redis is unavailable (sessions "
		    "cannot be checked until it is reached); retry later");
		return -1;
	}
	switch (session_open(key, 32, value, sys_now_ms(), s)) {
	case SESSION_OK:
		if (sessions_revoked(srv->sessions, s->id))
			why = "signed_out";
		else if ((*tok = cookie_token_by_fp(conf, s->fp)) == NULL)
			why = "token_gone";
		break;
	case SESSION_EXPIRED:
		why = "expired";
		break;
	case SESSION_FORGED:
	case SESSION_MALFORMED:
		why = "invalid";
		break;
	}
	if (why == NULL)
		return 1;
	metrics_inc(METRIC_AUTH_REFUSED, 1);
	log_info("session_refused", "peer=%s why=%s", http_request_peer(req), why);
	http_respond_error(req, 401, "session_expired", NULL, "the console session is %s: sign "
	    "in again", strcmp(why, "expired") == 0 ? "over" : strcmp(why, "token_gone") == 0 ?
	    "for a token that is no longer configured" : strcmp(why, "signed_out") == 0 ?
	    "signed out" : "not valid");
	return -1;
}

int
cookie_same_origin(struct http_request *req)
{
	const char *origin = http_request_header(req, "Origin");
	const char *host = http_request_header(req, "Host");
	const char *site = http_request_header(req, "Sec-Fetch-Site");
	const char *rest;

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	if (origin == NULL)
		return 1;
	if (host == NULL)
		return 0;
	if (strncmp(origin, "https://", 8) == 0)
		rest = origin + 8;
	else if (strncmp(origin, "http://", 7) == 0)
		rest = origin + 7;
	else
		return 0;
	/* Host and port: a proxy passes the Host its clients sent ($http_host in nginx). */
	return strcasecmp(rest, host) == 0;
}

int
cookie_authorize(struct http_request *req, const struct conf_token **tok)
{
	const char *m = http_request_method(req);
	unsigned char key[32];
	struct session s;
	int r, ok;

	r = cookie_session(req, &s, tok, key);
	ok = r != 1 || strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 ||
	    (cookie_same_origin(req) &&
	    session_csrf_ok(key, 32, s.id, http_request_header(req, "X-CSRF-Token")));
	OPENSSL_cleanse(key, sizeof(key));
	if (r != 1)
		return r;
	if (!ok) {
		metrics_inc(METRIC_AUTH_REFUSED, 1);
		log_info("csrf_refused", "peer=%s method=%s target=%s", http_request_peer(req), m,
		    http_request_target(req));
		http_respond_error(req, 403, "csrf_failed", NULL, "a change from the console must "
		    "come from its own page with its X-CSRF-Token header");
		return -1;
	}
	return 1;
}
