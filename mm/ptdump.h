#pragma once
/*
 * ptdump: page tables as a list of ranges, one line per run of pages with
 * equal attributes, in the manner of Linux's debugfs page_tables files:
 *
 *   ---[ kernel image: text ]---
 *   0xffffffff80201000-0xffffffff80202000      4K PT  ro     x
 *   ---[ direct map ]---
 *   0xffff800000000000-0xffff800100000000      4G PDP RW     NX
 *
 * Columns: the range [start, end), its size, the level of its leaf
 * entries (PT: 4K pages, PD: 2M pages, PDP: 1G pages), then RW or ro, USR
 * (user-accessible), NX or x, and the leaf's PCD, PWT and G bits. A run
 * that is writable and executable ends in "W+X".
 *
 * The attributes are the effective ones, what the CPU enforces after the
 * whole walk: writable and user-accessible only if every level allows it,
 * no-execute if any level says so. A header names the region a run lies
 * in; runs are cut at region boundaries, and a run in no known region
 * comes under "---[ outside the known regions ]---".
 *
 * Tables are read while others may change them: kernel-half tables are
 * never freed (mm/paging.h), so a walk sees each entry's old or new value.
 * The caller keeps a user address space alive while its half is walked.
 *
 * mm/ptdump.c is the walk and the format, pure logic that reaches tables
 * through a ptdump_table_fn (host tests feed it tables of their own);
 * mm/ptdump_kernel.c knows lull's regions and prints.
 */
#include <stdbool.h>
#include <stdint.h>

struct addr_space;

struct ptdump_region {
	uint64_t start, end;    /* [start, end) */
	const char *name;
};

/* Gets each output line, without its newline. */
typedef void (*ptdump_out_fn)(void *arg, const char *line);
/* The page table at physical address phys, readable (the kernel's direct map). */
typedef const uint64_t *(*ptdump_table_fn)(uint64_t phys);

struct ptdump_request {
	uint64_t top;           /* physical address of the top-level table */
	ptdump_table_fn table;
	uint64_t first, last;   /* the addresses to walk, both included */
	const struct ptdump_region *regions;   /* sorted, disjoint */
	unsigned nregions;
	ptdump_out_fn out;      /* NULL: count only */
	void *arg;
	bool wx_only;           /* print only the W+X runs (and their headers) */
};

struct ptdump_summary {
	uint64_t runs, bytes;           /* lines printed (or that would be), bytes mapped */
	uint64_t wx_runs, wx_bytes;     /* writable and executable */
	uint64_t user_runs, user_bytes; /* user-accessible */
	uint64_t stray_runs;            /* outside every region given */
};

/* Walk and print; sum (may be NULL) gets the counts. */
void ptdump_walk(const struct ptdump_request *req, struct ptdump_summary *sum);

/* The halves of the address space, for ptdump(). */
#define PTDUMP_USER_HALF   (1u << 0)
#define PTDUMP_KERNEL_HALF (1u << 1)

/*
 * Print the given halves of the table at top (physical), with lull's
 * regions, to out (NULL: the console, then a summary line there).
 * kernel_pml4_phys is the kernel's own table; an address space has two,
 * see ptdump_table().
 */
void ptdump(uint64_t top, unsigned halves, ptdump_out_fn out, void *arg,
	    struct ptdump_summary *sum);
/*
 * An address space's kernel table (user_table false) or the table its
 * user code runs on: with PTI the user table, which maps of the kernel
 * only the entry text and the entry region; without PTI the same table.
 */
uint64_t ptdump_table(const struct addr_space *as, bool user_table);
/*
 * The W+X check of the kernel's own table: every run in its kernel half
 * that is both writable and executable is printed as a warning, then one
 * summary line. The number of such runs (0 on a healthy kernel).
 */
uint64_t ptdump_check_wx(void);
