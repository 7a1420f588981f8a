/*
 * outbound_probe.c — runs the daemon's outbound transports (daemon/io/outbound.c)
 * on a libevent loop, one request after another, and prints how each ended
 * as one JSON line: what tests/integration/test_transports.py checks against
 * its stand-ins before the daemon has callers for them.
 *
 *   outbound_probe KIND [--option value]... [KIND [--option value]...]...
 *
 * KIND is mail, slack or post; the requests go in order on one outbound (so
 * a later one may reuse an earlier one's handle and connection).
 *   mail:  --url --tls required|try --user --password --cafile --from
 *          --from-name --to --to-name --subject --text --html --message-id
 *          --header "Name: value" (repeatable)
 *   slack: --api-url (default Slack's) --method (default chat.postMessage;
 *          "" for none: a response_url) --token --body | --body-file
 *   post:  --url --header (repeatable) --body | --body-file
 *   all:   --timeout ms (default 10000)
 * Each line: {"kind", "answered", "status", "ok", "permanent",
 * "retry_after_ms", "ms", "error", "answer", "channel", "ts"}. Exits 0 once
 * every request has ended, 2 on a usage error.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "leadroute/conf.h"
#include "leadroute/util.h"

#include "io/log.h"
#include "io/outbound.h"

#define PROBE_MAX_REQS	64

/* One request as the command line gives it. */
struct probe_req {
	const char		*kind;
	struct outbound_mail	 mail;
	const char		*api_url;
	const char		*method;
	const char		*token;
	const char		*url;
	char			*body;
	size_t			 len;
	struct curl_slist	*headers;
	int64_t			 timeout_ms;
};

static struct probe_req reqs[PROBE_MAX_REQS];
static size_t nreqs, next;
static struct outbound *ob;
static struct event_base *base;

static void probe_next(void);

static void
usage(const char *why)
{
	fprintf(stderr, "outbound_probe: %s\nusage: outbound_probe mail|slack|post "
	    "[--option value]... (see tools/outbound_probe.c)\n", why);
	exit(2);
}

static char *
read_file(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		usage("cannot read a --body-file");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_append(&b, "", 0);
	*len = b.len;
	return b.data;
}

/* Set one --name value of r. */
static void
probe_option(struct probe_req *r, const char *name, const char *value)
{
	struct outbound_mail *m = &r->mail;

	if (strcmp(name, "timeout") == 0)
		r->timeout_ms = strtoll(value, NULL, 10);
	else if (strcmp(name, "header") == 0)
		r->headers = curl_slist_append(r->headers, value);
	else if (strcmp(name, "body") == 0) {
		r->body = xstrdup(value);
		r->len = strlen(value);
	} else if (strcmp(name, "body-file") == 0)
		r->body = read_file(value, &r->len);
	else if (strcmp(name, "url") == 0)
		r->url = m->url = value;
	else if (strcmp(name, "tls") == 0 && strcmp(value, "try") == 0)
		m->tls = OUTBOUND_TLS_TRY;
	else if (strcmp(name, "tls") == 0 && strcmp(value, "required") == 0)
		m->tls = OUTBOUND_TLS_REQUIRED;
	else if (strcmp(name, "user") == 0)
		m->username = value;
	else if (strcmp(name, "password") == 0)
		m->password = value;
	else if (strcmp(name, "cafile") == 0)
		m->cafile = value;
	else if (strcmp(name, "from") == 0)
		m->from = value;
	else if (strcmp(name, "from-name") == 0)
		m->from_name = value;
	else if (strcmp(name, "to") == 0)
		m->to = value;
	else if (strcmp(name, "to-name") == 0)
		m->to_name = value;
	else if (strcmp(name, "subject") == 0)
		m->subject = value;
	else if (strcmp(name, "text") == 0)
		m->text = value;
	else if (strcmp(name, "html") == 0)
		m->html = value;
	else if (strcmp(name, "message-id") == 0)
		m->message_id = value;
	else if (strcmp(name, "api-url") == 0)
		r->api_url = value;
	else if (strcmp(name, "method") == 0)
		r->method = value[0] != '\0' ? value : NULL;
	else if (strcmp(name, "token") == 0)
		r->token = value;
	else
		usage("an unknown option");
}

static void
probe_done(const struct outbound_result *res, void *arg)
{
	struct probe_req *r = arg;
	json_t *o = json_pack("{s:s, s:b, s:I, s:b, s:b, s:I, s:I, s:s, s:s}",
	    "kind", r->kind, "answered", res->answered, "status", (json_int_t)res->status,
	    "ok", res->ok, "permanent", res->permanent,
	    "retry_after_ms", (json_int_t)res->retry_after_ms, "ms", (json_int_t)res->ms,
	    "error", res->error != NULL ? res->error : "",
	    "answer", res->answer != NULL ? res->answer : "");
	char *line;

	json_object_set_new(o, "channel", res->channel != NULL ? json_string(res->channel) :
	    json_null());
	json_object_set_new(o, "ts", res->ts != NULL ? json_string(res->ts) : json_null());
	line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", line);
	fflush(stdout);
	free(line);
	json_decref(o);
	probe_next();
}

/* Start the next request, or leave the loop when all have ended. */
static void
probe_next(void)
{
	struct probe_req *r;
	struct outbound_req *started = NULL;

	if (next == nreqs) {
		event_base_loopbreak(base);
		return;
	}
	r = &reqs[next++];
	if (strcmp(r->kind, "mail") == 0) {
		started = outbound_mail(ob, &r->mail, r->headers, r->timeout_ms, probe_done, r);
	} else if (strcmp(r->kind, "slack") == 0) {
		started = outbound_slack(ob, r->api_url, r->method, r->token, r->body, r->len,
		    r->timeout_ms, probe_done, r);
		curl_slist_free_all(r->headers);
	} else {
		started = outbound_post(ob, r->url, r->headers, r->body, r->len, r->timeout_ms,
		    probe_done, r);
	}
	r->headers = NULL;	/* taken over */
	if (started == NULL) {
		printf("{\"kind\":\"%s\",\"started\":false}\n", r->kind);
		probe_next();
	}
}

int
main(int argc, char **argv)
{
	struct probe_req *r = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (strcmp(argv[i], "mail") != 0 && strcmp(argv[i], "slack") != 0 &&
			    strcmp(argv[i], "post") != 0)
				usage("a request is mail, slack or post");
			if (nreqs == PROBE_MAX_REQS)
				usage("too many requests");
			r = &reqs[nreqs++];
			r->kind = argv[i];
			r->method = "chat.postMessage";
			r->timeout_ms = 10000;
			r->body = xstrdup("");
			continue;
		}
		if (r == NULL || i + 1 >= argc)
			usage("an option before any request, or without its value");
		if (strcmp(argv[i] + 2, "body") == 0 || strcmp(argv[i] + 2, "body-file") == 0)
			free(r->body);
		probe_option(r, argv[i] + 2, argv[i + 1]);
		i++;
	}
	if (nreqs == 0)
		usage("no request");
	log_init(CONF_LOG_WARN);
	base = event_base_new();
	ob = outbound_new(base);
	probe_next();
	event_base_dispatch(base);
	outbound_free(ob);
	event_base_free(base);
	for (i = 0; (size_t)i < nreqs; i++)
		free(reqs[i].body);
	return 0;
}
