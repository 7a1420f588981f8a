/*
 * conf_edge.c — the config of the ingest edge: TLS files, API tokens and
 * their roles, trusted proxies, webhook sources (payload mapping,
 * signatures, rate limits, what browsers' web forms need) and the handling
 * of personal data.
 *
 * Secrets never sit in the YAML itself when it can be helped: a secret is
 * written as "credential:NAME" (a systemd credential, read from
 * $CREDENTIALS_DIRECTORY/NAME), "file:PATH", or, for trying things out, as
 * the literal text.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <jansson.h>

#include "leadroute/mapping.h"
#include "leadroute/webform.h"

#include "conf_internal.h"

#define CONF_TOKEN_MIN		32	/* characters of a plain token */
#define CONF_PEM_MAX		(1024 * 1024)
#define CONF_DAY_MS		(24LL * 3600 * 1000)

/* confread_secret_ref of a scalar node. */
static char *
conf_secret(struct conf_ctx *ctx, const struct ynode *n, const char *path, size_t *len)
{
	const char *s = confread_scalar(ctx->diags, n, path, "a secret");

	return s != NULL ? confread_secret_ref(ctx->diags, n->line, path, s, len) : NULL;
}

/*
 * A rate limit "N/s", "N/m" or "N/h" (or "off"): N requests at once, then N
 * per unit. Absent: def.
 */
static void
conf_rate(struct conf_ctx *ctx, const struct ynode *item, const char *key, const char *path,
    const char *def, struct conf_rate *out)
{
	const struct ynode *n = item != NULL ? ytree_get(item, key) : NULL;
	char sub[160], *end;
	const char *s;
	double count, per;

	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	s = n != NULL ? confread_scalar(ctx->diags, n, sub, "a rate") : def;
	memset(out, 0, sizeof(*out));
	if (s == NULL || strcmp(s, "off") == 0)
		return;
	errno = 0;
	count = strtod(s, &end);
	per = strcmp(end, "/s") == 0 ? 1 : strcmp(end, "/m") == 0 ? 60 :
	    strcmp(end, "/h") == 0 ? 3600 : 0;
	if (!isdigit((unsigned char)s[0]) || errno != 0 || per == 0 || count < 1 || count > 1e6) {
		conf_error(ctx, n != NULL ? n->line : 0, sub,
		    "expected a rate such as 100/s, 600/m or 1000/h (1 to 1000000), or off; got \"%s\"", s);
		return;
	}
	out->per_sec = count / per;
	out->burst = count;
}

/* A map's optional duration under key. */
static void
conf_opt_duration(struct conf_ctx *ctx, const struct ynode *item, const char *key,
    const char *path, int64_t min, int64_t max, int64_t *out)
{
	const struct ynode *n = ytree_get(item, key);
	char sub[160];

	if (n == NULL)
		return;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	confread_duration(ctx->diags, n, sub, min, max, out);
}

/* tls: {cert, key}: PEM files, read now so a reload picks up renewed ones. */
void
conf_parse_tls(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const keys[] = { "cert", "key", NULL };
	struct conf *c = ctx->conf;
	const char *cert, *key, *why = NULL;
	size_t len;

	if (confread_check_keys(ctx->diags, map, "tls", keys) == -1)
		return;
	cert = confread_opt_string(ctx->diags, map, "cert", "tls");
	key = confread_opt_string(ctx->diags, map, "key", "tls");
	if (cert == NULL || key == NULL) {
		conf_error(ctx, map->line, "tls", "tls needs both cert and key (PEM files)");
		return;
	}
	c->tls.cert_file = xstrdup(cert);
	c->tls.key_file = xstrdup(key);
	if ((c->tls.cert_pem = confread_small_file(cert, CONF_PEM_MAX, &len, &why)) == NULL)
		conf_error(ctx, ytree_get(map, "cert")->line, "tls.cert", "cannot read %s: %s", cert, why);
	else if (strstr(c->tls.cert_pem, "-----BEGIN CERTIFICATE-----") == NULL)
		conf_error(ctx, ytree_get(map, "cert")->line, "tls.cert",
		    "%s holds no PEM certificate", cert);
	if ((c->tls.key_pem = confread_small_file(key, CONF_PEM_MAX, &len, &why)) == NULL)
		conf_error(ctx, ytree_get(map, "key")->line, "tls.key", "cannot read %s: %s", key, why);
	else if (strstr(c->tls.key_pem, "PRIVATE KEY-----") == NULL)
		conf_error(ctx, ytree_get(map, "key")->line, "tls.key", "%s holds no PEM private key", key);
}

