/*
 * lead_search.c — GET /v1/leads: the leads of a rep, or of companies whose
 * name begins with some text, newest first, a page at a time, each as a
 * summary (no contact details). The indexes are lua/lib/index.lua's; the
 * reading, lead_search.lua's.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "leadroute/jsonw.h"
#include "leadroute/normalise.h"
#include "leadroute/util.h"

#include "api/api.h"
#include "api/auth.h"
#include "io/store.h"
#include "server.h"

#define SEARCH_DEFAULT_LIMIT	25
#define SEARCH_MAX_LIMIT	100
/*
 * Index entries one page may read, stale ones and those filtered out
 * included: a few microseconds of Redis's time each (an HMGET of a lead
 * not in its cache), so a page holds Redis a millisecond or two at most.
 */
#define SEARCH_MAX_READ		200
#define SEARCH_COMPANY_MAX	200
/* An answer's values per lead (see lead_search.lua). */
#define SEARCH_LEAD_VALUES	9

static const char *const search_statuses[] = {
	"queued", "assigned", "touched", "nurture", "closed"
};

/* 1 when status (len bytes) is a lead status. */
static int
search_status_known(const char *status, size_t len)
{
	size_t i;

	for (i = 0; i < LR_NELEM(search_statuses); i++)
		if (strlen(search_statuses[i]) == len &&
		    strncmp(search_statuses[i], status, len) == 0)
			return 1;
	return 0;
}

