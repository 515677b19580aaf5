/*
 * COM1 as a 16550 UART, polled.
 *
 * Each byte waits for LSR.THRE (holding register empty) first: emulators
 * that model the UART's speed (Bochs) drop bytes written faster. The waits
 * are bounded so that a UART that stops answering cannot hang the kernel.
 */
#include "arch/x86_64/serial.h"
#include "arch/x86_64/io.h"
#include "kernel/console.h"

#define COM1 0x3f8
enum { THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7 };
#define LSR_THRE (1 << 5)
#define LSR_TEMT (1 << 6)
#define SPIN_LIMIT 1000000

static bool present;

static void wait_lsr(uint8_t bit)
{
	for (int i = 0; i < SPIN_LIMIT && !(inb(COM1 + LSR) & bit); i++)
		;
}

static void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			wait_lsr(LSR_THRE);
			outb(COM1 + THR, '\r');
		}
		wait_lsr(LSR_THRE);
		outb(COM1 + THR, (uint8_t)s[i]);
	}
}

static struct console serial_console = { .name = "serial", .write = serial_write };

bool serial_init(void)
{
	/* No UART: the scratch register does not keep what is written to it. */
	outb(COM1 + SCR, 0x5a);
	if (inb(COM1 + SCR) != 0x5a)
		return false;
	outb(COM1 + IER, 0x00);         /* polled: no interrupts (yet) */
	outb(COM1 + LCR, 0x80);         /* DLAB on: divisor follows */
	outb(COM1 + THR, 1);            /* 115200 baud */
	outb(COM1 + IER, 0);
	outb(COM1 + LCR, 0x03);         /* 8N1, DLAB off */
	outb(COM1 + FCR, 0xc7);         /* FIFOs on and cleared */
	outb(COM1 + MCR, 0x03);         /* DTR, RTS */
	present = true;
	console_register(&serial_console);
	return true;
}

bool serial_present(void)
{
	return present;
}

void serial_drain(void)
{
	if (present)
		wait_lsr(LSR_TEMT);
}
