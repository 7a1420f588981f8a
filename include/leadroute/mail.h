/* mail.h — an email's header lines on the wire: encoded words (RFC 2047), dates, addresses. */
#ifndef LEADROUTE_MAIL_H
#define LEADROUTE_MAIL_H

#include <stdint.h>

/* "Tue, 22 Aug 2017 14:08:43 +0000" plus NUL, with room for any year. */
#define MAIL_DATE_LEN 64

/* The RFC 5322 date of t (unix seconds), in UTC: a Date header's value. */
void mail_date(int64_t t, char out[MAIL_DATE_LEN]);

/*
 * True when addr is an address the mail transport sends from or to: ASCII
 * local@domain, at most 254 characters, nothing that would end or bend the
 * envelope or a header (spaces, controls, <>()[],;:\" and a second @).
 */
int mail_addr_ok(const char *addr);

/*
 * True when id is the inside of a Message-ID (what goes between < and >):
 * printable ASCII without spaces, <, > or a second @, with one @ between two
 * non-empty halves, at most 250 characters.
 */
int mail_msg_id_ok(const char *id);

/*
 * The header line "Name: value" (no CRLF at its end) for an unstructured
 * value such as a Subject, given as UTF-8 (a malformed byte becomes '?',
 * controls and line breaks spaces). Printable ASCII goes as it is, folded
 * at spaces to keep lines near 78 characters; anything else as RFC 2047
 * encoded words (=?UTF-8?B?...?=) of whole characters, one per folded line
 * of at most 76. malloc'd.
 */
char *mail_header_text(const char *name, const char *value);

/*
 * The header line "Name: "Display" <addr>" (display NULL or "": "Name:
 * <addr>"), the display name a quoted string when it is printable ASCII,
 * encoded words otherwise. addr is not checked here (mail_addr_ok). malloc'd.
 */
char *mail_header_addr(const char *name, const char *display, const char *addr);

/* text with every line break (LF, CR or CRLF) made CRLF, as a message body wants; malloc'd. */
char *mail_crlf(const char *text);

#endif
