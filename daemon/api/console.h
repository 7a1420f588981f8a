/* console.h — the web console: its pages and sign-in, and how its sessions authorise API calls. */
#ifndef LEADROUTED_CONSOLE_H
#define LEADROUTED_CONSOLE_H

#include <stddef.h>

#include "leadroute/conf.h"
#include "leadroute/session.h"
#include "io/http.h"

/* One file of daemon/console/, built into the binary (build-aux/embed-assets). */
struct console_asset {
	const char		*name;
	const char		*type;		/* its Content-Type */
	const unsigned char	*data;
	size_t			 len;
};
extern const struct console_asset console_assets[];
extern const size_t console_nassets;

/*
 * For a request without an Authorization header: the token its console
 * session cookie stands for. 1 with *tok set; 0 when it carries no session
 * cookie (nothing answered); -1 after answering (401 for a session that is
 * forged, expired, signed out or whose token is gone; 403 for a state change
 * without its CSRF token or from another origin; 503 while the key is not
 * loaded).
 */
int console_session_token(struct http_request *req, const struct conf_token **tok);

#endif
