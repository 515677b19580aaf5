/*
 * The RSDP comes from the multiboot2 tags (GRUB copies it from the EFI
 * configuration table or the BIOS area); a scan of the BIOS area is the
 * fallback. Tables are read through the direct map.
 */
#include "arch/x86_64/acpi_boot.h"
#include "kernel/format.h"
#include "kernel/multiboot2.h"
#include "kernel/printk.h"
#include "mm/paging.h"
#include "mm/pmm.h"

struct acpi_info acpi;
bool acpi_ok;

static const void *acpi_map(uint64_t phys, uint64_t len)
{
	if (phys + len < phys || phys + len > direct_map_bytes)
		return 0;
	return phys_to_virt(phys);
}

static void acpi_warn(const char *msg)
{
	pr_warn("%s\n", msg);   /* the parser's messages name it already */
}

void acpi_init(void)
{
	const void *rsdp = 0;
	char disabled[40] = "";

	if (boot_info.rsdp_version) {
		rsdp = boot_info.rsdp;
	} else {
		uint64_t phys = acpi_scan_rsdp(acpi_map);
		if (phys) {
			pr_info("acpi: RSDP found by the BIOS-area scan at %#llx\n",
				(unsigned long long)phys);
			rsdp = acpi_map(phys, 36);
		}
	}
	if (!rsdp) {
		pr_warn("acpi: no RSDP (none from the loader, none in the BIOS area); one CPU only\n");
		return;
	}
	acpi_ok = acpi_parse(rsdp, acpi_map, &acpi, acpi_warn);
	if (!acpi_ok) {
		pr_warn("acpi: tables unusable; one CPU only\n");
		return;
	}
	/* Firmware lists a disabled entry per CPU that could be plugged in. */
	if (acpi.cpus_disabled)
		snprintf(disabled, sizeof(disabled), " (%u more disabled)", acpi.cpus_disabled);
	pr_info("acpi: %s, %u CPUs listed%s, %u I/O APIC(s), HPET %s, PM timer %s\n",
		acpi.oem_id, acpi.ncpus, disabled, acpi.nioapics,
		acpi.has_hpet ? "present" : "absent", acpi.pm_timer_port ? "present" : "absent");
}
