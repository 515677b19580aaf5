#pragma once
/*
 * The ACPI power-management timer: a free-running 3.579545 MHz counter at
 * an I/O port the FADT names, 24 or 32 bits wide. A reference clock for
 * the TSC on machines whose firmware hides the HPET.
 */
#include <stdbool.h>
#include <stdint.h>

#define PMTIMER_HZ 3579545u

/* Use the timer at port; false, with a message, if it does not count. */
bool pmtimer_init(uint16_t port, bool bits32);
bool pmtimer_present(void);
/* The counter; differences are taken modulo pmtimer_mask() + 1. */
uint32_t pmtimer_read(void);
uint32_t pmtimer_mask(void);
