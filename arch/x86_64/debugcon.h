#pragma once
/*
 * The emulators' debug console: QEMU's isa-debugcon (-debugcon) and Bochs's
 * port_e9_hack pass every byte written to I/O port 0xe9 to a file or a
 * terminal. It is the second channel the test harness reads when a machine
 * has no serial port, or when serial=off keeps lull off COM1.
 */
#include <stdbool.h>

/* Register the console if port 0xe9 answers as a debug console does. */
bool debugcon_init(void);
