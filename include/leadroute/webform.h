/*
 * webform.h — what a browser's web form needs of a source: the origins it
 * may post from (CORS), the pages it may be sent to afterwards (redirects,
 * never an open one), and the address of the client behind it, for limits
 * per client address.
 */
#ifndef LEADROUTE_WEBFORM_H
#define LEADROUTE_WEBFORM_H

#include <stddef.h>

#define WEBFORM_URL_MAX		2048	/* longest redirect address */
#define WEBFORM_ADDR_MAX	64	/* room for an address or a client key as text */

/* The form field that asks for a page after a stored form (see webform_redirect_allowed). */
#define WEBFORM_REDIRECT_FIELD	"_redirect"

/*
 * A configured origin ("https://www.example.com", "http://localhost:3000")
 * as a browser sends it in Origin: scheme and host in lower case, no default
 * port. https:// for any host; http:// only for localhost, 127.0.0.1 and
 * [::1] (development). No path (not even "/"), query, fragment or user; not
 * "*" or "null". 0 with *out (malloc'd), or -1 with *why (static text).
 */
int webform_origin(const char *text, char **out, const char **why);

/*
 * A page a form's sender may be sent to (a redirect target or allowed
 * prefix): an https:// URL, or http:// on localhost, 127.0.0.1 or [::1];
 * with a host and no user; printable ASCII without spaces or backslashes; at
 * most WEBFORM_URL_MAX bytes. 0, or -1 with *why (static text).
 */
int webform_url_ok(const char *url, const char **why);

/*
 * True when url, as a form sent it, may be redirected to: it passes
 * webform_url_ok and begins with one of the n prefixes, where a prefix not
 * ending in '/' must be followed by the end, '/', '?' or '#' (so
 * "https://a.example" allows "https://a.example/x", never
 * "https://a.example.evil.com" or "https://a.example:8443").
 */
int webform_redirect_allowed(const char *url, char *const *prefixes, size_t n);

/*
 * Where to send the sender of a refused form: base with "error=<code>" added
 * to its query (before any fragment). code is one of our error codes
 * ([a-z_]), put in as it is. malloc'd.
 */
char *webform_error_location(const char *base, const char *code);

/* An address range of the config ("10.0.0.0/8", "::1"): a lone address is all its bits. */
struct webform_net {
	int		 family;	/* AF_INET or AF_INET6 */
	unsigned char	 addr[16];
	unsigned	 bits;
};

/* "ADDRESS" or "ADDRESS/BITS", IPv4 or IPv6: 0 with *out, or -1. */
int webform_net_parse(const char *text, struct webform_net *out);

/* True when addr (text; an IPv4-mapped IPv6 address counts as IPv4) is in net. */
int webform_in_net(const char *addr, const struct webform_net *net);

/*
 * The client a proxy names in X-Forwarded-For: the value's last entry (the
 * address the proxy itself saw), trimmed, when it is an IP address. 0 with
 * out (at least WEBFORM_ADDR_MAX bytes), or -1.
 */
int webform_forwarded_for(const char *value, char *out, size_t size);

/*
 * What a client address counts as for limits per address: an IPv4 address
 * itself (also when IPv4-mapped), an IPv6 address's /64 ("2001:db8:1:2::/64":
 * one subscriber's network, which holds countless addresses). 0 with out (at
 * least WEBFORM_ADDR_MAX bytes), or -1 when addr is no address.
 */
int webform_client_key(const char *addr, char *out, size_t size);

#endif
