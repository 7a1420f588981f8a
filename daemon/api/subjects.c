/*
 * api_subjects.c — DELETE /v1/subjects: erase everything about a person (an
 * email, a phone, or both). One script erases their leads and leaves
 * tombstones; then the event stream and the escalation feed are combed a
 * page at a time for those leads' entries, so Redis is never held for long.
 * The answer comes when all of it is done.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/lead.h"
#include "leadroute/pii.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "engine/pii_key.h"
#include "io/log.h"
#include "io/metrics.h"
#include "io/store.h"
#include "io/sysutil.h"

#define ERASE_PAGE	2000	/* stream entries a call reads */

struct erasure {
	struct http_request	*req;
	char			*ids;		/* erased leads, comma-separated */
	int64_t			 leads;
	int64_t			 entries;	/* stream entries deleted */
	int			 stream;	/* 0: events, 1: escalation_events */
	char			 cursor[48];
	char			 subject[PII_HASH_LEN + 3];	/* for the log */
	int64_t			 tomb_until;
};

static void erase_next_page(struct erasure *e);

static void
erasure_free(struct erasure *e)
{
	free(e->ids);
	free(e);
}

static void
erase_done(struct erasure *e)
{
	struct jsonw w = { 0 };

	metrics_inc(METRIC_SUBJECTS_ERASED, 1);
	log_info("subject_erased", "subject=%s leads=%lld stream_entries=%lld", e->subject,
	    (long long)e->leads, (long long)e->entries);
	jsonw_begin_object(&w, NULL);
	jsonw_int(&w, "leads_erased", e->leads);
	jsonw_int(&w, "stream_entries_erased", e->entries);
	jsonw_time(&w, "tombstone_until", e->tomb_until);
	jsonw_end_object(&w);
	api_respond_jsonw(e->req, 200, &w);
	erasure_free(e);
}

/*
 * The scripts' {count, text} answer; NULL after answering 503 (repeating the
 * request finishes what is left: erasure is idempotent).
 */
static const redisReply *
erase_reply(struct erasure *e, const struct store_reply *reply)
{
	const redisReply *r = reply->raw;

	if (api_check_answer(e->req, reply, r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 2 && r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[1]->type == REDIS_REPLY_STRING, "unexpected reply") == 0)
		return r;
	erasure_free(e);
	return NULL;
}

static void
erase_on_page(const struct store_reply *reply, void *arg)
{
	struct erasure *e = arg;
	const redisReply *r;

	if ((r = erase_reply(e, reply)) == NULL)
		return;
	e->entries += r->element[0]->integer;
	if (r->element[1]->len == 0) {
		e->stream++;
		snprintf(e->cursor, sizeof(e->cursor), "0-0");
	} else {
		snprintf(e->cursor, sizeof(e->cursor), "%s", r->element[1]->str);
	}
	if (e->stream == 2)
		erase_done(e);
	else
		erase_next_page(e);
}

static void
erase_next_page(struct erasure *e)
{
	struct store_args a = { 0 };

	store_args_add(&a, e->stream == 0 ? "events" : "escalation_events");
	store_args_add(&a, e->cursor);
	store_args_add_int(&a, ERASE_PAGE);
	store_args_add(&a, e->ids);
	if (api_eval(e->req, SCRIPT_ERASE_STREAM, &a, erase_on_page, e) == -1)
		erasure_free(e);
}

static void
erase_on_leads(const struct store_reply *reply, void *arg)
{
	struct erasure *e = arg;
	const redisReply *r;

	if ((r = erase_reply(e, reply)) == NULL)
		return;
	e->leads = r->element[0]->integer;
	e->ids = xstrndup(r->element[1]->str, r->element[1]->len);
	if (e->leads == 0) {
		erase_done(e);
		return;
	}
	snprintf(e->cursor, sizeof(e->cursor), "0-0");
	erase_next_page(e);
}

/*
 * One subject field of the body: NULL when absent; -1 after answering 422. A
 * CRM id may be a whole number (CRMs send theirs that way): num holds its text.
 */
