/* leadctl.c — leadctl: the command table, the global options, help, and the run of one command. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "ctl.h"
#include "ctl_conf.h"

static const struct ctl_opt global_opts[] = {
	{ .name = "url", .value = 1, .id = CTL_OPT_URL },
	{ .name = "token", .value = 1, .id = CTL_OPT_TOKEN },
	{ .name = "token-file", .value = 1, .id = CTL_OPT_TOKEN_FILE },
	{ .name = "config", .value = 1, .id = CTL_OPT_CONFIG },
	{ .name = "cacert", .value = 1, .id = CTL_OPT_CACERT },
	{ .name = "timeout", .value = 1, .id = CTL_OPT_TIMEOUT },
	{ .name = "json", .value = 0, .id = CTL_OPT_JSON },
	{ .name = "help", .value = 0, .id = CTL_OPT_HELP },
	{ .name = "version", .value = 0, .id = CTL_OPT_VERSION },
	{ .name = NULL }
};

static const struct ctl_cmd ctl_cmds[] = {
	{ .name = "reps", .usage = "",
	  .summary = "the reps: status, load against their caps, pools",
	  .help = "GET /v1/reps.\n",
	  .opts = cmd_none_opts, .needs_api = 1, .exec = cmd_reps_exec },
	{ .name = "rep", .usage = "ID [available|away|ooo] [--until TIME]",
	  .summary = "one rep, or set its status (ooo: out of office)",
	  .help =
	    "Without a status, shows the rep. With one, PUT /v1/reps/ID/status:\n"
	    "  available        takes leads; its pools' queued leads are assigned at once\n"
	    "  away             takes no leads until set available again\n"
	    "  ooo              out of office; with --until it ends by itself\n"
	    "  --until TIME     when the out-of-office ends: RFC 3339 (2026-12-04T09:00:00Z),\n"
	    "                   or YYYY-MM-DDTHH:MM[:SS] in local time\n",
	  .opts = cmd_rep_opts, .needs_api = 1, .exec = cmd_rep_exec },
	{ .name = "pools", .usage = "",
	  .summary = "the pools: queue, load, the next rep, eligible reps",
	  .help = "GET /v1/pools.\n",
	  .opts = cmd_none_opts, .needs_api = 1, .exec = cmd_pools_exec },
	{ .name = "pool", .usage = "ID",
	  .summary = "a pool's rotation: each rep, and why one is not eligible",
	  .help = "GET /v1/pools/ID: the reps in the order they get the next leads.\n",
	  .opts = cmd_none_opts, .needs_api = 1, .exec = cmd_pool_exec },
	{ .name = "lead", .usage = "ID|email:ADDRESS|phone:NUMBER|crm:ID",
	  .summary = "a lead: owner, state, clocks, its routing decision and history",
	  .help = "GET /v1/leads/ID: a lead by its id or a reference to its person.\n",
	  .opts = cmd_none_opts, .needs_api = 1, .exec = cmd_lead_exec },
	{ .name = "simulate", .usage = "[FILE|-] [--field KEY=VALUE ...] [--at TIME]",
	  .summary = "the decision a lead would get now, stored nowhere",
	  .help =
	    "POST /v1/route/simulate with a lead: a JSON object from FILE (- for stdin),\n"
	    "with each --field KEY=VALUE set over it (or alone).\n"
	    "  --field KEY=VALUE  a field of the lead, as text (repeat it)\n"
	    "  --at TIME          as if it arrived then (RFC 3339, or local YYYY-MM-DDTHH:MM)\n",
	  .opts = cmd_simulate_opts, .needs_api = 1, .exec = cmd_simulate_exec },
	{ .name = "escalations",
	  .usage = "[--status S] [--pool ID] [--lead ID] [--limit N] [--cursor C] | --watch [--pool ID] [--since EVENT] [--count N]",
	  .summary = "SLA escalations, newest first, or --watch the live feed",
	  .help =
	    "GET /v1/escalations:\n"
	    "  --status S       open, acknowledged or resolved\n"
	    "  --pool ID        that pool's only\n"
	    "  --lead ID        that lead's only\n"
	    "  --limit N        at most N (1-500, default 50)\n"
	    "  --cursor C       the next page (its cursor is printed on stderr)\n"
	    "--watch: GET /v1/escalations/stream, each event as it comes, until\n"
	    "interrupted; reconnects after the last event seen when the stream ends.\n"
	    "  --pool ID        that pool's events only\n"
	    "  --since EVENT    start after that event id (0-0: all the stream holds)\n"
	    "  --count N        stop after N events\n",
	  .opts = cmd_escalations_opts, .needs_api = 1, .exec = cmd_escalations_exec },
	{ .name = "escalation", .usage = "ack ID [--by NAME] [--note TEXT]",
	  .summary = "acknowledge an escalation: its later levels stop",
	  .help =
	    "POST /v1/escalations/ID/ack.\n"
	    "  --by NAME        who acknowledges (default: $USER)\n"
	    "  --note TEXT      a note, up to 1000 bytes\n",
	  .opts = cmd_escalation_opts, .needs_api = 1, .exec = cmd_escalation_exec },
	{ .name = "dead-letters",
	  .usage = "[list|retry ID|retry --all|purge ID|purge --all] [--subscription NAME] [--before TIME] [--yes]",
	  .summary = "notifications (or a subscription's events) that could not be delivered",
	  .help =
	    "Without --subscription, the notifications' dead-letter list\n"
	    "(/v1/notifications/failed); with it, that subscription's\n"
	    "(/v1/subscriptions/NAME/dead_letters).\n"
	    "  list             the dead letters (the default)\n"
	    "  retry ID|--all   deliver one, or every one, again\n"
	    "  purge ID|--all   drop one, or every one, for good (asks; --yes does not)\n"
	    "  --before TIME    purge --all: only those that failed before TIME\n"
	    "  --limit N, --cursor C   list a page\n",
	  .opts = cmd_dead_letters_opts, .needs_api = 1, .exec = cmd_dead_letters_exec },
	{ .name = "scorecard", .usage = "[--by rep|pool|source|rule] [--from TIME] [--to TIME] [--csv]",
	  .summary = "the scorecard of the leads that arrived in a period",
	  .help =
	    "GET /v1/scorecard.\n"
	    "  --by KEY         a row per rep, pool, source or rule\n"
	    "  --from, --to     a date or RFC 3339 time (default: the last 30 days)\n"
	    "  --csv            the daemon's CSV, every figure\n",
	  .opts = cmd_scorecard_opts, .needs_api = 1, .exec = cmd_scorecard_exec },
	{ .name = "erase", .usage = "--email ADDRESS | --phone NUMBER | --crm-id ID [--yes]",
	  .summary = "erase everything about a person (DELETE /v1/subjects)",
	  .help =
	    "DELETE /v1/subjects: every lead, identity and record of the person, for\n"
	    "good; new leads of theirs are refused for pii.tombstone_ttl. Asks first;\n"
	    "--yes does not (and is needed when stdin is not a terminal).\n",
	  .opts = cmd_erase_opts, .needs_api = 1, .exec = cmd_erase_exec },
	{ .name = "config", .usage = "check [FILE] [--leadrouted PATH]",
	  .summary = "check a daemon configuration file (leadrouted -t)",
	  .help =
	    "Runs leadrouted -t -c FILE (default " SYSCONFDIR "/leadrouted/leadrouted.yaml).\n"
	    "  --leadrouted PATH  the daemon to run (else $LEADROUTED, then\n"
	    "                     " SBINDIR "/leadrouted, then leadrouted on $PATH)\n",
	  .opts = cmd_config_opts, .needs_api = 0, .exec = cmd_config_exec },
};

static const char ctl_exit_help[] =
    "Exit status:\n"
    "  0  success\n"
    "  1  config check: the configuration is not valid\n"
    "  2  usage: an unknown command or option, a bad value\n"
    "  3  the daemon cannot be reached (refused, timed out, TLS)\n"
    "  4  authentication or permission refused (401, 403)\n"
    "  5  not found (404)\n"
    "  6  the request was refused (another 4xx): the API's code and message are shown\n"
    "  7  the daemon failed or is unavailable (5xx, with its Retry-After)\n";

/* leadctl --help. */
static void
ctl_print_usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
	    "usage: leadctl [options] COMMAND [ARGS]\n"
	    "A command-line client of leadrouted's HTTP API.\n\n"
	    "Commands:\n");
	for (i = 0; i < LR_NELEM(ctl_cmds); i++)
		fprintf(fp, "  %-13s %s\n", ctl_cmds[i].name, ctl_cmds[i].summary);
	fprintf(fp, "  %-13s %s\n", "help", "help COMMAND: a command's arguments and options");
	fprintf(fp,
	    "\nOptions (every command):\n"
	    "  --url URL          the daemon's base URL (LEADCTL_URL; default " CTL_DEFAULT_URL ")\n"
	    "  --token-file FILE  read the API token from FILE (LEADCTL_TOKEN_FILE)\n"
	    "  --token TOKEN      the API token (LEADCTL_TOKEN); seen by ps: prefer a file\n"
	    "  --config FILE      settings: url =, token_file =, token =, cacert =, timeout =\n"
	    "                     (default $XDG_CONFIG_HOME/leadctl/config, ~/.config/leadctl/config)\n"
	    "  --cacert FILE      CA certificates for an https:// URL (LEADCTL_CACERT)\n"
	    "  --timeout SECONDS  give up on a request after SECONDS (default 10)\n"
	    "  --json             print the API's JSON instead of a table\n"
	    "  -h, --help         this help\n"
	    "  --version          leadctl's version\n\n%s", ctl_exit_help);
}

