/*
 * leadbench.c — load generator for POST /v1/leads, or a source endpoint with
 * Standard Webhooks signatures (-S): closed or open loop, exact percentiles.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define BENCH_NELEM(a)		(sizeof(a) / sizeof((a)[0]))
#define BENCH_PICK(b, a)	(&(a)[bench_rng_below((b), BENCH_NELEM(a))])

#define BENCH_NSEC		1000000000ULL
#define BENCH_TICK_NS		1000000ULL	/* longest the scheduler sleeps */
#define BENCH_DRAIN_NS		(2 * BENCH_NSEC)
#define BENCH_CONNECT_TIMEOUT	5		/* seconds */
#define BENCH_LINE_MAX		8192		/* longest status or header line */
#define BENCH_BODY_MAX		1024
#define BENCH_REQUEST_MAX	2560
#define BENCH_KEY_MAX		64	/* a whsec_ secret, decoded */
#define BENCH_RETRY_MIN_MS	10
#define BENCH_RETRY_MAX_MS	500

enum bench_conn_state {
	BENCH_CONN_WAITING,	/* no socket: reconnect timer pending, or stopped */
	BENCH_CONN_CONNECTING,
	BENCH_CONN_IDLE,
	BENCH_CONN_BUSY,
};

enum bench_parse_state {
	BENCH_PARSE_STATUS,
	BENCH_PARSE_HEADERS,
	BENCH_PARSE_BODY,
};

enum bench_phase {
	BENCH_PHASE_RUN,	/* warm-up and measurement */
	BENCH_PHASE_DRAIN,	/* no new requests; waiting for answers */
	BENCH_PHASE_DONE,
};

struct bench;

/* One keep-alive connection with at most one request in flight. */
struct bench_conn {
	struct bench		*b;
	struct bufferevent	*bev;
	struct event		*retry;
	enum bench_conn_state	 state;
	int			 opened;	/* a first connect was tried */
	int			 failed_first;	/* failed before any connection worked */
	int			 retry_ms;
	int			 answered;	/* responses on this socket */
	int			 idle;		/* on b->idle */
	TAILQ_ENTRY(bench_conn)	 entry;

	uint64_t		 start;		/* ns: sent (closed) or scheduled (open) */
	int			 measured;

	enum bench_parse_state	 parse;
	int			 status;
	int			 http10;
	int			 have_length;
	int			 keep_alive;
	int			 close_after;
	uint64_t		 body_left;
};
TAILQ_HEAD(bench_conns, bench_conn);

/* What the report prints; only requests started in the measured window count. */
struct bench_stats {
	uint64_t	 requests;
	uint64_t	 ok;
	uint64_t	 status_2xx;
	uint64_t	 status_4xx;
	uint64_t	 status_5xx;
	uint64_t	 no_answer;
	uint64_t	 reconnects;
	size_t		 backlog_max;
	size_t		 backlog_unsent;
	uint32_t	*lat;		/* microseconds */
	size_t		 nlat;
	size_t		 latcap;
};

struct bench {
	const char		*target;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 nconns;
	double			 duration;
	double			 warmup;
	double			 rate;
	const char		*path;
	int			 idempotency;
	uint64_t		 people;	/* leads come from this many people (0: each its own) */
	uint64_t		 seed;
	unsigned char		 sign_key[BENCH_KEY_MAX];	/* -S: sign as Standard Webhooks */
	int			 sign_keylen;			/* 0: do not sign */

	struct event_base	*base;
	struct event		*tick;
	struct event		*sigint;
	struct event		*sigterm;
	struct bench_conn	*conns;
	struct bench_conns	 idle;
	int			 inflight;
	int			 connected_any;
	int			 nfailed_first;
	int			 fatal;		/* errno of the failed first connects */
	int			 warned_local;
	int			 warned_proto;

	enum bench_phase	 phase;
	uint64_t		 t0;
	uint64_t		 t_measure;
	uint64_t		 t_end;
	uint64_t		 t_deadline;

	/* Open loop: the schedule and a FIFO ring of due but unsent requests. */
	uint64_t		 nscheduled;
	uint64_t		 next_due;
	uint64_t		*backlog;
	size_t			 bl_head;
	size_t			 bl_len;
	size_t			 bl_cap;

	uint64_t		 rng;
	uint64_t		 counter;
	uint32_t		 nonce;

	struct bench_stats	 st;
};

/* A body being built in a fixed buffer. */
struct bench_out {
	char	*buf;
	size_t	 size;
	size_t	 len;
};

struct bench_name {
	const char	*display;
	const char	*ascii;		/* for the email address */
};

struct bench_company {
	const char	*name;
	const char	*domain;
};

/* Patterns: # is a random digit, A a random capital letter. */
struct bench_country {
	const char	*code;
	int		 weight;
	const char	*phone;
	const char	*postal;
	int		 has_state;
};

struct bench_weighted {
	const char	*name;
	int		 weight;
};

static const struct bench_name bench_first_names[] = {
	{ "Anna", "anna" }, { "Lukas", "lukas" }, { "Sophie", "sophie" },
	{ "Jonas", "jonas" }, { "Emma", "emma" }, { "Liam", "liam" },
	{ "Olivia", "olivia" }, { "Noah", "noah" }, { "Mia", "mia" },
	{ "Elias", "elias" }, { "José", "jose" }, { "María", "maria" },
	{ "Chloé", "chloe" }, { "Léa", "lea" }, { "Hiroshi", "hiroshi" },
	{ "Yuki", "yuki" }, { "Priya", "priya" }, { "Arjun", "arjun" },
	{ "Lucas", "lucas" }, { "Gabriela", "gabriela" }, { "Oliver", "oliver" },
	{ "Charlotte", "charlotte" }, { "James", "james" }, { "Amelia", "amelia" },
	{ "Daan", "daan" }, { "Sanne", "sanne" }, { "Jack", "jack" },
	{ "Isla", "isla" }, { "Ethan", "ethan" }, { "Ava", "ava" },
	{ "Mateo", "mateo" }, { "Zoë", "zoe" }, { "Björn", "bjorn" },
	{ "Aisha", "aisha" }, { "Wei", "wei" }, { "Fatima", "fatima" },
};

