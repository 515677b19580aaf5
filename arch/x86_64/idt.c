/*
 * The IDT: one interrupt gate per vector, pointing at the stubs in
 * entry.asm. Interrupt gates (not trap gates) so that IF is clear on entry.
 * #DF, NMI and #MC switch to their IST stacks; int3 may be raised from
 * ring 3 (DPL 3).
 *
 * The CPU reads the IDT on every interrupt, also while a user page table is
 * loaded, so the IDTR holds the table's read-only alias in the entry region
 * (arch/x86_64/entry_area.h), not its address in the kernel image.
 */
#include "arch/x86_64/traps.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/gdt.h"
#include "mm/pmm.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8e   /* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3      0x60

extern const uint64_t trap_stub_table[256];
static struct idt_gate idt[256] __attribute__((aligned(4096)));
_Static_assert(sizeof(idt) == 4096, "the IDT is one page");

static void set_gate(unsigned vec, unsigned ist, unsigned dpl)
{
	uint64_t a = trap_stub_table[vec];

	idt[vec] = (struct idt_gate){
		.offset_lo = a & 0xffff,
		.selector = GDT_KCODE,
		.ist = ist,
		.type_attr = GATE_INTERRUPT | (dpl ? GATE_DPL3 : 0),
		.offset_mid = (a >> 16) & 0xffff,
		.offset_hi = a >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, 0, 0);
	set_gate(VEC_DF, IST_DF, 0);
	set_gate(VEC_NMI, IST_NMI, 0);
	set_gate(VEC_MC, IST_MC, 0);
	set_gate(VEC_BP, 0, 3);
	entry_area_map_idt((uint64_t)idt - KERNEL_VMA);
}

void idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, ENTRY_REGION_BASE };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}
