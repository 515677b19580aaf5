#pragma once
/* Bringing every CPU online. */
#include <stdbool.h>
#include "arch/x86_64/acpi_boot.h"

/* ACPI, LAPIC, then every other CPU; prints the boot report. */
void smp_init(bool allow_x2apic);
unsigned smp_online_count(void);
