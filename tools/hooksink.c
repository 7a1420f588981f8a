/*
 * hooksink.c — a webhook receiver for benchmarks: answers every POST 200 with
 * an empty body at once, and measures how late the events arrive (now minus
 * the body's top-level "timestamp"), how many arrive on each path, and how
 * many are duplicates (a webhook-id seen before on the same path: one event
 * goes to every subscription with the same id). It never checks signatures.
 *
 *   hooksink [-p PORT] [-b ADDR] [-t THREADS] [-o FILE]
 *
 * Prints port=N first, then, on SIGTERM or SIGINT, writes the stats file and
 * prints one line: requests=N duplicates=D lag_ms_p50=.. lag_ms_p99=..
 * lag_ms_max=.. GET /stats answers the counts so far (to wait for a drain).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define SINK_NSEC		1000000000ULL
#define SINK_BODY_INLINE	4096		/* a request's body, without a malloc */
#define SINK_BODY_MAX		(1024 * 1024)	/* kept of a longer body: its start */
#define SINK_KEY_INLINE		512
#define SINK_CONN_LIMIT		10000

/* An open-addressing table of strings, each with a count. */
struct sink_entry {
	uint64_t	 hash;
	char		*key;		/* NULL: a free slot */
	size_t		 keylen;
	uint64_t	 count;
};

struct sink_table {
	struct sink_entry	*slots;
	size_t			 cap;	/* a power of two, or 0 */
	size_t			 len;
};

/* Everything measured, behind one lock (held for a few hundred ns a request). */
struct sink {
	pthread_mutex_t		 lock;
	uint64_t		 requests;
	uint64_t		 duplicates;
	uint64_t		 no_id;		/* no webhook-id header */
	uint64_t		 no_timestamp;	/* no parsable top-level "timestamp" */
	uint64_t		 oom;		/* samples or keys lost to malloc */
	uint64_t		 t_first;	/* monotonic ns of the first and last request */
	uint64_t		 t_last;
	float			*lag;		/* milliseconds, one a request */
	size_t			 nlag;
	size_t			 lagcap;
	struct sink_table	 paths;
	struct sink_table	 ids;		/* path '\n' webhook-id */
};

/* One POST being read. */
struct sink_req {
	char	*body;		/* inline_body, or malloc'd once it outgrew it */
	size_t	 len;
	size_t	 cap;
	char	 inline_body[SINK_BODY_INLINE];
};

static struct sink sink = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct MHD_Response *sink_ok;	/* the empty 200, shared by every answer */
static struct MHD_Response *sink_not_allowed;

static void
sink_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: hooksink [-h] [-b addr] [-o file] [-p port] [-t threads]\n"
	    "  -p PORT     port to listen on; 0 picks a free one (default 0)\n"
	    "  -b ADDR     IPv4 address to listen on (default 127.0.0.1)\n"
	    "  -t THREADS  threads answering requests (default 2)\n"
	    "  -o FILE     on SIGTERM or SIGINT, write the full stats to FILE\n"
	    "  -h          this help\n"
	    "Prints port=N first; on SIGTERM or SIGINT a summary line:\n"
	    "requests=N duplicates=D lag_ms_p50=.. lag_ms_p99=.. lag_ms_max=..\n"
	    "lag is now minus the body's top-level \"timestamp\" (RFC 3339); a\n"
	    "duplicate is a webhook-id seen before on the same path. GET /stats\n"
	    "answers the counts so far. Signatures are not checked.\n");
}

static uint64_t
sink_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * SINK_NSEC + (uint64_t)ts.tv_nsec;
}

/* FNV-1a over two strings with a newline between them (b may be NULL). */
static uint64_t
sink_hash(const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < alen; i++)
		h = (h ^ (unsigned char)a[i]) * 0x100000001b3ULL;
	if (b != NULL) {
		h = (h ^ '\n') * 0x100000001b3ULL;
		for (i = 0; i < blen; i++)
			h = (h ^ (unsigned char)b[i]) * 0x100000001b3ULL;
	}
	return h;
}