/* "ingest,rep:ana,manager": the roles of one token line; -1 after reporting. */
static int
conf_token_roles(struct conf_ctx *ctx, struct conf_token *t, char *roles, int line,
    const char *path)
{
	char *r, *save = NULL;

	for (r = strtok_r(roles, ",", &save); r != NULL; r = strtok_r(NULL, ",", &save)) {
		if (strcmp(r, "ingest") == 0)
			t->roles |= CONF_ROLE_INGEST;
		else if (strcmp(r, "manager") == 0)
			t->roles |= CONF_ROLE_MANAGER;
		else if (strcmp(r, "admin") == 0)
			t->roles |= CONF_ROLE_ADMIN;
		else if (strncmp(r, "rep:", 4) == 0 && t->rep == NULL) {
			if (conf_find_rep(ctx->conf, r + 4) == NULL) {
				conf_error(ctx, line, path, "token %s: unknown rep \"%s\"", t->name, r + 4);
				return -1;
			}
			t->roles |= CONF_ROLE_REP;
			t->rep = xstrdup(r + 4);
		} else {
			conf_error(ctx, line, path, "token %s: unknown role \"%s\": use ingest, "
			    "rep:<rep id>, manager or admin", t->name, r);
			return -1;
		}
	}
	return 0;
}

/*
 * The tokens file: one token a line, "NAME ROLES TOKEN", where TOKEN is
 * "sha256:" and the hex SHA-256 of the token (what we recommend: the file
 * then holds no secret) or the token itself (32 characters at least).
 * Blank lines and lines starting with # are skipped.
 */
static void
conf_parse_tokens(struct conf_ctx *ctx, char *text, const char *what, int line, const char *path)
{
	struct conf *c = ctx->conf;
	char *ln, *save = NULL;
	int lineno = 0, plain = 0;

	for (ln = strtok_r(text, "\n", &save); ln != NULL; ln = strtok_r(NULL, "\n", &save)) {
		char name[65], roles[256], tok[512], extra[2];
		struct conf_token t;
		size_t i;
		int n;

		lineno++;
		while (*ln == ' ' || *ln == '\t')
			ln++;
		if (*ln == '#' || *ln == '\0' || *ln == '\r')
			continue;
		n = sscanf(ln, "%64s %255s %511s %1s", name, roles, tok, extra);
		if (n != 3) {
			conf_error(ctx, line, path, "%s line %d: expected NAME ROLES TOKEN", what, lineno);
			continue;
		}
		memset(&t, 0, sizeof(t));
		t.name = name;
		for (i = 0; i < c->auth.ntokens; i++)
			if (strcmp(c->auth.tokens[i].name, name) == 0)
				break;
		if (i < c->auth.ntokens) {
			conf_error(ctx, line, path, "%s line %d: token name %s is used twice", what,
			    lineno, name);
			continue;
		}
		if (strncmp(tok, "sha256:", 7) == 0) {
			if (util_hex_decode(tok + 7, t.hash, sizeof(t.hash)) == -1) {
				conf_error(ctx, line, path, "%s line %d: sha256: must be followed by 64 hex "
				    "digits", what, lineno);
				continue;
			}
		} else {
			if (strlen(tok) < CONF_TOKEN_MIN) {
				conf_error(ctx, line, path, "%s line %d: token %s is shorter than %d "
				    "characters", what, lineno, name, CONF_TOKEN_MIN);
				continue;
			}
			EVP_Digest(tok, strlen(tok), t.hash, NULL, EVP_sha256(), NULL);
			OPENSSL_cleanse(tok, sizeof(tok));
			plain = 1;
		}
		if (conf_token_roles(ctx, &t, roles, line, path) == -1) {
			free(t.rep);
			continue;
		}
		t.name = xstrdup(name);
		c->auth.tokens = xreallocarray(c->auth.tokens, c->auth.ntokens + 1,
		    sizeof(*c->auth.tokens));
		c->auth.tokens[c->auth.ntokens++] = t;
	}
	if (plain)
		conf_warning(ctx, line, path, "%s holds plain tokens; store their hashes instead "
		    "(leadrouted -H prints one)", what);
}

