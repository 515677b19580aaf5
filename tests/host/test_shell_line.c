/*
 * The shell's line editor (kernel/shell_line.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "kernel/shell_line.h"

/* Feed a string; return the last key and count the lines finished. */
static enum shell_key feed(struct shell_line *l, const char *s, int *lines)
{
	enum shell_key k = SHELL_NOTHING;
	size_t erased = 0;

	for (; *s; s++) {
		k = shell_line_feed(l, (unsigned char)*s, &erased);
		if (k == SHELL_DONE) {
			(*lines)++;
			if (s[1])
				shell_line_reset(l);
		}
	}
	return k;
}

static void test_plain_line(void **state)
{
	struct shell_line l = { 0 };
	int lines = 0;

	shell_line_reset(&l);
	assert_int_equal(feed(&l, "stats\r", &lines), SHELL_DONE);
	assert_int_equal(lines, 1);
	assert_string_equal(l.buf, "stats");
}

static void test_crlf_is_one_line(void **state)
{
	struct shell_line l = { 0 };
	int lines = 0;
	size_t erased;

	shell_line_reset(&l);
	feed(&l, "a\r\nb\n", &lines);
	assert_int_equal(lines, 2);
	assert_string_equal(l.buf, "b");
	/* An empty line (Enter alone) is still a line, and LF after LF is two. */
	shell_line_reset(&l);
	assert_int_equal(shell_line_feed(&l, '\n', &erased), SHELL_DONE);
	assert_int_equal(shell_line_feed(&l, '\n', &erased), SHELL_DONE);
	assert_string_equal(l.buf, "");
}

static void test_editing(void **state)
{
	struct shell_line l = { 0 };
	size_t erased = 0;
	int lines = 0;

	shell_line_reset(&l);
	assert_int_equal(shell_line_feed(&l, 0x7f, &erased), SHELL_NOTHING);  /* nothing to erase */
	feed(&l, "cpux", &lines);
	assert_int_equal(shell_line_feed(&l, 0x7f, &erased), SHELL_ERASE);
	assert_int_equal(shell_line_feed(&l, '\b', &erased), SHELL_ERASE);
	feed(&l, "us\tx", &lines);
	assert_string_equal(l.buf, "cpus x");
	assert_int_equal(shell_line_feed(&l, 0x15, &erased), SHELL_KILL);      /* ^U */
	assert_int_equal(erased, 6);
	assert_string_equal(l.buf, "");
	feed(&l, "help", &lines);
	assert_int_equal(shell_line_feed(&l, 0x03, &erased), SHELL_CANCEL);    /* ^C */
	assert_int_equal(l.len, 0);
	/* Escape sequences (arrow keys) and 8-bit bytes are dropped. */
	feed(&l, "\x1b[A\xe9x", &lines);
	assert_string_equal(l.buf, "[Ax");
}

static void test_overflow(void **state)
{
	struct shell_line l = { 0 };
	size_t erased;

	shell_line_reset(&l);
	for (int i = 0; i < SHELL_LINE_MAX - 1; i++)
		assert_int_equal(shell_line_feed(&l, 'a', &erased), SHELL_ECHO);
	assert_int_equal(shell_line_feed(&l, 'b', &erased), SHELL_FULL);
	assert_true(l.overflowed);
	assert_int_equal(l.len, SHELL_LINE_MAX - 1);
	assert_int_equal(shell_line_feed(&l, '\r', &erased), SHELL_DONE);
	assert_int_equal(strlen(l.buf), SHELL_LINE_MAX - 1);
	shell_line_reset(&l);
	assert_false(l.overflowed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_line),
		cmocka_unit_test(test_crlf_is_one_line),
		cmocka_unit_test(test_editing),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
