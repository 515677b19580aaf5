/*
 * hello: the smallest program that exercises the whole path: printf
 * through sys_write, the task and CPU queries, and yield.
 *
 * Exit: 0, or the number of the check that failed.
 */
#include "user/lib/lull.h"

int main(uint64_t arg)
{
	int64_t task = sys_taskid(), cpu = sys_getcpu();

	if (task < 0) {
		printf("hello: check 1 failed: taskid() = %ld\n", task);
		return 1;
	}
	if (cpu < 0) {
		printf("hello: check 2 failed: getcpu() = %ld\n", cpu);
		return 2;
	}
	printf("hello from task %ld on CPU %ld\n", task, cpu);
	for (int i = 0; i < 3; i++) {
		int64_t r = sys_yield();

		if (r < 0) {
			printf("hello: check 3 failed: yield() = %ld\n", r);
			return 3;
		}
	}
	return 0;
}
