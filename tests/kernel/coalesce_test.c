/*
 * Suite coalesce: the deferred kernel-TLB-flush protocol (mm/tlb.c) seen
 * from outside. Needs isolated CPUs (nohz_full= or isolcpus=); skips
 * without them.
 *
 * The storm: every isolated CPU runs a user loop that makes no system
 * call; once all of them are in user mode, the boot CPU frees executable
 * vmalloc areas (each free is a kernel-range flush, like a BPF filter
 * detach), then the loops are stopped. With coalescing, no flush IPI may
 * reach an isolated CPU during the storm; without it, each gets one per
 * flush, as under stock Linux.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/tsc.h"
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "kernel/task.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "mm/vmalloc.h"
#include "smp/ipi.h"
#include "smp/worker.h"
#include "smp/isolation.h"
#include "smp/percpu.h"
#include "tests/kernel/coalesce_util.h"

/* Executable areas freed, 3 flushes each: over 10,000 flushes with
 * coalescing; without it every flush waits for every CPU, so fewer. */
#define STORM_ROUNDS_ON  3400
#define STORM_ROUNDS_OFF 300

struct storm {
	struct task *tasks[MAX_CPUS];
	uint64_t ipis[MAX_CPUS];        /* flush IPIs each isolated CPU ran */
	uint64_t entries[MAX_CPUS];     /* its kernel entries of every kind */
	uint64_t flushes;               /* kernel-range flushes during the storm */
	uint64_t skipped, spurious, catchups;
	bool in_user;                   /* every loop reached user mode */
};

static bool all_in_user(void)
{
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated)
		if (!coalesce_wait_user(cpu))
			return false;
	return true;
}

/* Every way cpu entered the kernel so far: each is an interruption. */
static uint64_t entries_of(unsigned cpu)
{
	return percpu_entries(cpu_area[cpu]);
}


static void run_storm(struct ktest *t, bool coalesce, int rounds, struct storm *s)
{
	struct tlb_stats a, b;
	bool saved = tlb_coalesce;
	unsigned cpu;

	*s = (struct storm){ 0 };
	tlb_coalesce = coalesce;
	coalesce_spawn_all(s->tasks, "spin", SPIN_FOREVER);
	s->in_user = all_in_user();
	for_each_cpu(cpu, &housekeeping.isolated) {
		s->ipis[cpu] = cpu_area[cpu]->kflush_ipis;
		s->entries[cpu] = entries_of(cpu);
	}
	tlb_get_stats(&a);
	for (int i = 0; i < rounds; i++)
		if (!coalesce_jit_cycle())
			break;
	tlb_get_stats(&b);
	for_each_cpu(cpu, &housekeeping.isolated) {
		s->ipis[cpu] = cpu_area[cpu]->kflush_ipis - s->ipis[cpu];
		s->entries[cpu] = entries_of(cpu) - s->entries[cpu];
	}
	s->in_user &= all_in_user();
	coalesce_stop_all(s->tasks);
	tlb_coalesce = saved;
	s->flushes = b.flushes - a.flushes;
	s->skipped = b.skipped - a.skipped;
	s->spurious = b.spurious - a.spurious;
	s->catchups = b.catchups - a.catchups;
}


static void storm_with_coalescing(struct ktest *t)
{
	struct storm s;
	unsigned cpu;

	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	run_storm(t, true, STORM_ROUNDS_ON, &s);
	KT_ASSERT(t, s.in_user);
	KT_EXPECT_EQ(t, s.flushes, 3 * STORM_ROUNDS_ON);
	for_each_cpu(cpu, &housekeeping.isolated) {
		ktest_log("coalesce_tlbi=on: CPU %u ran %llu flush IPIs in %llu flushes, "
			  "entered the kernel %llu times", cpu, (unsigned long long)s.ipis[cpu],
			  (unsigned long long)s.flushes, (unsigned long long)s.entries[cpu]);
		KT_EXPECT_EQ(t, s.ipis[cpu], 0);
		KT_EXPECT_EQ(t, s.entries[cpu], 0);     /* nothing interrupted it */
	}
	KT_EXPECT_EQ(t, s.skipped, s.flushes * cpumask_weight(&housekeeping.isolated));
	KT_EXPECT_EQ(t, s.spurious, 0);
}

static void storm_without_coalescing(struct ktest *t)
{
	struct storm s;
	unsigned cpu;

	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	run_storm(t, false, STORM_ROUNDS_OFF, &s);
	KT_ASSERT(t, s.in_user);
	for_each_cpu(cpu, &housekeeping.isolated) {
		ktest_log("coalesce_tlbi=off: CPU %u ran %llu flush IPIs in %llu flushes, "
			  "entered the kernel %llu times", cpu, (unsigned long long)s.ipis[cpu],
			  (unsigned long long)s.flushes, (unsigned long long)s.entries[cpu]);
		KT_EXPECT_EQ(t, s.ipis[cpu], s.flushes);
	}
	KT_EXPECT_EQ(t, s.skipped, 0);
	KT_EXPECT_EQ(t, s.spurious, s.flushes * cpumask_weight(&housekeeping.isolated));
}