static int
conf_is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0;
}

/* auth: {tokens, open, rate_limit}; called with NULL when absent. */
void
conf_parse_auth(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const keys[] = { "tokens", "open", "rate_limit", NULL };
	struct conf *c = ctx->conf;
	const struct ynode *tn = map != NULL ? ytree_get(map, "tokens") : NULL;
	char *text;
	size_t len;

	conf_rate(ctx, map, "rate_limit", "auth", "100/s", &c->auth.rate);
	if (map != NULL && confread_check_keys(ctx->diags, map, "auth", keys) != -1)
		confread_bool(ctx->diags, map, "open", "auth", &c->auth.open);
	if (tn != NULL && c->auth.open) {
		conf_error(ctx, tn->line, "auth.tokens", "auth.open: true and tokens exclude each other");
		return;
	}
	if (tn != NULL) {
		if (tn->type != YNODE_SCALAR || (strncmp(tn->value, "credential:", 11) != 0 &&
		    strncmp(tn->value, "file:", 5) != 0)) {
			conf_error(ctx, tn->line, "auth.tokens", "tokens must come from a file "
			    "(file:PATH) or a systemd credential (credential:NAME)");
			return;
		}
		if ((text = conf_secret(ctx, tn, "auth.tokens", &len)) == NULL)
			return;
		conf_parse_tokens(ctx, text, tn->value, tn->line, "auth.tokens");
		OPENSSL_cleanse(text, len);
		free(text);
		if (c->auth.ntokens == 0)
			conf_warning(ctx, tn->line, "auth.tokens", "%s holds no tokens: every "
			    "request but /healthz will get 401", tn->value);
		return;
	}
	if (c->auth.open)
		return;
	/* No tokens: fine for a daemon only this machine can reach, refused otherwise. */
	if (c->listen.host != NULL && !conf_is_loopback(c->listen.host)) {
		conf_error(ctx, map != NULL ? map->line : 1, "auth", "listen is %s, so the API needs "
		    "tokens (auth.tokens: file:PATH or credential:NAME); set auth.open: true to "
		    "serve it without any", c->listen.text);
		return;
	}
	c->auth.open = 1;
}

/* Debian's libjs-chart.js: the daemon serves it, so the console needs no third party. */
#define CONSOLE_CHART_JS	"/usr/share/javascript/chart.js/chart.min.js"

/* console: {enabled, session_ttl, chart_js, sign_in_rate}; called with NULL when absent. */
void
conf_parse_console(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const keys[] = { "enabled", "session_ttl", "chart_js", "sign_in_rate",
		NULL };
	struct conf *c = ctx->conf;
	const struct ynode *n;
	const char *path;

	c->console.enabled = 1;
	c->console.session_ttl_ms = 12LL * 3600 * 1000;
	c->console.chart_js = xstrdup(CONSOLE_CHART_JS);
	/* Sign-in guesses: a few a second per address, whatever the token. */
	conf_rate(ctx, map, "sign_in_rate", "console", "5/s", &c->console.sign_in_rate);
	if (map == NULL || confread_check_keys(ctx->diags, map, "console", keys) == -1)
		return;
	confread_bool(ctx->diags, map, "enabled", "console", &c->console.enabled);
	if ((n = ytree_get(map, "session_ttl")) != NULL)
		confread_duration(ctx->diags, n, "console.session_ttl", 5LL * 60 * 1000,
		    30LL * 86400 * 1000, &c->console.session_ttl_ms);
	if ((n = ytree_get(map, "chart_js")) != NULL &&
	    (path = confread_scalar(ctx->diags, n, "console.chart_js", "a file path")) != NULL) {
		if (path[0] != '/') {
			conf_error(ctx, n->line, "console.chart_js", "expected an absolute path, got "
			    "\"%s\"", path);
			return;
		}
		free(c->console.chart_js);
		c->console.chart_js = xstrdup(path);
	}
	if (c->console.enabled && access(c->console.chart_js, R_OK) != 0)
		conf_warning(ctx, map->line, "console.chart_js", "%s cannot be read: the console "
		    "draws no charts (install Debian's libjs-chart.js, or name the file)",
		    c->console.chart_js);
}