/* leadctl help NAME, or leadctl NAME --help. */
static void
ctl_print_cmd_help(const struct ctl_cmd *cmd, FILE *fp)
{
	fprintf(fp, "usage: leadctl %s%s%s\n%s.\n\n%s", cmd->name, cmd->usage[0] != '\0' ? " " : "",
	    cmd->usage, cmd->summary, cmd->help);
	fprintf(fp, "\nAnd the global options (leadctl --help), --json among them.\n");
}

/* The row of the command table named name, or NULL. */
static const struct ctl_cmd *
ctl_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < LR_NELEM(ctl_cmds); i++) {
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	}
	return NULL;
}

void
ctl_errorx(const char *fmt, ...)
{
	va_list ap;

	fputs("leadctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_usage(const struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "leadctl: %s: ", ctl->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: leadctl %s%s%s\n", ctl->cmd->name, ctl->cmd->usage[0] != '\0' ?
	    " " : "", ctl->cmd->usage);
	return CTL_USAGE;
}

int
ctl_confirm(const struct ctl *ctl, int yes, const char *question)
{
	char line[64];
	size_t n;

	if (yes)
		return CTL_OK;
	if (!isatty(STDIN_FILENO)) {
		ctl_errorx("%s: %s cannot be undone: add --yes to go on (stdin is not a terminal, "
		    "so there is no one to ask)", ctl->cmd->name, question);
		return CTL_USAGE;
	}
	fprintf(stderr, "%s? This cannot be undone. Type yes to go on: ", question);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		line[0] = '\0';
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (strcmp(line, "yes") != 0) {
		ctl_errorx("%s: not confirmed: nothing was changed", ctl->cmd->name);
		return CTL_USAGE;
	}
	return CTL_OK;
}

