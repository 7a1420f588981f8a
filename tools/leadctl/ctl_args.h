/* ctl_args.h — leadctl's command line: long options (--name VALUE, --name=VALUE) and words. */
#ifndef LEADCTL_CTL_ARGS_H
#define LEADCTL_CTL_ARGS_H

#include <stddef.h>

#include "leadroute/tstamp.h"

/* An option a command takes; tables end with a row whose name is NULL. */
struct ctl_opt {
	const char	*name;		/* without the dashes */
	int		 value;		/* takes a value */
	int		 id;
};

/* One option as given, in order; value is "" for a flag. Borrowed from argv. */
struct ctl_optval {
	int		 id;
	const char	*name;
	const char	*value;
};

struct ctl_args {
	struct ctl_optval	*opts;
	size_t			 nopts;
	char			**words;	/* the positional arguments, borrowed from argv */
	size_t			 nwords;
};

/*
 * Parse argv (without the program's name) against two option tables (the
 * command's and the global one). "-h" is "--help", "--" ends the options,
 * "-" alone is a word. On an unknown option or a missing value, prints
 * "leadctl: what: ..." and returns -1; out is then empty.
 */
int ctl_args_parse(int argc, char **argv, const struct ctl_opt *opts,
    const struct ctl_opt *global, const char *what, struct ctl_args *out);

/* The first word of argv that is not an option or an option's value (the command), or NULL. */
const char *ctl_args_command(int argc, char **argv, const struct ctl_opt *global, int *index);

/* The last value given for option id, or NULL when it was not given. */
const char *ctl_args_get(const struct ctl_args *args, int id);

/*
 * A time given on the command line as RFC 3339 ("2026-12-04T09:00:00Z"), or
 * in local time as YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (a
 * space for the T); into out as RFC 3339 UTC. 0, or -1 when it is neither.
 */
int ctl_args_time(const char *s, char out[TSTAMP_LEN]);

/* Release what ctl_args_parse allocated (not the strings, which are argv's). */
void ctl_args_free(struct ctl_args *args);

#endif
