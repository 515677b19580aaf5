#pragma once
/*
 * Tasks: one user program each, in an address space of its own, with a
 * kernel stack of its own. A CPU's idle task is the exception: no address
 * space, and the CPU's boot-time stack as its kernel stack.
 */
#include <stdbool.h>
#include <stdint.h>
#include "kernel/syscall_abi.h"
#include "smp/spinlock.h"

struct trap_frame;
struct addr_space;

#define SHARE_KEPT 64               /* bytes of a shared page kept after the task */
_Static_assert(sizeof(struct probe_page) <= SHARE_KEPT, "the probe's page is kept whole");

enum task_state { TASK_RUNNABLE, TASK_SLEEPING, TASK_DEAD };

/* Errors counted per task by number: errors[e] for -e, errors[0] for any e
 * of TASK_ERRORS or more (the ABI has none). */
#define TASK_ERRORS 32

struct task {
	uint64_t id;
	char name[16];
	enum task_state state;
	unsigned cpu;               /* the CPU it runs on (its affinity) */
	struct addr_space *as;      /* NULL for an idle task */
	uint64_t kstack_top;
	uint64_t saved_rsp;         /* while switched out: see context_switch */
	struct task *next;          /* run queue or sleep list */
	uint64_t wake_tsc;          /* while sleeping */
	uint64_t syscalls;          /* made by this task */
	uint64_t errors[TASK_ERRORS]; /* of which returned an error, by number */
	void *jit[SYS_JIT_HANDLES]; /* kernel/jit.c: its filter programs */
	/* The result, written before `done` is set (RELEASE) by its exit. */
	int exit_code;
	bool killed;
	uint64_t kill_vector, kill_addr;
	unsigned exit_cpu;
	bool done;
	int waiter_cpu;             /* a CPU to wake when it is done, or -1 */
	bool stop;                  /* asked to exit at its next return to user mode */
	int refs;                   /* atomic: the running task, plus a waiter */
	/*
	 * SYS_SHARE: the shared page through the direct map while the task
	 * lives, and its first SHARE_KEPT bytes once it has ended. share_lock
	 * guards `shared`: the task's exit clears it before the page is freed.
	 */
	spinlock_t share_lock;
	uint8_t *shared;
	uint64_t shared_uaddr;
	bool share_kept;
	uint64_t share_copy[SHARE_KEPT / 8];
	/* SSE and x87 state while switched out (FXSAVE image). */
	uint8_t fpu[512] __attribute__((aligned(16)));
};

struct task_result {
	int exit_code;
	bool killed;
	uint64_t vector, addr;      /* what killed it */
	uint64_t syscalls;
	uint64_t errors[TASK_ERRORS];
	unsigned cpu;               /* where it ended */
	bool shared;                /* it shared a page (SYS_SHARE): its head at the end */
	uint64_t share[SHARE_KEPT / 8];
};

/*
 * Start program name (kernel/programs.h) with arg on cpu. With wait, the
 * caller keeps a reference and must task_wait() for it. NULL (and a
 * message) if the program is unknown, does not load, or memory ran out.
 */
struct task *task_spawn(const char *name, uint64_t arg, unsigned cpu, bool wait);
/* Has t ended (a waiter's task_wait would return at once)? */
bool task_done(const struct task *t);
/* Wait (in an idle task's context) until t is done; fills *r, drops t. */
void task_wait(struct task *t, struct task_result *r);
/* Spawn, wait, and return the result in one call. false if it did not start. */
bool task_run(const char *name, uint64_t arg, unsigned cpu, struct task_result *r);

/* The running task ends with code (system call exit). */
__attribute__((noreturn)) void task_exit(int code);
/* The running task faulted in user mode (f): report it and kill it. */
__attribute__((noreturn)) void task_fault(struct trap_frame *f);
/* Kill the running task with a one-line report naming vector and address. */
__attribute__((noreturn)) void task_kill(const char *why, uint64_t vector, uint64_t addr,
					 uint64_t rip);

/* Ask t to exit(0) at its next return to user mode (and interrupt it). */
void task_request_stop(struct task *t);

/* A new task's first C code (arch/x86_64/switch.asm). */
void task_start(void);

/* SYS_SHARE for the running task t: 0 or -E_INVAL. */
int64_t task_share(struct task *t, uint64_t uaddr);
/* Is uaddr's page t's shared page? */
bool task_is_shared(const struct task *t, uint64_t uaddr);
/*
 * Copy len (<= SHARE_KEPT) bytes of t's shared page: live while t runs,
 * as it was at the end afterwards (until task_wait(), which drops t: its
 * result carries the same bytes). false if t never shared a page.
 */
bool task_shared_read(struct task *t, void *buf, uint64_t len);
/* Store v at byte offset off (8-aligned) of t's live shared page; false if none. */
bool task_shared_write(struct task *t, uint64_t off, uint64_t v);

/* Called by the scheduler on the next task once a dead one is switched out. */
void task_reap(struct task *t);

/* Tasks alive now, and kernel stacks kept for reuse (tests check leaks). */
uint64_t task_live(void);
