/*
 * Host tests for arch/x86_64/acpi.c's MADT walk: CPUs enabled, absent and
 * hot-pluggable, x2APIC entries, duplicate APIC ids, more CPUs, I/O APICs
 * and overrides than lull keeps, the LAPIC address override and malformed
 * entries. Each test rewrites the MADT of acpi_fixture.h's good machine.
 */
#include "tests/host/acpi_fixture.h"

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

/*
 * QEMU's layout for -smp 4,maxcpus=16: an entry per possible CPU, the 12
 * not plugged in with flags 0; past APIC id 254 its entries are x2APIC
 * ones, also absent until plugged in (a machine with more than 255 CPUs).
 */
static void many_absent_cpus(void **state)
{
	std_machine();
	madt_begin();
	for (uint8_t i = 0; i < 16; i++)
		madt_lapic(i, i, i < 4 ? 1 : 0);
	for (uint32_t id = 255; id < 288; id++)
		madt_x2apic(id, id, 0);
	madt_put(MADT);
	assert_true(parse());
	assert_int_equal(warnings, 0);
	assert_int_equal(info.ncpus, 4);
	assert_int_equal(info.cpus_disabled, 12 + 33);
	assert_int_equal(info.cpus_dropped, 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_true(info.cpus[i].enabled);
	}
	assert_int_equal(acpi_cpu_index(&info, 4), -1);
	assert_int_equal(acpi_cpu_index(&info, 255), -1);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disabled_and_online_capable),
		cmocka_unit_test(duplicate_apic_ids),
		cmocka_unit_test(x2apic_entries),
		cmocka_unit_test(many_absent_cpus),
		cmocka_unit_test(more_cpus_than_supported),
		cmocka_unit_test(too_many_ioapics_and_overrides),
		cmocka_unit_test(lapic_address_override),
		cmocka_unit_test(malformed_madt_entries),
	};

	return cmocka_run_group_tests_name("arch/x86_64/acpi.c: MADT", tests, NULL, NULL);
}
