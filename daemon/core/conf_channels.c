/*
 * conf_channels.c — where messages go: notify.targets (webhooks, Slack
 * conversations, mailboxes), the Slack app and the SMTP server they go
 * through, the keys of email action links, and each rep's own channel.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/conf.h"
#include "leadroute/sig.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define SECRET_MIN	16
#define SECRET_MAX	64
#define LINK_KEY_MIN	32	/* bytes of a link key: HMAC-SHA256 wants at least its own strength */
#define SLACK_ID_MAX	64

const struct conf_notify_target *
conf_find_target(const struct conf *conf, const char *id)
{
	size_t i;

	for (i = 0; i < conf->notify.ntargets; i++)
		if (strcmp(conf->notify.targets[i].id, id) == 0)
			return &conf->notify.targets[i];
	return NULL;
}

const struct conf_rep *
conf_find_slack_user(const struct conf *conf, const char *user)
{
	size_t i;

	for (i = 0; i < conf->nreps; i++)
		if (conf->reps[i].slack_user != NULL && strcmp(conf->reps[i].slack_user, user) == 0)
			return &conf->reps[i];
	return NULL;
}

const struct conf_notify_target *
conf_rep_target(const struct conf *conf, const struct conf_rep *rep,
    const struct conf_pool *pool)
{
	(void)conf;
	if (rep != NULL && rep->notify != NULL)
		return rep->notify;
	return pool != NULL ? pool->notify : NULL;
}

/* whsec_<base64> (the Standard Webhooks form) to the key's bytes; -1 when bad. */
int
conf_decode_secret(const char *s, unsigned char **key, size_t *len)
{
	unsigned char bytes[SECRET_MAX];
	int n;

	if (strncmp(s, "whsec_", 6) == 0)
		s += 6;
	if ((n = sig_base64_decode(s, strlen(s), bytes, sizeof(bytes))) < SECRET_MIN)
		return -1;
	*key = xmalloc((size_t)n);
	memcpy(*key, bytes, (size_t)n);
	*len = (size_t)n;
	explicit_bzero(bytes, sizeof(bytes));
	return 0;
}

/*
 * A secret under key, written as a secret reference (text, credential:NAME
 * or file:PATH, see confread_secret_ref): its bytes, or NULL (absent, or
 * reported). The caller wipes and frees it.
 */
static char *
conf_secret_at(struct conf_ctx *ctx, const struct ynode *item, const char *key,
    const char *path, size_t *len)
{
	const char *ref = confread_opt_string(ctx->diags, item, key, path);
	char sub[160];

	if (ref == NULL)
		return NULL;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	return confread_secret_ref(ctx->diags, ytree_get(item, key)->line, sub, ref, len);
}

/* The secret: written as a secret reference (see confread_secret_ref), or in a file. */
static void
conf_target_secret(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_notify_target *t)
{
	const char *secret = confread_opt_string(ctx->diags, item, "secret", path);
	const char *file = confread_opt_string(ctx->diags, item, "secret_file", path);
	const char *key = file != NULL ? "secret_file" : "secret";
	int line;
	char sub[160], *ref, *text;
	size_t n = 0;

	if (secret != NULL && file != NULL) {
		conf_error(ctx, item->line, path, "use one of secret and secret_file");
		return;
	}
	if (secret == NULL && file == NULL)
		return;
	line = ytree_get(item, key)->line;
	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	ref = file != NULL ? xasprintf("file:%s", file) : xstrdup(secret);
	text = confread_secret_ref(ctx->diags, line, sub, ref, &n);
	free(ref);
	if (text == NULL)
		return;
	/* Spaces left by an editor are no part of base64. */
	while (n > 0 && text[n - 1] == ' ')
		text[--n] = '\0';
	if (conf_decode_secret(text, &t->secret, &t->secret_len) == -1)
		conf_error(ctx, line, sub, "expected whsec_ and %d to %d bytes in base64", SECRET_MIN,
		    SECRET_MAX);
	explicit_bzero(text, n);
	free(text);
}

