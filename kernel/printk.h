#pragma once
/*
 * printk: the kernel log. Safe from any CPU, from interrupts and NMIs
 * (a bounded wait for the lock, then it writes anyway rather than deadlock),
 * and from panic (the panicking CPU owns the consoles from then on).
 * Levels as in Linux: a message may start with KERN_<LEVEL>.
 */
#include <stdarg.h>

#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* One line to the console called name only (all if none is), not kept in
 * the log and never filtered by level: bulk output for a machine to read. */
int printk_console(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Printed whatever loglevel= says: output the command line asked for, such
 * as ktest='s KTAP, which is the run's result rather than a message.
 */
int printk_always(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define pr_emerg(...)  printk(KERN_EMERG __VA_ARGS__)
#define pr_err(...)    printk(KERN_ERR __VA_ARGS__)
#define pr_warn(...)   printk(KERN_WARNING __VA_ARGS__)
#define pr_notice(...) printk(KERN_NOTICE __VA_ARGS__)
#define pr_info(...)   printk(KERN_INFO __VA_ARGS__)
#define pr_debug(...)  printk(KERN_DEBUG __VA_ARGS__)

/* Messages above this level are kept in the log buffer but not printed. */
extern int printk_console_level;
/* Called by panic: from now on printk never waits for the lock. */
void printk_enter_panic(void);