/* pii: {log_raw, hash_key, tombstone_ttl}; called with NULL when absent. */
void
conf_parse_pii(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const keys[] = { "log_raw", "hash_key", "tombstone_ttl", NULL };
	struct conf *c = ctx->conf;
	const struct ynode *kn;
	size_t len;
	char *key;

	c->pii.tombstone_ms = CONF_DAY_MS * 30;
	if (map == NULL || confread_check_keys(ctx->diags, map, "pii", keys) == -1)
		return;
	confread_bool(ctx->diags, map, "log_raw", "pii", &c->pii.log_raw);
	conf_opt_duration(ctx, map, "tombstone_ttl", "pii", CONF_DAY_MS, CONF_DAY_MS * 3660,
	    &c->pii.tombstone_ms);
	if ((kn = ytree_get(map, "hash_key")) == NULL)
		return;
	if ((key = conf_secret(ctx, kn, "pii.hash_key", &len)) == NULL)
		return;
	if (len < 16) {
		conf_error(ctx, kn->line, "pii.hash_key", "the key must be at least 16 bytes");
		free(key);
		return;
	}
	c->pii.hash_key = (unsigned char *)key;
	c->pii.hash_key_len = len;
}

/* A YAML node as JSON: plain scalars that read as numbers, booleans or null become those. */
static json_t *
conf_ynode_json(const struct ynode *n)
{
	json_t *j;
	size_t i;

	switch (n->type) {
	case YNODE_MAP:
		j = json_object();
		for (i = 0; i < n->n; i++)
			json_object_set_new(j, n->keys[i]->value, conf_ynode_json(n->items[i]));
		return j;
	case YNODE_SEQ:
		j = json_array();
		for (i = 0; i < n->n; i++)
			json_array_append_new(j, conf_ynode_json(n->items[i]));
		return j;
	case YNODE_SCALAR:
		break;
	}
	if (!n->plain)
		return json_string(n->value);
	if (ytree_is_null(n))
		return json_null();
	if (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0)
		return json_boolean(strcmp(n->value, "true") == 0);
	if (n->value[strspn(n->value, "-0123456789")] == '\0' && strlen(n->value) < 19 &&
	    strlen(n->value) > 0 && strcmp(n->value, "-") != 0)
		return json_integer(strtoll(n->value, NULL, 10));
	return json_string(n->value);
}

/* The keys of a source that are its mapping spec (see mapping.h). */
static const char *const conf_mapping_keys[] = {
	"preset", "kind", "format", "batch", "events", "event_id", "only", "passthrough", "fields",
	"constants", NULL,
};

static void
conf_source_mapping(struct conf_ctx *ctx, struct conf_source *src, const struct ynode *item,
    const char *path)
{
	json_t *spec = json_object();
	char *cause = NULL;
	size_t i;

	for (i = 0; conf_mapping_keys[i] != NULL; i++) {
		const struct ynode *n = ytree_get(item, conf_mapping_keys[i]);

		if (n != NULL)
			json_object_set_new(spec, conf_mapping_keys[i], conf_ynode_json(n));
	}
	if (json_object_size(spec) == 0) {
		conf_error(ctx, item->line, path, "a source needs a preset (%s) or fields",
		    "hubspot_webhooks, hubspot_workflow, marketo, salesforce_form, webform, generic, "
		    "hubspot_activity, salesforce_task");
	} else if ((src->mapping = mapping_compile(spec, &cause)) == NULL) {
		conf_error(ctx, item->line, path, "%s", cause);
		free(cause);
	}
	json_decref(spec);
}

