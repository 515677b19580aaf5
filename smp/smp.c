/*
 * SMP bring-up: with the CPUs that ACPI's MADT lists (acpi_init() ran
 * first), set up the boot CPU's local APIC, silence the legacy PIC, start
 * the others (smp/boot_ap.c) and print the boot report. Without usable
 * ACPI tables lull boots on the boot CPU.
 */
#include "smp/smp.h"
#include "arch/x86_64/acpi_boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/tsc.h"
#include "kernel/cmdline.h"
#include "kernel/multiboot2.h"
#include "kernel/printk.h"
#include "smp/boot_ap.h"
#include "smp/percpu.h"

#define DEFAULT_LAPIC_PHYS 0xfee00000ull

/*
 * Remap the 8259 PICs away from the exception vectors (a spurious IRQ 7
 * would otherwise look like #NM) and mask every line: lull takes its
 * interrupts from the LAPIC and IOAPIC only.
 */
static void pic_disable(void)
{
	outb(0x20, 0x11);  io_delay();   /* ICW1: init, expect ICW4 */
	outb(0xa0, 0x11);  io_delay();
	outb(0x21, 0x20);  io_delay();   /* ICW2: vectors 0x20.. and 0x28.. */
	outb(0xa1, 0x28);  io_delay();
	outb(0x21, 0x04);  io_delay();   /* ICW3: slave on line 2 */
	outb(0xa1, 0x02);  io_delay();
	outb(0x21, 0x01);  io_delay();   /* ICW4: 8086 mode */
	outb(0xa1, 0x01);  io_delay();
	outb(0x21, 0xff);                /* mask everything */
	outb(0xa1, 0xff);
}

static void print_report(uint64_t start_tsc)
{
	pr_info("CPU  APIC id  mode    features\n");
	for (unsigned c = 0; c < nr_cpus; c++) {
		const struct percpu *p = cpu_area[c];
		bool up = __atomic_load_n(&p->online, __ATOMIC_ACQUIRE);
		pr_info("%3u  %7u  %-6s  %s%s%s%s%s\n", c, p->apic_id,
			lapic_x2apic() ? "x2APIC" : "xAPIC",
			cpu_has(CPU_PCID) ? "pcid " : "", cpu_has(CPU_INVPCID) ? "invpcid " : "",
			cpu_has(CPU_SMEP) ? "smep " : "", cpu_has(CPU_SMAP) ? "smap " : "",
			up ? "" : "(did not come up)");
	}
	uint64_t now = rdtsc(), us = tsc_to_us(now - start_tsc);
	uint64_t since_entry = tsc_to_us(now - tsc_at_entry);
	pr_info("smp: %u of %u CPUs online in %llu.%03llu ms (%llu.%03llu ms after kernel entry)\n",
		smp_online_count(), nr_cpus, (unsigned long long)(us / 1000),
		(unsigned long long)(us % 1000), (unsigned long long)(since_entry / 1000),
		(unsigned long long)(since_entry % 1000));
}

unsigned smp_online_count(void)
{
	unsigned n = 0;

	for (unsigned c = 0; c < nr_cpus; c++)
		n += __atomic_load_n(&cpu_area[c]->online, __ATOMIC_ACQUIRE);
	return n;
}

void smp_init(bool allow_x2apic)
{
	uint32_t others[MAX_CPUS];
	unsigned nothers = 0;
	uint64_t start = rdtsc();

	if (!acpi_ok || acpi.pcat_compat)
		pic_disable();
	lapic_setup(acpi_ok && acpi.lapic_phys ? acpi.lapic_phys : DEFAULT_LAPIC_PHYS,
		    allow_x2apic);
	lapic_enable();
	percpu_boot.apic_id = lapic_id();
	__atomic_store_n(&percpu_boot.online, true, __ATOMIC_RELEASE);

	if (acpi_ok) {
		if (acpi_cpu_index(&acpi, percpu_boot.apic_id) < 0)
			pr_warn("smp: the boot CPU (APIC id %u) is not in the MADT\n",
				percpu_boot.apic_id);
		if (acpi.cpus_dropped)
			pr_warn("smp: the MADT lists %u CPUs beyond the %d lull supports; they stay off\n",
				acpi.cpus_dropped, MAX_CPUS);
		for (unsigned i = 0; i < acpi.ncpus; i++) {
			const struct acpi_cpu *c = &acpi.cpus[i];
			if (c->enabled && c->apic_id != percpu_boot.apic_id)
				others[nothers++] = c->apic_id;
		}
		if (!nothers)
			pr_info("smp: the MADT lists no other enabled CPU\n");
	}
	if (boot_cmdline.smp_phantom_apic && nothers < MAX_CPUS) {
		pr_warn("smp: fault injection: also starting APIC id %u, which is not listed\n",
			boot_cmdline.smp_phantom_apic);
		others[nothers++] = boot_cmdline.smp_phantom_apic;
	}
	if (nothers)
		smp_boot_aps(&boot_info.memmap, others, nothers);
	print_report(start);
}