static const struct bench_name bench_last_names[] = {
	{ "Müller", "mueller" }, { "Schmidt", "schmidt" }, { "Smith", "smith" },
	{ "Johnson", "johnson" }, { "Williams", "williams" }, { "Brown", "brown" },
	{ "García", "garcia" }, { "Martínez", "martinez" }, { "Dubois", "dubois" },
	{ "Lefèvre", "lefevre" }, { "Tanaka", "tanaka" }, { "Suzuki", "suzuki" },
	{ "Sharma", "sharma" }, { "Patel", "patel" }, { "Silva", "silva" },
	{ "Santos", "santos" }, { "de Vries", "devries" }, { "Jansen", "jansen" },
	{ "O'Brien", "obrien" }, { "Taylor", "taylor" }, { "Wilson", "wilson" },
	{ "Nguyen", "nguyen" }, { "Kowalski", "kowalski" }, { "Rossi", "rossi" },
	{ "Andersson", "andersson" }, { "Fischer", "fischer" }, { "Weber", "weber" },
	{ "Martin", "martin" }, { "Tremblay", "tremblay" }, { "Roy", "roy" },
	{ "Kim", "kim" }, { "Lee", "lee" },
};

static const struct bench_company bench_companies[] = {
	{ "Acme Robotics GmbH", "acme-robotics.de" },
	{ "Northwind Traders", "northwind.com" },
	{ "Globex Corporation", "globex.com" },
	{ "Initech", "initech.io" },
	{ "Umbrella Health", "umbrella-health.com" },
	{ "Stark Logistics", "starklogistics.com" },
	{ "Blue Harbor Analytics", "blueharbor.ai" },
	{ "Kranich Software AG", "kranich.de" },
	{ "Maison Lumière SAS", "maisonlumiere.fr" },
	{ "Tessera Payments Ltd", "tessera.co.uk" },
	{ "Maple Grove Foods", "maplegrove.ca" },
	{ "Sakura Devices K.K.", "sakura-devices.jp" },
	{ "Verde Energia S.A.", "verdeenergia.com.br" },
	{ "Lotus Infosystems Pvt Ltd", "lotusinfo.in" },
	{ "Soluciones Ibéricas S.L.", "solib.es" },
	{ "Dijkstra Data B.V.", "dijkstradata.nl" },
	{ "Southern Cross Mining", "southerncross.com.au" },
	{ "Brightpath Learning", "brightpath.edu" },
	{ "Pinecone Security", "pineconesec.com" },
	{ "Quantum Freight", "quantumfreight.com" },
	{ "Helix Biotech", "helixbio.com" },
	{ "Ironclad Manufacturing", "ironclad-mfg.com" },
	{ "Nimbus Cloud Services", "nimbuscloud.io" },
	{ "Redwood Retail Group", "redwoodretail.com" },
	{ "Atlas Insurance", "atlas-ins.com" },
	{ "Copperleaf Media", "copperleaf.tv" },
	{ "Evergreen Telecom", "evergreentel.net" },
	{ "Polaris Fintech", "polarisfin.com" },
	{ "Summit Hospitality", "summithotels.com" },
	{ "Cobalt Consulting", "cobaltconsult.com" },
};

static const struct bench_country bench_countries[] = {
	{ "US", 35, "+1 ### ### ####", "#####", 1 },
	{ "DE", 12, "+49 30 #######", "#####", 0 },
	{ "GB", 12, "+44 20 #### ####", "AA# #AA", 0 },
	{ "FR", 8, "+33 1 ## ## ## ##", "#####", 0 },
	{ "CA", 8, "+1 416 ### ####", "A#A #A#", 0 },
	{ "JP", 4, "+81 3 #### ####", "###-####", 0 },
	{ "BR", 4, "+55 11 ##### ####", "#####-###", 0 },
	{ "IN", 5, "+91 ##### #####", "######", 0 },
	{ "ES", 4, "+34 91 ### ## ##", "#####", 0 },
	{ "NL", 4, "+31 20 ### ####", "#### AA", 0 },
	{ "AU", 4, "+61 2 #### ####", "####", 0 },
};

static const char *bench_us_states[] = {
	"CA", "NY", "TX", "WA", "MA", "IL", "FL", "CO",
	"GA", "NC", "VA", "NJ", "OR", "AZ", "PA", "MN",
};

static const char *bench_titles[] = {
	"VP Sales", "SDR", "CTO", "Marketing Manager", "Head of Growth", "CEO",
	"Founder", "Account Executive", "Director of Marketing", "IT Manager",
	"Procurement Lead", "Software Engineer", "CFO", "Operations Manager",
	"Sales Operations Analyst", "Demand Generation Manager",
};

static const char *bench_industries[] = {
	"Software", "Manufacturing", "Financial Services", "Healthcare", "Retail",
	"Education", "Logistics", "Media", "Telecommunications", "Energy",
	"Government", "Non-profit",
};

static const struct bench_weighted bench_sources[] = {
	{ "hubspot", 35 }, { "marketo", 25 }, { "web_form", 30 }, { "product_signup", 10 },
};

static const struct bench_weighted bench_events[] = {
	{ "demo_request", 25 }, { "pricing_page", 15 }, { "content_download", 25 },
	{ "webinar", 15 }, { "free_trial", 20 },
};

static const char *bench_utm_campaigns[] = {
	"q3-emea-demo", "spring-launch-2024", "brand-search", "retargeting-pricing",
	"webinar-revops", "g2-comparison", "partner-referral",
};

static const char *bench_utm_sources[] = {
	"google", "linkedin", "newsletter", "g2", "capterra", "facebook", "partner",
};

static const char *bench_utm_media[] = {
	"cpc", "email", "social", "organic", "referral",
};

static const char *bench_landing_pages[] = {
	"pricing", "demo", "trial", "resources/whitepaper-2024",
	"webinars/revops-101", "customers/case-studies",
};

static void	bench_conn_next(struct bench_conn *, uint64_t);
static void	bench_conn_lost(struct bench_conn *);
static void	bench_conn_read_cb(struct bufferevent *, void *);
static void	bench_conn_event_cb(struct bufferevent *, short, void *);

