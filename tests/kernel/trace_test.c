/*
 * Suite trace: the per-CPU trace rings (kernel/trace.c) seen from outside.
 * Every case but the first needs trace=N on the command line and skips
 * without it; the first checks that a trace that is off records nothing,
 * with or without rings.
 *
 * Two dumps are printed: the overflowed ring (the matrix line checks its
 * "lost" line), then a small picture of the protocol (a user task's
 * system calls, flushes, a skipped isolated CPU catching up), which
 * tools/trace.py takes by default, being the last.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/tsc.h"
#include "kernel/ktest.h"
#include "kernel/syscall_abi.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"
#include "tests/kernel/coalesce_util.h"

#define CALLS        20       /* system calls of the entry/exit case */
#define FLUSHES      4
#define COST_CALLS   500      /* and twice that: the difference is the cost */
#define OVERFLOW_BY  100

/* A page whose translation any CPU may drop at any time: a flush target. */
static uint8_t flush_target[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

#define SKIP_WITHOUT_RINGS(t) \
	do { if (!trace_available()) KT_SKIP(t, "no trace rings (trace=0, or no memory for them)"); } while (0)
/* A case that must lose nothing needs room for what it records. */
#define SKIP_UNLESS_ROOM(t, events)                                            \
	do {                                                                   \
		SKIP_WITHOUT_RINGS(t);                                         \
		if (trace_capacity() < (events))                               \
			KT_SKIP(t, "trace=N is too small for what this case records"); \
	} while (0)

static void flush_one_page(void)
{
	uint64_t a = (uint64_t)flush_target;

	flush_tlb_kernel_range(a, a + PAGE_SIZE);
}

/* The CPU other than this one with the highest number (this one if alone). */
static unsigned other_cpu(void)
{
	unsigned cpu, last = smp_processor_id();

	for_each_cpu(cpu, &cpu_online_mask)
		last = cpu;
	return last;
}

static bool is_entry(const struct trace_event *e, unsigned kind, uint32_t detail)
{
	return e->type == TRACE_ENTRY && e->a == kind && e->c == detail;
}

/* Events of cpu's ring of type type (and with a == a, unless a < 0). */
static uint64_t count_of(unsigned cpu, unsigned type, int a)
{
	struct trace_event e;
	uint64_t n = 0;

	for (uint64_t i = 0; trace_get(cpu, i, &e); i++)
		if (e.type == type && (a < 0 || e.a == a))
			n++;
	return n;
}

/* Events kept in every ring, and with lost ones: all recorded since the clear. */
static uint64_t kept_total(void)
{
	uint64_t n = 0;
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		n += trace_kept(cpu);
	return n;
}

static uint64_t lost_total(void)
{
	uint64_t n = 0;
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		n += trace_lost(cpu);
	return n;
}

/* Off, nothing is written: not by system calls, not by flushes. */
static void off_records_nothing(struct ktest *t)
{
	struct task_result r;

	if (trace_available()) {
		KT_ASSERT(t, trace_enable(false));
		KT_ASSERT(t, trace_clear());
	} else {
		KT_EXPECT(t, !trace_enable(true));      /* nothing to record into */
	}
	KT_EXPECT(t, !trace_recording());
	KT_ASSERT(t, task_run("nullsys", CALLS, other_cpu(), &r));
	flush_one_page();
	KT_EXPECT_EQ(t, kept_total() + lost_total(), 0);
	if (!trace_available())
		KT_EXPECT_EQ(t, trace_dump(), 0);
}

/* A user task's system calls: an entry for each, an exit between. */
static void syscall_entry_exit(struct ktest *t)
{
	unsigned cpu = other_cpu();
	struct trace_event e;
	struct task_result r;
	uint64_t getcpu = 0, exits = 0, last_tsc = 0;
	bool in_kernel = true;          /* the task starts with an exit */

	SKIP_UNLESS_ROOM(t, 8 * CALLS);
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	KT_ASSERT(t, task_run("nullsys", CALLS, cpu, &r));
	KT_ASSERT(t, trace_enable(false));
	KT_EXPECT_EQ(t, trace_lost(cpu), 0);
	for (uint64_t i = 0; trace_get(cpu, i, &e); i++) {
		if (e.tsc < last_tsc)
			ktest_fail_at(t, __FILE__, __LINE__, "event %llu on CPU %u is older than the one before",
				      (unsigned long long)i, cpu);
		last_tsc = e.tsc;
		if (e.type == TRACE_EXIT) {
			if (!in_kernel)
				ktest_fail_at(t, __FILE__, __LINE__, "two exits in a row on CPU %u", cpu);
			in_kernel = false;
			exits++;
		} else if (e.type == TRACE_ENTRY) {
			if (in_kernel)
				ktest_fail_at(t, __FILE__, __LINE__, "two entries in a row on CPU %u", cpu);
			in_kernel = true;
			getcpu += is_entry(&e, TRACE_FROM_SYSCALL, SYS_GETCPU);
		}
	}
	KT_EXPECT_EQ(t, getcpu, CALLS);
	KT_EXPECT_EQ(t, count_of(cpu, TRACE_ENTRY, TRACE_FROM_SYSCALL), CALLS + 1);
	KT_EXPECT(t, exits >= CALLS + 1);       /* the first, one per call; interrupts add pairs */
	KT_EXPECT(t, in_kernel);                /* the last entry is exit(): no way back */
}

/*
 * Kernel-range flushes from this CPU: one kflush event each, with its
 * generation, and every call IPI it sent for them received on its target
 * after it was sent. Housekeeping CPUs get one per flush.
 */
static void flush_ipis_sent_and_received(struct ktest *t)
{
	unsigned me = smp_processor_id(), cpu;
	uint64_t gen0 = __atomic_load_n(&kflush_gen, __ATOMIC_RELAXED);
	uint64_t sent_tsc[MAX_CPUS][FLUSHES];
	unsigned sent[MAX_CPUS] = { 0 };
	struct trace_event e;
	unsigned flushes = 0;

	SKIP_UNLESS_ROOM(t, 16 * FLUSHES);
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	for (int i = 0; i < FLUSHES; i++)
		flush_one_page();
	KT_ASSERT(t, trace_enable(false));
	for (uint64_t i = 0; trace_get(me, i, &e); i++) {
		if (e.type == TRACE_KFLUSH) {
			KT_EXPECT_EQ(t, e.c, (uint32_t)(gen0 + 1 + flushes));
			KT_EXPECT_EQ(t, e.b, 1);
			KT_EXPECT_EQ(t, e.a, 0);
			flushes++;
		} else if (e.type == TRACE_IPI_SENT && e.a == IPI_CALL && e.b < MAX_CPUS) {
			KT_ASSERT(t, sent[e.b] < FLUSHES);
			sent_tsc[e.b][sent[e.b]++] = e.tsc;
		}
	}
	KT_EXPECT_EQ(t, flushes, FLUSHES);
	for_each_cpu(cpu, &cpu_online_mask) {
		unsigned got = 0;
		if (cpu == me)
			continue;
		if (!cpu_is_isolated(cpu))
			KT_EXPECT_EQ(t, sent[cpu], FLUSHES);
		for (uint64_t i = 0; trace_get(cpu, i, &e); i++)
			if (e.type == TRACE_IPI_RECEIVED && e.a == IPI_CALL) {
				/* The flush waits for its IPIs: the n-th arrival answers the n-th send. */
				KT_ASSERT(t, got < sent[cpu]);
				KT_EXPECT(t, e.tsc >= sent_tsc[cpu][got]);
				got++;
			}
		KT_EXPECT_EQ(t, got, sent[cpu]);
	}
}

/*
 * An isolated CPU in user mode is skipped by a flush (no call IPI), and
 * its next entry catches up to the flush's generation: in the trace, an
 * entry directly followed by a catch-up.
 */
static void skipped_cpu_catches_up(struct ktest *t)
{
	struct task *task[MAX_CPUS] = { 0 };
	unsigned me = smp_processor_id(), cpu;
	struct trace_event e, prev = { 0 };
	struct task_result r;
	uint64_t gen, catch_ups = 0;

	SKIP_UNLESS_ROOM(t, 64);
	if (!coalesce_have_isolated() || !tlb_coalesce)
		KT_SKIP(t, "needs isolated CPUs with coalesce_tlbi=on and pti=on");
	cpu = cpumask_first(&housekeeping.isolated);
	/* Cleared first: a clear interrupts every CPU (kernel/trace.c). */
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	task[cpu] = task_spawn("spin", SPIN_FOREVER, cpu, true);
	KT_ASSERT(t, task[cpu]);
	KT_EXPECT(t, coalesce_wait_user(cpu));
	flush_one_page();
	gen = __atomic_load_n(&kflush_gen, __ATOMIC_RELAXED);
	task_request_stop(task[cpu]);
	task_wait(task[cpu], &r);
	KT_ASSERT(t, trace_enable(false));

	KT_EXPECT_EQ(t, count_of(me, TRACE_KFLUSH, -1), 1);
	for (uint64_t i = 0; trace_get(me, i, &e); i++)
		KT_EXPECT(t, !(e.type == TRACE_IPI_SENT && e.a == IPI_CALL && e.b == cpu));
	KT_EXPECT_EQ(t, count_of(cpu, TRACE_IPI_RECEIVED, IPI_CALL), 0);
	for (uint64_t i = 0; trace_get(cpu, i, &e); prev = e, i++)
		if (e.type == TRACE_CATCH_UP && e.c == (uint32_t)gen) {
			KT_EXPECT_EQ(t, prev.type, TRACE_ENTRY);
			catch_ups++;
		}
	KT_EXPECT_EQ(t, catch_ups, 1);
}

/* TSC ticks of calls null system calls on this CPU (task start and exit included). */
static uint64_t time_calls(uint64_t calls)
{
	struct task_result r;
	uint64_t c0 = rdtsc();

	if (!task_run("nullsys", calls, smp_processor_id(), &r))
		return 0;
	return rdtsc() - c0;
}

/*
 * The cost of the trace on a null system call: events per round trip
 * (exactly two: the entry and the exit), and TSC ticks per round trip
 * with the trace off and on (instructions under Bochs).
 */
static void cost_per_round_trip(struct ktest *t)
{
	unsigned me = smp_processor_id();
	uint64_t off1, off2, on1, on2, calls1, calls2, exits1, exits2;

	SKIP_UNLESS_ROOM(t, 5 * COST_CALLS);
	KT_ASSERT(t, trace_enable(false));
	off1 = time_calls(COST_CALLS);
	off2 = time_calls(2 * COST_CALLS);
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	on1 = time_calls(COST_CALLS);
	KT_ASSERT(t, trace_enable(false));
	calls1 = count_of(me, TRACE_ENTRY, TRACE_FROM_SYSCALL);
	exits1 = count_of(me, TRACE_EXIT, -1);
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	on2 = time_calls(2 * COST_CALLS);
	KT_ASSERT(t, trace_enable(false));
	calls2 = count_of(me, TRACE_ENTRY, TRACE_FROM_SYSCALL);
	exits2 = count_of(me, TRACE_EXIT, -1);
	KT_ASSERT(t, off1 && off2 && on1 && on2);
	KT_EXPECT_EQ(t, trace_lost(me), 0);
	/* Only the calls differ: 2 events per round trip, and interrupts. */
	KT_EXPECT_EQ(t, calls2 - calls1, COST_CALLS);
	KT_EXPECT(t, exits2 - exits1 >= COST_CALLS);
	ktest_log("trace: %llu events per null system call round trip (entry %llu, exit %llu "
		  "over %d calls, interrupts included)",
		  (unsigned long long)((calls2 - calls1 + exits2 - exits1) / COST_CALLS),
		  (unsigned long long)(calls2 - calls1), (unsigned long long)(exits2 - exits1),
		  COST_CALLS);
	ktest_log("trace: null system call round trip: %lld TSC ticks with the trace off, %lld on",
		  (long long)((int64_t)(off2 - off1) / COST_CALLS),
		  (long long)((int64_t)(on2 - on1) / COST_CALLS));
}

/*
 * Overflow: this CPU records marks with interrupts off (so nothing else
 * lands in its ring) until OVERFLOW_BY more events than the ring holds
 * were recorded since the clear; the ring keeps the last of them and
 * counts exactly OVERFLOW_BY lost. Then the dump prints it.
 */
static void overflow_counts_lost_exactly(struct ktest *t)
{
	unsigned me = smp_processor_id();
	uint64_t size = trace_capacity(), before, marks;
	struct trace_event e;
	bool in_order = true, stopped_here = false;

	SKIP_WITHOUT_RINGS(t);
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	uint64_t flags = irq_save();
	before = trace_kept(me);                /* since the clear, before interrupts went off */
	marks = before <= OVERFLOW_BY ? size + OVERFLOW_BY - before : 0;
	for (uint64_t i = 0; i < marks; i++)
		trace_mark((uint32_t)i);
	stopped_here = !trace_enable(false);    /* interrupts off: stopped here, not waited */
	irq_restore(flags);
	KT_ASSERT(t, trace_enable(false));
	KT_EXPECT(t, stopped_here);
	KT_ASSERT(t, marks > 0);
	KT_EXPECT_EQ(t, trace_kept(me), size);
	KT_EXPECT_EQ(t, trace_lost(me), OVERFLOW_BY);
	for (uint64_t i = 0; trace_get(me, i, &e); i++)
		in_order &= e.type == TRACE_MARK && e.c == (uint32_t)(marks - size + i);
	KT_EXPECT(t, in_order);
	/* The block printed: one line per event kept (the matrix checks the lost line). */
	KT_EXPECT_EQ(t, trace_dump(), kept_total());
}

/*
 * The picture docs/trace.md shows: a task's system calls on another CPU,
 * flushes and their IPIs, and with isolated CPUs a skipped CPU catching
 * up; dumped last, so tools/trace.py takes it by default.
 */
static void dump_of_the_protocol(struct ktest *t)
{
	struct task *task[MAX_CPUS] = { 0 };
	struct task_result r;
	unsigned cpu;

	SKIP_UNLESS_ROOM(t, 8 * CALLS + 16 * FLUSHES);
	KT_ASSERT(t, trace_clear() && trace_enable(true));
	trace_mark(1);
	KT_ASSERT(t, task_run("nullsys", CALLS, other_cpu(), &r));
	trace_mark(2);
	if (coalesce_have_isolated()) {
		coalesce_spawn_all(task, "spin", SPIN_FOREVER);
		for_each_cpu(cpu, &housekeeping.isolated)
			KT_EXPECT(t, task[cpu] && coalesce_wait_user(cpu));
	}
	for (int i = 0; i < FLUSHES; i++)
		flush_one_page();
	trace_mark(3);
	coalesce_stop_all(task);
	KT_ASSERT(t, trace_enable(false));
	KT_EXPECT_EQ(t, lost_total(), 0);
	KT_EXPECT(t, kept_total() >= 2 * (CALLS + 1) + FLUSHES);
	KT_EXPECT_EQ(t, trace_dump(), kept_total());
}

static const struct ktest_case trace_cases[] = {
	{ "off_records_nothing", off_records_nothing },
	{ "syscall_entry_exit", syscall_entry_exit },
	{ "flush_ipis_sent_and_received", flush_ipis_sent_and_received },
	{ "skipped_cpu_catches_up", skipped_cpu_catches_up },
	{ "cost_per_round_trip", cost_per_round_trip },
	{ "overflow_counts_lost_exactly", overflow_counts_lost_exactly },
	{ "dump_of_the_protocol", dump_of_the_protocol },
};
KTEST_SUITE(trace_suite, "trace", trace_cases);
