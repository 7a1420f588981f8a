/*
 * feed.c — the escalation feed. The scripts append every escalation event to
 * the stream P:escalation_events (fields type, pool, data); subscribers get
 * the entries as Server-Sent Events, the entry id as the event id.
 *
 * One reader per daemon, however many subscribers: while anyone listens, it
 * reads the stream every FEED_POLL_MS (at once after feed_kick) with XREAD
 * from the newest id it has seen, formats each entry once, and copies the
 * text to every live subscriber whose filter it passes. An idle subscriber
 * costs a parked connection and nothing else. XREAD never BLOCKs: the Redis
 * connection is shared with every request.
 *
 * Resuming without gaps or repeats. The reader keeps the last FEED_RING_SIZE
 * entries it read, with this invariant: every stream entry with an id in
 * (floor, tail] is in the ring, tail being the newest entry read and floor
 * the last entry evicted (or, when the reader started, the end of the stream
 * then). It holds because XREAD returns every entry after an id, in order,
 * and new entries always get ids above all existing ones. Each subscriber has
 * a cursor: every entry up to it has been considered for it (sent, or
 * filtered out), and it is only ever offered entries after it. A subscriber
 * resuming after id L starts with cursor L. If L >= floor the ring holds
 * every entry after L: it gets the ring's entries after L and is live, fed
 * by the reader from then on. Otherwise it first reads its backlog itself,
 * one page at a time (XREAD after its cursor), and after each page checks
 * again: once its cursor reaches floor (floor only grows, so the check is
 * against the current one), or the stream has nothing more, it switches the
 * same way. A page may read past tail; the cursor then skips those entries
 * when the reader gets to them. Only entries trimmed from the stream (MAXLEN)
 * before a client came back are lost to it.
 *
 * Memory is bounded: live text that would leave more than FEED_MAX_BUFFER
 * unread closes the subscriber (its client resumes from its last id); a
 * backlog page is read only while less than FEED_LOW_WATER is unread.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <hiredis/hiredis.h>

#include "leadroute/util.h"

#include "engine/feed.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"

#define FEED_POLL_MS		250	/* how late an event written by anyone but us may be */
#define FEED_READ_COUNT		500	/* entries per read of the reader */
#define FEED_PAGE_COUNT		200	/* entries per backlog page of a resuming subscriber */
#define FEED_RING_SIZE		1024	/* recent entries kept for subscribers switching to live */
#define FEED_KEEPALIVE_MS	15000	/* a comment line on streams idle this long */
#define FEED_KEEPALIVE_TICK_MS	(FEED_KEEPALIVE_MS / 5)	/* ... checked this often */
#define FEED_RETRY_MS		2000	/* the reconnection delay clients are told to use */
#define FEED_MAX_BUFFER		(1024 * 1024)	/* unread live text that closes a subscriber */
#define FEED_LOW_WATER		(64 * 1024)	/* unread text under which a backlog page is read */
#define FEED_ID_LEN		42	/* two 20-digit numbers, a dash and a NUL */

enum feed_phase {
	FEED_STARTING,
	FEED_CATCHUP,		/* reading its backlog */
	FEED_LIVE,
	FEED_FAILED,
	FEED_CLOSED,
};

/* An entry the reader read, kept in the ring. */
struct feed_entry {
	struct feed_id	 id;
	char		*pool;
	char		*text;		/* the whole event, ready to send */
	size_t		 len;
};

/* The fields of a stream entry in a reply; strings borrowed from it. */
struct feed_raw {
	struct feed_id	 id;
	const char	*idstr;
	const char	*type;
	size_t		 typelen;
	const char	*pool;
	const char	*data;
	size_t		 datalen;
};

struct feed_sub {
	TAILQ_ENTRY(feed_sub)	 entry;
	TAILQ_ENTRY(feed_sub)	 wake_entry;
	struct feed		*feed;
	enum feed_phase		 phase;
	char			*pool;		/* the filter, or NULL */
	struct feed_id		 cursor;	/* every entry up to here has been considered */
	int			 resuming;	/* the cursor came from the client */
	struct buf		 out;		/* text for the client, of which off bytes are taken */
	size_t			 off;
	int64_t			 written_ms;	/* monotonic: when text was last queued */
	int			 fetching;	/* a backlog page is being read */
	int			 fetch_failed;	/* it could not be: try again on the next poll */
	int			 waking;	/* on the wake list */
	int			 gone;		/* unsubscribed while fetching: freed by the reply */
	feed_wake_cb		*wake;
	void			*arg;
};

