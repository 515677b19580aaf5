/*
 * ktest suite "ipi": the call-function layer keeps the promises of
 * smp/ipi.h under concurrency: exact invocation counts, cond honoured and
 * never waited on for the CPUs it rejects, data visible to the callee,
 * descriptors reused in order, calls to self run locally.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "kernel/ktest.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/worker.h"

#define NEED_CPUS(t, n)                                                      \
	do {                                                                 \
		if (cpumask_weight(&cpu_online_mask) < (n))                  \
			KT_SKIP(t, "needs more CPUs");                       \
	} while (0)

static uint64_t sent_calls(void)
{
	uint64_t n = 0;

	for (unsigned c = 0; c < nr_cpus; c++)
		n += __atomic_load_n(&cpu_area[c]->ipi_sent[IPI_CALL], __ATOMIC_RELAXED);
	return n;
}

static void note_cpu(void *info)
{
	*(unsigned *)info = smp_processor_id();
}

static void call_to_self_runs_locally(struct ktest *t)
{
	unsigned ran_on = ~0u, me = smp_processor_id();
	uint64_t before = this_cpu()->ipi_sent[IPI_CALL];

	KT_EXPECT_EQ(t, smp_call_function_single(me, note_cpu, &ran_on, true), 0);
	KT_EXPECT_EQ(t, ran_on, me);
	KT_EXPECT_EQ(t, this_cpu()->ipi_sent[IPI_CALL], before);
}

static void call_to_offline_cpu_fails(struct ktest *t)
{
	unsigned x = 0;

	KT_EXPECT_EQ(t, smp_call_function_single(nr_cpus, note_cpu, &x, true), -1);
	KT_EXPECT_EQ(t, smp_call_function_single(MAX_CPUS + 7, note_cpu, &x, true), -1);
}

/* hits[src][dst]: row src is written only while CPU src waits for its call. */
static uint32_t hits[MAX_CPUS][MAX_CPUS];

static void hit(void *info)
{
	hits[*(unsigned *)info][smp_processor_id()]++;
}

static void call_every_other(void *arg)
{
	unsigned me = smp_processor_id(), cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu != me)
			smp_call_function_single(cpu, hit, &me, true);
}

static void every_cpu_calls_every_other(struct ktest *t)
{
	unsigned a, b;

	NEED_CPUS(t, 2);
	for (a = 0; a < nr_cpus; a++)
		for (b = 0; b < nr_cpus; b++)
			hits[a][b] = 0;
	smp_run_everywhere(call_every_other, 0);
	for_each_cpu(a, &cpu_online_mask)
		for_each_cpu(b, &cpu_online_mask)
			KT_EXPECT_EQ(t, hits[a][b], a == b ? 0 : 1);
}

/* cond: odd CPUs only. The even ones sit with interrupts off meanwhile. */
static uint32_t cond_asked[MAX_CPUS], ran[MAX_CPUS];
static bool call_returned, blocker_timed_out;

static bool odd_only(unsigned cpu, void *info)
{
	cond_asked[cpu]++;
	return cpu & 1;
}

