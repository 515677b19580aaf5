/*
 * Host tests for smp/housekeeping.c: nohz_full= and isolcpus= by hand, each
 * result checked type by type and each warning checked word for word. Every
 * parse also checks the invariants: CPU 0 does every kind of housekeeping,
 * no CPU at or past nr_cpus appears, and isolated is exactly the CPUs left
 * out of some type.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "kernel/format.h"
#include "smp/cpulist.h"
#include "smp/housekeeping.h"

#define MAX_WARNINGS 8

static char warnings[MAX_WARNINGS][512];
static unsigned nr_warnings;

static void record_warning(const char *msg)
{
	assert_true(nr_warnings < MAX_WARNINGS);
	snprintf(warnings[nr_warnings++], sizeof(warnings[0]), "%s", msg);
}

static void check_invariants(const struct housekeeping *h, unsigned nr_cpus,
			     const struct cpumask *online)
{
	struct cpumask all, left_out, isolated;

	cpumask_setall(&all, nr_cpus);
	if (online)
		cpumask_and(&all, &all, online);
	cpumask_clear(&isolated);
	for (unsigned t = 0; t < HK_TYPES; t++) {
		if (cpumask_test(&all, 0))
			assert_true(cpumask_test(&h->hk[t], 0));
		assert_false(cpumask_andnot(&left_out, &h->hk[t], &all));
		cpumask_andnot(&left_out, &all, &h->hk[t]);
		cpumask_or(&isolated, &isolated, &left_out);
	}
	assert_true(cpumask_equal(&isolated, &h->isolated));
}

/* Parse with warnings recorded, the CPUs in online running (NULL: all);
 * the struct is poisoned first. */
static struct housekeeping parse_online(const char *nohz_full, const char *isolcpus,
					unsigned nr_cpus, const struct cpumask *online)
{
	struct housekeeping h;

	memset(&h, 0x5a, sizeof(h));
	nr_warnings = 0;
	housekeeping_parse(nohz_full, isolcpus, nr_cpus, online, &h, record_warning);
	check_invariants(&h, nr_cpus, online);
	return h;
}

static struct housekeeping parse(const char *nohz_full, const char *isolcpus, unsigned nr_cpus)
{
	return parse_online(nohz_full, isolcpus, nr_cpus, NULL);
}

