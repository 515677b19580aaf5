/*
 * cpu_spin: the latency-critical program of the Linux benchmark. Pins itself
 * to one CPU and spins in user mode, with no system call, until killed.
 *
 *   cpu_spin CPU
 *
 * On a nohz_full CPU this is the one runnable task, so the kernel stops the
 * tick there and the CPU stays in user mode: every interrupt it still takes
 * is one that the rest of the system sent it (tools/bench_linux.py counts
 * them from /proc/interrupts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: cpu_spin CPU\n");
		return 2;
	}
	errno = 0;
	long cpu = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || cpu < 0 || cpu >= CPU_SETSIZE) {
		fprintf(stderr, "cpu_spin: bad CPU number '%s'\n", argv[1]);
		return 2;
	}

	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "cpu_spin: sched_setaffinity to CPU %ld: %s\n", cpu, strerror(errno));
		return 1;
	}
	/* The empty asm keeps the compiler from proving the loop pointless. */
	for (;;)
		__asm__ volatile("" ::: "memory");
}
