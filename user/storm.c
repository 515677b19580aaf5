/*
 * storm (arg = rounds, 0 for 1000): the kernel-flush storm of the
 * experiment (kernel/experiment.c), run on housekeeping CPUs. Each round
 * attaches a filter program and detaches it, the way a program attaches a
 * classic-BPF socket filter: the kernel compiles it into vmalloc memory,
 * makes that read-only and executable, and frees it at detach; each of
 * those steps changes kernel page tables and flushes every CPU's TLB
 * (kernel/jit.c). The filter also runs once, so a wrong result is caught.
 *
 * Exit: 0, or 1 + the round that failed.
 */
#include "user/lib/lull.h"

#define STORM_DEFAULT_ROUNDS 1000

int main(uint64_t arg)
{
	uint64_t rounds = arg ? arg : STORM_DEFAULT_ROUNDS;
	uint32_t imms[4] = { 1, 2, 3, (uint32_t)sys_getcpu() };

	for (uint64_t round = 0; round < rounds; round++) {
		imms[0] = (uint32_t)round;
		int64_t h = sys_jit_load(imms, 4);
		int64_t r = h < 0 ? h : sys_jit_run(h);

		if (h < 0 || (uint32_t)r != (uint32_t)(round + 5 + imms[3]) || sys_jit_free(h)) {
			printf("storm: round %lu failed: load %ld, run %ld\n", round, h, r);
			return (int)(1 + round);
		}
	}
	return 0;
}
