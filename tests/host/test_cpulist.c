/*
 * Host tests for smp/cpulist.c: good lists and every error by hand (each
 * message checked by a substring), cut output, then seeded random masks
 * round-tripped through format and parse, and random stride items against a
 * model. The seeds are printed; CPULIST_SEED=n reruns one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/random.h"
#include "kernel/format.h"
#include "smp/cpulist.h"

static char err[128];

/* Parse s for nr_cpus CPUs, expecting success; the result as a list. */
static const char *parsed(const char *s, unsigned nr_cpus)
{
	static char out[1024];
	struct cpumask m;
	int rc = cpulist_parse(s, &m, nr_cpus, err, sizeof(err));

	if (rc)
		fail_msg("\"%s\": %d, %s", s, rc, err);
	assert_string_equal(err, "");
	cpulist_format(&m, out, sizeof(out));
	return out;
}

/* Parse s, expecting error rc with a message containing text; the mask
 * given must not change. */
static void rejects(const char *s, unsigned nr_cpus, int rc, const char *text)
{
	struct cpumask m, before;

	cpumask_clear(&m);
	cpumask_set(&m, 42);
	before = m;
	assert_int_equal(cpulist_parse(s, &m, nr_cpus, err, sizeof(err)), rc);
	if (!strstr(err, text))
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", s, err, text);
	assert_true(cpumask_equal(&m, &before));
}

static void good_lists(void **state)
{
	assert_string_equal(parsed("0", 8), "0");
	assert_string_equal(parsed("0-3", 8), "0-3");
	assert_string_equal(parsed("7-8,0-3,5", 16), "0-3,5,7-8");
	assert_string_equal(parsed("1-3,2-4,4,4", 8), "1-4");
	assert_string_equal(parsed("007", 8), "7");
	assert_string_equal(parsed("N", 8), "7");
	assert_string_equal(parsed("1-N", 8), "1-7");
	assert_string_equal(parsed("N-N,0", 8), "0,7");
	assert_string_equal(parsed("0-255", 256), "0-255");
	/* More CPUs than a mask holds: the mask's limit applies. */
	assert_string_equal(parsed("N", 1000), "255");
}

static void stride_groups(void **state)
{
	assert_string_equal(parsed("0-9:2/5", 16), "0-1,5-6");
	assert_string_equal(parsed("0-15:1/4", 16), "0,4,8,12");
	assert_string_equal(parsed("2-13:3/4", 16), "2-4,6-8,10-12");
	assert_string_equal(parsed("3-5:2/2", 16), "3-5");          /* last group cut at B */
	assert_string_equal(parsed("4-7:4/4", 16), "4-7");
	assert_string_equal(parsed("0-7:3/1000000", 16), "0-2");
	assert_string_equal(parsed("0-255:1/4294967295", 256), "0"); /* no wrap */
	assert_string_equal(parsed("1-7:0/2", 16), "");             /* as in Linux */
	assert_string_equal(parsed("0-N:1/N", 8), "0,7");
}

static void syntax_errors(void **state)
{
	rejects("", 8, CPULIST_EINVAL, "cpulist: the list is empty");
	rejects("1,,2", 8, CPULIST_EINVAL, "empty item at offset 2");
	rejects("1,", 8, CPULIST_EINVAL, "empty item at offset 2");
	rejects(",1", 8, CPULIST_EINVAL, "empty item at offset 0");
	rejects("x", 8, CPULIST_EINVAL, "item \"x\": expected a number or N at \"x\"");
	rejects("1,a-3", 8, CPULIST_EINVAL, "item \"a-3\": expected a number or N at \"a-3\"");
	rejects("2-b", 8, CPULIST_EINVAL, "item \"2-b\": expected a number or N at \"b\"");
	rejects("-3", 8, CPULIST_EINVAL, "item \"-3\": expected a number");
	rejects("1-", 8, CPULIST_EINVAL, "item \"1-\": a number is missing at the end");
	rejects("0-7:", 8, CPULIST_EINVAL, "a number is missing at the end");
	rejects("0-7:1", 8, CPULIST_EINVAL, "item \"0-7:1\": expected \"/\" after the 1");
	rejects("0-7:1/", 8, CPULIST_EINVAL, "a number is missing at the end");
	rejects("3x,4", 8, CPULIST_EINVAL, "item \"3x\": unexpected \"x\"");
	rejects("3 ", 8, CPULIST_EINVAL, "unexpected \" \"");
	rejects("N5", 8, CPULIST_EINVAL, "item \"N5\": unexpected \"5\"");
	rejects("3:1/2", 8, CPULIST_EINVAL, "item \"3:1/2\": unexpected \":1/2\"");
	rejects("0-7:1/2x", 8, CPULIST_EINVAL, "unexpected \"x\"");
	rejects("5-3x", 8, CPULIST_EINVAL, "unexpected \"x\"");     /* garbage first */
}

static void value_errors(void **state)
{
	rejects("5-3", 8, CPULIST_EINVAL, "item \"5-3\": the range ends (3) before it starts (5)");
	rejects("0-7:5/4", 8, CPULIST_EINVAL, "item \"0-7:5/4\": uses 5 CPUs of groups of only 4");
	rejects("0-7:1/0", 8, CPULIST_EINVAL, "item \"0-7:1/0\": the group size is 0");
	rejects("0,8", 8, CPULIST_ERANGE, "item \"8\": CPU 8 does not exist (CPUs are 0-7)");
	rejects("6-9", 8, CPULIST_ERANGE, "CPU 9 does not exist (CPUs are 0-7)");
	rejects("256", 1000, CPULIST_ERANGE, "CPU 256 does not exist (CPUs are 0-255)");
	rejects("0", 0, CPULIST_ERANGE, "item \"0\": there are no CPUs");
	rejects("4294967295", 8, CPULIST_ERANGE, "CPU 4294967295 does not exist");
	rejects("4294967296", 8, CPULIST_EOVERFLOW, "item \"4294967296\": number too large");
	rejects("1-99999999999999999999999", 8, CPULIST_EOVERFLOW, "number too large");
	rejects("0-7:1/4294967296", 8, CPULIST_EOVERFLOW, "number too large");
}

