/*
 * idem.h — the fingerprint of a request that carries an idempotency key. It
 * is stored beside the key, so that the same request sent again (a replay)
 * can be told from the key's reuse for a different one.
 */
#ifndef LEADROUTE_IDEM_H
#define LEADROUTE_IDEM_H

#include <stddef.h>

#include <jansson.h>

#define IDEM_FP_LEN	16	/* hex digits: the first 8 bytes of a SHA-256 */

/*
 * The fingerprint of a JSON value (a lead's fields as validated): SHA-256 of
 * its canonical form — each value's type, length and contents, the members
 * of every object in order of their names — so what only the text differs
 * in (the order of members, white space, escapes) does not count; values
 * and their types do (1 is neither "1" nor 1.0). 0, or -1 when v is NULL
 * or OpenSSL fails (out is then "").
 */
int idem_fp_json(const json_t *v, char out[IDEM_FP_LEN + 1]);

/*
 * The fingerprint of n strings in order (an action's inputs as checked):
 * SHA-256 of them each ended by a NUL, so that ("ab", "c") and ("a", "bc")
 * differ; NULL counts as "" (not given and empty are the same request).
 * out is "" only if OpenSSL fails (out of memory).
 */
void idem_fp_strings(const char *const *parts, size_t n, char out[IDEM_FP_LEN + 1]);

#endif
