/* conf.c — load a config file: defaults, the walk, the sections; then free and share it. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/conf.h"
#include "leadroute/diag.h"
#include "leadroute/util.h"
#include "leadroute/ytree.h"

#include "conf_internal.h"

#define CONF_MAX_FILE	(16 * 1024 * 1024)

static void conf_free(struct conf *);

/* Report an error at line and path of the file being loaded. */
void
conf_error(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(ctx->diags, 0, line, path, fmt, ap);
	va_end(ap);
}

/* Report a warning: the config still loads. */
void
conf_warning(struct conf_ctx *ctx, int line, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_diag_vadd(ctx->diags, 1, line, path, fmt, ap);
	va_end(ap);
}

/* The config's version: the first 12 hex digits of the file's SHA-256. */
static void
conf_set_version(struct conf *c, const char *text, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL);
	util_hex_encode(md, 6, c->version);
}

/* Parse and validate a config text; see conf.h. */
int
conf_load_string(const char *text, size_t len, const char *name, struct conf **out,
    struct conf_diags *diags)
{
	struct conf_ctx ctx;
	struct ynode *root;
	char *cause = NULL;
	int line = 0;

	memset(diags, 0, sizeof(*diags));
	diags->file = xstrdup(name);
	memset(&ctx, 0, sizeof(ctx));
	ctx.diags = diags;
	ctx.conf = xcalloc(1, sizeof(*ctx.conf));
	ctx.conf->refs = 1;
	ctx.conf->path = xstrdup(name);
	conf_set_version(ctx.conf, text, len);

	conf_apply_defaults(&ctx);

	if (memchr(text, '\0', len) != NULL) {
		conf_error(&ctx, 1, NULL, "the file contains a NUL byte");
		goto done;
	}
	if ((root = ytree_parse(text, len, &line, &cause)) == NULL) {
		conf_error(&ctx, line, NULL, "%s", cause);
		free(cause);
		goto done;
	}
	if (root->type != YNODE_MAP)
		conf_error(&ctx, root->line, NULL, "expected a map of settings at the top");
	else
		conf_walk_root(&ctx, root);
	/* Checks across sections: conditions (rules, scoring) against sources. */
	if (diags->nerrors == 0)
		conf_check_fields(&ctx);
	if (diags->nerrors == 0)
		conf_check_redis(&ctx);
	ytree_free(root);
done:
	cond_uses_free(&ctx.uses);
	conf_diags_sort(diags);
	if (diags->nerrors > 0) {
		conf_free(ctx.conf);
		*out = NULL;
		return -1;
	}
	*out = ctx.conf;
	return 0;
}

/* Read a config file (at most CONF_MAX_FILE bytes) and load it. */
int
conf_load_file(const char *path, struct conf **out, struct conf_diags *diags)
{
	struct buf text = { NULL, 0, 0 };
	char chunk[8192];
	size_t n;
	FILE *fp;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		memset(diags, 0, sizeof(*diags));
		diags->file = xstrdup(path);
		diags->v = xcalloc(1, sizeof(*diags->v));
		diags->v[0].path = xstrdup("");
		diags->v[0].msg = xasprintf("cannot open: %s", strerror(errno));
		diags->n = diags->nerrors = 1;
		*out = NULL;
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && text.len <= CONF_MAX_FILE)
		buf_append(&text, chunk, n);
	fclose(fp);
	if (text.len > CONF_MAX_FILE) {
		buf_free(&text);
		memset(diags, 0, sizeof(*diags));
		diags->file = xstrdup(path);
		diags->v = xcalloc(1, sizeof(*diags->v));
		diags->v[0].path = xstrdup("");
		diags->v[0].msg = xstrdup("file too large (over 16 MiB)");
		diags->n = diags->nerrors = 1;
		*out = NULL;
		return -1;
	}
	rc = conf_load_string(text.data != NULL ? text.data : "", text.len, path, out, diags);
	buf_free(&text);
	return rc;
}

/* Free a config and everything its sections built. */
static void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	conf_free_sla(c);
	conf_free_channels(c);
	conf_free_subs(c);
	conf_free_crm(c);
	conf_free_lifecycle(c);
	conf_free_contract(c);
	conf_free_review(c);
	conf_free_routing(c);
	conf_free_redis(c);
	free(c->listen.text);
	free(c->listen.host);
	free(c->health_listen.text);
	free(c->health_listen.host);
	conf_free_edge(c);
	free(c->path);
	free(c);
}

/* Take one more reference to a config. */
struct conf *
conf_ref(struct conf *conf)
{
	conf->refs++;
	return conf;
}

/* Drop a reference; the last one frees the config. */
void
conf_unref(struct conf *conf)
{
	if (conf != NULL && --conf->refs == 0)
		conf_free(conf);
}
