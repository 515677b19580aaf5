/*
 * pinner: pin to CPU 0, 1, 2, ... until pin() says the CPU does not exist,
 * checking each time that the task really moved there.
 *
 * Exit: 0, or the number of the check that failed.
 */
#include "user/lib/lull.h"

/* More CPUs than lull supports: reaching it means pin() never said no. */
#define PINNER_MAX_CPUS 4096

int main(uint64_t arg)
{
	uint64_t cpu;

	for (cpu = 0; cpu < PINNER_MAX_CPUS; cpu++) {
		int64_t r = sys_pin(cpu);

		if (r == -E_INVAL)
			break;
		if (r < 0) {
			printf("pinner: check 1 failed: pin(%lu) = %ld\n", cpu, r);
			return 1;
		}
		int64_t now = sys_getcpu();

		if (now != (int64_t)cpu) {
			printf("pinner: check 2 failed: pinned to CPU %lu, running on %ld\n",
			       cpu, now);
			return 2;
		}
	}
	if (cpu == 0 || cpu == PINNER_MAX_CPUS) {
		printf("pinner: check 3 failed: pin() accepted %lu CPUs\n", cpu);
		return 3;
	}
	printf("pinner: visited %lu CPUs\n", cpu);
	return 0;
}
