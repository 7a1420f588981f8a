/* test_idem.c — request fingerprints: what counts as the same request, and what does not. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/idem.h"

#include "check_suites.h"

/* The fingerprint of JSON text, asserted to succeed. */
static void
fp_of(const char *text, char out[IDEM_FP_LEN + 1])
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);

	ck_assert_msg(v != NULL, "%s: %s", text, err.text);
	ck_assert_int_eq(idem_fp_json(v, out), 0);
	json_decref(v);
}

/*
 * The canonical form, as Python writes it: a tag, then LEB128 (a count, a
 * length, an integer) or a double's 8 bytes, then the contents.
 *
 *	def uint(t, n):
 *	    n &= (1 << 64) - 1; out = bytearray(t)
 *	    while True:
 *	        out.append(n & 0x7f | (0x80 if n >> 7 else 0)); n >>= 7
 *	        if not n: return bytes(out)
 *	def enc(v):
 *	    if isinstance(v, dict):
 *	        return uint(b"o", len(v)) + b"".join(uint(b"k", len(k.encode())) +
 *	            k.encode() + enc(v[k]) for k in sorted(v, key=str.encode))
 *	    if isinstance(v, list): return uint(b"a", len(v)) + b"".join(map(enc, v))
 *	    if isinstance(v, str): return uint(b"s", len(v.encode())) + v.encode()
 *	    if v is None or isinstance(v, bool): return {True: b"t", False: b"f", None: b"n"}[v]
 *	    if isinstance(v, int): return uint(b"i", v)
 *	    return b"r" + struct.pack(">d", v)
 *	sha256(enc(json.loads(text))).hexdigest()[:16]
 */
START_TEST(test_idem_json_is_sha256_of_the_canonical_form)
{
	char fp[IDEM_FP_LEN + 1];

	fp_of("{\"e\": \"\\u00e9\", \"b\": {\"d\": null, \"c\": [1, \"x\", -2, 0.5, true, false, 300]},"
	    " \"a\": 1}", fp);
	ck_assert_str_eq(fp, "77b8fd8a32f2c5df");
	ck_assert_uint_eq(strlen(fp), IDEM_FP_LEN);
}
END_TEST

START_TEST(test_idem_json_ignores_member_order_and_white_space)
{
	char a[IDEM_FP_LEN + 1], b[IDEM_FP_LEN + 1];

	fp_of("{\"email\":\"ana@x.com\",\"country\":\"DE\",\"custom\":{\"k\":1,\"j\":[2,3]}}", a);
	fp_of("{ \"custom\" : { \"j\" : [ 2 , 3 ] , \"k\" : 1 } ,\n\t\"country\" : \"DE\", "
	    "\"email\" : \"ana@x.com\" }", b);
	ck_assert_str_eq(a, b);
	fp_of("{\"s\": \"caf\\u00e9 \\/\"}", a);
	fp_of("{\"s\": \"caf\xc3\xa9 /\"}", b);
	ck_assert_str_eq(a, b);
}
END_TEST

START_TEST(test_idem_json_sees_values_and_types)
{
	char base[IDEM_FP_LEN + 1], fp[IDEM_FP_LEN + 1];
	static const char *const others[] = {
		"{\"email\":\"ana@x.com\",\"country\":\"FR\"}",		/* a value */
		"{\"email\":\"ana@x.com\",\"country\":\"DE\",\"x\":1}",	/* one more member */
		"{\"email\":\"ana@x.com\"}",				/* one fewer */
		"{\"email\":\"ana@x.com\",\"Country\":\"DE\"}",		/* a name */
		"{\"email\":\"ana@x.com\",\"country\":[\"DE\"]}",	/* a type */
	};
	size_t i;

	fp_of("{\"email\":\"ana@x.com\",\"country\":\"DE\"}", base);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		fp_of(others[i], fp);
		ck_assert_msg(strcmp(fp, base) != 0, "%s", others[i]);
	}
	fp_of("{\"n\": 1}", base);
	fp_of("{\"n\": \"1\"}", fp);
	ck_assert_str_ne(fp, base);
	fp_of("{\"n\": 1.0}", fp);
	ck_assert_str_ne(fp, base);
	fp_of("{\"n\": true}", fp);
	ck_assert_str_ne(fp, base);
	/* Arrays keep their order; lengths keep strings and members apart. */
	fp_of("{\"a\": [1, 2]}", base);
	fp_of("{\"a\": [2, 1]}", fp);
	ck_assert_str_ne(fp, base);
	fp_of("{\"a\": [\"xy\", \"z\"]}", base);
	fp_of("{\"a\": [\"x\", \"yz\"]}", fp);
	ck_assert_str_ne(fp, base);
	fp_of("{\"a\": {}, \"b\": []}", base);
	fp_of("{\"a\": [], \"b\": {}}", fp);
	ck_assert_str_ne(fp, base);
}
END_TEST

START_TEST(test_idem_json_refuses_nothing)
{
	char fp[IDEM_FP_LEN + 1] = "x";

	ck_assert_int_eq(idem_fp_json(NULL, fp), -1);
	ck_assert_str_eq(fp, "");
}
END_TEST

START_TEST(test_idem_strings_are_separated_and_ordered)
{
	static const char *const touch[] = { "touch", "ana", "call", NULL };
	static const char *const empty[] = { "touch", "ana", "call", "" };
	static const char *const ab_c[] = { "ab", "c" }, *const a_bc[] = { "a", "bc" };
	static const char *const c_ab[] = { "c", "ab" };
	char a[IDEM_FP_LEN + 1], b[IDEM_FP_LEN + 1];

	/* Python: sha256(b"touch\0ana\0call\0\0").hexdigest()[:16] */
	idem_fp_strings(touch, 4, a);
	ck_assert_str_eq(a, "033db18e76524833");
	idem_fp_strings(empty, 4, b);
	ck_assert_str_eq(a, b);			/* not given is empty */
	idem_fp_strings(touch, 3, b);
	ck_assert_str_ne(a, b);			/* one part fewer */
	idem_fp_strings(ab_c, 2, a);
	idem_fp_strings(a_bc, 2, b);
	ck_assert_str_ne(a, b);
	idem_fp_strings(c_ab, 2, b);
	ck_assert_str_ne(a, b);
	idem_fp_strings(NULL, 0, a);
	ck_assert_str_eq(a, "e3b0c44298fc1c14");	/* SHA-256 of nothing */
}
END_TEST

Suite *
idem_suite(void)
{
	Suite *s = suite_create("idem");
	TCase *tc = tcase_create("idem");

	tcase_add_test(tc, test_idem_json_is_sha256_of_the_canonical_form);
	tcase_add_test(tc, test_idem_json_ignores_member_order_and_white_space);
	tcase_add_test(tc, test_idem_json_sees_values_and_types);
	tcase_add_test(tc, test_idem_json_refuses_nothing);
	tcase_add_test(tc, test_idem_strings_are_separated_and_ordered);
	suite_add_tcase(s, tc);
	return s;
}