/* Print the command line summary. */
static void
bench_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: leadbench [-hi] [-c connections] [-d seconds] [-P people] [-p path] [-r rate]\n"
	    "                 [-S whsec_secret] [-s seed] [-u host:port] [-w seconds]\n"
	    "  -u HOST:PORT  target (default 127.0.0.1:8080)\n"
	    "  -c N          connections (default 32)\n"
	    "  -d SECONDS    measured duration (default 10)\n"
	    "  -w SECONDS    warm-up before measuring, not recorded (default 2)\n"
	    "  -r RATE       open loop at RATE leads/s in total; 0 is closed loop (default 0)\n"
	    "  -p PATH       request path (default /v1/leads)\n"
	    "  -i            send a unique Idempotency-Key with every request\n"
	    "  -P N          leads from N people (their addresses repeat; default: each its own)\n"
	    "  -S SECRET     post each lead as a signed event (Standard Webhooks, the\n"
	    "                whsec_ secret; an event_id in the body), as to a source\n"
	    "  -s SEED       random seed for the generated leads (default 1)\n"
	    "  -h            this help\n"
	    "errors is requests minus ok (200/201); no_answer is requests that got no\n"
	    "HTTP answer; open-loop latency counts from the scheduled send time.\n");
}

/* Monotonic time in nanoseconds. */
static uint64_t
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * BENCH_NSEC + (uint64_t)ts.tv_nsec;
}

/* Seed the generator; splitmix64 spreads small seeds and avoids the zero state. */
static void
bench_rng_seed(struct bench *b, uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	b->rng = z != 0 ? z : 0x2545f4914f6cdd1dULL;
}

/* Next xorshift64* number. */
static uint64_t
bench_rng_next(struct bench *b)
{
	uint64_t x = b->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, n), by multiply and shift rather than a biased modulo. */
static uint32_t
bench_rng_below(struct bench *b, uint32_t n)
{
	return (uint32_t)(((bench_rng_next(b) >> 32) * n) >> 32);
}

/* A number in [0, 1). */
static double
bench_rng_unit(struct bench *b)
{
	return (double)(bench_rng_next(b) >> 11) / 9007199254740992.0;
}

/* Pick a name from a weighted list. */
static const char *
bench_pick_weighted(struct bench *b, const struct bench_weighted *w, size_t n)
{
	uint32_t total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += (uint32_t)w[i].weight;
	r = bench_rng_below(b, total);
	for (i = 0; i < n - 1; i++) {
		if (r < (uint32_t)w[i].weight)
			break;
		r -= (uint32_t)w[i].weight;
	}
	return w[i].name;
}

/* Pick a country, weighted toward the big markets. */
static const struct bench_country *
bench_pick_country(struct bench *b)
{
	uint32_t total = 0, r;
	size_t i;

	for (i = 0; i < BENCH_NELEM(bench_countries); i++)
		total += (uint32_t)bench_countries[i].weight;
	r = bench_rng_below(b, total);
	for (i = 0; i < BENCH_NELEM(bench_countries) - 1; i++) {
		if (r < (uint32_t)bench_countries[i].weight)
			break;
		r -= (uint32_t)bench_countries[i].weight;
	}
	return &bench_countries[i];
}

/* Append formatted text to a body; the buffer is sized so it never fills. */
static void __attribute__((format(printf, 2, 3)))
bench_out_printf(struct bench_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	o->len += (size_t)n;
	if (o->len >= o->size)
		o->len = o->size - 1;
}

/* Append a pattern with # and A replaced by random digits and letters. */
static void
bench_out_pattern(struct bench *b, struct bench_out *o, const char *pattern)
{
	const char *p;
	char c;

	for (p = pattern; *p != '\0' && o->len + 1 < o->size; p++) {
		c = *p;
		if (c == '#')
			c = (char)('0' + bench_rng_below(b, 10));
		else if (c == 'A')
			c = (char)('A' + bench_rng_below(b, 26));
		o->buf[o->len++] = c;
	}
	o->buf[o->len] = '\0';
}

/* Generate the next lead; the counter keeps every email address unique. */
static size_t
bench_body_build(struct bench *b, char *buf, size_t size)
{
	struct bench_out o = { buf, size, 0 };
	const struct bench_name *first, *last;
	const struct bench_company *co;
	const struct bench_country *cn;
	uint32_t style;
	int phone_only, with_phone;
	long employees;

	b->counter++;
	first = BENCH_PICK(b, bench_first_names);
	last = BENCH_PICK(b, bench_last_names);
	co = BENCH_PICK(b, bench_companies);
	cn = bench_pick_country(b);
	phone_only = bench_rng_below(b, 100) < 10;
	with_phone = phone_only || bench_rng_below(b, 100) < 30;

	bench_out_printf(&o, "{");
	if (!phone_only && b->people > 0) {
		/* With -P, leads repeat people: the same address comes back. */
		bench_out_printf(&o, "\"email\":\"person%" PRIu64 "@people.example\",",
		    b->counter % b->people);
	} else if (!phone_only) {
		style = bench_rng_below(b, 10);
		if (style < 7)
			bench_out_printf(&o, "\"email\":\"%s.%s", first->ascii, last->ascii);
		else if (style < 9)
			bench_out_printf(&o, "\"email\":\"%c.%s", first->ascii[0], last->ascii);
		else
			bench_out_printf(&o, "\"email\":\"%s%s", first->ascii, last->ascii);
		bench_out_printf(&o, "+%" PRIu64 "@%s\",", b->counter, co->domain);
	}
	if (with_phone) {
		bench_out_printf(&o, "\"phone\":\"");
		bench_out_pattern(b, &o, cn->phone);
		bench_out_printf(&o, "\",");
	}
	bench_out_printf(&o, "\"first_name\":\"%s\",\"last_name\":\"%s\",\"company\":\"%s\","
	    "\"title\":\"%s\",\"country\":\"%s\",", first->display, last->display, co->name,
	    *BENCH_PICK(b, bench_titles), cn->code);
	if (cn->has_state)
		bench_out_printf(&o, "\"state\":\"%s\",", *BENCH_PICK(b, bench_us_states));
	bench_out_printf(&o, "\"postal_code\":\"");
	bench_out_pattern(b, &o, cn->postal);

	/* Log-uniform: most companies are small, a few are huge. */
	employees = lround(exp(bench_rng_unit(b) * log(50000.0)));
	if (employees < 1)
		employees = 1;
	if (employees > 50000)
		employees = 50000;
	bench_out_printf(&o, "\",\"employees\":%ld,\"industry\":\"%s\",\"source\":\"%s\","
	    "\"event\":\"%s\"", employees, *BENCH_PICK(b, bench_industries),
	    bench_pick_weighted(b, bench_sources, BENCH_NELEM(bench_sources)),
	    bench_pick_weighted(b, bench_events, BENCH_NELEM(bench_events)));

	/* Fields the daemon does not know but must keep. */
	if (bench_rng_below(b, 100) < 40)
		bench_out_printf(&o, ",\"utm_campaign\":\"%s\",\"utm_source\":\"%s\","
		    "\"utm_medium\":\"%s\"", *BENCH_PICK(b, bench_utm_campaigns),
		    *BENCH_PICK(b, bench_utm_sources), *BENCH_PICK(b, bench_utm_media));
	else if (bench_rng_below(b, 100) < 60)
		bench_out_printf(&o, ",\"landing_page\":\"https://www.example.com/%s\"",
		    *BENCH_PICK(b, bench_landing_pages));
	if (bench_rng_below(b, 100) < 15)
		bench_out_printf(&o, ",\"lead_score\":%" PRIu32, bench_rng_below(b, 101));
	if (bench_rng_below(b, 100) < 10)
		bench_out_printf(&o, ",\"gdpr_consent\":true");
	bench_out_printf(&o, "}");
	return o.len;
}

