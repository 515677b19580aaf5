/*
 * flush_tlb_kernel_range() over the IPI layer (see mm/tlb.h).
 *
 * The sender: the caller has changed the page tables; bump kflush_gen with
 * a locked instruction, a full barrier that orders those page-table writes
 * before anything the condition reads about the other CPUs; ask
 * on_each_cpu_cond_mask() to run the flush on every CPU the condition
 * accepts, this one included, and wait for them.
 *
 * The receiver (flush_on_this_cpu): read kflush_gen *before* flushing,
 * flush, then record that generation in kflush_seen: the TLB is now clean
 * of everything changed up to it. A flush that overlapped this one and
 * bumped the generation after the read is not covered, and its own IPI
 * will come.
 */
#include "mm/tlb.h"
#include "arch/x86_64/cpu.h"
#include "mm/paging.h"
#include "smp/ipi.h"
#include "smp/percpu.h"

uint64_t kflush_gen;

struct flush_range {
	uint64_t start, end;
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

static void flush_on_this_cpu(void *info)
{
	const struct flush_range *r = info;
	struct percpu *me = this_cpu();
	uint64_t gen = __atomic_load_n(&kflush_gen, __ATOMIC_ACQUIRE);

	tlb_flush_local_range(r->start, r->end);
	if (me->cpu != r->sender)
		me->kflush_ipis++;
	/* Only this CPU writes its kflush_seen; others read it (relaxed). */
	if (gen > me->kflush_seen)
		__atomic_store_n(&me->kflush_seen, gen, __ATOMIC_RELAXED);
}

_Bool tlb_flush_wants_ipi(unsigned cpu, void *info)
{
	/* Counted here, where the decision is made, per CPU: no shared
	 * cache line on the flush path. */
	if (cpu != smp_processor_id())
		this_cpu()->kflush_ipis_sent++;
	return 1;
}

void flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	struct flush_range r = { start, end, smp_processor_id() };

	if (end <= start)
		return;
	/* A locked add: a full barrier between the caller's page-table writes
	 * and the condition's reads of other CPUs' state (the protocol's
	 * store-buffering pair; the entry side comes with PTI). */
	__atomic_add_fetch(&kflush_gen, 1, __ATOMIC_SEQ_CST);
	this_cpu()->kflush_sent++;
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
	}
}
