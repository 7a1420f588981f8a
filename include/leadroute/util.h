/* util.h — allocation that never returns NULL, small string helpers. */
#ifndef LEADROUTE_UTIL_H
#define LEADROUTE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define LR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LR_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* These abort on out-of-memory, so call sites never check. */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) LR_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) LR_PRINTF(1, 0);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void buf_append(struct buf *b, const void *data, size_t len);
void buf_appendf(struct buf *b, const char *fmt, ...) LR_PRINTF(2, 3);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Write v in decimal to out (at least 21 bytes), NUL-terminated; returns the length. */
size_t util_format_int(char *out, int64_t v);

/* True when s is 1..max characters of [A-Za-z0-9_.-] (ids in config and URLs). */
int util_valid_id(const char *s, size_t max);

/* 1 to max (at most 18) decimal digits and nothing else into *out; -1 otherwise. */
int util_parse_digits(const char *s, size_t max, int64_t *out);

/* Edits (insert, delete, replace, swap two neighbours) from a to b: Damerau-Levenshtein. */
size_t util_edit_distance(const char *a, const char *b);

/*
 * True when a JSON text nests arrays and objects at most max deep: a cheap
 * scan (skipping strings) to run before parsing, so a hostile body cannot
 * make the parser or anything after it recurse deeply.
 */
int util_json_depth_ok(const char *text, size_t len, size_t max);

/* 64-bit FNV-1a of len bytes: for in-memory hash tables. */
uint64_t util_hash(const char *s, size_t len);

/* A hex digit's value (either case), or -1. */
int util_hex_digit(unsigned char c);

/* n bytes as 2n lower-case hex digits and a NUL into out. */
void util_hex_encode(const unsigned char *in, size_t n, char *out);

/* Exactly 2n hex digits (either case), then the end of s, into n bytes; -1 otherwise. */
int util_hex_decode(const char *s, unsigned char *out, size_t n);

/*
 * The offset of the first byte of s that does not start a well-formed UTF-8
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing past
 * U+10FFFF, nothing truncated), or len when all of it is well formed.
 */
size_t util_utf8_bad(const unsigned char *s, size_t len);

/*
 * Make s (NUL-terminated) valid UTF-8 in place: each byte of a malformed,
 * overlong, surrogate or out-of-range sequence becomes '?'. For text that
 * echoes what a client sent (a path, a header) into a JSON answer.
 */
void util_utf8_scrub(char *s);

#endif
