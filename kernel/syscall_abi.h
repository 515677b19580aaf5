#pragma once
/*
 * lull's system-call interface, shared by the kernel and the programs in
 * user/ (the only header both sides include).
 *
 * The calling convention is Linux's: the number in RAX, arguments in RDI,
 * RSI, RDX, R10, R8, R9, the result in RAX; SYSCALL clobbers RCX and R11.
 * A result below zero is minus an error number from the list below.
 * A number that is not in this list kills the calling task.
 *
 * A program starts at its ELF entry point with RDI holding the one 64-bit
 * argument it was started with and RSP 16-byte aligned at the top of its
 * stack (user/lib/crt0.asm calls main(arg) and exits with its result).
 */

enum {
	SYS_EXIT = 0,       /* exit(code): never returns */
	SYS_WRITE = 1,      /* write(buf, len): to the console; bytes written */
	SYS_YIELD = 2,      /* yield(): let another task on this CPU run */
	SYS_GETCPU = 3,     /* getcpu(): the CPU running the caller */
	SYS_PIN = 4,        /* pin(cpu): run only on cpu from now on */
	SYS_CLOCK = 5,      /* clock(): nanoseconds since boot */
	SYS_SLEEP = 6,      /* sleep(ns): at least ns, at most SYS_SLEEP_MAX_NS */
	SYS_MAP = 7,        /* map(addr or 0, len, prot): zeroed memory; its address */
	SYS_UNMAP = 8,      /* unmap(addr, len) */
	SYS_JIT_LOAD = 9,   /* jit_load(imms, n): a filter program; its handle */
	SYS_JIT_RUN = 10,   /* jit_run(handle): the filter's result (32 bits) */
	SYS_JIT_FREE = 11,  /* jit_free(handle) */
	SYS_TASKID = 12,    /* taskid(): the caller's task number */
	SYS_SHARE = 13,     /* share(addr): publish one map()ped page to the kernel */
	SYS_COUNT
};

/* map() protections (read is implied; writable and executable together
 * are allowed, as a user-space JIT needs). */
#define MAP_READ  0
#define MAP_WRITE 1
#define MAP_EXEC  2

/* Error numbers (negated in RAX), Linux's values. */
#define E_NOMEM  12
#define E_FAULT  14
#define E_INVAL  22
#define E_NOSPC  28

/* Limits a program can rely on. */
#define SYS_WRITE_MAX    4096        /* longer writes are cut: the count says */
#define SYS_MAP_MAX      (16u << 20) /* bytes mapped per task, at most */
#define SYS_JIT_MAX_INSNS 1024       /* immediates per filter program */
#define SYS_JIT_HANDLES  16          /* live filter programs per task */
#define SYS_SLEEP_MAX_NS (3600ull * 1000000000ull) /* longer: -E_INVAL */

/* Where programs live: linked at USER_IMAGE_BASE, stack below USER_STACK_TOP. */
#define USER_IMAGE_BASE  0x400000ull
#define USER_STACK_TOP   0x00007fffffff0000ull
#define USER_STACK_SIZE  (64 * 1024ull)
/* map() with addr 0 places memory from here up. */
#define USER_MAP_BASE    0x0000100000000000ull

/*
 * share(addr): the page at addr (page-aligned, from map() with MAP_WRITE)
 * becomes the task's shared page: the kernel may read it, and store to
 * it (the probe's `stop`), while the task runs, without the task entering
 * the kernel.
 * Its contents are kept when the task ends, for whoever waits for it. One
 * per task; a second call moves it; the shared page cannot be unmapped.
 *
 * The noise probe (user/noise.c) publishes its figures this way, so that
 * reading them never interrupts the CPU being measured.
 */
struct probe_page {
	uint64_t stop;          /* kernel -> probe: finish, publish, exit */
	uint64_t loops;         /* probe -> kernel, from here on: TSC reads */
	uint64_t gaps;          /* deltas over the threshold */
	uint64_t gap_ticks;     /* their sum (TSC ticks) */
	uint64_t max_gap;       /* the largest delta (TSC ticks) */
	uint64_t start_tsc;     /* the first read */
	uint64_t last_tsc;      /* the latest read */
	uint64_t done;          /* the figures above are final */
};

/* The probe's argument: the gap threshold in TSC ticks, and how many of
 * its publications pass between two system calls (0: none). */
#define PROBE_ARG(threshold_ticks, sys_every) \
	(((uint64_t)(sys_every) << 40) | ((uint64_t)(threshold_ticks) & PROBE_THRESHOLD_MASK))
#define PROBE_THRESHOLD_MASK ((1ull << 40) - 1)

