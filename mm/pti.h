#pragma once
/*
 * Page-table isolation (PTI) and PCIDs: which CR3 values lull loads.
 *
 * Every address space is a pair of top-level tables in one 8 KiB-aligned
 * block, as in Linux: the kernel's at the even page (bit 12 of CR3 clear)
 * and the user's at the odd one (bit 12 set). The kernel table maps the
 * whole kernel and the user's memory; the user table maps the user's
 * memory and, of the kernel, only the entry text and the entry region
 * (arch/x86_64/entry_area.h). A stub switches between them by setting or
 * clearing bit 12, and a paranoid entry (NMI, #MC, #DF) learns which one
 * was loaded from that bit alone.
 *
 * With PCIDs the two tables get different tags, so neither switch flushes
 * the TLB (the NOFLUSH bit, 63, is set on the CR3 write): PCID_KERNEL for
 * the kernel table of every address space (their kernel halves are the
 * same tables, so kernel translations stay valid across address spaces),
 * PCID_USER for the user tables. What the NOFLUSH bit would keep wrongly
 * is flushed explicitly: a switch to another address space, and user pages
 * unmapped (pti_flush_user_page).
 *
 * pti=off: one table per address space (the kernel one), no switch at all.
 * nopcid, or a CPU without PCID (QEMU TCG): plain CR3 writes, each of which
 * flushes every non-global translation.
 */
#include <stdbool.h>
#include <stdint.h>

#define PTI_USER_BIT   (1ull << 12)
#define CR3_NOFLUSH    (1ull << 63)
#define PCID_KERNEL    1
#define PCID_USER      2

struct pti_config {
	bool pti;           /* split tables */
	bool pcid;          /* CR4.PCIDE and tagged CR3 values */
	bool invpcid;       /* INVPCID for the user PCID's pages */
};
extern struct pti_config pti;

/* Decide from the command line and the CPU (boot CPU, before paging). */
void pti_configure(bool want_pti, bool want_pcid);
/* Build the user tables' kernel part (after paging and the IDT alias). */
void pti_init(void);
/* Fill the kernel part of a new user top-level table. */
void pti_fill_user_top(uint64_t *user_top);

/* CR3 values for the address space whose table pair starts at pml4. */
uint64_t pti_kernel_cr3(uint64_t pml4);
uint64_t pti_user_cr3(uint64_t pml4);
/* The kernel's own tables, for CPUs running no user task. */
uint64_t pti_idle_cr3(void);

/*
 * The CR3 loads (mm/pti_cr3.c), on this CPU. pti_enter_kernel_pcid: right
 * after CR4.PCIDE is set, while CR3 holds the kernel's tables with PCID 0;
 * from then on the kernel runs in PCID_KERNEL only. pti_load_address_space:
 * the address space whose table pair starts at pml4, keeping its cached
 * translations (keep) only if it ran nowhere else and nothing else ran
 * here since. pti_load_idle: the kernel's own tables; drop_user when the
 * space left is being destroyed.
 */
void pti_enter_kernel_pcid(void);
void pti_load_address_space(uint64_t pml4, bool keep);
void pti_load_idle(bool drop_user);


/* After unmapping the user page va from the loaded address space. */
void pti_flush_user_page(uint64_t va);
