#pragma once
/*
 * What the coalesce suites share (tests/kernel/coalesce_*.c): they need
 * isolated CPUs, put user loops on them and make kernel-range flushes.
 */
#include <stdbool.h>
#include <stdint.h>

struct ktest;
struct task;

#define SPIN_FOREVER (~0ull)        /* user/spin.c's argument: until stopped */

/* Isolated CPUs exist and PTI is on: the protocol has something to do. */
bool coalesce_have_isolated(void);
/* Wait (up to 2 s) until cpu runs in user mode, as its cr3_state says. */
bool coalesce_wait_user(unsigned cpu);
/* Start prog(arg) on every isolated CPU (tasks[cpu]; NULL where it failed). */
void coalesce_spawn_all(struct task **tasks, const char *prog, uint64_t arg);
/* Stop and wait for the tasks coalesce_spawn_all() started. */
void coalesce_stop_all(struct task **tasks);
/* One filter-program life cycle, as kernel/jit.c does it: 3 flushes. */
bool coalesce_jit_cycle(void);

/* The stale-translation probes (tests/kernel/coalesce_probe.c), cases of suite coalesce. */
void probe_sees_new_pages(struct ktest *t);
void probe_v7_order_reads_stale(struct ktest *t);
void cross_probe_catches_up(struct ktest *t);
