/*
 * fuzz_sse.c — leadctl's reader of server-sent events (escalations --watch):
 * any bytes, cut into pieces where the input says (the first byte's bits
 * choose the piece sizes), as a network hands them over. Every event's
 * strings must be whole C strings, and the reader must end with no leak.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* leadctl is not part of the core library: its reader is compiled in here. */
#include "../../tools/leadctl/ctl_sse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_on_event(const struct ctl_sse_event *ev, void *arg)
{
	size_t *n = arg;

	if (ev->event == NULL || ev->data == NULL)
		abort();
	(void)strlen(ev->event);
	(void)strlen(ev->data);
	if (ev->id != NULL)
		(void)strlen(ev->id);
	/* Stop after many events, as a --count would. */
	return ++*n >= 1000;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_sse sse;
	size_t n = 0, at = 1, piece;
	unsigned seed;

	if (size == 0)
		return 0;
	seed = data[0];
	ctl_sse_init(&sse, fuzz_on_event, &n, size > 1 && data[1] == 'r' ? "resume" : NULL);
	while (at < size) {
		piece = 1 + (seed % 7) * (seed % 13);
		seed = seed * 1103515245u + 12345u;
		if (piece > size - at)
			piece = size - at;
		if (ctl_sse_feed(&sse, (const char *)data + at, piece) == 0 && !sse.stop)
			abort();
		if (sse.stop)
			break;
		at += piece;
	}
	if (sse.retry_ms < 0)
		abort();
	ctl_sse_restart(&sse);
	ctl_sse_free(&sse);
	return 0;
}
