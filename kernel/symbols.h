#pragma once
/*
 * The kernel's own symbol table, embedded at build time (tools/symtab.py),
 * so that backtraces name functions.
 */
#include <stdint.h>

/* The function containing addr, or NULL; *offset and *size describe it. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);
/* Address of a function by name, 0 if unknown. */
uint64_t symbol_address(const char *name);
