#pragma once
/*
 * Kernel stacks, each with unmapped guard pages below it.
 *
 * A stack that overflows runs into the guard and faults instead of silently
 * overwriting whatever lies below; the fault handlers use kstack_is_guard()
 * to say "stack overflow".
 */
#include <stdbool.h>
#include <stdint.h>

#define KSTACK_BASE   0xffffff8000000000ull
#define KSTACK_SLOT   (64 * 1024ull)      /* virtual space per stack */
#define KSTACK_SIZE   (16 * 1024ull)      /* mapped, at the top of the slot */
#define KSTACK_SLOTS  1024

/* A new stack: the address of its top (the initial RSP), or 0. */
uint64_t kstack_alloc(void);
void kstack_free(uint64_t top);
/* Is addr in the guard area of some kernel stack? */
bool kstack_is_guard(uint64_t addr);
