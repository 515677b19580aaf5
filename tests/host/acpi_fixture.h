#pragma once
/*
 * The fixture shared by the ACPI host tests (test_acpi.c, test_madt.c):
 * ACPI tables built by hand, with real checksums, in a fake 1 MiB of
 * physical memory that the map callback serves (NULL past its end, like an
 * unmapped range). Each test starts from one good machine (std_machine)
 * and breaks one thing. Every test_*.c is its own program, so the static
 * state here is one copy per program.
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

static inline const void *fake_map(uint64_t phys, uint64_t len)
{
	if (phys >= HIGH && phys - HIGH < HIGH_SIZE && len <= HIGH_SIZE - (phys - HIGH))
		return mem + HIGH_LOW + (phys - HIGH);
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	return mem + phys;
}

static inline void warn(const char *msg)
{
	assert_null(strchr(msg, '\n'));
	if (warnings < 16)
		strncpy(warned[warnings], msg, sizeof(warned[0]) - 1);
	warnings++;
}

/* The warning that contains text, or fail. */
static inline void assert_warned(const char *text)
{
	for (int i = 0; i < warnings && i < 16; i++) {
		if (strstr(warned[i], text))
			return;
	}
	fail_msg("no warning contains \"%s\" (%d warnings, first: \"%s\")", text, warnings,
		 warnings ? warned[0] : "");
}

static inline uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static inline void fix_checksum(uint32_t phys)
{
	uint32_t len;

	memcpy(&len, mem + phys + 4, 4);
	mem[phys + 9] = 0;
	mem[phys + 9] = (uint8_t)-sum(mem + phys, len);
}

/* A table with a valid header and checksum around body. */
static inline void put_table(uint32_t phys, const char *sig, uint8_t rev, const void *body,
			     uint32_t n)
{
	uint8_t *t = mem + phys;

	memcpy(t, sig, 4);
	put32(t + 4, 36 + n);
	t[8] = rev;
	memcpy(t + 10, "LULLOE", 6);
	memcpy(t + 36, body, n);
	fix_checksum(phys);
}

static inline void put_root(uint32_t phys, bool x, const uint64_t *tables, int n)
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

static inline void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
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

static inline void madt_entry(const uint8_t *e)
{
	memcpy(madt + madt_len, e, e[1]);
	madt_len += e[1];
}

static inline void madt_lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };

	put32(e + 4, flags);
	madt_entry(e);
}

static inline void madt_x2apic(uint32_t id, uint32_t uid, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };

	put32(e + 4, id);
	put32(e + 8, flags);
	put32(e + 12, uid);
	madt_entry(e);
}

static inline void madt_ioapic(uint8_t id, uint32_t phys, uint32_t gsi)
{
	uint8_t e[12] = { 1, 12, id };

	put32(e + 4, phys);
	put32(e + 8, gsi);
	madt_entry(e);
}

static inline void madt_override(uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = { 2, 10, 0, irq };

	put32(e + 4, gsi);
	memcpy(e + 8, &flags, 2);
	madt_entry(e);
}

static inline void madt_begin(void)
{
	madt_len = 8;
	put32(madt, 0xfee00000);
	put32(madt + 4, 1);             /* PCAT_COMPAT */
}

static inline void madt_put(uint32_t phys)
{
	put_table(phys, "APIC", 5, madt, madt_len);
}

static inline void hpet_put(uint8_t space, uint64_t addr)
{
	uint8_t body[20] = { 0 };

	body[4] = space;
	put64(body + 8, addr);
	put_table(HPET, "HPET", 1, body, sizeof(body));
}

static inline void fadt_put(uint8_t rev, uint32_t len, uint16_t boot_arch)
{
	uint8_t body[244] = { 0 };

	memcpy(body + 109 - 36, &boot_arch, 2);
	put_table(FADT, "FACP", rev, body, len - 36);
}

/* A good 8-CPU machine: RSDT and XSDT both list MADT, HPET and FADT. */
static inline void std_machine(void)
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

static inline bool parse(void)
{
	return acpi_parse(rsdp, fake_map, &info, warn);
}