struct feed {
	struct event_base	*base;
	struct store		*store;
	char			*key;
	TAILQ_HEAD(, feed_sub)	 subs;
	TAILQ_HEAD(, feed_sub)	 wakes;
	int			 nsubs;
	int			 nreading;	/* starting, catching up or live: what the reader runs for */
	int			 stalled;	/* a backlog page failed to go out */

	int			 positioned;	/* tail and floor are known */
	struct feed_id		 tail;
	struct feed_id		 floor;
	struct feed_entry	 ring[FEED_RING_SIZE];
	size_t			 ring_first;
	size_t			 ring_len;

	int			 busy;		/* a reader command is in flight */
	int			 again;		/* read as soon as it is not */
	int			 stopped;
	struct event		*poll;
	struct event		*keepalive;
	struct event		*notify;
};

static void feed_step(struct feed *);
static void feed_sub_fetch(struct feed_sub *);

static int
feed_id_cmp(const struct feed_id *a, const struct feed_id *b)
{
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

int
feed_id_parse(const char *s, struct feed_id *id)
{
	uint64_t part[2] = { 0, 0 };
	size_t i, n;

	for (i = 0; i < 2; i++) {
		for (n = 0; *s >= '0' && *s <= '9'; s++, n++) {
			if (part[i] > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
				return -1;
			part[i] = part[i] * 10 + (uint64_t)(*s - '0');
		}
		if (n == 0 || *s != (i == 0 ? '-' : '\0'))
			return -1;
		s++;
	}
	id->ms = part[0];
	id->seq = part[1];
	return 0;
}

static void
feed_id_format(const struct feed_id *id, char out[FEED_ID_LEN])
{
	snprintf(out, FEED_ID_LEN, "%" PRIu64 "-%" PRIu64, id->ms, id->seq);
}

/* One entry of an XREAD or XREVRANGE reply: [id, [field, value, ...]]. */
static int
feed_parse_entry(const redisReply *e, struct feed_raw *raw)
{
	const redisReply *f;
	size_t i;

	memset(raw, 0, sizeof(*raw));
	if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING ||
	    feed_id_parse(e->element[0]->str, &raw->id) == -1)
		return -1;
	raw->idstr = e->element[0]->str;
	raw->type = "";
	raw->pool = "";
	raw->data = "{}";
	raw->datalen = 2;
	f = e->element[1];
	for (i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2) {
		const redisReply *k = f->element[i], *v = f->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "type") == 0) {
			raw->type = v->str;
			raw->typelen = v->len;
		} else if (strcmp(k->str, "pool") == 0) {
			raw->pool = v->str;
		} else if (strcmp(k->str, "data") == 0) {
			raw->data = v->str;
			raw->datalen = v->len;
		}
	}
	return 0;
}

/* The entries of an XREAD reply for our one stream; NULL when there are none. */
static const redisReply *
feed_xread_entries(const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1)
		return NULL;
	r = r->element[0];
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_ARRAY)
		return NULL;
	return r->element[1];
}

/* An entry as Server-Sent Events: id, event, data lines, a blank line. */
static void
feed_format(struct buf *b, const struct feed_raw *raw)
{
	const char *data = raw->data, *end = raw->data + raw->datalen, *nl;

	buf_append(b, "id: ", 4);
	buf_append(b, raw->idstr, strlen(raw->idstr));
	buf_append(b, "\n", 1);
	if (raw->typelen > 0) {
		buf_append(b, "event: ", 7);
		buf_append(b, raw->type, strcspn(raw->type, "\r\n"));
		buf_append(b, "\n", 1);
	}
	/* A line break would end the field: each line of data is a data field of its own. */
	for (;;) {
		for (nl = data; nl < end && *nl != '\n' && *nl != '\r'; nl++)
			;
		buf_append(b, "data: ", 6);
		buf_append(b, data, (size_t)(nl - data));
		buf_append(b, "\n", 1);
		if (nl == end)
			break;
		data = nl + (nl[0] == '\r' && nl + 1 < end && nl[1] == '\n' ? 2 : 1);
	}
	buf_append(b, "\n", 1);
}

static void
feed_xread_args(struct store_args *a, const char *key, int64_t count, const struct feed_id *after)
{
	char id[FEED_ID_LEN];

	feed_id_format(after, id);
	store_args_add(a, "XREAD");
	store_args_add(a, "COUNT");
	store_args_add_int(a, count);
	store_args_add(a, "STREAMS");
	store_args_add(a, key);
	store_args_add(a, id);
}