static void
conf_source_auth(struct conf_ctx *ctx, struct conf_source *src, const struct ynode *item,
    const char *path)
{
	const char *auth = confread_opt_string(ctx->diags, item, "auth", path), *h;
	const struct ynode *secrets = ytree_get(item, "secrets");
	char sub[160];
	size_t i;
	int scheme;

	if (auth == NULL) {
		conf_error(ctx, item->line, path, "auth is required: standard_webhooks, hubspot_v3, "
		    "hmac_sha256, token or none");
		return;
	}
	if (strcmp(auth, "token") == 0) {
		src->token = 1;
		scheme = SIG_NONE;
	} else if ((scheme = sig_scheme_from_name(auth)) == -1) {
		conf_error(ctx, ytree_get(item, "auth")->line, path, "unknown auth \"%s\": use "
		    "standard_webhooks, hubspot_v3, hmac_sha256, token or none", auth);
		return;
	}
	src->sig.scheme = (enum sig_scheme)scheme;
	if (scheme == SIG_NONE) {
		if (secrets != NULL)
			conf_error(ctx, secrets->line, path, "auth %s takes no secrets", auth);
		/* A browser form cannot sign; a server-to-server JSON sender can. */
		if (!src->token && src->mapping != NULL &&
		    strcmp(mapping_format(src->mapping), "form") != 0)
			conf_warning(ctx, item->line, path, "auth: none — anyone who knows the URL can "
			    "post to it; sign (or use auth: token) unless it is a public web form");
		return;
	}
	if (secrets == NULL || secrets->type != YNODE_SEQ || secrets->n < 1 ||
	    secrets->n > SIG_MAX_SECRETS) {
		conf_error(ctx, secrets != NULL ? secrets->line : item->line, path,
		    "auth %s needs secrets: a list of one or two (two while rotating)", auth);
		return;
	}
	for (i = 0; i < secrets->n; i++) {
		char *text, *cause = NULL;
		size_t len;

		snprintf(sub, sizeof(sub), "%s.secrets[%zu]", path, i);
		if ((text = conf_secret(ctx, secrets->items[i], sub, &len)) == NULL)
			continue;
		if (sig_secret_parse(src->sig.scheme, text, &src->sig.secrets[src->sig.nsecrets],
		    &cause) == -1) {
			conf_error(ctx, secrets->items[i]->line, sub, "%s", cause);
			free(cause);
		} else {
			src->sig.nsecrets++;
		}
		OPENSSL_cleanse(text, len);
		free(text);
	}
	if (scheme == SIG_HMAC_HEX) {
		if ((h = confread_opt_string(ctx->diags, item, "header", path)) == NULL)
			conf_error(ctx, item->line, path, "auth hmac_sha256 needs header: the header "
			    "that carries the signature");
		else
			src->sig.header = xstrdup(h);
		if ((h = confread_opt_string(ctx->diags, item, "timestamp_header", path)) != NULL)
			src->sig.timestamp_header = xstrdup(h);
	}
	conf_opt_duration(ctx, item, "tolerance", path, 1000, 3600 * 1000, &src->sig.tolerance_ms);
}

/*
 * The list at path (NULL: absent, 0) of at most max strings, each checked by
 * check (0 with *out malloc'd, or -1 with *why), into *out and *n; -1 after
 * reporting.
 */
static int
conf_address_list(struct conf_ctx *ctx, const struct ynode *list, const char *path, size_t max,
    int (*check)(const char *, char **, const char **), char ***out, size_t *n)
{
	char sub[192];
	size_t i, j;

	*out = NULL;
	*n = 0;
	if (list == NULL)
		return 0;
	if (list->type != YNODE_SEQ || list->n == 0 || list->n > max) {
		conf_error(ctx, list->line, path, "expected a list of 1 to %zu addresses", max);
		return -1;
	}
	*out = xcalloc(list->n, sizeof(**out));
	for (i = 0; i < list->n; i++) {
		const char *s, *why = NULL;
		char *norm = NULL;

		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if ((s = confread_scalar(ctx->diags, list->items[i], sub, "an address")) == NULL)
			continue;
		if (check(s, &norm, &why) == -1) {
			conf_error(ctx, list->items[i]->line, sub, "\"%s\": %s", s, why);
			continue;
		}
		for (j = 0; j < *n; j++)
			if (strcmp((*out)[j], norm) == 0)
				break;
		if (j < *n) {
			conf_error(ctx, list->items[i]->line, sub, "\"%s\" is listed twice", s);
			free(norm);
			continue;
		}
		(*out)[(*n)++] = norm;
	}
	return 0;
}

