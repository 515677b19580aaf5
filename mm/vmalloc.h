#pragma once
/*
 * vmalloc: kernel memory that is contiguous in virtual addresses only,
 * in its own region, each area followed by an unmapped guard page.
 *
 * Freeing is lazy, as in Linux: vfree() unmaps the area at once, but its
 * address range (and, in lull, its frames) is recycled only after one
 * flush_tlb_kernel_range() over all lazily freed areas together, the
 * *purge*, run when more than lazy_max_pages are waiting or when
 * vm_unmap_aliases() forces it. Executable areas are the exception: their
 * free flushes at once, so no stale executable translation outlives them.
 *
 * May sleep nowhere, but waits for other CPUs (the flushes): call with
 * interrupts on, never from an interrupt handler.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMALLOC_START 0xffffc90000000000ull
#define VMALLOC_SIZE  (1ull << 40)
#define VMALLOC_END   (VMALLOC_START + VMALLOC_SIZE)

/* Reserve the region's top-level entries (boot CPU, after paging_init). */
void vmalloc_init(unsigned long lazy_max_pages_arg, unsigned ncpus);

void *vmalloc(size_t size);            /* read-write, not executable */
void *vzalloc(size_t size);
void vfree(const void *addr);
/* Map frames[0..n) contiguously (read-write, NX); vunmap leaves them to the caller. */
void *vmap(const uint64_t *frames, size_t n);
void vunmap(const void *addr);

/* Permissions of pages [addr, addr + npages) inside one vmalloc area; flushed
 * on every CPU before returning. 0, or -1 when the range is not one area's. */
int set_memory_ro(void *addr, size_t npages);
int set_memory_rw(void *addr, size_t npages);
int set_memory_x(void *addr, size_t npages);
int set_memory_nx(void *addr, size_t npages);

/* Purge now: every lazily freed area is flushed and recycled. */
void vm_unmap_aliases(void);

/*
 * Fault injection, for the stale-translation probe's negative control
 * only: purges recycle without flushing. Never set outside that test.
 */
extern bool vmalloc_fault_skip_flush;

struct vmalloc_stats {
	uint64_t allocs, frees, failed, bad_frees;
	uint64_t purges, pages_purged;
	uint64_t flushes;              /* flush_tlb_kernel_range calls made by vmalloc */
	uint64_t lazy_pages;           /* waiting for the next purge now */
	uint64_t lazy_max_pages;
	uint64_t live_areas;
};
void vmalloc_get_stats(struct vmalloc_stats *s);
