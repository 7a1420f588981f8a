/* cmd_config.c — leadctl config check: the daemon's own verdict on a config file (leadrouted -t). */
#include "config.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_table.h"

#define CONFIG_DEFAULT_FILE SYSCONFDIR "/leadrouted/leadrouted.yaml"

enum { OPT_LEADROUTED = CTL_OPT_COMMAND };

const struct ctl_opt cmd_config_opts[] = {
	{ .name = "leadrouted", .value = 1, .id = OPT_LEADROUTED },
	{ .name = NULL }
};

extern char **environ;

/* The daemon to run and where that choice came from. */
static const char *
config_leadrouted(const struct ctl *ctl, const char **from)
{
	const char *path;

	*from = "--leadrouted";
	if ((path = ctl_args_get(&ctl->args, OPT_LEADROUTED)) != NULL)
		return path;
	*from = "$LEADROUTED";
	if ((path = getenv("LEADROUTED")) != NULL && *path != '\0')
		return path;
	*from = "the installed daemon";
	if (access(SBINDIR "/leadrouted", X_OK) == 0)
		return SBINDIR "/leadrouted";
	*from = "$PATH";
	return "leadrouted";
}

/* Everything fd gives until its end into out. */
static void
config_read_all(int fd, struct buf *out)
{
	char chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_append(out, chunk, (size_t)n);
	}
}

/* With --json: the verdict and what leadrouted said, line by line. */
static void
config_print_json(const char *file, const char *leadrouted, int valid, const struct buf *out)
{
	json_t *root, *lines = json_array();
	const char *p = out->data != NULL ? out->data : "", *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		json_array_append_new(lines, json_stringn(p, nl != NULL ? (size_t)(nl - p) :
		    strlen(p)));
		p = nl != NULL ? nl + 1 : p + strlen(p);
	}
	root = json_pack("{sssssbso}", "file", file, "leadrouted", leadrouted, "valid", valid,
	    "output", lines);
	table_print_json(root);
	json_decref(root);
}

int
cmd_config_exec(struct ctl *ctl)
{
	posix_spawn_file_actions_t actions;
	struct buf out = { 0 };
	const char *file, *leadrouted, *from;
	char *argv[5];
	int fds[2] = { -1, -1 }, status, err, rc;
	pid_t pid;

	if (ctl->args.nwords == 0 || strcmp(ctl->args.words[0], "check") != 0)
		return ctl_usage(ctl, ctl->args.nwords == 0 ? "what to do? check" :
		    "unknown action \"%s\" (check)", ctl->args.nwords > 0 ? ctl->args.words[0] : "");
	if (ctl->args.nwords > 2)
		return ctl_usage(ctl, "one file at a time (\"%s\")", ctl->args.words[2]);
	file = ctl->args.nwords == 2 ? ctl->args.words[1] : CONFIG_DEFAULT_FILE;
	leadrouted = config_leadrouted(ctl, &from);

	argv[0] = (char *)leadrouted;
	argv[1] = (char *)"-t";
	argv[2] = (char *)"-c";
	argv[3] = (char *)file;
	argv[4] = NULL;
	posix_spawn_file_actions_init(&actions);
	if (ctl->json) {
		/* Keep what it says, both streams, for the JSON. */
		if (pipe(fds) == -1) {
			ctl_errorx("config check: pipe: %s", strerror(errno));
			posix_spawn_file_actions_destroy(&actions);
			return CTL_FAILED;
		}
		posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
		posix_spawn_file_actions_addclose(&actions, fds[0]);
		posix_spawn_file_actions_addclose(&actions, fds[1]);
	}
	fflush(stdout);
	/* A path is checked here: a failed exec may only show as the child's 127. */
	if (strchr(leadrouted, '/') != NULL && access(leadrouted, X_OK) == -1)
		err = errno;
	else
		err = posix_spawnp(&pid, leadrouted, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (fds[1] != -1)
		close(fds[1]);
	if (err != 0) {
		ctl_errorx("config check: cannot run %s (from %s): %s; name the daemon with "
		    "--leadrouted PATH", leadrouted, from, strerror(err));
		rc = CTL_USAGE;
		goto done;
	}
	if (fds[0] != -1)
		config_read_all(fds[0], &out);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			ctl_errorx("config check: waitpid: %s", strerror(errno));
			rc = CTL_FAILED;
			goto done;
		}
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1)) {
		rc = WEXITSTATUS(status) == 0 ? CTL_OK : CTL_INVALID;
		if (ctl->json)
			config_print_json(file, leadrouted, rc == CTL_OK, &out);
		else if (rc == CTL_INVALID)
			ctl_errorx("config check: %s is not valid", file);
		goto done;
	}
	if (ctl->json && out.len > 0)
		fwrite(out.data, 1, out.len, stderr);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		ctl_errorx("config check: cannot run %s (from %s): not found or not executable; "
		    "name the daemon with --leadrouted PATH", leadrouted, from);
		rc = CTL_USAGE;
		goto done;
	}
	if (WIFEXITED(status))
		ctl_errorx("config check: %s -t exited with %d", leadrouted, WEXITSTATUS(status));
	else
		ctl_errorx("config check: %s -t ended by signal %d", leadrouted,
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	rc = CTL_FAILED;

done:
	if (fds[0] != -1)
		close(fds[0]);
	buf_free(&out);
	return rc;
}