/* Append a scheduled time to the backlog, growing the ring when full. */
static void
bench_backlog_push(struct bench *b, uint64_t due)
{
	uint64_t *n;
	size_t cap, i;

	if (b->bl_len == b->bl_cap) {
		cap = b->bl_cap == 0 ? 1024 : b->bl_cap * 2;
		if ((n = calloc(cap, sizeof(*n))) == NULL) {
			fprintf(stderr, "leadbench: out of memory\n");
			exit(1);
		}
		for (i = 0; i < b->bl_len; i++)
			n[i] = b->backlog[(b->bl_head + i) % b->bl_cap];
		free(b->backlog);
		b->backlog = n;
		b->bl_cap = cap;
		b->bl_head = 0;
	}
	b->backlog[(b->bl_head + b->bl_len) % b->bl_cap] = due;
	b->bl_len++;
}

/* Take the oldest scheduled time off the backlog. */
static uint64_t
bench_backlog_pop(struct bench *b)
{
	uint64_t due = b->backlog[b->bl_head];

	b->bl_head = (b->bl_head + 1) % b->bl_cap;
	b->bl_len--;
	return due;
}

/* Count one answered, measured request. */
static void
bench_record(struct bench *b, int status, uint64_t ns)
{
	struct bench_stats *st = &b->st;
	uint32_t *n;
	uint64_t us;

	if (status == 200 || status == 201)
		st->ok++;
	if (status >= 200 && status < 300)
		st->status_2xx++;
	else if (status >= 400 && status < 500)
		st->status_4xx++;
	else if (status >= 500 && status < 600)
		st->status_5xx++;

	if (st->nlat == st->latcap) {
		st->latcap = st->latcap == 0 ? 65536 : st->latcap * 2;
		if ((n = realloc(st->lat, st->latcap * sizeof(*n))) == NULL) {
			fprintf(stderr, "leadbench: out of memory\n");
			exit(1);
		}
		st->lat = n;
	}
	us = (ns + 500) / 1000;
	st->lat[st->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Leave the event loop: the run is over. */
static void
bench_done(struct bench *b)
{
	b->phase = BENCH_PHASE_DONE;
	event_base_loopbreak(b->base);
}

/* Finish once draining and the last answer is in. */
static void
bench_check_drained(struct bench *b)
{
	if (b->phase == BENCH_PHASE_DRAIN && b->inflight == 0)
		bench_done(b);
}

/* Stop issuing requests and start waiting for the ones in flight. */
static void
bench_stop(struct bench *b, uint64_t now)
{
	if (b->phase != BENCH_PHASE_RUN)
		return;
	b->phase = BENCH_PHASE_DRAIN;
	if (now < b->t_end)
		b->t_end = now;		/* interrupted */
	b->t_deadline = now + BENCH_DRAIN_NS;

	/* Due but never sent: the server could not keep up with the rate. */
	while (b->bl_len > 0) {
		if (bench_backlog_pop(b) >= b->t_measure)
			b->st.backlog_unsent++;
	}
	bench_check_drained(b);
}

/* Put a connection on the idle list, for the open-loop scheduler. */
static void
bench_idle_add(struct bench_conn *conn)
{
	conn->state = BENCH_CONN_IDLE;
	if (!conn->idle) {
		TAILQ_INSERT_TAIL(&conn->b->idle, conn, entry);
		conn->idle = 1;
	}
}

/* Take a connection off the idle list. */
static void
bench_idle_remove(struct bench_conn *conn)
{
	if (conn->idle) {
		TAILQ_REMOVE(&conn->b->idle, conn, entry);
		conn->idle = 0;
	}
}

/*
 * Make the lead in body (len bytes, a JSON object) an event as a sender of
 * Standard Webhooks posts it: an event_id in the body, and the webhook-id,
 * webhook-timestamp and webhook-signature headers in hdrs. Returns the
 * body's new length.
 */
static size_t
bench_sign(struct bench *b, char *body, size_t len, size_t size, char *hdrs, size_t hsize)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char id[48], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int maclen = 0;
	long ts = (long)time(NULL);
	char msg[96 + BENCH_BODY_MAX];
	int n;

	snprintf(id, sizeof(id), "lb-%08" PRIx32 "-%" PRIu64, b->nonce, b->counter);
	n = snprintf(body + len - 1, size - (len - 1), ",\"event_id\":\"%s\"}", id);
	if (n < 0 || (size_t)n >= size - (len - 1)) {
		fprintf(stderr, "leadbench: request too large\n");
		exit(1);
	}
	len += (size_t)n - 1;
	/* The signed content is "<id>.<timestamp>.<body>". */
	n = snprintf(msg, sizeof(msg), "%s.%ld.", id, ts);
	if (n < 0 || (size_t)n + len > sizeof(msg)) {
		fprintf(stderr, "leadbench: request too large\n");
		exit(1);
	}
	memcpy(msg + n, body, len);
	if (HMAC(EVP_sha256(), b->sign_key, b->sign_keylen, (const unsigned char *)msg,
	    (size_t)n + len, mac, &maclen) == NULL) {
		fprintf(stderr, "leadbench: HMAC failed\n");
		exit(1);
	}
	EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
	snprintf(hdrs, hsize, "webhook-id: %s\r\nwebhook-timestamp: %ld\r\n"
	    "webhook-signature: v1,%s\r\n", id, ts, b64);
	return len;
}

/* -S: the key of a whsec_ secret (its base64 after the prefix). */
static void
bench_parse_secret(struct bench *b, const char *secret)
{
	unsigned char tmp[3 * BENCH_KEY_MAX];
	size_t len, pad = 0;
	int n;

	if (strncmp(secret, "whsec_", 6) != 0)
		goto bad;
	secret += 6;
	len = strlen(secret);
	if (len == 0 || len % 4 != 0 || len > 4 * ((BENCH_KEY_MAX + 2) / 3))
		goto bad;
	while (pad < 2 && secret[len - 1 - pad] == '=')
		pad++;
	n = EVP_DecodeBlock(tmp, (const unsigned char *)secret, (int)len);
	if (n < 0 || (size_t)n - pad < 16 || (size_t)n - pad > BENCH_KEY_MAX)
		goto bad;
	memcpy(b->sign_key, tmp, (size_t)n - pad);
	b->sign_keylen = n - (int)pad;
	return;
bad:
	fprintf(stderr, "leadbench: -S must be whsec_ and base64 of 16 to %d bytes\n",
	    BENCH_KEY_MAX);
	exit(1);
}

/* Write one request; sched is the open-loop due time, or 0 for now. */
static void
bench_conn_send(struct bench_conn *conn, uint64_t sched)
{
	struct bench *b = conn->b;
	char req[BENCH_REQUEST_MAX], body[BENCH_BODY_MAX], key[64], sig[256];
	size_t blen;
	int n;

	blen = bench_body_build(b, body, sizeof(body));
	key[0] = '\0';
	if (b->idempotency)
		snprintf(key, sizeof(key), "Idempotency-Key: lb-%08" PRIx32 "-%" PRIu64 "\r\n",
		    b->nonce, b->counter);
	sig[0] = '\0';
	if (b->sign_keylen > 0)
		blen = bench_sign(b, body, blen, sizeof(body), sig, sizeof(sig));
	n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: leadbench\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n%s%s\r\n", b->path, b->target, blen, key, sig);
	if (n < 0 || (size_t)n + blen > sizeof(req)) {
		fprintf(stderr, "leadbench: request too large\n");
		exit(1);
	}
	memcpy(req + n, body, blen);

	bench_idle_remove(conn);
	conn->state = BENCH_CONN_BUSY;
	conn->parse = BENCH_PARSE_STATUS;
	conn->start = sched != 0 ? sched : bench_now();
	conn->measured = conn->start >= b->t_measure;
	if (conn->measured)
		b->st.requests++;
	b->inflight++;
	bufferevent_write(conn->bev, req, (size_t)n + blen);
}

/* Hand due requests to idle connections, oldest first. */
static void
bench_dispatch(struct bench *b)
{
	struct bench_conn *conn;

	while (b->bl_len > 0 && (conn = TAILQ_FIRST(&b->idle)) != NULL)
		bench_conn_send(conn, bench_backlog_pop(b));
}

/* Give a free connection its next request, or park it. */
static void
bench_conn_next(struct bench_conn *conn, uint64_t now)
{
	struct bench *b = conn->b;

	if (b->phase == BENCH_PHASE_RUN && now >= b->t_end)
		bench_stop(b, now);
	conn->state = BENCH_CONN_IDLE;
	if (b->phase != BENCH_PHASE_RUN)
		return;
	if (b->rate == 0)
		bench_conn_send(conn, 0);
	else if (b->bl_len > 0)
		bench_conn_send(conn, bench_backlog_pop(b));
	else
		bench_idle_add(conn);
}

/* Drop the socket, if any. */
static void
bench_conn_close(struct bench_conn *conn)
{
	bench_idle_remove(conn);
	if (conn->bev != NULL) {
		bufferevent_free(conn->bev);
		conn->bev = NULL;
	}
	conn->state = BENCH_CONN_WAITING;
}

/* Arm the reconnect timer. */
static void
bench_conn_retry_later(struct bench_conn *conn, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(conn->retry, &tv);
}

/* Reconnect later, twice as late each time, so a dead server is not hammered. */
static void
bench_conn_backoff(struct bench_conn *conn)
{
	if (conn->retry_ms == 0)
		conn->retry_ms = BENCH_RETRY_MIN_MS;
	else if ((conn->retry_ms *= 2) > BENCH_RETRY_MAX_MS)
		conn->retry_ms = BENCH_RETRY_MAX_MS;
	bench_conn_retry_later(conn, conn->retry_ms);
}

/* A connect failed; give up at once if nothing ever listened. */
static void
bench_conn_failed(struct bench_conn *conn, int err)
{
	struct bench *b = conn->b;

	if (!b->connected_any && !conn->failed_first) {
		conn->failed_first = 1;
		if (++b->nfailed_first == b->nconns) {
			b->fatal = err != 0 ? err : ECONNREFUSED;
			bench_done(b);
		}
	}
	bench_conn_close(conn);
	if (b->phase == BENCH_PHASE_RUN)
		bench_conn_backoff(conn);
}

/* Start connecting. */
static void
bench_conn_open(struct bench_conn *conn)
{
	struct bench *b = conn->b;
	struct timeval tv = { BENCH_CONNECT_TIMEOUT, 0 };
	evutil_socket_t fd;
	int one = 1, err;

	if (conn->opened && b->phase == BENCH_PHASE_RUN && bench_now() >= b->t_measure)
		b->st.reconnects++;
	conn->opened = 1;

	fd = socket(b->addr.ss_family, SOCK_STREAM, 0);
	if (fd == -1)
		goto local;
	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    evutil_make_socket_closeonexec(fd) == -1) {
		err = errno;
		evutil_closesocket(fd);
		errno = err;
		goto local;
	}
	/* Small requests must not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	conn->bev = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		evutil_closesocket(fd);
		errno = ENOMEM;
		goto local;
	}
	bufferevent_setcb(conn->bev, bench_conn_read_cb, NULL, bench_conn_event_cb, conn);
	bufferevent_set_timeouts(conn->bev, NULL, &tv);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	conn->state = BENCH_CONN_CONNECTING;
	if (bufferevent_socket_connect(conn->bev, (struct sockaddr *)&b->addr,
	    (int)b->addrlen) == -1)
		bench_conn_failed(conn, EVUTIL_SOCKET_ERROR());
	return;

local:
	err = errno;
	if (!b->warned_local) {
		fprintf(stderr, "leadbench: socket: %s\n", strerror(err));
		b->warned_local = 1;
	}
	bench_conn_failed(conn, err);
}

/* The reconnect timer fired. */
static void
bench_conn_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench_conn *conn = arg;

	if (conn->b->phase == BENCH_PHASE_RUN && conn->bev == NULL)
		bench_conn_open(conn);
}

