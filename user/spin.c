/*
 * spin (arg = t): busy in user mode for t TSC ticks, with no system call,
 * so the kernel sees this task only through interrupts (preemption, the
 * entry-path tests, and the CPU-isolation experiments that must leave it
 * alone). A time, not an iteration count, so that the same argument means
 * the same under a fast and a slow emulator.
 */
#include "user/lib/lull.h"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int main(uint64_t ticks)
{
	uint64_t start = rdtsc();

	while (rdtsc() - start < ticks)
		;
	return 0;
}
