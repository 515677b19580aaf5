#pragma once
/*
 * I/O APICs: device interrupts (GSIs) routed to a CPU's LAPIC. ISA IRQs
 * map to GSIs through ACPI's interrupt source overrides.
 */
#include <stdbool.h>
#include <stdint.h>

/* Map every I/O APIC the MADT lists and mask all their inputs. */
void ioapic_init(void);
/* Route ISA irq to vector on the CPU with this APIC id; false if no I/O APIC has it. */
bool ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t dest_apic_id);
void ioapic_mask_isa(unsigned irq);