/* A full response arrived: record it and move on. */
static void
bench_conn_finish(struct bench_conn *conn)
{
	struct bench *b = conn->b;
	uint64_t now = bench_now();

	conn->state = BENCH_CONN_IDLE;
	conn->answered++;
	conn->retry_ms = 0;
	b->inflight--;
	if (conn->measured)
		bench_record(b, conn->status, now - conn->start);
	if (conn->close_after) {
		bench_conn_close(conn);
		if (b->phase == BENCH_PHASE_RUN)
			bench_conn_retry_later(conn, 0);
	} else
		bench_conn_next(conn, now);
	bench_check_drained(b);
}

/* Parse "HTTP/1.x NNN reason". */
static int
bench_parse_status(struct bench_conn *conn, const char *line)
{
	const char *p = line + 9;

	if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') ||
	    line[8] != ' ')
		return -1;
	if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '\0'))
		return -1;
	conn->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	conn->http10 = line[7] == '0';
	conn->have_length = 0;
	conn->keep_alive = 0;
	conn->close_after = 0;
	conn->body_left = 0;
	conn->parse = BENCH_PARSE_HEADERS;
	return 0;
}

/* Parse one header line; only the framing headers matter. */
static int
bench_parse_header(struct bench_conn *conn, char *line, const char **why)
{
	char *colon, *value, *end, *tok, *save;
	unsigned long long n;

	if ((colon = strchr(line, ':')) == NULL) {
		*why = "header line without a colon";
		return -1;
	}
	*colon = '\0';
	value = colon + 1;
	value += strspn(value, " \t");
	end = value + strlen(value);
	while (end > value && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	if (strcasecmp(line, "Content-Length") == 0) {
		if (*value == '\0' || strspn(value, "0123456789") != strlen(value) ||
		    strlen(value) > 15) {
			*why = "bad Content-Length";
			return -1;
		}
		n = strtoull(value, NULL, 10);
		if (conn->have_length && conn->body_left != n) {
			*why = "conflicting Content-Length headers";
			return -1;
		}
		conn->have_length = 1;
		conn->body_left = n;
	} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
		*why = "Transfer-Encoding is not supported, Content-Length is required";
		return -1;
	} else if (strcasecmp(line, "Connection") == 0) {
		for (tok = strtok_r(value, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			if (strcasecmp(tok, "close") == 0)
				conn->close_after = 1;
			else if (strcasecmp(tok, "keep-alive") == 0)
				conn->keep_alive = 1;
		}
	}
	return 0;
}

/* The blank line after the headers: decide how much body follows. */
static int
bench_parse_headers_end(struct bench_conn *conn, const char **why)
{
	if (conn->status < 200) {
		conn->parse = BENCH_PARSE_STATUS;	/* interim; the real one follows */
		return 0;
	}
	if (conn->http10 && !conn->keep_alive)
		conn->close_after = 1;
	if (conn->status == 204 || conn->status == 304)
		conn->body_left = 0;
	else if (!conn->have_length) {
		*why = "response without Content-Length";
		return -1;
	}
	conn->parse = BENCH_PARSE_BODY;
	return 0;
}

/* Bytes arrived: parse the response, skipping its body. */
static void
bench_conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct bench_conn *conn = arg;
	struct bench *b = conn->b;
	struct evbuffer *in = bufferevent_get_input(bev);
	const char *why = "malformed status line";
	char *line;
	size_t n, len;
	int r;

	for (;;) {
		if (conn->state != BENCH_CONN_BUSY) {
			if (evbuffer_get_length(in) == 0)
				return;
			why = "data without a request";
			goto bad;
		}
		if (conn->parse == BENCH_PARSE_BODY) {
			len = evbuffer_get_length(in);
			n = len < conn->body_left ? len : (size_t)conn->body_left;
			evbuffer_drain(in, n);
			conn->body_left -= n;
			if (conn->body_left > 0)
				return;
			if (evbuffer_get_length(in) != 0) {
				/* Cannot tell where the next answer starts: start over. */
				why = "more data than Content-Length";
				goto bad;
			}
			bench_conn_finish(conn);
			return;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
		if (line == NULL) {
			if (evbuffer_get_length(in) > BENCH_LINE_MAX) {
				why = "header line too long";
				goto bad;
			}
			return;
		}
		if (conn->parse == BENCH_PARSE_STATUS) {
			why = "malformed status line";
			r = n == 0 ? 0 : bench_parse_status(conn, line);
		} else if (n == 0)
			r = bench_parse_headers_end(conn, &why);
		else
			r = bench_parse_header(conn, line, &why);
		free(line);
		if (r == -1)
			goto bad;
	}

bad:
	if (!b->warned_proto) {
		fprintf(stderr, "leadbench: bad response: %s\n", why);
		b->warned_proto = 1;
	}
	bench_conn_lost(conn);
}

/* The connection broke: count what was in flight and reconnect. */
static void
bench_conn_lost(struct bench_conn *conn)
{
	struct bench *b = conn->b;

	if (conn->state == BENCH_CONN_BUSY) {
		b->inflight--;
		if (conn->measured)
			b->st.no_answer++;
	}
	bench_conn_close(conn);
	if (b->phase == BENCH_PHASE_RUN) {
		/* A server that closes before answering anything gets a back-off. */
		if (conn->answered > 0)
			bench_conn_retry_later(conn, 0);
		else
			bench_conn_backoff(conn);
	}
	bench_check_drained(b);
}

/* Connected, or the connection failed, timed out or was closed. */
static void
bench_conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bench_conn *conn = arg;
	struct bench *b = conn->b;
	int err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		b->connected_any = 1;
		conn->answered = 0;
		bench_conn_next(conn, bench_now());
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		err = ETIMEDOUT;
	if (conn->state == BENCH_CONN_CONNECTING)
		bench_conn_failed(conn, err);
	else
		bench_conn_lost(conn);
}

