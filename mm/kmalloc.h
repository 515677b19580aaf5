#pragma once
/*
 * kmalloc: small kernel objects. Sizes up to KMALLOC_MAX_SMALL come from
 * slabs (one page of equal-sized objects per slab, a size class per power
 * of two from 16 bytes); larger ones get whole frames. Memory is zeroed
 * by kzalloc only. kfree(NULL) does nothing.
 *
 * Debug builds poison freed objects and check the poison when the object
 * is handed out again (a write after free is reported), and detect double
 * frees and frees of pointers kmalloc never returned: each is reported
 * and the free ignored, so the allocator's state stays sound.
 */
#include <stddef.h>
#include <stdint.h>

#define KMALLOC_MIN_SMALL 16
#define KMALLOC_MAX_SMALL 2048

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

struct kmalloc_stats {
	uint64_t allocs, frees, failed;
	uint64_t bad_frees;          /* double, unaligned or foreign frees refused */
	uint64_t poison_damaged;     /* objects written after they were freed */
	uint64_t slabs;              /* slab pages held now */
	uint64_t large_pages;        /* frames held by large allocations now */
};
void kmalloc_get_stats(struct kmalloc_stats *s);
