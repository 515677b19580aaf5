/*
 * Host tests for arch/x86_64/acpi.c: ACPI tables built by hand, with real
 * checksums, in a fake 1 MiB of physical memory that the map callback
 * serves (NULL past its end, like an unmapped range). Each test starts from
 * one good machine (std_machine) and breaks one thing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "arch/x86_64/acpi.h"

#define MEM_SIZE 0x100000u
#define RSDT 0x1000u
#define XSDT 0x2000u
#define HPET 0x3000u
#define FADT 0x4000u
#define MADT 0x10000u
/* A window above 4 GiB onto fake memory, for tables only an XSDT reaches. */
#define HIGH 0x100000000ull
#define HIGH_LOW 0x80000u
#define HIGH_SIZE 0x10000u

static uint8_t mem[MEM_SIZE];
static struct acpi_info info;
static uint8_t rsdp[36];
static int warnings;
static char warned[16][200];

static const void *fake_map(uint64_t phys, uint64_t len)
{
	if (phys >= HIGH && phys - HIGH < HIGH_SIZE && len <= HIGH_SIZE - (phys - HIGH))
		return mem + HIGH_LOW + (phys - HIGH);
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	return mem + phys;
}

static void warn(const char *msg)
{
	assert_null(strchr(msg, '\n'));
	if (warnings < 16)
		strncpy(warned[warnings], msg, sizeof(warned[0]) - 1);
	warnings++;
}

/* The warning that contains text, or fail. */
static void assert_warned(const char *text)
{
	for (int i = 0; i < warnings && i < 16; i++) {
		if (strstr(warned[i], text))
			return;
	}
	fail_msg("no warning contains \"%s\" (%d warnings, first: \"%s\")", text, warnings,
		 warnings ? warned[0] : "");
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fix_checksum(uint32_t phys)
{
	uint32_t len;

	memcpy(&len, mem + phys + 4, 4);
	mem[phys + 9] = 0;
	mem[phys + 9] = (uint8_t)-sum(mem + phys, len);
}

/* A table with a valid header and checksum around body. */
static void put_table(uint32_t phys, const char *sig, uint8_t rev, const void *body, uint32_t n)
{
	uint8_t *t = mem + phys;

	memcpy(t, sig, 4);
	put32(t + 4, 36 + n);
	t[8] = rev;
	memcpy(t + 10, "LULLOE", 6);
	memcpy(t + 36, body, n);
	fix_checksum(phys);
}

static void put_root(uint32_t phys, bool x, const uint64_t *tables, int n)
{
	uint8_t body[64];

	for (int i = 0; i < n; i++) {
		if (x)
			put64(body + 8 * i, tables[i]);
		else
			put32(body + 4 * i, (uint32_t)tables[i]);
	}
	put_table(phys, x ? "XSDT" : "RSDT", 1, body, (uint32_t)n * (x ? 8 : 4));
}

static void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "LULLOE", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = (uint8_t)-sum(r, 20);
	r[32] = (uint8_t)-sum(r, 36);
}

/* MADT builder: entries are appended to madt[], then madt_put() writes it. */
static uint8_t madt[8192];
static uint32_t madt_len;

static void madt_entry(const uint8_t *e)
{
	memcpy(madt + madt_len, e, e[1]);
	madt_len += e[1];
}

static void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };

	put32(e + 4, flags);
	madt_entry(e);
}

static void madt_x2apic(uint32_t id, uint32_t uid, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	madt_entry(e);
}

static void madt_ioapic(uint8_t id, uint32_t phys, uint32_t gsi)
{
	uint8_t e[12] = { 1, 12, id };

	put32(e + 4, phys);
	put32(e + 8, gsi);
	madt_entry(e);
}

static void madt_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = { 2, 10, 0, irq };

	put32(e + 4, gsi);
	memcpy(e + 8, &flags, 2);
	madt_entry(e);
}

static void madt_begin(void)
{
	madt_len = 8;
	put32(madt, 0xfee00000);
	put32(madt + 4, 1);             /* PCAT_COMPAT */
}

static void madt_put(uint32_t phys)
{
	put_table(phys, "APIC", 5, madt, madt_len);
}

static void hpet_put(uint8_t space, uint64_t addr)
{
	uint8_t body[20] = { 0 };

	body[4] = space;
	put64(body + 8, addr);
	put_table(HPET, "HPET", 1, body, sizeof(body));
}

