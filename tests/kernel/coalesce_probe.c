/*
 * The stale-translation probes of suite coalesce (the table is in
 * tests/kernel/coalesce_test.c).
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

void probe_sees_new_pages(struct ktest *t)
{
	if (!coalesce_have_isolated())
		KT_SKIP(t, "no isolated CPU (nohz_full=), or pti=off");
	int stale = stale_probe(TLB_FAULT_NONE);
	ktest_log("protocol: %d of %d pages read stale", stale, PROBE_PAGES);
	KT_EXPECT_EQ(t, stale, 0);
}

void probe_v7_order_reads_stale(struct ktest *t)
{
	if (!coalesce_have_isolated())
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

	if (t && coalesce_wait_user(probe.cpu)) {
		__atomic_store_n(&probe.phase, 0, __ATOMIC_RELEASE);
		smp_send_reschedule(probe.cpu);         /* entry 1: cache A */
		if (wait_phase(1) && coalesce_wait_user(probe.cpu)) {
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

void cross_probe_catches_up(struct ktest *t)
{
	if (!coalesce_have_isolated())
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
