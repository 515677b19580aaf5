#pragma once
/*
 * Consoles: the sinks printk writes to (serial, framebuffer, VGA text).
 * A console registered late still gets the whole boot log: printk keeps
 * its ring buffer and console_register() replays it.
 *
 * Input comes from two places, merged: bytes received on COM1 and keys
 * typed on a PS/2 keyboard. Both arrive by interrupt on the boot CPU.
 */
#include <stdbool.h>
#include <stddef.h>

struct console {
	const char *name;
	/* Write n bytes. Called with the printk lock held, so never concurrently. */
	void (*write)(const char *s, size_t n);
	struct console *next;
};

void console_register(struct console *con);
/* Append con to the list; printk calls it under its lock (use console_register). */
void console_link(struct console *con);
/* Write to every registered console (printk's back end). */
void console_write_all(const char *s, size_t n);

/*
 * The next input character, or -1: COM1's first, then the keyboard's.
 * Enter arrives as '\r' and Backspace as DEL (0x7f) from the keyboard,
 * as most terminals send them; a terminal may also send '\n' or '\b'.
 * One reader at a time (the keyboard's buffer has a single consumer).
 */
int console_getc(void);
/* Is an input character waiting? */
bool console_input_pending(void);
/*
 * Wait for input without spinning: return at once if a character waits,
 * else run what is runnable on this CPU or halt until an interrupt
 * (sched_idle_step). Call it with interrupts on, on the boot CPU (where
 * the input interrupts go), in a loop:
 *
 *	while ((c = console_getc()) < 0)
 *		console_wait_input();
 *
 * It may return with nothing waiting (another interrupt woke the CPU).
 */
void console_wait_input(void);
/* Write to the console called name only; false if there is none by that name. */
bool console_write_named(const char *name, const char *s, size_t n);
