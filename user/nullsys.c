/*
 * nullsys (arg = n): n system calls that do nothing, for measuring the
 * cost of the user/kernel round trip. The kernel's test counts exactly
 * n + 1 system calls from this task (crt0's exit is the last), so there
 * is nothing here but the calls: no printing, no library call.
 */
#include "user/lib/lull.h"

int main(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		syscall6(SYS_GETCPU, 0, 0, 0, 0, 0, 0);	/* asm volatile: never merged or dropped */
	return 0;
}
