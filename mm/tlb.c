/*
 * flush_tlb_kernel_range() and the deferred kernel-TLB-flush protocol.
 *
 * The idea: a CPU isolated for a user program should not be interrupted
 * because another CPU freed kernel virtual memory. Under PTI such a CPU
 * cannot use a kernel translation until it enters the kernel, switching
 * CR3; so skip its flush IPI and let it catch up at entry.
 *
 * State. cr3_state, per CPU in the entry area (mapped in the user tables
 * too, so the entry stub can write it before switching CR3): KERNEL or
 * USER. kflush_gen, global: bumped by every kernel-range flush.
 * kflush_seen, per CPU: the generation its TLB is known clean up to.
 *
 * Entry from user mode (arch/x86_64/cr3.inc, then tlb_catch_up()):
 *   1. cr3_state := KERNEL by xchg (a full barrier);
 *   2. the kernel CR3 (NOFLUSH under PCID: kernel entries survive);
 *   3. read kflush_gen; if ahead of kflush_seen, flush all kernel
 *      translations and set kflush_seen to the value read;
 *   4. only then any access to memory a flush may have changed (vmalloc).
 * Exit: cr3_state := USER, then the user CR3.
 *
 * Sender (flush_tlb_kernel_range): the caller changed the page tables;
 *   1. bump kflush_gen with a locked add (a full barrier);
 *   2. for every other CPU: IPI it if it is housekeeping, or if its
 *      cr3_state reads KERNEL; skip it otherwise;
 *   3. flush locally, wait for the IPI'd CPUs.
 * The IPI carries its flush's generation; the handler advances kflush_seen
 * to it only from the generation just before, else flushes everything
 * (flush_on_this_cpu). A paranoid entry (NMI, #MC, #DF) saves and restores
 * cr3_state with CR3 and always catches up.
 *
 * Why it is correct: the sender does "write PTEs; barrier; read
 * cr3_state", the entering CPU "write cr3_state; barrier; read kflush_gen;
 * walk page tables". That is the store-buffering (Dekker) pattern: with
 * both barriers, at least one side sees the other's write. Either the
 * sender reads KERNEL and sends the IPI, or the entering CPU reads the new
 * generation, flushes, and every later walk sees the new PTEs.
 *
 * The race in the RFC v7 order (CR3 write, flush, *then* the flag): a
 * sender that reads cr3_state between the flush and the flag store reads
 * USER and skips a CPU that is already in the kernel and may cache the old
 * translation in between. coalesce_order=v7 injects that order (with
 * coalesce_window=, which widens the window and touches a vmalloc page in
 * it, it becomes visible under QEMU); coalesce_fault=no_entry_barrier,
 * no_sender_barrier, nmi_restores_user and no_catch_up inject the other
 * ways to break it.
 * tests/model/ checks all of them with spin; docs/protocol.md walks
 * through it.
 *
 * Harmless and counted: a sender that read KERNEL just before the exit
 * wrote USER sends an IPI that lands in user mode (kflush_spurious).
 *
 * Only vmalloc leaf entries are ever left stale: page-table pages are never
 * freed, and nothing mapped in the user tables is flushed lazily.
 */
#include "mm/tlb.h"
#include "arch/x86_64/cpu.h"
#include "mm/paging.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/mmu.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "kernel/trace.h"
#include "arch/x86_64/tsc.h"
#include "mm/pmm.h"
#include "mm/vmalloc.h"
#include "mm/pti.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"

uint64_t kflush_gen;
bool tlb_coalesce;              /* coalesce_tlbi=on: the protocol runs */
static bool fault_sender_barrier; /* TLB_FAULT_NO_SENDER_BARRIER */
static bool fault_no_catch_up;    /* TLB_FAULT_NO_CATCH_UP */
void (*tlb_entry_hook)(void);
static void *window_page;          /* coalesce_window=: touched in the v7 window */

struct flush_range {
	uint64_t start, end;
	uint64_t gen;               /* this flush's generation */
	unsigned sender;
};

void tlb_flush_local_all(void)
{
	/* No global pages: reloading CR3 drops every translation. */
	write_cr3(read_cr3());
	this_cpu()->kflush_full++;
}