/* conf_address_list's check of a redirect prefix: webform_url_ok, kept as written. */
static int
conf_check_url(const char *s, char **out, const char **why)
{
	if (webform_url_ok(s, why) == -1)
		return -1;
	*out = xstrdup(s);
	return 0;
}

/* An optional redirect address under key into *out; -1 after reporting. */
static int
conf_redirect_url(struct conf_ctx *ctx, const struct ynode *item, const char *key,
    const char *path, char **out)
{
	const char *s = confread_opt_string(ctx->diags, item, key, path), *why = NULL;
	char sub[160];

	if (s == NULL)
		return ytree_get(item, key) != NULL ? -1 : 0;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (webform_url_ok(s, &why) == -1) {
		conf_error(ctx, ytree_get(item, key)->line, sub, "\"%s\": %s", s, why);
		return -1;
	}
	*out = xstrdup(s);
	return 0;
}

/*
 * What a source does for browsers (docs/api.md, "Web forms"): cors_origins
 * for any source; redirect, error_redirect, redirect_allowed and honeypot for
 * one that takes forms; rate_limit_per_ip, on by default for a public form.
 */
static void
conf_source_web(struct conf_ctx *ctx, struct conf_source *src, const struct ynode *item,
    const char *path)
{
	static const char *const form_keys[] = {
		"redirect", "error_redirect", "redirect_allowed", "honeypot", NULL,
	};
	const struct ynode *hn;
	const char *hp;
	int form = src->mapping != NULL && strcmp(mapping_format(src->mapping), "form") == 0;
	char sub[160];
	size_t i;

	src->public_form = src->sig.scheme == SIG_NONE && !src->token &&
	    ytree_get(item, "auth") != NULL;
	conf_rate(ctx, item, "rate_limit_per_ip", path, src->public_form ? "30/h" : "off",
	    &src->rate_per_ip);
	snprintf(sub, sizeof(sub), "%s.cors_origins", path);
	conf_address_list(ctx, ytree_get(item, "cors_origins"), sub, 64, webform_origin,
	    &src->cors_origins, &src->ncors_origins);
	for (i = 0; form_keys[i] != NULL; i++) {
		if (!form && src->mapping != NULL && (hn = ytree_get(item, form_keys[i])) != NULL)
			conf_error(ctx, hn->line, path, "%s is for a source that takes forms "
			    "(format: form, or a form preset such as webform)", form_keys[i]);
	}
	if (!form)
		return;
	conf_redirect_url(ctx, item, "redirect", path, &src->redirect);
	conf_redirect_url(ctx, item, "error_redirect", path, &src->error_redirect);
	snprintf(sub, sizeof(sub), "%s.redirect_allowed", path);
	conf_address_list(ctx, ytree_get(item, "redirect_allowed"), sub, 64, conf_check_url,
	    &src->redirect_allowed, &src->nredirect_allowed);
	snprintf(sub, sizeof(sub), "%s.honeypot", path);
	if ((hp = confread_opt_string(ctx->diags, item, "honeypot", path)) != NULL) {
		hn = ytree_get(item, "honeypot");
		if (!util_valid_id(hp, 64))
			conf_error(ctx, hn->line, sub, "a form field's name: 1-64 of letters, digits, "
			    "'_', '.' and '-'");
		else if (strcmp(hp, WEBFORM_REDIRECT_FIELD) == 0)
			conf_error(ctx, hn->line, sub, "%s is the field that asks for a redirect",
			    WEBFORM_REDIRECT_FIELD);
		else
			src->honeypot = xstrdup(hp);
	}
	if (src->public_form && ytree_get(item, "cors_origins") == NULL)
		conf_warning(ctx, item->line, path, "auth: none without cors_origins: a page on "
		    "any site can post this form; list your site's origins");
}

/*
 * owners: {rep: CRM owner id} of an activity source: configured reps, each
 * id (text or a whole number, as CRMs write them) given to one rep only.
 */
