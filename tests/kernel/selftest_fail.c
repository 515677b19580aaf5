/*
 * ktest suite "selftest_fail": the negative control for the test machinery.
 * It fails on purpose, so `make test` can show that a failing in-kernel test
 * really turns the run red (tests/matrix.txt expects this run to fail).
 * ktest=all leaves it out; only ktest=selftest_fail runs it.
 */
#include "kernel/ktest.h"

static void passes(struct ktest *t)
{
	KT_EXPECT(t, 1 + 1 == 2);
}

static void fails(struct ktest *t)
{
	int answer = 41;

	KT_EXPECT_EQ(t, answer, 42);
}

static const struct ktest_case selftest_fail_cases[] = {
	{ "passes", passes },
	{ "fails", fails },
};
KTEST_SUITE(selftest_fail_suite, "selftest_fail", selftest_fail_cases, .negative = true);
