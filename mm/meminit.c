/*
 * Memory bring-up, in order: a sane map, lull's ranges carved out, frames,
 * then page tables (which need frames). See mm/memmap.h, mm/pmm.h and
 * mm/paging.h for each step.
 */
#include "mm/meminit.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "arch/x86_64/cpu.h"
#include "kernel/printk.h"

extern char _boot_start[], _kernel_end[];

#define GiB (1ull << 30)

static void print_map(const struct memmap *m)
{
	pr_info("memory map (%s):\n", m->n ? "sanitised" : "empty");
	for (size_t i = 0; i < m->n; i++)
		pr_info("  %016llx-%016llx %s\n", (unsigned long long)m->e[i].base,
			(unsigned long long)(m->e[i].base + m->e[i].len - 1),
			memmap_type_name(m->e[i].type));
}

/* Physical memory the direct map must cover: all RAM-like ranges, the
 * framebuffer, and at least the first 4 GiB (where firmware puts MMIO). */
static uint64_t direct_map_size(const struct memmap *m, const struct boot_info *bi)
{
	uint64_t top = 4 * GiB;

	for (size_t i = 0; i < m->n; i++) {
		uint64_t end = m->e[i].base + m->e[i].len;
		if (m->e[i].type != MEMMAP_RESERVED && m->e[i].type != MEMMAP_BAD && end > top)
			top = end;
	}
	if (bi->fb.kind != FB_NONE) {
		uint64_t fb_end = bi->fb.phys + (uint64_t)bi->fb.pitch * bi->fb.height;
		if (fb_end > top)
			top = fb_end;
	}
	return (top + GiB - 1) & ~(GiB - 1);
}

void mem_init(struct boot_info *bi)
{
	struct memmap *m = &bi->memmap;
	unsigned repaired;

	if (!m->n) {
		pr_emerg("memory: the boot loader gave no memory map; cannot run. Halting.\n");
		cpu_halt_forever();
	}
	repaired = memmap_sanitize(m);
	if (repaired)
		pr_warn("memory: the firmware's map had %u problem%s (overlapping, empty or mistyped entries); repaired\n",
			repaired, repaired == 1 ? "" : "s");
	if (m->dropped)
		pr_warn("memory: %u pieces of the map did not fit in %d entries; they are not used\n",
			m->dropped, MEMMAP_MAX);

	memmap_reserve(m, (uint64_t)_boot_start, (uint64_t)_kernel_end - KERNEL_VMA - (uint64_t)_boot_start,
		       MEMMAP_KERNEL);
	memmap_reserve(m, bi->mbi_phys & ~(PAGE_SIZE - 1),
		       bi->mbi_size + (bi->mbi_phys & (PAGE_SIZE - 1)), MEMMAP_KERNEL);
	for (unsigned i = 0; i < bi->nmodules; i++)
		memmap_reserve(m, bi->modules[i].start, bi->modules[i].end - bi->modules[i].start,
			       MEMMAP_KERNEL);

	uint64_t usable_above_1m = 0;
	for (size_t i = 0; i < m->n; i++)
		if (m->e[i].type == MEMMAP_USABLE && m->e[i].base + m->e[i].len > LOW_MEMORY_END)
			usable_above_1m += m->e[i].base + m->e[i].len - 
				(m->e[i].base > LOW_MEMORY_END ? m->e[i].base : LOW_MEMORY_END);
	if (usable_above_1m < 4 * 1024 * 1024) {
		print_map(m);
		pr_emerg("memory: only %llu KiB usable above 1 MiB; lull needs at least 4 MiB. Halting.\n",
			 (unsigned long long)(usable_above_1m / 1024));
		cpu_halt_forever();
	}

	pmm_init(m);
	print_map(m);
	paging_init(direct_map_size(m, bi));
}
