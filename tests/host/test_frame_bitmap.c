/*
 * Host tests for mm/frame_bitmap.c: the edge cases by hand, then a seeded
 * random run against a bool-per-frame model that predicts every answer
 * exactly (next fit for alloc, first fit for alloc_range). Set FB_SEED to
 * rerun one seed; a failure prints its seed and operation number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tests/host/random.h"
#include "kernel/string.h"
#include "mm/frame_bitmap.h"

#define MAX_FRAMES (1u << 20)

static uint64_t bits[MAX_FRAMES / 64 + 1];
static struct frame_bitmap fb;

static void test_bytes_and_init(void **state)
{
	assert_int_equal(frame_bitmap_bytes(0), 0);
	assert_int_equal(frame_bitmap_bytes(1), 8);
	assert_int_equal(frame_bitmap_bytes(64), 8);
	assert_int_equal(frame_bitmap_bytes(65), 16);
	assert_int_equal(frame_bitmap_bytes(UINT64_MAX), (UINT64_MAX / 64 + 1) * 8);

	memset(bits, 0, sizeof(bits));
	frame_bitmap_init(&fb, bits, 100);
	assert_int_equal(fb.nfree, 0);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 1, 100), FRAME_NONE);
	assert_false(frame_bitmap_is_free(&fb, 0));
	assert_int_equal(bits[2], 0);	/* only the storage asked for is touched */
}

static void test_release_claim_counts(void **state)
{
	frame_bitmap_init(&fb, bits, 1000);
	frame_bitmap_release(&fb, 10, 100);
	assert_int_equal(fb.nfree, 100);
	frame_bitmap_release(&fb, 50, 100);		/* half already free */
	assert_int_equal(fb.nfree, 140);
	frame_bitmap_claim(&fb, 0, 20);			/* half already in use */
	assert_int_equal(fb.nfree, 130);
	frame_bitmap_release(&fb, 990, 1000);		/* clipped at nframes */
	assert_int_equal(fb.nfree, 140);
	frame_bitmap_release(&fb, 1000, 5);		/* wholly outside */
	frame_bitmap_release(&fb, UINT64_MAX, UINT64_MAX);
	assert_int_equal(fb.nfree, 140);
	frame_bitmap_release(&fb, 0, UINT64_MAX);	/* everything */
	assert_int_equal(fb.nfree, 1000);
	assert_false(frame_bitmap_is_free(&fb, 1000));
	frame_bitmap_claim(&fb, 0, UINT64_MAX);
	assert_int_equal(fb.nfree, 0);
}

static void test_alloc_next_fit(void **state)
{
	frame_bitmap_init(&fb, bits, 100);
	frame_bitmap_release(&fb, 0, 100);
	assert_int_equal(frame_bitmap_alloc(&fb), 0);
	assert_int_equal(frame_bitmap_alloc(&fb), 1);
	assert_true(frame_bitmap_free(&fb, 0));
	assert_int_equal(frame_bitmap_alloc(&fb), 2);	/* next fit: not 0 again yet */
	for (uint64_t f = 3; f < 100; f++)
		assert_int_equal(frame_bitmap_alloc(&fb), f);
	assert_int_equal(frame_bitmap_alloc(&fb), 0);	/* wrapped round */
	assert_int_equal(fb.nfree, 0);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_NONE);
	assert_true(frame_bitmap_free(&fb, 99));
	assert_int_equal(frame_bitmap_alloc(&fb), 99);	/* the last frame of a partial word */
}

static void test_bad_free(void **state)
{
	uint64_t before[4];

	frame_bitmap_init(&fb, bits, 200);
	frame_bitmap_release(&fb, 0, 200);
	assert_int_equal(frame_bitmap_alloc(&fb), 0);
	assert_true(frame_bitmap_free(&fb, 0));
	memcpy(before, bits, sizeof(before));
	assert_false(frame_bitmap_free(&fb, 0));	/* double free */
	assert_false(frame_bitmap_free(&fb, 200));	/* out of range */
	assert_false(frame_bitmap_free(&fb, UINT64_MAX));
	assert_memory_equal(before, bits, sizeof(before));
	assert_int_equal(fb.nfree, 200);
}

static void test_alloc_range(void **state)
{
	frame_bitmap_init(&fb, bits, 1000);
	frame_bitmap_release(&fb, 0, 1000);
	frame_bitmap_claim(&fb, 3, 1);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 4, 1, 1000), 4);
	assert_int_equal(fb.nfree, 995);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 8, 8, 1000), 8);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 3, 1, 1000), 0);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 64, 64, 1000), 64);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 500, 512, 1000), FRAME_NONE);	/* 512+500 > 1000 */
	assert_int_equal(frame_bitmap_alloc_range(&fb, 200, 256, 1000), 256);
	assert_int_equal(fb.nfree, 1000 - 1 - 4 - 8 - 3 - 64 - 200);

	/* The limit: the last frame must lie below it. */
	frame_bitmap_init(&fb, bits, 1000);
	frame_bitmap_release(&fb, 500, 100);		/* 500..599 free */
	assert_int_equal(frame_bitmap_alloc_range(&fb, 100, 1, 599), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 1, 500), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 100, 1, 600), 500);	/* exact fit */
	assert_int_equal(fb.nfree, 0);
	frame_bitmap_release(&fb, 900, 100);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 100, 4, UINT64_MAX), 900);

	/* Invalid requests change nothing. */
	frame_bitmap_release(&fb, 0, 1000);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 0, 1, 1000), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 3, 1000), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 0, 1000), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1001, 1, UINT64_MAX), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, UINT64_MAX, 1, UINT64_MAX), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 1ull << 63, 1000), 0);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 1ull << 63, 1000), FRAME_NONE);
	assert_int_equal(fb.nfree, 999);

	/* Fragmented: every other frame used, no run of two anywhere. */
	frame_bitmap_init(&fb, bits, 1000);
	for (uint64_t f = 0; f < 1000; f += 2)
		frame_bitmap_release(&fb, f, 1);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 2, 1, 1000), FRAME_NONE);
	assert_int_equal(fb.nfree, 500);
}

