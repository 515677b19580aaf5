#pragma once
/*
 * The user-space library every program in user/ links against: system-call
 * wrappers (user/lib/syscall.c), printf and puts (user/lib/print.c), and
 * the kernel's own freestanding string and formatting code, compiled a
 * second time for ring 3 (kernel/string.c, kernel/format.c).
 *
 * Every sys_* call returns what the kernel put in RAX: a result, or minus
 * one of the E_* numbers of kernel/syscall_abi.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/format.h"
#include "kernel/string.h"
#include "kernel/syscall_abi.h"
#include "user/lib/syscall.h"

/* Each program defines main; user/lib/crt0.asm calls it with the argument
 * the program was started with and exits with what it returns. */
int main(uint64_t arg);

__attribute__((noreturn)) void sys_exit(int64_t code);
int64_t sys_write(const void *buf, uint64_t len);
int64_t sys_yield(void);
int64_t sys_getcpu(void);
int64_t sys_pin(uint64_t cpu);
int64_t sys_clock(void);
int64_t sys_sleep(uint64_t ns);
/* addr 0: anywhere from USER_MAP_BASE up; otherwise exactly there. */
int64_t sys_map(uint64_t addr, uint64_t len, unsigned prot);
int64_t sys_unmap(uint64_t addr, uint64_t len);
int64_t sys_jit_load(const uint32_t *imms, uint64_t n);
int64_t sys_jit_run(int64_t handle);
int64_t sys_jit_free(int64_t handle);
int64_t sys_taskid(void);
int64_t sys_share(void *page);

/*
 * Format into a buffer on the stack and write it with one system call, so
 * lines from tasks on different CPUs do not interleave mid-line. Output
 * longer than PRINT_MAX - 1 bytes is cut. The result is sys_write's.
 */
#define PRINT_MAX 512
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* s and a newline, in one write. */
int puts(const char *s);