/* Arm the scheduler for the next due request, the end, or one tick. */
static void
bench_tick_arm(struct bench *b, uint64_t now)
{
	struct timeval tv;
	uint64_t wait = BENCH_TICK_NS;

	if (b->phase == BENCH_PHASE_RUN) {
		if (b->t_end > now && b->t_end - now < wait)
			wait = b->t_end - now;
		if (b->rate > 0 && b->next_due > now && b->next_due - now < wait)
			wait = b->next_due - now;
	}
	wait = (wait + 999) / 1000;
	tv.tv_sec = (time_t)(wait / 1000000);
	tv.tv_usec = (suseconds_t)(wait % 1000000);
	evtimer_add(b->tick, &tv);
}

/* The scheduler: issue due open-loop requests, notice the end and the drain deadline. */
static void
bench_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	uint64_t now = bench_now();

	if (b->phase == BENCH_PHASE_RUN && now >= b->t_end)
		bench_stop(b, now);
	if (b->phase == BENCH_PHASE_DRAIN && now >= b->t_deadline)
		bench_done(b);
	if (b->phase == BENCH_PHASE_DONE)
		return;
	if (b->phase == BENCH_PHASE_RUN && b->rate > 0) {
		while (b->next_due <= now && b->next_due < b->t_end) {
			bench_backlog_push(b, b->next_due);
			b->nscheduled++;
			b->next_due = b->t0 +
			    (uint64_t)((double)b->nscheduled * 1e9 / b->rate);
		}
		bench_dispatch(b);
		if (now >= b->t_measure && b->bl_len > b->st.backlog_max)
			b->st.backlog_max = b->bl_len;
	}
	bench_tick_arm(b, now);
}

