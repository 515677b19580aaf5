/*
 * Host tests for kernel/elf.c: one good static executable built by hand,
 * then one mutation per check, each of which must be turned away with its
 * own message. The builder writes fields at their gABI byte offsets rather
 * than through structs, so a layout mistake in elf.c cannot hide behind the
 * same mistake here. Every parse reads from a malloc block of exactly the
 * image's size, so valgrind or ASan sees any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/elf.h"

#define LO 0x400000ull
#define HI 0x0000800000000000ull       /* the lower canonical half */

enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
       PT_GNU_STACK = 0x6474e551 };
enum { PF_X = 1, PF_W = 2, PF_R = 4 };

/*
 * The good image: headers 0 PT_NOTE, 1 text (R X, holds the ELF header as
 * ld lays it out), 2 data (R W, with bss), 3 PT_GNU_STACK. Data reaches
 * the last byte of the file, so every shorter prefix is bad.
 */
#define PHOFF     64
#define NPHDR     4
#define TEXT      1
#define DATA      2
#define IMG_SIZE  0x2800
#define ENTRY     0x401000ull

static uint8_t img[IMG_SIZE + 9 * 56 + 64];   /* room for extra headers */
static struct elf_image out;

static void put16(uint64_t off, uint16_t v) { memcpy(img + off, &v, 2); }
static void put32(uint64_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void put64(uint64_t off, uint64_t v) { memcpy(img + off, &v, 8); }

/* Program header i, at the gABI's Elf64_Phdr offsets. */
static void phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t offset,
		 uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	uint64_t p = PHOFF + 56ull * i;

	put32(p + 0, type);
	put32(p + 4, flags);
	put64(p + 8, offset);
	put64(p + 16, vaddr);
	put64(p + 24, vaddr);           /* p_paddr: unused */
	put64(p + 32, filesz);
	put64(p + 40, memsz);
	put64(p + 48, 0x1000);          /* p_align: not checked */
}

