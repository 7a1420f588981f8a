/* idem.c — fingerprints of requests, kept with their idempotency keys. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/idem.h"
#include "leadroute/util.h"

/* A member of an object, for sorting by name. */
struct idem_member {
	const char	*name;
	const json_t	*value;
};

/* The first IDEM_FP_LEN hex digits of SHA-256(data) into out; "" if OpenSSL fails. */
static void
idem_digest(const void *data, size_t len, char out[IDEM_FP_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen >= IDEM_FP_LEN / 2)
		util_hex_encode(md, IDEM_FP_LEN / 2, out);
}

/* A tag byte, then n in LEB128: seven bits a byte, least significant first. */
static void
idem_put_uint(struct buf *b, char tag, uint64_t n)
{
	unsigned char v[11];
	size_t len = 1;

	v[0] = (unsigned char)tag;
	do {
		v[len] = (unsigned char)(n & 0x7f);
		n >>= 7;
		v[len++] |= n != 0 ? 0x80 : 0;
	} while (n != 0);
	buf_append(b, v, len);
}

/* A tag byte, then n as 8 bytes, most significant first. */
static void
idem_put_u64(struct buf *b, char tag, uint64_t n)
{
	unsigned char v[9];
	int i;

	v[0] = (unsigned char)tag;
	for (i = 8; i >= 1; i--, n >>= 8)
		v[i] = (unsigned char)(n & 0xff);
	buf_append(b, v, sizeof(v));
}

static int
idem_member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idem_member *)a)->name,
	    ((const struct idem_member *)b)->name);
}

/*
 * The canonical form of v: a type's tag, then a count or a length where it
 * has one (LEB128), then its contents — objects with their members sorted by
 * name, integers in LEB128, reals as their 8 bytes. Nothing is ambiguous
 * (lengths say where every string ends), so two values have the same form
 * only when they are equal. 0, or -1 for what JSON cannot hold.
 */
static int
idem_encode(struct buf *b, const json_t *v)
{
	struct idem_member *m;
	const char *name;
	const json_t *e;
	double d;
	uint64_t bits;
	size_t i, n = 0, len;
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		m = xcalloc(json_object_size(v) + 1, sizeof(*m));
		json_object_foreach((json_t *)v, name, e) {
			m[n].name = name;
			m[n++].value = e;
		}
		qsort(m, n, sizeof(*m), idem_member_cmp);
		idem_put_uint(b, 'o', n);
		for (i = 0; rc == 0 && i < n; i++) {
			len = strlen(m[i].name);
			idem_put_uint(b, 'k', len);
			buf_append(b, m[i].name, len);
			rc = idem_encode(b, m[i].value);
		}
		free(m);
		return rc;
	case JSON_ARRAY:
		idem_put_uint(b, 'a', json_array_size(v));
		json_array_foreach(v, i, e)
			if (idem_encode(b, e) == -1)
				return -1;
		return 0;
	case JSON_STRING:
		idem_put_uint(b, 's', json_string_length(v));
		buf_append(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		idem_put_uint(b, 'i', (uint64_t)json_integer_value(v));
		return 0;
	case JSON_REAL:
		d = json_real_value(v);
		memcpy(&bits, &d, sizeof(bits));
		idem_put_u64(b, 'r', bits);
		return 0;
	case JSON_TRUE:
		buf_append(b, "t", 1);
		return 0;
	case JSON_FALSE:
		buf_append(b, "f", 1);
		return 0;
	case JSON_NULL:
		buf_append(b, "n", 1);
		return 0;
	}
	return -1;
}

int
idem_fp_json(const json_t *v, char out[IDEM_FP_LEN + 1])
{
	struct buf b = { NULL, 0, 0 };

	out[0] = '\0';
	if (v != NULL && idem_encode(&b, v) == 0)
		idem_digest(b.data, b.len, out);
	buf_free(&b);
	return out[0] != '\0' ? 0 : -1;
}

void
idem_fp_strings(const char *const *parts, size_t n, char out[IDEM_FP_LEN + 1])
{
	struct buf b = { NULL, 0, 0 };
	size_t i;

	buf_append(&b, "", 0);
	for (i = 0; i < n; i++) {
		const char *s = parts[i] != NULL ? parts[i] : "";

		buf_append(&b, s, strlen(s) + 1);
	}
	idem_digest(b.data, b.len, out);
	buf_free(&b);
}
