/*
 * Host tests for smp/cpumask.{h,c}: each operation by hand at the word
 * edges (0, 63, 64, 255), then seeded random masks against a bool-per-CPU
 * model. Set CPUMASK_SEED to rerun one seed; a failure prints its seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tests/host/random.h"
#include "smp/cpumask.h"

static const unsigned edges[] = { 0, 1, 63, 64, 127, 128, 200, 255 };
#define NEDGES (sizeof(edges) / sizeof(edges[0]))

static void set_clear_test(void **state)
{
	struct cpumask m;

	cpumask_clear(&m);
	assert_true(cpumask_empty(&m));
	for (unsigned i = 0; i < NEDGES; i++) {
		assert_false(cpumask_test(&m, edges[i]));
		cpumask_set(&m, edges[i]);
		assert_true(cpumask_test(&m, edges[i]));
		assert_int_equal(cpumask_weight(&m), i + 1);
	}
	assert_int_equal(m.bits[0], 0x8000000000000003ull);
	assert_int_equal(m.bits[1], 0x8000000000000001ull);
	assert_int_equal(m.bits[3], 0x8000000000000100ull);
	cpumask_clear_cpu(&m, 63);
	assert_false(cpumask_test(&m, 63));
	assert_true(cpumask_test(&m, 64));
	cpumask_clear(&m);
	assert_true(cpumask_empty(&m));

	/* Out of range: no write past the mask, never a member. */
	cpumask_set(&m, NR_CPUS_MAX);
	cpumask_set(&m, 100000);
	assert_true(cpumask_empty(&m));
	assert_false(cpumask_test(&m, NR_CPUS_MAX));
	cpumask_setall(&m, NR_CPUS_MAX);
	cpumask_clear_cpu(&m, NR_CPUS_MAX);
	assert_int_equal(cpumask_weight(&m), NR_CPUS_MAX);
}

static void setall(void **state)
{
	const unsigned nrs[] = { 0, 1, 8, 63, 64, 65, 128, 255, 256, 1000 };
	struct cpumask m;

	for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		unsigned want = nrs[i] < NR_CPUS_MAX ? nrs[i] : NR_CPUS_MAX;

		cpumask_clear(&m);
		m.bits[3] = 1ull << 63;         /* setall must also clear */
		cpumask_setall(&m, nrs[i]);
		assert_int_equal(cpumask_weight(&m), want);
		for (unsigned cpu = 0; cpu < NR_CPUS_MAX; cpu++)
			assert_int_equal(cpumask_test(&m, cpu), cpu < want);
	}
}

static void atomics(void **state)
{
	struct cpumask m;

	cpumask_clear(&m);
	for (unsigned i = 0; i < NEDGES; i++) {
		unsigned cpu = edges[i];

		assert_false(cpumask_test_and_set_acq_rel(&m, cpu));
		assert_true(cpumask_test_and_set_acq_rel(&m, cpu));
		assert_true(cpumask_test_relaxed(&m, cpu));
		assert_true(cpumask_test_and_clear_acq_rel(&m, cpu));
		assert_false(cpumask_test_and_clear_acq_rel(&m, cpu));
		assert_true(cpumask_empty(&m));
		cpumask_set_relaxed(&m, cpu);
		assert_true(cpumask_test(&m, cpu));
		assert_int_equal(cpumask_weight(&m), 1);
		cpumask_clear_relaxed(&m, cpu);
		assert_false(cpumask_test_relaxed(&m, cpu));
	}
	/* Neighbours are untouched. */
	cpumask_setall(&m, NR_CPUS_MAX);
	assert_true(cpumask_test_and_clear_acq_rel(&m, 64));
	cpumask_clear_relaxed(&m, 65);
	assert_int_equal(m.bits[1], ~3ull);
	assert_int_equal(cpumask_weight(&m), NR_CPUS_MAX - 2);

	/* Out of range: nothing happens, the answer is false. */
	cpumask_clear(&m);
	cpumask_set_relaxed(&m, NR_CPUS_MAX);
	assert_false(cpumask_test_and_set_acq_rel(&m, NR_CPUS_MAX + 64));
	assert_true(cpumask_empty(&m));
	cpumask_setall(&m, NR_CPUS_MAX);
	cpumask_clear_relaxed(&m, NR_CPUS_MAX);
	assert_false(cpumask_test_and_clear_acq_rel(&m, 4096));
	assert_false(cpumask_test_relaxed(&m, NR_CPUS_MAX));
	assert_int_equal(cpumask_weight(&m), NR_CPUS_MAX);
}

static void iteration_order(void **state)
{
	struct cpumask m;
	unsigned cpu, n = 0;

	cpumask_clear(&m);
	assert_int_equal(cpumask_first(&m), NR_CPUS_MAX);
	for_each_cpu(cpu, &m)
		fail();
	for (unsigned i = NEDGES; i-- > 0; )
		cpumask_set(&m, edges[i]);
	for_each_cpu(cpu, &m)
		assert_int_equal(cpu, edges[n++]);
	assert_int_equal(n, NEDGES);
	assert_int_equal(cpumask_next(&m, 1), 63);
	assert_int_equal(cpumask_next(&m, 64), 127);
	assert_int_equal(cpumask_next(&m, 128), 200);
	assert_int_equal(cpumask_next(&m, 254), 255);
	assert_int_equal(cpumask_next(&m, 255), NR_CPUS_MAX);
	assert_int_equal(cpumask_next(&m, NR_CPUS_MAX), NR_CPUS_MAX);
	assert_int_equal(cpumask_next(&m, ~0u), NR_CPUS_MAX);
	cpumask_clear_cpu(&m, 0);
	assert_int_equal(cpumask_first(&m), 1);
}

