/* ctl.h — leadctl's shared pieces: exit codes, the run's state, the command table's row. */
#ifndef LEADCTL_CTL_H
#define LEADCTL_CTL_H

#include "leadroute/util.h"

#include "ctl_args.h"
#include "ctl_http.h"

/* What a run's exit status says went wrong (leadctl --help, leadctl(1)). */
enum ctl_exit {
	CTL_OK = 0,
	CTL_INVALID = 1,	/* config check: the config is not valid */
	CTL_USAGE = 2,		/* unknown command or option, a bad value */
	CTL_UNREACHABLE = 3,	/* no answer from the daemon: refused, timed out, TLS */
	CTL_DENIED = 4,		/* 401, 403 */
	CTL_NOT_FOUND = 5,	/* 404 */
	CTL_REFUSED = 6,	/* any other 4xx */
	CTL_FAILED = 7		/* 5xx, or an answer that cannot be read */
};

/* The global options every command takes (ids below CTL_OPT_COMMAND). */
enum ctl_global_opt {
	CTL_OPT_URL = 1,
	CTL_OPT_TOKEN,
	CTL_OPT_TOKEN_FILE,
	CTL_OPT_CONFIG,
	CTL_OPT_CACERT,
	CTL_OPT_TIMEOUT,
	CTL_OPT_JSON,
	CTL_OPT_HELP,
	CTL_OPT_VERSION,
	CTL_OPT_COMMAND = 100	/* commands number their own options from here */
};

struct ctl_cmd;

/* One run: the command, its parsed arguments, where the daemon is. */
struct ctl {
	const struct ctl_cmd	*cmd;
	struct ctl_args		 args;
	struct ctl_conn		 conn;
	int			 json;		/* --json: the API's JSON, pretty */
};

/* A row of the command table (leadctl.c). */
struct ctl_cmd {
	const char		*name;
	const char		*usage;		/* after "leadctl NAME " */
	const char		*summary;	/* one line for leadctl --help */
	const char		*help;		/* leadctl help NAME: the options */
	const struct ctl_opt	*opts;		/* its own options, NULL-terminated */
	int			 needs_api;	/* resolve --url and the token before exec */
	int			(*exec)(struct ctl *);
};

/* "leadctl: " and the message on stderr. */
void ctl_errorx(const char *fmt, ...) LR_PRINTF(1, 2);

/* A usage error of the running command: the message, its usage line; returns CTL_USAGE. */
int ctl_usage(const struct ctl *ctl, const char *fmt, ...) LR_PRINTF(2, 3);

/*
 * Ask before destroying data: 0 with --yes, or when the person at the
 * terminal types "yes" to question; CTL_USAGE (with a message) otherwise,
 * and at once when stdin is not a terminal.
 */
int ctl_confirm(const struct ctl *ctl, int yes, const char *question);

/* The commands, one exec each (cmd_*.c). */
int cmd_reps_exec(struct ctl *);
int cmd_rep_exec(struct ctl *);
int cmd_pools_exec(struct ctl *);
int cmd_pool_exec(struct ctl *);
int cmd_lead_exec(struct ctl *);
int cmd_simulate_exec(struct ctl *);
int cmd_escalations_exec(struct ctl *);
int cmd_escalation_exec(struct ctl *);
int cmd_dead_letters_exec(struct ctl *);
int cmd_scorecard_exec(struct ctl *);
int cmd_erase_exec(struct ctl *);
int cmd_config_exec(struct ctl *);

/* Option tables of those commands (cmd_*.c). */
extern const struct ctl_opt cmd_rep_opts[], cmd_simulate_opts[], cmd_escalations_opts[],
    cmd_escalation_opts[], cmd_dead_letters_opts[], cmd_scorecard_opts[], cmd_erase_opts[],
    cmd_config_opts[], cmd_none_opts[];

#endif