void tlb_flush_local_range(uint64_t start, uint64_t end)
{
	uint64_t pages = (end - start + 4095) / 4096;

	if (pages > TLB_FLUSH_CEILING) {
		tlb_flush_local_all();
		return;
	}
	for (uint64_t va = start & ~4095ull; va < end; va += 4096)
		tlb_flush_one(va);
	this_cpu()->kflush_invlpg += pages;
}

/*
 * Every kernel translation of this CPU: those of every PCID its kernel
 * may have run in, the current one included. That is PCID_KERNEL alone: a
 * CPU moves there the moment it turns PCIDs on, before any interrupt or
 * NMI handler of lull's can run on it (mm/pti_cr3.c:
 * pti_enter_kernel_pcid; the variant pcid0_behind_branch of tests/tlbsim
 * is what happens otherwise). No kernel page is global, so where there is
 * no INVPCID reloading CR3 drops the current PCID's.
 */
static void flush_all_kernel(void)
{
	if (!pti.invpcid) {
		tlb_flush_local_all();  /* the current PCID, the kernel's */
		return;
	}
	invpcid(INVPCID_PCID, PCID_KERNEL, 0);
	this_cpu()->kflush_full++;
}

/*
 * Step 3: behind, flush every kernel translation, then record the
 * generation read before the flush (recorded before it, an NMI could
 * catch up in between and be overtaken: tests/model seen_before_flush).
 * Returns the generation read.
 *
 * Always a real flush, PCID or not. The entry's CR3 write, even one that
 * drops the whole TLB, cleaned it only of what was stale before that
 * write: a speculative fill between it and a sender's page-table store
 * survives it, and kflush_seen must not say otherwise, for a paranoid
 * entry in the exit window writes no CR3 and trusts kflush_seen
 * (tests/model nopcid_shortcut, tests/tlbsim nopcid_bookkeeping). The
 * price is one CR3 write or INVPCID on an entry that is behind, which is
 * rare: never on an entry with nothing to catch up on.
 */
static uint64_t catch_up(struct percpu *me)
{
	/* Ordered after cr3_state := KERNEL by the entry's xchg (cr3.inc). */
	uint64_t gen = __atomic_load_n(&kflush_gen, __ATOMIC_ACQUIRE);

	if (fault_no_catch_up)
		return gen;
	if (gen > me->kflush_seen) {
		flush_all_kernel();
		__atomic_store_n(&me->kflush_seen, gen, __ATOMIC_RELEASE);
		me->kflush_catchups++;
		trace_catch_up(gen);
	} else {
		me->kflush_uptodate++;
	}
	return gen;
}

#ifdef LULL_DEBUG
uint64_t tlb_entry_check_failures;

/*
 * Debug builds: the catch-up kept its promise, kflush_seen at least the
 * generation this entry read. Interrupts are off, so no flush IPI runs in
 * between; a paranoid entry that does leaves a generation at least as new.
 */
static void check_caught_up(const struct percpu *me, uint64_t gen)
{
	if (__builtin_expect(me->kflush_seen >= gen, 1))
		return;
	if (__atomic_fetch_add(&tlb_entry_check_failures, 1, __ATOMIC_RELAXED) == 0)
		pr_err("tlb: CPU %u entered at generation %llu with kflush_seen %llu: "
		       "the catch-up did not run\n", me->cpu, (unsigned long long)gen,
		       (unsigned long long)me->kflush_seen);
}
#else
static inline void check_caught_up(const struct percpu *me, uint64_t gen) { }
#endif

void tlb_catch_up(void)
{
	struct percpu *me = this_cpu();

	check_caught_up(me, catch_up(me));
	if (tlb_entry_hook)
		tlb_entry_hook();
	if (me->ea->entry_mode == ENTRY_MODE_V7) {
		/* The v7 window: in the kernel, flushed, but still "USER". */
		if (window_page) {
			(void)*(volatile uint64_t *)window_page;
			udelay(boot_cmdline.coalesce_window);
		}
		__atomic_store_n(&me->ea->cr3_state, CR3_STATE_KERNEL, __ATOMIC_SEQ_CST);
	}
}

