/*
 * review.c — the weekly review (config review:): at each due time, the
 * digest of the contract and the scorecard (core/review.c) for the period
 * just ended against the one before, queued to the review's Slack channels
 * and email addresses as notification jobs, so notify.c delivers them with
 * its retries and dead letters.
 *
 * Every daemon keeps the schedule; the review_send script claims the due
 * time (SET NX on a key naming it) and queues the jobs in the same step, so
 * of daemons sharing Redis exactly one sends each review. A daemon that
 * starts shortly after a due time no daemon claimed sends it late (within
 * REVIEW_CATCH_UP_MS, at most half the interval); a review missed for
 * longer is skipped. A review whose digest could not be read (Redis away)
 * is tried again every REVIEW_RETRY_MS within the same window.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "leadroute/review.h"
#include "leadroute/util.h"

#include "engine/notify.h"
#include "engine/report.h"
#include "engine/review.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define REVIEW_MAX_SLEEP_MS	60000	/* a wall clock that jumps is noticed within a minute */
#define REVIEW_CATCH_UP_MS	3600000LL
#define REVIEW_RETRY_MS		5000
#define REVIEW_MIN_CLAIM_MS	3600000LL

struct review {
	struct server	*srv;
	struct event	*timer;
	int		 running;
	int		 busy;		/* a review on its way out */
	int		 retry;		/* the last one could not go out: try again soon */
	int64_t		 sending;	/* the due time of the review on its way out */
	int64_t		 done;		/* the last due time sent (here or elsewhere) */
};

/* A build or a send under way. */
struct review_job {
	struct server	*srv;
	struct conf	*conf;
	int64_t		 due;
	struct report_period p[2];	/* the period and the one before */
	char		*claim;		/* sending: the claim's name, NULL for none */
	review_cb	*built;		/* the next step once the digest is built */
	review_cb	*reply;		/* review_build's caller, or ... */
	review_sent_cb	*sent;		/* ... review_send's */
	void		*arg;		/* the caller's */
	char		*digest;
	size_t		 len;
};

static void review_arm(struct review *rv);

int64_t
review_due_at(const struct conf *conf, enum review_which which, int64_t now_ms)
{
	int64_t last, next;

	review_due(&conf->review, now_ms, &last, &next);
	return which == REVIEW_CURRENT ? next : last;
}

static void
review_job_free(struct review_job *job)
{
	conf_unref(job->conf);
	free(job->claim);
	free(job->digest);
	free(job);
}

/* The digest's JSON text from the two periods' scorecards. */
static void
review_on_report(struct scorecard *const *sc, int up_to_date, const char *err, void *arg)
{
	struct review_job *job = arg;
	int64_t from[2] = { job->p[0].from, job->p[1].from };
	int64_t to[2] = { job->p[0].to, job->p[1].to };
	struct jsonw w = { 0 };

	if (err != NULL) {
		job->built(NULL, 0, err, job);
		return;
	}
	jsonw_begin_object(&w, NULL);
	review_write_json(job->conf, sc[0], sc[1], job->due, from, to, &w);
	jsonw_time(&w, "generated_at", sys_now_ms());
	jsonw_bool(&w, "up_to_date", up_to_date);
	jsonw_end_object(&w);
	job->digest = jsonw_finish(&w, &job->len);
	job->built(job->digest, job->len, NULL, job);
}

/* Read the scorecards of the review's period and the one before; job->built follows. */
static void
review_job_run(struct review_job *job)
{
	review_period(&job->conf->review, job->due, &job->p[0].from, &job->p[0].to);
	job->p[1] = report_previous(job->p[0]);
	report_read(job->srv, job->conf, job->p, 2, NULL, sys_now_ms(), review_on_report, job);
}

static struct review_job *
review_job_new(struct server *srv, struct conf *conf, int64_t due_ms)
{
	struct review_job *job = xcalloc(1, sizeof(*job));

	job->srv = srv;
	job->conf = conf_ref(conf);
	job->due = due_ms;
	return job;
}

/* review_build's last step: the digest to its caller. */
static void
review_on_built(const char *digest, size_t len, const char *err, void *arg)
{
	struct review_job *job = arg;

	job->reply(digest, len, err, job->arg);
	review_job_free(job);
}

void
review_build(struct server *srv, struct conf *conf, int64_t due_ms, review_cb *cb, void *arg)
{
	struct review_job *job = review_job_new(srv, conf, due_ms);

	job->built = review_on_built;
	job->reply = cb;
	job->arg = arg;
	review_job_run(job);
}

/* The script's answer: queued (or claimed by another daemon first). */
static void
review_on_queued(const struct store_reply *reply, void *arg)
{
	struct review_job *job = arg;
	const redisReply *r = reply->raw;
	int jobs = 0;

	if (reply->err != NULL) {
		job->sent(job->digest, job->len, 0, reply->err, job->arg);
	} else if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_INTEGER) {
		job->sent(job->digest, job->len, 0, "unexpected reply", job->arg);
	} else {
		jobs = (int)r->element[1]->integer;
		if (jobs > 0)
			notify_kick(job->srv->notify);
		job->sent(job->digest, job->len, jobs, NULL, job->arg);
	}
	review_job_free(job);
}

