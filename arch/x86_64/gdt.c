/*
 * GDT and TSS. In long mode segments are flat; the GDT matters for the
 * privilege level of CS/SS and for finding the TSS, whose IST slots give
 * #DF, NMI and #MC a known-good stack whatever RSP was.
 */
#include "arch/x86_64/gdt.h"
#include "kernel/string.h"

#define SEG_CODE64_K 0x00af9a000000ffffull   /* P, DPL 0, code, L */
#define SEG_DATA_K   0x00cf92000000ffffull   /* P, DPL 0, data, writable */
#define SEG_CODE32_U 0x00cffa000000ffffull   /* P, DPL 3, 32-bit code */
#define SEG_DATA_U   0x00cff2000000ffffull   /* P, DPL 3, data */
#define SEG_CODE64_U 0x00affa000000ffffull   /* P, DPL 3, code, L */

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void set_tss_descriptor(uint64_t *slot, const struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_load(struct cpu_gdt *g, uint64_t rsp0, const uint64_t ist_top[IST_COUNT])
{
	struct gdt_ptr ptr = { sizeof(g->gdt) - 1, (uint64_t)g->gdt };

	memset(g, 0, sizeof(*g));
	g->gdt[GDT_KCODE / 8] = SEG_CODE64_K;
	g->gdt[GDT_KDATA / 8] = SEG_DATA_K;
	g->gdt[GDT_UCODE32 / 8] = SEG_CODE32_U;
	g->gdt[GDT_UDATA / 8] = SEG_DATA_U;
	g->gdt[GDT_UCODE / 8] = SEG_CODE64_U;
	g->tss.rsp[0] = rsp0;
	for (int i = 0; i < IST_COUNT; i++)
		g->tss.ist[i] = ist_top[i];
	g->tss.iomap_base = sizeof(g->tss);   /* no I/O bitmap: ring 3 gets no ports */
	set_tss_descriptor(&g->gdt[GDT_TSS / 8], &g->tss);

	/* Reload CS with a far return and the data segments with plain moves.
	 * FS and GS are not touched: GS base holds the per-CPU pointer. */
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"ltr %w3\n\t"
		: : "m"(ptr), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
		: "rax", "memory");
}
