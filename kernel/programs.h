#pragma once
/*
 * The user programs built into the kernel image: every user/<name>.c,
 * linked as a static ELF (build/user/<name>.elf) and embedded whole in
 * .rodata by build/gen/user_programs.asm, which tools/mkprogs.py writes.
 * The loader (kernel/elf.h) checks an image before anything maps it.
 */
#include <stdint.h>

struct user_program {
	const char *name;       /* "hello": the source file's name */
	const void *image;      /* the ELF file, 16-byte aligned */
	uint64_t size;          /* its length in bytes */
};

/* Sorted by name; defined in the generated assembly. */
extern const struct user_program user_programs[];
extern const unsigned user_program_count;

/* The program called name, or NULL if none is. */
const struct user_program *program_find(const char *name);
