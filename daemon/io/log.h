/* log.h — structured key=value log lines on stderr (journald-friendly). */
#ifndef LEADROUTED_LOG_H
#define LEADROUTED_LOG_H

#include <stddef.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"

struct event_base;

void log_init(int level);

/*
 * From now on, lines are collected and written together once per turn of the
 * loop (one write instead of one per line); log_detach writes what is left.
 */
void log_attach(struct event_base *base);
void log_detach(void);
void log_set_level(int level);
int log_enabled(int level);

/* One line: level=... event=EVENT then the formatted key=value pairs. */
void log_msg(int level, const char *event, const char *fmt, ...) LR_PRINTF(3, 4);

#define log_debug(ev, ...) do { if (log_enabled(CONF_LOG_DEBUG)) log_msg(CONF_LOG_DEBUG, ev, __VA_ARGS__); } while (0)
#define log_info(ev, ...) do { if (log_enabled(CONF_LOG_INFO)) log_msg(CONF_LOG_INFO, ev, __VA_ARGS__); } while (0)
#define log_warn(ev, ...) do { if (log_enabled(CONF_LOG_WARN)) log_msg(CONF_LOG_WARN, ev, __VA_ARGS__); } while (0)
#define log_error(ev, ...) log_msg(CONF_LOG_ERROR, ev, __VA_ARGS__)

/* Quote s for a log value ("..." with \" and \\ escaped, control bytes as \xNN) into out. */
const char *log_quote(const char *s, char *out, size_t outlen);

#endif
