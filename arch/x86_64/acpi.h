#pragma once
/*
 * The ACPI tables lull needs to start the other CPUs: the MADT (CPUs, I/O
 * APICs, ISA interrupt overrides), the HPET table and a little of the FADT
 * (boot architecture flags, the PM timer).
 *
 * This is pure parsing: physical memory is reached only through an
 * acpi_map_fn, so the same code runs on the kernel's direct map and on a
 * test's fake memory. Nothing read from firmware is trusted: every table's
 * length and checksum is checked before it is read, a bad table is skipped
 * with a warning, and a malformed MADT entry ends the MADT there.
 */
#include <stdbool.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 24
#define ACPI_TABLE_MAX (1u << 20)   /* larger than any sane table */

/* FADT IAPC_BOOT_ARCH flags (ACPI 6.5, table 5.11). */
#define ACPI_BOOT_LEGACY_DEVICES   (1u << 0)
#define ACPI_BOOT_8042             (1u << 1)
#define ACPI_BOOT_NO_VGA           (1u << 2)
#define ACPI_BOOT_NO_MSI           (1u << 3)
#define ACPI_BOOT_NO_ASPM          (1u << 4)
#define ACPI_BOOT_NO_CMOS_RTC      (1u << 5)

/*
 * Readable memory for the physical range [phys, phys + len), or NULL when
 * it cannot be mapped. The pointer stays valid until acpi_parse() returns.
 */
typedef const void *(*acpi_map_fn)(uint64_t phys, uint64_t len);
typedef void (*acpi_warn_fn)(const char *msg);

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool enabled;           /* usable now */
	bool online_capable;    /* disabled, but may be brought up later */
	bool from_x2apic_entry; /* listed by a type 9 (x2APIC) entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t phys;
	uint32_t gsi_base;
};

/* An ISA IRQ that is not wired to the GSI of the same number. */
struct acpi_override {
	uint8_t bus;            /* 0: ISA */
	uint8_t irq;
	uint32_t gsi;
	uint16_t flags;         /* MPS INTI flags: polarity bits 0-1, trigger 2-3 */
};

struct acpi_info {
	char oem_id[7];                 /* from the RSDP, NUL-terminated */
	uint8_t revision;               /* the RSDP's: 0 = ACPI 1.0, 2 = 2.0+ */
	bool xsdt_used;                 /* false: the 32-bit RSDT was walked */

	uint64_t lapic_phys;            /* after any type 5 override */
	bool pcat_compat;               /* dual 8259s present: mask them */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned ncpus;
	unsigned cpus_disabled;         /* neither enabled nor online-capable */
	unsigned cpus_dropped;          /* beyond ACPI_MAX_CPUS */
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned nioapics, ioapics_dropped;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned noverrides, overrides_dropped;

	bool has_hpet;
	uint64_t hpet_phys;

	bool fadt_found;
	bool boot_arch_valid;           /* FADT revision >= 2 and long enough */
	uint16_t boot_arch;             /* ACPI_BOOT_* flags */
	uint16_t pm_timer_port;         /* the ACPI PM timer's I/O port; 0: none */
	bool pm_timer_32bit;            /* its counter has 32 bits, else 24 */
};

/*
 * The legacy BIOS search: the first KiB of the EBDA, then 0xE0000-0xFFFFF,
 * on 16-byte boundaries, for a valid RSDP. Returns its physical address, or
 * 0 when there is none (UEFI machines need the one the loader passed).
 */
uint64_t acpi_scan_rsdp(acpi_map_fn map);

/*
 * Parse the tables reached from rsdp, a copy of the RSDP (20 bytes for ACPI
 * 1.0, 36 for 2.0+). Returns false, after a warning, when there is no valid
 * RSDP, root table or MADT: the caller then boots the boot CPU alone.
 * warn (may be NULL) gets one line per problem, without a newline.
 */
bool acpi_parse(const void *rsdp, acpi_map_fn map, struct acpi_info *out,
		acpi_warn_fn warn);

/* The index in out->cpus of the CPU with this APIC id, or -1. */
int acpi_cpu_index(const struct acpi_info *info, uint32_t apic_id);