/* ?status=: lead statuses, comma-separated. 0, or -1 after answering 400. */
static int
search_check_statuses(struct http_request *req, const char *list)
{
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");

		if (!search_status_known(p, len)) {
			http_respond_error(req, 400, "invalid_parameter", "status",
			    "status must be one or more of queued, assigned, touched, nurture, "
			    "closed, comma-separated");
			return -1;
		}
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* A next_cursor: '<digits>:<a lead id>'. */
static int
search_cursor_valid(const char *c)
{
	size_t n = strspn(c, "0123456789");

	return n > 0 && n <= 15 && c[n] == ':' && strlen(c + n + 1) == 26 &&
	    strspn(c + n + 1, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") == 26;
}

/* A Redis string reply's text; NULL when empty or not a string. */
static const char *
search_text(const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING && r->len > 0 ? r->str : NULL;
}

/* A text member of the lead's fields, NULL when absent or blank. */
static const char *
search_field(const json_t *fields, const char *name)
{
	const char *v = json_string_value(json_object_get(fields, name));

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* One lead's summary from its values in the answer (element[i] on). */
static void
search_write_lead(struct jsonw *w, const redisReply *const *v)
{
	const char *fields_text = search_text(v[6]), *first, *last, *score = search_text(v[7]);
	json_t *fields = fields_text != NULL ? json_loads(fields_text, 0, NULL) : NULL;
	char *name = NULL;

	first = search_field(fields, "first_name");
	last = search_field(fields, "last_name");
	if (first != NULL && last != NULL)
		name = xasprintf("%s %s", first, last);
	else if (first != NULL || last != NULL)
		name = xstrdup(first != NULL ? first : last);
	jsonw_begin_object(w, NULL);
	jsonw_string(w, "id", search_text(v[0]));
	jsonw_time(w, "received_at", store_reply_ms(v[1]));
	jsonw_string(w, "status", search_text(v[2]));
	jsonw_string(w, "stage", search_text(v[3]));
	jsonw_string(w, "owner", search_text(v[4]));
	jsonw_string(w, "pool", search_text(v[5]));
	jsonw_string(w, "company", search_field(fields, "company"));
	jsonw_string(w, "name", name);
	if (score != NULL)
		jsonw_int(w, "score", strtoll(score, NULL, 10));
	else
		jsonw_null(w, "score");
	jsonw_string(w, "grade", search_text(v[8]));
	jsonw_end_object(w);
	free(name);
	json_decref(fields);
}

static void
api_on_leads_found(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const redisReply *r = reply->raw;
	struct jsonw w = { 0 };
	size_t i;

	if (api_check_answer(req, reply, r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements >= 2 && r->element[0]->type == REDIS_REPLY_STRING,
	    "the search script answered something else") == -1)
		return;
	if (strcmp(r->element[0]->str, "too_broad") == 0) {
		http_respond_error(req, 422, "company_too_broad", "company",
		    "more than %lld company names begin with \"%s\"; give more of the name",
		    r->element[1]->type == REDIS_REPLY_INTEGER ? r->element[1]->integer : 0,
		    http_request_query(req, "company"));
		return;
	}
	jsonw_begin_object(&w, NULL);
	jsonw_begin_array(&w, "leads");
	for (i = 2; i + SEARCH_LEAD_VALUES <= r->elements; i += SEARCH_LEAD_VALUES)
		search_write_lead(&w, (const redisReply *const *)r->element + i);
	jsonw_end_array(&w);
	jsonw_string(&w, "next_cursor", search_text(r->element[1]));
	jsonw_end_object(&w);
	api_respond_jsonw(req, 200, &w);
}

/*
 * GET /v1/leads?owner=&company=&status=&limit=&cursor=: owner, company or
 * both (a rep's token: its own leads, owner optional).
 */
void
api_get_leads(struct http_request *req)
{
	const struct conf *conf = http_request_conf(req);
	const char *owner = http_request_query(req, "owner");
	const char *company = http_request_query(req, "company");
	const char *status = http_request_query(req, "status");
	const char *cursor = http_request_query(req, "cursor");
	const char *l = http_request_query(req, "limit");
	char key[NORMALISE_COMPANY_KEY_MAX] = "";
	struct store_args a = { 0 };
	long limit = SEARCH_DEFAULT_LIMIT;

	if (!auth_sees_all_leads(req) && (owner = auth_acting_rep(req, owner, "owner")) == NULL)
		return;
	if (owner != NULL && conf_find_rep(conf, owner) == NULL) {
		http_respond_error(req, 400, "invalid_parameter", "owner", "no rep %s in the config",
		    owner);
		return;
	}
	if (company != NULL) {
		normalise_company_key(company, key);
		if (key[0] == '\0' || strlen(company) > SEARCH_COMPANY_MAX) {
			http_respond_error(req, 400, "invalid_parameter", "company",
			    "company must be 1-%d characters of a company's name, not blank",
			    SEARCH_COMPANY_MAX);
			return;
		}
	}
	if (owner == NULL && company == NULL) {
		http_respond_error(req, 400, "invalid_parameter", "owner",
		    "give owner (a rep), company (the start of a company's name) or both");
		return;
	}
	if (status != NULL && search_check_statuses(req, status) == -1)
		return;
	if (l != NULL && (strspn(l, "0123456789") != strlen(l) || strlen(l) > 3 ||
	    (limit = strtol(l, NULL, 10)) < 1 || limit > SEARCH_MAX_LIMIT)) {
		http_respond_error(req, 400, "invalid_parameter", "limit",
		    "limit must be a whole number from 1 to %d", SEARCH_MAX_LIMIT);
		return;
	}
	if (cursor != NULL && !search_cursor_valid(cursor)) {
		http_respond_error(req, 400, "invalid_parameter", "cursor",
		    "cursor must be a next_cursor value from an earlier page");
		return;
	}
	store_args_add(&a, owner != NULL ? owner : "");
	store_args_add(&a, key);
	store_args_add(&a, status != NULL ? status : "");
	store_args_add_int(&a, limit);
	store_args_add(&a, cursor != NULL ? cursor : "");
	store_args_add_int(&a, conf->leads.retention_ms);
	store_args_add_int(&a, SEARCH_MAX_READ);
	api_eval(req, SCRIPT_LEAD_SEARCH, &a, api_on_leads_found, req);
}