static int
subject_field(struct http_request *req, const json_t *body, const char *name, const char **out,
    char num[24])
{
	const json_t *v = json_object_get(body, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (strcmp(name, "crm_id") == 0 && json_is_integer(v)) {
		snprintf(num, 24, "%lld", (long long)json_integer_value(v));
		*out = num;
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 254) {
		http_respond_error(req, 422, "invalid_field", name, "%s must be a non-empty string "
		    "of at most 254 characters%s", name,
		    strcmp(name, "crm_id") == 0 ? " or a whole number" : "");
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* A subscription wants lead.erased: the erasure leaves an entry with the lead's id for it. */
static int
api_erasure_told(const struct conf *conf)
{
	size_t i;

	for (i = 0; i < conf->nsubs; i++)
		if (conf->subs[i].events & (1u << SUB_LEAD_ERASED))
			return 1;
	return 0;
}

/*
 * DELETE /v1/subjects {"email": …, "phone": …, "crm_id": …}: erase a person,
 * named by any of their identities (the script finds the rest).
 */
void
api_delete_subject(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	struct store_args a = { 0 };
	struct buf subjects = { NULL, 0, 0 }, clocks = { NULL, 0, 0 };
	static const char *const kinds[] = { "email", "phone", "crm" };
	static const char *const names[] = { "email", "phone", "crm_id" };
	const char *given[3], *k;
	char num[24];
	const unsigned char *key;
	char h[PII_HASH_LEN + 1], contact[65] = "";
	struct erasure *e;
	json_t *body;
	size_t keylen, i;

	if ((body = api_body_object(req)) == NULL)
		return;
	for (i = 0; i < 3; i++)
		if (subject_field(req, body, names[i], &given[i], num) == -1)
			goto out;
	if (given[0] == NULL && given[1] == NULL && given[2] == NULL) {
		http_respond_error(req, 422, "missing_field", "email",
		    "name the person to erase: email, phone or crm_id (any one is enough)");
		goto out;
	}
	if (!pii_key_ready()) {
		api_respond_unavailable(req, "starting up");
		goto out;
	}
	key = pii_key(&keylen);
	e = xcalloc(1, sizeof(*e));
	e->req = req;
	for (i = 0; i < 3; i++) {
		const char *v = given[i];

		if (v == NULL)
			continue;
		if (pii_hash(kinds[i], v, key, keylen, h) == -1) {
			http_respond_error(req, 422, "invalid_field", names[i], "%s has nothing to "
			    "match (an email or a CRM id needs characters, a phone digits)",
			    names[i]);
			erasure_free(e);
			buf_free(&subjects);
			goto out;
		}
		buf_appendf(&subjects, "%s%s", subjects.len > 0 ? "," : "", h);
		if (e->subject[0] == '\0')
			snprintf(e->subject, sizeof(e->subject), "h:%s", h);
	}
	buf_append(&subjects, "", 1);
	/* The sticky-owner key of the email goes too (it is a plain hash of it). */
	if (given[0] != NULL && lead_contact_key(body, contact) == -1)
		contact[0] = '\0';
	for (i = 0; i < conf->sla.nclocks; i++)
		buf_appendf(&clocks, "%s%s", i > 0 ? "," : "", conf->sla.clocks[i].name);
	buf_append(&clocks, "", 1);
	e->tomb_until = sys_now_ms() + conf->pii.tombstone_ms;
	store_args_add(&a, subjects.data);
	store_args_add_int(&a, conf->pii.tombstone_ms);
	store_args_add(&a, clocks.data);
	k = contact;
	store_args_add(&a, k);
	store_args_add(&a, api_erasure_told(conf) ? "1" : "0");
	buf_free(&subjects);
	buf_free(&clocks);
	if (api_eval(req, SCRIPT_ERASE, &a, erase_on_leads, e) == -1)
		erasure_free(e);
out:
	json_decref(body);
}
