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

/* Executable areas freed, 3 flushes each: over 10,000 flushes with
 * coalescing; without it every flush waits for every CPU, so fewer. */
#define STORM_ROUNDS_ON  3400
#define STORM_ROUNDS_OFF 300
#define SPIN_FOREVER (~0ull)

struct storm {
	struct task *tasks[MAX_CPUS];
	uint64_t ipis[MAX_CPUS];        /* flush IPIs each isolated CPU ran */
	uint64_t entries[MAX_CPUS];     /* its kernel entries of every kind */
	uint64_t flushes;               /* kernel-range flushes during the storm */
	uint64_t skipped, spurious, catchups;
	bool in_user;                   /* every loop reached user mode */
};

/* Wait (up to 2 s) until cpu runs in user mode, as its cr3_state says. */
static bool wait_user(unsigned cpu)
{
	uint64_t end = rdtsc() + 2000 * tsc_khz;

	while (__atomic_load_n(&cpu_area[cpu]->ea->cr3_state, __ATOMIC_ACQUIRE) !=
	       CR3_STATE_USER) {
		if (rdtsc() > end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool all_in_user(void)
{
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated)
		if (!wait_user(cpu))
			return false;
	return true;
}

/* Every way cpu entered the kernel so far: each is an interruption. */
static uint64_t entries_of(unsigned cpu)
{
	uint64_t n = 0;

	for (int k = 0; k < ENTRY_KINDS; k++)
		n += __atomic_load_n(&cpu_area[cpu]->entries[k], __ATOMIC_RELAXED);
	return n;
}

/* One filter-program life cycle, as kernel/jit.c does it: 3 flushes. */
static bool jit_cycle(void)
{
	uint8_t *code = vmalloc(PAGE_SIZE);

	if (!code)
		return false;
	code[0] = 0xc3;
	set_memory_ro(code, 1);
	set_memory_x(code, 1);
	vfree(code);                    /* executable: flushed at once */
	return true;
}

static void run_storm(struct ktest *t, bool coalesce, int rounds, struct storm *s)
{
	struct tlb_stats a, b;
	bool saved = tlb_coalesce;
	unsigned cpu;

	*s = (struct storm){ 0 };
	tlb_coalesce = coalesce;
	for_each_cpu(cpu, &housekeeping.isolated)
		s->tasks[cpu] = task_spawn("spin", SPIN_FOREVER, cpu, true);
	s->in_user = all_in_user();
	for_each_cpu(cpu, &housekeeping.isolated) {
		s->ipis[cpu] = cpu_area[cpu]->kflush_ipis;
		s->entries[cpu] = entries_of(cpu);
	}
	tlb_get_stats(&a);
	for (int i = 0; i < rounds; i++)
		if (!jit_cycle())
			break;
	tlb_get_stats(&b);
	for_each_cpu(cpu, &housekeeping.isolated) {
		s->ipis[cpu] = cpu_area[cpu]->kflush_ipis - s->ipis[cpu];
		s->entries[cpu] = entries_of(cpu) - s->entries[cpu];
	}
	s->in_user &= all_in_user();
	for_each_cpu(cpu, &housekeeping.isolated) {
		struct task_result r;
		if (!s->tasks[cpu])
			continue;
		task_request_stop(s->tasks[cpu]);
		task_wait(s->tasks[cpu], &r);
	}
	tlb_coalesce = saved;
	s->flushes = b.flushes - a.flushes;
	s->skipped = b.skipped - a.skipped;
	s->spurious = b.spurious - a.spurious;
	s->catchups = b.catchups - a.catchups;
}

static bool have_isolated(void)
{
	return cpumask_weight(&housekeeping.isolated) > 0 && pti.pti;
}

static void storm_with_coalescing(struct ktest *t)
{
	struct storm s;
	unsigned cpu;

	if (!have_isolated())
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

	if (!have_isolated())
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

	if (!have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	cpu = cpumask_first(&housekeeping.isolated);
	struct percpu *p = cpu_area[cpu];
	uint64_t catchups = p->kflush_catchups, uptodate = p->kflush_uptodate;
	struct task *spin = task_spawn("spin", SPIN_FOREVER, cpu, true);
	KT_ASSERT(t, spin != 0);
	bool in_user = wait_user(cpu);
	KT_EXPECT(t, in_user);
	KT_EXPECT(t, jit_cycle());
	uint64_t gen = __atomic_load_n(&kflush_gen, __ATOMIC_RELAXED);
	KT_EXPECT(t, p->kflush_seen < gen);            /* it was skipped */
	task_request_stop(spin);                        /* its next entry */
	task_wait(spin, &r);
	KT_EXPECT(t, p->kflush_catchups > catchups);
	KT_EXPECT(t, p->kflush_seen >= gen);
	ktest_log("CPU %u: %llu catch-up flushes, %llu entries with nothing to catch up",
		  cpu, (unsigned long long)(p->kflush_catchups - catchups),
		  (unsigned long long)(p->kflush_uptodate - uptodate));
}

/*
 * The stale-translation probe across the protocol. An isolated CPU, on a
 * system-call entry (tlb_entry_hook: after the catch-up, and under the v7
 * order inside the race window), reads PROBE_PAGES vmalloc pages that map
 * frames A, then waits with interrupts on while the boot CPU unmaps them,
 * purges (a kernel flush) and maps the same addresses to frames B; then it
 * reads again. The protocol must make it see every B: it is in the kernel,
 * so the sender reads KERNEL and sends the IPI. Under the v7 order the
 * flag still says USER, the sender skips it, and some A survives in its
 * TLB: the negative control. (QEMU keeps TLB entries while a CPU stays in
 * kernel mode, so this shows under QEMU as well as Bochs.)
 */
#define PROBE_PAGES 8

static struct {
	unsigned cpu;
	uint64_t va;
	int phase;                       /* 0 armed, 1 cached, 2 remapped, 3 read */
	uint64_t a[PROBE_PAGES], b[PROBE_PAGES];    /* frames: old and new */
	uint64_t first[PROBE_PAGES], second[PROBE_PAGES];
} probe;

static void read_pages(uint64_t *out)
{
	for (int i = 0; i < PROBE_PAGES; i++)
		out[i] = *(volatile uint64_t *)(probe.va + i * PAGE_SIZE);
}

static bool wait_phase(int phase)
{
	uint64_t end = rdtsc() + 3000 * tsc_khz;

	while (__atomic_load_n(&probe.phase, __ATOMIC_ACQUIRE) != phase)
		if (rdtsc() > end)
			return false;
	return true;
}

static void probe_hook(void)
{
	if (smp_processor_id() != probe.cpu || __atomic_load_n(&probe.phase, __ATOMIC_ACQUIRE))
		return;
	read_pages(probe.first);                 /* caches va -> A */
	__atomic_store_n(&probe.phase, 1, __ATOMIC_RELEASE);
	irq_enable();                            /* a flush IPI may come in now */
	wait_phase(2);
	irq_disable();
	read_pages(probe.second);
	__atomic_store_n(&probe.phase, 3, __ATOMIC_RELEASE);
}

/* The number of pages read stale, or -1 if the probe did not run. */
/*
 * The probe's life, shared by both probes: frames A and B, the pages
 * mapped to A, the fault and the hook set, the task started on the
 * isolated CPU; then the remap to B at the same addresses (false if the
 * allocator picked others); then counting and undoing it all.
 */
static struct task *probe_start(enum tlb_fault fault, void (*hook)(void), const char *prog,
				uint64_t arg, int phase)
{
	for (int i = 0; i < PROBE_PAGES; i++) {
		probe.a[i] = pmm_alloc();
		probe.b[i] = pmm_alloc();
		*(uint64_t *)phys_to_virt(probe.a[i]) = 0xaaaa;
		*(uint64_t *)phys_to_virt(probe.b[i]) = 0xbbbb;
	}
	vm_unmap_aliases();
	probe.cpu = cpumask_first(&housekeeping.isolated);
	probe.va = (uint64_t)vmap(probe.a, PROBE_PAGES);
	__atomic_store_n(&probe.phase, phase, __ATOMIC_RELEASE);
	tlb_inject_fault(fault);
	tlb_entry_hook = hook;
	return task_spawn(prog, arg, probe.cpu, true);
}

static bool probe_remap(void)
{
	uint64_t first = probe.va;

	vunmap((void *)probe.va);
	vm_unmap_aliases();                     /* the purge: a kernel-range flush */
	probe.va = (uint64_t)vmap(probe.b, PROBE_PAGES);
	return probe.va == first;
}

static int probe_stale(void)
{
	int stale = 0;

	for (int i = 0; i < PROBE_PAGES; i++)
		stale += probe.second[i] == 0xaaaa;
	return stale;
}

static void probe_finish(struct task *t)
{
	struct task_result r;

	tlb_entry_hook = 0;
	if (t) {
		task_request_stop(t);
		task_wait(t, &r);
	}
	tlb_inject_fault(TLB_FAULT_NONE);
	vunmap((void *)probe.va);
	vm_unmap_aliases();
	for (int i = 0; i < PROBE_PAGES; i++) {
		pmm_free(probe.a[i]);
		pmm_free(probe.b[i]);
	}
}

static int stale_probe(enum tlb_fault fault)
{
	struct task *t = probe_start(fault, probe_hook, "nullsys", 1000000000ull, 0);
	int stale = -1;

	if (t && wait_phase(1)) {
		bool same = probe_remap();
		/* Phase 2 lets the isolated CPU go on in any case. */
		__atomic_store_n(&probe.phase, 2, __ATOMIC_RELEASE);
		if (wait_phase(3) && same)
			stale = probe_stale();
	}
	probe_finish(t);
	return stale;
}

static void probe_sees_new_pages(struct ktest *t)
{
	if (!have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	int stale = stale_probe(TLB_FAULT_NONE);
	ktest_log("protocol: %d of %d pages read stale", stale, PROBE_PAGES);
	KT_EXPECT_EQ(t, stale, 0);
}

static void probe_v7_order_reads_stale(struct ktest *t)
{
	if (!have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	int stale = stale_probe(TLB_FAULT_V7_ORDER);
	ktest_log("v7 order (negative control): %d of %d pages read stale", stale, PROBE_PAGES);
	KT_EXPECT(t, stale > 0);
}

/*
 * The probe across CR3 switches: the isolated CPU caches the pages on one
 * entry, goes back to user mode (the user CR3, NOFLUSH under PCID), the
 * boot CPU remaps them while it is there (skipped: USER), and on its next
 * entry, after the catch-up, it reads them again. The catch-up must drop
 * the old entries (see cross_probe_catches_up for what shows without it).
 */
static void cross_hook(void)
{
	if (smp_processor_id() != probe.cpu)
		return;
	int phase = __atomic_load_n(&probe.phase, __ATOMIC_ACQUIRE);
	if (phase == 0) {
		read_pages(probe.first);
		__atomic_store_n(&probe.phase, 1, __ATOMIC_RELEASE);
	} else if (phase == 2) {
		read_pages(probe.second);
		__atomic_store_n(&probe.phase, 3, __ATOMIC_RELEASE);
	}
}

static int cross_probe(enum tlb_fault fault)
{
	struct task *t = probe_start(fault, cross_hook, "spin", SPIN_FOREVER, -1);
	int stale = -1;

	if (t && wait_user(probe.cpu)) {
		__atomic_store_n(&probe.phase, 0, __ATOMIC_RELEASE);
		smp_send_reschedule(probe.cpu);         /* entry 1: cache A */
		if (wait_phase(1) && wait_user(probe.cpu)) {
			bool same = probe_remap();      /* skipped: it is in user mode */
			__atomic_store_n(&probe.phase, 2, __ATOMIC_RELEASE);
			smp_send_reschedule(probe.cpu); /* entry 2: catch up, read */
			if (wait_phase(3) && same)
				stale = probe_stale();
		}
	}
	probe_finish(t);
	return stale;
}

static void cross_probe_catches_up(struct ktest *t)
{
	if (!have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	int stale = cross_probe(TLB_FAULT_NONE);
	ktest_log("across CR3 switches (PCID %s): %d of %d pages read stale",
		  pti.pcid ? "on" : "off", stale, PROBE_PAGES);
	KT_EXPECT_EQ(t, stale, 0);
	/*
	 * The same without the catch-up, as a figure, not a verdict: only a
	 * TLB that keeps the kernel PCID's entries across the switches (a real
	 * CPU with PCID) can read stale here. QEMU TCG flushes on every CR3
	 * write, and Bochs 2.7, whose TLB is not tagged, flushes on a change
	 * of PCID. The in-kernel probe above is the negative control that
	 * shows the probe itself can fail.
	 */
	int without = cross_probe(TLB_FAULT_NO_CATCH_UP);
	ktest_log("the same without the catch-up: %d of %d pages read stale", without,
		  PROBE_PAGES);
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

	if (!have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	for_each_cpu(cpu, &housekeeping.isolated) {
		e0 += cpu_area[cpu]->kflush_catchups + cpu_area[cpu]->kflush_uptodate;
		c0 += cpu_area[cpu]->kflush_catchups;
	}
	tlb_get_stats(&a);
	for_each_cpu(cpu, &housekeeping.isolated)
		tasks[cpu] = task_spawn("nullsys", 1000000000ull, cpu, true);
	for (int i = 0; i < STORM_ROUNDS_OFF / 3; i++)
		jit_cycle();
	for_each_cpu(cpu, &housekeeping.isolated) {
		struct task_result r;
		if (!tasks[cpu])
			continue;
		task_request_stop(tasks[cpu]);
		task_wait(tasks[cpu], &r);
	}
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

	if (!have_isolated())
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
	for_each_cpu(cpu, &housekeeping.isolated)
		tasks[cpu] = task_spawn("nullsys", 1000000000ull, cpu, true);
	tlb_entry_hook = canary_check_hook;
	tlb_get_stats(&a);
	run_on_housekeeping(canary_updater);
	tlb_get_stats(&b);
	tlb_entry_hook = 0;
	for_each_cpu(cpu, &housekeeping.isolated) {
		struct task_result r;
		if (!tasks[cpu])
			continue;
		task_request_stop(tasks[cpu]);
		task_wait(tasks[cpu], &r);
	}
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

static const struct ktest_case coalesce_cases[] = {
	{ "probe_sees_new_pages", probe_sees_new_pages },
	{ "probe_v7_order_reads_stale", probe_v7_order_reads_stale },
	{ "cross_probe_catches_up", cross_probe_catches_up },
	{ "storm_with_coalescing", storm_with_coalescing },
	{ "storm_without_coalescing", storm_without_coalescing },
	{ "entry_catches_up", entry_catches_up },
	{ "catch_ups_per_entry", catch_ups_per_entry },
};
KTEST_SUITE(coalesce_suite, "coalesce", coalesce_cases);

/* Its own suite: long, and run with more flushes outside make test. */
static const struct ktest_case coalesce_stress_cases[] = {
	{ "invariants_under_stress", invariants_under_stress },
};
KTEST_SUITE(coalesce_stress_suite, "coalesce_stress", coalesce_stress_cases);
