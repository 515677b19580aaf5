/*
 * Suite coalesce_stress: the protocol's invariant checked at every entry
 * while every housekeeping CPU flushes.
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

/*
 * Invariants under stress: every housekeeping CPU keeps remapping a canary
 * page of its own to a new frame holding a new version (a kernel-range
 * flush each time) and then publishes the version; every entry from user
 * mode on an isolated CPU, right after its catch-up, reads each published
 * version and then the canary, which must hold at least that version: an
 * older one would come through a translation that a completed flush had
 * removed. The isolated CPUs run system calls all along.
 */
#define STRESS_FLUSHES 10000      /* default; coalesce_stress=N on the command line */
#define CANARY_FRAMES  4

static struct {
	uint64_t va[MAX_CPUS];
	uint64_t frames[MAX_CPUS][CANARY_FRAMES];
	uint64_t version[MAX_CPUS];     /* RELEASE after the flush, ACQUIRE by readers */
	uint64_t per_cpu;               /* flushes each housekeeping CPU does */
	uint64_t checks, violations;    /* atomic */
} stress;

static void canary_check_hook(void)
{
	unsigned me = smp_processor_id(), cpu;

	if (!cpu_is_isolated(me))
		return;
	for_each_cpu(cpu, &cpu_online_mask) {
		if (!stress.va[cpu])
			continue;
		uint64_t v = __atomic_load_n(&stress.version[cpu], __ATOMIC_ACQUIRE);
		uint64_t seen = *(volatile uint64_t *)stress.va[cpu];
		__atomic_fetch_add(&stress.checks, 1, __ATOMIC_RELAXED);
		if (seen < v)
			__atomic_fetch_add(&stress.violations, 1, __ATOMIC_RELAXED);
	}
}

static void canary_updater(void *arg)
{
	unsigned me = smp_processor_id();
	uint64_t va = stress.va[me];

	if (!va)
		return;
	for (uint64_t v = 1; v <= stress.per_cpu; v++) {
		uint64_t f = stress.frames[me][v % CANARY_FRAMES];
		*(volatile uint64_t *)phys_to_virt(f) = v;
		paging_map(kernel_pml4_phys, va, f, PAGE_KERNEL_RW);
		flush_tlb_kernel_range(va, va + PAGE_SIZE);
		__atomic_store_n(&stress.version[me], v, __ATOMIC_RELEASE);
	}
}

/*
 * fn on every housekeeping CPU at once, this one included. Not
 * smp_run_everywhere(): an isolated CPU runs its task, not its idle loop,
 * and would never pick the work up.
 */
static void run_on_housekeeping(void (*fn)(void *arg))
{
	static struct smp_work work[MAX_CPUS];
	struct cpumask posted;
	unsigned cpu;

	cpumask_clear(&posted);
	for_each_cpu(cpu, &cpu_online_mask) {
		if (cpu == smp_processor_id() || cpu_is_isolated(cpu))
			continue;
		work[cpu] = (struct smp_work){ .fn = fn };
		if (smp_work_post(cpu, &work[cpu]))
			cpumask_set(&posted, cpu);
	}
	fn(0);
	for_each_cpu(cpu, &posted)
		smp_work_wait(&work[cpu]);
}

static void invariants_under_stress(struct ktest *t)
{
	struct task *tasks[MAX_CPUS] = { 0 };
	struct tlb_stats a, b;
	unsigned cpu, hk = 0;

	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	stress.checks = stress.violations = 0;
	for_each_cpu(cpu, &cpu_online_mask) {
		stress.va[cpu] = 0;
		if (cpu_is_isolated(cpu))
			continue;
		void *p = vmalloc(PAGE_SIZE);
		KT_ASSERT(t, p != 0);
		stress.va[cpu] = (uint64_t)p;
		stress.frames[cpu][0] = paging_lookup(kernel_pml4_phys, (uint64_t)p, 0) & PTE_ADDR;
		for (int i = 1; i < CANARY_FRAMES; i++)
			stress.frames[cpu][i] = pmm_alloc();
		stress.version[cpu] = 0;
		hk++;
	}
	uint64_t want = boot_cmdline.coalesce_stress ? boot_cmdline.coalesce_stress : STRESS_FLUSHES;
	stress.per_cpu = (want + hk - 1) / hk;
	coalesce_spawn_all(tasks, "nullsys", 1000000000ull);
	tlb_entry_hook = canary_check_hook;
	tlb_get_stats(&a);
	run_on_housekeeping(canary_updater);
	tlb_get_stats(&b);
	tlb_entry_hook = 0;
	coalesce_stop_all(tasks);
	for_each_cpu(cpu, &cpu_online_mask) {
		if (!stress.va[cpu])
			continue;
		/* Give vfree back the area's own frame. */
		paging_map(kernel_pml4_phys, stress.va[cpu], stress.frames[cpu][0], PAGE_KERNEL_RW);
		flush_tlb_kernel_range(stress.va[cpu], stress.va[cpu] + PAGE_SIZE);
		vfree((void *)stress.va[cpu]);
		for (int i = 1; i < CANARY_FRAMES; i++)
			pmm_free(stress.frames[cpu][i]);
		stress.va[cpu] = 0;
	}
	ktest_log("%llu flushes from %u housekeeping CPUs; %llu canary checks at isolated "
		  "entries, %llu violations; %llu IPIs skipped, %llu catch-ups, %llu spurious",
		  (unsigned long long)(b.flushes - a.flushes), hk,
		  (unsigned long long)stress.checks, (unsigned long long)stress.violations,
		  (unsigned long long)(b.skipped - a.skipped),
		  (unsigned long long)(b.catchups - a.catchups),
		  (unsigned long long)(b.spurious - a.spurious));
	KT_EXPECT(t, b.flushes - a.flushes >= want);
	KT_EXPECT(t, stress.checks > 0);
	KT_EXPECT_EQ(t, stress.violations, 0);
}

/* Its own suite: long, and run with more flushes outside make test. */
static const struct ktest_case coalesce_stress_cases[] = {
	{ "invariants_under_stress", invariants_under_stress },
};
KTEST_SUITE(coalesce_stress_suite, "coalesce_stress", coalesce_stress_cases);
