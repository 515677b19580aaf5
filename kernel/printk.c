/*
 * printk: format, keep in the log buffer, write to the consoles.
 *
 * The log buffer holds the whole boot log (up to its size), so a console
 * registered late, such as the framebuffer once paging is up, is first
 * handed everything printed before it.
 *
 * Locking: one ticket lock, taken with interrupts off. An NMI or a fault
 * inside printk on the CPU that holds the lock would wait forever, so the
 * wait is bounded: after it, printk writes anyway (a garbled line beats a
 * hung machine). After printk_enter_panic() the lock is ignored altogether.
 */
#include "kernel/printk.h"
#include "kernel/console.h"
#include "kernel/format.h"
#include "kernel/string.h"
#include "smp/spinlock.h"

#define LOG_BUF_SIZE (64 * 1024)
#define LINE_MAX 512
#define LOCK_SPINS 50000000

int printk_console_level = 7;   /* levels below this are printed: up to info */

static spinlock_t printk_lock = SPINLOCK_INIT;
static char log_buf[LOG_BUF_SIZE];
static size_t log_len;          /* bytes in log_buf; stops growing when full */
static bool in_panic;


static bool printk_lock_bounded(void)
{
	if (__atomic_load_n(&in_panic, __ATOMIC_RELAXED))
		return false;
	for (long i = 0; i < LOCK_SPINS; i++) {
		if (spin_trylock(&printk_lock))
			return true;
		cpu_relax();
	}
	return false;
}

static void log_append(const char *s, size_t n)
{
	size_t room = LOG_BUF_SIZE - log_len;

	if (n > room)
		n = room;
	memcpy(log_buf + log_len, s, n);
	log_len += n;
}

/* Format, keep and write one message, unless its level is filtered out. */
static int vprintk_emit(const char *fmt, va_list ap, bool always)
{
	char line[LINE_MAX];
	int level = 6;
	int len;

	if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	if (level >= printk_console_level && !always)
		return 0;   /* filtered out: neither printed nor kept */
	len = vsnprintf(line, sizeof(line), fmt, ap);
	if (len >= (int)sizeof(line))
		len = sizeof(line) - 1;

	uint64_t flags = irq_save();
	bool locked = printk_lock_bounded();
	log_append(line, len);
	console_write_all(line, len);
	if (locked)
		spin_unlock(&printk_lock);
	irq_restore(flags);
	return len;
}

/*
 * Output for a machine to read, in bulk (the trace dump): thousands of
 * lines would flood the framebuffer, whose every scrolled line moves the
 * whole screen, and would fill log_buf for nothing. So the line goes to
 * the console called name only (every console when there is none by that
 * name), is not kept, and is printed whatever the console level.
 */
int printk_console(const char *name, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	int len = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(line))
		len = sizeof(line) - 1;

	uint64_t flags = irq_save();
	bool locked = printk_lock_bounded();
	if (!console_write_named(name, line, len))
		console_write_all(line, len);
	if (locked)
		spin_unlock(&printk_lock);
	irq_restore(flags);
	return len;
}

int vprintk(const char *fmt, va_list ap)
{
	return vprintk_emit(fmt, ap, false);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk_emit(fmt, ap, false);
	va_end(ap);
	return n;
}

int printk_always(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk_emit(fmt, ap, true);
	va_end(ap);
	return n;
}

void console_register(struct console *con)
{
	uint64_t flags = irq_save();
	bool locked = printk_lock_bounded();

	con->write(log_buf, log_len);   /* replay: the new console sees the boot log */
	console_link(con);
	if (locked)
		spin_unlock(&printk_lock);
	irq_restore(flags);
}

void printk_enter_panic(void)
{
	__atomic_store_n(&in_panic, true, __ATOMIC_RELAXED);
}
