/*
 * User address spaces (mm/uvm.h).
 *
 * User memory is mapped through the kernel table of the pair, with
 * paging_map(); the user table shares the same lower-level tables: each of
 * the user half's top-level entries is copied into it when it appears.
 * In the kernel table those entries are marked NX, as Linux does with PTI:
 * even on a CPU without SMEP, the kernel cannot run user code.
 */
#include "mm/uvm.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "mm/kmalloc.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "smp/percpu.h"
#include "arch/x86_64/cpu.h"
#include "kernel/syscall_abi.h"

static uint64_t next_id = 1;         /* atomic: any CPU creates address spaces */
static uint64_t live;                /* atomic */

struct addr_space *uvm_create(void)
{
	struct addr_space *as = kzalloc(sizeof(*as));

	if (!as)
		return 0;
	/* Two zeroed frames, 8 KiB-aligned: the kernel table, then the user one. */
	as->pml4 = pmm_alloc_range(2, 2 * PAGE_SIZE, UINT64_MAX);
	if (!as->pml4) {
		kfree(as);
		return 0;
	}
	uint64_t *ktop = phys_to_virt(as->pml4);
	const uint64_t *kernel = phys_to_virt(kernel_pml4_phys);
	for (int i = 256; i < 512; i++)
		ktop[i] = kernel[i];
	if (pti.pti)
		pti_fill_user_top(ktop + 512);
	as->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	as->map_next = USER_MAP_BASE;
	__atomic_fetch_add(&live, 1, __ATOMIC_RELAXED);
	return as;
}

static bool loaded_here(const struct addr_space *as)
{
	return (read_cr3() & PTE_ADDR & ~PTI_USER_BIT) == as->pml4;
}

/* Free the tables below entry e at level l (3: a PDPT) and their leaves. */
static void free_level(uint64_t e, int l)
{
	uint64_t *t = phys_to_virt(e & PTE_ADDR);

	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (l == 1)
			pmm_free(t[i] & PTE_ADDR);          /* a user page */
		else
			free_level(t[i], l - 1);
	}
	pmm_free(e & PTE_ADDR);
}

void uvm_destroy(struct addr_space *as)
{
	uint64_t *ktop = phys_to_virt(as->pml4);

	if (loaded_here(as)) {
		pr_err("uvm: address space %llu destroyed while loaded; leaked\n",
		       (unsigned long long)as->id);
		return;
	}
	for (int i = 0; i < 256; i++)
		if (ktop[i] & PTE_P)
			free_level(ktop[i], 3);
	pmm_free_range(as->pml4, 2);
	kfree(as);
	__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
}

/* Mirror the user half's top-level entry for va into the user table. */
static void sync_top(struct addr_space *as, uint64_t va)
{
	uint64_t *ktop = phys_to_virt(as->pml4);
	unsigned i = (va >> 39) & 511;

	if (!pti.pti)
		return;
	ktop[512 + i] = ktop[i] & ~PTE_NX;
	ktop[i] |= PTE_NX;
}

uint64_t uvm_free(struct addr_space *as, uint64_t va, uint64_t size)
{
	uint64_t n = 0;
	bool here = loaded_here(as);

	for (uint64_t a = va; a < va + size; a += PAGE_SIZE) {
		uint64_t old = paging_unmap(as->pml4, a);
		if (!(old & PTE_P))
			continue;
		/* The translation goes before the frame: a frame handed out
		 * again must not be reachable through this CPU's TLB. */
		if (here)
			pti_flush_user_page(a);
		pmm_free(old & PTE_ADDR);
		n++;
	}
	as->pages -= n;
	return n;
}

int uvm_alloc(struct addr_space *as, uint64_t va, uint64_t size, uint64_t flags)
{
	if (!uvm_is_free(as, va, size))
		return -1;
	for (uint64_t a = va; a < va + size; a += PAGE_SIZE) {
		uint64_t frame = pmm_alloc();
		if (!frame || paging_map(as->pml4, a, frame, flags | PTE_P | PTE_U)) {
			if (frame)
				pmm_free(frame);
			uvm_free(as, va, a - va);
			return -1;
		}
		sync_top(as, a);
		as->pages++;
	}
	return 0;
}

uint64_t uvm_lookup(struct addr_space *as, uint64_t va)
{
	return paging_lookup(as->pml4, va, 0);
}

bool uvm_is_free(struct addr_space *as, uint64_t va, uint64_t size)
{
	for (uint64_t a = va; a < va + size;) {
		uint64_t hole;
		if (paging_lookup(as->pml4, a, &hole))
			return false;
		a = (a & ~(hole - 1)) + hole;       /* skip the whole hole */
	}
	return true;
}

bool uvm_is_mapped(struct addr_space *as, uint64_t va, uint64_t size)
{
	for (uint64_t a = va; a < va + size; a += PAGE_SIZE)
		if (!paging_lookup(as->pml4, a, 0))
			return false;
	return true;
}

uint64_t uvm_kernel_cr3(const struct addr_space *as)
{
	return pti_kernel_cr3(as->pml4);
}

uint64_t uvm_user_cr3(const struct addr_space *as)
{
	return pti_user_cr3(as->pml4);
}

uint64_t uvm_live(void)
{
	return __atomic_load_n(&live, __ATOMIC_RELAXED);
}