/* The digest is built: claim the review (if asked) and queue a job per recipient. */
static void
review_on_built_to_send(const char *digest, size_t len, const char *err, void *arg)
{
	struct review_job *job = arg;
	const struct conf_review *r = &job->conf->review;
	struct store_args a = { 0 };
	int64_t keep = 2 * r->interval_ms;
	size_t i;

	if (err != NULL) {
		job->sent(NULL, 0, 0, err, job->arg);
		review_job_free(job);
		return;
	}
	store_args_add(&a, job->claim != NULL ? job->claim : "");
	store_args_add_int(&a, keep > REVIEW_MIN_CLAIM_MS ? keep : REVIEW_MIN_CLAIM_MS);
	store_args_addn(&a, digest, len);
	for (i = 0; i < r->ntargets; i++)
		store_args_add(&a, r->targets[i].id);
	if (store_eval(job->srv->store, SCRIPT_REVIEW_SEND, sys_now_ms(), &a, review_on_queued,
	    job) == -1) {
		job->sent(job->digest, job->len, 0, "not connected or too busy", job->arg);
		review_job_free(job);
	}
}

void
review_send(struct server *srv, struct conf *conf, int64_t due_ms, const char *claim,
    review_sent_cb *cb, void *arg)
{
	struct review_job *job = review_job_new(srv, conf, due_ms);

	job->claim = claim != NULL ? xstrdup(claim) : NULL;
	job->built = review_on_built_to_send;
	job->sent = cb;
	job->arg = arg;
	review_job_run(job);
}

/* A scheduled review's outcome: sent here, sent by another daemon, or to try again. */
static void
review_on_sent(const char *digest, size_t len, int jobs, const char *err, void *arg)
{
	struct review *rv = arg;
	char q[256];

	(void)digest;
	(void)len;
	rv->busy = 0;
	rv->retry = err != NULL;
	if (err != NULL) {
		log_warn("review_not_sent", "due=%" PRId64 " error=%s retry_in_ms=%d", rv->sending,
		    log_quote(err, q, sizeof(q)), REVIEW_RETRY_MS);
	} else {
		if (jobs > 0)
			log_info("review_sent", "due=%" PRId64 " recipients=%d", rv->sending, jobs);
		else
			log_debug("review_claimed_elsewhere", "due=%" PRId64, rv->sending);
		rv->done = rv->sending;
	}
	review_arm(rv);
}

/*
 * The alarm: the latest review due, unless it was done or is older than the
 * catch-up window, goes out; then the next is planned.
 */
static void
review_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct review *rv = arg;
	struct conf *conf = rv->srv->conf;
	int64_t now = sys_now_ms(), last, next, window;
	char claim[48];

	(void)fd;
	(void)what;
	if (!rv->running || rv->busy || !conf->review.set)
		return;
	review_due(&conf->review, now, &last, &next);
	window = conf->review.interval_ms / 2 < REVIEW_CATCH_UP_MS ?
	    conf->review.interval_ms / 2 : REVIEW_CATCH_UP_MS;
	if (last == rv->done || now - last > window) {
		rv->retry = 0;
		review_arm(rv);
		return;
	}
	rv->busy = 1;
	rv->sending = last;
	snprintf(claim, sizeof(claim), "sent:%" PRId64, last);
	review_send(rv->srv, conf, last, claim, review_on_sent, rv);
}

/*
 * Wake at the next due time (at most a minute away), or in a few seconds
 * to retry a review that could not go out.
 */
static void
review_arm(struct review *rv)
{
	const struct conf *conf = rv->srv->conf;
	int64_t now = sys_now_ms(), last, next, delay;
	struct timeval tv;

	if (!rv->running || !conf->review.set)
		return;
	review_due(&conf->review, now, &last, &next);
	delay = rv->retry ? REVIEW_RETRY_MS : next - now;
	if (delay > REVIEW_MAX_SLEEP_MS)
		delay = REVIEW_MAX_SLEEP_MS;
	if (delay < 0)
		delay = 0;
	tv = sys_timeval_ms(delay);
	evtimer_add(rv->timer, &tv);
}

struct review *
review_new(struct server *srv)
{
	struct review *rv = xcalloc(1, sizeof(*rv));

	rv->srv = srv;
	rv->timer = evtimer_new(srv->base, review_on_timer, rv);
	return rv;
}

void
review_start(struct review *rv)
{
	struct timeval now = { 0, 0 };

	rv->running = 1;
	if (!rv->busy && rv->srv->conf->review.set)
		evtimer_add(rv->timer, &now);	/* a review due just before we started */
}

void
review_stop(struct review *rv)
{
	rv->running = 0;
	evtimer_del(rv->timer);
}

void
review_free(struct review *rv)
{
	if (rv == NULL)
		return;
	event_free(rv->timer);
	free(rv);
}
