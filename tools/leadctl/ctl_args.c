/* ctl_args.c — leadctl's command line: long options and words, checked against tables. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leadroute/util.h"

#include "ctl_args.h"

/* The row of opts or global named name (len bytes), or NULL. */
static const struct ctl_opt *
args_find_opt(const struct ctl_opt *opts, const struct ctl_opt *global, const char *name,
    size_t len)
{
	const struct ctl_opt *tables[2] = { opts, global }, *o;
	size_t i;

	for (i = 0; i < LR_NELEM(tables); i++) {
		for (o = tables[i]; o != NULL && o->name != NULL; o++) {
			if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
				return o;
		}
	}
	return NULL;
}

/* True when arg is an option (starts with a dash and is not "-" alone). */
static int
args_is_opt(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

int
ctl_args_parse(int argc, char **argv, const struct ctl_opt *opts,
    const struct ctl_opt *global, const char *what, struct ctl_args *out)
{
	const struct ctl_opt *o;
	const char *arg, *name, *eq, *value;
	int i, only_words = 0;
	size_t len;

	memset(out, 0, sizeof *out);
	out->opts = xcalloc((size_t)argc + 1, sizeof *out->opts);
	out->words = xcalloc((size_t)argc + 1, sizeof *out->words);
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (only_words || !args_is_opt(arg)) {
			out->words[out->nwords++] = argv[i];
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_words = 1;
			continue;
		}
		if (strcmp(arg, "-h") == 0)
			arg = "--help";
		if (arg[1] != '-') {
			fprintf(stderr, "leadctl: %s: unknown option %s (options are long: --name)\n",
			    what, arg);
			goto fail;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if ((o = args_find_opt(opts, global, name, len)) == NULL) {
			fprintf(stderr, "leadctl: %s: unknown option --%.*s\n", what, (int)len, name);
			goto fail;
		}
		if (!o->value && eq != NULL) {
			fprintf(stderr, "leadctl: %s: --%s takes no value\n", what, o->name);
			goto fail;
		}
		value = "";
		if (o->value && eq != NULL)
			value = eq + 1;
		else if (o->value) {
			if (i + 1 >= argc) {
				fprintf(stderr, "leadctl: %s: --%s needs a value\n", what, o->name);
				goto fail;
			}
			value = argv[++i];
		}
		out->opts[out->nopts].id = o->id;
		out->opts[out->nopts].name = o->name;
		out->opts[out->nopts].value = value;
		out->nopts++;
	}
	return 0;

fail:
	ctl_args_free(out);
	return -1;
}

const char *
ctl_args_command(int argc, char **argv, const struct ctl_opt *global, int *index)
{
	const struct ctl_opt *o;
	const char *arg;
	int i;

	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			if (i + 1 < argc) {
				*index = i + 1;
				return argv[i + 1];
			}
			return NULL;
		}
		if (!args_is_opt(arg)) {
			*index = i;
			return arg;
		}
		/* A global option's value is not the command: skip it. */
		if (arg[1] == '-' && strchr(arg, '=') == NULL &&
		    (o = args_find_opt(NULL, global, arg + 2, strlen(arg + 2))) != NULL && o->value)
			i++;
	}
	return NULL;
}

const char *
ctl_args_get(const struct ctl_args *args, int id)
{
	const char *value = NULL;
	size_t i;

	for (i = 0; i < args->nopts; i++) {
		if (args->opts[i].id == id)
			value = args->opts[i].value;
	}
	return value;
}

void
ctl_args_free(struct ctl_args *args)
{
	free(args->opts);
	free(args->words);
	memset(args, 0, sizeof *args);
}

int
ctl_args_time(const char *s, char out[TSTAMP_LEN])
{
	static const char *const formats[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
		"%Y-%m-%d"
	};
	struct tm tm;
	const char *end;
	int64_t ms;
	time_t t;
	size_t i;

	if (tstamp_parse(s, &ms) == 0) {
		tstamp_format(ms, out);
		return 0;
	}
	for (i = 0; i < LR_NELEM(formats); i++) {
		memset(&tm, 0, sizeof tm);
		if ((end = strptime(s, formats[i], &tm)) == NULL || *end != '\0')
			continue;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1)
			return -1;
		tstamp_format((int64_t)t * 1000, out);
		return 0;
	}
	return -1;
}