/* A Slack conversation or user id: C…, G…, D… or U…/W…, letters and digits. */
int
conf_slack_id(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > SLACK_ID_MAX || strchr("CGDUW", s[0]) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* An address as SMTP takes it: one @, no spaces, no angle brackets. */
int
conf_mail_address(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
	    strpbrk(s, " \t\r\n<>,;\"") == NULL && strlen(s) <= 254;
}

/* One target's slack: or email: address (the url: form is read by the caller). */
static int
conf_target_address(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_notify_target *t)
{
	const char *slack = confread_opt_string(ctx->diags, item, "slack", path);
	const char *email = confread_opt_string(ctx->diags, item, "email", path);
	const struct conf *c = ctx->conf;
	char sub[160];

	if (slack != NULL) {
		snprintf(sub, sizeof(sub), "%s.slack", path);
		if (!conf_slack_id(slack))
			conf_error(ctx, ytree_get(item, "slack")->line, sub,
			    "expected a Slack channel or user id (C0123ABCD, U0123ABCD), got \"%s\"",
			    slack);
		else if (c->notify.slack.bot_token == NULL)
			conf_error(ctx, ytree_get(item, "slack")->line, sub,
			    "a Slack target needs notify.slack.bot_token (the app's bot token)");
		t->channel = CHANNEL_SLACK;
		t->to = xstrdup(slack);
		return 1;
	}
	if (email != NULL) {
		snprintf(sub, sizeof(sub), "%s.email", path);
		if (!conf_mail_address(email))
			conf_error(ctx, ytree_get(item, "email")->line, sub,
			    "expected an email address, got \"%s\"", email);
		else if (c->notify.email.url == NULL)
			conf_error(ctx, ytree_get(item, "email")->line, sub,
			    "an email target needs notify.email (the SMTP server)");
		t->channel = CHANNEL_EMAIL;
		t->to = xstrdup(email);
		return 1;
	}
	return 0;
}

void
conf_parse_notify_targets(struct conf_ctx *ctx, const struct ynode *list)
{
	static const char *const allowed[] = { "id", "url", "format", "secret", "secret_file",
	    "slack", "email", NULL };
	struct conf *c = ctx->conf;
	char path[64], sub[96];
	size_t i;

	if (!confread_is_list(ctx->diags, list, "notify.targets", "targets"))
		return;
	c->notify.targets = xcalloc(list->n ? list->n : 1, sizeof(*c->notify.targets));
	for (i = 0; i < list->n; i++) {
		const struct ynode *item = list->items[i];
		const struct conf_notify_target *prev;
		struct conf_notify_target *t;
		const char *id, *url, *format;
		int kinds;

		snprintf(path, sizeof(path), "notify.targets[%zu]", i);
		if (confread_check_keys(ctx->diags, item, path, allowed) == -1 ||
		    (id = confread_id(ctx->diags, item, "id", path)) == NULL)
			continue;
		prev = conf_find_target(c, id);
		if (confread_duplicate(ctx->diags, item, path, "target id", id,
		    prev != NULL ? prev->line : 0))
			continue;
		t = &c->notify.targets[c->notify.ntargets++];
		t->id = xstrdup(id);
		t->line = item->line;
		kinds = (ytree_get(item, "url") != NULL) + (ytree_get(item, "slack") != NULL) +
		    (ytree_get(item, "email") != NULL);
		if (kinds > 1) {
			conf_error(ctx, item->line, path, "use one of url, slack and email");
			continue;
		}
		if (conf_target_address(ctx, item, path, t)) {
			if (ytree_get(item, "format") != NULL || ytree_get(item, "secret") != NULL ||
			    ytree_get(item, "secret_file") != NULL)
				conf_error(ctx, item->line, path,
				    "format and secret belong to url targets (webhooks)");
			continue;
		}
		t->channel = CHANNEL_WEBHOOK;
		url = confread_url(ctx->diags, item, "url", path);
		t->url = xstrdup(url != NULL ? url : "");
		if ((format = confread_opt_string(ctx->diags, item, "format", path)) == NULL ||
		    strcmp(format, "json") == 0) {
			t->format = NOTIFY_FORMAT_JSON;
		} else if (strcmp(format, "slack") == 0) {
			t->format = NOTIFY_FORMAT_SLACK;
		} else {
			snprintf(sub, sizeof(sub), "%s.format", path);
			conf_error(ctx, ytree_get(item, "format")->line, sub,
			    "unknown format \"%s\": use json or slack", format);
		}
		conf_target_secret(ctx, item, path, t);
	}
}

const struct conf_notify_target *
conf_ref_target(struct conf_ctx *ctx, const struct ynode *item, const char *key,
    const char *path)
{
	const struct conf_notify_target *t;
	const char *id;
	char sub[160];

	if (ytree_get(item, key) == NULL ||
	    (id = confread_opt_string(ctx->diags, item, key, path)) == NULL)
		return NULL;
	if ((t = conf_find_target(ctx->conf, id)) == NULL) {
		snprintf(sub, sizeof(sub), "%s.%s", path, key);
		conf_error(ctx, ytree_get(item, key)->line, sub,
		    "unknown notify target \"%s\" (targets come from notify.targets)", id);
	}
	return t;
}

/*
 * A rep's slack_user and notify: slack (a DM from the app's bot), email (to
 * the rep's email over SMTP) or a target id. reps is the size of the reps
 * list: the reps' own channels live in one array of that many.
 */
void
conf_rep_channel(struct conf_ctx *ctx, const struct ynode *item, const char *path,
    struct conf_rep *rep, size_t reps)
{
	struct conf *c = ctx->conf;
	const char *user = confread_opt_string(ctx->diags, item, "slack_user", path);
	const char *how = ytree_get(item, "notify") != NULL ?
	    confread_opt_string(ctx->diags, item, "notify", path) : NULL;
	struct conf_notify_target *t;
	char sub[160];

	if (user != NULL) {
		snprintf(sub, sizeof(sub), "%s.slack_user", path);
		if (!conf_slack_id(user) || (user[0] != 'U' && user[0] != 'W'))
			conf_error(ctx, ytree_get(item, "slack_user")->line, sub,
			    "expected a Slack user id (U0123ABCD), got \"%s\"", user);
		else if (conf_find_slack_user(c, user) != NULL)
			conf_error(ctx, ytree_get(item, "slack_user")->line, sub,
			    "Slack user %s belongs to rep %s already", user,
			    conf_find_slack_user(c, user)->id);
		else
			rep->slack_user = xstrdup(user);
	}
	if (how == NULL || (strcmp(how, "slack") != 0 && strcmp(how, "email") != 0)) {
		rep->notify = conf_ref_target(ctx, item, "notify", path);
		return;
	}
	snprintf(sub, sizeof(sub), "%s.notify", path);
	if (strcmp(how, "slack") == 0 && (rep->slack_user == NULL ||
	    c->notify.slack.bot_token == NULL)) {
		conf_error(ctx, ytree_get(item, "notify")->line, sub,
		    "notify: slack needs the rep's slack_user and notify.slack.bot_token");
		return;
	}
	if (strcmp(how, "email") == 0 && (rep->email == NULL || c->notify.email.url == NULL)) {
		conf_error(ctx, ytree_get(item, "notify")->line, sub,
		    "notify: email needs the rep's email and notify.email (the SMTP server)");
		return;
	}
	if (c->notify.rep_targets == NULL)
		c->notify.rep_targets = xcalloc(reps, sizeof(*c->notify.rep_targets));
	t = &c->notify.rep_targets[c->notify.nrep_targets++];
	t->id = xasprintf("rep:%s", rep->id);
	t->channel = how[0] == 's' ? CHANNEL_SLACK : CHANNEL_EMAIL;
	t->to = xstrdup(how[0] == 's' ? rep->slack_user : rep->email);
	t->line = ytree_get(item, "notify")->line;
	rep->notify = t;
}

/* notify.slack: {bot_token, signing_secret, api_url}. */
void
conf_parse_notify_slack(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "bot_token", "signing_secret", "api_url", NULL };
	struct conf *c = ctx->conf;
	const char *api;
	char *text;
	size_t n = 0;

	if (confread_check_keys(ctx->diags, map, "notify.slack", allowed) == -1)
		return;
	if ((text = conf_secret_at(ctx, map, "bot_token", "notify.slack", &n)) != NULL) {
		if (strncmp(text, "xoxb-", 5) != 0 || strpbrk(text, " \t\r\n") != NULL)
			conf_error(ctx, ytree_get(map, "bot_token")->line, "notify.slack.bot_token",
			    "expected a bot token (xoxb-…)");
		else
			c->notify.slack.bot_token = xstrdup(text);
		explicit_bzero(text, n);
		free(text);
	} else if (ytree_get(map, "bot_token") == NULL) {
		conf_error(ctx, map->line, "notify.slack", "missing \"bot_token\" (xoxb-…)");
	}
	if ((text = conf_secret_at(ctx, map, "signing_secret", "notify.slack", &n)) != NULL) {
		if (n < 16)
			conf_error(ctx, ytree_get(map, "signing_secret")->line,
			    "notify.slack.signing_secret",
			    "expected the app's signing secret (Basic Information, 32 characters)");
		c->notify.slack.signing_secret = (unsigned char *)text;
		c->notify.slack.signing_secret_len = n;
	}
	api = ytree_get(map, "api_url") != NULL ? confread_url(ctx->diags, map, "api_url",
	    "notify.slack") : NULL;
	c->notify.slack.api_url = xstrdup(api != NULL ? api : "https://slack.com/api");
	/* No slash at the end: methods are appended as "/chat.postMessage". */
	n = strlen(c->notify.slack.api_url);
	while (n > 0 && c->notify.slack.api_url[n - 1] == '/')
		c->notify.slack.api_url[--n] = '\0';
}

