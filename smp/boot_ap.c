/*
 * Starting the application processors (APs), one at a time, as the Intel
 * MultiProcessor Specification (appendix B.4) describes:
 *
 *   1. copy the trampoline to a free page below 1 MiB and fill its
 *      parameter block for this AP (stack, per-CPU area, page tables);
 *   2. INIT IPI, wait 10 ms;
 *   3. STARTUP IPI with the trampoline's page number, wait 200 us;
 *   4. a second STARTUP IPI if the AP has not started, wait 200 us;
 *   5. wait for the AP to say it is online, up to AP_TIMEOUT_MS.
 *
 * The hand-off: the AP sets percpu->online with RELEASE once its GDT, IDT,
 * LAPIC and protections are set up; the boot CPU reads it with ACQUIRE, so
 * everything the AP wrote before is visible to it. An AP that does not
 * answer is reported and skipped; the rest boot on.
 */
#include "smp/boot_ap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "boot/trampoline.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/string.h"
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/percpu.h"
#include "smp/worker.h"

#define AP_TIMEOUT_MS 1000

_Static_assert(__builtin_offsetof(struct ap_boot_params, gdt_limit) == AP_GDT_LIMIT, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, gdt_base) == AP_GDT_BASE, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, far_offset) == AP_FAR_OFFSET, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, far_selector) == AP_FAR_SELECTOR, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, tramp_cr3) == AP_TRAMP_CR3, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, kernel_cr3) == AP_KERNEL_CR3, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, stack_top) == AP_STACK_TOP, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, entry) == AP_ENTRY, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, percpu) == AP_PERCPU, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, claimed) == AP_CLAIMED, "layout");
_Static_assert(__builtin_offsetof(struct ap_boot_params, gdt) == AP_GDT, "layout");
_Static_assert(sizeof(struct ap_boot_params) == AP_PARAMS_SIZE, "layout");
_Static_assert(AP_PARAMS_OFFSET + AP_PARAMS_SIZE <= 4096, "the trampoline is one page");

extern const char trampoline_long[];
extern void ap_entry64(void);

static uint64_t tramp_page;           /* physical, below 1 MiB */
static uint64_t tramp_pml4;           /* physical, below 4 GiB */

void __attribute__((noreturn)) ap_main(struct percpu *p);

/* A usable page below 1 MiB, the highest one, well away from the BIOS data
 * area in page 0. The frame allocator never hands these out. */
static uint64_t find_low_page(const struct memmap *m)
{
	uint64_t best = 0;

	for (size_t i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t end = e->base + e->len;
		if (e->type != MEMMAP_USABLE || e->base >= LOW_MEMORY_END)
			continue;
		if (end > LOW_MEMORY_END)
			end = LOW_MEMORY_END;
		if (end - e->base >= PAGE_SIZE && end - PAGE_SIZE >= PAGE_SIZE)
			best = end - PAGE_SIZE;
	}
	return best;
}

/*
 * The trampoline's page tables: the kernel half shared with the kernel's
 * own top level (same PDPT pages), plus the trampoline page mapped at its
 * own address, writable and executable: it is code and the parameter block
 * in one page, and these tables live only while APs start.
 */
static bool build_tramp_tables(void)
{
	uint64_t *top;

	tramp_pml4 = pmm_alloc_range(1, PAGE_SIZE, 4ull << 30);
	if (!tramp_pml4)
		return false;
	top = phys_to_virt(tramp_pml4);
	memcpy(top + 256, (uint64_t *)phys_to_virt(kernel_pml4_phys) + 256, 256 * 8);
	return paging_map(tramp_pml4, tramp_page, tramp_page, PTE_P | PTE_W) == 0;
}

/* Free the low half of the trampoline's tables and its top level. */
static void free_tramp_tables(void)
{
	uint64_t *pml4 = phys_to_virt(tramp_pml4);

	for (int i = 0; i < 256; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		uint64_t *pdpt = phys_to_virt(pml4[i] & PTE_ADDR);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			uint64_t *pd = phys_to_virt(pdpt[j] & PTE_ADDR);
			for (int k = 0; k < 512; k++)
				if (pd[k] & PTE_P)
					pmm_free(pd[k] & PTE_ADDR);
			pmm_free(pdpt[j] & PTE_ADDR);
		}
		pmm_free(pml4[i] & PTE_ADDR);
	}
	pmm_free(tramp_pml4);
}

