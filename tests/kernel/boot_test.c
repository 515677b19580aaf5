/*
 * ktest suite "boot": what the boot path promises, checked on the running
 * kernel. The memory map is sane, frames come and go without leaking, the
 * page tables carry W^X and the CPU enforces it, and the kernel survives
 * the exceptions it means to catch.
 */
#include <stddef.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/traps.h"
#include "kernel/ktest.h"
#include "kernel/multiboot2.h"
#include "kernel/string.h"
#include "kernel/symbols.h"
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/percpu.h"

extern char _text_start[], _rodata_start[], _data_start[];
void kmain(void);

static void memmap_sane(struct ktest *t)
{
	const struct memmap *m = &boot_info.memmap;
	uint64_t kernel_phys = (uint64_t)_text_start - KERNEL_VMA;
	bool kernel_reserved = false;

	KT_ASSERT(t, m->n > 0);
	for (size_t i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		KT_EXPECT(t, e->len > 0);
		if (i > 0)
			KT_EXPECT(t, m->e[i - 1].base + m->e[i - 1].len <= e->base);
		if (e->type == MEMMAP_USABLE)
			KT_EXPECT(t, e->base % PAGE_SIZE == 0 && e->len % PAGE_SIZE == 0);
		if (e->base <= kernel_phys && kernel_phys < e->base + e->len)
			kernel_reserved = e->type == MEMMAP_KERNEL;
	}
	KT_EXPECT(t, kernel_reserved);
}

static void frames_alloc_free(struct ktest *t)
{
	enum { N = 64 };
	uint64_t got[N];
	struct pmm_stats before, during, after;

	pmm_get_stats(&before);
	for (int i = 0; i < N; i++) {
		got[i] = pmm_alloc();
		KT_ASSERT(t, got[i] != 0);
		KT_EXPECT(t, got[i] % PAGE_SIZE == 0);
		KT_EXPECT(t, got[i] >= LOW_MEMORY_END);
		const uint64_t *p = phys_to_virt(got[i]);
		KT_EXPECT(t, p[0] == 0 && p[511] == 0);        /* handed out zeroed */
		for (int j = 0; j < i; j++)
			KT_EXPECT(t, got[j] != got[i]);
		memset(phys_to_virt(got[i]), 0xa5, PAGE_SIZE);
	}
	pmm_get_stats(&during);
	KT_EXPECT_EQ(t, during.free_frames, before.free_frames - N);
	for (int i = 0; i < N; i++)
		pmm_free(got[i]);
	pmm_get_stats(&after);
	KT_EXPECT_EQ(t, after.free_frames, before.free_frames);

	/* A double free is refused and counted, and changes nothing. */
	pmm_free(got[0]);
	pmm_get_stats(&after);
	KT_EXPECT_EQ(t, after.bad_frees, before.bad_frees + 1);
	KT_EXPECT_EQ(t, after.free_frames, before.free_frames);
}

static void page_permissions(struct ktest *t)
{
	uint64_t pml4 = read_cr3() & PTE_ADDR, size;
	uint64_t text = paging_lookup(pml4, (uint64_t)_text_start, 0);
	uint64_t ro = paging_lookup(pml4, (uint64_t)_rodata_start, 0);
	uint64_t data = paging_lookup(pml4, (uint64_t)_data_start, 0);
	uint64_t direct = paging_lookup(pml4, DIRECT_MAP_BASE + 0x100000, &size);

	KT_EXPECT(t, (text & PTE_P) && !(text & PTE_W) && !(text & PTE_NX));
	KT_EXPECT(t, (ro & PTE_P) && !(ro & PTE_W) && (ro & PTE_NX));
	KT_EXPECT(t, (data & PTE_P) && (data & PTE_W) && (data & PTE_NX));
	KT_EXPECT(t, (direct & PTE_P) && (direct & PTE_NX) && size >= (2u << 20));
	KT_EXPECT(t, !((text | ro | data | direct) & PTE_U));
	/* The early identity map is gone. */
	KT_EXPECT_EQ(t, paging_lookup(pml4, 0x200000, 0), 0);
}

static void cpu_protections(struct ktest *t)
{
	uint64_t cr4 = read_cr4();

	KT_EXPECT(t, read_cr0() & CR0_WP);
	KT_EXPECT(t, rdmsr(MSR_EFER) & EFER_NXE);
	KT_EXPECT_EQ(t, !!(cr4 & CR4_SMEP), cpu_has(CPU_SMEP));
	KT_EXPECT_EQ(t, !!(cr4 & CR4_SMAP), cpu_has(CPU_SMAP));
	KT_EXPECT_EQ(t, !!(cr4 & CR4_UMIP), cpu_has(CPU_UMIP));
}

static void trap_invalid_opcode(struct ktest *t)
{
	uint64_t count = this_cpu()->fixup_count;

	__asm__ volatile("1: ud2\n2:\n" EXTABLE(1b, 2b));
	KT_EXPECT_EQ(t, this_cpu()->fixup_count, count + 1);
	KT_EXPECT_EQ(t, this_cpu()->fixup_vector, VEC_UD);
}

