#pragma once
/*
 * Physical memory: the frame allocator and the direct map.
 *
 * Every physical address below direct_map_size is mapped at
 * DIRECT_MAP_BASE + address (NX, read-write), so the kernel reaches any
 * frame with phys_to_virt(). Before paging_init() switches to the kernel's
 * own page tables, the early identity map plays that role instead.
 */
#include <stdbool.h>
#include <stdint.h>
#include "mm/memmap.h"

#define PAGE_SIZE        4096ull
#define PAGE_SHIFT       12
#define KERNEL_VMA       0xffffffff80000000ull
#define DIRECT_MAP_BASE  0xffff800000000000ull
#define LOW_MEMORY_END   0x100000ull       /* below this: never in the pool */

extern bool direct_map_live;

static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(phys + (direct_map_live ? DIRECT_MAP_BASE : 0));
}

/* For addresses in the direct map or in the kernel image. */
static inline uint64_t virt_to_phys(const void *v)
{
	uint64_t a = (uint64_t)v;
	return a >= KERNEL_VMA ? a - KERNEL_VMA : a - DIRECT_MAP_BASE;
}

struct pmm_stats {
	uint64_t total_frames;      /* usable frames handed to the allocator */
	uint64_t free_frames;
	uint64_t bad_frees;         /* double or out-of-range frees reported */
};

/* Build the allocator from a sanitised map in which lull's ranges are reserved. */
void pmm_init(struct memmap *m);
/* One zeroed frame, or 0 when memory is exhausted (frame 0 is never handed out). */
uint64_t pmm_alloc(void);
/* count contiguous zeroed frames below limit, aligned to align bytes; 0 if none. */
uint64_t pmm_alloc_range(uint64_t count, uint64_t align, uint64_t limit);
/* Before the direct map, page tables must be reachable through the early
 * identity map, which ends here. */
#define PMM_EARLY_LIMIT (4ull << 30)
void pmm_free(uint64_t phys);
void pmm_free_range(uint64_t phys, uint64_t count);
void pmm_get_stats(struct pmm_stats *s);
/* The allocator's own bitmap moves to the direct map with the page tables. */
void pmm_use_direct_map(void);
