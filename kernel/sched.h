#pragma once
/*
 * The scheduler: per-CPU run queues, round robin, no load balancing. A
 * task runs on the CPU it was started on until it pins itself elsewhere.
 * The kernel is not preemptible: a task gives way when it blocks, yields
 * or exits, or on its way back to user mode after the tick found another
 * task waiting (need_resched).
 */
#include <stdbool.h>
#include <stdint.h>

struct task;
struct trap_frame;

#define SCHED_HZ 100        /* the tick while tasks share a CPU or sleep */

/* Run queues and the scheduler's hooks (boot CPU, before the others start). */
void sched_init(void);
/* This CPU: make the running context its idle task (every CPU, once). */
void sched_init_cpu(void);
/* Give the CPU to the next runnable task (may return at once). */
void schedule(void);
/* Make t runnable on cpu (t->cpu is set to it) and wake that CPU. */
void sched_enqueue(struct task *t, unsigned cpu);
/* Anything runnable on this CPU's queue? */
bool sched_has_work(void);
/* The last step before returning to user mode: give way if asked to. */
void sched_return_to_user(struct trap_frame *f);
/* The running task sleeps for at least ns nanoseconds. */
void sched_sleep(uint64_t ns);
/* The running task moves to cpu (and stays there); -1 if cpu is not online. */
int sched_pin(unsigned cpu);
/*
 * One step of an idle loop: run what is runnable, else halt until an
 * interrupt. Returns with interrupts on. Called with them off, it halts
 * without a gap ("sti; hlt"): a caller that checks its condition with
 * interrupts off cannot miss the interrupt that makes it true.
 */
void sched_idle_step(void);

/* The running task is about to free its address space: load the kernel's. */
void sched_leave_address_space(void);

/* The end of a switch, on the next task's stack (kernel/task.c: task_start too). */
void schedule_tail(void);
