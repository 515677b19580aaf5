/*
 * Host tests for kernel/multiboot2.c: boot information built by hand, good
 * and malformed, the way GRUB lays it out (8-byte aligned tags).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "kernel/multiboot2.h"

static uint8_t mbi[8192] __attribute__((aligned(8)));
static size_t mbi_len;
static int warnings;
static char last_warning[256];

static void warn(const char *msg)
{
	warnings++;
	strncpy(last_warning, msg, sizeof(last_warning) - 1);
}

static void begin(void)
{
	memset(mbi, 0, sizeof(mbi));
	mbi_len = 8;
	warnings = 0;
	last_warning[0] = 0;
}

/* Append a tag with the given payload; returns a pointer to the tag. */
static uint8_t *tag(uint32_t type, const void *payload, uint32_t len)
{
	uint8_t *t = mbi + mbi_len;
	uint32_t size = 8 + len;

	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	if (payload)
		memcpy(t + 8, payload, len);
	mbi_len += (size + 7) & ~7u;
	return t;
}

static void end(void)
{
	tag(0, NULL, 0);
	uint32_t total = (uint32_t)mbi_len;
	memcpy(mbi, &total, 4);
}

static void mmap_tag(const uint64_t (*e)[3], int n)
{
	uint8_t buf[1024];
	uint32_t esize = 24, version = 0;

	memcpy(buf, &esize, 4);
	memcpy(buf + 4, &version, 4);
	for (int i = 0; i < n; i++) {
		uint32_t type = (uint32_t)e[i][2], zero = 0;
		memcpy(buf + 8 + i * 24, &e[i][0], 8);
		memcpy(buf + 16 + i * 24, &e[i][1], 8);
		memcpy(buf + 24 + i * 24, &type, 4);
		memcpy(buf + 28 + i * 24, &zero, 4);
	}
	tag(6, buf, 8 + 24 * n);
}

static void parses_common_tags(void **state)
{
	struct boot_info bi;
	const uint64_t map[][3] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x7ee0000, 1 },
				    { 0xfffc0000, 0x40000, 2 } };
	uint8_t rsdp[36] = "RSD PTR ";

	begin();
	tag(1, "ktest=all pti=off", 18);
	tag(2, "GRUB 2.06", 10);
	mmap_tag(map, 3);
	rsdp[15] = 2;
	tag(15, rsdp, 36);
	end();

	assert_true(mb2_parse(mbi, 0x10000, &bi, warn));
	assert_int_equal(warnings, 0);
	assert_string_equal(bi.cmdline, "ktest=all pti=off");
	assert_false(bi.cmdline_cut);
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.memmap.n, 3);
	assert_int_equal(bi.memmap.e[1].base, 0x100000);
	assert_int_equal(bi.memmap.e[2].type, MEMMAP_RESERVED);
	assert_int_equal(bi.rsdp_version, 2);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	assert_int_equal(bi.mbi_phys, 0x10000);
	assert_int_equal(bi.mbi_size, mbi_len);
	assert_false(bi.efi);
}

static void rgb_framebuffer(void **state)
{
	struct boot_info bi;
	uint8_t fb[30] = { 0 };
	uint64_t addr = 0xfd000000;
	uint32_t pitch = 3200, w = 800, h = 600;

	begin();
	memcpy(fb, &addr, 8);
	memcpy(fb + 8, &pitch, 4);
	memcpy(fb + 12, &w, 4);
	memcpy(fb + 16, &h, 4);
	fb[20] = 32;            /* bpp */
	fb[21] = 1;             /* RGB */
	/* 2 reserved bytes, then the colour fields (GRUB's layout). */
	fb[24] = 16; fb[25] = 8; fb[26] = 8; fb[27] = 8; fb[28] = 0; fb[29] = 8;
	tag(8, fb, sizeof(fb));
	end();

	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(bi.fb.kind, FB_RGB);
	assert_int_equal(bi.fb.phys, addr);
	assert_int_equal(bi.fb.width, 800);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.green_pos, 8);
	assert_int_equal(bi.fb.blue_pos, 0);
	assert_int_equal(bi.fb.blue_size, 8);
}

static void efi_memory_map_used_when_alone(void **state)
{
	struct boot_info bi;
	uint8_t buf[8 + 2 * 40] = { 0 };
	uint32_t dsize = 40, type;
	uint64_t phys, pages;

	begin();
	tag(12, "\0\0\0\0\0\0\0\0", 8);              /* EFI64 system table */
	memcpy(buf, &dsize, 4);
	type = 7; phys = 0x100000; pages = 256;      /* conventional memory */
	memcpy(buf + 8, &type, 4); memcpy(buf + 16, &phys, 8); memcpy(buf + 32, &pages, 8);
	type = 10; phys = 0x200000; pages = 1;       /* ACPI NVS */
	memcpy(buf + 48, &type, 4); memcpy(buf + 56, &phys, 8); memcpy(buf + 72, &pages, 8);
	tag(17, buf, sizeof(buf));
	end();

	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_true(bi.efi);
	assert_true(bi.memmap_efi);
	assert_int_equal(bi.memmap.n, 2);
	assert_int_equal(bi.memmap.e[0].len, 256 * 4096);
	assert_int_equal(bi.memmap.e[0].type, MEMMAP_USABLE);
	assert_int_equal(bi.memmap.e[1].type, MEMMAP_ACPI_NVS);
}

