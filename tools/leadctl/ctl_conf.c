/* ctl_conf.c — leadctl's connection settings: flags over the environment over a config file. */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_conf.h"

/* The config file's keys, one a line: "key = value". */
struct conf_file {
	char	*path;
	char	*url;
	char	*token;
	char	*token_file;	/* relative to the file's folder */
	char	*cacert;
	char	*timeout;
};

/* A key of the config file and where its value goes. */
struct conf_key {
	const char	*name;
	size_t		 offset;
};

static const struct conf_key conf_keys[] = {
	{ .name = "url", .offset = offsetof(struct conf_file, url) },
	{ .name = "token", .offset = offsetof(struct conf_file, token) },
	{ .name = "token_file", .offset = offsetof(struct conf_file, token_file) },
	{ .name = "cacert", .offset = offsetof(struct conf_file, cacert) },
	{ .name = "timeout", .offset = offsetof(struct conf_file, timeout) },
};

/* s without leading and trailing white space, in place. */
static char *
conf_trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Release the file's values. */
static void
conf_file_free(struct conf_file *f)
{
	size_t i;

	for (i = 0; i < LR_NELEM(conf_keys); i++)
		free(*(char **)((char *)f + conf_keys[i].offset));
	free(f->path);
	memset(f, 0, sizeof *f);
}

/* Read path into f; a missing file is fine unless required. 0, or -1 after a message. */
static int
conf_file_read(const char *path, int required, struct conf_file *f)
{
	char line[4096], *key, *value, *eq, **slot;
	FILE *fp;
	size_t i;
	int lineno = 0;

	memset(f, 0, sizeof *f);
	if ((fp = fopen(path, "r")) == NULL) {
		if (!required && errno == ENOENT)
			return 0;
		ctl_errorx("config file %s: %s", path, strerror(errno));
		return -1;
	}
	f->path = xstrdup(path);
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		key = conf_trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			ctl_errorx("%s:%d: expected key = value", path, lineno);
			goto fail;
		}
		*eq = '\0';
		key = conf_trim(key);
		value = conf_trim(eq + 1);
		slot = NULL;
		for (i = 0; i < LR_NELEM(conf_keys); i++) {
			if (strcmp(key, conf_keys[i].name) == 0)
				slot = (char **)((char *)f + conf_keys[i].offset);
		}
		if (slot == NULL) {
			ctl_errorx("%s:%d: unknown key \"%s\" (url, token, token_file, cacert, timeout)",
			    path, lineno, key);
			goto fail;
		}
		if (*value == '\0') {
			ctl_errorx("%s:%d: %s has no value", path, lineno, key);
			goto fail;
		}
		free(*slot);
		*slot = xstrdup(value);
	}
	fclose(fp);
	return 0;

fail:
	fclose(fp);
	conf_file_free(f);
	return -1;
}

/* The first line of a token file, trimmed; NULL after a message. */
static char *
conf_read_token(const char *path)
{
	char line[4096], *token = NULL;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		ctl_errorx("token file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fgets(line, sizeof line, fp) == NULL || *conf_trim(line) == '\0')
		ctl_errorx("token file %s: empty (one line: the token)", path);
	else
		token = xstrdup(conf_trim(line));
	fclose(fp);
	return token;
}

/* The default config file's path (allocated), or NULL without a home. */
static char *
conf_default_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg != NULL && *xdg == '/')
		return xasprintf("%s/leadctl/config", xdg);
	if (home != NULL && *home != '\0')
		return xasprintf("%s/.config/leadctl/config", home);
	return NULL;
}

/* An environment variable, NULL when unset or empty. */
static const char *
conf_env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* path, or for a relative one the same beside the config file (allocated). */
static char *
conf_beside(const char *config, const char *path)
{
	const char *slash = strrchr(config, '/');

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - config), config, path);
}

/* The token, from the first of flags, environment and file that gives one. */
static int
conf_resolve_token(const struct ctl_args *args, const struct conf_file *f,
    struct ctl_conn *conn)
{
	const char *token = ctl_args_get(args, CTL_OPT_TOKEN);
	const char *file = ctl_args_get(args, CTL_OPT_TOKEN_FILE);
	char *path;

