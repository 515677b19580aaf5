/*
 * sleeper (arg = nanoseconds, 0 for 1 ms): sleep must not return early.
 *
 * Exit: 0, or the number of the check that failed.
 */
#include "user/lib/lull.h"

#define SLEEPER_DEFAULT_NS 1000000ull

int main(uint64_t arg)
{
	uint64_t ns = arg ? arg : SLEEPER_DEFAULT_NS;
	int64_t before = sys_clock(), r = sys_sleep(ns), after = sys_clock();

	if (before < 0 || after < 0) {
		printf("sleeper: check 1 failed: clock() = %ld, then %ld\n", before, after);
		return 1;
	}
	if (r < 0) {
		printf("sleeper: check 2 failed: sleep(%lu) = %ld\n", ns, r);
		return 2;
	}
	if ((uint64_t)(after - before) < ns) {
		printf("sleeper: check 3 failed: slept %ld ns of %lu\n", after - before, ns);
		return 3;
	}
	return 0;
}