/* After a storm it skipped, an isolated CPU's next entry catches up. */
static void entry_catches_up(struct ktest *t)
{
	struct task_result r;
	unsigned cpu;

	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	cpu = cpumask_first(&housekeeping.isolated);
	struct percpu *p = cpu_area[cpu];
	uint64_t catchups = p->kflush_catchups, uptodate = p->kflush_uptodate;
#ifdef LULL_DEBUG
	uint64_t failures = __atomic_load_n(&tlb_entry_check_failures, __ATOMIC_RELAXED);
#endif
	struct task *spin = task_spawn("spin", SPIN_FOREVER, cpu, true);
	KT_ASSERT(t, spin != 0);
	bool in_user = coalesce_wait_user(cpu);
	KT_EXPECT(t, in_user);
	KT_EXPECT(t, coalesce_jit_cycle());
	uint64_t gen = __atomic_load_n(&kflush_gen, __ATOMIC_RELAXED);
	KT_EXPECT(t, p->kflush_seen < gen);            /* it was skipped */
	task_request_stop(spin);                        /* its next entry */
	task_wait(spin, &r);
	KT_EXPECT(t, p->kflush_catchups > catchups);
	KT_EXPECT(t, p->kflush_seen >= gen);
#ifdef LULL_DEBUG
	KT_EXPECT_EQ(t, __atomic_load_n(&tlb_entry_check_failures, __ATOMIC_RELAXED), failures);
#endif
	ktest_log("CPU %u: %llu catch-up flushes, %llu entries with nothing to catch up",
		  cpu, (unsigned long long)(p->kflush_catchups - catchups),
		  (unsigned long long)(p->kflush_uptodate - uptodate));
}


/*
 * The debug builds' entry check (mm/tlb.c: check_caught_up) is a test
 * only if it can fire: with the catch-up switched off, an isolated CPU
 * that was skipped enters behind and the check must count it.
 */
static void entry_check_sees_no_catch_up(struct ktest *t)
{
#ifdef LULL_DEBUG
	struct task_result r;
	unsigned cpu;

	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	cpu = cpumask_first(&housekeeping.isolated);
	uint64_t failures = __atomic_load_n(&tlb_entry_check_failures, __ATOMIC_RELAXED);
	tlb_inject_fault(TLB_FAULT_NO_CATCH_UP);        /* before any task runs */
	struct task *spin = task_spawn("spin", SPIN_FOREVER, cpu, true);
	bool in_user = spin && coalesce_wait_user(cpu);
	bool flushed = in_user && coalesce_jit_cycle(); /* skipped: it is in user mode */
	if (spin) {
		task_request_stop(spin);                /* an entry that is behind */
		task_wait(spin, &r);
	}
	tlb_inject_fault(TLB_FAULT_NONE);
	KT_ASSERT(t, spin != 0);
	KT_EXPECT(t, in_user);
	KT_EXPECT(t, flushed);
	uint64_t seen = __atomic_load_n(&tlb_entry_check_failures, __ATOMIC_RELAXED) - failures;
	ktest_log("CPU %u: the entry check fired on %llu entries with no_catch_up", cpu,
		  (unsigned long long)seen);
	KT_EXPECT(t, seen > 0);
#else
	KT_SKIP(t, "cannot observe: the entry check is built into debug kernels only (DEBUG=1)");
#endif
}

/*
 * Isolated CPUs making system calls through a storm: how many of their
 * entries had to flush (lull), against flush-on-every-entry (RFC v7).
 */
static void catch_ups_per_entry(struct ktest *t)
{
	struct task *tasks[MAX_CPUS] = { 0 };
	uint64_t e0 = 0, c0 = 0, e1 = 0, c1 = 0;
	struct tlb_stats a, b;
	unsigned cpu;

	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	for_each_cpu(cpu, &housekeeping.isolated) {
		e0 += cpu_area[cpu]->kflush_catchups + cpu_area[cpu]->kflush_uptodate;
		c0 += cpu_area[cpu]->kflush_catchups;
	}
	tlb_get_stats(&a);
	coalesce_spawn_all(tasks, "nullsys", 1000000000ull);
	for (int i = 0; i < STORM_ROUNDS_OFF / 3; i++)
		coalesce_jit_cycle();
	coalesce_stop_all(tasks);
	tlb_get_stats(&b);
	for_each_cpu(cpu, &housekeeping.isolated) {
		e1 += cpu_area[cpu]->kflush_catchups + cpu_area[cpu]->kflush_uptodate;
		c1 += cpu_area[cpu]->kflush_catchups;
	}
	ktest_log("isolated CPUs: %llu entries from user mode, %llu catch-up flushes, over %llu "
		  "kernel flushes; flush on every entry (RFC v7) would have flushed %llu times",
		  (unsigned long long)(e1 - e0), (unsigned long long)(c1 - c0),
		  (unsigned long long)(b.flushes - a.flushes), (unsigned long long)(e1 - e0));
	KT_EXPECT(t, c1 - c0 > 0);
	/* At most one per flush on each isolated CPU. */
	KT_EXPECT(t, c1 - c0 <= (b.flushes - a.flushes) * cpumask_weight(&housekeeping.isolated));
	KT_EXPECT(t, c1 - c0 < e1 - e0);
}

static const struct ktest_case coalesce_cases[] = {
	{ "probe_sees_new_pages", probe_sees_new_pages },
	{ "probe_v7_order_reads_stale", probe_v7_order_reads_stale },
	{ "cross_probe_catches_up", cross_probe_catches_up },
	{ "storm_with_coalescing", storm_with_coalescing },
	{ "storm_without_coalescing", storm_without_coalescing },
	{ "entry_catches_up", entry_catches_up },
	{ "catch_ups_per_entry", catch_ups_per_entry },
	{ "entry_check_sees_no_catch_up", entry_check_sees_no_catch_up },
};
KTEST_SUITE(coalesce_suite, "coalesce", coalesce_cases);
