#pragma once
/*
 * The local APIC, in xAPIC mode (registers in memory) or x2APIC mode
 * (registers in MSRs), chosen once at boot from CPUID and used the same
 * way by every CPU.
 */
#include <stdbool.h>
#include <stdint.h>

/* Vectors lull assigns. Higher vectors have higher priority. */
#define VEC_TIMER          0x40
#define VEC_SERIAL         0x41
#define VEC_KEYBOARD       0x42
#define VEC_CALL_FUNCTION  0xf0
#define VEC_RESCHEDULE     0xf1
#define VEC_APIC_ERROR     0xfe
#define VEC_SPURIOUS       0xff

enum lapic_dest { LAPIC_DEST_SELF = 1, LAPIC_DEST_ALL = 2, LAPIC_DEST_OTHERS = 3 };

/* Decide the mode and map the registers (boot CPU, once). */
void lapic_setup(uint64_t phys, bool allow_x2apic);
/* Enable this CPU's LAPIC: mode, spurious and error vectors, no LINTs. */
void lapic_enable(void);
bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* A fixed-vector IPI to one CPU by APIC id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_nmi(uint32_t apic_id);
/* INIT, then start-up with the page number of the trampoline. */
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);
/* Timer: one-shot or periodic, in LAPIC timer ticks (divide by 16). */
void lapic_timer_oneshot(uint32_t ticks);
void lapic_timer_periodic(uint32_t ticks);
void lapic_timer_stop(void);
uint32_t lapic_timer_current(void);
/* LAPIC timer ticks that pass in tsc_cycles TSC cycles (timer masked). */
uint32_t lapic_timer_measure(uint64_t tsc_cycles);
/* The error status register, cleared on read. */
uint32_t lapic_read_errors(void);
