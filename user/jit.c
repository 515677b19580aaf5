/*
 * jit (arg = rounds, 0 for 100): the kernel compiles a filter program of
 * immediates into machine code whose result is their 32-bit wrapping sum.
 * Each round loads a filter of 1 to 8 pseudo-random immediates, runs it,
 * checks the sum and frees it; then all SYS_JIT_HANDLES handles are taken
 * at once, one more must be refused, and a freed handle must be dead.
 *
 * Exit: 0, or the number of the check that failed.
 */
#include "user/lib/lull.h"

#define JIT_DEFAULT_ROUNDS 100
#define JIT_MAX_K          8

/* xorshift32 (Marsaglia): varied immediates, the same on every run. */
static uint32_t jit_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static int jit_rounds(uint64_t rounds, uint32_t *seed)
{
	uint32_t imms[JIT_MAX_K];

	for (uint64_t round = 0; round < rounds; round++) {
		unsigned k = 1 + round % JIT_MAX_K;
		uint32_t sum = 0;

		for (unsigned i = 0; i < k; i++) {
			imms[i] = jit_random(seed);
			sum += imms[i];	/* unsigned: wraps as the filter's add does */
		}

		int64_t h = sys_jit_load(imms, k);

		if (h < 0) {
			printf("jit: check 1 failed: round %lu: jit_load(%u) = %ld\n", round, k, h);
			return 1;
		}
		int64_t r = sys_jit_run(h);

		/* The result is 32 bits: compare those, however RAX extends them. */
		if ((uint32_t)r != sum) {
			printf("jit: check 2 failed: round %lu: run = %#lx, sum = %#x\n",
			       round, r, sum);
			return 2;
		}
		r = sys_jit_free(h);
		if (r != 0) {
			printf("jit: check 3 failed: round %lu: jit_free = %ld\n", round, r);
			return 3;
		}
	}
	return 0;
}

static int jit_exhaust(uint32_t *seed)
{
	int64_t handles[SYS_JIT_HANDLES], r;
	uint32_t imm = jit_random(seed);

	for (int i = 0; i < SYS_JIT_HANDLES; i++) {
		handles[i] = sys_jit_load(&imm, 1);
		if (handles[i] < 0) {
			printf("jit: check 4 failed: handle %d of %d: %ld\n", i + 1,
			       SYS_JIT_HANDLES, handles[i]);
			return 4;
		}
	}
	r = sys_jit_load(&imm, 1);
	if (r != -E_NOSPC) {
		printf("jit: check 5 failed: handle %d of %d: %ld, expected %d\n",
		       SYS_JIT_HANDLES + 1, SYS_JIT_HANDLES, r, -E_NOSPC);
		return 5;
	}
	for (int i = 0; i < SYS_JIT_HANDLES; i++) {
		r = sys_jit_free(handles[i]);
		if (r != 0) {
			printf("jit: check 6 failed: jit_free(%ld) = %ld\n", handles[i], r);
			return 6;
		}
	}
	r = sys_jit_run(handles[0]);
	if (r != -E_INVAL) {
		printf("jit: check 7 failed: freed handle %ld runs: %ld\n", handles[0], r);
		return 7;
	}
	return 0;
}

int main(uint64_t arg)
{
	uint64_t rounds = arg ? arg : JIT_DEFAULT_ROUNDS;
	uint32_t seed = 2463534242u;	/* Marsaglia's example seed; any non-zero works */
	int failed;

	if ((failed = jit_rounds(rounds, &seed)) || (failed = jit_exhaust(&seed)))
		return failed;
	printf("jit: %lu rounds and %d handles passed\n", rounds, SYS_JIT_HANDLES);
	return 0;
}
