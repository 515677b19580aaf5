#pragma once
/*
 * Device registers (LAPIC, IOAPIC, HPET) mapped uncached. The direct map
 * covers them too but with the write-back type; device registers need UC
 * so that every access reaches the device, in order and exactly once.
 */
#include <stdint.h>

#define IOREMAP_BASE 0xfffffe0000000000ull
#define IOREMAP_SIZE (1ull << 30)

/* Map [phys, phys + len) uncached; NULL when the region is full. */
volatile void *ioremap(uint64_t phys, uint64_t len);