static void fadt_put(uint8_t rev, uint32_t len, uint16_t boot_arch)
{
	uint8_t body[244] = { 0 };

	memcpy(body + 109 - 36, &boot_arch, 2);
	put_table(FADT, "FACP", rev, body, len - 36);
}

/* A good 8-CPU machine: RSDT and XSDT both list MADT, HPET and FADT. */
static void std_machine(void)
{
	const uint64_t tables[] = { MADT, HPET, FADT };

	memset(mem, 0, sizeof(mem));
	memset(&info, 0xa5, sizeof(info));
	warnings = 0;
	madt_begin();
	for (uint8_t i = 0; i < 8; i++)
		madt_lapic(i, (uint8_t)(2 * i), 1);
	madt_ioapic(2, 0xfec00000, 0);
	madt_override(0, 2, 0);
	madt_override(9, 9, 0xd);
	madt_put(MADT);
	hpet_put(0, 0xfed00000);
	fadt_put(4, 244, ACPI_BOOT_8042 | ACPI_BOOT_NO_ASPM);
	put_root(RSDT, false, tables, 3);
	put_root(XSDT, true, tables, 3);
	make_rsdp(rsdp, 2, RSDT, XSDT);
}

static bool parse(void)
{
	return acpi_parse(rsdp, fake_map, &info, warn);
}

static void rsdp_v1_and_rsdt(void **state)
{
	std_machine();
	make_rsdp(rsdp, 0, RSDT, 0);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_string_equal(info.oem_id, "LULLOE");
	assert_int_equal(info.revision, 0);
	assert_false(info.xsdt_used);
	assert_int_equal(info.lapic_phys, 0xfee00000);
	assert_true(info.pcat_compat);
	assert_int_equal(info.ncpus, 8);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(info.cpus[i].apic_id, 2 * i);
		assert_int_equal(info.cpus[i].acpi_uid, i);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].online_capable);
		assert_false(info.cpus[i].from_x2apic_entry);
		assert_int_equal(acpi_cpu_index(&info, 2 * i), i);
	}
	assert_int_equal(acpi_cpu_index(&info, 1), -1);
	assert_int_equal(info.cpus_disabled + info.cpus_dropped, 0);
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapics[0].id, 2);
	assert_int_equal(info.ioapics[0].phys, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.noverrides, 2);
	assert_int_equal(info.overrides[0].irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[1].irq, 9);
	assert_int_equal(info.overrides[1].flags, 0xd);
	assert_true(info.has_hpet);
	assert_int_equal(info.hpet_phys, 0xfed00000);
	assert_true(info.fadt_found);
	assert_true(info.boot_arch_valid);
	assert_int_equal(info.boot_arch, ACPI_BOOT_8042 | ACPI_BOOT_NO_ASPM);
}

static void rsdp_v2_uses_xsdt(void **state)
{
	const uint64_t tables[] = { HPET, HIGH, FADT };

	std_machine();
	put_root(RSDT, false, NULL, 0);         /* only the XSDT leads anywhere */
	madt_put(HIGH_LOW);                     /* ... and the MADT is above 4 GiB */
	memset(mem + MADT, 0, 64);
	put_root(XSDT, true, tables, 3);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_int_equal(info.revision, 2);
	assert_true(info.xsdt_used);
	assert_int_equal(info.ncpus, 8);
	assert_true(info.has_hpet);
}

static void bad_xsdt_falls_back_to_rsdt(void **state)
{
	std_machine();
	mem[XSDT + 40] ^= 1;
	assert_true(parse());
	assert_int_equal(warnings, 1);
	assert_warned("XSDT at 0x2000 has a bad checksum; using the RSDT");
	assert_false(info.xsdt_used);
	assert_int_equal(info.ncpus, 8);

	std_machine();
	memcpy(mem + XSDT, "RSDT", 4);
	fix_checksum(XSDT);
	assert_true(parse());
	assert_warned("table RSDT at 0x2000 is not the XSDT; using the RSDT");

	std_machine();
	make_rsdp(rsdp, 2, 0, 0x7000000);       /* XSDT unmappable, no RSDT */
	assert_false(parse());
	assert_warned("table ???? at 0x7000000 cannot be mapped; no ACPI tables");

	std_machine();
	make_rsdp(rsdp, 2, 0, 0);
	assert_false(parse());
	assert_warned("the RSDP points to no root table");

	std_machine();
	make_rsdp(rsdp, 0, RSDT, 0);
	mem[RSDT + 36] ^= 1;
	assert_false(parse());
	assert_int_equal(warnings, 1);
	assert_warned("RSDT at 0x1000 has a bad checksum; no ACPI tables");
}

