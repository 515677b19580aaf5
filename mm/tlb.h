#pragma once
/*
 * Flushing kernel translations from every CPU's TLB.
 *
 * lull maps nothing in the kernel half as global (CR4.PGE stays off), so a
 * CR3 write drops every translation, kernel ones included: that is the
 * "full flush" below. Were global pages used, the full flush would have to
 * toggle CR4.PGE instead, and every CR3 write would keep kernel entries.
 */
#include <stdbool.h>
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
 * The policy hook: must CPU cpu get the flush IPI? Every online CPU with
 * coalesce_tlbi=off; with it on, not an isolated CPU whose cr3_state says
 * USER (the protocol's sender step, mm/tlb.c). Decided here and only here.
 */
_Bool tlb_flush_wants_ipi(unsigned cpu, void *info);

/*
 * The deferred-flush protocol (stated in mm/tlb.c). tlb_coalesce may be
 * switched at run time: the entry side keeps cr3_state up to date either
 * way, so the sender may start or stop trusting it between two flushes.
 */
extern bool tlb_coalesce;
/* coalesce_tlbi= and PTI decide (boot CPU, once the partition is known). */
void tlb_protocol_init(void);
/* Protocol step 3, first thing on every entry from user mode. */
void tlb_catch_up(void);
/* The same for a paranoid entry (NMI, #MC, #DF), wherever it landed. */
void tlb_catch_up_paranoid(void);
#ifdef LULL_DEBUG
/* Entries whose catch-up left kflush_seen below the generation they read
 * (debug builds check every entry; only a fault injected can do that). */
extern uint64_t tlb_entry_check_failures;
#endif

/*
 * Fault injection (tests and teaching only; each breaks the protocol in
 * one of the ways tests/model/ shows to be wrong).
 */
enum tlb_fault {
	TLB_FAULT_NONE,
	TLB_FAULT_V7_ORDER,          /* CR3, catch-up, then the flag */
	TLB_FAULT_NO_ENTRY_BARRIER,  /* the flag by a plain store */
	TLB_FAULT_NO_SENDER_BARRIER, /* kflush_gen by a plain add */
	TLB_FAULT_NMI_RESTORES_USER, /* a paranoid exit writes USER */
	TLB_FAULT_NO_CATCH_UP,       /* entries skip step 3 */
};
/* Set on every CPU (call with no user task running anywhere). */
void tlb_inject_fault(enum tlb_fault f);
/*
 * Called on every entry from user mode right after the catch-up, with
 * interrupts off; under TLB_FAULT_V7_ORDER that is inside the race window
 * (before the flag). For the stale-translation probe of tests only.
 */
extern void (*tlb_entry_hook)(void);

struct tlb_stats {
	uint64_t flushes;            /* flush_tlb_kernel_range calls */
	uint64_t full;               /* of which over the ceiling */
	uint64_t ipis;               /* flush IPIs sent */
	uint64_t ipis_isolated;      /* of which to isolated CPUs */
	uint64_t skipped;            /* isolated CPUs skipped: in user mode */
	uint64_t spurious;           /* flush IPIs that landed in user mode */
	uint64_t catchups;           /* entries that were behind and flushed */
	uint64_t uptodate;           /* entries with nothing to catch up */
};
void tlb_get_stats(struct tlb_stats *s);
