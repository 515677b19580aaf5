#pragma once
/* The time-stamp counter's frequency, for turning cycle counts into time. */
#include <stdint.h>

extern uint64_t tsc_khz;
/* The TSC when the kernel was entered (boot/entry32.asm read it). */
extern uint64_t tsc_at_entry;

/* Find the TSC frequency: CPUID 0x15 (checked), HPET, ACPI PM timer, CPUID 0x16, PIT. */
void tsc_init(void);
/* Microseconds in a TSC delta (0 before tsc_init). */
uint64_t tsc_to_us(uint64_t cycles);
/* Busy-wait at least us microseconds (needs tsc_init). */
void udelay(uint64_t us);