static void
conf_source_owners(struct conf_ctx *ctx, struct conf_source *src, const struct ynode *item,
    const char *path)
{
	const struct ynode *map = ytree_get(item, "owners");
	size_t i, j;

	if (map == NULL)
		return;
	if (src->mapping == NULL || !mapping_activity(src->mapping)) {
		conf_error(ctx, map->line, path, "owners: only an activity source (kind: activity) "
		    "maps CRM owners to reps");
		return;
	}
	if (map->type != YNODE_MAP) {
		conf_error(ctx, map->line, path, "owners: expected a map of rep: CRM owner id");
		return;
	}
	src->owner_reps = xcalloc(map->n > 0 ? map->n : 1, sizeof(*src->owner_reps));
	src->owner_ids = xcalloc(map->n > 0 ? map->n : 1, sizeof(*src->owner_ids));
	for (i = 0; i < map->n; i++) {
		const char *rep = map->keys[i]->value, *id = map->items[i]->value;

		if (conf_find_rep(ctx->conf, rep) == NULL) {
			conf_error(ctx, map->keys[i]->line, path, "owners: %s is not a configured rep",
			    rep);
			continue;
		}
		if (map->items[i]->type != YNODE_SCALAR || id == NULL || id[0] == '\0' ||
		    strlen(id) > 64) {
			conf_error(ctx, map->items[i]->line, path, "owners.%s: expected the CRM's "
			    "owner id (1-64 characters)", rep);
			continue;
		}
		for (j = 0; j < src->nowners && strcmp(src->owner_ids[j], id) != 0; j++)
			;
		if (j < src->nowners) {
			conf_error(ctx, map->items[i]->line, path, "owners.%s: owner id %s is %s's "
			    "already", rep, id, src->owner_reps[j]);
			continue;
		}
		src->owner_reps[src->nowners] = xstrdup(rep);
		src->owner_ids[src->nowners++] = xstrdup(id);
	}
}

const char *
conf_source_rep(const struct conf_source *src, const char *crm_owner)
{
	size_t i;

	for (i = 0; crm_owner != NULL && i < src->nowners; i++)
		if (strcmp(src->owner_ids[i], crm_owner) == 0)
			return src->owner_reps[i];
	return NULL;
}

/* sources: the webhook senders, each with its own endpoint. */
void
conf_parse_sources(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const keys[] = {
		"name", "preset", "kind", "format", "batch", "events", "event_id", "only",
		"passthrough", "fields", "constants", "auth", "secrets", "header",
		"timestamp_header", "tolerance", "url", "rate_limit", "max_batch",
		"rate_limit_per_ip", "cors_origins", "redirect", "error_redirect",
		"redirect_allowed", "honeypot", "owners", NULL,
	};
	struct conf *c = ctx->conf;
	char path[64];
	size_t i, j;

	if (!confread_is_list(ctx->diags, list, "sources", "sources"))
		return;
	c->sources = xcalloc(list->n, sizeof(*c->sources));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		struct conf_source *src = &c->sources[c->nsources];
		const char *name, *url;

		snprintf(path, sizeof(path), "sources[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, keys) == -1)
			continue;
		if ((name = confread_id(ctx->diags, item, "name", path)) == NULL)
			continue;
		for (j = 0; j < c->nsources; j++)
			if (strcmp(c->sources[j].name, name) == 0)
				break;
		if (confread_duplicate(ctx->diags, item, path, "source", name,
		    j < c->nsources ? c->sources[j].line : 0))
			continue;
		src->name = xstrdup(name);
		src->line = item->line;
		c->nsources++;
		conf_source_mapping(ctx, src, item, path);
		conf_source_auth(ctx, src, item, path);
		if ((url = confread_opt_string(ctx->diags, item, "url", path)) != NULL) {
			if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
				conf_error(ctx, ytree_get(item, "url")->line, path, "url must be the "
				    "http:// or https:// address the sender posts to");
			else
				src->url = xstrdup(url);
		}
		conf_rate(ctx, item, "rate_limit", path, "100/s", &src->rate);
		src->max_batch = 100;
		if (ytree_get(item, "max_batch") != NULL)
			confread_opt_count(ctx->diags, item, "max_batch", path, 1, 1000,
			    &src->max_batch);
		conf_source_web(ctx, src, item, path);
		conf_source_owners(ctx, src, item, path);
	}
}

