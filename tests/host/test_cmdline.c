/*
 * Host tests for kernel/cmdline.c: every word, good and bad. Warnings are
 * caught through the callback and checked by substring, and every one must
 * be a single line starting "cmdline: ".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kernel/cmdline.h"
#include "kernel/format.h"
#include "kernel/string.h"

#define MAX_WARN 16

static char warned[MAX_WARN][512];
static int nwarned;

static void catch_warning(const char *msg)
{
	assert_true(nwarned < MAX_WARN);
	assert_null(strchr(msg, '\n'));
	assert_int_equal(strncmp(msg, "cmdline: ", 9), 0);
	assert_true(strlen(msg) < sizeof(warned[0]));
	strlcpy(warned[nwarned++], msg, sizeof(warned[0]));
}

static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++) {
		if (!strncmp(hay, needle, n))
			return true;
	}
	return n == 0;
}

/* Parse; the count returned must match the warnings the callback saw. */
static int parse(const char *text, struct cmdline *c)
{
	nwarned = 0;
	int n = cmdline_parse(text, c, catch_warning);

	assert_int_equal(n, nwarned);
	return n;
}

/* Parse one bad word: exactly one warning, holding every given piece. */
static void expect_warning(const char *text, struct cmdline *c, const char *a,
			   const char *b, const char *keep)
{
	if (parse(text, c) != 1)
		fail_msg("'%s': %d warnings, want 1", text, nwarned);
	if (!contains(warned[0], a) || !contains(warned[0], b) || !contains(warned[0], keep))
		fail_msg("'%s' warned \"%s\", want \"%s\", \"%s\", \"%s\"",
			 text, warned[0], a, b, keep);
}

static void assert_defaults(const struct cmdline *c)
{
	struct cmdline d;

	cmdline_defaults(&d);
	assert_memory_equal(c, &d, sizeof(d));
}

static void test_defaults(void **state)
{
	struct cmdline c;

	memset(&c, 0x5a, sizeof(c));
	cmdline_defaults(&c);
	assert_true(c.pti);
	assert_true(c.pcid);
	assert_true(c.coalesce_tlbi);
	assert_int_equal(c.loglevel, 6);
	assert_int_equal(c.lazy_max_pages, 0);
	assert_string_equal(c.ktest, "");
	assert_string_equal(c.experiment, "");
	assert_string_equal(c.nohz_full, "");
	assert_string_equal(c.isolcpus, "");

	memset(&c, 0x5a, sizeof(c));
	assert_int_equal(parse(NULL, &c), 0);
	assert_defaults(&c);
	assert_int_equal(parse("", &c), 0);
	assert_defaults(&c);
	assert_int_equal(parse(" \t\n\r\v\f ", &c), 0);
	assert_defaults(&c);
	/* The definition exists for the kernel, and works like any other. */
	assert_int_equal(parse("loglevel=2", &boot_cmdline), 0);
	assert_int_equal(boot_cmdline.loglevel, 2);
}

static void test_every_word(void **state)
{
	struct cmdline c;

	assert_int_equal(parse("pti=off nopcid\tcoalesce_tlbi=off\nloglevel=0 "
			       "lazy_max_pages=18446744073709551615 ktest=all "
			       "experiment=ipi-storm_2 nohz_full=4-7 isolcpus=domain,1-3", &c), 0);
	assert_false(c.pti);
	assert_false(c.pcid);
	assert_false(c.coalesce_tlbi);
	assert_int_equal(c.loglevel, 0);
	assert_true(c.lazy_max_pages == 18446744073709551615ul);
	assert_string_equal(c.ktest, "all");
	assert_string_equal(c.experiment, "ipi-storm_2");
	assert_string_equal(c.nohz_full, "4-7");
	assert_string_equal(c.isolcpus, "domain,1-3");

	assert_int_equal(parse("pti=on coalesce_tlbi=on loglevel=7 lazy_max_pages=1 "
			       "ktest=tlb,ipi_2,a", &c), 0);
	assert_true(c.pti && c.pcid && c.coalesce_tlbi);
	assert_int_equal(c.loglevel, 7);
	assert_int_equal(c.lazy_max_pages, 1);
	assert_string_equal(c.ktest, "tlb,ipi_2,a");
	/* Text words are kept verbatim, whatever they hold. */
	assert_int_equal(parse("nohz_full=a=b,,!", &c), 0);
	assert_string_equal(c.nohz_full, "a=b,,!");
}

