/*
 * Host tests for kernel/string.c. Our object is linked ahead of libc, so
 * every call here (and in cmocka) runs lull's code; results are checked
 * against obvious byte loops, never against libc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>

#include "kernel/string.h"

#define BUF 320

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 37 + 11);
}

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(i);
}

/* The ABI wants the direction flag clear after every call. */
static bool direction_flag_set(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & (1u << 10);
}

static void test_memset(void **state)
{
	unsigned char buf[BUF];

	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; n < 200; n += 7) {
			fill(buf, BUF);
			assert_ptr_equal(memset(buf + off, 0x1a5, n), buf + off);
			for (size_t i = 0; i < BUF; i++) {
				if (i >= off && i < off + n)
					assert_int_equal(buf[i], 0xa5);
				else
					assert_int_equal(buf[i], pattern(i));
			}
		}
	}
}

static void test_memcpy(void **state)
{
	unsigned char src[BUF], dst[BUF];

	fill(src, BUF);
	for (size_t so = 0; so < 8; so++) {
		for (size_t dof = 0; dof < 8; dof++) {
			for (size_t n = 0; n < 300; n += 13) {
				memset(dst, 0xee, BUF);
				assert_ptr_equal(memcpy(dst + dof, src + so, n), dst + dof);
				for (size_t i = 0; i < BUF; i++) {
					unsigned char want = (i >= dof && i < dof + n) ?
						pattern(i - dof + so) : 0xee;
					assert_int_equal(dst[i], want);
				}
			}
		}
	}
}

/* Every shift from -40 to +40, for many lengths: both overlap directions. */
static void test_memmove_overlap(void **state)
{
	unsigned char buf[BUF], ref[BUF];

	for (int shift = -40; shift <= 40; shift++) {
		for (size_t n = 0; n < 150; n += 3) {
			size_t src = 100, dst = (size_t)((int)src + shift);

			fill(buf, BUF);
			fill(ref, BUF);
			for (size_t i = 0; i < n; i++)	/* what memmove must give */
				ref[dst + i] = pattern(src + i);
			assert_ptr_equal(memmove(buf + dst, buf + src, n), buf + dst);
			assert_memory_equal(buf, ref, BUF);
			assert_false(direction_flag_set());
		}
	}
}

static void test_memcmp(void **state)
{
	assert_int_equal(memcmp("abc", "abd", 0), 0);
	assert_int_equal(memcmp("abc", "abc", 3), 0);
	assert_true(memcmp("abc", "abd", 3) < 0);
	assert_true(memcmp("abd", "abc", 3) > 0);
	/* Unsigned bytes: 0xff is greater than 0x01. */
	assert_true(memcmp("\xff", "\x01", 1) > 0);
	assert_true(memcmp("a\x80", "a\x7f", 2) > 0);
	/* Bytes past a NUL still count. */
	assert_true(memcmp("a\0b", "a\0c", 3) < 0);
}

static void test_strlen(void **state)
{
	char buf[BUF];

	assert_int_equal(strlen(""), 0);
	for (size_t n = 0; n < 200; n++) {
		memset(buf, 'x', n);
		buf[n] = 0;
		assert_int_equal(strlen(buf), n);
		assert_int_equal(strnlen(buf, n), n);
		assert_int_equal(strnlen(buf, n + 5), n);
		assert_int_equal(strnlen(buf, n / 2), n / 2);
	}
	/* strnlen must not read past max: no terminator at all here. */
	char unterminated[4] = { 'a', 'b', 'c', 'd' };

	assert_int_equal(strnlen(unterminated, 4), 4);
	assert_int_equal(strnlen(unterminated, 0), 0);
}

static void test_strcmp(void **state)
{
	assert_int_equal(strcmp("", ""), 0);
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_true(strcmp("abc", "abd") < 0);
	assert_true(strcmp("abd", "abc") > 0);
	assert_true(strcmp("ab", "abc") < 0);
	assert_true(strcmp("abc", "ab") > 0);
	assert_true(strcmp("\xff", "a") > 0);
	assert_int_equal(strncmp("abcX", "abcY", 3), 0);
	assert_true(strncmp("abcX", "abcY", 4) < 0);
	assert_int_equal(strncmp("abc", "abd", 0), 0);
	/* Stops at the terminator, whatever n says. */
	assert_int_equal(strncmp("ab\0x", "ab\0y", 10), 0);
	assert_true(strncmp("ab", "abc", 10) < 0);
	assert_true(strncmp("\x80", "\x7f", 1) > 0);
}

static void test_strchr(void **state)
{
	const char *s = "hello, world";

	assert_ptr_equal(strchr(s, 'h'), s);
	assert_ptr_equal(strchr(s, 'o'), s + 4);
	assert_ptr_equal(strchr(s, 'd'), s + 11);
	assert_null(strchr(s, 'z'));
	assert_ptr_equal(strchr(s, 0), s + 12);
	/* c is converted to char. */
	assert_ptr_equal(strchr(s, 0x100 + 'w'), s + 7);
	const char *t = "a\xe9";

	assert_ptr_equal(strchr(t, 0xe9), t + 1);	/* 0xe9 and (char)0xe9 match */
	assert_ptr_equal(strchr(t, (char)0xe9), t + 1);
	assert_null(strchr("", 'a'));
}

static void test_strlcpy(void **state)
{
	char buf[8];

	memset(buf, '#', sizeof(buf));
	assert_int_equal(strlcpy(buf, "hello", sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(buf[6], '#');

	memset(buf, '#', sizeof(buf));
	assert_int_equal(strlcpy(buf, "a long string", sizeof(buf)), 13);
	assert_string_equal(buf, "a long ");

	memset(buf, '#', sizeof(buf));
	assert_int_equal(strlcpy(buf, "1234567", sizeof(buf)), 7);	/* exact fit */
	assert_string_equal(buf, "1234567");

	memset(buf, '#', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", 1), 3);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], '#');

	memset(buf, '#', sizeof(buf));
	assert_int_equal(strlcpy(buf, "abc", 0), 3);	/* size 0: nothing written */
	assert_int_equal(buf[0], '#');

	assert_int_equal(strlcpy(buf, "", sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memset),
		cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memcmp),
		cmocka_unit_test(test_strlen),
		cmocka_unit_test(test_strcmp),
		cmocka_unit_test(test_strchr),
		cmocka_unit_test(test_strlcpy),
	};

	return cmocka_run_group_tests_name("kernel/string.c", tests, NULL, NULL);
}