static void
feed_entry_clear(struct feed_entry *e)
{
	free(e->pool);
	free(e->text);
	memset(e, 0, sizeof(*e));
}

static void
feed_ring_clear(struct feed *f)
{
	for (; f->ring_len > 0; f->ring_len--) {
		feed_entry_clear(&f->ring[f->ring_first]);
		f->ring_first = (f->ring_first + 1) % FEED_RING_SIZE;
	}
	f->ring_first = 0;
}

/* Append the entry after tail to the ring, evicting the oldest when full. */
static const struct feed_entry *
feed_ring_push(struct feed *f, const struct feed_raw *raw)
{
	struct buf text = { NULL, 0, 0 };
	struct feed_entry *e;

	if (f->ring_len == FEED_RING_SIZE) {
		e = &f->ring[f->ring_first];
		f->floor = e->id;	/* what follows it is all still here */
		feed_entry_clear(e);
		f->ring_first = (f->ring_first + 1) % FEED_RING_SIZE;
		f->ring_len--;
	}
	e = &f->ring[(f->ring_first + f->ring_len++) % FEED_RING_SIZE];
	feed_format(&text, raw);
	e->id = raw->id;
	e->pool = xstrdup(raw->pool);
	e->text = text.data;
	e->len = text.len;
	f->tail = raw->id;
	return e;
}

static int
feed_phase_reading(enum feed_phase phase)
{
	return phase == FEED_STARTING || phase == FEED_CATCHUP || phase == FEED_LIVE;
}

static void
feed_sub_set_phase(struct feed_sub *sub, enum feed_phase phase)
{
	sub->feed->nreading += feed_phase_reading(phase) - feed_phase_reading(sub->phase);
	sub->phase = phase;
}

static size_t
feed_sub_pending(const struct feed_sub *sub)
{
	return sub->out.len - sub->off;
}

/* Have sub's wake run from the loop (once, however often this is called before). */
static void
feed_sub_notify(struct feed_sub *sub)
{
	struct feed *f = sub->feed;

	if (sub->waking)
		return;
	sub->waking = 1;
	TAILQ_INSERT_TAIL(&f->wakes, sub, wake_entry);
	event_active(f->notify, EV_TIMEOUT, 0);
}

static void
feed_on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;
	struct feed_sub *sub;

	while ((sub = TAILQ_FIRST(&f->wakes)) != NULL) {
		TAILQ_REMOVE(&f->wakes, sub, wake_entry);
		sub->waking = 0;
		sub->wake(sub, sub->arg);	/* may unsubscribe sub, or others */
	}
}

/*
 * Queue text for sub. Paced text (the retry line, a backlog, the hand-over
 * from the ring) is read only when there is room; live text that would leave
 * more than FEED_MAX_BUFFER unread closes sub instead.
 */
static void
feed_sub_write(struct feed_sub *sub, const char *text, size_t len, int paced)
{
	if (!paced && feed_sub_pending(sub) + len > FEED_MAX_BUFFER) {
		log_warn("feed_subscriber_dropped", "reason=too_slow unread=%zu pool=%s",
		    feed_sub_pending(sub), sub->pool != NULL ? sub->pool : "-");
		feed_sub_set_phase(sub, FEED_CLOSED);
		buf_free(&sub->out);
		sub->off = 0;
		feed_sub_notify(sub);
		return;
	}
	buf_append(&sub->out, text, len);
	sub->written_ms = sys_monotonic_us() / 1000;
	feed_sub_notify(sub);
}

/* Whether sub has considered id already; if not, it now has. */
static int
feed_sub_seen(struct feed_sub *sub, const struct feed_id *id)
{
	if (feed_id_cmp(id, &sub->cursor) <= 0)
		return 1;
	sub->cursor = *id;
	return 0;
}

static int
feed_sub_wants(const struct feed_sub *sub, const char *pool)
{
	return sub->pool == NULL || strcmp(pool, sub->pool) == 0;
}

/* Offer sub an entry the reader read. */
static void
feed_sub_offer(struct feed_sub *sub, const struct feed_entry *e, int paced)
{
	if (!feed_sub_seen(sub, &e->id) && feed_sub_wants(sub, e->pool))
		feed_sub_write(sub, e->text, e->len, paced);
}