static void bios_map_preferred_over_efi_map(void **state)
{
	struct boot_info bi;
	const uint64_t map[][3] = { { 0x100000, 0x100000, 1 } };
	uint8_t efi[8 + 40] = { 0 };
	uint32_t dsize = 40;

	begin();
	mmap_tag(map, 1);
	memcpy(efi, &dsize, 4);
	tag(17, efi, sizeof(efi));
	end();

	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_false(bi.memmap_efi);
	assert_int_equal(bi.memmap.n, 1);
}

static void old_rsdp_does_not_replace_new(void **state)
{
	struct boot_info bi;
	uint8_t v2[36] = "RSD PTR 2", v1[20] = "RSD PTR 1";

	begin();
	tag(15, v2, 36);
	tag(14, v1, 20);
	end();
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(bi.rsdp_version, 2);
	assert_int_equal(bi.rsdp[8], '2');
}

static void long_cmdline_is_cut(void **state)
{
	struct boot_info bi;
	char line[CMDLINE_MAX + 100];

	begin();
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	tag(1, line, sizeof(line));
	end();
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_true(bi.cmdline_cut);
	assert_int_equal(strlen(bi.cmdline), CMDLINE_MAX - 1);
}

static void unbelievable_total_size(void **state)
{
	struct boot_info bi;
	uint32_t total = 4;

	begin();
	memcpy(mbi, &total, 4);
	assert_false(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(warnings, 1);
	total = 64u << 20;
	memcpy(mbi, &total, 4);
	assert_false(mb2_parse(mbi, 0, &bi, warn));
}

static void oversized_tag_stops_parse(void **state)
{
	struct boot_info bi;
	uint8_t *t;
	uint32_t huge = 100000;

	begin();
	tag(2, "GRUB", 5);
	t = tag(1, "x", 2);
	memcpy(t + 4, &huge, 4);                     /* claims to run past the end */
	end();
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_string_equal(bi.loader, "GRUB");
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(warnings, 1);
	assert_non_null(strstr(last_warning, "stopped"));
}

static void missing_end_tag_and_tiny_tag(void **state)
{
	struct boot_info bi;
	uint32_t total, tiny = 4;
	uint8_t *t;

	begin();
	tag(2, "GRUB", 5);
	total = (uint32_t)mbi_len;                   /* no end tag */
	memcpy(mbi, &total, 4);
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(warnings, 1);
	assert_non_null(strstr(last_warning, "no end tag"));

	begin();
	t = tag(2, "GRUB", 5);
	memcpy(t + 4, &tiny, 4);                     /* smaller than a tag header */
	end();
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(warnings, 1);
}

static void bad_mmap_entry_size(void **state)
{
	struct boot_info bi;
	uint32_t payload[4] = { 8, 0, 0, 0 };        /* entry size 8: too small */

	begin();
	tag(6, payload, sizeof(payload));
	end();
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(bi.memmap.n, 0);
	assert_int_equal(warnings, 1);
}

static void modules_recorded_and_capped(void **state)
{
	struct boot_info bi;
	uint8_t mod[8 + 8] = { 0 };
	uint32_t start = 0x400000, endp = 0x401000;

	begin();
	memcpy(mod, &start, 4);
	memcpy(mod + 4, &endp, 4);
	memcpy(mod + 8, "noise", 6);
	for (int i = 0; i < BOOT_MODULES_MAX + 2; i++)
		tag(3, mod, sizeof(mod));
	end();
	assert_true(mb2_parse(mbi, 0, &bi, warn));
	assert_int_equal(bi.nmodules, BOOT_MODULES_MAX);
	assert_int_equal(bi.modules[0].start, 0x400000);
	assert_int_equal(bi.modules[0].end, 0x401000);
	assert_string_equal(bi.modules[0].name, "noise");
	assert_int_equal(warnings, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_common_tags),
		cmocka_unit_test(rgb_framebuffer),
		cmocka_unit_test(efi_memory_map_used_when_alone),
		cmocka_unit_test(bios_map_preferred_over_efi_map),
		cmocka_unit_test(old_rsdp_does_not_replace_new),
		cmocka_unit_test(long_cmdline_is_cut),
		cmocka_unit_test(unbelievable_total_size),
		cmocka_unit_test(oversized_tag_stops_parse),
		cmocka_unit_test(missing_end_tag_and_tiny_tag),
		cmocka_unit_test(bad_mmap_entry_size),
		cmocka_unit_test(modules_recorded_and_capped),
	};
	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