/* "Leads <leads@example.com>" or "leads@example.com" into from_name and from. */
static void
conf_mail_from(struct conf_ctx *ctx, int line, const char *from)
{
	struct conf *c = ctx->conf;
	const char *lt = strrchr(from, '<');
	char *addr, *name = NULL;
	size_t n;

	if (lt != NULL) {
		n = strlen(lt);
		addr = xstrndup(lt + 1, n >= 2 && lt[n - 1] == '>' ? n - 2 : n - 1);
		n = (size_t)(lt - from);
		while (n > 0 && from[n - 1] == ' ')
			n--;
		if (n > 0)
			name = n >= 2 && from[0] == '"' && from[n - 1] == '"' ?
			    xstrndup(from + 1, n - 2) : xstrndup(from, n);
	} else {
		addr = xstrdup(from);
	}
	if (!conf_mail_address(addr) || (lt != NULL && from[strlen(from) - 1] != '>') ||
	    (name != NULL && strpbrk(name, "\r\n\"<>") != NULL)) {
		conf_error(ctx, line, "notify.email.from",
		    "expected an address, as in \"Leads <leads@example.com>\", got \"%s\"", from);
		free(addr);
		free(name);
		return;
	}
	c->notify.email.from = addr;
	c->notify.email.from_name = name;
}

