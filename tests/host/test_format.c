/*
 * Host tests for kernel/format.c. Our snprintf replaces glibc's in this
 * program, so expected strings are written out. The ones in the "C99"
 * tests are what any conforming snprintf prints (build this file against
 * glibc alone and they pass); the "lull" tests cover where lull chooses
 * its own output: %p, %s of NULL, unknown conversions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>

#include "kernel/format.h"
#include "kernel/string.h"

/* No format attribute: lets the tests pass formats the compiler would reject. */
static int format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Format into a roomy buffer and into one of cut bytes; check both texts and
 * return values. Unchecked, since some cases use flags that C defines but
 * gcc flags as pointless (%+u, %08.3d).
 */
#define CHECK(want, ...) \
	check_one(__LINE__, want, format_unchecked(big, sizeof(big), __VA_ARGS__), big, \
		  format_unchecked(small, cut, __VA_ARGS__), small)

static char big[1024], small[1024];
static size_t cut;

static void check_one(int line, const char *want, int n, const char *got,
		      int n_cut, const char *got_cut)
{
	size_t len = strlen(want);

	if (strcmp(got, want) || n != (int)len || n_cut != (int)len)
		fail_msg("line %d: got \"%s\" (%d), want \"%s\" (%zu)", line, got, n, want, len);
	/* The cut copy holds the first cut-1 bytes, terminated. */
	size_t keep = len < cut - 1 ? len : cut - 1;

	if (strncmp(got_cut, want, keep) || got_cut[keep] != 0)
		fail_msg("line %d: cut at %zu gave \"%s\"", line, cut, got_cut);
}

static void run_integer_cases(void)
{
	CHECK("0", "%d", 0);
	CHECK("-1", "%d", -1);
	CHECK("2147483647", "%d", INT_MAX);
	CHECK("-2147483648", "%i", INT_MIN);
	CHECK("4294967295", "%u", UINT_MAX);
	CHECK("deadbeef", "%x", 0xdeadbeefu);
	CHECK("DEADBEEF", "%X", 0xdeadbeefu);
	CHECK("10", "%o", 8u);
	CHECK("010", "%#o", 8u);
	CHECK("0", "%#o", 0u);
	CHECK("0", "%#.0o", 0u);
	CHECK("0", "%#x", 0u);
	CHECK("0xff", "%#x", 255u);
	CHECK("0XFF", "%#X", 255u);
	CHECK("   42", "%5d", 42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("00042", "%05d", 42);
	CHECK("-0042", "%05d", -42);
	CHECK("+42", "%+d", 42);
	CHECK(" 42", "% d", 42);
	CHECK("+42", "%+ d", 42);
	CHECK("-42", "% d", -42);
	CHECK("+0005", "%+05d", 5);
	CHECK(" 0005", "% 05d", 5);
	CHECK("007", "%.3d", 7);
	CHECK("-005", "%+.3d", -5);
	CHECK("", "%.0d", 0);
	CHECK("     ", "%5.0d", 0);
	CHECK("", "%.0x", 0u);
	CHECK("     007", "%08.3d", 7);
	CHECK("7       |", "%-08d|", 7);
	CHECK("0x0000ff", "%#08x", 255u);
	CHECK("    0xff", "%#8x", 255u);
	CHECK("0x000ab", "%#.5x", 0xabu);
	CHECK("5", "%+u", 5u);
	CHECK("ff", "% x", 255u);
	CHECK("-1", "%hhd", 255);
	CHECK("7", "%hhu", 256 + 7);
	CHECK("-1", "%hd", 65535);
	CHECK("3", "%hu", 65536 + 3);
	CHECK("-9223372036854775808", "%ld", LONG_MIN);
	CHECK("18446744073709551615", "%lu", ULONG_MAX);
	CHECK("-9223372036854775808", "%lld", LLONG_MIN);
	CHECK("ffffffffffffffff", "%llx", ULLONG_MAX);
	CHECK("1777777777777777777777", "%llo", ULLONG_MAX);
	CHECK("01777777777777777777777", "%#llo", ULLONG_MAX);
	CHECK("18446744073709551615", "%zu", SIZE_MAX);
	CHECK("-5", "%zd", (long)-5);
	CHECK("-7", "%td", (ptrdiff_t)-7);
	CHECK("0000000000", "%.10x", 0u);
}

static void run_width_string_cases(void)
{
	CHECK("   42", "%*d", 5, 42);
	CHECK("42   |", "%-*d|", 5, 42);
	CHECK("42   |", "%*d|", -5, 42);	/* negative width: left-justify */
	CHECK("007", "%.*d", 3, 7);
	CHECK("7", "%.*d", -5, 7);		/* negative precision: none */
	CHECK("00042", "%0*.*d", 5, -2, 42);	/* ... so the 0 flag counts */
	CHECK("abcdef", "%.*s", -3, "abcdef");
	CHECK("   007", "%*.*d", 6, 3, 7);
	CHECK("abc", "%s", "abc");
	CHECK("  abc", "%5s", "abc");
	CHECK("abc  |", "%-5s|", "abc");
	CHECK("ab", "%.2s", "abcdef");
	CHECK("   ab", "%5.2s", "abcdef");
	CHECK("abc", "%.10s", "abc");
	CHECK("ab", "%.*s", 2, "abcdef");
	CHECK("", "%s", "");
	CHECK("x", "%c", 'x');
	CHECK("  x", "%3c", 'x');
	CHECK("x  |", "%-3c|", 'x');
	CHECK("%", "%%");
	CHECK("100%", "100%%");
	CHECK("a1b-2c0x3fd", "a%db%dc%#xd", 1, -2, 0x3f);
	CHECK("[cpu 3] pti=on pages=512", "[cpu %u] pti=%s pages=%lu", 3u, "on", 512ul);
	CHECK("plain text", "plain text");
}

static void test_c99_conversions(void **state)
{
	/* Every case at several buffer sizes, the tiny ones cutting mid-field. */
	static const size_t cuts[] = { 1, 2, 3, 5, 8, 1024 };

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		cut = cuts[i];
		run_integer_cases();
		run_width_string_cases();
	}
}

