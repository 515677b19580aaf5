#pragma once
/*
 * panic(): lull found a bug of its own. Prints the reason, the CPU, the
 * registers (when a trap frame is at hand) and a symbolised backtrace, then
 * stops. Under ktest it ends the run as failed so the harness need not wait.
 */
#include <stdint.h>

struct trap_frame;

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);
__attribute__((noreturn, format(printf, 2, 3)))
void panic_trap(const struct trap_frame *f, const char *fmt, ...);

/* Print the frame-pointer chain starting at (rip, rbp). */
void backtrace_print(uint64_t rip, uint64_t rbp);

#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (__builtin_expect(!!(cond), 0))                             \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)
