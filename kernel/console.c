/*
 * The list of consoles. Registration and writes both run under the printk
 * lock (kernel/printk.c), which is what keeps this list consistent.
 * Then console input: COM1 and the PS/2 keyboard, merged.
 */
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ps2kbd.h"
#include "arch/x86_64/serial.h"
#include "kernel/sched.h"
#include "kernel/string.h"

static struct console *consoles;

/* Called by console_register() (kernel/printk.c) with the printk lock held. */
void console_link(struct console *con)
{
	struct console **tail = &consoles;

	while (*tail)
		tail = &(*tail)->next;
	con->next = 0;
	*tail = con;
}

void console_write_all(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, n);
}

int console_getc(void)
{
	int c = serial_getc();

	return c >= 0 ? c : ps2kbd_getc();
}

bool console_input_pending(void)
{
	return serial_rx_pending() || ps2kbd_pending();
}

void console_wait_input(void)
{
	/*
	 * Check and halt with interrupts off throughout: a byte that arrives
	 * after the check raises an interrupt that is held pending until the
	 * STI just before HLT, and so ends the HLT. Checking with interrupts
	 * on, then halting, could sleep through it: an idle CPU has no tick.
	 * sched_idle_step (kernel/sched.c) keeps interrupts off until its
	 * "sti; hlt".
	 */
	irq_disable();
	if (console_input_pending()) {
		irq_enable();
		return;
	}
	sched_idle_step();
}

bool console_write_named(const char *name, const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		if (!strcmp(c->name, name)) {
			c->write(s, n);
			return true;
		}
	return false;
}