/* notify.email: {smtp_url, starttls, username, password, from, ca_file}. */
void
conf_parse_notify_email(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "smtp_url", "starttls", "username", "password",
	    "from", "ca_file", NULL };
	struct conf *c = ctx->conf;
	const char *url, *tls, *user, *from, *ca, *why = NULL;
	char *text, *pem;
	size_t n = 0;

	if (confread_check_keys(ctx->diags, map, "notify.email", allowed) == -1)
		return;
	if ((url = confread_opt_string(ctx->diags, map, "smtp_url", "notify.email")) == NULL) {
		if (ytree_get(map, "smtp_url") == NULL)
			conf_error(ctx, map->line, "notify.email",
			    "missing \"smtp_url\" (smtp://host:587 or smtps://host:465)");
		return;
	}
	if ((strncmp(url, "smtp://", 7) != 0 && strncmp(url, "smtps://", 8) != 0) ||
	    strchr("/:", url[url[4] == ':' ? 7 : 8]) != NULL) {
		conf_error(ctx, ytree_get(map, "smtp_url")->line, "notify.email.smtp_url",
		    "expected smtp://host[:port] or smtps://host[:port], got \"%s\"", url);
		return;
	}
	c->notify.email.url = xstrdup(url);
	c->notify.email.starttls = 2;
	if ((tls = confread_opt_string(ctx->diags, map, "starttls", "notify.email")) != NULL) {
		if (strcmp(tls, "required") == 0)
			c->notify.email.starttls = 2;
		else if (strcmp(tls, "optional") == 0)
			c->notify.email.starttls = 1;
		else if (strcmp(tls, "off") == 0)
			c->notify.email.starttls = 0;
		else
			conf_error(ctx, ytree_get(map, "starttls")->line, "notify.email.starttls",
			    "unknown starttls \"%s\": use required, optional or off", tls);
	}
	user = confread_opt_string(ctx->diags, map, "username", "notify.email");
	text = conf_secret_at(ctx, map, "password", "notify.email", &n);
	if ((user == NULL) != (text == NULL) && (user == NULL ||
	    ytree_get(map, "password") == NULL))
		conf_error(ctx, map->line, "notify.email",
		    "username and password go together (or neither, for a relay without AUTH)");
	if (user != NULL)
		c->notify.email.username = xstrdup(user);
	c->notify.email.password = text;
	if (user != NULL && text != NULL && c->notify.email.starttls < 2 &&
	    strncmp(url, "smtps://", 8) != 0)
		conf_warning(ctx, map->line, "notify.email",
		    "the password may cross the network in clear: use starttls: required or smtps://");
	from = confread_opt_string(ctx->diags, map, "from", "notify.email");
	if (from == NULL) {
		if (ytree_get(map, "from") == NULL)
			conf_error(ctx, map->line, "notify.email",
			    "missing \"from\" (\"Leads <leads@example.com>\")");
	} else {
		conf_mail_from(ctx, ytree_get(map, "from")->line, from);
	}
	if ((ca = confread_opt_string(ctx->diags, map, "ca_file", "notify.email")) != NULL) {
		if ((pem = confread_small_file(ca, 1 << 20, &n, &why)) == NULL)
			conf_error(ctx, ytree_get(map, "ca_file")->line, "notify.email.ca_file",
			    "cannot read %s: %s", ca, why);
		else if (strstr(pem, "-----BEGIN CERTIFICATE-----") == NULL)
			conf_error(ctx, ytree_get(map, "ca_file")->line, "notify.email.ca_file",
			    "%s holds no PEM certificate", ca);
		free(pem);
		c->notify.email.ca_file = xstrdup(ca);
	}
}

