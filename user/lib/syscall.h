#pragma once
/*
 * The one way into the kernel: SYSCALL with Linux's register convention
 * (kernel/syscall_abi.h). Inline, so that a program can make a system call
 * that is nothing but the instruction and its register set-up (user/nullsys.c
 * counts on that).
 */
#include <stdint.h>

/*
 * The kernel preserves every register but RAX (the result), RCX (the return
 * RIP) and R11 (the saved RFLAGS), as Linux does; "memory" because the
 * kernel may read or write any buffer an argument points to.
 */
static inline int64_t syscall6(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
			       uint64_t a4, uint64_t a5, uint64_t a6)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	register uint64_t r9 __asm__("r9") = a6;
	int64_t ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
