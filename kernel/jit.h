#pragma once
/*
 * Filter programs: the kernel-memory exercise behind the experiments, shaped
 * like a classic-BPF socket-filter attach in Linux. The task hands over a
 * list of 32-bit immediates; the kernel compiles them into x86 code of its
 * own making (it never runs bytes from user space) in a fresh vmalloc
 * area, makes it read-only and executable with set_memory_ro/x, and frees
 * it on jit_free or at exit. Each free of an executable area is a kernel
 * TLB flush on every CPU that may hold it: what the flush protocol is
 * about.
 *
 * The program computes the 32-bit wrapping sum of its immediates.
 */
#include <stdint.h>

struct task;

/* A handle (0..SYS_JIT_HANDLES-1), or -E_FAULT, -E_INVAL, -E_NOSPC, -E_NOMEM. */
int64_t jit_load(struct task *t, uint64_t user_imms, uint64_t n);
/* The program's result (zero-extended), or -E_INVAL for a bad handle. */
int64_t jit_run(struct task *t, uint64_t handle);
/* 0, or -E_INVAL. */
int64_t jit_free(struct task *t, uint64_t handle);
/* Free every program t still holds (its exit). Interrupts on. */
void jit_release_all(struct task *t);

/* Programs compiled and freed so far, over all tasks. */
struct jit_stats {
	uint64_t loaded, freed;
};
void jit_get_stats(struct jit_stats *s);
