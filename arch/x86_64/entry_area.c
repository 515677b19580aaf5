/*
 * The per-CPU entry areas (see entry_area.h for the layout and why it
 * exists). Each is built by the boot CPU before the CPU it belongs to
 * starts, and installed by that CPU itself.
 */
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "smp/percpu.h"

_Static_assert(__builtin_offsetof(struct entry_area, percpu) == EA_PERCPU, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, kernel_cr3) == EA_KERNEL_CR3, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, user_cr3) == EA_USER_CR3, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, task_stack) == EA_TASK_STACK, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, entry_stack) == EA_ENTRY_STACK, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, scratch) == EA_SCRATCH, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, cr3_state) == EA_CR3_STATE, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, pti) == EA_PTI, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, cr3_writes) == EA_CR3_WRITES, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, user_cr3_steady) == EA_USER_CR3_STEADY, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, noflush) == EA_NOFLUSH, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, entry_mode) == EA_ENTRY_MODE, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, nmi_mode) == EA_NMI_MODE, "layout");
_Static_assert(__builtin_offsetof(struct entry_area, gdt) == EA_GDT, "layout");
_Static_assert(EA_GDT + sizeof(struct cpu_gdt) <= 4096, "the entry area is one page");
_Static_assert(EA_IST_MC_OFF + EA_IST_SIZE <= EA_STRIDE, "a CPU's stacks fit its stride");
_Static_assert(ENTRY_REGION_BASE + (MAX_CPUS + 1ull) * EA_STRIDE - 1 <=
	       ENTRY_REGION_BASE + (1ull << 39) - 1, "the region fits one top-level slot");

/* What is mapped in a CPU's stride, and how. */
static const struct {
	uint64_t off, size;
} ea_parts[] = {
	{ EA_PAGE_OFF, 0x1000 },
	{ EA_ENTRY_STACK_OFF, EA_ENTRY_STACK_SIZE },
	{ EA_IST_DF_OFF, EA_IST_SIZE },
	{ EA_IST_NMI_OFF, EA_IST_SIZE },
	{ EA_IST_MC_OFF, EA_IST_SIZE },
};
#define EA_PARTS (sizeof(ea_parts) / sizeof(ea_parts[0]))

static void unmap_cpu(uint64_t base)
{
	for (unsigned i = 0; i < EA_PARTS; i++)
		paging_unmap_range(kernel_pml4_phys, base + ea_parts[i].off, ea_parts[i].size,
				   pmm_free);
}

bool entry_area_create(unsigned cpu, struct percpu *p)
{
	uint64_t base = entry_area_base(cpu);

	for (unsigned i = 0; i < EA_PARTS; i++) {
		for (uint64_t o = 0; o < ea_parts[i].size; o += PAGE_SIZE) {
			uint64_t frame = pmm_alloc();   /* zeroed */
			if (!frame || paging_map(kernel_pml4_phys, base + ea_parts[i].off + o,
						 frame, PAGE_KERNEL_RW)) {
				if (frame)
					pmm_free(frame);
				unmap_cpu(base);
				return false;
			}
		}
	}
	struct entry_area *ea = entry_area_of(cpu);
	ea->percpu = p;
	ea->entry_stack = base + EA_ENTRY_STACK_OFF + EA_ENTRY_STACK_SIZE;
	ea->cr3_state = CR3_STATE_KERNEL;
	ea->pti = pti.pti;
	ea->noflush = pti.pcid ? CR3_NOFLUSH : 0;
	ea->kernel_cr3 = ea->user_cr3 = ea->user_cr3_steady = pti_idle_cr3();
	p->ea = ea;
	return true;
}

void entry_area_install(unsigned cpu)
{
	uint64_t base = entry_area_base(cpu);
	struct entry_area *ea = entry_area_of(cpu);
	const uint64_t ist[IST_COUNT] = {
		[IST_DF - 1] = base + EA_IST_DF_OFF + EA_IST_SIZE,
		[IST_NMI - 1] = base + EA_IST_NMI_OFF + EA_IST_SIZE,
		[IST_MC - 1] = base + EA_IST_MC_OFF + EA_IST_SIZE,
	};

	gdt_load(&ea->gdt, ea->entry_stack, ist);
	idt_load();
	/* From here %gs:0 is read through the entry area: same percpu pointer. */
	wrmsr(MSR_GS_BASE, (uint64_t)ea);
}

void entry_area_map_idt(uint64_t idt_phys)
{
	if (paging_map(kernel_pml4_phys, ENTRY_REGION_BASE, idt_phys, PAGE_KERNEL_RO)) {
		pr_emerg("entry: no memory to map the IDT\n");
		cpu_halt_forever();
	}
}

bool entry_area_is_guard(uint64_t addr)
{
	if (addr < entry_area_base(0) || addr >= entry_area_base(MAX_CPUS))
		return false;
	uint64_t off = (addr - ENTRY_REGION_BASE) % EA_STRIDE;
	for (unsigned i = 0; i < EA_PARTS; i++)
		if (off >= ea_parts[i].off && off < ea_parts[i].off + ea_parts[i].size)
			return false;
	return true;
}
