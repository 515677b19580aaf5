/*
 * The program loader (kernel/exec.h). kernel/elf.c has already checked
 * every offset and address by the time anything is mapped.
 */
#include "kernel/exec.h"
#include "kernel/elf.h"
#include "kernel/string.h"
#include "kernel/syscall_abi.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/uvm.h"

#define PAGE_DOWN(a) ((a) & ~(PAGE_SIZE - 1))
#define PAGE_UP(a)   (((a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* Copy the file bytes of s into its freshly mapped (zeroed) pages. */
static void copy_segment(struct addr_space *as, const uint8_t *file, const struct elf_segment *s)
{
	uint64_t done = 0;

	while (done < s->filesz) {
		uint64_t va = s->vaddr + done;
		uint64_t in_page = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		uint64_t n = s->filesz - done < in_page ? s->filesz - done : in_page;
		uint8_t *page = phys_to_virt(uvm_lookup(as, va) & PTE_ADDR);

		memcpy(page + (va & (PAGE_SIZE - 1)), file + s->offset + done, n);
		done += n;
	}
}

const char *exec_load(struct addr_space *as, const void *image, uint64_t size,
		      uint64_t *entry)
{
	static const char oom[] = "out of memory";
	struct elf_image img;
	const char *why = elf_parse(image, size, USER_IMAGE_BASE,
				    USER_STACK_TOP - USER_STACK_SIZE, &img);

	if (why)
		return why;
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf_segment *s = &img.seg[i];
		uint64_t start = PAGE_DOWN(s->vaddr), end = PAGE_UP(s->vaddr + s->memsz);
		uint64_t flags = (s->prot & ELF_PROT_WRITE ? PTE_W : 0) |
				 (s->prot & ELF_PROT_EXEC ? 0 : PTE_NX);
		if (uvm_alloc(as, start, end - start, flags))
			return oom;
		copy_segment(as, image, s);
	}
	if (uvm_alloc(as, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, PTE_W | PTE_NX))
		return oom;
	*entry = img.entry;
	return 0;
}
