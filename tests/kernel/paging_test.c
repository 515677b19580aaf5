/*
 * ktest suite "paging": the range operations of mm/paging.h. Mapping is
 * all or nothing; protecting part of a direct-map large page splits it and
 * the CPU enforces the new permission on exactly that page.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "kernel/ktest.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "mm/vmalloc.h"
#include "smp/percpu.h"

/* An address in the vmalloc region far above anything vmalloc hands out. */
#define SCRATCH (VMALLOC_END - (64ull << 20))

static void map_range_all_or_nothing(struct ktest *t)
{
	uint64_t pml4 = kernel_pml4_phys, frame = pmm_alloc();

	KT_ASSERT(t, frame != 0);
	/* Page 3 of 8 is taken already: the range fails and leaves no trace. */
	KT_ASSERT(t, paging_map(pml4, SCRATCH + 3 * PAGE_SIZE, frame, PAGE_KERNEL_RW) == 0);
	KT_EXPECT_EQ(t, paging_map_range(pml4, SCRATCH, frame, 8 * PAGE_SIZE, PAGE_KERNEL_RW), -1);
	for (int i = 0; i < 8; i++)
		KT_EXPECT_EQ(t, !!paging_lookup(pml4, SCRATCH + i * PAGE_SIZE, 0), i == 3);
	KT_EXPECT_EQ(t, paging_unmap_range(pml4, SCRATCH, 8 * PAGE_SIZE, 0), 1);
	KT_EXPECT_EQ(t, paging_map_range(pml4, SCRATCH, frame, 8 * PAGE_SIZE, PAGE_KERNEL_RW), 0);
	KT_EXPECT_EQ(t, paging_unmap_range(pml4, SCRATCH, 8 * PAGE_SIZE, 0), 8);
	flush_tlb_kernel_range(SCRATCH, SCRATCH + 8 * PAGE_SIZE);
	pmm_free(frame);
}

static void protect_splits_large_page(struct ktest *t)
{
	uint64_t frame = pmm_alloc(), size_before = 0, size_after = 0;
	volatile uint64_t *p = phys_to_virt(frame), *next;

	KT_ASSERT(t, frame != 0);
	next = (volatile uint64_t *)((uint64_t)p + PAGE_SIZE);
	paging_lookup(kernel_pml4_phys, (uint64_t)p, &size_before);
	KT_EXPECT(t, size_before >= (2u << 20));
	KT_ASSERT(t, paging_protect_range(kernel_pml4_phys, (uint64_t)p, PAGE_SIZE, 0, PTE_W) == 0);
	flush_tlb_kernel_range((uint64_t)p, (uint64_t)p + PAGE_SIZE);
	paging_lookup(kernel_pml4_phys, (uint64_t)p, &size_after);
	KT_EXPECT_EQ(t, size_after, PAGE_SIZE);

	uint64_t faults = this_cpu()->fixup_count;
	__asm__ volatile("1: movq $1, (%0)\n2:\n" EXTABLE(1b, 2b) : : "r"(p) : "memory");
	KT_EXPECT_EQ(t, this_cpu()->fixup_count, faults + 1);
	*next = *next;                       /* the neighbour stays writable */

	KT_EXPECT_EQ(t, paging_protect_range(kernel_pml4_phys, (uint64_t)p, PAGE_SIZE, PTE_W, 0), 0);
	flush_tlb_kernel_range((uint64_t)p, (uint64_t)p + PAGE_SIZE);
	*p = 2;
	KT_EXPECT_EQ(t, *p, 2);
	pmm_free(frame);
}

static void protect_unmapped_fails(struct ktest *t)
{
	KT_EXPECT_EQ(t, paging_protect_range(kernel_pml4_phys, SCRATCH, PAGE_SIZE, 0, PTE_W), -1);
}

static const struct ktest_case paging_cases[] = {
	{ "map_range_all_or_nothing", map_range_all_or_nothing },
	{ "protect_splits_large_page", protect_splits_large_page },
	{ "protect_unmapped_fails", protect_unmapped_fails },
};
KTEST_SUITE(paging_suite, "paging", paging_cases);