static void test_later_word_wins(void **state)
{
	struct cmdline c;

	/* Each change of a value given before is pointed out. */
	assert_int_equal(parse("loglevel=3 pti=off loglevel=5 pti=on ktest=a ktest=b", &c), 3);
	assert_int_equal(c.loglevel, 5);
	assert_true(c.pti);
	assert_string_equal(c.ktest, "b");
	assert_string_equal(warned[0], "cmdline: loglevel=5 overrides the earlier loglevel=3");
	assert_string_equal(warned[1], "cmdline: pti=on overrides the earlier pti=off");
	assert_string_equal(warned[2], "cmdline: ktest=b overrides the earlier ktest=a");
	/* A repetition that changes nothing is harmless, and silent. */
	assert_int_equal(parse("pti=off nopcid pti=off nopcid ktest=a ktest=a", &c), 0);
	assert_false(c.pti || c.pcid);
	/* So is a word that only restates the default, the first time. */
	assert_int_equal(parse("pti=on loglevel=6", &c), 0);
	/* The default is not an earlier word: changing it is no override. */
	assert_int_equal(parse("pti=off", &c), 0);
	/* Three times: each change is one warning, naming the value before. */
	assert_int_equal(parse("loglevel=1 loglevel=2 loglevel=2 loglevel=7", &c), 2);
	assert_string_equal(warned[0], "cmdline: loglevel=2 overrides the earlier loglevel=1");
	assert_string_equal(warned[1], "cmdline: loglevel=7 overrides the earlier loglevel=2");
	/* A bad repetition keeps, and names, the earlier good value. */
	expect_warning("pti=off pti=maybe", &c, "pti=maybe", "expected on or off", "keeping pti=off");
	assert_false(c.pti);
	expect_warning("ktest=x,y ktest=X", &c, "ktest=X", "names", "keeping ktest=x,y");
	assert_string_equal(c.ktest, "x,y");
	expect_warning("lazy_max_pages=9 lazy_max_pages=0", &c, "lazy_max_pages=0", "1 to",
		       "keeping lazy_max_pages=9");
	assert_int_equal(c.lazy_max_pages, 9);
}

static void test_on_off_and_flags(void **state)
{
	struct cmdline c;

	expect_warning("pti=maybe", &c, "cmdline: pti=maybe:", "expected on or off",
		       "keeping pti=on");
	assert_defaults(&c);
	expect_warning("pti=ON", &c, "pti=ON", "on or off", "keeping pti=on");
	expect_warning("pti=o", &c, "pti=o", "on or off", "keeping pti=on");
	expect_warning("pti=offf", &c, "pti=offf", "on or off", "keeping pti=on");
	expect_warning("pti", &c, "pti", "missing =value", "keeping pti=on");
	expect_warning("pti=", &c, "pti=", "empty value", "keeping pti=on");
	expect_warning("coalesce_tlbi=1", &c, "coalesce_tlbi=1", "on or off",
		       "keeping coalesce_tlbi=on");
	expect_warning("nopcid=1", &c, "nopcid=1", "takes no value", "keeping pcid=on");
	expect_warning("nopcid=", &c, "nopcid=", "takes no value", "keeping pcid=on");
	assert_defaults(&c);
}

