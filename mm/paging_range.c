/*
 * Range operations on page tables (mm/paging.h): map, unmap, protect.
 * Built on the single-page walk in mm/paging.c; mm/ptdump.c prints tables.
 */
#include "mm/paging.h"
#include "mm/pmm.h"

int paging_map_range(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t size,
		     uint64_t flags)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		if (paging_lookup(pml4_phys, va + off, 0) ||
		    paging_map(pml4_phys, va + off, pa + off, flags)) {
			/* Undo: the caller sees all or nothing. */
			paging_unmap_range(pml4_phys, va, off, 0);
			return -1;
		}
	}
	return 0;
}

uint64_t paging_unmap_range(uint64_t pml4_phys, uint64_t va, uint64_t size,
			    void (*release)(uint64_t phys))
{
	uint64_t mapped = 0;

	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t old = paging_unmap(pml4_phys, va + off);
		if (!(old & PTE_P))
			continue;
		mapped++;
		if (release)
			release(old & PTE_ADDR);
	}
	return mapped;
}

/*
 * Replace the large page at *e (level 1: 2 MiB, level 2: 1 GiB) with a
 * table of 512 entries mapping the same memory with the same bits, one
 * level smaller. Callers flush; the translation itself does not change.
 */
static int split_large(uint64_t *e, int level)
{
	uint64_t table = pmm_alloc(), *t;
	uint64_t sub = 1ull << (12 + 9 * (level - 1));
	uint64_t bits = *e & ~PTE_ADDR & ~(level == 1 ? PTE_PS : 0);
	uint64_t base = *e & PTE_ADDR & ~((sub << 9) - 1);

	if (!table)
		return -1;
	t = phys_to_virt(table);
	for (int i = 0; i < 512; i++)
		t[i] = (base + i * sub) | bits;
	*e = table | PTE_P | PTE_W;
	return 0;
}

/* The leaf entry for va, splitting any large page above it. */
static uint64_t *leaf_for_change(uint64_t pml4_phys, uint64_t va)
{
	uint64_t *t = phys_to_virt(pml4_phys);

	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[(va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P))
			return 0;
		if ((*e & PTE_PS) && split_large(e, level))
			return 0;
		t = phys_to_virt(*e & PTE_ADDR);
	}
	uint64_t *leaf = &t[(va >> 12) & 511];
	return (*leaf & PTE_P) ? leaf : 0;
}

int paging_protect_range(uint64_t pml4_phys, uint64_t va, uint64_t size,
			 uint64_t set, uint64_t clear)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (!paging_lookup(pml4_phys, va + off, 0))
			return -1;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t *leaf = leaf_for_change(pml4_phys, va + off);
		if (!leaf)
			return -1;
		*leaf = (*leaf | set) & ~clear;
	}
	return 0;
}
