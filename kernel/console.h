#pragma once
/*
 * Consoles: the sinks printk writes to (serial, framebuffer, VGA text).
 * A console registered late still gets the whole boot log: printk keeps
 * its ring buffer and console_register() replays it.
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
/* Write to the console called name only; false if there is none by that name. */
bool console_write_named(const char *name, const char *s, size_t n);