void tlb_catch_up_paranoid(void)
{
	/* An NMI, #MC or #DF (arch/x86_64/entry.asm), wherever it landed. */
	struct percpu *me = this_cpu();

	check_caught_up(me, catch_up(me));
}

/*
 * The flush IPI (and the sender's own flush). kflush_seen = g promises
 * that every flush up to generation g is applied here, so the range of
 * this one flush advances it only from r->gen - 1 to r->gen. Further
 * behind (a flush this CPU was skipped for and has not caught up on yet,
 * or one whose IPI is still queued), flush everything and take the
 * generation read before that flush. (tests/model: ipi_range_flush is the
 * counterexample to advancing it to the current generation after a range
 * flush.)
 */
static void flush_on_this_cpu(void *info)
{
	const struct flush_range *r = info;
	struct percpu *me = this_cpu();
	uint64_t seen = me->kflush_seen;

	if (seen + 1 >= r->gen) {
		tlb_flush_local_range(r->start, r->end);
		if (seen + 1 == r->gen)
			seen = r->gen;
	} else {
		seen = __atomic_load_n(&kflush_gen, __ATOMIC_ACQUIRE);
		flush_all_kernel();
	}
	if (me->cpu != r->sender)
		me->kflush_ipis++;
	if (me->irq_from_user)
		me->kflush_spurious++;      /* skippable: it arrived in user mode */
	/* Only this CPU writes its kflush_seen (an NMI's catch-up included:
	 * that can only make it smaller here, which costs a flush, never a
	 * stale entry); other CPUs read it. After the flush (seen_before_flush). */
	if (seen > me->kflush_seen)
		__atomic_store_n(&me->kflush_seen, seen, __ATOMIC_RELEASE);
}

_Bool tlb_flush_wants_ipi(unsigned cpu, void *info)
{
	struct percpu *me = this_cpu();

	/* Counted here, where the decision is made, per CPU: no shared
	 * cache line on the flush path. */
	if (cpu == me->cpu)
		return 1;
	if (cpu_is_isolated(cpu)) {
		/* Sender step 2. Ordered after the page-table writes by the
		 * locked add in flush_tlb_kernel_range; pairs with the xchg
		 * of SET_CR3_STATE_KERNEL (arch/x86_64/cr3.inc). */
		if (tlb_coalesce && __atomic_load_n(&cpu_area[cpu]->ea->cr3_state,
						    __ATOMIC_RELAXED) == CR3_STATE_USER) {
			me->kflush_skipped++;
			return 0;
		}
		me->kflush_ipis_sent_isolated++;
	}
	me->kflush_ipis_sent++;
	return 1;
}

void flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	struct flush_range r = { start, end, 0, smp_processor_id() };

	if (end <= start)
		return;
	/* Sender step 1. A locked add: a full barrier between the caller's
	 * page-table writes and the condition's reads of cr3_state. Pairs
	 * with the entry's xchg (arch/x86_64/cr3.inc: SET_CR3_STATE_KERNEL). */
	if (fault_sender_barrier)
		r.gen = *(volatile uint64_t *)&kflush_gen = *(volatile uint64_t *)&kflush_gen + 1;
	else
		r.gen = __atomic_add_fetch(&kflush_gen, 1, __ATOMIC_SEQ_CST);
	this_cpu()->kflush_sent++;
	trace_kflush((end - start + 4095) / 4096, r.gen);
	if ((end - start) / 4096 > TLB_FLUSH_CEILING)
		this_cpu()->kflush_sent_full++;
	on_each_cpu_cond_mask(tlb_flush_wants_ipi, flush_on_this_cpu, &r, true, &cpu_online_mask);
}

