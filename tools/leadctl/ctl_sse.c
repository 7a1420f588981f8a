/* ctl_sse.c — server-sent events, read from bytes in any pieces (see ctl_sse.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/util.h"

#include "ctl_sse.h"

/* One field line of an event stream (the WHATWG rules: "name: value", ":" a comment). */
static void
sse_field(struct ctl_sse *sse, char *line)
{
	char *value = strchr(line, ':');
	char *end;
	long ms;

	if (value == NULL)
		value = line + strlen(line);
	else {
		*value++ = '\0';
		if (*value == ' ')
			value++;
	}
	if (strcmp(line, "data") == 0) {
		if (sse->data.len > 0 || sse->data.data != NULL)
			buf_append(&sse->data, "\n", 1);
		buf_append(&sse->data, value, strlen(value));
	} else if (strcmp(line, "event") == 0) {
		free(sse->event);
		sse->event = xstrdup(value);
	} else if (strcmp(line, "id") == 0) {
		free(sse->event_id);
		sse->event_id = xstrdup(value);
	} else if (strcmp(line, "retry") == 0) {
		ms = strtol(value, &end, 10);
		if (end != value && *end == '\0' && ms >= 0)
			sse->retry_ms = ms;
	}
}

/* A blank line: hand the event read so far to the callback. */
static void
sse_dispatch(struct ctl_sse *sse)
{
	struct ctl_sse_event ev;

	/* The id counts once its event is handed on, so a broken stream resumes at that event. */
	if (sse->event_id != NULL) {
		free(sse->last_id);
		sse->last_id = sse->event_id;
		sse->event_id = NULL;
	}
	if (sse->data.data != NULL) {
		ev.id = sse->last_id;
		ev.event = sse->event != NULL ? sse->event : "message";
		ev.data = sse->data.data;
		if (sse->cb(&ev, sse->arg) != 0)
			sse->stop = 1;
	}
	buf_free(&sse->data);
	free(sse->event);
	sse->event = NULL;
}

void
ctl_sse_init(struct ctl_sse *sse, ctl_sse_cb cb, void *arg, const char *last_id)
{
	memset(sse, 0, sizeof(*sse));
	sse->cb = cb;
	sse->arg = arg;
	sse->retry_ms = 2000;
	if (last_id != NULL)
		sse->last_id = xstrdup(last_id);
}

size_t
ctl_sse_feed(struct ctl_sse *sse, const char *p, size_t len)
{
	size_t start = 0, i;

	if (len == 0)
		return 0;
	/* A NUL would end a field early: the stream is text, so it is dropped. */
	for (i = 0; i < len; ) {
		const char *nul = memchr(p + i, '\0', len - i);
		size_t end = nul != NULL ? (size_t)(nul - p) : len;

		buf_append(&sse->line, p + i, end - i);
		i = end + 1;
	}
	if (sse->line.len == 0)
		return sse->stop ? 0 : len;
	for (i = 0; i < sse->line.len && !sse->stop; i++) {
		if (sse->line.data[i] != '\n')
			continue;
		sse->line.data[i] = '\0';
		if (i > start && sse->line.data[i - 1] == '\r')
			sse->line.data[i - 1] = '\0';
		if (sse->line.data[start] == '\0')
			sse_dispatch(sse);
		else if (sse->line.data[start] != ':')
			sse_field(sse, sse->line.data + start);
		start = i + 1;
	}
	/* Keep the partial line for the next bytes. */
	memmove(sse->line.data, sse->line.data + start, sse->line.len - start);
	sse->line.len -= start;
	sse->line.data[sse->line.len] = '\0';
	return sse->stop ? 0 : len;
}

void
ctl_sse_restart(struct ctl_sse *sse)
{
	buf_reset(&sse->line);
	buf_free(&sse->data);
	free(sse->event);
	free(sse->event_id);
	sse->event = sse->event_id = NULL;
}

void
ctl_sse_free(struct ctl_sse *sse)
{
	buf_free(&sse->line);
	buf_free(&sse->data);
	free(sse->event);
	free(sse->event_id);
	free(sse->last_id);
	sse->event = sse->event_id = sse->last_id = NULL;
}