static void good_image(void)
{
	memset(img, 0xcc, sizeof(img));
	memset(img, 0, 64);
	memcpy(img, "\177ELF", 4);
	img[4] = 2;                     /* ELFCLASS64 */
	img[5] = 1;                     /* ELFDATA2LSB */
	img[6] = 1;                     /* EV_CURRENT */
	put16(16, 2);                   /* e_type: ET_EXEC */
	put16(18, 62);                  /* e_machine: EM_X86_64 */
	put32(20, 1);                   /* e_version */
	put64(24, ENTRY);
	put64(32, PHOFF);
	put16(52, 64);                  /* e_ehsize */
	put16(54, 56);                  /* e_phentsize */
	put16(56, NPHDR);
	phdr(0, PT_NOTE, PF_R, 0x300, 0x400300, 0x20, 0x20);
	phdr(TEXT, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1800, 0x1800);
	phdr(DATA, PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x800, 0x3000);
	phdr(3, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
}

static uint64_t ph_field(unsigned i, unsigned field) { return PHOFF + 56ull * i + field; }

/* Parse the first size bytes of img from a block of exactly that size. */
static const char *parse_range(uint64_t size, uint64_t lo, uint64_t hi)
{
	uint8_t *copy = malloc(size ? size : 1);
	const char *err;

	assert_non_null(copy);
	memcpy(copy, img, size);
	err = elf_parse(copy, size, lo, hi, &out);
	free(copy);
	return err;
}

static const char *parse(void)
{
	return parse_range(IMG_SIZE, LO, HI);
}

static void rejects(const char *err, const char *why)
{
	if (!err || !strstr(err, why))
		fail_msg("wanted \"%s\", got \"%s\"", why, err ? err : "(accepted)");
	assert_int_equal(out.nseg, 0);
}

static void accepts(const char *err)
{
	if (err)
		fail_msg("rejected: %s", err);
}

static void accepts_good_image(void **state)
{
	good_image();
	accepts(parse());
	assert_int_equal(out.entry, ENTRY);
	assert_int_equal(out.nseg, 2);
	assert_int_equal(out.seg[0].vaddr, 0x400000);
	assert_int_equal(out.seg[0].memsz, 0x1800);
	assert_int_equal(out.seg[0].offset, 0);
	assert_int_equal(out.seg[0].filesz, 0x1800);
	assert_int_equal(out.seg[0].prot, ELF_PROT_EXEC);
	assert_int_equal(out.seg[1].vaddr, 0x402000);
	assert_int_equal(out.seg[1].memsz, 0x3000);
	assert_int_equal(out.seg[1].offset, 0x2000);
	assert_int_equal(out.seg[1].filesz, 0x800);
	assert_int_equal(out.seg[1].prot, ELF_PROT_WRITE);
}

static void accepts_unaligned_buffer(void **state)
{
	uint8_t *buf = malloc(IMG_SIZE + 1);

	good_image();
	memcpy(buf + 1, img, IMG_SIZE);
	accepts(elf_parse(buf + 1, IMG_SIZE, LO, HI, &out));
	assert_int_equal(out.nseg, 2);
	assert_int_equal(out.seg[1].filesz, 0x800);
	free(buf);
}

static void accepts_exact_fits(void **state)
{
	/* Text up to a page boundary and data from it: no page is shared. */
	good_image();
	put64(ph_field(TEXT, 32), 0x2000);
	put64(ph_field(TEXT, 40), 0x2000);
	accepts(parse());
	/* The range [lo, hi) is tight on both sides. */
	good_image();
	accepts(parse_range(IMG_SIZE, 0x400000, 0x405000));
	good_image();
	rejects(parse_range(IMG_SIZE, 0x400000, 0x404fff), "segment 2 lies outside");
	good_image();
	rejects(parse_range(IMG_SIZE, 0x400001, HI), "segment 1 lies outside");
	/* The entry point may be a segment's last byte, not one past it. */
	good_image();
	put64(24, 0x4017ff);
	accepts(parse());
	put64(24, 0x401800);
	rejects(parse(), "entry point");
}

static void ignores_other_types_and_empty_loads(void **state)
{
	good_image();
	/* Ignored types are not even bounds-checked: nothing maps them. */
	phdr(0, 0x6474e553 /* PT_GNU_PROPERTY */, PF_R, UINT64_MAX, UINT64_MAX, 9, 9);
	phdr(3, PT_LOAD, PF_R | PF_W | PF_X, UINT64_MAX, UINT64_MAX, 0, 0);
	accepts(parse());
	assert_int_equal(out.nseg, 2);
}

static void rejects_short_file(void **state)
{
	good_image();
	rejects(parse_range(63, LO, HI), "too short for an ELF header");
}

static void rejects_bad_magic(void **state)
{
	good_image();
	img[1] = 'e';
	rejects(parse(), "not an ELF file");
}

static void rejects_32_bit(void **state)
{
	good_image();
	img[4] = 1;
	rejects(parse(), "not a 64-bit ELF file");
}

static void rejects_big_endian(void **state)
{
	good_image();
	img[5] = 2;
	rejects(parse(), "not little-endian");
}

static void rejects_bad_version(void **state)
{
	good_image();
	img[6] = 0;
	rejects(parse(), "unknown ELF version");
	good_image();
	put32(20, 2);
	rejects(parse(), "unknown ELF version");
}

static void rejects_non_executable(void **state)
{
	good_image();
	put16(16, 3);                   /* ET_DYN: a PIE or a shared library */
	rejects(parse(), "ET_EXEC");
	put16(16, 1);                   /* ET_REL */
	rejects(parse(), "ET_EXEC");
}

static void rejects_other_machine(void **state)
{
	good_image();
	put16(18, 3);                   /* EM_386 */
	rejects(parse(), "not an x86-64 program");
}

static void rejects_bad_phentsize(void **state)
{
	good_image();
	put16(54, 64);
	rejects(parse(), "program header size");
}

static void rejects_too_many_phdrs(void **state)
{
	good_image();
	put16(56, ELF_MAX_PHDRS + 1);
	rejects(parse(), "program headers");
	put16(56, 0xffff);              /* PN_XNUM */
	rejects(parse(), "program headers");
}

static void rejects_phdr_table_outside_file(void **state)
{
	good_image();
	put64(32, IMG_SIZE - 56 * NPHDR + 1);
	rejects(parse(), "program header table reaches beyond the file");
	/* phoff + table size wraps to a small number: still outside. */
	put64(32, UINT64_MAX - 100);
	rejects(parse(), "program header table reaches beyond the file");
}

static void rejects_interpreter(void **state)
{
	good_image();
	put32(ph_field(3, 0), PT_INTERP);
	rejects(parse(), "interpreter");
}

static void rejects_dynamic(void **state)
{
	good_image();
	put32(ph_field(3, 0), PT_DYNAMIC);
	rejects(parse(), "PT_DYNAMIC");
}

static void rejects_filesz_above_memsz(void **state)
{
	good_image();
	put64(ph_field(DATA, 40), 0x7ff);
	rejects(parse(), "segment 2: file size exceeds memory size");
	/* Not mistaken for an empty segment to skip. */
	put64(ph_field(DATA, 40), 0);
	rejects(parse(), "segment 2: file size exceeds memory size");
}

static void rejects_segment_beyond_file(void **state)
{
	good_image();
	put64(ph_field(DATA, 32), 0x801);
	rejects(parse(), "segment 2 reaches beyond the file");
}

static void rejects_offset_wrapping(void **state)
{
	/* offset + filesz = 2^64 + 0x1000: wraps to inside the file. */
	good_image();
	put64(ph_field(DATA, 8), 0xfffffffffffff000ull);
	put64(ph_field(DATA, 32), 0x2000);
	rejects(parse(), "segment 2 reaches beyond the file");
}

static void rejects_vaddr_wrapping(void **state)
{
	/* Wide open range, so only the overflow check can catch it. */
	good_image();
	put64(ph_field(DATA, 16), 0xfffffffffffff000ull);
	put64(ph_field(DATA, 40), 0x2000);
	rejects(parse_range(IMG_SIZE, 0, UINT64_MAX), "segment 2 wraps around");
}

static void rejects_segment_outside_range(void **state)
{
	good_image();
	put64(ph_field(DATA, 16), 0x0000800000000000ull);
	rejects(parse(), "segment 2 lies outside the allowed range");
	good_image();
	put64(ph_field(DATA, 16), 0x0000800000000000ull - 0x2000);
	rejects(parse(), "segment 2 lies outside the allowed range");
	good_image();
	put64(ph_field(TEXT, 16), 0x3ff000);
	put64(24, 0x3ff100);
	rejects(parse(), "segment 1 lies outside the allowed range");
}

static void rejects_misaligned_offset(void **state)
{
	good_image();
	put64(ph_field(DATA, 8), 0x2010);
	put64(ph_field(DATA, 32), 0x7f0);
	rejects(parse(), "segment 2: address and offset differ mod 4096");
}

static void rejects_shared_page(void **state)
{
	/* Data starts in the page where text ends: one page, two protections. */
	good_image();
	put64(ph_field(DATA, 16), 0x401800);
	put64(ph_field(DATA, 8), 0x1800);
	rejects(parse(), "segments 1 and 2 share a page");
	/* Full overlap, data listed first. */
	good_image();
	phdr(0, PT_LOAD, PF_R | PF_W, 0x2000, 0x400000, 0x10, 0x10);
	rejects(parse(), "segments 0 and 1 share a page");
}

/* n PT_LOADs, one page each, the first executable and holding the entry. */
static void many_loads(unsigned n)
{
	good_image();
	put16(56, n);
	for (unsigned i = 0; i < n; i++)
		phdr(i, PT_LOAD, i ? PF_R : PF_R | PF_X, 0x1000, 0x401000 + 0x1000ull * i,
		     0x100, 0x100);
}

static void segment_count_limit(void **state)
{
	many_loads(ELF_MAX_SEGMENTS);
	accepts(parse());
	assert_int_equal(out.nseg, ELF_MAX_SEGMENTS);
	assert_int_equal(out.seg[ELF_MAX_SEGMENTS - 1].vaddr, 0x408000);
	many_loads(ELF_MAX_SEGMENTS + 1);
	rejects(parse(), "more than 8 loadable segments");
}

static void rejects_no_load(void **state)
{
	good_image();
	put32(ph_field(TEXT, 0), PT_NOTE);
	put32(ph_field(DATA, 0), PT_NOTE);
	rejects(parse(), "no loadable segment");
}

static void rejects_bad_entry(void **state)
{
	good_image();
	put64(24, 0x500000);            /* in no segment */
	rejects(parse(), "entry point is not in an executable segment");
	put64(24, 0x402100);            /* in data */
	rejects(parse(), "entry point is not in an executable segment");
	good_image();                   /* text without PF_X */
	put32(ph_field(TEXT, 4), PF_R);
	rejects(parse(), "entry point is not in an executable segment");
}

static void rejects_every_truncation(void **state)
{
	for (uint64_t len = 0; len < IMG_SIZE; len++) {
		good_image();
		assert_non_null(parse_range(len, LO, HI));
	}
	accepts(parse_range(IMG_SIZE, LO, HI));
}

/*
 * A program from the real toolchain, when another build has made one:
 * build/user/hello.elf, found from this binary (build/host/test_elf) so
 * that the test does not depend on the directory it is run from.
 */
static FILE *open_hello(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	char *slash;

	if (n <= 0)
		return NULL;
	path[n] = 0;
	slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	strcpy(slash, "/../user/hello.elf");
	return fopen(path, "rb");
}

static void accepts_toolchain_hello(void **state)
{
	FILE *f = open_hello();
	uint8_t *buf;
	long size;

	if (!f)
		skip();
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, size, f), size);
	fclose(f);
	accepts(elf_parse(buf, size, 0x400000, HI, &out));
	assert_true(out.nseg >= 1);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_good_image),
		cmocka_unit_test(accepts_unaligned_buffer),
		cmocka_unit_test(accepts_exact_fits),
		cmocka_unit_test(ignores_other_types_and_empty_loads),
		cmocka_unit_test(rejects_short_file),
		cmocka_unit_test(rejects_bad_magic),
		cmocka_unit_test(rejects_32_bit),
		cmocka_unit_test(rejects_big_endian),
		cmocka_unit_test(rejects_bad_version),
		cmocka_unit_test(rejects_non_executable),
		cmocka_unit_test(rejects_other_machine),
		cmocka_unit_test(rejects_bad_phentsize),
		cmocka_unit_test(rejects_too_many_phdrs),
		cmocka_unit_test(rejects_phdr_table_outside_file),
		cmocka_unit_test(rejects_interpreter),
		cmocka_unit_test(rejects_dynamic),
		cmocka_unit_test(rejects_filesz_above_memsz),
		cmocka_unit_test(rejects_segment_beyond_file),
		cmocka_unit_test(rejects_offset_wrapping),
		cmocka_unit_test(rejects_vaddr_wrapping),
		cmocka_unit_test(rejects_segment_outside_range),
		cmocka_unit_test(rejects_misaligned_offset),
		cmocka_unit_test(rejects_shared_page),
		cmocka_unit_test(segment_count_limit),
		cmocka_unit_test(rejects_no_load),
		cmocka_unit_test(rejects_bad_entry),
		cmocka_unit_test(rejects_every_truncation),
		cmocka_unit_test(accepts_toolchain_hello),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