/* The sum of every CPU's counters (each written only by its own CPU). */
void tlb_get_stats(struct tlb_stats *s)
{
	*s = (struct tlb_stats){ 0 };
	for (unsigned c = 0; c < nr_cpus; c++) {
		const struct percpu *p = cpu_area[c];
		s->flushes += __atomic_load_n(&p->kflush_sent, __ATOMIC_RELAXED);
		s->full += __atomic_load_n(&p->kflush_sent_full, __ATOMIC_RELAXED);
		s->ipis += __atomic_load_n(&p->kflush_ipis_sent, __ATOMIC_RELAXED);
		s->ipis_isolated += __atomic_load_n(&p->kflush_ipis_sent_isolated, __ATOMIC_RELAXED);
		s->skipped += __atomic_load_n(&p->kflush_skipped, __ATOMIC_RELAXED);
		s->spurious += __atomic_load_n(&p->kflush_spurious, __ATOMIC_RELAXED);
		s->catchups += __atomic_load_n(&p->kflush_catchups, __ATOMIC_RELAXED);
		s->uptodate += __atomic_load_n(&p->kflush_uptodate, __ATOMIC_RELAXED);
	}
}

static const char *const fault_names[] = {
	[TLB_FAULT_NONE] = "none", [TLB_FAULT_V7_ORDER] = "v7",
	[TLB_FAULT_NO_ENTRY_BARRIER] = "no_entry_barrier",
	[TLB_FAULT_NO_SENDER_BARRIER] = "no_sender_barrier",
	[TLB_FAULT_NMI_RESTORES_USER] = "nmi_restores_user",
	[TLB_FAULT_NO_CATCH_UP] = "no_catch_up",
};

/* coalesce_order=v7 and coalesce_fault=...: a message and "none" if unknown. */
static enum tlb_fault fault_from_cmdline(void)
{
	const struct cmdline *c = &boot_cmdline;

	if (c->coalesce_order[0] && strcmp(c->coalesce_order, "v8")) {
		if (!strcmp(c->coalesce_order, "v7"))
			return TLB_FAULT_V7_ORDER;
		pr_warn("tlb: coalesce_order=%s: expected v8 or v7; using v8\n", c->coalesce_order);
	}
	for (unsigned f = TLB_FAULT_NO_ENTRY_BARRIER; c->coalesce_fault[0] && f <= TLB_FAULT_NO_CATCH_UP; f++)
		if (!strcmp(c->coalesce_fault, fault_names[f]))
			return f;
	if (c->coalesce_fault[0] && strcmp(c->coalesce_fault, "none"))
		pr_warn("tlb: coalesce_fault=%s: expected none, no_entry_barrier, no_sender_barrier, "
			"nmi_restores_user or no_catch_up; using none\n", c->coalesce_fault);
	return TLB_FAULT_NONE;
}

void tlb_protocol_init(void)
{
	tlb_coalesce = boot_cmdline.coalesce_tlbi && pti.pti;
	if (boot_cmdline.coalesce_tlbi && !pti.pti)
		pr_warn("tlb: coalesce_tlbi needs pti=on (a CPU in user mode must hold no usable "
			"kernel translation); every CPU gets every flush IPI\n");
	pr_info("tlb: coalesce_tlbi=%s: %s\n", tlb_coalesce ? "on" : "off",
		tlb_coalesce ? "isolated CPUs in user mode catch up at entry"
			     : "every flush IPIs every CPU");
	tlb_inject_fault(fault_from_cmdline());
	if (boot_cmdline.coalesce_window && !(window_page = vmalloc(PAGE_SIZE)))
		pr_warn("tlb: no memory for the coalesce_window page; window not widened\n");
}

void tlb_inject_fault(enum tlb_fault f)
{
	for (unsigned c = 0; c < nr_cpus; c++) {
		struct entry_area *ea = cpu_area[c]->ea;
		ea->entry_mode = f == TLB_FAULT_V7_ORDER ? ENTRY_MODE_V7 :
				 f == TLB_FAULT_NO_ENTRY_BARRIER ? ENTRY_MODE_PLAIN : ENTRY_MODE_XCHG;
		ea->nmi_mode = f == TLB_FAULT_NMI_RESTORES_USER ? NMI_MODE_USER : NMI_MODE_RESTORE;
	}
	fault_sender_barrier = f == TLB_FAULT_NO_SENDER_BARRIER;
	fault_no_catch_up = f == TLB_FAULT_NO_CATCH_UP;
	if (f != TLB_FAULT_NONE)
		pr_warn("tlb: fault injected into the flush protocol: %s (for tests only)\n",
			fault_names[f]);
}
