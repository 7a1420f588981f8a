/* test_mail.c — an email's header lines: encoded words, folding, dates, addresses. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "leadroute/mail.h"
#include "leadroute/util.h"

#include "check_suites.h"

/* The longest line of a header (lines end with CRLF). */
static size_t
longest_line(const char *h)
{
	size_t max = 0;
	const char *p = h, *nl;

	for (;;) {
		nl = strstr(p, "\r\n");
		if (nl == NULL)
			return strlen(p) > max ? strlen(p) : max;
		if ((size_t)(nl - p) > max)
			max = (size_t)(nl - p);
		p = nl + 2;
	}
}

/*
 * The text of an encoded header's value: each =?UTF-8?B?...?= word decoded
 * and checked to hold whole characters, the words joined (the folding
 * between them is not text, RFC 2047 section 6.2). Returns a malloc'd string.
 */
static char *
decode_words(const char *value)
{
	struct buf out = { 0 };
	const char *p = value, *end;
	unsigned char bytes[256];
	int n, pad;

	buf_append(&out, "", 0);
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		p += strlen("=?UTF-8?B?");
		end = strstr(p, "?=");
		ck_assert_ptr_nonnull(end);
		ck_assert_int_le(end - p, 52);
		n = EVP_DecodeBlock(bytes, (const unsigned char *)p, (int)(end - p));
		ck_assert_int_ge(n, 0);
		pad = (end - p >= 1 && end[-1] == '=') + (end - p >= 2 && end[-2] == '=');
		n -= pad;
		ck_assert_uint_eq(util_utf8_bad(bytes, (size_t)n), (size_t)n);
		buf_append(&out, bytes, (size_t)n);
		p = end + 2;
	}
	return out.data;
}

START_TEST(test_date_is_rfc5322_utc)
{
	char d[MAIL_DATE_LEN];

	mail_date(0, d);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mail_date(1503411323, d);
	ck_assert_str_eq(d, "Tue, 22 Aug 2017 14:15:23 +0000");
	mail_date(1795426200, d);
	ck_assert_str_eq(d, "Mon, 23 Nov 2026 09:30:00 +0000");
}
END_TEST

