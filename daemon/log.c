/* log.c — one line per event, key=value, levels checked before formatting. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leadroute/tstamp.h"

#include "log.h"

static int log_level = CONF_LOG_INFO;
static int log_with_time = 1;

void
log_init(int level)
{
	log_level = level;
	/* journald stamps every line itself; elsewhere we add ts=. */
	log_with_time = getenv("JOURNAL_STREAM") == NULL;
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
	fprintf(stderr, "%s\n", line);
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
