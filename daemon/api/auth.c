/*
 * auth.c — bearer tokens and roles. Tokens are kept only as SHA-256 hashes
 * (conf_edge.c); a request's token is hashed and compared with every known
 * hash in constant time. Tokens are never logged: logs name the token's
 * holder. Rate limits are per token and per daemon (each daemon holds its
 * own buckets), so N daemons behind a balancer allow N times the rate.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "leadroute/ratelimit.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "api/cookie_auth.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/sysutil.h"

#define AUTH_TOKEN_MAX	1024

/* Per-token buckets, by holder name (tokens change on reload, names stay). */
static struct rate_table auth_rates;

static const char *
auth_roles_text(unsigned roles)
{
	static char text[64];

	text[0] = '\0';
	if (roles & CONF_ROLE_INGEST)
		strcat(text, text[0] ? ", ingest" : "ingest");
	if (roles & CONF_ROLE_REP)
		strcat(text, text[0] ? ", rep" : "rep");
	if (roles & CONF_ROLE_MANAGER)
		strcat(text, text[0] ? ", manager" : "manager");
	if (roles & CONF_ROLE_ADMIN)
		strcat(text, text[0] ? ", admin" : "admin");
	return text;
}

void
auth_respond_rate_limited(struct http_request *req, int64_t retry_ms, const char *what)
{
	char retry[24];

	snprintf(retry, sizeof(retry), "%lld", (long long)((retry_ms + 999) / 1000));
	http_response_header(req, "Retry-After", retry);
	metrics_inc(METRIC_RATE_LIMITED, 1);
	http_respond_error(req, 429, "rate_limited", NULL,
	    "%s is over its rate limit; retry after %s s", what, retry);
}

static int
auth_refuse(struct http_request *req, int status, const char *code, const char *challenge,
    const char *message)
{
	metrics_inc(METRIC_AUTH_REFUSED, 1);
	if (challenge != NULL)
		http_response_header(req, "WWW-Authenticate", challenge);
	http_respond_error(req, status, code, NULL, "%s", message);
	return -1;
}

static int auth_grant(struct http_request *req, const struct http_route *route,
    const struct conf_token *tok);

int
auth_authorize(struct http_request *req, const struct http_route *route)
{
	const struct conf *conf = http_request_conf(req);
	const struct conf_token *tok;
	const char *h = http_request_header(req, "Authorization"), *t;
	unsigned char hash[32];
	size_t len;
	int r;

	if (route->roles == 0 || conf->auth.open)
		return 0;
	/* The console's pages: a session cookie stands for the token signed in with. */
	if (h == NULL && (r = cookie_authorize(req, &tok)) != 0) {
		if (r == -1)
			return -1;
		return auth_grant(req, route, tok);
	}
	if (h == NULL)
		return auth_refuse(req, 401, "unauthorized", "Bearer realm=\"leadrouted\"",
		    "this endpoint needs a token: send Authorization: Bearer <token>");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return auth_refuse(req, 401, "unauthorized", "Bearer realm=\"leadrouted\"",
		    "the Authorization header must be Bearer <token>");
	for (t = h + 7; *t == ' '; t++)
		;
	len = strlen(t);
	if (len == 0 || len > AUTH_TOKEN_MAX)
		return auth_refuse(req, 401, "invalid_token",
		    "Bearer realm=\"leadrouted\", error=\"invalid_token\"", "the token is not valid");
	EVP_Digest(t, len, hash, NULL, EVP_sha256(), NULL);
	if ((tok = conf_find_token(conf, hash)) == NULL) {
		log_info("auth_refused", "route=%s peer=%s why=unknown_token", route->pattern,
		    http_request_peer(req));
		return auth_refuse(req, 401, "invalid_token",
		    "Bearer realm=\"leadrouted\", error=\"invalid_token\"", "the token is not valid");
	}
	return auth_grant(req, route, tok);
}

/* A known token: its roles and its rate limit decide. */
static int
auth_grant(struct http_request *req, const struct http_route *route, const struct conf_token *tok)
{
	const struct conf *conf = http_request_conf(req);
	char msg[160];
	int64_t retry;

	if ((conf_roles_implied(tok->roles) & route->roles) == 0) {
		log_info("auth_refused", "route=%s token=%s why=role", route->pattern, tok->name);
		snprintf(msg, sizeof(msg), "this token lacks the role for this endpoint; it needs "
		    "one of: %s", auth_roles_text(route->roles));
		return auth_refuse(req, 403, "forbidden", NULL, msg);
	}
	if (rate_table_take(&auth_rates, tok->name, &conf->auth.rate, sys_now_ms(), &retry) == -1) {
		auth_respond_rate_limited(req, retry, "this token");
		return -1;
	}
	http_request_set_token(req, tok);
	return 0;
}

static int
auth_rep_only(const struct conf_token *tok)
{
	unsigned roles = tok != NULL ? conf_roles_implied(tok->roles) : 0;

	return tok != NULL && (roles & CONF_ROLE_REP) && !(roles & CONF_ROLE_MANAGER);
}

int
auth_sees_all_leads(const struct http_request *req)
{
	return !auth_rep_only(http_request_token(req));
}

const char *
auth_acting_rep(struct http_request *req, const char *asked, const char *field)
{
	const struct conf_token *tok = http_request_token(req);

	if (!auth_rep_only(tok))
		return asked;
	if (asked != NULL && strcmp(asked, tok->rep) != 0) {
		metrics_inc(METRIC_AUTH_REFUSED, 1);
		http_respond_error(req, 403, "forbidden", field,
		    "this token acts for rep %s only, not %s", tok->rep, asked);
		return NULL;
	}
	return tok->rep;
}

int
auth_hash_token_main(void)
{
	char line[AUTH_TOKEN_MAX + 2];
	unsigned char hash[32];
	char hex[2 * sizeof(hash) + 1];
	size_t len;

	if (fgets(line, sizeof(line), stdin) == NULL) {
		fprintf(stderr, "leadrouted: -H reads a token from standard input\n");
		return 2;
	}
	len = strcspn(line, "\r\n");
	if (len < 32) {
		fprintf(stderr, "leadrouted: a token needs 32 characters at least "
		    "(try: openssl rand -hex 32)\n");
		return 2;
	}
	EVP_Digest(line, len, hash, NULL, EVP_sha256(), NULL);
	OPENSSL_cleanse(line, sizeof(line));
	util_hex_encode(hash, sizeof(hash), hex);
	printf("sha256:%s\n", hex);
	return 0;
}
