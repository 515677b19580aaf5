/*
 * ELF64 executable checks for the program loader; see kernel/elf.h.
 * Layouts follow the System V gABI and its x86-64 supplement. The file may
 * sit at any alignment in memory, so the headers are copied out with
 * memcpy rather than read through a cast pointer; lull and its host tests
 * both run little-endian, so the copied fields need no byte swapping.
 *
 * Every sum of two values from the file is checked for overflow: a header
 * claiming offset 0xffff...f000 and size 0x2000 must not look like a small
 * segment at the start of the file.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include "kernel/elf.h"
#include "kernel/format.h"
#include "kernel/string.h"
#include "kernel/syscall_abi.h"

_Static_assert(ELF_PROT_WRITE == MAP_WRITE && ELF_PROT_EXEC == MAP_EXEC,
	       "an elf_segment's prot is passed to the mapper as it is");

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "gABI: Elf64_Ehdr is 64 bytes");
_Static_assert(offsetof(struct elf64_ehdr, phoff) == 32, "gABI: e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, phnum) == 56, "gABI: e_phnum");
_Static_assert(sizeof(struct elf64_phdr) == 56, "gABI: Elf64_Phdr is 56 bytes");
_Static_assert(offsetof(struct elf64_phdr, memsz) == 40, "gABI: p_memsz");

enum { EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6 };
enum { ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1 };
enum { ET_EXEC = 2, EM_X86_64 = 62 };
enum { PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3 };
enum { PF_X = 1, PF_W = 2 };

#define PAGE_MASK (~(uint64_t)(ELF_PAGE_SIZE - 1))

static const char *__attribute__((format(printf, 2, 3)))
fail(struct elf_image *out, const char *fmt, ...)
{
	va_list ap;

	out->nseg = 0;          /* a rejected image describes nothing */
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof(out->error), fmt, ap);
	va_end(ap);
	return out->error;
}

static const char *check_header(const uint8_t *p, uint64_t size,
				struct elf64_ehdr *eh, struct elf_image *out)
{
	uint64_t table, end;

	if (size < sizeof(*eh))
		return fail(out, "too short for an ELF header");
	memcpy(eh, p, sizeof(*eh));
	if (memcmp(eh->ident, "\177ELF", 4) != 0)
		return fail(out, "not an ELF file");
	if (eh->ident[EI_CLASS] != ELFCLASS64)
		return fail(out, "not a 64-bit ELF file");
	if (eh->ident[EI_DATA] != ELFDATA2LSB)
		return fail(out, "not little-endian");
	if (eh->ident[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return fail(out, "unknown ELF version");
	if (eh->type != ET_EXEC)
		return fail(out, "not a fixed-address executable (ET_EXEC)");
	if (eh->machine != EM_X86_64)
		return fail(out, "not an x86-64 program");
	if (eh->phentsize != sizeof(struct elf64_phdr))
		return fail(out, "program header size is not 56");
	/* Also turns away PN_XNUM (0xffff: the count is elsewhere). */
	if (eh->phnum > ELF_MAX_PHDRS)
		return fail(out, "more than %d program headers", ELF_MAX_PHDRS);
	table = (uint64_t)eh->phnum * sizeof(struct elf64_phdr);
	if (__builtin_add_overflow(eh->phoff, table, &end) || end > size)
		return fail(out, "program header table reaches beyond the file");
	return NULL;
}

/* A PT_LOAD (number i) on its own: inside the file, the range, page-mappable. */
static const char *check_load(const struct elf64_phdr *ph, unsigned i, uint64_t size,
			      uint64_t lo, uint64_t hi, struct elf_image *out)
{
	uint64_t file_end, mem_end;

	if (ph->filesz > ph->memsz)
		return fail(out, "segment %u: file size exceeds memory size", i);
	if (__builtin_add_overflow(ph->offset, ph->filesz, &file_end) || file_end > size)
		return fail(out, "segment %u reaches beyond the file", i);
	if (__builtin_add_overflow(ph->vaddr, ph->memsz, &mem_end))
		return fail(out, "segment %u wraps around the address space", i);
	if (ph->vaddr < lo || mem_end > hi)
		return fail(out, "segment %u lies outside the allowed range", i);
	/* The loader maps file pages where they are: they must line up. */
	if ((ph->vaddr ^ ph->offset) & ~PAGE_MASK)
		return fail(out, "segment %u: address and offset differ mod 4096", i);
	return NULL;
}

/* Pages [first, last] of a segment; last is inclusive so it cannot wrap. */
static uint64_t first_page(const struct elf_segment *s)
{
	return s->vaddr & PAGE_MASK;
}

static uint64_t last_page(const struct elf_segment *s)
{
	return (s->vaddr + s->memsz - 1) & PAGE_MASK;
}

static bool entry_is_executable(const struct elf_image *img)
{
	for (unsigned k = 0; k < img->nseg; k++) {
		const struct elf_segment *s = &img->seg[k];

		if ((s->prot & ELF_PROT_EXEC) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			return true;
	}
	return false;
}

const char *elf_parse(const void *data, uint64_t size, uint64_t lo, uint64_t hi,
		      struct elf_image *out)
{
	const uint8_t *p = data;
	unsigned phdr_of[ELF_MAX_SEGMENTS];     /* seg[k] came from header phdr_of[k] */
	struct elf64_ehdr eh;
	const char *err;

	memset(out, 0, sizeof(*out));
	err = check_header(p, size, &eh, out);
	if (err)
		return err;
	out->entry = eh.entry;

	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		struct elf_segment *s;

		memcpy(&ph, p + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_INTERP)
			return fail(out, "needs an interpreter (PT_INTERP)");
		if (ph.type == PT_DYNAMIC)
			return fail(out, "dynamically linked (PT_DYNAMIC)");
		if (ph.type != PT_LOAD)
			continue;       /* PT_NOTE, PT_GNU_STACK, ...: nothing to map */
		if (ph.memsz == 0 && ph.filesz == 0)
			continue;       /* legal, and maps nothing: not even checked */
		err = check_load(&ph, i, size, lo, hi, out);
		if (err)
			return err;
		if (out->nseg == ELF_MAX_SEGMENTS)
			return fail(out, "more than %d loadable segments", ELF_MAX_SEGMENTS);

		s = &out->seg[out->nseg];
		*s = (struct elf_segment){
			.vaddr = ph.vaddr, .memsz = ph.memsz,
			.offset = ph.offset, .filesz = ph.filesz,
			.prot = ((ph.flags & PF_W) ? ELF_PROT_WRITE : 0) |
				((ph.flags & PF_X) ? ELF_PROT_EXEC : 0),
		};
		/* A page gets one set of permissions: segments may not share one. */
		for (unsigned k = 0; k < out->nseg; k++) {
			const struct elf_segment *t = &out->seg[k];

			if (first_page(s) <= last_page(t) && first_page(t) <= last_page(s))
				return fail(out, "segments %u and %u share a page",
					    phdr_of[k], i);
		}
		phdr_of[out->nseg++] = i;
	}

	if (out->nseg == 0)
		return fail(out, "no loadable segment");
	if (!entry_is_executable(out))
		return fail(out, "entry point is not in an executable segment");
	return NULL;
}
