/*
 * ptdump with lull's layout (mm/ptdump.h): the regions each header
 * names, the halves, the console, and the W+X check.
 */
#include "mm/ptdump.h"
#include "arch/x86_64/entry_area.h"
#include "kernel/printk.h"
#include "kernel/syscall_abi.h"
#include "mm/ioremap.h"
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/uvm.h"
#include "mm/vmalloc.h"

#define KERNEL_HALF_START 0xffff800000000000ull
#define TOP_SLOT_SIZE     (1ull << 39)
#define MAX_REGIONS       16

extern char _text_start[], _text_end[], __entry_text_start[], __entry_text_end[];
extern char _rodata_start[], _rodata_end[], _data_start[], _data_end[];
extern char _ksymtab_start[], _kernel_end[];

/* The image's parts are mapped page by page (mm/paging.c): whole pages. */
static uint64_t page_end(const char *end)
{
	return ((uint64_t)end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/*
 * Every region lull maps something in, in address order; each is defined
 * by the header named beside it. map() may also place user memory below
 * USER_MAP_BASE, where it shows as part of the program image's region.
 */
static unsigned lull_regions(struct ptdump_region *r)
{
	unsigned n = 0;

	r[n++] = (struct ptdump_region){ 0, USER_MAP_BASE, "user: program image" };
	r[n++] = (struct ptdump_region){ USER_MAP_BASE, USER_STACK_TOP - USER_STACK_SIZE,
					 "user: map()" };                  /* kernel/syscall_abi.h */
	r[n++] = (struct ptdump_region){ USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP,
					 "user: stack" };
	r[n++] = (struct ptdump_region){ DIRECT_MAP_BASE, DIRECT_MAP_BASE + direct_map_bytes,
					 "direct map" };                   /* mm/pmm.h */
	r[n++] = (struct ptdump_region){ VMALLOC_START, VMALLOC_END, "vmalloc" };
	r[n++] = (struct ptdump_region){ IOREMAP_BASE, IOREMAP_BASE + IOREMAP_SIZE, "ioremap" };
	r[n++] = (struct ptdump_region){ ENTRY_REGION_BASE, ENTRY_REGION_BASE + TOP_SLOT_SIZE,
					 "entry region" };                 /* arch/x86_64/entry_area.h */
	r[n++] = (struct ptdump_region){ KSTACK_BASE, KSTACK_BASE + KSTACK_SLOTS * KSTACK_SLOT,
					 "kstack pool" };                  /* mm/kstack.h */
	r[n++] = (struct ptdump_region){ (uint64_t)_text_start, (uint64_t)__entry_text_start,
					 "kernel image: text" };           /* linker.ld */
	r[n++] = (struct ptdump_region){ (uint64_t)__entry_text_start,
					 (uint64_t)__entry_text_end, "kernel image: entry text" };
	r[n++] = (struct ptdump_region){ (uint64_t)__entry_text_end, page_end(_text_end),
					 "kernel image: text" };
	r[n++] = (struct ptdump_region){ (uint64_t)_rodata_start, page_end(_rodata_end),
					 "kernel image: rodata" };
	r[n++] = (struct ptdump_region){ (uint64_t)_data_start, page_end(_data_end),
					 "kernel image: data, bss" };
	r[n++] = (struct ptdump_region){ (uint64_t)_ksymtab_start, (uint64_t)_kernel_end,
					 "kernel image: symbols" };
	return n;
}

static const uint64_t *direct_map_table(uint64_t phys)
{
	return phys_to_virt(phys);
}

static void console_line(void *arg, const char *line)
{
	pr_info("%s\n", line);
}

static void add(struct ptdump_summary *to, const struct ptdump_summary *s)
{
	to->runs += s->runs;
	to->bytes += s->bytes;
	to->wx_runs += s->wx_runs;
	to->wx_bytes += s->wx_bytes;
	to->user_runs += s->user_runs;
	to->user_bytes += s->user_bytes;
	to->stray_runs += s->stray_runs;
}

void ptdump(uint64_t top, unsigned halves, ptdump_out_fn out, void *arg,
	    struct ptdump_summary *sum)
{
	struct ptdump_region regions[MAX_REGIONS];
	struct ptdump_request req = {
		.top = top, .table = direct_map_table,
		.regions = regions, .nregions = lull_regions(regions),
		.out = out ? out : console_line, .arg = arg,
	};
	struct ptdump_summary total = { 0 }, part;

	if (halves & PTDUMP_USER_HALF) {
		req.first = 0;
		req.last = USER_TOP - 1;
		ptdump_walk(&req, &part);
		add(&total, &part);
	}
	if (halves & PTDUMP_KERNEL_HALF) {
		req.first = KERNEL_HALF_START;
		req.last = UINT64_MAX;
		ptdump_walk(&req, &part);
		add(&total, &part);
	}
	if (!out)
		pr_info("ptdump: %llu ranges, %llu KiB mapped, %llu KiB user-accessible, "
			"%llu W+X ranges, %llu outside the known regions\n",
			(unsigned long long)total.runs, (unsigned long long)(total.bytes >> 10),
			(unsigned long long)(total.user_bytes >> 10),
			(unsigned long long)total.wx_runs, (unsigned long long)total.stray_runs);
	if (sum)
		*sum = total;
}

uint64_t ptdump_table(const struct addr_space *as, bool user_table)
{
	return user_table && pti.pti ? as->pml4 + PAGE_SIZE : as->pml4;
}

static void warn_line(void *arg, const char *line)
{
	pr_warn("ptdump: %s\n", line);
}

uint64_t ptdump_check_wx(void)
{
	struct ptdump_region regions[MAX_REGIONS];
	struct ptdump_request req = {
		.top = kernel_pml4_phys, .table = direct_map_table,
		.first = KERNEL_HALF_START, .last = UINT64_MAX,
		.regions = regions, .nregions = lull_regions(regions),
		.out = warn_line, .wx_only = true,
	};
	struct ptdump_summary s;

	ptdump_walk(&req, &s);
	if (s.wx_runs)
		pr_warn("ptdump: W+X check failed: %llu writable and executable ranges "
			"(%llu KiB) in the kernel half\n",
			(unsigned long long)s.wx_runs, (unsigned long long)(s.wx_bytes >> 10));
	else
		pr_info("ptdump: W+X check passed: none of %llu ranges in the kernel half "
			"is writable and executable\n", (unsigned long long)s.runs);
	return s.wx_runs;
}
