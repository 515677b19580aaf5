#pragma once
/*
 * Flushing kernel translations from every CPU's TLB.
 *
 * lull maps nothing in the kernel half as global (CR4.PGE stays off), so a
 * CR3 write drops every translation, kernel ones included: that is the
 * "full flush" below. Were global pages used, the full flush would have to
 * toggle CR4.PGE instead, and every CR3 write would keep kernel entries.
 */
#include <stdint.h>

/* Above this many pages one full flush is cheaper than INVLPG each (Linux: 33). */
#define TLB_FLUSH_CEILING 33

/*
 * The generation of kernel-range flushes: bumped (with a full barrier) by
 * every flush_tlb_kernel_range() before it decides whom to interrupt.
 */
extern uint64_t kflush_gen;

/*
 * Flush [start, end) of the kernel half from every CPU that may hold it,
 * this one included; returns when they all have. The page tables must
 * already be changed. Interrupts must be on (it waits for other CPUs).
 */
void flush_tlb_kernel_range(uint64_t start, uint64_t end);

/* This CPU only. */
void tlb_flush_local_range(uint64_t start, uint64_t end);
void tlb_flush_local_all(void);

/*
 * The policy hook: must CPU cpu get the flush IPI? For now every online
 * CPU; the deferred-flush protocol narrows it here and only here.
 */
_Bool tlb_flush_wants_ipi(unsigned cpu, void *info);

struct tlb_stats {
	uint64_t flushes;            /* flush_tlb_kernel_range calls */
	uint64_t full;               /* of which over the ceiling */
	uint64_t ipis;               /* flush IPIs sent */
};
void tlb_get_stats(struct tlb_stats *s);