static void bad_rsdp(void **state)
{
	std_machine();
	rsdp[8]++;
	assert_false(parse());
	assert_warned("the RSDP has a bad checksum; ACPI not used");

	std_machine();
	rsdp[0] = 'r';
	assert_false(parse());
	assert_warned("no \"RSD PTR \" signature");

	std_machine();
	rsdp[32]++;                             /* the first 20 bytes still sum to 0 */
	assert_false(parse());
	assert_warned("bad extended checksum");

	std_machine();
	put32(rsdp + 20, 20);
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)-sum(rsdp, 20);
	rsdp[32] = 0;
	rsdp[32] = (uint8_t)-sum(rsdp, 36);
	assert_false(parse());
	assert_warned("shorter than 36 bytes");
	assert_int_equal(warnings, 1);

	/* No warn callback: still refused, without a crash. */
	rsdp[0] = 'x';
	assert_false(acpi_parse(rsdp, fake_map, &info, NULL));
}

static void bad_tables_are_skipped(void **state)
{
	const uint64_t tables[] = { 0, 0x800000, 0x5000, 0xfff00, MADT, 0x6000, 0x7000, HPET };

	/* An empty slot is passed over silently (though a bad table sits at
	 * 0); an unmappable address, bad lengths and a bad checksum are
	 * skipped with a warning; the good tables after them are used. */
	std_machine();
	put_table(0, "APIC", 5, madt, 4);
	mem[10]++;                                        /* bad checksum */
	put_table(0x5000, "APIC", 5, madt, 4);           /* 40 bytes: no room */
	put32(mem + 0x5000 + 4, 20);                      /* length < 36 */
	put_table(0x6000, "HPET", 1, madt, 20);
	put32(mem + 0x6000 + 4, (1u << 20) + 1);          /* length > 1 MiB */
	madt_put(0xfff00);
	put32(mem + 0xfff00 + 4, 0x1000);                 /* runs past memory */
	put_table(0x7000, "FACP", 4, madt, 100);
	mem[0x7000 + 50]++;                               /* bad checksum */
	put_root(RSDT, false, tables, 8);
	make_rsdp(rsdp, 0, RSDT, 0);
	assert_true(parse());
	assert_int_equal(warnings, 5);
	assert_warned("table at 0x800000 cannot be mapped; skipped");
	assert_warned("table APIC at 0x5000 has length 20; skipped");
	assert_warned("table HPET at 0x6000 has length 1048577; skipped");
	assert_warned("table APIC at 0xfff00 cannot be mapped whole (4096 bytes); skipped");
	assert_warned("table FACP at 0x7000 has a bad checksum; skipped");
	assert_int_equal(info.ncpus, 8);
	assert_true(info.has_hpet);
	assert_false(info.fadt_found);
}

static void no_madt(void **state)
{
	const uint64_t tables[] = { HPET, MADT };

	std_machine();
	mem[MADT + 50]++;
	assert_false(parse());
	assert_int_equal(warnings, 2);
	assert_warned("APIC at 0x10000 has a bad checksum");
	assert_warned("no valid MADT; only the boot CPU will run");

	std_machine();
	put_table(MADT, "APIC", 5, madt, 4);
	put_root(XSDT, true, tables, 2);
	assert_false(parse());
	assert_warned("MADT is only 40 bytes; ignored");
	assert_true(info.has_hpet);
}

static void disabled_and_online_capable(void **state)
{
	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 1, 0);                    /* absent */
	madt_lapic(2, 2, 2);                    /* hot-pluggable */
	madt_x2apic(700, 3, 0);
	madt_x2apic(701, 4, 2);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(info.cpus_disabled, 2);
	assert_int_equal(acpi_cpu_index(&info, 1), -1);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 701);
	assert_true(info.cpus[2].online_capable);
	assert_true(info.cpus[2].from_x2apic_entry);
}

