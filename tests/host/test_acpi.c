/*
 * Host tests for arch/x86_64/acpi.c, the tables around the MADT: the RSDP
 * and its checksums, RSDT against XSDT, tables skipped for bad lengths or
 * checksums, the HPET and FADT, and the scan of the BIOS area for the RSDP.
 * The MADT's entries are tested in test_madt.c; the fake memory and the
 * table builders are in acpi_fixture.h.
 */
#include "tests/host/acpi_fixture.h"

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
	assert_int_equal(warnings, 1);          /* too short for the PM timer's fields */
	assert_warned("FADT is only 111 bytes; no PM timer read from it");
	assert_true(info.boot_arch_valid);
	assert_int_equal(info.boot_arch, ACPI_BOOT_NO_VGA);
}

/* A FADT of len bytes with a PM timer at port (PM_TMR_LEN 4 when port is
 * given), the flags word, and X_PM_TMR_BLK in space x_space at x_addr. */
static void fadt_pm_put(uint8_t rev, uint32_t len, uint32_t port, uint32_t flags,
			uint8_t x_space, uint64_t x_addr)
{
	uint8_t body[244 - 36] = { 0 };

	put32(body + 76 - 36, port);
	body[91 - 36] = port ? 4 : 0;
	put32(body + 112 - 36, flags);
	body[208 - 36] = x_space;
	put64(body + 212 - 36, x_addr);
	put_table(FADT, "FACP", rev, body, len - 36);
}

static void pm_timer(void **state)
{
	/* The standard machine's FADT has none. */
	std_machine();
	assert_true(parse());
	assert_int_equal(info.pm_timer_port, 0);

	/* ACPI 1.0: PM_TMR_BLK, a 24-bit counter (QEMU's PIIX4 answers at 0x608). */
	std_machine();
	fadt_pm_put(1, 116, 0x608, 0, 0, 0);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.pm_timer_32bit);

	/* ACPI 2.0+: X_PM_TMR_BLK wins where it is filled in; TMR_VAL_EXT. */
	std_machine();
	fadt_pm_put(4, 244, 0x408, 1u << 8, 1, 0xb008);
	assert_true(parse());
	assert_int_equal(info.pm_timer_port, 0xb008);
	assert_true(info.pm_timer_32bit);
	/* An empty X_PM_TMR_BLK: the 32-bit field. */
	std_machine();
	fadt_pm_put(4, 244, 0x408, 0, 0, 0);
	assert_true(parse());
	assert_int_equal(info.pm_timer_port, 0x408);
	/* A revision 1 table does not have the 64-bit fields, whatever its length. */
	std_machine();
	fadt_pm_put(1, 244, 0x408, 0, 1, 0xb008);
	assert_true(parse());
	assert_int_equal(info.pm_timer_port, 0x408);

	/* In memory space: said, and not used (lull reads it by port I/O). */
	std_machine();
	fadt_pm_put(4, 244, 0x408, 0, 0, 0xfed80000);
	assert_true(parse());
	assert_warned("PM timer at 0xfed80000 in address space 0 is not in I/O space; not used");
	assert_int_equal(info.pm_timer_port, 0);
	std_machine();
	fadt_pm_put(4, 244, 0, 0, 1, 0x10000);
	assert_true(parse());
	assert_warned("PM timer at port 0x10000 is past the I/O space; not used");
	assert_int_equal(info.pm_timer_port, 0);

	/* Hardware-reduced ACPI has no fixed hardware, so no PM timer. */
	std_machine();
	fadt_pm_put(5, 244, 0x408, 1u << 20, 1, 0xb008);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_int_equal(info.pm_timer_port, 0);
	/* PM_TMR_LEN 0: no timer, whatever the port says. */
	std_machine();
	fadt_pm_put(1, 116, 0, 0, 0, 0);
	put32(mem + FADT + 76, 0x608);
	fix_checksum(FADT);
	assert_true(parse());
	assert_int_equal(info.pm_timer_port, 0);
	/* Too short to hold the ACPI 1.0 fields. */
	std_machine();
	fadt_pm_put(1, 100, 0x608, 0, 0, 0);
	assert_true(parse());
	assert_warned("FADT is only 100 bytes; no PM timer read from it");
	assert_int_equal(info.pm_timer_port, 0);
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
		cmocka_unit_test(hpet_and_fadt),
		cmocka_unit_test(pm_timer),
		cmocka_unit_test(bios_area_scan),
		cmocka_unit_test(scanned_rsdp_parses),
	};

	return cmocka_run_group_tests_name("arch/x86_64/acpi.c", tests, NULL, NULL);
}
