#pragma once
/*
 * Random numbers for the host tests: xorshift64, seeded so that a failing
 * run can be replayed from the seed it prints.
 */
#include <stdint.h>

static uint64_t test_rng_state = 1;

static inline void test_seed(uint64_t seed)
{
	test_rng_state = seed * 0x9e3779b97f4a7c15ull | 1;   /* never zero */
}

static inline uint64_t test_random(void)
{
	test_rng_state ^= test_rng_state << 13;
	test_rng_state ^= test_rng_state >> 7;
	test_rng_state ^= test_rng_state << 17;
	return test_rng_state;
}