static void test_numbers(void **state)
{
	struct cmdline c;

	assert_int_equal(parse("loglevel=07", &c), 0);	/* leading zeros are decimal */
	assert_int_equal(c.loglevel, 7);
	expect_warning("loglevel=8", &c, "loglevel=8", "from 0 to 7", "keeping loglevel=6");
	expect_warning("loglevel=-1", &c, "loglevel=-1", "from 0 to 7", "keeping loglevel=6");
	expect_warning("loglevel=+1", &c, "loglevel=+1", "decimal", "keeping loglevel=6");
	expect_warning("loglevel=1x", &c, "loglevel=1x", "decimal", "keeping loglevel=6");
	expect_warning("loglevel=4294967302", &c, "loglevel=4294967302", "0 to 7",
		       "keeping loglevel=6");
	expect_warning("lazy_max_pages=", &c, "lazy_max_pages=:", "empty value",
		       "keeping lazy_max_pages=auto");
	expect_warning("lazy_max_pages=0", &c, "lazy_max_pages=0", "from 1 to",
		       "keeping lazy_max_pages=auto");
	expect_warning("lazy_max_pages=0x10", &c, "0x10", "decimal", "lazy_max_pages=auto");
	expect_warning("lazy_max_pages=18446744073709551616", &c, "551616", "decimal",
		       "keeping lazy_max_pages=auto");
	expect_warning("lazy_max_pages=99999999999999999999999", &c, "999", "decimal",
		       "keeping lazy_max_pages=auto");
	/* The fuzzer's seeds are 32 bits: one more is refused, not cut. */
	expect_warning("fuzz_seed=4294967296", &c, "fuzz_seed=4294967296", "from 1 to 4294967295",
		       "keeping fuzz_seed=from the TSC");
	assert_defaults(&c);
	assert_int_equal(parse("fuzz_seed=4294967295 fuzz_calls=1", &c), 0);
	assert_true(c.fuzz_seed == 4294967295ul && c.fuzz_calls == 1);
	/* A space inside a value splits it into two words, two warnings. */
	assert_int_equal(parse("lazy_max_pages= 5", &c), 2);
	assert_true(contains(warned[0], "empty value"));
	assert_true(contains(warned[1], "unknown word '5'"));
}

static void test_names_and_lists(void **state)
{
	struct cmdline c;
	char text[400];

	static const char *bad_lists[] = { "ktest=a,,b", "ktest=,a", "ktest=a,", "ktest=,",
					   "ktest=A", "ktest=a-b", "ktest=a;b" };

	for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++)
		expect_warning(bad_lists[i], &c, bad_lists[i], "names", "keeping ktest=(none)");
	expect_warning("ktest=", &c, "ktest=", "empty value", "keeping ktest=(none)");
	expect_warning("experiment=Foo", &c, "experiment=Foo", "name",
		       "keeping experiment=(none)");
	expect_warning("experiment=a.b", &c, "experiment=a.b", "name", "experiment=(none)");
	expect_warning("experiment=a,b", &c, "experiment=a,b", "name", "experiment=(none)");
	expect_warning("nohz_full=", &c, "nohz_full=", "empty value", "keeping nohz_full=(none)");
	expect_warning("isolcpus", &c, "isolcpus", "missing", "keeping isolcpus=(none)");
	assert_defaults(&c);

	/* Lengths: the buffer's size minus its NUL fits, one more does not. */
	snprintf(text, sizeof(text), "experiment=%031d", 0);
	assert_int_equal(parse(text, &c), 0);
	assert_int_equal(strlen(c.experiment), CMDLINE_NAME_MAX - 1);
	snprintf(text, sizeof(text), "experiment=%032d", 0);
	expect_warning(text, &c, "experiment=000", "longer than 31 bytes", "experiment=(none)");
	snprintf(text, sizeof(text), "nohz_full=%0255d", 7);
	assert_int_equal(parse(text, &c), 0);
	assert_int_equal(strlen(c.nohz_full), CMDLINE_LIST_MAX - 1);
	snprintf(text, sizeof(text), "isolcpus=%0256d", 7);
	expect_warning(text, &c, "isolcpus=000", "longer than 255 bytes", "isolcpus=(none)");
	/* A long bad word is quoted cut short, still on one line. */
	assert_true(strlen(warned[0]) < 200);
	assert_true(contains(warned[0], "..."));
}

static void test_unknown_words(void **state)
{
	struct cmdline c;

	expect_warning("foo=1", &c, "cmdline: unknown word 'foo=1' ignored", "", "");
	/* Words match whole, never by prefix. */
	expect_warning("ptix=on", &c, "unknown word 'ptix=on'", "", "");
	expect_warning("pt=on", &c, "unknown word 'pt=on'", "", "");
	expect_warning("nopcidx", &c, "unknown word 'nopcidx'", "", "");
	expect_warning("=on", &c, "unknown word '=on'", "", "");
	expect_warning("=", &c, "unknown word '='", "", "");
	expect_warning("PTI=on", &c, "unknown word 'PTI=on'", "", "");
	assert_defaults(&c);
	assert_int_equal(parse("a b pti=off c", &c), 3);
	assert_false(c.pti);
}