/* conf_address_list's check of a trusted proxy: an address or a range, kept as written. */
static int
conf_check_net(const char *s, char **out, const char **why)
{
	struct webform_net net;

	if (webform_net_parse(s, &net) == -1) {
		*why = "expected an IP address or a range such as 10.0.0.0/8";
		return -1;
	}
	*out = xstrdup(s);
	return 0;
}

/*
 * http.trusted_proxies: the proxies in front of the daemon, as addresses or
 * ranges. From them, the client is the last entry of X-Forwarded-For.
 */
void
conf_parse_trusted_proxies(struct conf_ctx *ctx, const struct ynode *list)
{
	struct conf *c = ctx->conf;
	char **texts;
	size_t i, n;

	if (conf_address_list(ctx, list, "http.trusted_proxies", 256, conf_check_net, &texts,
	    &n) == -1)
		return;
	c->http.trusted_proxies = xcalloc(n > 0 ? n : 1, sizeof(*c->http.trusted_proxies));
	for (i = 0; i < n; i++) {
		webform_net_parse(texts[i], &c->http.trusted_proxies[i]);
		free(texts[i]);
	}
	free(texts);
	c->http.trusted_nproxies = n;
}

void
conf_free_edge(struct conf *c)
{
	size_t i, j;

	free(c->tls.cert_file);
	free(c->tls.key_file);
	free(c->tls.cert_pem);
	if (c->tls.key_pem != NULL) {
		OPENSSL_cleanse(c->tls.key_pem, strlen(c->tls.key_pem));
		free(c->tls.key_pem);
	}
	for (i = 0; i < c->auth.ntokens; i++) {
		free(c->auth.tokens[i].name);
		free(c->auth.tokens[i].rep);
	}
	free(c->auth.tokens);
	free(c->console.chart_js);
	for (i = 0; i < c->nsources; i++) {
		struct conf_source *src = &c->sources[i];

		free(src->name);
		mapping_free(src->mapping);
		for (j = 0; j < src->sig.nsecrets; j++)
			sig_secret_free(&src->sig.secrets[j]);
		free((char *)src->sig.header);
		free((char *)src->sig.timestamp_header);
		free(src->url);
		for (j = 0; j < src->nowners; j++) {
			free(src->owner_reps[j]);
			free(src->owner_ids[j]);
		}
		free(src->owner_reps);
		free(src->owner_ids);
		for (j = 0; j < src->ncors_origins; j++)
			free(src->cors_origins[j]);
		free(src->cors_origins);
		for (j = 0; j < src->nredirect_allowed; j++)
			free(src->redirect_allowed[j]);
		free(src->redirect_allowed);
		free(src->redirect);
		free(src->error_redirect);
		free(src->honeypot);
	}
	free(c->sources);
	free(c->http.trusted_proxies);
	if (c->pii.hash_key != NULL) {
		OPENSSL_cleanse(c->pii.hash_key, c->pii.hash_key_len);
		free(c->pii.hash_key);
	}
}

const struct conf_source *
conf_find_source(const struct conf *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nsources; i++)
		if (strcmp(conf->sources[i].name, name) == 0)
			return &conf->sources[i];
	return NULL;
}

const struct conf_token *
conf_find_token(const struct conf *conf, const unsigned char hash[32])
{
	const struct conf_token *found = NULL;
	size_t i;

	/* Every token is compared, so the time taken says nothing about which matched. */
	for (i = 0; i < conf->auth.ntokens; i++)
		if (CRYPTO_memcmp(conf->auth.tokens[i].hash, hash, 32) == 0)
			found = &conf->auth.tokens[i];
	return found;
}

unsigned
conf_roles_implied(unsigned roles)
{
	if (roles & CONF_ROLE_ADMIN)
		roles |= CONF_ROLE_MANAGER | CONF_ROLE_INGEST;
	if (roles & CONF_ROLE_MANAGER)
		roles |= CONF_ROLE_REP;
	return roles;
}
