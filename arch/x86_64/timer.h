#pragma once
/*
 * Per-CPU timers on the LAPIC timer: periodic (a tick) or one-shot (for
 * tickless CPUs). Each CPU programs only its own timer.
 */
#include <stdint.h>

/* Calibrate the LAPIC timer against the TSC and take its vector (boot CPU). */
void timer_init(void);
/* LAPIC timer ticks per millisecond, as calibrated. */
uint64_t timer_ticks_per_ms(void);
void timer_periodic_hz(unsigned hz);
void timer_oneshot_us(uint64_t us);
void timer_stop(void);
/* Called on every timer interrupt, on the CPU that took it (may be NULL). */
extern void (*timer_tick_hook)(void);
