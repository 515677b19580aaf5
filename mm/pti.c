/*
 * PTI: the user tables' view of the kernel, and the CR3 values (mm/pti.h).
 */
#include "mm/pti.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "kernel/printk.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/percpu.h"

struct pti_config pti;

/*
 * A top-level table that is never loaded: its kernel half is what every
 * user table gets. Slot 509 is the entry region, shared with the kernel's
 * tables; slot 511 gets tables of its own that map the entry text pages
 * and nothing else of that slot (the kernel image and stacks live there).
 */
static uint64_t template_top;

extern char __entry_text_start[], __entry_text_end[];

void pti_configure(bool want_pti, bool want_pcid)
{
	pti.pti = want_pti;
	pti.pcid = want_pcid && cpu_has(CPU_PCID);
	pti.invpcid = pti.pcid && cpu_has(CPU_INVPCID);
}

void pti_init(void)
{
	uint64_t *kernel_top = phys_to_virt(kernel_pml4_phys);
	uint64_t slot = (ENTRY_REGION_BASE >> 39) & 511;

	template_top = pmm_alloc();
	if (!template_top)
		goto oom;
	((uint64_t *)phys_to_virt(template_top))[slot] = kernel_top[slot];
	for (char *va = __entry_text_start; va < __entry_text_end; va += PAGE_SIZE)
		if (paging_map(template_top, (uint64_t)va, (uint64_t)va - KERNEL_VMA,
			       PAGE_KERNEL_RX))
			goto oom;
	pr_info("pti: %s, PCID %s%s; user tables map %llu entry text page(s) and the entry region\n",
		pti.pti ? "on" : "off (one table per address space)",
		pti.pcid ? "on" : (cpu_has(CPU_PCID) ? "off (nopcid)" : "off (not on this CPU)"),
		pti.invpcid ? ", INVPCID" : "",
		(unsigned long long)((__entry_text_end - __entry_text_start) / PAGE_SIZE));
	return;
oom:
	pr_emerg("pti: out of memory for the user tables' kernel part\n");
	cpu_halt_forever();
}

void pti_fill_user_top(uint64_t *user_top)
{
	const uint64_t *t = phys_to_virt(template_top);

	for (int i = 256; i < 512; i++)
		user_top[i] = t[i];
}
