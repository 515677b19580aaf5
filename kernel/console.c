/*
 * The list of consoles. Registration and writes both run under the printk
 * lock (kernel/printk.c), which is what keeps this list consistent.
 */
#include "kernel/console.h"
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

bool console_write_named(const char *name, const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		if (!strcmp(c->name, name)) {
			c->write(s, n);
			return true;
		}
	return false;
}