/* sub's cursor has reached the ring: hand over what follows it; the reader feeds it from now on. */
static void
feed_sub_go_live(struct feed_sub *sub)
{
	struct feed *f = sub->feed;
	char id[FEED_ID_LEN];
	size_t i;

	if (log_enabled(CONF_LOG_DEBUG)) {
		feed_id_format(&sub->cursor, id);
		log_debug("feed_subscriber_live", "after=%s from=%s", id,
		    sub->phase == FEED_CATCHUP ? "backlog" : "ring");
	}
	feed_sub_set_phase(sub, FEED_LIVE);
	for (i = 0; i < f->ring_len; i++)
		feed_sub_offer(sub, &f->ring[(f->ring_first + i) % FEED_RING_SIZE], 1);
}

/* The reader knows the end of the stream: start sub there, or from its own id. */
static void
feed_sub_open(struct feed_sub *sub)
{
	struct feed *f = sub->feed;
	char retry[32];
	int n;

	n = snprintf(retry, sizeof(retry), "retry: %d\n\n", FEED_RETRY_MS);
	feed_sub_write(sub, retry, (size_t)n, 1);
	if (!sub->resuming) {
		sub->cursor = f->tail;
		feed_sub_set_phase(sub, FEED_LIVE);
	} else if (feed_id_cmp(&sub->cursor, &f->floor) >= 0) {
		feed_sub_go_live(sub);
	} else {
		feed_sub_set_phase(sub, FEED_CATCHUP);
		feed_sub_fetch(sub);
	}
}

static void
feed_sub_free(struct feed_sub *sub)
{
	buf_free(&sub->out);
	free(sub->pool);
	free(sub);
}

static void
feed_on_page(const struct store_reply *reply, void *arg)
{
	struct feed_sub *sub = arg;
	struct buf text = { NULL, 0, 0 };
	const redisReply *entries;
	struct feed_raw raw;
	size_t i, n;

	sub->fetching = 0;
	if (sub->gone) {
		feed_sub_free(sub);
		return;
	}
	if (sub->phase != FEED_CATCHUP)
		return;
	if (reply->err != NULL) {
		sub->fetch_failed = 1;
		sub->feed->stalled = 1;
		return;
	}
	entries = feed_xread_entries(reply->raw);
	n = entries != NULL ? entries->elements : 0;
	for (i = 0; i < n; i++) {
		if (feed_parse_entry(entries->element[i], &raw) == -1 ||
		    feed_sub_seen(sub, &raw.id) || !feed_sub_wants(sub, raw.pool))
			continue;
		buf_reset(&text);
		feed_format(&text, &raw);
		feed_sub_write(sub, text.data, text.len, 1);
	}
	buf_free(&text);
	if (n < FEED_PAGE_COUNT || feed_id_cmp(&sub->cursor, &sub->feed->floor) >= 0)
		feed_sub_go_live(sub);
	else
		feed_sub_fetch(sub);
}

/* Read sub's next backlog page, if it has room for one. */
static void
feed_sub_fetch(struct feed_sub *sub)
{
	struct feed *f = sub->feed;
	struct store_args a = { 0 };

	if (sub->phase != FEED_CATCHUP || sub->fetching || f->stopped ||
	    feed_sub_pending(sub) >= FEED_LOW_WATER)
		return;
	feed_xread_args(&a, f->key, FEED_PAGE_COUNT, &sub->cursor);
	if (store_command(f->store, "XREAD", &a, feed_on_page, sub) == -1) {
		sub->fetch_failed = 1;
		f->stalled = 1;
		return;
	}
	sub->fetching = 1;
}

static void
feed_fail_starting(struct feed *f)
{
	struct feed_sub *sub;

	TAILQ_FOREACH(sub, &f->subs, entry) {
		if (sub->phase == FEED_STARTING) {
			feed_sub_set_phase(sub, FEED_FAILED);
			feed_sub_notify(sub);
		}
	}
}

static void
feed_on_position(const struct store_reply *reply, void *arg)
{
	struct feed *f = arg;
	const redisReply *r = reply->raw;
	struct feed_id last = { 0, 0 };	/* no stream yet: every entry is new */
	struct feed_sub *sub;
	struct feed_raw raw;

	f->busy = 0;
	if (reply->err != NULL || r == NULL || r->type != REDIS_REPLY_ARRAY ||
	    (r->elements > 0 && feed_parse_entry(r->element[0], &raw) == -1)) {
		feed_fail_starting(f);
		feed_step(f);
		return;
	}
	if (r->elements > 0)
		last = raw.id;
	f->tail = f->floor = last;
	f->positioned = 1;
	TAILQ_FOREACH(sub, &f->subs, entry)
		if (sub->phase == FEED_STARTING)
			feed_sub_open(sub);
	feed_step(f);
}