static void error_buffer_edges(void **state)
{
	struct cpumask m;
	char small[12], long_item[80];

	/* A long item is quoted only in part. */
	memset(long_item, '7', sizeof(long_item) - 1);
	long_item[sizeof(long_item) - 1] = 0;
	rejects(long_item, 8, CPULIST_EOVERFLOW, "\"7777777777777777777777777777777777777777...\"");

	/* Small buffers are cut and terminated; none at all is fine. */
	memset(small, 'z', sizeof(small));
	assert_int_equal(cpulist_parse("9", &m, 8, small, sizeof(small)), CPULIST_ERANGE);
	assert_string_equal(small, "cpulist: it");
	assert_int_equal(cpulist_parse("", &m, 8, NULL, 0), CPULIST_EINVAL);
	assert_int_equal(cpulist_parse(",", &m, 8, NULL, 0), CPULIST_EINVAL);
	assert_int_equal(cpulist_parse("x", &m, 8, NULL, 0), CPULIST_EINVAL);
	assert_int_equal(cpulist_parse("1", &m, 8, NULL, 0), 0);
	assert_true(cpumask_test(&m, 1));
}

static void format_edges(void **state)
{
	struct cpumask m;
	char buf[16];

	cpumask_clear(&m);
	memset(buf, 'z', sizeof(buf));
	assert_int_equal(cpulist_format(&m, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	cpumask_set(&m, 255);
	assert_int_equal(cpulist_format(&m, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "255");
	cpumask_setall(&m, NR_CPUS_MAX);
	assert_int_equal(cpulist_format(&m, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "0-255");

	/* "0-3,5,7-8" cut: the full length is still returned. */
	cpumask_setall(&m, 4);
	cpumask_set(&m, 5);
	cpumask_set(&m, 7);
	cpumask_set(&m, 8);
	assert_int_equal(cpulist_format(&m, buf, 5), 9);
	assert_string_equal(buf, "0-3,");
	assert_int_equal(cpulist_format(&m, buf, 1), 9);
	assert_string_equal(buf, "");
	assert_int_equal(cpulist_format(&m, NULL, 0), 9);
	assert_int_equal(cpulist_format(&m, buf, 10), 9);
	assert_string_equal(buf, "0-3,5,7-8");
}


static void random_round_trip(void **state)
{
	const char *env = getenv("CPULIST_SEED");
	uint64_t seed0 = env ? strtoull(env, NULL, 0) : 1;
	int seeds = env ? 1 : 2000;
	static char text[1100];

	print_message("cpulist: seeds %lu-%lu\n", seed0, seed0 + seeds - 1);
	for (uint64_t seed = seed0; seed < seed0 + (uint64_t)seeds; seed++) {
		struct cpumask m, back;
		unsigned density, n;

		test_seed(seed);
		density = test_random() % 101;
		cpumask_clear(&m);
		for (unsigned cpu = 0; cpu < NR_CPUS_MAX; cpu++) {
			if (test_random() % 100 < density)
				cpumask_set(&m, cpu);
		}
		n = (unsigned)cpulist_format(&m, text, sizeof(text));
		if (n != strlen(text))
			fail_msg("seed %lu: format returned %u for \"%s\"", seed, n, text);
		if (cpumask_empty(&m))
			continue;       /* "" is refused on purpose */
		if (cpulist_parse(text, &back, NR_CPUS_MAX, err, sizeof(err)) != 0 ||
		    !cpumask_equal(&m, &back))
			fail_msg("seed %lu: \"%s\" did not come back (%s)", seed, text, err);
	}
}

/* Random "A-B:U/G" items against the definition, for the same seeds. */
static void random_strides(void **state)
{
	const char *env = getenv("CPULIST_SEED");
	uint64_t seed0 = env ? strtoull(env, NULL, 0) : 1;
	int seeds = env ? 1 : 2000;

	for (uint64_t seed = seed0; seed < seed0 + (uint64_t)seeds; seed++) {
		struct cpumask m;
		unsigned a, b, g, u;
		char item[48];

		test_seed(seed);
		a = test_random() % NR_CPUS_MAX;
		b = a + test_random() % (NR_CPUS_MAX - a);
		g = test_random() % 40 + 1;
		u = test_random() % (g + 1);
		snprintf(item, sizeof(item), "%u-%u:%u/%u", a, b, u, g);
		if (cpulist_parse(item, &m, NR_CPUS_MAX, err, sizeof(err)) != 0)
			fail_msg("seed %lu: \"%s\": %s", seed, item, err);
		for (unsigned cpu = 0; cpu < NR_CPUS_MAX; cpu++) {
			bool want = cpu >= a && cpu <= b && (cpu - a) % g < u;

			if (cpumask_test(&m, cpu) != want)
				fail_msg("seed %lu: \"%s\": CPU %u is %d", seed, item, cpu, !want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_lists),
		cmocka_unit_test(stride_groups),
		cmocka_unit_test(syntax_errors),
		cmocka_unit_test(value_errors),
		cmocka_unit_test(error_buffer_edges),
		cmocka_unit_test(format_edges),
		cmocka_unit_test(random_round_trip),
		cmocka_unit_test(random_strides),
	};

	return cmocka_run_group_tests_name("smp/cpulist.c", tests, NULL, NULL);
}
