/*
 * PTI's CR3 policy: which CR3 value each table pair is loaded with, and
 * every CR3 load outside the entry stubs (mm/pti.h says what the tables
 * and PCIDs are; arch/x86_64/cr3.inc does the stubs' switches from the
 * entry-area words set here).
 *
 * One rule holds from pti_enter_kernel_pcid() on: with PCIDs, the kernel
 * runs in PCID_KERNEL and nowhere else. mm/tlb.c's "flush every kernel
 * translation" (INVPCID of PCID_KERNEL) is complete only because of it: a
 * CPU left running its kernel in PCID 0, the tag CR4.PCIDE starts with,
 * would keep stale kernel translations there through every catch-up
 * (tests/tlbsim: the variant pcid0_behind_branch).
 */
#include "mm/pti.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/mmu.h"
#include "mm/paging.h"
#include "smp/percpu.h"

uint64_t pti_kernel_cr3(uint64_t pml4)
{
	return pml4 | (pti.pcid ? PCID_KERNEL : 0);
}

uint64_t pti_user_cr3(uint64_t pml4)
{
	if (!pti.pti)
		return pti_kernel_cr3(pml4);
	return pml4 | PTI_USER_BIT | (pti.pcid ? PCID_USER : 0);
}

uint64_t pti_idle_cr3(void)
{
	return pti_kernel_cr3(kernel_pml4_phys);
}

static void load_cr3(struct entry_area *ea, uint64_t cr3)
{
	write_cr3(cr3);
	ea->cr3_writes++;
}

void pti_enter_kernel_pcid(void)
{
	if (!pti.pcid)
		return;
	/* CR4.PCIDE was set with PCID 0 in CR3 (the SDM requires it). Move to
	 * PCID_KERNEL, dropping whatever that tag held: no CR3 value lull
	 * loads carries PCID 0 again, so what PCID 0 cached since paging came
	 * on is never used; INVPCID drops it too where there is one. */
	write_cr3(pti_idle_cr3());
	if (pti.invpcid)
		invpcid(INVPCID_PCID, 0, 0);
}

void pti_load_address_space(uint64_t pml4, bool keep)
{
	struct entry_area *ea = this_cpu()->ea;
	uint64_t kcr3 = pti_kernel_cr3(pml4), ucr3 = pti_user_cr3(pml4);

	/* The stubs' values keep both PCIDs' translations from now on; the
	 * first loads drop them when the space ran elsewhere or something
	 * else ran here (the kernel PCID's by this write, the user PCID's
	 * by the first exit, which restores user_cr3 to the steady value). */
	ea->kernel_cr3 = kcr3 | ea->noflush;
	ea->user_cr3_steady = ucr3 | ea->noflush;
	ea->user_cr3 = keep ? ucr3 | ea->noflush : ucr3;
	load_cr3(ea, keep ? kcr3 | ea->noflush : kcr3);
}

void pti_load_idle(bool drop_user)
{
	struct entry_area *ea = this_cpu()->ea;

	ea->kernel_cr3 = pti_idle_cr3() | ea->noflush;
	if (drop_user) {
		/* Without NOFLUSH: the kernel PCID drops the user pages of the
		 * space being left for good. */
		load_cr3(ea, pti_idle_cr3());
	} else if (read_cr3() != pti_idle_cr3()) {
		/* The kernel half is every address space's, so nothing needs
		 * flushing. (CR3 reads never show bit 63.) */
		load_cr3(ea, ea->kernel_cr3);
	}
}

void pti_flush_user_page(uint64_t va)
{
	struct entry_area *ea = this_cpu()->ea;

	/* The kernel table's translation (current PCID). */
	tlb_flush_one(va);
	if (!pti.pti || !pti.pcid)
		return;          /* no other tag holds it: the next CR3 write drops it */
	if (pti.invpcid) {
		invpcid(INVPCID_ADDR, PCID_USER, va);
		return;
	}
	/* No INVPCID: the next exit to user mode loads the user table without
	 * NOFLUSH, dropping the user PCID's translations (the stub restores
	 * NOFLUSH for the exits after it). Until then the user PCID is not
	 * loaded, so nothing can use what it holds. */
	ea->user_cr3 &= ~CR3_NOFLUSH;
}
