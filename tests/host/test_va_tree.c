/*
 * Host tests for mm/va_tree.c (and the mm/rbtree.c under it), by hand: the
 * clip and merge cases and every bad argument, double frees, a lowest fit
 * that Linux's size + align - 1 descent would miss, a deep tree, and
 * exhaustion (seeded). The seeded runs against models are in
 * test_va_tree_model.c; the node pool and checks in va_tree_fixture.h.
 */
#include "tests/host/va_tree_fixture.h"

static void test_empty_and_bad_arguments(void **state)
{
	struct va_node *unused[VA_TREE_MAX_UNUSED];
	enum clip kind;
	int m, n;

	fresh_tree();
	EXPECT_EMPTY();
	assert_int_equal(do_alloc(PAGE, PAGE, 0, TOP, true, &kind), 0);
	assert_null(va_tree_first(&tree));
	assert_int_equal(va_tree_free(&tree, BASE, BASE + PAGE, NULL, unused, &n), VA_ENONODE);
	assert_int_equal(n, 0);

	assert_int_equal(do_free(BASE, BASE + 16 * PAGE, &m), VA_OK);
	snap_take();
	/* Bad frees: empty, backwards, unaligned, holding 0, wrapping. */
	assert_int_equal(do_free(BASE + 32 * PAGE, BASE + 32 * PAGE, &m), VA_EINVAL);
	assert_int_equal(do_free(BASE + 33 * PAGE, BASE + 32 * PAGE, &m), VA_EINVAL);
	assert_int_equal(do_free(BASE + 32 * PAGE + 1, BASE + 33 * PAGE, &m), VA_EINVAL);
	assert_int_equal(do_free(BASE + 32 * PAGE, BASE + 33 * PAGE - 8, &m), VA_EINVAL);
	assert_int_equal(do_free(0, PAGE, &m), VA_EINVAL);
	assert_int_equal(do_free(TOP, 0, &m), VA_EINVAL);
	/* Bad allocations: size, alignment, window. */
	assert_int_equal(do_alloc(0, PAGE, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE + 512, PAGE, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, 0, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, 2048, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, 3 * PAGE, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, PAGE, BASE + 1, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, PAGE, 0, TOP + 1, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, PAGE, BASE, BASE, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, PAGE, BASE + PAGE, BASE, true, &kind), 0);
	/* Too big, or the window misses the range or cuts it too short. */
	assert_int_equal(do_alloc(17 * PAGE, PAGE, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, PAGE, 0, BASE, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, PAGE, BASE + 16 * PAGE, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(4 * PAGE, PAGE, BASE + 13 * PAGE, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(1ull << 63, PAGE, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(PAGE, 1ull << 63, 0, TOP, true, &kind), 0);
	snap_same("a rejected call");
	EXPECT(BASE, BASE + 16 * PAGE);
}

static void test_four_clips(void **state)
{
	enum clip kind;
	int m;

	fresh_tree();
	assert_int_equal(do_free(BASE, BASE + 16 * PAGE, &m), VA_OK);
	assert_int_equal(m, 0);

	/* Left edge. */
	assert_int_equal(do_alloc(2 * PAGE, PAGE, 0, TOP, true, &kind), BASE);
	assert_int_equal(kind, CLIP_LEFT);
	EXPECT(BASE + 2 * PAGE, BASE + 16 * PAGE);
	/* Right edge: the window ends where the range does. */
	assert_int_equal(do_alloc(2 * PAGE, PAGE, BASE + 14 * PAGE, TOP, true, &kind),
			 BASE + 14 * PAGE);
	EXPECT(BASE + 2 * PAGE, BASE + 14 * PAGE);
	/* Middle without a spare: refused, nothing changed. */
	snap_take();
	assert_int_equal(do_alloc(PAGE, PAGE, BASE + 5 * PAGE, TOP, false, &kind), 0);
	snap_same("a middle split without a spare");
	/* Middle with one: the spare holds the right part. */
	assert_int_equal(do_alloc(PAGE, PAGE, BASE + 5 * PAGE, TOP, true, &kind), BASE + 5 * PAGE);
	assert_int_equal(kind, CLIP_MIDDLE);
	EXPECT(BASE + 2 * PAGE, BASE + 5 * PAGE, BASE + 6 * PAGE, BASE + 14 * PAGE);
	/* Alignment makes a middle split: 16 KiB aligned inside [6, 14). */
	assert_int_equal(do_alloc(PAGE, 4 * PAGE, BASE + 5 * PAGE, TOP, true, &kind), BASE + 8 * PAGE);
	assert_int_equal(kind, CLIP_MIDDLE);
	EXPECT(BASE + 2 * PAGE, BASE + 5 * PAGE, BASE + 6 * PAGE, BASE + 8 * PAGE,
	       BASE + 9 * PAGE, BASE + 14 * PAGE);
	/* Whole: the node comes back. */
	assert_int_equal(do_alloc(3 * PAGE, PAGE, 0, TOP, true, &kind), BASE + 2 * PAGE);
	assert_int_equal(kind, CLIP_WHOLE);
	assert_int_equal(do_alloc(2 * PAGE, PAGE, 0, TOP, false, &kind), BASE + 6 * PAGE);
	assert_int_equal(kind, CLIP_WHOLE);
	assert_int_equal(do_alloc(5 * PAGE, PAGE, 0, TOP, false, &kind), BASE + 9 * PAGE);
	EXPECT_EMPTY();
	assert_int_equal(tree.free_bytes, 0);
	assert_int_equal(do_alloc(PAGE, PAGE, 0, TOP, true, &kind), 0);
}

static void test_merges_and_bad_frees(void **state)
{
	int m;

	fresh_tree();
	assert_int_equal(do_free(BASE + 10 * PAGE, BASE + 12 * PAGE, &m), VA_OK);
	assert_int_equal(do_free(BASE + 20 * PAGE, BASE + 22 * PAGE, &m), VA_OK);
	assert_int_equal(m, 0);
	/* Merge left only: the new range extends [10, 12). */
	assert_int_equal(do_free(BASE + 12 * PAGE, BASE + 14 * PAGE, &m), VA_OK);
	assert_int_equal(m, 1);
	EXPECT(BASE + 10 * PAGE, BASE + 14 * PAGE, BASE + 20 * PAGE, BASE + 22 * PAGE);
	/* Merge right only. */
	assert_int_equal(do_free(BASE + 18 * PAGE, BASE + 20 * PAGE, &m), VA_OK);
	assert_int_equal(m, 1);
	EXPECT(BASE + 10 * PAGE, BASE + 14 * PAGE, BASE + 18 * PAGE, BASE + 22 * PAGE);

	/* Double and overlapping frees, each side and inside and around. */
	snap_take();
	static const uint64_t bad[][2] = {
		{ 10, 14 }, { 10, 11 }, { 13, 14 }, { 11, 12 }, { 9, 11 }, { 13, 15 },
		{ 8, 16 }, { 14, 19 }, { 13, 18 }, { 21, 23 }, { 5, 30 }, { 18, 22 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		op_now = (long)i;
		if (do_free(BASE + bad[i][0] * PAGE, BASE + bad[i][1] * PAGE, &m) != VA_EOVERLAP)
			FAIL("free [%lu, %lu) not caught", bad[i][0], bad[i][1]);
	}
	snap_same("an overlapping free");

	/* Merge both: the gap [14, 18) closes, one node comes back. */
	assert_int_equal(do_free(BASE + 14 * PAGE, BASE + 18 * PAGE, &m), VA_OK);
	assert_int_equal(m, 2);
	EXPECT(BASE + 10 * PAGE, BASE + 22 * PAGE);
	assert_int_equal(tree.free_bytes, 12 * PAGE);

	/* A merge needs no node. */
	struct va_node *unused[VA_TREE_MAX_UNUSED];
	int n;

	assert_int_equal(va_tree_free(&tree, BASE + 22 * PAGE, BASE + 23 * PAGE, NULL, unused, &n),
			 VA_OK);
	assert_int_equal(n, 0);
	assert_int_equal(va_tree_free(&tree, BASE + 24 * PAGE, BASE + 25 * PAGE, NULL, unused, &n),
			 VA_ENONODE);
	EXPECT(BASE + 10 * PAGE, BASE + 23 * PAGE);
}

/*
 * Lowest fit where Linux's descent on size + align - 1 finds nothing:
 * single free pages, one of them 2 MiB aligned, deep in a tree of 100k.
 * Then a 2 MiB aligned page with no aligned page free: the walk must test
 * every near miss and still say no, and must not look at the tree if no
 * range is big enough.
 */
static void test_deep_tree_and_near_misses(void **state)
{
	const uint64_t n = 100000, start = BASE + 2 * MB;
	enum clip kind;
	int m;

	fresh_tree();
	assert_int_equal(do_free(start, start + 2 * n * PAGE, &m), VA_OK);
	for (uint64_t i = 0; i < 2 * n; i++) {
		if (do_alloc(PAGE, PAGE, 0, TOP, true, &kind) != start + i * PAGE)
			FAIL("allocation %lu", i);
	}
	EXPECT_EMPTY();
	/* Free the odd pages: none is 2 MiB aligned. */
	for (uint64_t i = 1; i < 2 * n; i += 2)
		assert_int_equal(do_free(start + i * PAGE, start + (i + 1) * PAGE, &m), VA_OK);
	check_tree();
	assert_int_equal(tree.nodes, n);

	/* Red-black: no path longer than 2 log2(n + 1). */
	uint64_t deepest = 0;

	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v)) {
		uint64_t d = 0;

		for (const struct rb_node *p = &v->rb; p; p = rb_parent(p))
			d++;
		deepest = d > deepest ? d : deepest;
	}
	print_message("va_tree: %lu nodes, deepest path %lu\n", n, deepest);
	assert_true(deepest <= 2 * 17);

	snap_take();
	assert_int_equal(do_alloc(PAGE, 2 * MB, 0, TOP, true, &kind), 0);
	assert_int_equal(do_alloc(2 * PAGE, PAGE, 0, TOP, true, &kind), 0);
	snap_same("a failed allocation");

	/* One aligned page, high up: found, though no range is 2 MiB big. */
	uint64_t hit = start + 2 * MB * 150;

	assert_int_equal(do_free(hit, hit + PAGE, &m), VA_OK);
	assert_int_equal(m, 2);
	assert_int_equal(do_alloc(PAGE, 2 * MB, 0, TOP, true, &kind), hit);
	assert_int_equal(kind, CLIP_MIDDLE);
	/* The lowest odd page at or above a window start. */
	assert_int_equal(do_alloc(PAGE, PAGE, start + 1000 * PAGE, TOP, true, &kind),
			 start + 1001 * PAGE);
	check_tree();
}

/* Fill a region to the last page, then free it all in random order. */
static void test_exhaustion(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree exhaustion", &seeds, (int)scaled(20));

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		seed_rng(seed);

		uint64_t pages = 1 + rnd_below(3000), n = 0, got;
		enum clip kind;
		int m;

		fresh_tree();
		assert_int_equal(do_free(BASE, BASE + pages * PAGE, &m), VA_OK);
		while (tree.free_bytes) {
			uint64_t size = (1 + rnd_below(8)) * PAGE;

			op_now++;
			if (size > tree.free_bytes)
				size = tree.free_bytes;
			got = do_alloc(size, PAGE, 0, TOP, true, &kind);
			if (got != BASE + (pages * PAGE - tree.free_bytes) - size)
				FAIL("fill got %#lx", got);
			live_start[n] = got;
			live_size[n++] = size;
		}
		snap_take();
		if (do_alloc(PAGE, PAGE, 0, TOP, true, &kind))
			FAIL("allocated from a full region");
		snap_same("allocation from a full region");
		for (uint64_t i = n; i > 0; i--) {
			uint64_t j = rnd_below(i);

			op_now++;
			if (do_free(live_start[j], live_start[j] + live_size[j], &m))
				FAIL("free of a live area failed");
			live_start[j] = live_start[i - 1];
			live_size[j] = live_size[i - 1];
			if (i % 64 == 0)
				check_tree();
		}
		EXPECT(BASE, BASE + pages * PAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_bad_arguments),
		cmocka_unit_test(test_four_clips),
		cmocka_unit_test(test_merges_and_bad_frees),
		cmocka_unit_test(test_deep_tree_and_near_misses),
		cmocka_unit_test(test_exhaustion),
	};

	return cmocka_run_group_tests_name("mm/va_tree.c", tests, NULL, NULL);
}
