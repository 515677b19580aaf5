/*
 * ktest suite "selftest_panic": overflows the kernel stack on purpose.
 * The recursion runs into the guard page below the stack; the page fault
 * cannot be delivered on that stack, so the CPU raises #DF, which runs on
 * its own IST stack and must report "stack overflow" with registers and a
 * symbolised backtrace (tests/matrix.txt checks the words). Only run by name.
 */
#include "kernel/ktest.h"

/* Far deeper than any stack: the compiler cannot prove it unbounded. */
static volatile unsigned depth_limit = 1u << 30;

static unsigned recurse(unsigned depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (depth == depth_limit)
		return 0;
	return recurse(depth + 1) + frame[0];
}

static void overflow_kernel_stack(struct ktest *t)
{
	KT_EXPECT(t, recurse(0) == 0);   /* never returns */
}

static const struct ktest_case selftest_panic_cases[] = {
	{ "overflow_kernel_stack", overflow_kernel_stack },
};
KTEST_SUITE(selftest_panic_suite, "selftest_panic", selftest_panic_cases, .negative = true);