static void test_c99_return_and_truncation(void **state)
{
	char buf[16];

	assert_int_equal(snprintf(NULL, 0, "%d", 12345), 5);
	memset(buf, '#', sizeof(buf));
	assert_int_equal(snprintf(buf, 0, "%s", "hello"), 5);
	assert_int_equal(buf[0], '#');			/* size 0: nothing written */
	assert_int_equal(snprintf(buf, 1, "%s", "hello"), 5);
	assert_string_equal(buf, "");
	assert_int_equal(buf[1], '#');
	memset(buf, '#', sizeof(buf));
	assert_int_equal(snprintf(buf, 5, "hello world %d", 42), 14);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], '#');			/* nothing past size */
	memset(buf, '#', sizeof(buf));
	assert_int_equal(snprintf(buf, 6, "hello"), 5);	/* exact fit */
	assert_string_equal(buf, "hello");

	/* A wide field, counted in full though only the start fits. */
	static char wide[400];

	assert_int_equal(snprintf(wide, sizeof(wide), "%300d|", 1), 301);
	assert_int_equal(strlen(wide), 301);
	assert_string_equal(wide + 298, " 1|");
	assert_int_equal(snprintf(buf, sizeof(buf), "%-300s|", "x"), 301);
	assert_int_equal(strlen(buf), 15);
}

static void test_lull_pointer(void **state)
{
	char buf[64];

	assert_int_equal(snprintf(buf, sizeof(buf), "%p", (void *)0x1234), 18);
	assert_string_equal(buf, "0x0000000000001234");
	snprintf(buf, sizeof(buf), "%p", (void *)0xffffffff80001000ull);
	assert_string_equal(buf, "0xffffffff80001000");
	format_unchecked(buf, sizeof(buf), "%p", NULL);
	assert_string_equal(buf, "0x0000000000000000");
	snprintf(buf, sizeof(buf), "[%20p]", (void *)1);
	assert_string_equal(buf, "[  0x0000000000000001]");
	snprintf(buf, sizeof(buf), "[%-20p]", (void *)1);
	assert_string_equal(buf, "[0x0000000000000001  ]");
}

static void test_lull_null_string(void **state)
{
	char buf[64];

	assert_int_equal(format_unchecked(buf, sizeof(buf), "%s", NULL), 6);
	assert_string_equal(buf, "(null)");
	format_unchecked(buf, sizeof(buf), "[%8s]", NULL);
	assert_string_equal(buf, "[  (null)]");
	format_unchecked(buf, sizeof(buf), "[%.3s]", NULL);	/* precision cuts it */
	assert_string_equal(buf, "[(nu]");
}

/* Unknown conversions print as written and take no argument. */
static void test_lull_unknown_conversion(void **state)
{
	char buf[64];

	assert_int_equal(format_unchecked(buf, sizeof(buf), "%y"), 2);
	assert_string_equal(buf, "%y");
	format_unchecked(buf, sizeof(buf), "%q%d", 3);
	assert_string_equal(buf, "%q3");
	format_unchecked(buf, sizeof(buf), "%-5k|%s", "s");
	assert_string_equal(buf, "%-5k|s");
	assert_int_equal(format_unchecked(buf, sizeof(buf), "abc%"), 4);
	assert_string_equal(buf, "abc%");
	format_unchecked(buf, sizeof(buf), "x%05");
	assert_string_equal(buf, "x%05");
	format_unchecked(buf, sizeof(buf), "%ll");
	assert_string_equal(buf, "%ll");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_c99_conversions),
		cmocka_unit_test(test_c99_return_and_truncation),
		cmocka_unit_test(test_lull_pointer),
		cmocka_unit_test(test_lull_null_string),
		cmocka_unit_test(test_lull_unknown_conversion),
	};

	return cmocka_run_group_tests_name("kernel/format.c", tests, NULL, NULL);
}