static void expect_list(const struct cpumask *m, const char *want, const char *what)
{
	char got[1024];

	cpulist_format(m, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("%s: \"%s\", expected \"%s\"", what, got, want);
}

/* Each type's housekeeping CPUs, then the isolated ones, as lists. */
static void expect_hk(const struct housekeeping *h, const char *tick, const char *noise,
		      const char *irq, const char *unbound, const char *isolated)
{
	expect_list(&h->hk[HK_TICK], tick, "tick");
	expect_list(&h->hk[HK_NOISE], noise, "noise");
	expect_list(&h->hk[HK_IRQ], irq, "irq");
	expect_list(&h->hk[HK_UNBOUND], unbound, "unbound");
	expect_list(&h->isolated, isolated, "isolated");
}

static void expect_no_warning(void)
{
	if (nr_warnings)
		fail_msg("unexpected warning \"%s\"", warnings[0]);
}

static void expect_warning(const char *text)
{
	if (nr_warnings != 1)
		fail_msg("%u warnings, expected 1: \"%s\"", nr_warnings, text);
	assert_string_equal(warnings[0], text);
}

static void nothing_given(void **state)
{
	struct housekeeping h = parse(NULL, NULL, 8);

	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_no_warning();
	h = parse(NULL, NULL, 1);
	expect_hk(&h, "0", "0", "0", "0", "");
	h = parse(NULL, NULL, 1000);            /* capped at NR_CPUS_MAX */
	expect_hk(&h, "0-255", "0-255", "0-255", "0-255", "");
	h = parse(NULL, NULL, 0);
	expect_hk(&h, "", "", "", "", "");
	expect_no_warning();
	/* No callback: the same results, silently. */
	housekeeping_parse("0-3", "", 8, NULL, &h, NULL);
	expect_hk(&h, "0,4-7", "0,4-7", "0-7", "0-7", "1-3");
}

static void nohz_full_lists(void **state)
{
	struct housekeeping h = parse("4-7", NULL, 8);

	/* Tick and noise, not unbound work or interrupts, as in Linux. */
	expect_hk(&h, "0-3", "0-3", "0-7", "0-7", "4-7");
	expect_no_warning();
	h = parse("2,5-6", NULL, 8);
	expect_hk(&h, "0-1,3-4,7", "0-1,3-4,7", "0-7", "0-7", "2,5-6");
	h = parse("1-7:2/4", NULL, 8);
	expect_hk(&h, "0,3-4,7", "0,3-4,7", "0-7", "0-7", "1-2,5-6");
	h = parse("6,1,3-4,4", NULL, 16);
	expect_hk(&h, "0,2,5,7-15", "0,2,5,7-15", "0-15", "0-15", "1,3-4,6");
	expect_no_warning();
}

static void nohz_full_n(void **state)
{
	struct housekeeping h = parse("N", NULL, 8);

	expect_hk(&h, "0-6", "0-6", "0-7", "0-7", "7");
	h = parse("4-N", NULL, 8);
	expect_hk(&h, "0-3", "0-3", "0-7", "0-7", "4-7");
	h = parse("1-N", NULL, 64);
	expect_hk(&h, "0", "0", "0-63", "0-63", "1-63");
	expect_no_warning();
}

static void isolcpus_without_flags(void **state)
{
	/* No flag means domain: only unbound work and scheduler domains. */
	struct housekeeping h = parse(NULL, "2-5", 8);

	expect_hk(&h, "0-7", "0-7", "0-7", "0-1,6-7", "2-5");
	expect_no_warning();
	h = parse(NULL, "N", 8);                /* N is a list, not a flag */
	expect_hk(&h, "0-7", "0-7", "0-7", "0-6", "7");
	expect_no_warning();
}

static void isolcpus_flags(void **state)
{
	struct housekeeping h = parse(NULL, "nohz,domain,managed_irq,2-5", 8);

	expect_hk(&h, "0-1,6-7", "0-1,6-7", "0-1,6-7", "0-1,6-7", "2-5");
	expect_no_warning();
	h = parse(NULL, "nohz,4-7", 8);         /* the same as nohz_full=4-7 */
	expect_hk(&h, "0-3", "0-3", "0-7", "0-7", "4-7");
	h = parse(NULL, "managed_irq,3", 8);    /* a flag replaces the default domain */
	expect_hk(&h, "0-7", "0-7", "0-2,4-7", "0-7", "3");
	h = parse(NULL, "domain,domain,1-2", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0,3-7", "1-2");
	h = parse(NULL, "managed_irq,domain,6-N", 8);
	expect_hk(&h, "0-7", "0-7", "0-5", "0-5", "6-7");
	expect_no_warning();
}

static void isolcpus_unknown_flag(void **state)
{
	struct housekeeping h = parse(NULL, "nohz,fast,2-3", 8);

	expect_hk(&h, "0-1,4-7", "0-1,4-7", "0-7", "0-7", "2-3");
	expect_warning("housekeeping: isolcpus=nohz,fast,2-3: unknown flag 'fast' ignored");
	/* Only unknown flags: no flag was understood, so the default, domain. */
	h = parse(NULL, "fast,2-3", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-1,4-7", "2-3");
	assert_int_equal(nr_warnings, 2);
	assert_string_equal(warnings[0], "housekeeping: isolcpus=fast,2-3: unknown flag 'fast' "
			    "ignored");
	assert_string_equal(warnings[1], "housekeeping: isolcpus=fast,2-3: no known flag; "
			    "isolating from unbound work (domain), as with no flag");
	/* Linux's spellings only. */
	h = parse(NULL, "managed-irq,nohz_full,3", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-2,4-7", "3");
	assert_int_equal(nr_warnings, 3);
	assert_string_equal(warnings[0], "housekeeping: isolcpus=managed-irq,nohz_full,3: "
			    "unknown flag 'managed-irq' ignored");
	assert_string_equal(warnings[1], "housekeeping: isolcpus=managed-irq,nohz_full,3: "
			    "unknown flag 'nohz_full' ignored");
	assert_string_equal(warnings[2], "housekeeping: isolcpus=managed-irq,nohz_full,3: "
			    "no known flag; isolating from unbound work (domain), as with no flag");
	/* Unknown flags and no list: the missing list is what counts. */
	h = parse(NULL, "fast", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	assert_int_equal(nr_warnings, 2);
	assert_string_equal(warnings[1], "housekeeping: isolcpus=fast: no CPU list after the "
			    "flags; ignored");
}

static void boot_cpu_in_list(void **state)
{
	struct housekeeping h = parse("0-3", NULL, 8);

	expect_hk(&h, "0,4-7", "0,4-7", "0-7", "0-7", "1-3");
	expect_warning("housekeeping: nohz_full=0-3: CPU 0 (the boot CPU) always does "
		       "housekeeping; isolating 1-3");
	h = parse(NULL, "managed_irq,0,5", 8);
	expect_hk(&h, "0-7", "0-7", "0-4,6-7", "0-7", "5");
	expect_warning("housekeeping: isolcpus=managed_irq,0,5: CPU 0 (the boot CPU) always "
		       "does housekeeping; isolating 5");
	h = parse("0", NULL, 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: nohz_full=0: CPU 0 (the boot CPU) always does "
		       "housekeeping; isolating none");
	h = parse("0", NULL, 1);                /* the only CPU */
	expect_hk(&h, "0", "0", "0", "0", "");
	expect_warning("housekeeping: nohz_full=0: CPU 0 (the boot CPU) always does "
		       "housekeeping; isolating none");
}

static void all_cpus(void **state)
{
	struct housekeeping h = parse("0-7", NULL, 8);

	expect_hk(&h, "0", "0", "0-7", "0-7", "1-7");
	expect_warning("housekeeping: nohz_full=0-7: CPU 0 (the boot CPU) always does "
		       "housekeeping; isolating 1-7");
	h = parse(NULL, "nohz,domain,managed_irq,0-N", 8);
	expect_hk(&h, "0", "0", "0", "0", "1-7");
	expect_warning("housekeeping: isolcpus=nohz,domain,managed_irq,0-N: CPU 0 (the boot "
		       "CPU) always does housekeeping; isolating 1-7");
}

static void out_of_range(void **state)
{
	struct housekeeping h = parse("4-8", NULL, 8);

	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: nohz_full=4-8: cpulist: item \"4-8\": CPU 8 does not "
		       "exist (CPUs are 0-7); ignored");
	/* A list fine on a bigger machine is out of range on this one. */
	h = parse("4-7", NULL, 4);
	expect_hk(&h, "0-3", "0-3", "0-3", "0-3", "");
	expect_warning("housekeeping: nohz_full=4-7: cpulist: item \"4-7\": CPU 7 does not "
		       "exist (CPUs are 0-3); ignored");
	h = parse(NULL, "domain,1,300", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: isolcpus=domain,1,300: cpulist: item \"300\": CPU 300 "
		       "does not exist (CPUs are 0-7); ignored");
	h = parse("1", NULL, 0);
	expect_hk(&h, "", "", "", "", "");
	expect_warning("housekeeping: nohz_full=1: cpulist: item \"1\": there are no CPUs; "
		       "ignored");
}

/* CPUs that exist but did not come up (an AP that never answered). */
static void offline_cpus(void **state)
{
	struct cpumask online;
	struct housekeeping h;

	cpumask_setall(&online, 8);
	cpumask_clear_cpu(&online, 2);
	cpumask_clear_cpu(&online, 6);
	h = parse_online(NULL, NULL, 8, &online);
	expect_hk(&h, "0-1,3-5,7", "0-1,3-5,7", "0-1,3-5,7", "0-1,3-5,7", "");
	expect_no_warning();
	h = parse_online("4-7", NULL, 8, &online);
	expect_hk(&h, "0-1,3", "0-1,3", "0-1,3-5,7", "0-1,3-5,7", "4-5,7");
	expect_warning("housekeeping: nohz_full=4-7: CPU(s) 6 not online, left out; "
		       "isolating 4-5,7");
	h = parse_online(NULL, "nohz,domain,0-2,6", 8, &online);
	expect_hk(&h, "0,3-5,7", "0,3-5,7", "0-1,3-5,7", "0,3-5,7", "1");
	assert_int_equal(nr_warnings, 2);
	assert_string_equal(warnings[1], "housekeeping: isolcpus=nohz,domain,0-2,6: CPU(s) 2,6 "
			    "not online, left out; isolating 1");
	/* Nothing left to isolate: the word isolates none. */
	h = parse_online("2", NULL, 8, &online);
	expect_hk(&h, "0-1,3-5,7", "0-1,3-5,7", "0-1,3-5,7", "0-1,3-5,7", "");
	expect_warning("housekeeping: nohz_full=2: CPU(s) 2 not online, left out; isolating none");
	/* Past nr_cpus is still an error: such a CPU does not exist. */
	h = parse_online("1-8", NULL, 8, &online);
	expect_hk(&h, "0-1,3-5,7", "0-1,3-5,7", "0-1,3-5,7", "0-1,3-5,7", "");
	expect_warning("housekeeping: nohz_full=1-8: cpulist: item \"1-8\": CPU 8 does not "
		       "exist (CPUs are 0-7); ignored");
}

static void malformed_list(void **state)
{
	struct housekeeping h = parse("4-x", NULL, 8);

	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: nohz_full=4-x: cpulist: item \"4-x\": expected a number "
		       "or N at \"x\"; ignored");
	h = parse("4,,5", NULL, 8);
	expect_warning("housekeeping: nohz_full=4,,5: cpulist: empty item at offset 2 (a stray "
		       "comma?); ignored");
	/* Flags come first: after the list they are part of it. */
	h = parse(NULL, "1-3,nohz", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: isolcpus=1-3,nohz: cpulist: item \"nohz\": expected a "
		       "number or N at \"nohz\"; ignored");
	h = parse(NULL, ",1-3", 8);
	expect_warning("housekeeping: isolcpus=,1-3: cpulist: empty item at offset 0 (a stray "
		       "comma?); ignored");
	/* One bad word does not take the other with it. */
	h = parse("4-7", "nohz,2-5x", 8);
	expect_hk(&h, "0-3", "0-3", "0-7", "0-7", "4-7");
	expect_warning("housekeeping: isolcpus=nohz,2-5x: cpulist: item \"2-5x\": unexpected "
		       "\"x\"; ignored");
}

static void reversed_range(void **state)
{
	struct housekeeping h = parse("5-2", NULL, 8);

	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: nohz_full=5-2: cpulist: item \"5-2\": the range ends (2) "
		       "before it starts (5); ignored");
	h = parse(NULL, "5-2", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: isolcpus=5-2: cpulist: item \"5-2\": the range ends (2) "
		       "before it starts (5); ignored");
}

static void empty_value(void **state)
{
	struct housekeeping h = parse("", NULL, 8);

	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: nohz_full=: empty value; ignored");
	h = parse(NULL, "", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: isolcpus=: empty value; ignored");
	/* Flags with no list: as empty. */
	h = parse(NULL, "nohz,", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	expect_warning("housekeeping: isolcpus=nohz,: no CPU list after the flags; ignored");
	h = parse(NULL, "domain", 8);
	expect_warning("housekeeping: isolcpus=domain: no CPU list after the flags; ignored");
	/* Both empty: one warning each, in order. */
	h = parse("", "", 8);
	expect_hk(&h, "0-7", "0-7", "0-7", "0-7", "");
	assert_int_equal(nr_warnings, 2);
	assert_string_equal(warnings[0], "housekeeping: nohz_full=: empty value; ignored");
	assert_string_equal(warnings[1], "housekeeping: isolcpus=: empty value; ignored");
}

static void nohz_full_and_isolcpus(void **state)
{
	struct housekeeping h = parse("4-7", "nohz,2-5", 8);

	expect_hk(&h, "0-1", "0-1", "0-7", "0-7", "2-7");
	expect_warning("housekeeping: nohz_full= isolates 4-7 but isolcpus=nohz 2-5; "
		       "isolating their union 2-7 from tick and noise");
	/* The same lists agree, once CPU 0 is out of both. */
	h = parse("4-7", "nohz,domain,4-N", 8);
	expect_hk(&h, "0-3", "0-3", "0-7", "0-3", "4-7");
	expect_no_warning();
	h = parse("0-3", "nohz,1-3", 8);
	expect_hk(&h, "0,4-7", "0,4-7", "0-7", "0-7", "1-3");
	expect_warning("housekeeping: nohz_full=0-3: CPU 0 (the boot CPU) always does "
		       "housekeeping; isolating 1-3");
	/* Different types never conflict: each word isolates its own. */
	h = parse("4-7", "domain,1-3", 8);
	expect_hk(&h, "0-3", "0-3", "0-7", "0,4-7", "1-7");
	expect_no_warning();
	h = parse("6-7", "managed_irq,domain,2-3", 8);
	expect_hk(&h, "0-5", "0-5", "0-1,4-7", "0-1,4-7", "2-3,6-7");
	expect_no_warning();
}

static void isolcpus_domain_only(void **state)
{
	struct housekeeping h = parse(NULL, "domain,4-7", 8);

	/* The tick and kernel noise stay on every CPU; unbound work does not. */
	expect_hk(&h, "0-7", "0-7", "0-7", "0-3", "4-7");
	expect_no_warning();
}

static void long_values_are_cut(void **state)
{
	char value[200], want[300];

	/* 1,1,1,...,1,9: 99 items, the last out of range. */
	value[0] = 0;
	for (int i = 0; i < 98; i++)
		strcat(value, "1,");
	strcat(value, "9");
	parse(value, NULL, 8);
	snprintf(want, sizeof(want), "housekeeping: nohz_full=%.64s...: cpulist: item \"9\": "
		 "CPU 9 does not exist (CPUs are 0-7); ignored", value);
	expect_warning(want);

	snprintf(value, sizeof(value), "%0100d,1", 0);
	for (int i = 0; i < 100; i++)
		value[i] = 'x';
	parse(NULL, value, 8);
	snprintf(want, sizeof(want), "housekeeping: isolcpus=%.64s...: unknown flag '%.64s...' "
		 "ignored", value, value);
	assert_int_equal(nr_warnings, 2);           /* and: no known flag */
	assert_string_equal(warnings[0], want);

	/* A long list in a warning ends in "..." (96 bytes with the NUL). */
	struct cpumask even;
	char list[1024];

	parse("0-255:1/2", NULL, 256);
	cpumask_clear(&even);
	for (unsigned cpu = 2; cpu < 256; cpu += 2)
		cpumask_set(&even, cpu);
	cpulist_format(&even, list, sizeof(list));
	snprintf(want, sizeof(want), "housekeeping: nohz_full=0-255:1/2: CPU 0 (the boot CPU) "
		 "always does housekeeping; isolating %.92s...", list);
	expect_warning(want);
}

static void type_names(void **state)
{
	assert_string_equal(housekeeping_type_name(HK_TICK), "tick");
	assert_string_equal(housekeeping_type_name(HK_NOISE), "noise");
	assert_string_equal(housekeeping_type_name(HK_IRQ), "irq");
	assert_string_equal(housekeeping_type_name(HK_UNBOUND), "unbound");
	assert_string_equal(housekeeping_type_name(HK_TYPES), "?");
	assert_string_equal(housekeeping_type_name((enum hk_type)-1), "?");
}

static void format_lines(void **state)
{
	struct housekeeping h = parse("4-7", "managed_irq,domain,2-3", 8);
	char buf[128];

	assert_int_equal(housekeeping_format(&h, HK_TICK, buf, sizeof(buf)),
			 (int)strlen("housekeeping tick: 0-3 (isolated 4-7)"));
	assert_string_equal(buf, "housekeeping tick: 0-3 (isolated 4-7)");
	housekeeping_format(&h, HK_NOISE, buf, sizeof(buf));
	assert_string_equal(buf, "housekeeping noise: 0-3 (isolated 4-7)");
	housekeeping_format(&h, HK_IRQ, buf, sizeof(buf));
	assert_string_equal(buf, "housekeeping irq: 0-1,4-7 (isolated 2-3)");
	housekeeping_format(&h, HK_UNBOUND, buf, sizeof(buf));
	assert_string_equal(buf, "housekeeping unbound: 0-1,4-7 (isolated 2-3)");

	h = parse(NULL, NULL, 8);
	housekeeping_format(&h, HK_TICK, buf, sizeof(buf));
	assert_string_equal(buf, "housekeeping tick: 0-7");
	h = parse(NULL, NULL, 0);
	housekeeping_format(&h, HK_IRQ, buf, sizeof(buf));
	assert_string_equal(buf, "housekeeping irq: none");
	assert_int_equal(housekeeping_format(&h, HK_TYPES, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void format_cut(void **state)
{
	const char *line = "housekeeping tick: 0,2-3 (isolated 1,4-7)";
	int need = (int)strlen(line);
	struct housekeeping h = parse("1,4-7", NULL, 8);
	char buf[64];

	/* Every size, from none to enough: the prefix of the line, terminated. */
	for (int len = 0; len <= need + 1; len++) {
		memset(buf, '#', sizeof(buf));
		assert_int_equal(housekeeping_format(&h, HK_TICK, buf, (size_t)len), need);
		if (len == 0) {
			assert_int_equal(buf[0], '#');
			continue;
		}
		assert_int_equal(strlen(buf), len - 1 < need ? len - 1 : need);
		assert_memory_equal(buf, line, strlen(buf));
		assert_int_equal(buf[len], '#');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_given),
		cmocka_unit_test(nohz_full_lists),
		cmocka_unit_test(nohz_full_n),
		cmocka_unit_test(isolcpus_without_flags),
		cmocka_unit_test(isolcpus_flags),
		cmocka_unit_test(isolcpus_unknown_flag),
		cmocka_unit_test(boot_cpu_in_list),
		cmocka_unit_test(all_cpus),
		cmocka_unit_test(out_of_range),
		cmocka_unit_test(offline_cpus),
		cmocka_unit_test(malformed_list),
		cmocka_unit_test(reversed_range),
		cmocka_unit_test(empty_value),
		cmocka_unit_test(nohz_full_and_isolcpus),
		cmocka_unit_test(isolcpus_domain_only),
		cmocka_unit_test(long_values_are_cut),
		cmocka_unit_test(type_names),
		cmocka_unit_test(format_lines),
		cmocka_unit_test(format_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