static void mark_ran(void *info)
{
	__atomic_fetch_add(&ran[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

static void block_with_irqs_off(void *arg)
{
	uint64_t end = rdtsc() + 20000 * tsc_khz;      /* 20 s: far beyond the call */

	irq_disable();
	while (!__atomic_load_n(&call_returned, __ATOMIC_ACQUIRE) && rdtsc() < end)
		cpu_relax();
	if (!__atomic_load_n(&call_returned, __ATOMIC_ACQUIRE))
		blocker_timed_out = true;
	irq_enable();
}

static void cond_skips_rejected_cpus(struct ktest *t)
{
	static struct smp_work blockers[MAX_CPUS];
	unsigned me = smp_processor_id(), cpu;

	NEED_CPUS(t, 3);
	for (cpu = 0; cpu < nr_cpus; cpu++)
		cond_asked[cpu] = ran[cpu] = 0;
	call_returned = blocker_timed_out = false;
	for_each_cpu(cpu, &cpu_online_mask) {
		blockers[cpu].fn = block_with_irqs_off;
		if (!(cpu & 1) && cpu != me)
			KT_ASSERT(t, smp_work_post(cpu, &blockers[cpu]));
	}
	smp_call_function_many_cond(&cpu_online_mask, mark_ran, 0, true, odd_only);
	__atomic_store_n(&call_returned, true, __ATOMIC_RELEASE);
	for_each_cpu(cpu, &cpu_online_mask)
		if (!(cpu & 1) && cpu != me)
			smp_work_wait(&blockers[cpu]);

	KT_EXPECT(t, !blocker_timed_out);
	for_each_cpu(cpu, &cpu_online_mask) {
		KT_EXPECT_EQ(t, cond_asked[cpu], cpu == me ? 0 : 1);
		KT_EXPECT_EQ(t, ran[cpu], (cpu & 1) && cpu != me ? 1 : 0);
	}
}

/* Rounds per CPU: about 1600 broadcasts in all, so 64 CPUs take no
 * longer than 8 under emulation (n CPUs each broadcast to n - 1). */
static unsigned storm_rounds(void)
{
	unsigned n = cpumask_weight(&cpu_online_mask);

	return n > 8 ? (1600 / n > 10 ? 1600 / n : 10) : 200;
}

static uint64_t storm_count[MAX_CPUS];

static void storm_hit(void *info)
{
	__atomic_fetch_add(&storm_count[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

static void storm(void *arg)
{
	bool wait = *(bool *)arg;

	for (unsigned r = 0; r < storm_rounds(); r++)
		smp_call_function_many_cond(&cpu_online_mask, storm_hit, 0, wait, 0);
	/* A last synchronous call: every asynchronous one before it has run
	 * too, since each target runs its queue in order. */
	smp_call_function_many_cond(&cpu_online_mask, storm_hit, 0, true, 0);
}

static void run_storm(struct ktest *t, bool wait)
{
	unsigned n = cpumask_weight(&cpu_online_mask), rounds = storm_rounds() + 1;
	uint64_t calls_before = sent_calls(), ipis;
	unsigned c;

	for (c = 0; c < nr_cpus; c++)
		storm_count[c] = 0;
	smp_run_everywhere(storm, &wait);
	for_each_cpu(c, &cpu_online_mask)
		KT_EXPECT_EQ(t, storm_count[c], (uint64_t)rounds * (n - 1));
	ipis = sent_calls() - calls_before;
	ktest_log("%u CPUs, %u broadcasts each: %llu call IPIs for %llu calls (%llu.%02llu IPIs per broadcast)",
		  n, rounds, (unsigned long long)ipis, (unsigned long long)rounds * n * (n - 1),
		  (unsigned long long)(ipis / (rounds * n)),
		  (unsigned long long)(ipis * 100 / (rounds * n) % 100));
	KT_EXPECT(t, ipis <= (uint64_t)rounds * n * (n - 1));
}

static void storm_all_to_all_sync(struct ktest *t)
{
	NEED_CPUS(t, 2);
	run_storm(t, true);
}

static void storm_all_to_all_async(struct ktest *t)
{
	NEED_CPUS(t, 2);
	run_storm(t, false);
}

/* The callee sees every plain store the caller made before the call. */
#define PATTERN_WORDS 512
static uint64_t pattern[PATTERN_WORDS];

static void check_pattern(void *info)
{
	uint64_t seed = *(uint64_t *)info;
	bool ok = true;

	for (int i = 0; i < PATTERN_WORDS; i++)
		ok &= pattern[i] == seed * 0x9e3779b97f4a7c15ull + (uint64_t)i;
	*(uint64_t *)info = ok;
}

static void data_visible_to_callee(struct ktest *t)
{
	unsigned others = 0, cpu = 0;

	NEED_CPUS(t, 2);
	for (uint64_t round = 1; round <= 100; round++) {
		/* The next online CPU after the last one, skipping the caller. */
		do {
			cpu = cpumask_next(&cpu_online_mask, cpu);
			if (cpu >= NR_CPUS_MAX)
				cpu = cpumask_first(&cpu_online_mask);
		} while (cpu == smp_processor_id());
		uint64_t io = round;
		for (int i = 0; i < PATTERN_WORDS; i++)
			pattern[i] = round * 0x9e3779b97f4a7c15ull + (uint64_t)i;
		KT_ASSERT(t, smp_call_function_single(cpu, check_pattern, &io, true) == 0);
		KT_EXPECT_EQ(t, io, 1);
		others++;
	}
	KT_EXPECT_EQ(t, others, 100);
}

/* Many asynchronous calls through one descriptor: all run, in order. */
#define REUSE_CALLS 1000
static unsigned reuse_seq[REUSE_CALLS + 1];
static unsigned reuse_last, reuse_out_of_order, reuse_count;

static void reuse_call(void *info)
{
	unsigned seq = *(unsigned *)info;

	if (seq != reuse_last + 1)
		reuse_out_of_order++;
	reuse_last = seq;
	reuse_count++;
}

static void descriptor_reuse(struct ktest *t)
{
	NEED_CPUS(t, 2);
	reuse_last = reuse_out_of_order = reuse_count = 0;
	for (unsigned i = 1; i <= REUSE_CALLS; i++) {
		reuse_seq[i] = i;
		smp_call_function_single(1, reuse_call, &reuse_seq[i], i == REUSE_CALLS);
	}
	KT_EXPECT_EQ(t, reuse_count, REUSE_CALLS);
	KT_EXPECT_EQ(t, reuse_out_of_order, 0);
	KT_EXPECT_EQ(t, reuse_last, REUSE_CALLS);
}

static void on_each_cpu_includes_caller(struct ktest *t)
{
	unsigned c;

	for (c = 0; c < nr_cpus; c++)
		ran[c] = 0;
	on_each_cpu(mark_ran, 0, true);
	for (c = 0; c < nr_cpus; c++)
		KT_EXPECT_EQ(t, ran[c], cpumask_test(&cpu_online_mask, c) ? 1 : 0);
}

static const struct ktest_case ipi_cases[] = {
	{ "call_to_self_runs_locally", call_to_self_runs_locally },
	{ "call_to_offline_cpu_fails", call_to_offline_cpu_fails },
	{ "on_each_cpu_includes_caller", on_each_cpu_includes_caller },
	{ "every_cpu_calls_every_other", every_cpu_calls_every_other },
	{ "cond_skips_rejected_cpus", cond_skips_rejected_cpus },
	{ "data_visible_to_callee", data_visible_to_callee },
	{ "descriptor_reuse", descriptor_reuse },
	{ "storm_all_to_all_sync", storm_all_to_all_sync },
	{ "storm_all_to_all_async", storm_all_to_all_async },
};
KTEST_SUITE(ipi_suite, "ipi", ipi_cases);