static struct percpu *percpu_create(unsigned cpu, uint32_t apic_id)
{
	uint64_t pages = (sizeof(struct percpu) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t phys = pmm_alloc_range(pages, PAGE_SIZE, UINT64_MAX);
	struct percpu *p;

	if (!phys)
		return 0;
	p = phys_to_virt(phys);
	p->self = p;
	p->cpu = cpu;
	p->apic_id = apic_id;
	p->kstack_top = kstack_alloc();
	if (p->kstack_top && entry_area_create(cpu, p))
		return p;
	if (p->kstack_top)
		kstack_free(p->kstack_top);
	pmm_free_range(phys, pages);
	return 0;
}

static void fill_params(struct ap_boot_params *bp, struct percpu *p)
{
	memset(bp, 0, sizeof(*bp));
	bp->gdt[1] = 0x00af9a000000ffffull;     /* 64-bit code, DPL 0 */
	bp->gdt[2] = 0x00cf92000000ffffull;     /* data, DPL 0 */
	bp->gdt_limit = sizeof(bp->gdt) - 1;
	bp->gdt_base = (uint32_t)(tramp_page + AP_PARAMS_OFFSET + AP_GDT);
	bp->far_offset = (uint32_t)(tramp_page + (trampoline_long - trampoline_start));
	bp->far_selector = 0x08;
	bp->tramp_cr3 = tramp_pml4;
	bp->kernel_cr3 = kernel_pml4_phys;
	bp->stack_top = p->kstack_top;
	bp->entry = (uint64_t)ap_entry64;
	bp->percpu = (uint64_t)p;
	bp->claimed = 0;
}

static bool wait_online(struct percpu *p, uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz / 1000;

	while (rdtsc() < end) {
		if (__atomic_load_n(&p->online, __ATOMIC_ACQUIRE))
			return true;
		cpu_relax();
	}
	return __atomic_load_n(&p->online, __ATOMIC_ACQUIRE);
}

static bool start_one(struct percpu *p, struct ap_boot_params *bp)
{
	fill_params(bp, p);
	/* The parameters must be in memory before the AP can read them: the
	 * IPI is sent by a store to the ICR, which lapic.c orders after the
	 * stores above (x2APIC: an explicit fence; xAPIC: UC MMIO). */
	lapic_send_init(p->apic_id);
	udelay(10000);
	lapic_send_sipi(p->apic_id, (uint8_t)(tramp_page >> 12));
	if (wait_online(p, 200))
		return true;
	lapic_send_sipi(p->apic_id, (uint8_t)(tramp_page >> 12));
	return wait_online(p, AP_TIMEOUT_MS * 1000ull);
}

unsigned smp_boot_aps(const struct memmap *m, const uint32_t *apic_ids, unsigned n)
{
	struct ap_boot_params *bp;
	unsigned online = 1, started = 0;

	tramp_page = find_low_page(m);
	if (!tramp_page || !build_tramp_tables()) {
		pr_err("smp: no page below 1 MiB or no memory for the AP trampoline; one CPU only\n");
		return 1;
	}
	memcpy(phys_to_virt(tramp_page), trampoline_start, trampoline_end - trampoline_start);
	bp = (struct ap_boot_params *)((char *)phys_to_virt(tramp_page) + AP_PARAMS_OFFSET);

	for (unsigned i = 0; i < n && nr_cpus < MAX_CPUS; i++) {
		struct percpu *p = percpu_create(nr_cpus, apic_ids[i]);
		if (!p) {
			pr_err("smp: out of memory for CPU %u (APIC id %u); stopping here\n",
			       nr_cpus, apic_ids[i]);
			break;
		}
		cpu_area[nr_cpus++] = p;
		started++;
		if (start_one(p, bp)) {
			online++;
		} else {
			/* Its area stays allocated: the AP might still wake up and run on it. */
			pr_err("smp: CPU %u (APIC id %u) did not come up within %d ms; booting on without it\n",
			       p->cpu, p->apic_id, AP_TIMEOUT_MS);
		}
	}
	/*
	 * An online AP is past the trampoline (ap_entry64 loaded the kernel's
	 * CR3). One that timed out may still wake up and walk these tables, so
	 * then they stay: a few pages, against a machine reset.
	 */
	if (online == started + 1)
		free_tramp_tables();
	else
		pr_warn("smp: the trampoline stays mapped for the CPUs that did not answer\n");
	return online;
}

void __attribute__((noreturn)) ap_main(struct percpu *p)
{
	percpu_install(p);
	/* Protections (and PCIDs) before the IDT: no handler of lull's runs
	 * on this CPU before its kernel is in PCID_KERNEL (mm/pti_cr3.c). */
	cpu_enable_protections();
	entry_area_install(p->cpu);     /* GDT, TSS, IDT, GS base */
	syscall_init_cpu();
	lapic_enable();
	if (lapic_id() != p->apic_id) {
		pr_err("smp: CPU with APIC id %u woke up on CPU %u's parameters; parked\n",
		       lapic_id(), p->cpu);
		cpu_halt_forever();
	}
	sched_init_cpu();               /* this context becomes the CPU's idle task */
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);   /* pairs with wait_online() */
	cpu_idle_loop();
}
