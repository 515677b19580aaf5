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
#include "arch/x86_64/traps.h"
#include "smp/spinlock.h"

#define COM1 0x3f8
enum { THR = 0, IER = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7 };
#define LSR_DR   (1 << 0)
#define LSR_THRE (1 << 5)
#define IER_RX   (1 << 0)
#define MCR_OUT2 (1 << 3)          /* gates the UART's IRQ line on PCs */
#define MCR_LOOP (1 << 4)
#define RX_SIZE  256
#define LSR_TEMT (1 << 6)
#define SPIN_LIMIT 1000000

static bool present;

/*
 * Received bytes: the IRQ handler (on the one CPU the IRQ is routed to)
 * is the only producer; serial_getc() takes them with interrupts off on
 * that same CPU or under rx_lock elsewhere.
 */
static uint8_t rx_buf[RX_SIZE];
static unsigned rx_head, rx_tail;
static spinlock_t rx_lock = SPINLOCK_INIT;
uint64_t serial_rx_bytes, serial_rx_dropped, serial_irqs;

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

static void serial_irq(struct trap_frame *f)
{
	spin_lock(&rx_lock);
	serial_irqs++;
	while (inb(COM1 + LSR) & LSR_DR) {
		uint8_t c = inb(COM1 + THR);
		serial_rx_bytes++;
		if (rx_head - rx_tail == RX_SIZE) {
			serial_rx_dropped++;
			continue;
		}
		rx_buf[rx_head++ % RX_SIZE] = c;
	}
	spin_unlock(&rx_lock);
}

void serial_enable_rx_irq(uint8_t vector)
{
	if (!present)
		return;
	irq_register(vector, serial_irq);
	outb(COM1 + MCR, inb(COM1 + MCR) | MCR_OUT2);
	outb(COM1 + IER, IER_RX);
}

int serial_getc(void)
{
	uint64_t flags = spin_lock_irqsave(&rx_lock);
	int c = rx_head == rx_tail ? -1 : rx_buf[rx_tail++ % RX_SIZE];

	spin_unlock_irqrestore(&rx_lock, flags);
	return c;
}

bool serial_rx_pending(void)
{
	uint64_t flags = spin_lock_irqsave(&rx_lock);
	bool pending = rx_head != rx_tail;

	spin_unlock_irqrestore(&rx_lock, flags);
	return pending;
}

void serial_set_loopback(bool on)
{
	uint8_t mcr = inb(COM1 + MCR);

	outb(COM1 + MCR, on ? mcr | MCR_LOOP : mcr & ~MCR_LOOP);
}

void serial_put_raw(uint8_t c)
{
	wait_lsr(LSR_THRE);
	outb(COM1 + THR, c);
}
