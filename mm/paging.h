#pragma once
/*
 * Four-level x86-64 page tables.
 *
 * The kernel's top-level table (kernel_pml4) maps three things:
 *   - the kernel image at KERNEL_VMA, 4 KiB pages, each part with its own
 *     permissions (text RX, rodata R, data and bss RW; W^X);
 *   - the direct map of physical memory at DIRECT_MAP_BASE, large pages, NX;
 *   - kernel stacks (mm/kstack.c), each with an unmapped guard page below.
 * No kernel mapping is global yet; a CR3 write therefore drops them all.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/mmu.h"   /* tlb_flush_one */

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* The lower half of the canonical address space belongs to user programs. */
#define USER_TOP 0x0000800000000000ull

/* Leaf permissions used across lull. */
#define PAGE_KERNEL_RX  (PTE_P)
#define PAGE_KERNEL_RO  (PTE_P | PTE_NX)
#define PAGE_KERNEL_RW  (PTE_P | PTE_W | PTE_NX)

extern uint64_t kernel_pml4_phys;
/* Physical memory below this is reachable through phys_to_virt(). */
extern uint64_t direct_map_bytes;

/* Build the kernel's tables and load them. */
void paging_init(uint64_t direct_bytes);
/* Map one 4 KiB page in the table whose top level is at pml4_phys; 0 or -1 (no memory). */
int paging_map(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t flags);
/* Remove one 4 KiB mapping; returns the old leaf entry (0 if none). */
uint64_t paging_unmap(uint64_t pml4_phys, uint64_t va);
/*
 * Walk va: the leaf entry (4 KiB, 2 MiB or 1 GiB) or 0. *page_size (when
 * not NULL) gets the size the entry maps, or for 0 the size of the
 * unmapped hole around va at the level where the walk stopped.
 */
uint64_t paging_lookup(uint64_t pml4_phys, uint64_t va, uint64_t *page_size);


/*
 * Ranges. All addresses and sizes are multiples of 4 KiB.
 *
 * The rule for page-table pages: those of the kernel half are never freed.
 * A CPU that has not yet flushed (and, with the deferred-flush protocol, a
 * CPU that skipped a flush on purpose) may still hold them in its
 * paging-structure caches, and a freed table reused as data would be
 * walked as a table. Unmapping clears leaf entries only.
 */

/* Map [va, va+size) to [pa, ...) with 4 KiB pages; on failure (no memory
 * for a table, or something already mapped there) nothing stays mapped. */
int paging_map_range(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t size,
		     uint64_t flags);
/* Clear the leaves of [va, va+size); release(phys) gets each mapped frame
 * when not NULL. Returns the number of pages that were mapped. No flush. */
uint64_t paging_unmap_range(uint64_t pml4_phys, uint64_t va, uint64_t size,
			    void (*release)(uint64_t phys));
/* Set and clear leaf bits over a range (splitting large pages it covers
 * only in part); -1 if part of it is not mapped or out of memory. No flush. */
int paging_protect_range(uint64_t pml4_phys, uint64_t va, uint64_t size,
			 uint64_t set, uint64_t clear);