/* Find the end of the stream: the reader starts there. */
static void
feed_position(struct feed *f)
{
	struct store_args a = { 0 };

	store_args_add(&a, "XREVRANGE");
	store_args_add(&a, f->key);
	store_args_add(&a, "+");
	store_args_add(&a, "-");
	store_args_add(&a, "COUNT");
	store_args_add(&a, "1");
	if (store_command(f->store, "XREVRANGE", &a, feed_on_position, f) == -1) {
		feed_fail_starting(f);
		return;
	}
	f->busy = 1;
}

/* A live subscriber has much unread: give clients time to take it before reading on. */
static int
feed_lagging(const struct feed *f)
{
	const struct feed_sub *sub;

	TAILQ_FOREACH(sub, &f->subs, entry)
		if (sub->phase == FEED_LIVE && feed_sub_pending(sub) > FEED_LOW_WATER)
			return 1;
	return 0;
}

static void
feed_on_read(const struct store_reply *reply, void *arg)
{
	struct feed *f = arg;
	const struct feed_entry *e;
	const redisReply *entries;
	struct feed_sub *sub;
	struct feed_raw raw;
	size_t i;

	f->busy = 0;
	entries = reply->err == NULL ? feed_xread_entries(reply->raw) : NULL;
	for (i = 0; entries != NULL && i < entries->elements; i++) {
		if (feed_parse_entry(entries->element[i], &raw) == -1 ||
		    feed_id_cmp(&raw.id, &f->tail) <= 0)
			continue;
		e = feed_ring_push(f, &raw);
		TAILQ_FOREACH(sub, &f->subs, entry)
			if (sub->phase == FEED_LIVE)
				feed_sub_offer(sub, e, 0);
	}
	/* A full read means more is waiting; a burst still goes at least one read per poll. */
	if (entries != NULL && entries->elements == FEED_READ_COUNT && !feed_lagging(f))
		f->again = 1;
	feed_step(f);
}

static void
feed_read(struct feed *f)
{
	struct store_args a = { 0 };
	struct timeval tv = sys_timeval_ms(FEED_POLL_MS);

	f->again = 0;
	evtimer_del(f->poll);
	feed_xread_args(&a, f->key, FEED_READ_COUNT, &f->tail);
	if (store_command(f->store, "XREAD", &a, feed_on_read, f) == -1) {
		evtimer_add(f->poll, &tv);	/* Redis is down or saturated: try again later */
		return;
	}
	f->busy = 1;
}

/* What the reader does next; called after everything that may change it. */
static void
feed_step(struct feed *f)
{
	struct timeval tv = sys_timeval_ms(FEED_POLL_MS);

	if (f->busy || f->stopped)
		return;
	if (f->nreading == 0) {
		/* Nobody listens: stop, and find the end afresh for the next subscriber. */
		evtimer_del(f->poll);
		feed_ring_clear(f);
		f->positioned = 0;
		f->again = 0;
		return;
	}
	if (!f->positioned)
		feed_position(f);
	else if (f->again)
		feed_read(f);
	else if (!evtimer_pending(f->poll, NULL))
		evtimer_add(f->poll, &tv);
}

static void
feed_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct feed *f = arg;
	struct feed_sub *sub;

	if (f->stalled) {
		f->stalled = 0;
		TAILQ_FOREACH(sub, &f->subs, entry) {
			if (sub->fetch_failed) {
				sub->fetch_failed = 0;
				feed_sub_fetch(sub);
			}
		}
	}
	f->again = 1;
	feed_step(f);
}

/* A comment line on every stream idle for FEED_KEEPALIVE_MS, so proxies keep it open. */
static void
feed_on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	static const char line[] = ": keepalive\n\n";
	struct feed *f = arg;
	struct feed_sub *sub;
	int64_t now = sys_monotonic_us() / 1000;

	TAILQ_FOREACH(sub, &f->subs, entry)
		if ((sub->phase == FEED_LIVE || sub->phase == FEED_CATCHUP) &&
		    now - sub->written_ms >= FEED_KEEPALIVE_MS)
			feed_sub_write(sub, line, sizeof(line) - 1, 0);
}

