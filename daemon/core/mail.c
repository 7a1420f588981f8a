/*
 * mail.c — the header lines of an email as the wire wants them. Pure: the
 * daemon's io/outbound.c hands the lines to libcurl; writing them here keeps
 * RFC 2047 and RFC 5322's rules unit-tested without a mail server.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "leadroute/mail.h"
#include "leadroute/util.h"

/* Text bytes per encoded word: 52 base64 characters, so a word is 64 long. */
#define MAIL_EW_BYTES	39
/* Lines are kept near this many characters when there is a space to fold at. */
#define MAIL_LINE	78
/* Printable ASCII with a longer word goes encoded (lines must stay under 998). */
#define MAIL_WORD_MAX	900
/* An ASCII display name longer than this goes encoded, so it can be folded. */
#define MAIL_NAME_MAX	200

void
mail_date(int64_t t, char out[MAIL_DATE_LEN])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	/* Not strftime: %a and %b follow the locale, and the header's names must not. */
	gmtime_r(&tt, &tm);
	snprintf(out, MAIL_DATE_LEN, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
	    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

/* A character that may stand in an address or a Message-ID as we send them. */
static int
mail_plain_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("<>()[],;:\\\"", c) == NULL;
}

/* One @ between non-empty halves, the rest plain characters; up to max long. */
static int
mail_at_form(const char *s, size_t max)
{
	size_t len = strlen(s);
	const char *at = strchr(s, '@');
	size_t i;

	if (len == 0 || len > max || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] != '@' && !mail_plain_char((unsigned char)s[i]))
			return 0;
	return 1;
}

int
mail_addr_ok(const char *addr)
{
	return addr != NULL && mail_at_form(addr, 254) && strchr(addr, '@') - addr <= 64;
}

int
mail_msg_id_ok(const char *id)
{
	return id != NULL && mail_at_form(id, 250);
}

/* A copy of value that is valid UTF-8 without controls: one line of text. */
static char *
mail_clean(const char *value)
{
	char *s = xstrdup(value != NULL ? value : ""), *p;

	util_utf8_scrub(s);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/* True when s may go as it is: printable ASCII, nothing a reader would decode, no endless word. */
static int
mail_plain(const char *s)
{
	size_t word = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s > 0x7e || (s[0] == '=' && s[1] == '?'))
			return 0;
		word = *s == ' ' ? 0 : word + 1;
		if (word > MAIL_WORD_MAX)
			return 0;
	}
	return 1;
}

/* The length of the UTF-8 character that starts with c (s is well formed). */
static size_t
mail_char_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	return 4;
}

/* s as encoded words of whole characters, each after the first on a folded line. */
static void
mail_encode_words(struct buf *b, const char *s)
{
	unsigned char word[4 * ((MAIL_EW_BYTES + 2) / 3) + 1];
	size_t len = strlen(s), i = 0, n, c;

	do {
		for (n = 0; i + n < len; n += c) {
			c = mail_char_len((unsigned char)s[i + n]);
			if (n + c > MAIL_EW_BYTES)
				break;
		}
		EVP_EncodeBlock(word, (const unsigned char *)s + i, (int)n);
		buf_appendf(b, "%s=?UTF-8?B?%s?=", i > 0 ? "\r\n " : "", (const char *)word);
		i += n;
	} while (i < len);
}

/* Printable ASCII folded before spaces, where a line would grow past MAIL_LINE. */
static void
mail_fold(struct buf *b, const char *s, size_t col)
{
	const char *p = s, *q;

	while (*p != '\0') {
		/* A run: the spaces before a word, then the word. */
		for (q = p; *q == ' '; q++)
			;
		for (; *q != '\0' && *q != ' '; q++)
			;
		/* A folded line must hold more than spaces. */
		if (p != s && *p == ' ' && q[-1] != ' ' && col + (size_t)(q - p) > MAIL_LINE) {
			buf_append(b, "\r\n", 2);
			col = 0;
		}
		buf_append(b, p, (size_t)(q - p));
		col += (size_t)(q - p);
		p = q;
	}
}

char *
mail_header_text(const char *name, const char *value)
{
	char *s = mail_clean(value);
	struct buf b = { 0 };

	buf_appendf(&b, "%s: ", name);
	if (mail_plain(s))
		mail_fold(&b, s, b.len);
	else
		mail_encode_words(&b, s);
	free(s);
	return b.data;
}

char *
mail_header_addr(const char *name, const char *display, const char *addr)
{
	char *s = mail_clean(display);
	struct buf b = { 0 };
	const char *p;

	buf_appendf(&b, "%s: ", name);
	if (s[0] != '\0' && mail_plain(s) && strlen(s) <= MAIL_NAME_MAX) {
		buf_append(&b, "\"", 1);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_append(&b, "\\", 1);
			buf_append(&b, p, 1);
		}
		buf_append(&b, "\" ", 2);
	} else if (s[0] != '\0') {
		mail_encode_words(&b, s);
		buf_append(&b, " ", 1);
	}
	buf_appendf(&b, "<%s>", addr);
	free(s);
	return b.data;
}

char *
mail_crlf(const char *text)
{
	struct buf b = { 0 };
	const char *p;

	buf_append(&b, "", 0);
	for (p = text; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n') {
			buf_append(&b, "\r\n", 2);
			if (p[0] == '\r' && p[1] == '\n')
				p++;
		} else {
			buf_append(&b, p, 1);
		}
	}
	return b.data;
}