static void trap_page_fault(struct ktest *t)
{
	/* A hole in the kernel half: nothing is ever mapped at this address. */
	volatile uint64_t *hole = (volatile uint64_t *)0xffffc00000001000ull;
	uint64_t v = 0;

	__asm__ volatile("1: mov (%1), %0\n2:\n" EXTABLE(1b, 2b) : "+r"(v) : "r"(hole));
	KT_EXPECT_EQ(t, this_cpu()->fixup_vector, VEC_PF);
	KT_EXPECT_EQ(t, this_cpu()->fixup_cr2, (uint64_t)hole);
}

static void trap_breakpoint(struct ktest *t)
{
	uint64_t before = this_cpu()->breakpoints;

	__asm__ volatile("int3");
	KT_EXPECT_EQ(t, this_cpu()->breakpoints, before + 1);
}

static void write_to_rodata_faults(struct ktest *t)
{
	static const uint64_t constant = 42;
	uint64_t one = 1;

	__asm__ volatile("1: addq %1, (%0)\n2:\n" EXTABLE(1b, 2b)
			 : : "r"(&constant), "r"(one) : "memory");
	KT_EXPECT_EQ(t, this_cpu()->fixup_vector, VEC_PF);
	KT_EXPECT_EQ(t, this_cpu()->fixup_cr2, (uint64_t)&constant);
	KT_EXPECT_EQ(t, *(volatile const uint64_t *)&constant, 42);
}

/* Jump into a data page holding a `ret`: NX must stop it at the first byte. */
static void execute_data_faults(struct ktest *t)
{
	static uint8_t code[16] = { 0xc3 };

	KT_EXPECT_EQ(t, ktest_call_faulting((uint64_t)code), VEC_PF);
	KT_EXPECT_EQ(t, this_cpu()->fixup_cr2, (uint64_t)code);
}

static void stack_guard(struct ktest *t)
{
	struct pmm_stats before, after;
	uint64_t top, v = 0;

	/* A first stack may need a new page-table page, which stays (page
	 * tables are never freed); the second cycle must return every frame. */
	top = kstack_alloc();
	KT_ASSERT(t, top != 0);
	kstack_free(top);
	pmm_get_stats(&before);
	top = kstack_alloc();
	KT_ASSERT(t, top != 0);
	*(volatile uint64_t *)(top - KSTACK_SIZE) = 1;    /* lowest stack word: mapped */
	KT_EXPECT(t, !kstack_is_guard(top - KSTACK_SIZE));
	KT_EXPECT(t, kstack_is_guard(top - KSTACK_SIZE - 8));
	__asm__ volatile("1: mov (%1), %0\n2:\n" EXTABLE(1b, 2b)
			 : "+r"(v) : "r"(top - KSTACK_SIZE - 8));
	KT_EXPECT_EQ(t, this_cpu()->fixup_vector, VEC_PF);
	KT_EXPECT(t, kstack_is_guard(this_cpu()->fixup_cr2));
	kstack_free(top);
	pmm_get_stats(&after);
	KT_EXPECT_EQ(t, after.free_frames, before.free_frames);
}

static void symbols_resolve(struct ktest *t)
{
	uint64_t off, size;
	const char *name = symbol_lookup((uint64_t)kmain + 3, &off, &size);

	KT_ASSERT(t, name != 0);
	KT_EXPECT(t, !strcmp(name, "kmain"));
	KT_EXPECT_EQ(t, off, 3);
	KT_EXPECT(t, size > 3);
	KT_EXPECT_EQ(t, symbol_address("kmain"), (uint64_t)kmain);
	KT_EXPECT(t, symbol_lookup(0x1000, 0, 0) == 0);
}

/*
 * The log reaches the screen: a line printed now must be drawn, glyph by
 * glyph, on the framebuffer (the line above the next glyph's, since the
 * line ends in a newline). Other CPUs are idle during this suite, so no
 * other line comes in between.
 */
static void framebuffer_shows_log(struct ktest *t)
{
	static const char mark[] = "fb-probe-42";
	uint32_t col, row, start;

	if (!fbcon_where(&col, &row)) {
		KT_SKIP(t, "no framebuffer console");
		return;
	}
	ktest_log("%s", mark);
	KT_ASSERT(t, fbcon_where(&col, &row) && col == 0 && row > 0);
	/* ktest_log indents its "# " line by 8 columns. */
	start = 8 + 2;
	KT_EXPECT(t, fbcon_cell_shows(start - 2, row - 1, '#'));
	for (uint32_t i = 0; mark[i]; i++)
		KT_EXPECT(t, fbcon_cell_shows(start + i, row - 1, (uint8_t)mark[i]));
	/* And the check can fail: a cell does not show another glyph. */
	KT_EXPECT(t, !fbcon_cell_shows(start, row - 1, 'x'));
}

static const struct ktest_case boot_cases[] = {
	{ "memmap_sane", memmap_sane },
	{ "frames_alloc_free", frames_alloc_free },
	{ "page_permissions", page_permissions },
	{ "cpu_protections", cpu_protections },
	{ "trap_invalid_opcode", trap_invalid_opcode },
	{ "trap_page_fault", trap_page_fault },
	{ "trap_breakpoint", trap_breakpoint },
	{ "write_to_rodata_faults", write_to_rodata_faults },
	{ "execute_data_faults", execute_data_faults },
	{ "stack_guard", stack_guard },
	{ "symbols_resolve", symbols_resolve },
	{ "framebuffer_shows_log", framebuffer_shows_log },
};
KTEST_SUITE(boot_suite, "boot", boot_cases);