struct feed *
feed_new(struct event_base *base, struct store *store, const char *prefix)
{
	struct feed *f = xcalloc(1, sizeof(*f));
	struct timeval tv = sys_timeval_ms(FEED_KEEPALIVE_TICK_MS);

	f->base = base;
	f->store = store;
	f->key = xasprintf("%s:escalation_events", prefix);
	TAILQ_INIT(&f->subs);
	TAILQ_INIT(&f->wakes);
	f->poll = evtimer_new(base, feed_on_poll, f);
	f->keepalive = event_new(base, -1, EV_PERSIST, feed_on_keepalive, f);
	f->notify = event_new(base, -1, 0, feed_on_notify, f);
	event_add(f->keepalive, &tv);
	return f;
}

void
feed_free(struct feed *f)
{
	struct feed_sub *sub;

	if (f == NULL)
		return;
	while ((sub = TAILQ_FIRST(&f->subs)) != NULL) {
		TAILQ_REMOVE(&f->subs, sub, entry);
		feed_sub_free(sub);
	}
	feed_ring_clear(f);
	event_free(f->poll);
	event_free(f->keepalive);
	event_free(f->notify);
	free(f->key);
	free(f);
}

void
feed_kick(struct feed *f)
{
	if (f == NULL || f->nreading == 0)
		return;
	f->again = 1;
	feed_step(f);
}

void
feed_stop(struct feed *f)
{
	f->stopped = 1;
	evtimer_del(f->poll);
	event_del(f->keepalive);
	feed_fail_starting(f);
}

int
feed_subscribers(const struct feed *f)
{
	return f->nsubs;
}

struct feed_sub *
feed_subscribe(struct feed *f, const char *pool, const struct feed_id *after,
    feed_wake_cb *wake, void *arg)
{
	struct feed_sub *sub;

	if (f->stopped)
		return NULL;
	sub = xcalloc(1, sizeof(*sub));
	sub->feed = f;
	sub->phase = FEED_STARTING;
	sub->pool = pool != NULL ? xstrdup(pool) : NULL;
	if (after != NULL) {
		sub->cursor = *after;
		sub->resuming = 1;
	}
	sub->wake = wake;
	sub->arg = arg;
	TAILQ_INSERT_TAIL(&f->subs, sub, entry);
	metrics_gauge_set(GAUGE_ESCALATION_STREAM_SUBSCRIBERS, ++f->nsubs);
	f->nreading++;
	if (f->positioned)
		feed_sub_open(sub);
	else
		feed_step(f);
	return sub;
}

void
feed_unsubscribe(struct feed_sub *sub)
{
	struct feed *f = sub->feed;

	if (sub->waking)
		TAILQ_REMOVE(&f->wakes, sub, wake_entry);
	sub->waking = 0;
	feed_sub_set_phase(sub, FEED_CLOSED);
	TAILQ_REMOVE(&f->subs, sub, entry);
	metrics_gauge_set(GAUGE_ESCALATION_STREAM_SUBSCRIBERS, --f->nsubs);
	if (sub->fetching)
		sub->gone = 1;
	else
		feed_sub_free(sub);
	feed_step(f);
}

enum feed_sub_state
feed_sub_state(const struct feed_sub *sub)
{
	switch (sub->phase) {
	case FEED_STARTING:
		return FEED_SUB_STARTING;
	case FEED_CATCHUP:
	case FEED_LIVE:
		return FEED_SUB_OPEN;
	case FEED_FAILED:
		return FEED_SUB_FAILED;
	case FEED_CLOSED:
		break;
	}
	return FEED_SUB_CLOSED;
}

ssize_t
feed_sub_read(struct feed_sub *sub, char *buf, size_t max)
{
	size_t n = feed_sub_pending(sub);

	if (sub->phase == FEED_CLOSED)
		return -1;
	if (n > max)
		n = max;
	if (n > 0) {
		memcpy(buf, sub->out.data + sub->off, n);
		sub->off += n;
	}
	if (sub->off == sub->out.len) {
		/* All taken: give back what a burst made the buffer grow to. */
		if (sub->out.cap > FEED_LOW_WATER)
			buf_free(&sub->out);
		else
			buf_reset(&sub->out);
		sub->off = 0;
	} else if (sub->off >= FEED_LOW_WATER) {
		memmove(sub->out.data, sub->out.data + sub->off, sub->out.len - sub->off);
		sub->out.len -= sub->off;
		sub->out.data[sub->out.len] = '\0';
		sub->off = 0;
	}
	feed_sub_fetch(sub);
	return (ssize_t)n;
}