/* notify.links: {secrets: [current, previous], ttl}. */
void
conf_parse_notify_links(struct conf_ctx *ctx, const struct ynode *map)
{
	static const char *const allowed[] = { "secrets", "ttl", NULL };
	struct conf *c = ctx->conf;
	const struct ynode *list, *ttl;
	char sub[96], *text;
	const char *ref;
	size_t i, n;

	c->notify.links.ttl_ms = 7LL * 86400 * 1000;
	if (map == NULL)
		return;
	if (confread_check_keys(ctx->diags, map, "notify.links", allowed) == -1)
		return;
	if ((ttl = ytree_get(map, "ttl")) != NULL)
		confread_duration(ctx->diags, ttl, "notify.links.ttl", 60 * 1000,
		    90LL * 86400 * 1000, &c->notify.links.ttl_ms);
	list = ytree_get(map, "secrets");
	if (list == NULL || list->type != YNODE_SEQ || list->n < 1 || list->n > CONF_LINK_KEYS) {
		conf_error(ctx, list != NULL ? list->line : map->line, "notify.links.secrets",
		    "expected a list of one key (two while rotating), each %d bytes or more",
		    LINK_KEY_MIN);
		return;
	}
	for (i = 0; i < list->n; i++) {
		snprintf(sub, sizeof(sub), "notify.links.secrets[%zu]", i);
		n = 0;
		if ((ref = confread_scalar(ctx->diags, list->items[i], sub, "a secret")) == NULL ||
		    (text = confread_secret_ref(ctx->diags, list->items[i]->line, sub, ref, &n)) ==
		    NULL)
			continue;
		if (n < LINK_KEY_MIN) {
			conf_error(ctx, list->items[i]->line, sub,
			    "a link key needs %d bytes or more (openssl rand -base64 48)", LINK_KEY_MIN);
			explicit_bzero(text, n);
			free(text);
			continue;
		}
		c->notify.links.keys[c->notify.links.nkeys] = (unsigned char *)text;
		c->notify.links.lens[c->notify.links.nkeys++] = n;
	}
	/* A link acts once because its action's idempotency key lives that long. */
	if (c->notify.links.nkeys > 0 && c->notify.links.ttl_ms > c->leads.idempotency_window_ms)
		conf_warning(ctx, map->line, "notify.links.ttl",
		    "links outlive leads.idempotency_window: a touch link used again after the "
		    "window logs a second touch (make the window at least the ttl)");
}

