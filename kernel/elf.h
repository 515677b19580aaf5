#pragma once
/*
 * ELF64 executables, as the program loader sees them: which bytes of the
 * file go to which pages, with which permissions, and where to start.
 *
 * elf_parse() trusts nothing in the file. It accepts only what the loader
 * can map simply: a static x86-64 ET_EXEC (no interpreter, no dynamic
 * section) whose PT_LOAD segments lie inside a given address range, can be
 * mapped page by page from the file (address and offset agree modulo the
 * page size) and never share a page (a page has one set of permissions).
 * It is pure: no allocation, no mapping; the host tests run it unchanged.
 */
#include <stdint.h>

#define ELF_MAX_SEGMENTS 8
#define ELF_MAX_PHDRS    64     /* program headers; real programs have ~12 */
#define ELF_PAGE_SIZE    4096

/* Same values as MAP_WRITE/MAP_EXEC in kernel/syscall_abi.h; read is implied. */
#define ELF_PROT_WRITE 1
#define ELF_PROT_EXEC  2

/*
 * Map [vaddr, vaddr + memsz): its first filesz bytes come from the file at
 * offset, the rest is zero.
 */
struct elf_segment {
	uint64_t vaddr, memsz, offset, filesz;
	unsigned prot;                  /* ELF_PROT_* */
};

struct elf_image {
	uint64_t entry;
	unsigned nseg;                  /* PT_LOADs, in program header order */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	char error[64];                 /* what elf_parse() returned, if not NULL */
};

/*
 * Check that data[0..size) is a static x86-64 executable whose loadable
 * segments all lie in [lo, hi) and describe it in *out. NULL when it is
 * acceptable, otherwise a short message saying what is wrong ("not an ELF
 * file", "segment 2 reaches beyond the file", ...). The message lives in
 * out->error, so concurrent parses on several CPUs do not share it; a
 * segment's number is its program header's index, as readelf -l counts.
 * data needs no particular alignment. Empty PT_LOADs (memsz and filesz
 * both 0) map nothing and are skipped unchecked.
 */
const char *elf_parse(const void *data, uint64_t size, uint64_t lo, uint64_t hi,
		      struct elf_image *out);
