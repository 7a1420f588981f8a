/*
 * api_accounts.c — accounts by email domain, for routing leads to their
 * account's owner: PUT/GET/DELETE /v1/accounts/{domain}, GET /v1/accounts,
 * POST /v1/accounts/import. Accounts from the config are written to Redis at
 * start-up, on every reconnection and on reload (engine/accounts.c).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "io/log.h"
#include "io/store.h"
#include "io/sysutil.h"
#include "server.h"

#define ACCOUNTS_IMPORT_MAX	10000
#define ACCOUNTS_PAGE_DEFAULT	100
#define ACCOUNTS_PAGE_MAX	1000

/* The domain from the path, lower-cased into out; 0, or -1 after a 404. */
static int
api_account_domain(struct http_request *req, char *out, size_t outlen)
{
	const char *d = http_request_param(req, 0);
	size_t i;

	for (i = 0; d[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)d[i]);
	out[i] = '\0';
	if (d[i] != '\0' || !conf_valid_domain(out)) {
		http_respond_error(req, 404, "not_found", NULL, "no account %s", d);
		return -1;
	}
	return 0;
}

/*
 * Check one account record (owner a configured rep, name a short string).
 * field names the JSON path for the message. 0, or -1 after answering 422.
 */
static int
api_account_check(struct http_request *req, const json_t *rec, const char *prefix,
    const char **owner, const char **name)
{
	const struct conf *conf = http_request_conf(req);
	const json_t *o = json_object_get(rec, "owner"), *n = json_object_get(rec, "name");
	char field[64];

	snprintf(field, sizeof(field), "%sowner", prefix);
	if (o == NULL) {
		http_respond_error(req, 422, "missing_field", field, "owner is required");
		return -1;
	}
	if (!json_is_string(o) || conf_find_rep(conf, json_string_value(o)) == NULL) {
		http_respond_error(req, 422, "invalid_field", field,
		    "owner must be a rep of the config");
		return -1;
	}
	snprintf(field, sizeof(field), "%sname", prefix);
	if (n != NULL && !json_is_null(n) &&
	    (!json_is_string(n) || json_string_length(n) == 0 || json_string_length(n) > 256)) {
		http_respond_error(req, 422, "invalid_field", field,
		    "name must be a string of 1-256 characters");
		return -1;
	}
	*owner = json_string_value(o);
	*name = json_is_string(n) ? json_string_value(n) : NULL;
	return 0;
}

static void
api_write_account(struct jsonw *w, const char *key, const json_t *acc)
{
	jsonw_begin_object(w, key);
	jsonw_string(w, "domain", json_string_value(json_object_get(acc, "domain")));
	jsonw_string(w, "owner", json_string_value(json_object_get(acc, "owner")));
	jsonw_string(w, "name", json_string_value(json_object_get(acc, "name")));
	jsonw_string(w, "source", json_string_value(json_object_get(acc, "source")));
	jsonw_time(w, "updated_at", api_ms(json_object_get(acc, "updated_at")));
	jsonw_end_object(w);
}

static void
api_on_account(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;
	const json_t *acc = json_object_get(reply->json, "account");
	struct jsonw w = { 0 };

	if (api_check_reply(req, reply) == -1)
		return;
	if (acc == NULL) {
		http_respond_error(req, 404, "not_found", NULL, "no account %s",
		    http_request_param(req, 0));
		return;
	}
	api_write_account(&w, NULL, acc);
	api_respond_jsonw(req, json_is_true(json_object_get(reply->json, "created")) ? 201 : 200, &w);
}

void
api_put_account(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *owner, *name;
	char domain[256];
	json_t *body;

	if (api_account_domain(req, domain, sizeof(domain)) == -1 ||
	    (body = api_body_object(req)) == NULL)
		return;
	if (api_account_check(req, body, "", &owner, &name) == 0) {
		store_args_add(&a, "put");
		store_args_add(&a, domain);
		store_args_add(&a, owner);
		store_args_add(&a, name != NULL ? name : domain);
		store_args_add(&a, "api");
		log_info("account_put", "domain=%s owner=%s", domain, owner);
		api_eval(req, SCRIPT_ACCOUNTS, &a, api_on_account, req);
	}
	json_decref(body);
}

