/*
 * The debug console on I/O port 0xe9 (arch/x86_64/debugcon.h).
 *
 * Detection: QEMU's isa-debugcon and Bochs's port_e9_hack answer a read of
 * the port with 0xe9. On a PC without one the port is unassigned and reads
 * as 0xff (a floating bus), and a read has no effect, so probing is safe on
 * any machine; nothing is ever written unless the probe answered.
 *
 * Writes need no waiting: the emulator takes each byte at once.
 */
#include "arch/x86_64/debugcon.h"
#include "arch/x86_64/io.h"
#include "kernel/console.h"

#define DEBUGCON_PORT 0xe9

static void debugcon_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(DEBUGCON_PORT, (uint8_t)s[i]);
}

static struct console debugcon_console = { .name = "debugcon", .write = debugcon_write };

bool debugcon_init(void)
{
	if (inb(DEBUGCON_PORT) != DEBUGCON_PORT)
		return false;
	console_register(&debugcon_console);
	return true;
}
