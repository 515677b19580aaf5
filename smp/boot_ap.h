#pragma once
#include <stdint.h>
#include "mm/memmap.h"

/*
 * Start the CPUs with the given APIC ids (the boot CPU is not among them)
 * and number them from 1 in that order. Returns how many CPUs are online,
 * the boot CPU included.
 */
unsigned smp_boot_aps(const struct memmap *m, const uint32_t *apic_ids, unsigned n);