static void duplicate_apic_ids(void **state)
{
	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_lapic(1, 3, 1);
	madt_lapic(2, 3, 1);                    /* same APIC id, other uid */
	madt_x2apic(3, 7, 1);                   /* the same CPU as an x2APIC entry */
	madt_x2apic(9, 8, 1);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 2);
	assert_warned("APIC id 3 is listed twice; the second entry is ignored");
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(info.cpus[1].acpi_uid, 1);
	assert_false(info.cpus[1].from_x2apic_entry);
	assert_int_equal(info.cpus[2].apic_id, 9);
}

static void x2apic_entries(void **state)
{
	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_x2apic(256, 1, 1);
	madt_x2apic(0x12345, 2, 1);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_int_equal(info.ncpus, 3);
	assert_int_equal(acpi_cpu_index(&info, 0x12345), 2);
	assert_int_equal(info.cpus[2].acpi_uid, 2);
	assert_true(info.cpus[1].from_x2apic_entry);
	assert_int_equal(acpi_cpu_index(&info, 0x45), -1);
}

static void more_cpus_than_supported(void **state)
{
	std_machine();
	madt_begin();
	for (uint32_t i = 0; i < 300; i++)
		madt_x2apic(i * 2, i, 1);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 1);
	assert_warned("44 CPUs beyond the 256 supported; booting the supported ones");
	assert_int_equal(info.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus_dropped, 44);
	assert_int_equal(info.cpus[255].apic_id, 510);
}

static void too_many_ioapics_and_overrides(void **state)
{
	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	for (uint8_t i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
		madt_ioapic(i, 0xfec00000 + i * 0x1000u, i * 24u);
	for (uint8_t i = 0; i < ACPI_MAX_OVERRIDES + 3; i++)
		madt_override(i, i, 0);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 2);
	assert_warned("1 I/O APICs beyond the 8 supported are ignored");
	assert_warned("3 interrupt overrides beyond the 24 supported are ignored");
	assert_int_equal(info.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[7].gsi_base, 7 * 24);
	assert_int_equal(info.noverrides, ACPI_MAX_OVERRIDES);
}

static void lapic_address_override(void **state)
{
	uint8_t e[12] = { 5, 12 };

	std_machine();
	put64(e + 4, 0x1fee00000ull);
	madt_begin();
	put32(madt + 4, 0);                     /* no 8259s */
	madt_lapic(0, 0, 1);
	madt_entry(e);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(info.lapic_phys, 0x1fee00000ull);
	assert_false(info.pcat_compat);
}

static void malformed_madt_entries(void **state)
{
	const uint8_t zero_len[2] = { 0, 0 }, short_lapic[6] = { 0, 6, 5, 5 };
	const uint8_t unknown[4] = { 0x7f, 4 }, too_long[8] = { 0, 200, 4, 4, 1 };

	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	madt_entry(short_lapic);                /* too short for its type: skipped */
	madt_entry(unknown);                    /* unknown type: passed over */
	madt_lapic(1, 1, 1);
	memcpy(madt + madt_len, zero_len, 2);   /* length 0: the walk stops */
	madt_len += 2;
	madt_lapic(2, 2, 1);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 2);
	assert_warned("entry at offset 52 (type 0) is only 6 bytes; skipped");
	assert_warned("entry at offset 70 (type 0) has length 0; the rest of the MADT is ignored");
	assert_int_equal(info.ncpus, 2);

	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	memcpy(madt + madt_len, too_long, 8);   /* runs past the table */
	madt_len += 8;
	madt_put(MADT);
	assert_true(parse());
	assert_warned("has length 200; the rest");
	assert_int_equal(info.ncpus, 1);

	std_machine();
	madt_begin();
	madt_lapic(0, 0, 1);
	madt[madt_len++] = 0;                   /* one stray byte at the end */
	madt_put(MADT);
	assert_true(parse());
	assert_warned("entry at offset 52 (type 0) has length 0");
}

static void hpet_and_fadt(void **state)
{
	std_machine();
	hpet_put(1, 0x400);                     /* I/O space */
	fadt_put(1, 116, 0);
	assert_true(parse());
	assert_warned("HPET at 0x400 in address space 1 is not in memory; ignored");
	assert_false(info.has_hpet);
	assert_true(info.fadt_found);
	assert_false(info.boot_arch_valid);

	std_machine();
	put_table(HPET, "HPET", 1, madt, 16);
	fadt_put(3, 110, ACPI_BOOT_8042);       /* one byte short of the flags */
	assert_true(parse());
	assert_warned("HPET table is only 52 bytes; ignored");
	assert_false(info.boot_arch_valid);

	std_machine();
	fadt_put(3, 111, ACPI_BOOT_NO_VGA);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_true(info.boot_arch_valid);
	assert_int_equal(info.boot_arch, ACPI_BOOT_NO_VGA);
}

