/* auth.h — who may call what: bearer tokens, their roles, per-token rate limits. */
#ifndef LEADROUTED_AUTH_H
#define LEADROUTED_AUTH_H

#include "io/http.h"

/* Every API request passes here before its handler (see http_authorizer). */
int auth_authorize(struct http_request *req, const struct http_route *route);

/*
 * The rep a request acts for: with a token that has only the rep role, that
 * token's rep (asked must then be NULL or the same, else 403); otherwise
 * asked. NULL after answering 403.
 */
const char *auth_acting_rep(struct http_request *req, const char *asked, const char *field);

/* True when the request may see and work any lead (no rep-only token). */
int auth_sees_all_leads(const struct http_request *req);

/* Answer 429 with Retry-After for retry_ms; what names the limit. */
void auth_respond_rate_limited(struct http_request *req, int64_t retry_ms, const char *what);

/* Print the sha256: line for a token read from stdin (leadrouted -H). */
int auth_hash_token_main(void);

#endif
