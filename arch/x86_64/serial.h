#pragma once
/* COM1, a 16550 UART: the console every test reads. */
#include <stdbool.h>

/* Probe and program COM1 (115200 8N1); false if there is no UART. */
bool serial_init(void);
bool serial_present(void);
/* Wait until everything written has left the UART (before power-off). */
void serial_drain(void);
