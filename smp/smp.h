#pragma once
/* Bringing every CPU online. */
#include <stdbool.h>
#include "arch/x86_64/acpi.h"

/* What ACPI said about this machine (valid when acpi_ok). */
extern struct acpi_info acpi;
extern bool acpi_ok;

/* ACPI, LAPIC, then every other CPU; prints the boot report. */
void smp_init(bool allow_x2apic);
unsigned smp_online_count(void);