/* notify.public_url: where people reach this daemon, for the links in messages. */
void
conf_parse_public_url(struct conf_ctx *ctx, const struct ynode *node)
{
	const char *url;
	size_t n;

	if ((url = confread_scalar(ctx->diags, node, "notify.public_url", "a URL")) == NULL)
		return;
	if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    strchr("/:?#", url[url[4] == ':' ? 7 : 8]) != NULL) {
		conf_error(ctx, node->line, "notify.public_url",
		    "expected an http:// or https:// URL with a host, got \"%s\"", url);
		return;
	}
	ctx->conf->notify.public_url = xstrdup(url);
	n = strlen(url);
	while (n > 0 && ctx->conf->notify.public_url[n - 1] == '/')
		ctx->conf->notify.public_url[--n] = '\0';
}

/* notify.lead_url: a lead's link in messages, as a template with {id} and {crm_id}. */
void
conf_parse_lead_url(struct conf_ctx *ctx, const struct ynode *node)
{
	const char *url;

	if ((url = confread_scalar(ctx->diags, node, "notify.lead_url", "a URL")) == NULL)
		return;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		conf_error(ctx, node->line, "notify.lead_url",
		    "expected an http:// or https:// URL (with {id} or {crm_id}), got \"%s\"", url);
		return;
	}
	ctx->conf->notify.lead_url = xstrdup(url);
}

void
conf_free_target(struct conf_notify_target *t)
{
	free(t->id);
	free(t->url);
	free(t->to);
	if (t->secret != NULL)
		explicit_bzero(t->secret, t->secret_len);
	free(t->secret);
}

void
conf_free_channels(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->notify.ntargets; i++)
		conf_free_target(&c->notify.targets[i]);
	free(c->notify.targets);
	for (i = 0; i < c->notify.nrep_targets; i++)
		conf_free_target(&c->notify.rep_targets[i]);
	free(c->notify.rep_targets);
	free(c->notify.public_url);
	free(c->notify.lead_url);
	if (c->notify.slack.bot_token != NULL)
		explicit_bzero(c->notify.slack.bot_token, strlen(c->notify.slack.bot_token));
	free(c->notify.slack.bot_token);
	if (c->notify.slack.signing_secret != NULL)
		explicit_bzero(c->notify.slack.signing_secret, c->notify.slack.signing_secret_len);
	free(c->notify.slack.signing_secret);
	free(c->notify.slack.api_url);
	free(c->notify.email.url);
	free(c->notify.email.username);
	if (c->notify.email.password != NULL)
		explicit_bzero(c->notify.email.password, strlen(c->notify.email.password));
	free(c->notify.email.password);
	free(c->notify.email.from);
	free(c->notify.email.from_name);
	free(c->notify.email.ca_file);
	for (i = 0; i < c->notify.links.nkeys; i++) {
		explicit_bzero(c->notify.links.keys[i], c->notify.links.lens[i]);
		free(c->notify.links.keys[i]);
	}
}
