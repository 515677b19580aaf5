/*
 * spin (arg = n): n iterations of pure user-mode work and no system call,
 * so the kernel sees this task only through timer interrupts (preemption,
 * and the CPU-isolation experiments that must leave it alone).
 */
#include "user/lib/lull.h"

int main(uint64_t n)
{
	/* volatile: each iteration is a real load and store, not folded away. */
	volatile uint64_t count = 0;

	while (count < n)
		count = count + 1;
	return 0;
}
