/*
 * fuzz_slack_answer.c — Slack Web API answers (core/slack_answer.c): a
 * hand-written scanner of another service's bytes, cut anywhere. Every
 * answer is read whole and cut short at each of a few points, with a few
 * statuses; whatever it says, the fields stay NUL-terminated within their
 * size, a verdict is one of the three, and an answer Slack calls done must
 * have said "ok":true.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/slack_answer.h"

static void
check(const struct slack_answer *a)
{
	if (memchr(a->error, '\0', sizeof(a->error)) == NULL ||
	    memchr(a->channel, '\0', sizeof(a->channel)) == NULL ||
	    memchr(a->ts, '\0', sizeof(a->ts)) == NULL || a->ok < -1 || a->ok > 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 429, 500, 404 };
	char *text = malloc(size + 1), err[128];
	struct slack_answer a;
	enum slack_verdict v;
	size_t cut, i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (cut = size; ; cut /= 2) {
		memset(&a, 0x55, sizeof(a));
		(void)slack_answer_parse(text, cut, &a);
		check(&a);
		for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
			memset(&a, 0x55, sizeof(a));
			v = slack_verdict(statuses[i], text, cut, &a, err, sizeof(err));
			check(&a);
			if (memchr(err, '\0', sizeof(err)) == NULL)
				abort();
			if (v != SLACK_DONE && v != SLACK_RETRY && v != SLACK_PERMANENT)
				abort();
			if (v == SLACK_DONE && (statuses[i] != 200 || a.ok != 1))
				abort();
		}
		if (cut == 0)
			break;
	}
	(void)slack_error_retryable(text);
	free(text);
	return 0;
}