/* Double the table; 0 on success. */
static int
sink_table_grow(struct sink_table *t)
{
	struct sink_entry *slots, *e;
	size_t cap = t->cap == 0 ? 64 : t->cap * 2, i, j;

	if ((slots = calloc(cap, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < t->cap; i++) {
		e = &t->slots[i];
		if (e->key == NULL)
			continue;
		for (j = (size_t)e->hash & (cap - 1); slots[j].key != NULL; j = (j + 1) & (cap - 1))
			;
		slots[j] = *e;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/*
 * Count the key a ['\n' b] and return its count before this one (0: new), or
 * -1 when memory ran out. Called with the lock held.
 */
static int64_t
sink_table_add(struct sink_table *t, const char *a, size_t alen, const char *b, size_t blen)
{
	struct sink_entry *e;
	size_t keylen = alen + (b != NULL ? 1 + blen : 0), i;
	uint64_t h = sink_hash(a, alen, b, blen);
	char *key;

	if ((t->len + 1) * 2 > t->cap && sink_table_grow(t) == -1)
		return -1;
	for (i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		e = &t->slots[i];
		if (e->key == NULL)
			break;
		if (e->hash == h && e->keylen == keylen && memcmp(e->key, a, alen) == 0 &&
		    (b == NULL || (e->key[alen] == '\n' && memcmp(e->key + alen + 1, b, blen) == 0)))
			return (int64_t)e->count++;
	}
	if ((key = malloc(keylen + 1)) == NULL)
		return -1;
	memcpy(key, a, alen);
	if (b != NULL) {
		key[alen] = '\n';
		memcpy(key + alen + 1, b, blen);
	}
	key[keylen] = '\0';
	e->hash = h;
	e->key = key;
	e->keylen = keylen;
	e->count = 1;
	t->len++;
	return 0;
}

static void
sink_table_free(struct sink_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t
sink_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at p as a number, or -1. */
static int
sink_digits(const char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/*
 * An RFC 3339 time, YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), as
 * milliseconds since the epoch; -1 when it is not one. By hand: the format
 * is fixed, and this runs for every request.
 */
static int
sink_parse_time(const char *p, size_t len, double *ms)
{
	const char *end = p + len, *q;
	int year, mon, day, hour, min, sec, oh, om;
	double frac = 0, scale = 100;
	int64_t secs;

	if (len < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') ||
	    p[13] != ':' || p[16] != ':')
		return -1;
	if ((year = sink_digits(p, 4)) < 0 || (mon = sink_digits(p + 5, 2)) < 1 || mon > 12 ||
	    (day = sink_digits(p + 8, 2)) < 1 || day > 31 ||
	    (hour = sink_digits(p + 11, 2)) < 0 || hour > 23 ||
	    (min = sink_digits(p + 14, 2)) < 0 || min > 59 ||
	    (sec = sink_digits(p + 17, 2)) < 0 || sec > 60)
		return -1;
	q = p + 19;
	if (q < end && *q == '.') {
		if (++q == end || *q < '0' || *q > '9')
			return -1;
		for (; q < end && *q >= '0' && *q <= '9'; q++, scale /= 10)
			frac += (*q - '0') * scale;
	}
	secs = sink_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 +
	    hour * 3600 + min * 60 + sec;
	if (q + 1 == end && (*q == 'Z' || *q == 'z'))
		;
	else if (q + 6 == end && (*q == '+' || *q == '-') && q[3] == ':' &&
	    (oh = sink_digits(q + 1, 2)) >= 0 && oh < 24 &&
	    (om = sink_digits(q + 4, 2)) >= 0 && om < 60)
		secs -= (*q == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	else
		return -1;
	*ms = (double)secs * 1000 + frac;
	return 0;
}

/*
 * The string value of the top-level member "timestamp" of a JSON object, or
 * NULL. One pass that only tracks strings and nesting, so a "timestamp" inside
 * the data is not taken for the event's; it stops at the member, which the
 * daemon writes second.
 */
static const char *
sink_find_timestamp(const char *p, size_t len, size_t *vlen)
{
	const char *end = p + len, *s, *v;
	int depth = 0;

	for (; p < end; p++) {
		switch (*p) {
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			depth--;
			break;
		case '"':
			for (s = ++p; p < end && *p != '"'; p++) {
				if (*p == '\\' && ++p == end)
					return NULL;
			}
			if (p >= end)
				return NULL;
			if (depth != 1 || p - s != 9 || memcmp(s, "timestamp", 9) != 0)
				break;
			for (v = p + 1; v < end && (*v == ' ' || *v == '\t' || *v == '\r' ||
			    *v == '\n'); v++)
				;
			if (v == end || *v != ':')
				break;		/* a value "timestamp", not the key */
			for (v++; v < end && (*v == ' ' || *v == '\t' || *v == '\r' ||
			    *v == '\n'); v++)
				;
			if (v == end || *v != '"')
				return NULL;
			for (s = ++v; v < end && *v != '"' && *v != '\\'; v++)
				;
			if (v == end || *v != '"')
				return NULL;
			*vlen = (size_t)(v - s);
			return s;
		}
	}
	return NULL;
}

/* Count one request. */
static void
sink_record(const char *path, const char *id, const char *body, size_t len, uint64_t wall)
{
	struct sink *s = &sink;
	const char *ts;
	size_t tslen = 0, plen = strlen(path), cap;
	double at, lag = 0;
	int have_lag = 0;
	uint64_t mono = sink_clock(CLOCK_MONOTONIC);
	int64_t seen;
	float *lags;

	if ((ts = sink_find_timestamp(body, len, &tslen)) != NULL &&
	    sink_parse_time(ts, tslen, &at) == 0) {
		lag = (double)wall / 1e6 - at;
		have_lag = 1;
	}

	pthread_mutex_lock(&s->lock);
	if (s->requests++ == 0)
		s->t_first = mono;
	s->t_last = mono;
	if (sink_table_add(&s->paths, path, plen, NULL, 0) == -1)
		s->oom++;
	if (id == NULL)
		s->no_id++;
	else if ((seen = sink_table_add(&s->ids, path, plen, id, strlen(id))) == -1)
		s->oom++;
	else if (seen > 0)
		s->duplicates++;
	if (!have_lag)
		s->no_timestamp++;
	else {
		if (s->nlag == s->lagcap) {
			cap = s->lagcap == 0 ? 65536 : s->lagcap * 2;
			if ((lags = realloc(s->lag, cap * sizeof(*lags))) != NULL) {
				s->lag = lags;
				s->lagcap = cap;
			}
		}
		if (s->nlag < s->lagcap)
			s->lag[s->nlag++] = (float)lag;
		else
			s->oom++;
	}
	pthread_mutex_unlock(&s->lock);
}

/* GET /stats: the counts so far. */
static enum MHD_Result
sink_answer_stats(struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char text[128];
	int n;

	pthread_mutex_lock(&sink.lock);
	n = snprintf(text, sizeof(text), "requests=%" PRIu64 " duplicates=%" PRIu64 "\n",
	    sink.requests, sink.duplicates);
	pthread_mutex_unlock(&sink.lock);
	r = MHD_create_response_from_buffer((size_t)n, text, MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Keep up to SINK_BODY_MAX bytes of the body; 0 on success. */
static int
sink_req_append(struct sink_req *r, const char *data, size_t n)
{
	size_t cap;
	char *body;

	if (n > SINK_BODY_MAX - r->len)
		n = SINK_BODY_MAX - r->len;
	if (n == 0)
		return 0;
	if (r->len + n > r->cap) {
		for (cap = r->cap * 2; cap < r->len + n; cap *= 2)
			;
		if (cap > SINK_BODY_MAX)
			cap = SINK_BODY_MAX;
		if (r->body == r->inline_body) {
			if ((body = malloc(cap)) != NULL)
				memcpy(body, r->body, r->len);
		} else
			body = realloc(r->body, cap);
		if (body == NULL)
			return -1;
		r->body = body;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return 0;
}

/* Every request: read a POST's body whole, count it, answer 200 at once. */
static enum MHD_Result
sink_on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct sink_req *r = *con_cls;

	(void)cls;
	(void)version;
	if (r == NULL) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
			if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 && strcmp(url, "/stats") == 0)
				return sink_answer_stats(c);
			return MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, sink_not_allowed);
		}
		if ((r = malloc(sizeof(*r))) == NULL)
			return MHD_NO;
		r->body = r->inline_body;
		r->len = 0;
		r->cap = sizeof(r->inline_body);
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (sink_req_append(r, upload_data, *upload_size) == -1)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	sink_record(url, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "webhook-id"),
	    r->body, r->len, sink_clock(CLOCK_REALTIME));
	return MHD_queue_response(c, MHD_HTTP_OK, sink_ok);
}

/* A request is over, answered or not: free its body. */
static void
sink_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct sink_req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r == NULL)
		return;
	if (r->body != r->inline_body)
		free(r->body);
	free(r);
	*con_cls = NULL;
}

static int
sink_cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted lags. */
static double
sink_percentile(const struct sink *s, double p)
{
	size_t rank;

	if (s->nlag == 0)
		return 0;
	rank = (size_t)ceil(p * (double)s->nlag);
	if (rank < 1)
		rank = 1;
	if (rank > s->nlag)
		rank = s->nlag;
	return s->lag[rank - 1];
}

static int
sink_cmp_entry(const void *a, const void *b)
{
	const struct sink_entry *x = *(const struct sink_entry *const *)a;
	const struct sink_entry *y = *(const struct sink_entry *const *)b;

	return strcmp(x->key, y->key);
}

/* The stats file: the summary's counts and more percentiles, then one line a path. */
static int
sink_write_stats(const struct sink *s, const char *file)
{
	const struct sink_entry **paths;
	double secs, sum = 0;
	size_t i, n = 0;
	FILE *fp;

	if ((fp = fopen(file, "w")) == NULL) {
		fprintf(stderr, "hooksink: %s: %s\n", file, strerror(errno));
		return -1;
	}
	secs = s->requests > 1 ? (double)(s->t_last - s->t_first) / 1e9 : 0;
	for (i = 0; i < s->nlag; i++)
		sum += s->lag[i];
	fprintf(fp, "requests=%" PRIu64 "\nduplicates=%" PRIu64 "\nno_webhook_id=%" PRIu64
	    "\nno_timestamp=%" PRIu64 "\nlost_to_oom=%" PRIu64 "\nlag_samples=%zu\n",
	    s->requests, s->duplicates, s->no_id, s->no_timestamp, s->oom, s->nlag);
	fprintf(fp, "lag_ms_min=%.1f\nlag_ms_mean=%.1f\nlag_ms_p50=%.1f\nlag_ms_p90=%.1f\n"
	    "lag_ms_p99=%.1f\nlag_ms_p999=%.1f\nlag_ms_max=%.1f\n",
	    s->nlag > 0 ? (double)s->lag[0] : 0.0, s->nlag > 0 ? sum / (double)s->nlag : 0.0,
	    sink_percentile(s, 0.50), sink_percentile(s, 0.90), sink_percentile(s, 0.99),
	    sink_percentile(s, 0.999), sink_percentile(s, 1.0));
	fprintf(fp, "first_to_last_s=%.3f\nrequests_per_s=%.1f\n", secs,
	    secs > 0 ? (double)(s->requests - 1) / secs : 0.0);
	if ((paths = calloc(s->paths.len + 1, sizeof(*paths))) != NULL) {
		for (i = 0; i < s->paths.cap; i++) {
			if (s->paths.slots[i].key != NULL)
				paths[n++] = &s->paths.slots[i];
		}
		qsort(paths, n, sizeof(*paths), sink_cmp_entry);
		for (i = 0; i < n; i++)
			fprintf(fp, "path=%s requests=%" PRIu64 "\n", paths[i]->key, paths[i]->count);
		free(paths);
	}
	if (fclose(fp) != 0) {
		fprintf(stderr, "hooksink: %s: %s\n", file, strerror(errno));
		return -1;
	}
	return 0;
}

/* A listening IPv4 TCP socket; the port it got through *port. */
static int
sink_listen(const char *addr, int *port)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, on = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)*port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "hooksink: -b must be an IPv4 address: %s\n", addr);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 4096) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		fprintf(stderr, "hooksink: cannot listen on %s:%d: %s\n", addr, *port,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A whole number within [min, max], or exit. */
static long
sink_parse_number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "hooksink: %s must be a whole number from %ld to %ld: %s\n",
		    what, min, max, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct sink *s = &sink;
	struct MHD_Daemon *d;
	const char *addr = "127.0.0.1", *out = NULL;
	sigset_t sigs;
	int ch, fd, port = 0, threads = 2, sig, rc = 0;

	while ((ch = getopt(argc, argv, "b:ho:p:t:")) != -1) {
		switch (ch) {
		case 'b':
			addr = optarg;
			break;
		case 'h':
			sink_usage(stdout);
			return 0;
		case 'o':
			out = optarg;
			break;
		case 'p':
			port = (int)sink_parse_number(optarg, 0, 65535, "-p");
			break;
		case 't':
			threads = (int)sink_parse_number(optarg, 1, 256, "-t");
			break;
		default:
			sink_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		sink_usage(stderr);
		return 2;
	}

	/* The answering threads inherit the mask: only sigwait below sees these. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	if ((fd = sink_listen(addr, &port)) == -1)
		return 1;
	sink_ok = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	sink_not_allowed = MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT);
	if (sink_ok == NULL || sink_not_allowed == NULL ||
	    MHD_add_response_header(sink_not_allowed, MHD_HTTP_HEADER_ALLOW, "POST") != MHD_YES) {
		fprintf(stderr, "hooksink: cannot create the responses\n");
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, sink_on_request, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SINK_CONN_LIMIT,
	    MHD_OPTION_NOTIFY_COMPLETED, sink_on_completed, NULL,
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "hooksink: cannot start the HTTP server\n");
		return 1;
	}
	printf("port=%d\n", port);
	fflush(stdout);

	while (sigwait(&sigs, &sig) != 0)
		;
	MHD_stop_daemon(d);	/* closes fd too */

	if (s->nlag > 0)
		qsort(s->lag, s->nlag, sizeof(*s->lag), sink_cmp_float);
	if (out != NULL && sink_write_stats(s, out) == -1)
		rc = 1;
	printf("requests=%" PRIu64 " duplicates=%" PRIu64
	    " lag_ms_p50=%.1f lag_ms_p99=%.1f lag_ms_max=%.1f\n",
	    s->requests, s->duplicates, sink_percentile(s, 0.50), sink_percentile(s, 0.99),
	    sink_percentile(s, 1.0));
	fflush(stdout);
	if (s->no_timestamp > 0)
		fprintf(stderr, "hooksink: %" PRIu64 " requests without a top-level"
		    " RFC 3339 \"timestamp\": not in the lag\n", s->no_timestamp);
	if (s->oom > 0)
		fprintf(stderr, "hooksink: out of memory: %" PRIu64 " samples or ids not"
		    " counted\n", s->oom);

	MHD_destroy_response(sink_ok);
	MHD_destroy_response(sink_not_allowed);
	sink_table_free(&s->paths);
	sink_table_free(&s->ids);
	free(s->lag);
	return rc;
}