	if (token != NULL && file != NULL) {
		ctl_errorx("--token and --token-file: give one");
		return CTL_USAGE;
	}
	if (token != NULL) {
		conn->token = xstrdup(token);
		conn->token_from = xstrdup("--token");
	} else if (file != NULL) {
		if ((conn->token = conf_read_token(file)) == NULL)
			return CTL_USAGE;
		conn->token_from = xasprintf("--token-file %s", file);
	} else if ((token = conf_env("LEADCTL_TOKEN")) != NULL) {
		conn->token = xstrdup(token);
		conn->token_from = xstrdup("LEADCTL_TOKEN");
	} else if ((file = conf_env("LEADCTL_TOKEN_FILE")) != NULL) {
		if ((conn->token = conf_read_token(file)) == NULL)
			return CTL_USAGE;
		conn->token_from = xasprintf("LEADCTL_TOKEN_FILE %s", file);
	} else if (f->token != NULL) {
		conn->token = xstrdup(f->token);
		conn->token_from = xstrdup(f->path);
	} else if (f->token_file != NULL) {
		path = conf_beside(f->path, f->token_file);
		conn->token = conf_read_token(path);
		conn->token_from = xasprintf("%s (token_file %s)", f->path, path);
		free(path);
		if (conn->token == NULL)
			return CTL_USAGE;
	}
	if (conn->token != NULL && strpbrk(conn->token, "\r\n") != NULL) {
		ctl_errorx("the token from %s holds a line break", conn->token_from);
		return CTL_USAGE;
	}
	return CTL_OK;
}

int
ctl_conf_resolve(const struct ctl_args *args, struct ctl_conn *conn)
{
	struct conf_file f;
	const char *config = ctl_args_get(args, CTL_OPT_CONFIG), *url, *timeout, *what;
	char *path = NULL, *end;
	size_t n;
	long t;
	int rc = CTL_USAGE;

	memset(conn, 0, sizeof *conn);
	path = config != NULL ? xstrdup(config) : conf_default_path();
	if (path != NULL && conf_file_read(path, config != NULL, &f) == -1) {
		free(path);
		return CTL_USAGE;
	}
	if (path == NULL)
		memset(&f, 0, sizeof f);

	what = "--url";
	if ((url = ctl_args_get(args, CTL_OPT_URL)) == NULL) {
		what = "LEADCTL_URL";
		if ((url = conf_env("LEADCTL_URL")) == NULL) {
			what = f.path;
			if ((url = f.url) == NULL)
				url = CTL_DEFAULT_URL;
		}
	}
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		ctl_errorx("%s: the URL \"%s\" is not http:// or https://", what, url);
		goto fail;
	}
	conn->url = xstrdup(url);
	n = strlen(conn->url);
	while (n > 0 && conn->url[n - 1] == '/')
		conn->url[--n] = '\0';

	if ((rc = conf_resolve_token(args, &f, conn)) != CTL_OK)
		goto fail;
	rc = CTL_USAGE;

	if ((url = ctl_args_get(args, CTL_OPT_CACERT)) != NULL ||
	    (url = conf_env("LEADCTL_CACERT")) != NULL)
		conn->cacert = xstrdup(url);
	else if (f.cacert != NULL)
		conn->cacert = conf_beside(f.path, f.cacert);

	conn->timeout = CTL_DEFAULT_TIMEOUT;
	what = "--timeout";
	if ((timeout = ctl_args_get(args, CTL_OPT_TIMEOUT)) == NULL) {
		what = f.path;
		timeout = f.timeout;
	}
	if (timeout != NULL) {
		t = strtol(timeout, &end, 10);
		if (end == timeout || *end != '\0' || t < 1 || t > 3600) {
			ctl_errorx("%s: timeout \"%s\" is not a whole number of seconds, 1 to 3600",
			    what, timeout);
			goto fail;
		}
		conn->timeout = t;
	}
	rc = CTL_OK;
	conf_file_free(&f);
	free(path);
	return rc;

fail:
	conf_file_free(&f);
	free(path);
	ctl_conn_free(conn);
	return rc;
}