/* A million frames: one pass of allocations, each found by word scans. */
static void test_exhaustion(void **state)
{
	frame_bitmap_init(&fb, bits, MAX_FRAMES - 3);
	frame_bitmap_release(&fb, 0, MAX_FRAMES);
	for (uint64_t f = 0; f < MAX_FRAMES - 3; f++) {
		if (frame_bitmap_alloc(&fb) != f)
			fail_msg("allocation %lu went wrong", f);
	}
	assert_int_equal(fb.nfree, 0);
	assert_int_equal(frame_bitmap_alloc(&fb), FRAME_NONE);
	assert_int_equal(frame_bitmap_alloc_range(&fb, 1, 1, UINT64_MAX), FRAME_NONE);
	assert_true(frame_bitmap_free(&fb, 12345));
	assert_int_equal(frame_bitmap_alloc(&fb), 12345);
}

/* The model: one bool per frame (true = free), and next fit's cursor. */
#define MODEL_MAX 1500

static bool model[MODEL_MAX];
static uint64_t model_n, model_next, model_free;


static void model_set(uint64_t first, uint64_t count, bool free)
{
	for (uint64_t f = first; f < model_n && f - first < count; f++) {
		model_free += free - model[f];
		model[f] = free;
	}
}

static uint64_t model_alloc(void)
{
	uint64_t start = model_next < model_n ? model_next : 0;

	for (uint64_t i = 0; i < model_n; i++) {
		uint64_t f = (start + i) % model_n;

		if (model[f]) {
			model_set(f, 1, false);
			model_next = f + 1 < model_n ? f + 1 : 0;
			return f;
		}
	}
	return FRAME_NONE;
}

/* First fit by one pass: the run of free frames ending at f is long enough. */
static uint64_t model_alloc_range(uint64_t count, uint64_t align, uint64_t limit)
{
	uint64_t run = 0;

	for (uint64_t f = 0; f < model_n && f < limit; f++) {
		run = model[f] ? run + 1 : 0;
		if (run >= count && (f + 1 - count) % align == 0) {
			model_set(f + 1 - count, count, false);
			return f + 1 - count;
		}
	}
	return FRAME_NONE;
}

static void test_random_against_model(void **state)
{
	const char *env = getenv("FB_SEED");
	uint64_t seed0 = env ? strtoull(env, NULL, 0) : 1;
	int seeds = env ? 1 : 100;

	for (uint64_t seed = seed0; seed < seed0 + (uint64_t)seeds; seed++) {
		test_seed(seed);
		model_n = test_random() % MODEL_MAX + 1;
		model_next = model_free = 0;
		memset(model, 0, sizeof(model));
		frame_bitmap_init(&fb, bits, model_n);

		for (int op = 0; op < 3000; op++) {
			uint64_t r = test_random() % 100, got, want;
			uint64_t a = test_random() % (model_n + 8), b = test_random() % 80;

			if (r < 35) {
				got = frame_bitmap_alloc(&fb);
				want = model_alloc();
			} else if (r < 65) {
				want = a < model_n && !model[a];
				got = frame_bitmap_free(&fb, a);
				model_set(a, want, true);
			} else if (r < 75) {
				uint64_t align = 1ull << (test_random() % 8);
				uint64_t limit = test_random() % (model_n + 50);

				got = frame_bitmap_alloc_range(&fb, b + 1, align, limit);
				want = model_alloc_range(b + 1, align, limit);
			} else if (r < 88) {
				frame_bitmap_release(&fb, a, b);
				model_set(a, b, true);
				got = want = 0;
			} else {
				frame_bitmap_claim(&fb, a, b);
				model_set(a, b, false);
				got = want = 0;
			}
			if (got != want || fb.nfree != model_free)
				fail_msg("seed %lu op %d (kind %lu): got %lu nfree %lu, model %lu nfree %lu",
					 seed, op, r, got, fb.nfree, want, model_free);
			for (uint64_t f = 0; op % 64 == 0 && f < model_n + 70; f++) {
				if (frame_bitmap_is_free(&fb, f) != (f < model_n && model[f]))
					fail_msg("seed %lu op %d: frame %lu differs", seed, op, f);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_and_init),
		cmocka_unit_test(test_release_claim_counts),
		cmocka_unit_test(test_alloc_next_fit),
		cmocka_unit_test(test_bad_free),
		cmocka_unit_test(test_alloc_range),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests_name("mm/frame_bitmap.c", tests, NULL, NULL);
}
