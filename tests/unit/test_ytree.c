/* test_ytree.c — the YAML tree keeps lines and refuses what config cannot mean. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "leadroute/ytree.h"

#include "check_suites.h"

static struct ynode *
parse(const char *text)
{
	char *cause = NULL;
	int line = 0;
	struct ynode *n = ytree_parse(text, strlen(text), &line, &cause);

	ck_assert_msg(n != NULL, "parse failed at line %d: %s", line, cause);
	return n;
}

static void
parse_fails(const char *text, int want_line, const char *want_cause)
{
	char *cause = NULL;
	int line = 0;

	ck_assert_ptr_null(ytree_parse(text, strlen(text), &line, &cause));
	ck_assert_int_eq(line, want_line);
	ck_assert_str_eq(cause, want_cause);
	free(cause);
}

START_TEST(test_ytree_keeps_lines)
{
	struct ynode *root = parse("a: 1\nb:\n  - x\n  - y\nc: {d: e}\n");
	struct ynode *b = ytree_get(root, "b");

	ck_assert_int_eq(root->type, YNODE_MAP);
	ck_assert_int_eq(root->n, 3);
	ck_assert_int_eq(b->type, YNODE_SEQ);
	ck_assert_int_eq(b->items[1]->line, 4);
	ck_assert_str_eq(b->items[1]->value, "y");
	ck_assert_str_eq(ytree_get(ytree_get(root, "c"), "d")->value, "e");
	ck_assert_int_eq(ytree_get(root, "c")->line, 5);
	ytree_free(root);
}
END_TEST

START_TEST(test_ytree_null_only_when_plain)
{
	struct ynode *root = parse("a: ~\nb: \"null\"\nc:\nd: null\n");

	ck_assert(ytree_is_null(ytree_get(root, "a")));
	ck_assert(!ytree_is_null(ytree_get(root, "b")));
	ck_assert(ytree_is_null(ytree_get(root, "c")));
	ck_assert(ytree_is_null(ytree_get(root, "d")));
	ytree_free(root);
}
END_TEST

START_TEST(test_ytree_rejects_duplicate_keys)
{
	parse_fails("a: 1\nb: 2\na: 3\n", 3, "duplicate key \"a\" (first on line 1)");
}
END_TEST

START_TEST(test_ytree_rejects_aliases)
{
	parse_fails("a: &x 1\nb: *x\n", 2, "YAML aliases (*name) are not supported");
}
END_TEST

START_TEST(test_ytree_rejects_second_document)
{
	parse_fails("a: 1\n---\nb: 2\n", 2, "only one YAML document is allowed");
}
END_TEST

START_TEST(test_ytree_reports_syntax_error_line)
{
	char *cause = NULL;
	int line = 0;

	ck_assert_ptr_null(ytree_parse("a: 1\nb: [1, 2\nc: 3\n", 17, &line, &cause));
	ck_assert_int_gt(line, 1);
	ck_assert_ptr_nonnull(cause);
	free(cause);
}
END_TEST

START_TEST(test_ytree_rejects_empty_file)
{
	parse_fails("", 1, "the file is empty");
	parse_fails("# only a comment\n", 1, "the file is empty");
}
END_TEST

START_TEST(test_ytree_rejects_deep_nesting)
{
	char text[512];
	size_t i;

	for (i = 0; i < 100; i++)
		text[i] = '[';
	text[i] = '\0';
	parse_fails(text, 1, "nesting too deep");
}
END_TEST

Suite *
ytree_suite(void)
{
	Suite *s = suite_create("ytree");
	TCase *tc = tcase_create("ytree");

	tcase_add_test(tc, test_ytree_keeps_lines);
	tcase_add_test(tc, test_ytree_null_only_when_plain);
	tcase_add_test(tc, test_ytree_rejects_duplicate_keys);
	tcase_add_test(tc, test_ytree_rejects_aliases);
	tcase_add_test(tc, test_ytree_rejects_second_document);
	tcase_add_test(tc, test_ytree_reports_syntax_error_line);
	tcase_add_test(tc, test_ytree_rejects_empty_file);
	tcase_add_test(tc, test_ytree_rejects_deep_nesting);
	suite_add_tcase(s, tc);
	return s;
}
