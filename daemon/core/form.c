/* form.c — application/x-www-form-urlencoded, as HTML forms and form handlers post it. */
#include "config.h"

#include <string.h>

#include "leadroute/form.h"
#include "leadroute/util.h"

/* The offset in the raw text [s, s + len) where decoded byte want begins. */
static size_t
form_raw_offset(const char *s, size_t len, size_t want)
{
	size_t i, out = 0;

	for (i = 0; i < len && out < want; i++, out++)
		if (s[i] == '%')
			i += 2;
	return i;
}

/*
 * Decode [s, s + len), found at byte base of the body, into out; -1 with
 * *cause on a bad escape, a NUL or invalid UTF-8.
 */
static int
form_decode(const char *s, size_t len, size_t base, struct buf *out, char **cause)
{
	size_t i, bad;

	buf_reset(out);
	buf_append(out, "", 0);
	for (i = 0; i < len; i++) {
		size_t at = i;
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < len ? util_hex_digit((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? util_hex_digit((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				*cause = xasprintf("bad escape at byte %zu: %% must be followed by two hex "
				    "digits", base + i);
				return -1;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0') {
			*cause = xasprintf("a NUL byte at byte %zu", base + at);
			return -1;
		}
		buf_append(out, &c, 1);
	}
	if ((bad = util_utf8_bad((const unsigned char *)out->data, out->len)) < out->len) {
		*cause = xasprintf("invalid UTF-8 at byte %zu", base + form_raw_offset(s, len, bad));
		return -1;
	}
	return 0;
}

/* Add value under name: a second value makes an array. */
static void
form_add(json_t *obj, const char *name, const char *value)
{
	json_t *cur = json_object_get(obj, name);

	if (cur == NULL) {
		json_object_set_new(obj, name, json_string(value));
	} else if (json_is_array(cur)) {
		json_array_append_new(cur, json_string(value));
	} else {
		json_t *list = json_array();

		json_array_append(list, cur);
		json_array_append_new(list, json_string(value));
		json_object_set_new(obj, name, list);
	}
}

json_t *
form_parse(const char *body, size_t len, size_t max_pairs, char **cause)
{
	struct buf name = { NULL, 0, 0 }, value = { NULL, 0, 0 };
	json_t *obj = json_object();
	size_t pos = 0, pairs = 0;

	while (pos < len) {
		const char *pair = body + pos, *amp, *eq;
		size_t plen, nlen;

		amp = memchr(pair, '&', len - pos);
		plen = amp != NULL ? (size_t)(amp - pair) : len - pos;
		if (plen > 0) {
			if (++pairs > max_pairs) {
				*cause = xasprintf("more than %zu fields", max_pairs);
				goto fail;
			}
			eq = memchr(pair, '=', plen);
			nlen = eq != NULL ? (size_t)(eq - pair) : plen;
			if (form_decode(pair, nlen, pos, &name, cause) == -1)
				goto fail;
			if (name.len > FORM_NAME_MAX) {
				*cause = xasprintf("a field name longer than %d bytes at byte %zu",
				    FORM_NAME_MAX, pos);
				goto fail;
			}
			buf_reset(&value);
			buf_append(&value, "", 0);
			if (eq != NULL && form_decode(eq + 1, plen - nlen - 1, pos + nlen + 1, &value,
			    cause) == -1)
				goto fail;
			if (name.len > 0)
				form_add(obj, name.data, value.data);
		}
		pos += plen + 1;
	}
	buf_free(&name);
	buf_free(&value);
	return obj;
fail:
	buf_free(&name);
	buf_free(&value);
	json_decref(obj);
	return NULL;
}
