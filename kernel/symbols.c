/*
 * Symbol look-up over the table tools/symtab.py generates into .ksymtab:
 *   ksymtab_count                 number of functions
 *   ksymtab_addrs[count + 1]      sorted start addresses; the last entry is
 *                                 the end of the text section
 *   ksymtab_names[count]          offsets into ksymtab_strings
 */
#include "kernel/symbols.h"
#include "kernel/string.h"

extern const uint64_t ksymtab_count;
extern const uint64_t ksymtab_addrs[];
extern const uint32_t ksymtab_names[];
extern const char ksymtab_strings[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	uint64_t lo = 0, hi = ksymtab_count;

	if (!ksymtab_count || addr < ksymtab_addrs[0] || addr >= ksymtab_addrs[ksymtab_count])
		return 0;
	/* The last entry whose address is <= addr. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ksymtab_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = addr - ksymtab_addrs[lo];
	if (size)
		*size = ksymtab_addrs[lo + 1] - ksymtab_addrs[lo];
	return ksymtab_strings + ksymtab_names[lo];
}

uint64_t symbol_address(const char *name)
{
	for (uint64_t i = 0; i < ksymtab_count; i++)
		if (!strcmp(ksymtab_strings + ksymtab_names[i], name))
			return ksymtab_addrs[i];
	return 0;
}
