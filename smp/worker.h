#pragma once
/*
 * Running a function on another CPU in thread context: on that CPU's own
 * stack, with interrupts on, so it may itself call other CPUs and wait.
 * The CPU's idle loop runs the work, before any task it has to run; tests
 * use it to give other CPUs kernel work. A CPU busy with a user task only
 * picks the work up once the task blocks or ends.
 */
#include <stdbool.h>

struct smp_work {
	void (*fn)(void *arg);
	void *arg;
	bool done;          /* RELEASE-stored by the worker; see smp_work_wait() */
};

/* The loop every CPU ends in: run posted work, else halt until an interrupt. */
__attribute__((noreturn)) void cpu_idle_loop(void);
/* One step of it: posted work, else runnable tasks, else halt until an
 * interrupt (for idle contexts that wait for something: the shell). */
void cpu_idle_step(void);
/*
 * Post w (fn and arg set by the caller) to cpu's idle loop and wake it.
 * false if cpu is not online, is the caller, or has unfinished work.
 */
bool smp_work_post(unsigned cpu, struct smp_work *w);
/* Wait until w has run (interrupts must be on). */
void smp_work_wait(struct smp_work *w);
/*
 * Run fn(arg) on every online CPU in thread context, the caller included,
 * all at once; return when every one has finished. One caller at a time
 * (it owns a static set of work items): the test runner, the boot CPU.
 */
void smp_run_everywhere(void (*fn)(void *arg), void *arg);