/* leadctl with no command, or leadctl help [NAME]. */
static int
ctl_main_help(int argc, char **argv, int is_help_cmd)
{
	struct ctl_args args;
	const struct ctl_cmd *cmd;
	int rc = CTL_OK;

	if (ctl_args_parse(argc, argv, NULL, global_opts, "help", &args) == -1)
		return CTL_USAGE;
	if (!is_help_cmd && ctl_args_get(&args, CTL_OPT_VERSION) != NULL)
		printf("leadctl %s\n", PACKAGE_VERSION);
	else if (is_help_cmd && args.nwords > 0) {
		if ((cmd = ctl_find_cmd(args.words[0])) == NULL) {
			ctl_errorx("help: unknown command \"%s\" (leadctl --help lists them)",
			    args.words[0]);
			rc = CTL_USAGE;
		} else
			ctl_print_cmd_help(cmd, stdout);
	} else if (is_help_cmd || ctl_args_get(&args, CTL_OPT_HELP) != NULL)
		ctl_print_usage(stdout);
	else {
		ctl_print_usage(stderr);
		fprintf(stderr, "\nleadctl: no command given\n");
		rc = CTL_USAGE;
	}
	ctl_args_free(&args);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ctl ctl;
	const char *name;
	char **rest = NULL;
	int i, idx = 0, n = 0, rc;

	memset(&ctl, 0, sizeof ctl);
	if ((name = ctl_args_command(argc - 1, argv + 1, global_opts, &idx)) == NULL)
		return ctl_main_help(argc - 1, argv + 1, 0);
	idx++;		/* in argv, past the program's name */
	if (strcmp(name, "help") == 0)
		return ctl_main_help(argc - idx - 1, argv + idx + 1, 1);
	if ((ctl.cmd = ctl_find_cmd(name)) == NULL) {
		ctl_errorx("unknown command \"%s\" (leadctl --help lists them)", name);
		return CTL_USAGE;
	}

	/* The command's arguments: everything but the program and the command's name. */
	rest = xcalloc((size_t)argc, sizeof *rest);
	for (i = 1; i < argc; i++) {
		if (i != idx)
			rest[n++] = argv[i];
	}
	if (ctl_args_parse(n, rest, ctl.cmd->opts, global_opts, ctl.cmd->name, &ctl.args) == -1) {
		fprintf(stderr, "usage: leadctl %s%s%s\n", ctl.cmd->name,
		    ctl.cmd->usage[0] != '\0' ? " " : "", ctl.cmd->usage);
		rc = CTL_USAGE;
		goto done;
	}
	if (ctl_args_get(&ctl.args, CTL_OPT_HELP) != NULL) {
		ctl_print_cmd_help(ctl.cmd, stdout);
		rc = CTL_OK;
		goto done;
	}
	ctl.json = ctl_args_get(&ctl.args, CTL_OPT_JSON) != NULL;
	if (ctl.cmd->needs_api && (rc = ctl_conf_resolve(&ctl.args, &ctl.conn)) != CTL_OK)
		goto done;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		ctl_errorx("cannot start libcurl");
		rc = CTL_FAILED;
		goto done;
	}
	rc = ctl.cmd->exec(&ctl);
	curl_global_cleanup();

done:
	ctl_conn_free(&ctl.conn);
	ctl_args_free(&ctl.args);
	free(rest);
	if (fflush(stdout) != 0 && rc == CTL_OK) {
		ctl_errorx("cannot write the output");
		rc = CTL_FAILED;
	}
	return rc;
}