void
api_get_account(struct http_request *req)
{
	struct store_args a = { 0 };
	char domain[256];

	if (api_account_domain(req, domain, sizeof(domain)) == -1)
		return;
	store_args_add(&a, "get");
	store_args_add(&a, domain);
	api_eval(req, SCRIPT_ACCOUNTS, &a, api_on_account, req);
}

static void
api_on_account_deleted(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;

	if (api_check_reply(req, reply) == -1)
		return;
	if (!json_is_true(json_object_get(reply->json, "deleted"))) {
		http_respond_error(req, 404, "not_found", NULL, "no account %s",
		    http_request_param(req, 0));
		return;
	}
	http_respond_json(req, 200, json_pack("{s:s, s:b}", "domain", http_request_param(req, 0),
	    "deleted", 1));
}

void
api_delete_account(struct http_request *req)
{
	struct store_args a = { 0 };
	char domain[256];

	if (api_account_domain(req, domain, sizeof(domain)) == -1)
		return;
	store_args_add(&a, "del");
	store_args_add(&a, domain);
	log_info("account_deleted", "domain=%s", domain);
	api_eval(req, SCRIPT_ACCOUNTS, &a, api_on_account_deleted, req);
}

static void
api_account_item(struct jsonw *w, struct http_request *req, const json_t *item)
{
	(void)req;
	api_write_account(w, NULL, item);
}

static void
api_on_accounts_page(const struct store_reply *reply, void *arg)
{
	const char *cursor = json_string_value(json_object_get(reply->json, "cursor"));

	/* HSCAN's cursor: "0" means done. */
	api_respond_page(arg, reply, "accounts", "accounts",
	    cursor != NULL && strcmp(cursor, "0") != 0 ? cursor : NULL, api_account_item);
}

void
api_list_accounts(struct http_request *req)
{
	struct store_args a = { 0 };
	const char *cursor;
	long n;

	if (api_page_params(req, ACCOUNTS_PAGE_DEFAULT, ACCOUNTS_PAGE_MAX, &n, &cursor) == -1)
		return;
	store_args_add(&a, "list");
	store_args_add(&a, cursor != NULL ? cursor : "0");
	store_args_add_int(&a, n);
	api_eval(req, SCRIPT_ACCOUNTS, &a, api_on_accounts_page, req);
}

static void
api_on_imported(const struct store_reply *reply, void *arg)
{
	struct http_request *req = arg;

	if (api_check_reply(req, reply) == -1)
		return;
	http_respond_json(req, 200, json_pack("{s:O}", "imported",
	    json_object_get(reply->json, "imported")));
}

/* All or nothing: every record is checked before any is written. */
void
api_import_accounts(struct http_request *req)
{
	struct store_args a = { 0 };
	const json_t *list, *rec;
	char prefix[48], domain[256];
	json_t *body;
	size_t i, j;

	if ((body = api_body_object(req)) == NULL)
		return;
	list = json_object_get(body, "accounts");
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > ACCOUNTS_IMPORT_MAX) {
		http_respond_error(req, 422, "invalid_field", "accounts",
		    "accounts must be a list of 1 to %d accounts", ACCOUNTS_IMPORT_MAX);
		goto out;
	}
	store_args_add(&a, "import");
	store_args_add(&a, "import");
	store_args_add_int(&a, (int64_t)json_array_size(list));
	json_array_foreach(list, i, rec) {
		const char *d = json_string_value(json_object_get(rec, "domain")), *owner, *name;

		snprintf(prefix, sizeof(prefix), "accounts[%zu].", i);
		for (j = 0; d != NULL && d[j] != '\0' && j + 1 < sizeof(domain); j++)
			domain[j] = (char)tolower((unsigned char)d[j]);
		domain[d != NULL ? j : 0] = '\0';
		if (!json_is_object(rec) || d == NULL || !conf_valid_domain(domain)) {
			snprintf(prefix, sizeof(prefix), "accounts[%zu].domain", i);
			http_respond_error(req, 422, "invalid_field", prefix,
			    "domain must be a name such as acme.com");
			goto fail;
		}
		if (api_account_check(req, rec, prefix, &owner, &name) == -1)
			goto fail;
		store_args_add(&a, domain);
		store_args_add(&a, owner);
		store_args_add(&a, name != NULL ? name : domain);
	}
	log_info("accounts_imported", "count=%zu", json_array_size(list));
	api_eval(req, SCRIPT_ACCOUNTS, &a, api_on_imported, req);
	goto out;
fail:
	store_args_free(&a);
out:
	json_decref(body);
}