/* SIGINT or SIGTERM: end the measurement now; a second one ends at once. */
static void
bench_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct bench *b = arg;

	if (b->phase == BENCH_PHASE_RUN)
		bench_stop(b, bench_now());
	else
		bench_done(b);
}

/* Sort order for latencies. */
static int
bench_cmp_lat(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted latencies, in milliseconds. */
static double
bench_percentile(const struct bench_stats *st, double p)
{
	size_t rank;

	if (st->nlat == 0)
		return 0;
	rank = (size_t)ceil(p * (double)st->nlat);
	if (rank < 1)
		rank = 1;
	if (rank > st->nlat)
		rank = st->nlat;
	return st->lat[rank - 1] / 1000.0;
}

/* Print the results as key=value tokens. */
static void
bench_report(struct bench *b)
{
	struct bench_stats *st = &b->st;
	double secs;

	secs = b->t_end > b->t_measure ? (double)(b->t_end - b->t_measure) / 1e9 : 0;
	if (st->nlat > 0)
		qsort(st->lat, st->nlat, sizeof(*st->lat), bench_cmp_lat);

	printf("target=%s connections=%d duration_s=%.2f warmup_s=%.2f rate_target=%g\n",
	    b->target, b->nconns, secs, b->warmup, b->rate);
	printf("requests=%" PRIu64 " ok=%" PRIu64 " errors=%" PRIu64 " status_2xx=%" PRIu64
	    " status_4xx=%" PRIu64 " status_5xx=%" PRIu64 " no_answer=%" PRIu64
	    " reconnects=%" PRIu64 " backlog_max=%zu backlog_unsent=%zu\n",
	    st->requests, st->ok, st->requests - st->ok, st->status_2xx, st->status_4xx,
	    st->status_5xx, st->no_answer, st->reconnects, st->backlog_max,
	    st->backlog_unsent);
	printf("leads_per_s=%.1f\n", secs > 0 ? (double)st->ok / secs : 0.0);
	printf("latency_ms_p50=%.3f latency_ms_p90=%.3f latency_ms_p99=%.3f"
	    " latency_ms_p999=%.3f latency_ms_max=%.3f\n",
	    bench_percentile(st, 0.50), bench_percentile(st, 0.90),
	    bench_percentile(st, 0.99), bench_percentile(st, 0.999),
	    bench_percentile(st, 1.0));
}

/* Parse a number of seconds or a rate within [min, max]. */
static double
bench_parse_double(const char *s, double min, double max, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min || v > max) {
		fprintf(stderr, "leadbench: %s must be a number from %g to %g: %s\n",
		    what, min, max, s);
		exit(1);
	}
	return v;
}

/* Parse a whole number within [min, max]. */
static unsigned long long
bench_parse_count(const char *s, unsigned long long min, unsigned long long max,
    const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < min || v > max) {
		fprintf(stderr, "leadbench: %s must be a whole number from %llu to %llu: %s\n",
		    what, min, max, s);
		exit(1);
	}
	return v;
}

/* Resolve HOST:PORT (or [V6]:PORT) into b->addr. */
static void
bench_parse_target(struct bench *b, const char *target)
{
	struct addrinfo hints, *res;
	char host[256], *port;
	size_t hlen;
	int error;

	port = strrchr(target, ':');
	if (port == NULL || port == target || port[1] == '\0') {
		fprintf(stderr, "leadbench: target must be HOST:PORT: %s\n", target);
		exit(1);
	}
	hlen = (size_t)(port - target);
	if (target[0] == '[' && hlen >= 2 && target[hlen - 1] == ']') {
		target++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		fprintf(stderr, "leadbench: host name too long: %s\n", target);
		exit(1);
	}
	memcpy(host, target, hlen);
	host[hlen] = '\0';
	port++;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "leadbench: %s:%s: %s\n", host, port, gai_strerror(error));
		exit(1);
	}
	memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
	b->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

