/* test_webform.c — origins, redirect targets (never an open redirect) and client addresses. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "leadroute/webform.h"

#include "check_suites.h"

/* The origin text normalizes to want (NULL: refused). */
static void
origin_is(const char *text, const char *want)
{
	const char *why = NULL;
	char *out = NULL;
	int rc = webform_origin(text, &out, &why);

	if (want == NULL) {
		ck_assert_msg(rc == -1, "%s accepted as %s", text, out);
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_msg(rc == 0, "%s refused: %s", text, why);
	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(test_webform_origins)
{
	origin_is("https://www.example.com", "https://www.example.com");
	origin_is("HTTPS://WWW.Example.COM", "https://www.example.com");
	origin_is("https://www.example.com:443", "https://www.example.com");
	origin_is("https://www.example.com:8443", "https://www.example.com:8443");
	origin_is("http://localhost:3000", "http://localhost:3000");
	origin_is("http://localhost:80", "http://localhost");
	origin_is("http://127.0.0.1:8000", "http://127.0.0.1:8000");
	origin_is("http://[::1]:5173", "http://[::1]:5173");
	origin_is("https://[2001:DB8::1]", "https://[2001:db8::1]");
	origin_is("https://xn--bcher-kva.example", "https://xn--bcher-kva.example");
	/* Refused: paths, wildcards, plain http elsewhere, users, bad ports and hosts. */
	origin_is("https://www.example.com/", NULL);
	origin_is("https://www.example.com/form", NULL);
	origin_is("https://www.example.com?x", NULL);
	origin_is("https://www.example.com#x", NULL);
	origin_is("*", NULL);
	origin_is("null", NULL);
	origin_is("https://*.example.com", NULL);
	origin_is("http://www.example.com", NULL);
	origin_is("http://localhost.example.com", NULL);
	origin_is("www.example.com", NULL);
	origin_is("ftp://www.example.com", NULL);
	origin_is("https://", NULL);
	origin_is("https://:443", NULL);
	origin_is("https://user@www.example.com", NULL);
	origin_is("https://www.example.com:0", NULL);
	origin_is("https://www.example.com:65536", NULL);
	origin_is("https://www.example.com:", NULL);
	origin_is("https://www.example.com:44a", NULL);
	origin_is("https://[::1", NULL);
	origin_is("https://[not-v6]", NULL);
	origin_is("https://[::1]x", NULL);
	origin_is("https://www.exa mple.com", NULL);
	origin_is("https://www.exämple.com", NULL);
}
END_TEST

START_TEST(test_webform_urls)
{
	static const char *const good[] = {
		"https://www.example.com", "https://www.example.com/thanks",
		"https://www.example.com:8443/thanks?a=1&b=%20#top", "http://localhost:3000/ok",
		"http://[::1]/ok", "https://www.example.com/thanks@evil.example",
		NULL,
	};
	static const char *const bad[] = {
		"", "/thanks", "//evil.example/", "javascript:alert(1)", "http://www.example.com/",
		"HTTPS://www.example.com/", "https://user:pw@www.example.com/",
		"https://www.example.com@evil.example/", "https://www.example.com\\@evil.example/",
		"https://www.example.com/a b", "https://www.example.com/\r\nSet-Cookie: x=1",
		"https://www.example.com/\x7f", "https://www.exämple.com/", "https:///thanks",
		"https://www.example.com:99999/", NULL,
	};
	const char *why;
	char *longest;
	size_t i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(webform_url_ok(good[i], &why) == 0, "%s refused: %s", good[i], why);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(webform_url_ok(bad[i], &why) == -1, "%s accepted", bad[i]);
	longest = malloc(WEBFORM_URL_MAX + 2);
	memset(longest, 'a', WEBFORM_URL_MAX + 1);
	memcpy(longest, "https://x.example/", 18);
	longest[WEBFORM_URL_MAX + 1] = '\0';
	ck_assert_int_eq(webform_url_ok(longest, &why), -1);
	longest[WEBFORM_URL_MAX] = '\0';
	ck_assert_int_eq(webform_url_ok(longest, &why), 0);
	free(longest);
}
END_TEST

START_TEST(test_webform_redirects_stay_within_their_prefixes)
{
	char *prefixes[] = { "https://www.example.com/thanks/", "https://go.example.com",
	    "https://promo.example.com/ok" };
	static const char *const allowed[] = {
		"https://www.example.com/thanks/", "https://www.example.com/thanks/webinar?id=7",
		"https://go.example.com", "https://go.example.com/", "https://go.example.com?x=1",
		"https://go.example.com#top", "https://promo.example.com/ok",
		"https://promo.example.com/ok/more", "https://promo.example.com/ok?x",
		NULL,
	};
	static const char *const refused[] = {
		"https://www.example.com/thanks", "https://www.example.com/thanksgiving",
		"https://www.example.com/", "https://go.example.com.evil.example/",
		"https://go.example.com:8443/", "https://go.example.com@evil.example/",
		"https://go.example.comevil.example", "https://promo.example.com/okay",
		"http://go.example.com/", "https://evil.example/https://go.example.com/",
		"https://go.example.com/\r\nLocation: https://evil.example/",
		"https://go.example.com\\evil.example", "", NULL,
	};
	size_t i;

	for (i = 0; allowed[i] != NULL; i++)
		ck_assert_msg(webform_redirect_allowed(allowed[i], prefixes, 3), "%s refused",
		    allowed[i]);
	for (i = 0; refused[i] != NULL; i++)
		ck_assert_msg(!webform_redirect_allowed(refused[i], prefixes, 3), "%s allowed",
		    refused[i]);
	ck_assert(!webform_redirect_allowed("https://go.example.com/", prefixes, 0));
}
END_TEST

START_TEST(test_webform_error_locations)
{
	static const char *const cases[][2] = {
		{ "https://www.example.com/oops", "https://www.example.com/oops?error=missing_field" },
		{ "https://www.example.com/oops?form=demo",
		  "https://www.example.com/oops?form=demo&error=missing_field" },
		{ "https://www.example.com/oops?", "https://www.example.com/oops?error=missing_field" },
		{ "https://www.example.com/oops?a=1&", "https://www.example.com/oops?a=1&error=missing_field" },
		{ "https://www.example.com/contact#form",
		  "https://www.example.com/contact?error=missing_field#form" },
		{ "https://www.example.com/c?x=1#f?g",
		  "https://www.example.com/c?x=1&error=missing_field#f?g" },
	};
	size_t i;
	char *loc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		loc = webform_error_location(cases[i][0], "missing_field");
		ck_assert_str_eq(loc, cases[i][1]);
		free(loc);
	}
}
END_TEST

START_TEST(test_webform_nets)
{
	struct webform_net n;

	ck_assert_int_eq(webform_net_parse("10.0.0.0/8", &n), 0);
	ck_assert_int_eq(n.family, AF_INET);
	ck_assert_uint_eq(n.bits, 8);
	ck_assert(webform_in_net("10.255.0.1", &n));
	ck_assert(webform_in_net("::ffff:10.1.2.3", &n));	/* IPv4-mapped, on a dual-stack listener */
	ck_assert(!webform_in_net("11.0.0.1", &n));
	ck_assert(!webform_in_net("::1", &n));
	ck_assert(!webform_in_net("?", &n));
	ck_assert_int_eq(webform_net_parse("192.168.1.128/25", &n), 0);
	ck_assert(webform_in_net("192.168.1.200", &n));
	ck_assert(!webform_in_net("192.168.1.127", &n));
	ck_assert_int_eq(webform_net_parse("127.0.0.1", &n), 0);
	ck_assert_uint_eq(n.bits, 32);
	ck_assert(webform_in_net("127.0.0.1", &n));
	ck_assert(!webform_in_net("127.0.0.2", &n));
	ck_assert_int_eq(webform_net_parse("2001:db8::/32", &n), 0);
	ck_assert(webform_in_net("2001:db8:ffff::1", &n));
	ck_assert(!webform_in_net("2001:db9::1", &n));
	ck_assert(!webform_in_net("10.0.0.1", &n));
	ck_assert_int_eq(webform_net_parse("0.0.0.0/0", &n), 0);
	ck_assert(webform_in_net("203.0.113.9", &n));
	ck_assert_int_eq(webform_net_parse("10.0.0.0/33", &n), -1);
	ck_assert_int_eq(webform_net_parse("::/129", &n), -1);
	ck_assert_int_eq(webform_net_parse("10.0.0.0/", &n), -1);
	ck_assert_int_eq(webform_net_parse("10.0.0.0/-1", &n), -1);
	ck_assert_int_eq(webform_net_parse("10.0.0.0/8x", &n), -1);
	ck_assert_int_eq(webform_net_parse("proxy.example.com", &n), -1);
	ck_assert_int_eq(webform_net_parse("", &n), -1);
	ck_assert_int_eq(webform_net_parse("/8", &n), -1);
}
END_TEST

START_TEST(test_webform_forwarded_for_takes_the_last_entry)
{
	char out[WEBFORM_ADDR_MAX];

	ck_assert_int_eq(webform_forwarded_for("203.0.113.5", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "203.0.113.5");
	/* A client may write its own entries first; the proxy appends the one it saw. */
	ck_assert_int_eq(webform_forwarded_for("1.2.3.4, 198.51.100.1,203.0.113.5 ", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "203.0.113.5");
	ck_assert_int_eq(webform_forwarded_for("\t2001:db8::1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2001:db8::1");
	ck_assert_int_eq(webform_forwarded_for("203.0.113.5, unknown", out, sizeof(out)), -1);
	ck_assert_int_eq(webform_forwarded_for("203.0.113.5,", out, sizeof(out)), -1);
	ck_assert_int_eq(webform_forwarded_for("", out, sizeof(out)), -1);
	ck_assert_int_eq(webform_forwarded_for("203.0.113.5:4711", out, sizeof(out)), -1);
	ck_assert_int_eq(webform_forwarded_for("[2001:db8::1]", out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_webform_client_keys)
{
	char out[WEBFORM_ADDR_MAX];

	ck_assert_int_eq(webform_client_key("203.0.113.5", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "203.0.113.5");
	ck_assert_int_eq(webform_client_key("::ffff:203.0.113.5", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "203.0.113.5");
	/* An IPv6 client is its /64, however it writes its address. */
	ck_assert_int_eq(webform_client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2001:db8:1:2::/64");
	ck_assert_int_eq(webform_client_key("2001:0DB8:0001:0002::1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2001:db8:1:2::/64");
	ck_assert_int_eq(webform_client_key("::1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "::/64");
	ck_assert_int_eq(webform_client_key("?", out, sizeof(out)), -1);
	ck_assert_int_eq(webform_client_key("2001:db8::1", out, 8), -1);	/* no room */
}
END_TEST

Suite *
webform_suite(void)
{
	Suite *s = suite_create("webform");
	TCase *tc = tcase_create("webform");

	tcase_add_test(tc, test_webform_origins);
	tcase_add_test(tc, test_webform_urls);
	tcase_add_test(tc, test_webform_redirects_stay_within_their_prefixes);
	tcase_add_test(tc, test_webform_error_locations);
	tcase_add_test(tc, test_webform_nets);
	tcase_add_test(tc, test_webform_forwarded_for_takes_the_last_entry);
	tcase_add_test(tc, test_webform_client_keys);
	suite_add_tcase(s, tc);
	return s;
}
