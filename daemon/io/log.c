/* log.c — one line per event, key=value, levels checked before formatting. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "leadroute/tstamp.h"

#include "io/log.h"

/* Past this, pending lines are written at once rather than at the end of the turn. */
#define LOG_BATCH_MAX (64 * 1024)

static int log_level = CONF_LOG_INFO;
static int log_with_time = 1;
static struct buf log_pending;
static struct event *log_flush_ev;

void
log_init(int level)
{
	log_level = level;
	/* journald stamps every line itself; elsewhere we add ts=. */
	log_with_time = getenv("JOURNAL_STREAM") == NULL;
}

/* Write the lines collected so far. */
static void
log_flush(void)
{
	size_t off = 0;

	while (off < log_pending.len) {
		ssize_t n = write(STDERR_FILENO, log_pending.data + off, log_pending.len - off);

		if (n <= 0)
			break;	/* nowhere to log to: drop rather than block the loop */
		off += (size_t)n;
	}
	buf_reset(&log_pending);
}

static void
log_on_flush(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

void
log_attach(struct event_base *base)
{
	log_flush_ev = event_new(base, -1, 0, log_on_flush, NULL);
}

void
log_detach(void)
{
	log_flush();
	if (log_flush_ev != NULL)
		event_free(log_flush_ev);
	log_flush_ev = NULL;
	buf_free(&log_pending);
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_enabled(int level)
{
	return level >= log_level;
}

void
log_msg(int level, const char *event, const char *fmt, ...)
{
	char line[2048], ts[TSTAMP_LEN];
	struct timespec now;
	va_list ap;
	int n = 0;

	if (log_with_time) {
		clock_gettime(CLOCK_REALTIME, &now);
		tstamp_format((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, ts);
		n = snprintf(line, sizeof(line), "ts=%s ", ts);
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "level=%s event=%s",
	    conf_log_level_name(level), event);
	if (fmt != NULL && fmt[0] != '\0' && (size_t)n < sizeof(line) - 1) {
		line[n++] = ' ';
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (log_flush_ev == NULL) {
		fprintf(stderr, "%s\n", line);
		return;
	}
	buf_append(&log_pending, line, strlen(line));
	buf_append(&log_pending, "\n", 1);
	if (log_pending.len >= LOG_BATCH_MAX)
		log_flush();
	else
		event_active(log_flush_ev, EV_TIMEOUT, 0);	/* runs once, after this turn's work */
}

const char *
log_quote(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	out[o++] = '"';
	for (; *s != '\0' && o + 5 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}