/* An RSDP in fake memory, cut off where memory ends; bad: spoil its checksum. */
static void plant_rsdp(uint32_t phys, uint8_t rev, bool bad)
{
	uint8_t r[36];

	make_rsdp(r, rev, RSDT, 0);
	if (bad)
		r[8]++;
	memcpy(mem + phys, r, MEM_SIZE - phys < 36 ? MEM_SIZE - phys : 36);
}

static void set_ebda_segment(uint16_t seg)
{
	memcpy(mem + 0x40e, &seg, 2);
}

static void bios_area_scan(void **state)
{
	std_machine();
	assert_int_equal(acpi_scan_rsdp(fake_map), 0);

	plant_rsdp(0xe0000, 0, true);           /* wrong checksum first */
	plant_rsdp(0xe0108, 0, false);          /* not on a 16-byte boundary */
	plant_rsdp(0xf0010, 2, false);
	assert_int_equal(acpi_scan_rsdp(fake_map), 0xf0010);

	mem[0xf0010 + 32]++;                    /* extended checksum now bad */
	plant_rsdp(0xfffe0, 2, false);          /* 36 bytes run past memory */
	assert_int_equal(acpi_scan_rsdp(fake_map), 0);
	plant_rsdp(0xfffe0, 0, false);          /* ACPI 1.0's 20 bytes fit */
	assert_int_equal(acpi_scan_rsdp(fake_map), 0xfffe0);

	/* The EBDA is searched first, its first KiB only. */
	set_ebda_segment(0x9000);
	plant_rsdp(0x90000 + 0x3f0, 0, false);
	plant_rsdp(0x90000 + 0x410, 0, false);  /* past the first KiB */
	assert_int_equal(acpi_scan_rsdp(fake_map), 0x903f0);
	mem[0x903f0]++;
	assert_int_equal(acpi_scan_rsdp(fake_map), 0xfffe0);

	/* A segment pointing into the IVT/BDA is not believed. */
	set_ebda_segment(0x30);
	plant_rsdp(0x300, 0, false);
	assert_int_equal(acpi_scan_rsdp(fake_map), 0xfffe0);

	/* Near 0xa0000 the EBDA ends at 0xa0000, not a KiB later. */
	set_ebda_segment(0x9ff0);
	plant_rsdp(0xa0000, 0, false);
	assert_int_equal(acpi_scan_rsdp(fake_map), 0xfffe0);
	plant_rsdp(0x9fff0, 0, false);
	assert_int_equal(acpi_scan_rsdp(fake_map), 0x9fff0);
}

/* An RSDP found by the scan parses like the one the loader passes. */
static void scanned_rsdp_parses(void **state)
{
	uint64_t phys;

	std_machine();
	plant_rsdp(0xe4560, 0, false);
	phys = acpi_scan_rsdp(fake_map);
	assert_int_equal(phys, 0xe4560);
	assert_true(acpi_parse(mem + phys, fake_map, &info, warn));
	assert_int_equal(info.ncpus, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsdp_v1_and_rsdt),
		cmocka_unit_test(rsdp_v2_uses_xsdt),
		cmocka_unit_test(bad_xsdt_falls_back_to_rsdt),
		cmocka_unit_test(bad_rsdp),
		cmocka_unit_test(bad_tables_are_skipped),
		cmocka_unit_test(no_madt),
		cmocka_unit_test(disabled_and_online_capable),
		cmocka_unit_test(duplicate_apic_ids),
		cmocka_unit_test(x2apic_entries),
		cmocka_unit_test(more_cpus_than_supported),
		cmocka_unit_test(too_many_ioapics_and_overrides),
		cmocka_unit_test(lapic_address_override),
		cmocka_unit_test(malformed_madt_entries),
		cmocka_unit_test(hpet_and_fadt),
		cmocka_unit_test(bios_area_scan),
		cmocka_unit_test(scanned_rsdp_parses),
	};

	return cmocka_run_group_tests_name("arch/x86_64/acpi.c", tests, NULL, NULL);
}