static void test_long_line(void **state)
{
	static char text[CMDLINE_MAX + 64];
	struct cmdline c;

	/* Exactly CMDLINE_MAX - 1 bytes: fine, last word parsed. */
	memset(text, ' ', CMDLINE_MAX - 1);
	memcpy(text, "pti=off", 7);
	memcpy(text + CMDLINE_MAX - 1 - 10, "loglevel=2", 10);
	text[CMDLINE_MAX - 1] = 0;
	assert_int_equal(parse(text, &c), 0);
	assert_false(c.pti);
	assert_int_equal(c.loglevel, 2);

	/* One byte more: one warning, and the word past the cut is not seen. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "loglevel=1", 10);
	memcpy(text + CMDLINE_MAX + 10, "loglevel=3", 10);
	text[sizeof(text) - 1] = 0;
	assert_int_equal(parse(text, &c), 1);
	assert_true(contains(warned[0], "longer than 1023 bytes"));
	assert_int_equal(c.loglevel, 1);

	/* A word across the cut is parsed as cut: "loglevel=5" loses its 5. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "loglevel=1", 10);
	memcpy(text + CMDLINE_MAX - 10, "loglevel=5", 10);
	text[sizeof(text) - 1] = 0;
	assert_int_equal(parse(text, &c), 2);
	assert_true(contains(warned[1], "loglevel=: empty value; keeping loglevel=1"));
	assert_int_equal(c.loglevel, 1);
}

static void test_garbage_bytes(void **state)
{
	struct cmdline c;

	/* Non-printable bytes separate words; one warning for all of them. */
	assert_int_equal(parse("pti=off\x01loglevel=3\x80nopcid\x7f" "ktest=a\x1b", &c), 1);
	assert_true(contains(warned[0], "0x01"));
	assert_false(c.pti);
	assert_int_equal(c.loglevel, 3);
	assert_false(c.pcid);
	assert_string_equal(c.ktest, "a");
	assert_int_equal(parse("\xff\xfe", &c), 1);
	assert_true(contains(warned[0], "0xff"));
	assert_defaults(&c);
}

static void test_printable(void **state)
{
	char out[64];

	cmdline_printable("ktest=boot pti=off", out, sizeof(out));
	assert_string_equal(out, "ktest=boot pti=off");
	cmdline_printable("a\x01" "b\x1b[2Jc\x7f\xc3\xa9\\", out, sizeof(out));
	assert_string_equal(out, "a\\x01b\\x1b[2Jc\\x7f\\xc3\\xa9\\x5c");
	cmdline_printable("", out, sizeof(out));
	assert_string_equal(out, "");

	/* Cut to fit: "..." at the end, never half of a \xHH. */
	cmdline_printable("abcdefghij", out, 8);
	assert_string_equal(out, "abcd...");
	cmdline_printable("abcdefg", out, 8);           /* fits exactly */
	assert_string_equal(out, "abcdefg");
	cmdline_printable("ab\x01" "cdefg", out, 8);
	assert_string_equal(out, "ab...");
	cmdline_printable("abcd\x01", out, 8);        /* the last byte does not fit */
	assert_string_equal(out, "abcd...");
	cmdline_printable("abc", out, 3);               /* no room even for "..." */
	assert_string_equal(out, "");
	memset(out, '#', sizeof(out));
	cmdline_printable("abc", out, 0);
	assert_int_equal(out[0], '#');

	/* The longest command line, all of it unprintable, fits 4 bytes each. */
	static char text[CMDLINE_MAX], shown[4 * CMDLINE_MAX];
	memset(text, 0x01, CMDLINE_MAX - 1);
	cmdline_printable(text, shown, sizeof(shown));
	assert_int_equal(strlen(shown), 4 * (CMDLINE_MAX - 1));
}

static void test_no_callback(void **state)
{
	struct cmdline c;

	assert_int_equal(cmdline_parse("bad pti=x loglevel=2", &c, NULL), 2);
	assert_int_equal(c.loglevel, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_word),
		cmocka_unit_test(test_later_word_wins),
		cmocka_unit_test(test_on_off_and_flags),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_names_and_lists),
		cmocka_unit_test(test_unknown_words),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_garbage_bytes),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_no_callback),
	};

	return cmocka_run_group_tests_name("kernel/cmdline.c", tests, NULL, NULL);
}
