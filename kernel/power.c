/*
 * Power-off. The isa-debug-exit port (0xf4) exists only when QEMU is told
 * to add it (tools/qemu.sh does); on other machines the write is ignored and
 * the CPU halts with a message. ACPI S5 comes with the ACPI tables.
 */
#include "kernel/power.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/serial.h"
#include "kernel/printk.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4
/* Bochs leaves when this string is written to its shutdown port. */
#define BOCHS_SHUTDOWN_PORT 0x8900

void power_off(bool success)
{
	pr_info("lull: powering off (%s)\n", success ? "success" : "failure");
	serial_drain();           /* let the last bytes leave the UART */
	outb(QEMU_DEBUG_EXIT_PORT, success ? QEMU_EXIT_PASS : QEMU_EXIT_FAIL);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, *s);
	pr_info("lull: this machine cannot be powered off by software yet; halted\n");
	cpu_halt_forever();
}

#define PCI_RESET_PORT   0xcf9     /* bit 1: hard reset, bit 2: do it */
#define I8042_CMD_PORT   0x64
#define I8042_PULSE_RESET 0xfe

void power_reboot(void)
{
	pr_info("lull: rebooting\n");
	serial_drain();
	irq_disable();
	outb(PCI_RESET_PORT, 0x02);
	outb(PCI_RESET_PORT, 0x06);
	for (volatile int i = 0; i < 1000000; i++)
		;
	/* Wait (bounded) for the controller's input buffer, then pulse reset. */
	for (int i = 0; i < 100000 && (inb(I8042_CMD_PORT) & 2); i++)
		cpu_relax();
	outb(I8042_CMD_PORT, I8042_PULSE_RESET);
	for (volatile int i = 0; i < 1000000; i++)
		;
	/* A triple fault: no IDT, then an exception. */
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) none = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(none));
	cpu_halt_forever();
}