/* Free everything the run allocated. */
static void
bench_free(struct bench *b)
{
	int i;

	if (b->conns != NULL) {
		for (i = 0; i < b->nconns; i++) {
			bench_conn_close(&b->conns[i]);
			if (b->conns[i].retry != NULL)
				event_free(b->conns[i].retry);
		}
		free(b->conns);
	}
	if (b->tick != NULL)
		event_free(b->tick);
	if (b->sigint != NULL)
		event_free(b->sigint);
	if (b->sigterm != NULL)
		event_free(b->sigterm);
	if (b->base != NULL)
		event_base_free(b->base);
	free(b->backlog);
	free(b->st.lat);
	libevent_global_shutdown();
}

/* Parse the options, run warm-up, measurement and drain, and report. */
int
main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	struct event_config *cfg;
	struct bench_conn *conn;
	const char *target = "127.0.0.1:8080";
	uint64_t now;
	int ch, i, rc;

	b->nconns = 32;
	b->duration = 10;
	b->warmup = 2;
	b->rate = 0;
	b->path = "/v1/leads";
	b->seed = 1;
	while ((ch = getopt(argc, argv, "c:d:hiP:p:r:S:s:u:w:")) != -1) {
		switch (ch) {
		case 'c':
			b->nconns = (int)bench_parse_count(optarg, 1, 100000, "-c");
			break;
		case 'd':
			b->duration = bench_parse_double(optarg, 0.001, 1e6, "-d");
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		case 'i':
			b->idempotency = 1;
			break;
		case 'P':
			b->people = bench_parse_count(optarg, 1, UINT64_MAX, "-P");
			break;
		case 'p':
			if (optarg[0] != '/' || strpbrk(optarg, " \t\r\n") != NULL) {
				fprintf(stderr, "leadbench: -p must be a path starting with /\n");
				return 1;
			}
			b->path = optarg;
			break;
		case 'r':
			b->rate = bench_parse_double(optarg, 0, 1e7, "-r");
			break;
		case 'S':
			bench_parse_secret(b, optarg);
			break;
		case 's':
			b->seed = bench_parse_count(optarg, 0, UINT64_MAX, "-s");
			break;
		case 'u':
			target = optarg;
			break;
		case 'w':
			b->warmup = bench_parse_double(optarg, 0, 1e6, "-w");
			break;
		default:
			bench_usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		bench_usage(stderr);
		return 1;
	}
	b->target = target;
	bench_parse_target(b, target);
	bench_rng_seed(b, b->seed);
	/* Keys must not repeat across runs, or a rerun would only measure replays. */
	b->nonce = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ (uint32_t)bench_now();

	signal(SIGPIPE, SIG_IGN);
	/* Sub-millisecond timers, so open-loop sends leave close to their due time. */
	if ((cfg = event_config_new()) == NULL) {
		fprintf(stderr, "leadbench: event_config_new failed\n");
		return 1;
	}
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	b->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (b->base == NULL) {
		fprintf(stderr, "leadbench: event_base_new failed\n");
		return 1;
	}
	TAILQ_INIT(&b->idle);
	if ((b->conns = calloc((size_t)b->nconns, sizeof(*b->conns))) == NULL) {
		fprintf(stderr, "leadbench: out of memory\n");
		bench_free(b);
		return 1;
	}
	b->tick = evtimer_new(b->base, bench_tick_cb, b);
	b->sigint = evsignal_new(b->base, SIGINT, bench_signal_cb, b);
	b->sigterm = evsignal_new(b->base, SIGTERM, bench_signal_cb, b);
	if (b->tick == NULL || b->sigint == NULL || b->sigterm == NULL) {
		fprintf(stderr, "leadbench: cannot create events\n");
		bench_free(b);
		return 1;
	}
	evsignal_add(b->sigint, NULL);
	evsignal_add(b->sigterm, NULL);

	b->phase = BENCH_PHASE_RUN;
	b->t0 = bench_now();
	b->t_measure = b->t0 + (uint64_t)(b->warmup * 1e9);
	b->t_end = b->t_measure + (uint64_t)(b->duration * 1e9);
	b->next_due = b->t0;
	for (i = 0; i < b->nconns; i++) {
		conn = &b->conns[i];
		conn->b = b;
		if ((conn->retry = evtimer_new(b->base, bench_conn_retry_cb, conn)) == NULL) {
			fprintf(stderr, "leadbench: cannot create events\n");
			bench_free(b);
			return 1;
		}
	}
	for (i = 0; i < b->nconns && b->phase == BENCH_PHASE_RUN; i++)
		bench_conn_open(&b->conns[i]);
	bench_tick_arm(b, bench_now());
	if (b->phase != BENCH_PHASE_DONE)
		event_base_dispatch(b->base);

	/* Whatever is still in flight after the drain deadline never got an answer. */
	now = bench_now();
	if (b->phase == BENCH_PHASE_RUN)
		bench_stop(b, now);
	for (i = 0; i < b->nconns; i++) {
		if (b->conns[i].state == BENCH_CONN_BUSY && b->conns[i].measured)
			b->st.no_answer++;
	}

	if (b->fatal != 0 && !b->connected_any) {
		fprintf(stderr, "leadbench: cannot connect to %s: %s\n", b->target,
		    strerror(b->fatal));
		bench_free(b);
		return 1;
	}
	bench_report(b);
	rc = 0;
	if (b->st.ok == 0) {
		fprintf(stderr, "leadbench: no request succeeded (%" PRIu64 " requests, %"
		    PRIu64 " without an answer, %" PRIu64 " 4xx, %" PRIu64 " 5xx)\n",
		    b->st.requests, b->st.no_answer, b->st.status_4xx, b->st.status_5xx);
		rc = 1;
	}
	fflush(stdout);
	bench_free(b);
	return rc;
}
