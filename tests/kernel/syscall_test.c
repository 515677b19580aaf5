/*
 * Suite syscall: round trips on every CPU at once with exact entry counts,
 * bad arguments, user memory, filter programs, sleep, and the cost of a
 * null round trip.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "kernel/jit.h"
#include "kernel/ktest.h"
#include "kernel/task.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "mm/vmalloc.h"
#include "smp/cpumask.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/smp.h"

#define ROUND_TRIPS 2000

static void round_trips_on_every_cpu(struct ktest *t)
{
	struct task *tasks[MAX_CPUS] = { 0 };
	uint64_t before[MAX_CPUS];
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		before[cpu] = cpu_area[cpu]->entries[ENTRY_SYSCALL];
	for_each_cpu(cpu, &cpu_online_mask)
		tasks[cpu] = task_spawn("nullsys", ROUND_TRIPS, cpu, true);
	for_each_cpu(cpu, &cpu_online_mask) {
		struct task_result r;
		KT_ASSERT(t, tasks[cpu] != 0);
		task_wait(tasks[cpu], &r);
		KT_EXPECT(t, !r.killed);
		/* n calls and the exit: the task's count and its CPU's agree. */
		KT_EXPECT_EQ(t, r.syscalls, ROUND_TRIPS + 1);
		KT_EXPECT_EQ(t, cpu_area[cpu]->entries[ENTRY_SYSCALL] - before[cpu],
			     ROUND_TRIPS + 1);
	}
}

static void expect_clean_exit(struct ktest *t, const char *prog, uint64_t arg)
{
	struct task_result r;

	KT_ASSERT(t, task_run(prog, arg, smp_processor_id(), &r));
	if (r.killed || r.exit_code != 0)
		ktest_fail_at(t, __FILE__, __LINE__, "%s: killed %d (vector %llu), exit code %d",
			      prog, r.killed, (unsigned long long)r.vector, r.exit_code);
}

/* Run prog twice; the second run must leave every frame where it was (the
 * first may grow caches: slabs, kept kernel stacks). */
static void expect_no_leak(struct ktest *t, const char *prog)
{
	expect_clean_exit(t, prog, 0);
	uint64_t before = ktest_frames_free_or_kmalloc();
	expect_clean_exit(t, prog, 0);
	KT_EXPECT_EQ(t, ktest_frames_free_or_kmalloc(), before);
}

static void bad_arguments_return_errors(struct ktest *t)
{
	expect_no_leak(t, "badptr");
}

static void map_and_unmap(struct ktest *t)
{
	expect_no_leak(t, "mapper");
}

static void filter_programs(struct ktest *t)
{
	struct jit_stats a, b;
	struct vmalloc_stats va, vb;

	jit_get_stats(&a);
	vmalloc_get_stats(&va);
	expect_clean_exit(t, "jit", 50);
	jit_get_stats(&b);
	vmalloc_get_stats(&vb);
	KT_EXPECT(t, b.loaded - a.loaded >= 50);
	KT_EXPECT_EQ(t, b.loaded - a.loaded, b.freed - a.freed);
	KT_EXPECT_EQ(t, vb.live_areas, va.live_areas);
	KT_EXPECT(t, vb.flushes > va.flushes);
}

static void sleep_and_clock(struct ktest *t)
{
	expect_clean_exit(t, "sleeper", 5000000);
}

/*
 * The cost of a null round trip, as a figure: the TSC over 1000 extra
 * calls, so that task start and exit cancel out. Under QEMU's -icount
 * shift=0 and under Bochs the TSC counts instructions, so there the figure
 * is instructions per round trip (including the user loop's own three).
 */
static void round_trip_cost(struct ktest *t)
{
	struct task_result r;
	uint64_t c0, c1, c2;
	unsigned cpu = smp_processor_id();

	c0 = rdtsc();
	KT_ASSERT(t, task_run("nullsys", 1000, cpu, &r));
	c1 = rdtsc();
	KT_ASSERT(t, task_run("nullsys", 2000, cpu, &r));
	c2 = rdtsc();
	int64_t per = ((int64_t)(c2 - c1) - (int64_t)(c1 - c0)) / 1000;
	ktest_log("null syscall round trip: %lld TSC ticks (pti=%s, pcid=%s, coalesce_tlbi=%s)",
		  (long long)per, pti.pti ? "on" : "off", pti.pcid ? "on" : "off",
		  tlb_coalesce ? "on" : "off");
}

static const struct ktest_case syscall_cases[] = {
	{ "round_trips_on_every_cpu", round_trips_on_every_cpu },
	{ "bad_arguments_return_errors", bad_arguments_return_errors },
	{ "map_and_unmap", map_and_unmap },
	{ "filter_programs", filter_programs },
	{ "sleep_and_clock", sleep_and_clock },
	{ "round_trip_cost", round_trip_cost },
};
KTEST_SUITE(syscall_suite, "syscall", syscall_cases);
