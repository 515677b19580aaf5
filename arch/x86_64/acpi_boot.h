#pragma once
/* Reading this machine's ACPI tables at boot (the parser is acpi.c). */
#include <stdbool.h>
#include "arch/x86_64/acpi.h"

/* What ACPI said about this machine (valid when acpi_ok). */
extern struct acpi_info acpi;
extern bool acpi_ok;

/* Find the RSDP (loader first, BIOS area second) and parse the tables. */
void acpi_init(void);
