/* cookie_auth.h — a console session's cookie standing for the token it was signed in with. */
#ifndef LEADROUTED_COOKIE_AUTH_H
#define LEADROUTED_COOKIE_AUTH_H

#include "leadroute/conf.h"
#include "leadroute/session.h"
#include "io/http.h"

/*
 * The session a request's cookie holds, with the key that signed it: 1 with
 * *s and *tok; 0 without a session cookie (or with the console off); -1
 * after answering (401 for a session forged, over, signed out or whose
 * token is gone; 503 while the key is not loaded).
 */
int cookie_session(struct http_request *req, struct session *s, const struct conf_token **tok,
    unsigned char key[32]);

/*
 * True when the request comes from the console's own origin: Sec-Fetch-Site
 * (when sent) is same-origin, and Origin (when sent) is this Host, port
 * included.
 */
int cookie_same_origin(struct http_request *req);

/*
 * For a request without an Authorization header: the token its session
 * cookie stands for. 1 with *tok; 0 without a session cookie (nothing
 * answered); -1 after answering, as cookie_session, or 403 csrf_failed for a
 * change without its CSRF token or from another origin.
 */
int cookie_authorize(struct http_request *req, const struct conf_token **tok);

#endif
