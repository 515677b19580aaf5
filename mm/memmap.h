#pragma once
/*
 * The physical memory map, as firmware reported it and then made sane.
 * Firmware maps can overlap, leave holes, hold zero-length entries and come
 * unsorted; memmap_sanitize() turns any of that into a sorted list of
 * disjoint ranges, the more restrictive type winning where two overlap.
 * lull's own ranges (kernel image, modules, boot data, low 1 MiB) are
 * carved out with memmap_reserve() before the frame allocator sees the map.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMMAP_MAX 256

/* Ordered by precedence: where ranges overlap the larger value wins. */
enum memmap_type {
	MEMMAP_USABLE = 1,
	MEMMAP_ACPI_RECLAIM,
	MEMMAP_ACPI_NVS,
	MEMMAP_RESERVED,
	MEMMAP_KERNEL,      /* lull's image, modules, boot information */
	MEMMAP_BAD,
};

struct memmap_entry {
	uint64_t base;
	uint64_t len;
	enum memmap_type type;
};

struct memmap {
	struct memmap_entry e[MEMMAP_MAX];
	size_t n;
	unsigned dropped;   /* entries lost because the table was full */
};

void memmap_init(struct memmap *m);
/* Append a raw entry (any order, may overlap); zero length is ignored. */
void memmap_add(struct memmap *m, uint64_t base, uint64_t len, enum memmap_type type);
/*
 * Sort, split overlaps (higher precedence wins), merge neighbours of one
 * type, and shrink usable ranges to whole 4 KiB pages. Returns the number
 * of problems it repaired (overlaps, zero-length or unaligned entries) so
 * the caller can warn once.
 */
unsigned memmap_sanitize(struct memmap *m);
/* Mark [base, base+len) as type over whatever was there; keeps m sane. */
void memmap_reserve(struct memmap *m, uint64_t base, uint64_t len, enum memmap_type type);
uint64_t memmap_usable_bytes(const struct memmap *m);
/* End of the highest usable range (0 when none). */
uint64_t memmap_usable_top(const struct memmap *m);
const char *memmap_type_name(enum memmap_type type);