START_TEST(test_addresses)
{
	ck_assert(mail_addr_ok("ana@example.com"));
	ck_assert(mail_addr_ok("ana.perez+leads@mail.example.co.uk"));
	ck_assert(!mail_addr_ok(NULL));
	ck_assert(!mail_addr_ok(""));
	ck_assert(!mail_addr_ok("ana"));
	ck_assert(!mail_addr_ok("@example.com"));
	ck_assert(!mail_addr_ok("ana@"));
	ck_assert(!mail_addr_ok("ana@b@example.com"));
	ck_assert(!mail_addr_ok("ana perez@example.com"));
	ck_assert(!mail_addr_ok("ana@example.com>\r\nRCPT TO:<eve@example.com"));
	ck_assert(!mail_addr_ok("<ana@example.com>"));
	ck_assert(!mail_addr_ok("ana,bob@example.com"));
	ck_assert(!mail_addr_ok("an\xc3\xa4@example.com"));
	/* A local part is at most 64 characters, the whole at most 254. */
	ck_assert(mail_addr_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io"));
	ck_assert(!mail_addr_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.io"));
}
END_TEST

START_TEST(test_message_ids)
{
	ck_assert(mail_msg_id_ok("notify.01JD3K.lead.assigned@leadroute.example.com"));
	ck_assert(!mail_msg_id_ok("<a@b>"));
	ck_assert(!mail_msg_id_ok("a b@c"));
	ck_assert(!mail_msg_id_ok("ab"));
	ck_assert(!mail_msg_id_ok("a@b\r\nBcc: eve@example.com"));
	ck_assert(!mail_msg_id_ok(""));
}
END_TEST

START_TEST(test_ascii_subject_goes_as_it_is)
{
	char *h = mail_header_text("Subject", "New lead: Acme Corp (score 87)");

	ck_assert_str_eq(h, "Subject: New lead: Acme Corp (score 87)");
	free(h);
	h = mail_header_text("Subject", "");
	ck_assert_str_eq(h, "Subject: ");
	free(h);
	h = mail_header_text("Subject", NULL);
	ck_assert_str_eq(h, "Subject: ");
	free(h);
}
END_TEST

START_TEST(test_utf8_subject_is_encoded)
{
	char *h = mail_header_text("Subject", "Neuer Lead: M\xc3\xbcller GmbH");

	/* base64("Neuer Lead: Müller GmbH"), as Python's base64 module writes it. */
	ck_assert_str_eq(h, "Subject: =?UTF-8?B?TmV1ZXIgTGVhZDogTcO8bGxlciBHbWJI?=");
	free(h);
}
END_TEST

START_TEST(test_long_utf8_subject_folds_at_whole_characters)
{
	/* 72 bytes: umlauts, an eszett and a four-byte emoji, so a cut could land in any. */
	const char *s = "Lead f\xc3\xbcr Sie: J\xc3\xbcrgen Gro\xc3\x9f aus M\xc3\xbcnchen m\xc3\xb6"
	    "chte ein Angebot \xf0\x9f\x9a\x80 heute";
	char *h = mail_header_text("Subject", s), *text;

	ck_assert_ptr_nonnull(strstr(h, "?=\r\n =?UTF-8?B?"));
	ck_assert_uint_le(longest_line(h), 76);
	text = decode_words(h);
	ck_assert_str_eq(text, s);
	free(text);
	free(h);
}
END_TEST

START_TEST(test_line_breaks_cannot_add_headers)
{
	char *h = mail_header_text("Subject", "hi\r\nBcc: eve@example.com"), *text;

	ck_assert_str_eq(h, "Subject: hi  Bcc: eve@example.com");
	free(h);
	/* In an encoded subject the break is a space too: nothing raw, nothing decoded. */
	h = mail_header_text("Subject", "\xc3\x84rger\nBcc: eve@example.com");
	ck_assert_ptr_null(strstr(h, "\nBcc"));
	text = decode_words(h);
	ck_assert_str_eq(text, "\xc3\x84rger Bcc: eve@example.com");
	free(text);
	free(h);
}
END_TEST

START_TEST(test_what_a_reader_would_decode_is_encoded)
{
	char *h = mail_header_text("Subject", "=?UTF-8?B?w4RyZ2Vy?=");
	char *text;

	ck_assert_str_ne(h, "Subject: =?UTF-8?B?w4RyZ2Vy?=");
	text = decode_words(h);
	ck_assert_str_eq(text, "=?UTF-8?B?w4RyZ2Vy?=");
	free(text);
	free(h);
	/* Malformed UTF-8 is made '?' rather than sent. */
	h = mail_header_text("Subject", "bad \xff byte");
	ck_assert_str_eq(h, "Subject: bad ? byte");
	free(h);
}
END_TEST

START_TEST(test_long_ascii_subject_folds_at_spaces)
{
	struct buf s = { 0 };
	char *h, *p;
	int i;

	for (i = 0; i < 30; i++)
		buf_appendf(&s, "word%02d ", i);
	buf_appendf(&s, "end");
	h = mail_header_text("Subject", s.data);
	ck_assert_ptr_nonnull(strstr(h, "\r\n "));
	ck_assert_uint_le(longest_line(h), 78);
	/* Unfolding (dropping each CRLF) gives the line back. */
	for (p = h; (p = strstr(p, "\r\n")) != NULL;)
		memmove(p, p + 2, strlen(p + 2) + 1);
	ck_assert_str_eq(h + strlen("Subject: "), s.data);
	free(h);
	buf_free(&s);
}
END_TEST

START_TEST(test_address_headers)
{
	char *h = mail_header_addr("From", "Lead Router", "noreply@example.com"), *text;

	ck_assert_str_eq(h, "From: \"Lead Router\" <noreply@example.com>");
	free(h);
	h = mail_header_addr("To", NULL, "ana@example.com");
	ck_assert_str_eq(h, "To: <ana@example.com>");
	free(h);
	h = mail_header_addr("To", "", "ana@example.com");
	ck_assert_str_eq(h, "To: <ana@example.com>");
	free(h);
	h = mail_header_addr("To", "Perez, \"Ana\" \\ Sales", "ana@example.com");
	ck_assert_str_eq(h, "To: \"Perez, \\\"Ana\\\" \\\\ Sales\" <ana@example.com>");
	free(h);
	h = mail_header_addr("To", "Ana P\xc3\xa9rez", "ana@example.com");
	ck_assert_str_eq(h, "To: =?UTF-8?B?QW5hIFDDqXJleg==?= <ana@example.com>");
	text = decode_words(h);
	ck_assert_str_eq(text, "Ana P\xc3\xa9rez");
	free(text);
	free(h);
}
END_TEST

START_TEST(test_crlf)
{
	char *t = mail_crlf("a\nb\r\nc\rd\n\n");

	ck_assert_str_eq(t, "a\r\nb\r\nc\r\nd\r\n\r\n");
	free(t);
	t = mail_crlf("");
	ck_assert_str_eq(t, "");
	free(t);
}
END_TEST

Suite *
mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_date_is_rfc5322_utc);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_message_ids);
	tcase_add_test(tc, test_ascii_subject_goes_as_it_is);
	tcase_add_test(tc, test_utf8_subject_is_encoded);
	tcase_add_test(tc, test_long_utf8_subject_folds_at_whole_characters);
	tcase_add_test(tc, test_line_breaks_cannot_add_headers);
	tcase_add_test(tc, test_what_a_reader_would_decode_is_encoded);
	tcase_add_test(tc, test_long_ascii_subject_folds_at_spaces);
	tcase_add_test(tc, test_address_headers);
	tcase_add_test(tc, test_crlf);
	suite_add_tcase(s, tc);
	return s;
}
