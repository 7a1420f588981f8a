/* form.c — application/x-www-form-urlencoded, as HTML forms and form handlers post it. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "leadroute/form.h"
#include "leadroute/util.h"

static int
form_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode [s, s + len) into out (NUL-terminated); -1 with *cause on a bad escape or a NUL. */
static int
form_decode(const char *s, size_t len, size_t base, struct buf *out, char **cause)
{
	json_t *t;
	size_t i;

	buf_free(out);
	buf_append(out, "", 0);
	for (i = 0; i < len; i++) {
		size_t at = i;
		char c = s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < len ? form_hex((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? form_hex((unsigned char)s[i + 2]) : -1;

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
	/* jansson's check refuses overlong forms, surrogates and code points past U+10FFFF. */
	if ((t = json_stringn(out->data, out->len)) == NULL) {
		*cause = xasprintf("invalid UTF-8 in the field at byte %zu", base);
		return -1;
	}
	json_decref(t);
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
			if (eq != NULL) {
				if (form_decode(eq + 1, plen - nlen - 1, pos + nlen + 1, &value,
				    cause) == -1)
					goto fail;
			} else {
				buf_free(&value);
				buf_append(&value, "", 0);
			}
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