static void word_ops(void **state)
{
	struct cpumask a, b, d;

	cpumask_clear(&a);
	cpumask_clear(&b);
	cpumask_set(&a, 3);
	cpumask_set(&a, 130);
	cpumask_set(&b, 130);
	cpumask_set(&b, 250);

	assert_true(cpumask_and(&d, &a, &b));
	assert_int_equal(cpumask_weight(&d), 1);
	assert_true(cpumask_test(&d, 130));
	cpumask_or(&d, &a, &b);
	assert_int_equal(cpumask_weight(&d), 3);
	assert_true(cpumask_andnot(&d, &a, &b));
	assert_int_equal(cpumask_first(&d), 3);
	assert_int_equal(cpumask_weight(&d), 1);
	assert_false(cpumask_andnot(&d, &a, &a));
	assert_true(cpumask_empty(&d));
	cpumask_clear_cpu(&b, 130);
	assert_false(cpumask_and(&d, &a, &b));
	assert_true(cpumask_empty(&d));

	/* dst may alias a source. */
	cpumask_or(&a, &a, &b);
	assert_int_equal(cpumask_weight(&a), 3);
	assert_true(cpumask_andnot(&a, &a, &b));
	assert_int_equal(cpumask_weight(&a), 2);

	d = a;
	assert_true(cpumask_equal(&a, &d));
	cpumask_set(&d, 255);
	assert_false(cpumask_equal(&a, &d));
	cpumask_clear_cpu(&d, 255);
	cpumask_clear_cpu(&d, 3);
	assert_false(cpumask_equal(&a, &d));
	cpumask_clear(&d);
	d.bits[3] = 1;
	assert_false(cpumask_empty(&d));
}


/* A random mask of varying density, and the same as one bool per CPU. */
static void random_mask(struct cpumask *m, bool *model)
{
	unsigned density = test_random() % 101;

	cpumask_clear(m);
	for (unsigned cpu = 0; cpu < NR_CPUS_MAX; cpu++) {
		model[cpu] = test_random() % 100 < density;
		if (model[cpu])
			cpumask_set(m, cpu);
	}
}

static void random_against_model(void **state)
{
	const char *env = getenv("CPUMASK_SEED");
	uint64_t seed0 = env ? strtoull(env, NULL, 0) : 1;
	int seeds = env ? 1 : 2000;

	for (uint64_t seed = seed0; seed < seed0 + (uint64_t)seeds; seed++) {
		struct cpumask a, b, d;
		bool ma[NR_CPUS_MAX], mb[NR_CPUS_MAX];
		unsigned weight = 0, cpu, prev = NR_CPUS_MAX, nand = 0, nandnot = 0;

		test_seed(seed);
		random_mask(&a, ma);
		random_mask(&b, mb);
		for (cpu = 0; cpu < NR_CPUS_MAX; cpu++) {
			weight += ma[cpu];
			nand += ma[cpu] && mb[cpu];
			nandnot += ma[cpu] && !mb[cpu];
		}
		if (cpumask_weight(&a) != weight)
			fail_msg("seed %lu: weight %u, model %u", seed, cpumask_weight(&a), weight);
		if (cpumask_empty(&a) != (weight == 0) || cpumask_and(&d, &a, &b) != (nand > 0) ||
		    cpumask_weight(&d) != nand)
			fail_msg("seed %lu: empty/and disagree with the model", seed);
		if (cpumask_andnot(&d, &a, &b) != (nandnot > 0) || cpumask_weight(&d) != nandnot)
			fail_msg("seed %lu: andnot disagrees with the model", seed);
		for_each_cpu(cpu, &a) {
			/* Increasing, a member, and nothing skipped since prev. */
			for (unsigned c = prev == NR_CPUS_MAX ? 0 : prev + 1; c < cpu; c++) {
				if (ma[c])
					fail_msg("seed %lu: iteration skipped CPU %u", seed, c);
			}
			if (!ma[cpu] || (prev != NR_CPUS_MAX && cpu <= prev))
				fail_msg("seed %lu: iteration gave CPU %u after %u", seed, cpu, prev);
			prev = cpu;
		}
		for (cpu = prev == NR_CPUS_MAX ? 0 : prev + 1; cpu < NR_CPUS_MAX; cpu++) {
			if (ma[cpu])
				fail_msg("seed %lu: iteration stopped before CPU %u", seed, cpu);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_clear_test),
		cmocka_unit_test(setall),
		cmocka_unit_test(atomics),
		cmocka_unit_test(iteration_order),
		cmocka_unit_test(word_ops),
		cmocka_unit_test(random_against_model),
	};

	return cmocka_run_group_tests_name("smp/cpumask.c", tests, NULL, NULL);
}
