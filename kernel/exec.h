#pragma once
/*
 * Loading a program image into a new address space: its segments with
 * their permissions (W^X as the ELF file says, NX unless executable), and
 * a stack below USER_STACK_TOP.
 */
#include <stdint.h>

struct addr_space;

/* NULL on success with *entry set, else why it failed (nothing to undo
 * but uvm_destroy(as), which frees whatever was mapped). */
const char *exec_load(struct addr_space *as, const void *image, uint64_t size,
		      uint64_t *entry);
