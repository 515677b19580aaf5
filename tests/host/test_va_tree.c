/*
 * Host tests for mm/va_tree.c (and the mm/rbtree.c under it): the clip and
 * merge cases and every bad argument by hand, a lowest fit that Linux's
 * size + align - 1 descent would miss, a deep tree, exhaustion (seeded),
 * and three seeded random runs against models:
 *  - a bool per page, where lowest fit is a plain scan of aligned
 *    addresses, with va_tree_check and a full snapshot (failed operations
 *    must not change one pointer) after every operation;
 *  - each alignment 4 KiB..2 MiB alone, against a sorted array of ranges;
 *  - millions of mixed operations against that array, odd regions too
 *    (next to 0, at the top of the address space).
 * Nodes come from a pool that poisons what the tree hands back, and every
 * node is accounted for after each operation. Seeds are printed; VA_SEED=n
 * reruns one. With VALGRIND set the random runs are cut down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tests/host/random.h"
#include "kernel/format.h"
#include "kernel/string.h"
#include "mm/va_tree.h"

#define PAGE VA_PAGE
#define MB (1024ull * 1024)
#define TOP (0ull - PAGE)		/* the highest page-aligned address */
#define BASE 0xffffc90000000000ull	/* where lull's vmalloc space starts */

static struct va_tree tree;
static uint64_t seed_now;
static long op_now;

#define FAIL(...) fail_msg("seed %lu op %ld: %s", seed_now, op_now, fmt_msg(__VA_ARGS__))

static const char *fmt_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt_msg(const char *fmt, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* --- random numbers: xorshift64, one stream per seed ----------------------- */


static uint64_t rnd_below(uint64_t n)
{
	return n ? test_random() % n : 0;
}

static void seed_rng(uint64_t seed)
{
	seed_now = seed;
	op_now = 0;
	test_seed(seed);
}

/* Under valgrind (VALGRIND set) the random runs shrink twentyfold. */
static long scaled(long n)
{
	return getenv("VALGRIND") ? (n + 19) / 20 : n;
}

static uint64_t seed_first(const char *name, int *count, int dflt)
{
	const char *env = getenv("VA_SEED");
	uint64_t first = env ? strtoull(env, NULL, 0) : 1;

	*count = env ? 1 : dflt;
	print_message("%s: seeds %lu-%lu\n", name, first, first + *count - 1);
	return first;
}

/* --- the node pool: poisoned when handed back, every node accounted for --- */

#define NPOOL (1u << 18)

static struct va_node pool[NPOOL];
static struct va_node *pool_free[NPOOL];
static size_t pool_n;

static void pool_reset(void)
{
	pool_n = 0;
	for (size_t i = 0; i < NPOOL; i++)
		pool_free[pool_n++] = &pool[NPOOL - 1 - i];
}

static struct va_node *node_get(void)
{
	if (!pool_n)
		FAIL("node pool empty");
	struct va_node *n = pool_free[--pool_n];

	memset(n, 0x5a, sizeof(*n));	/* the tree must set every field it uses */
	return n;
}

static void node_put(struct va_node *n)
{
	if (n < pool || n >= pool + NPOOL || pool_n >= NPOOL)
		FAIL("node %p handed back is not a pool node, or twice", (void *)n);
	memset(n, 0xa5, sizeof(*n));	/* a node still in the tree breaks the check */
	pool_free[pool_n++] = n;
}

static void fresh_tree(void)
{
	pool_reset();
	va_tree_init(&tree);
}

static void check_tree(void)
{
	char why[160];

	if (!va_tree_check(&tree, why, sizeof(why)))
		FAIL("va_tree_check: %s", why);
	if (pool_n + tree.nodes != NPOOL)
		FAIL("%lu nodes in the tree, %zu in the pool: a node leaked", tree.nodes, pool_n);
	/* rb_prev retraces rb_next's steps. */
	const struct va_node *prev = NULL;

	for (const struct va_node *v = va_tree_first(&tree); v; prev = v, v = va_tree_next(v)) {
		if (rb_prev(&v->rb) != (prev ? &prev->rb : NULL))
			FAIL("rb_prev of [%#lx, %#lx) is wrong", v->start, v->end);
	}
}

/* --- calls through the pool, checking what comes back ---------------------- */

enum clip { CLIP_NONE, CLIP_WHOLE, CLIP_LEFT, CLIP_RIGHT, CLIP_MIDDLE, CLIP_KINDS };

/* Free [s, e) offering a pool node; *merges is how many neighbours joined. */
static int do_free(uint64_t s, uint64_t e, int *merges)
{
	struct va_node *node = node_get(), *unused[VA_TREE_MAX_UNUSED] = { NULL, NULL };
	uint64_t nodes = tree.nodes;
	int nunused = -1, err = va_tree_free(&tree, s, e, node, unused, &nunused);
	bool node_back = false;

	if (nunused < 0 || nunused > VA_TREE_MAX_UNUSED)
		FAIL("free [%#lx, %#lx): nunused %d", s, e, nunused);
	for (int i = 0; i < nunused; i++) {
		node_back |= unused[i] == node;
		node_put(unused[i]);
	}
	if (err && (nunused != 1 || !node_back))
		FAIL("failed free [%#lx, %#lx) did not hand back exactly its node", s, e);
	/* A merge on both sides drops one node, on one side keeps the count. */
	*merges = err ? -1 : !node_back ? 0 : nunused == 2 ? 2 : 1;
	if (!err && tree.nodes != nodes + 1 - *merges)
		FAIL("free [%#lx, %#lx): node count %lu -> %lu", s, e, nodes, tree.nodes);
	return err;
}

static uint64_t do_alloc(uint64_t size, uint64_t align, uint64_t vs, uint64_t ve,
			 bool give_spare, enum clip *kind)
{
	struct va_node *spare = give_spare ? node_get() : NULL, *unused = pool;
	uint64_t nodes = tree.nodes, a = va_tree_alloc(&tree, size, align, vs, ve, &spare, &unused);
	bool used_spare = give_spare && !spare;

	if (spare)
		node_put(spare);
	if (unused)
		node_put(unused);
	if (!a)
		*kind = CLIP_NONE;
	else if (unused)
		*kind = CLIP_WHOLE;
	else if (used_spare)
		*kind = CLIP_MIDDLE;
	else
		*kind = CLIP_LEFT;	/* left or right: the caller tells them apart */
	if ((!a && (used_spare || unused)) || tree.nodes != nodes - (*kind == CLIP_WHOLE) +
	    (*kind == CLIP_MIDDLE))
		FAIL("alloc %#lx: spare/unused/node count inconsistent", a);
	return a;
}

/* --- snapshots: a failed call must leave every byte of the tree alone ------ */

struct snap_node {
	const struct va_node *p;
	struct va_node copy;
};

#define SNAP_MAX NPOOL

static struct snap_node snap[SNAP_MAX];
static struct va_tree snap_tree;

static void snap_take(void)
{
	size_t i = 0;

	snap_tree = tree;
	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v)) {
		if (i == SNAP_MAX)
			FAIL("tree too big to snapshot");
		snap[i].p = v;
		snap[i++].copy = *v;
	}
}

static void snap_same(const char *what)
{
	size_t i = 0;

	if (memcmp(&snap_tree, &tree, sizeof(tree)))
		FAIL("%s changed the tree's root or counts", what);
	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v), i++) {
		if (v != snap[i].p || memcmp(v, &snap[i].copy, sizeof(*v)))
			FAIL("%s changed node %zu [%#lx, %#lx)", what, i, v->start, v->end);
	}
}

/* --- hand-written cases ------------------------------------------------------- */

static void expect_ranges(const uint64_t *want, size_t n)
{
	size_t i = 0;

	check_tree();
	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v), i++) {
		if (i >= n || v->start != want[2 * i] || v->end != want[2 * i + 1])
			FAIL("range %zu is [%#lx, %#lx)", i, v->start, v->end);
	}
	if (i != n)
		FAIL("%zu ranges, want %zu", i, n);
}

#define EXPECT(...) do { const uint64_t w_[] = { __VA_ARGS__ }; \
	expect_ranges(w_, sizeof(w_) / sizeof(w_[0]) / 2); } while (0)
#define EXPECT_EMPTY() expect_ranges(NULL, 0)

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

static uint64_t live_start[NPOOL], live_size[NPOOL];

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

/* --- model 1: a bool per page, brute-force lowest fit ------------------------- */

#define BM_PAGES 1024

static bool bm_free[BM_PAGES];
static uint64_t bm_base;

static bool bm_is_free(uint64_t addr)
{
	return addr >= bm_base && addr < bm_base + BM_PAGES * PAGE && bm_free[(addr - bm_base) / PAGE];
}

/* Try every aligned address in the window, lowest first. */
static uint64_t bm_lowest_fit(uint64_t size, uint64_t align, uint64_t vs, uint64_t ve)
{
	/* Nothing is free outside the region: skip the climb there. */
	if (vs < bm_base)
		vs = bm_base;
	if (ve > bm_base + BM_PAGES * PAGE)
		ve = bm_base + BM_PAGES * PAGE;
	for (uint64_t a = (vs + align - 1) / align * align; a + size <= ve && a >= vs; a += align) {
		uint64_t p = 0;

		while (p < size && bm_is_free(a + p))
			p += PAGE;
		if (p == size)
			return a;
	}
	return 0;
}

static void bm_compare(void)
{
	const struct va_node *v = va_tree_first(&tree);

	for (uint64_t p = 0; p < BM_PAGES; p++) {
		if (!bm_free[p])
			continue;
		uint64_t s = bm_base + p * PAGE;

		while (p < BM_PAGES && bm_free[p])
			p++;
		if (!v || v->start != s || v->end != bm_base + p * PAGE)
			FAIL("tree and page model differ at %#lx", s);
		v = va_tree_next(v);
	}
	if (v)
		FAIL("tree has an extra range [%#lx, %#lx)", v->start, v->end);
}

static void test_random_vs_pages(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree pages", &seeds, (int)scaled(40));
	uint64_t kinds[CLIP_KINDS] = { 0 }, merges[3] = { 0 };

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		seed_rng(seed);
		fresh_tree();
		/* 2 MiB aligned, or a few pages after, so big alignments straddle. */
		bm_base = BASE + (test_random() % 2 ? 0 : (1 + rnd_below(300)) * PAGE);
		memset(bm_free, 0, sizeof(bm_free));

		for (op_now = 0; op_now < 4000; op_now++) {
			uint64_t r = rnd_below(100);
			uint64_t p = rnd_below(BM_PAGES), len = 1 + rnd_below(test_random() % 4 ? 8 : 128);
			uint64_t s = bm_base + p * PAGE, e = s + len * PAGE;
			uint64_t base_end = bm_base + BM_PAGES * PAGE;
			enum clip kind;
			int m;

			if (e > base_end)
				e = base_end;
			if (r < 45) {
				/* Free: expect success iff no page of it is free. */
				bool any = false, left, right;

				for (uint64_t a = s; a < e; a += PAGE)
					any |= bm_is_free(a);
				left = bm_is_free(s - PAGE);
				right = bm_is_free(e);
				if (any)
					snap_take();
				int err = do_free(s, e, &m);

				if (err != (any ? VA_EOVERLAP : VA_OK))
					FAIL("free [%#lx, %#lx) returned %d", s, e, err);
				if (any) {
					snap_same("an overlapping free");
					continue;
				}
				if (m != left + right)
					FAIL("free [%#lx, %#lx) merged %d, want %d", s, e, m, left + right);
				merges[m]++;
				for (uint64_t a = s; a < e; a += PAGE)
					bm_free[(a - bm_base) / PAGE] = true;
			} else {
				uint64_t align = PAGE << rnd_below(10);	/* 4 KiB .. 2 MiB */
				uint64_t vs = 0, ve = TOP, size = len * PAGE;

				if (test_random() % 4 == 0) {
					vs = bm_base + (rnd_below(BM_PAGES + 20) - 10) * PAGE;
					ve = vs + rnd_below(BM_PAGES) * PAGE;
				}
				uint64_t want = bm_lowest_fit(size, align, vs, ve);

				snap_take();
				uint64_t got = do_alloc(size, align, vs, ve, true, &kind);

				if (got != want)
					FAIL("alloc %#lx align %#lx in [%#lx, %#lx): %#lx, want %#lx",
					     size, align, vs, ve, got, want);
				if (!got) {
					snap_same("a failed allocation");
					continue;
				}
				bool left = bm_is_free(got - PAGE), right = bm_is_free(got + size);
				enum clip want_kind = left && right ? CLIP_MIDDLE : left ? CLIP_RIGHT :
						      right ? CLIP_LEFT : CLIP_WHOLE;

				if (kind != (want_kind == CLIP_RIGHT ? CLIP_LEFT : want_kind))
					FAIL("alloc at %#lx: clip kind %d, want %d", got, kind, want_kind);
				kinds[want_kind]++;
				for (uint64_t a = got; a < got + size; a += PAGE)
					bm_free[(a - bm_base) / PAGE] = false;
			}
			check_tree();
			bm_compare();
		}
	}
	print_message("va_tree pages: clips whole %lu left %lu right %lu middle %lu; "
		      "frees merging 0: %lu 1: %lu 2: %lu\n", kinds[CLIP_WHOLE], kinds[CLIP_LEFT],
		      kinds[CLIP_RIGHT], kinds[CLIP_MIDDLE], merges[0], merges[1], merges[2]);
	for (int k = CLIP_WHOLE; k < CLIP_KINDS; k++)
		assert_true(kinds[k] > 0);
	assert_true(merges[0] && merges[1] && merges[2]);
}

/* --- model 2: a sorted array of free ranges ----------------------------------- */

#define MODEL_MAX NPOOL

struct range {
	uint64_t start, end;
};

static struct range model[MODEL_MAX];
static size_t model_n;
static uint64_t model_bytes;

static void model_reset(void)
{
	model_n = 0;
	model_bytes = 0;
}

/* The first range in address order with aligned room; may refuse a split. */
static uint64_t model_alloc(uint64_t size, uint64_t align, uint64_t vs, uint64_t ve,
			    bool have_spare, enum clip *kind)
{
	*kind = CLIP_NONE;
	for (size_t i = 0; i < model_n; i++) {
		struct range *r = &model[i];
		uint64_t lo = r->start > vs ? r->start : vs, hi = r->end < ve ? r->end : ve;
		uint64_t a = lo % align ? lo - lo % align + align : lo;

		if (lo >= hi || a < lo || a >= hi || hi - a < size)
			continue;
		if (a == r->start && a + size == r->end) {
			*kind = CLIP_WHOLE;
			memmove(r, r + 1, (model_n - i - 1) * sizeof(*r));
			model_n--;
		} else if (a == r->start) {
			*kind = CLIP_LEFT;
			r->start = a + size;
		} else if (a + size == r->end) {
			*kind = CLIP_RIGHT;
			r->end = a;
		} else {
			if (!have_spare)
				return 0;
			*kind = CLIP_MIDDLE;
			memmove(r + 2, r + 1, (model_n - i - 1) * sizeof(*r));
			model_n++;
			r[1] = (struct range){ a + size, r->end };
			r->end = a;
		}
		model_bytes -= size;
		return a;
	}
	return 0;
}

static int model_free(uint64_t s, uint64_t e, int *merges)
{
	size_t i = 0;

	*merges = -1;
	if (s == 0 || s >= e || s % PAGE || e % PAGE)
		return VA_EINVAL;
	while (i < model_n && model[i].end <= s)
		i++;
	/* model[i] is the first range ending after s: it must start at or after e. */
	if (i < model_n && model[i].start < e)
		return VA_EOVERLAP;
	bool left = i > 0 && model[i - 1].end == s, right = i < model_n && model[i].start == e;

	*merges = left + right;
	if (left && right) {
		model[i - 1].end = model[i].end;
		memmove(&model[i], &model[i + 1], (model_n - i - 1) * sizeof(model[0]));
		model_n--;
	} else if (left) {
		model[i - 1].end = e;
	} else if (right) {
		model[i].start = s;
	} else {
		memmove(&model[i + 1], &model[i], (model_n - i) * sizeof(model[0]));
		model[i] = (struct range){ s, e };
		model_n++;
	}
	model_bytes += e - s;
	return VA_OK;
}

static void model_compare(void)
{
	size_t i = 0;

	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v), i++) {
		if (i >= model_n || v->start != model[i].start || v->end != model[i].end)
			FAIL("tree range %zu [%#lx, %#lx) differs from the model", i, v->start, v->end);
	}
	if (i != model_n)
		FAIL("tree has %zu ranges, the model %zu", i, model_n);
}

/*
 * One random operation on tree and model. Live areas are kept so frees
 * are real ones; some free only part of an area, some are double frees.
 */
struct workload {
	uint64_t lo, hi;		/* the region */
	uint64_t fixed_align;		/* 0: random alignments */
	uint64_t target;		/* live areas to aim for */
	uint64_t live_n;
	uint64_t kinds[CLIP_KINDS], merges[3], errors;
};

static uint64_t pick_align(const struct workload *w)
{
	uint64_t r = rnd_below(100);

	if (w->fixed_align)
		return w->fixed_align;
	return r < 50 ? PAGE : r < 92 ? PAGE << (1 + rnd_below(9)) : PAGE << (10 + rnd_below(9));
}

static void random_op(struct workload *w)
{
	uint64_t r = rnd_below(100), got, want;
	enum clip kind, want_kind;
	int m, want_m, err, want_err;

	if (r < 50 && (w->live_n < w->target || r < 20)) {
		uint64_t pages = test_random() % 8 ? 1 + rnd_below(16) : 1 + rnd_below(test_random() % 8 ? 64 : 2048);
		uint64_t size = pages * PAGE, align = pick_align(w), vs = 0, ve = TOP;
		bool spare = test_random() % 16 != 0;

		if (test_random() % 8 == 0) {
			vs = w->lo + rnd_below((w->hi - w->lo) / PAGE + 40) * PAGE - 20 * PAGE;
			ve = vs + rnd_below((w->hi - w->lo) / PAGE) * PAGE;
		} else if (test_random() % 8 == 0 && model_n) {
			/* A window ending where a free range does: right clips. */
			ve = model[rnd_below(model_n)].end;
			vs = ve - size - rnd_below(4) * PAGE;
		} else if (test_random() % 8 == 0 && model_n) {
			/* A free range's size, wherever it fits: whole takes. */
			const struct range *f = &model[rnd_below(model_n)];

			size = f->end - f->start;
		}
		want = model_alloc(size, align, vs, ve, spare, &want_kind);
		got = do_alloc(size, align, vs, ve, spare, &kind);
		if (got != want || kind != (want_kind == CLIP_RIGHT ? CLIP_LEFT : want_kind))
			FAIL("alloc %#lx align %#lx in [%#lx, %#lx)%s: %#lx (%d), want %#lx (%d)",
			     size, align, vs, ve, spare ? "" : " no spare", got, kind, want, want_kind);
		w->kinds[want_kind]++;
		if (got) {
			live_start[w->live_n] = got;
			live_size[w->live_n++] = size;
		}
	} else if (r < 88 && w->live_n) {
		uint64_t i = rnd_below(w->live_n), s = live_start[i], e = s + live_size[i];
		uint64_t pages = live_size[i] / PAGE;

		/* A third of the time only a head or a tail; the rest stays live. */
		if (pages > 1 && test_random() % 3 == 0) {
			uint64_t cut = s + (1 + rnd_below(pages - 1)) * PAGE;

			if (test_random() % 2) {
				live_start[i] = cut;
				e = cut;
			} else {
				s = cut;
			}
			live_size[i] -= e - s;
		} else {
			live_start[i] = live_start[--w->live_n];
			live_size[i] = live_size[w->live_n];
		}
		want_err = model_free(s, e, &want_m);
		err = do_free(s, e, &m);
		if (err || want_err || m != want_m)
			FAIL("free [%#lx, %#lx): %d merged %d, model %d merged %d",
			     s, e, err, m, want_err, want_m);
		w->merges[m]++;
	} else if (model_n) {
		/* A double free: a span with at least one free page in it. */
		const struct range *f = &model[rnd_below(model_n)];
		uint64_t p = f->start + rnd_below((f->end - f->start) / PAGE) * PAGE;
		uint64_t s = p - rnd_below(4) * PAGE, e = p + PAGE;

		if (s == 0 || s > p)
			s = p;
		if (e < TOP && test_random() % 2)
			e += rnd_below((TOP - e) / PAGE < 4 ? (TOP - e) / PAGE : 4) * PAGE;
		want_err = model_free(s, e, &want_m);
		err = do_free(s, e, &m);
		if (err != VA_EOVERLAP || want_err != VA_EOVERLAP)
			FAIL("double free [%#lx, %#lx): %d, model %d", s, e, err, want_err);
		w->errors++;
	}
	if (tree.nodes != model_n || tree.free_bytes != model_bytes)
		FAIL("tree %lu ranges %#lx bytes, model %zu ranges %#lx bytes",
		     tree.nodes, tree.free_bytes, model_n, model_bytes);
}

/* Run ops operations on a fresh tree over [lo, hi); check every every-th. */
static void run_workload(struct workload *w, uint64_t seed, long ops, long every)
{
	int m;

	seed_rng(seed);
	fresh_tree();
	model_reset();
	w->live_n = 0;
	assert_int_equal(do_free(w->lo, w->hi, &m), VA_OK);
	model_free(w->lo, w->hi, &m);
	for (op_now = 0; op_now < ops; op_now++) {
		random_op(w);
		if (op_now % every == 0) {
			check_tree();
			model_compare();
		}
	}
	check_tree();
	model_compare();
	/* Give everything back: one range again. */
	while (w->live_n) {
		w->live_n--;
		if (do_free(live_start[w->live_n], live_start[w->live_n] + live_size[w->live_n], &m))
			FAIL("final free failed");
	}
	EXPECT(w->lo, w->hi);
}

static void test_each_alignment(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree alignments", &seeds, 2);
	uint64_t kinds[CLIP_KINDS] = { 0 };

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		for (uint64_t align = PAGE; align <= 2 * MB; align *= 2) {
			struct workload w = {
				.lo = BASE + 3 * PAGE, .hi = BASE + 64 * MB + 5 * PAGE,
				.fixed_align = align, .target = 40 + seed % 200,
			};

			run_workload(&w, seed * 64 + align / PAGE, scaled(8000), 1);
			if (w.kinds[CLIP_WHOLE] + w.kinds[CLIP_LEFT] + w.kinds[CLIP_RIGHT] +
			    w.kinds[CLIP_MIDDLE] < (uint64_t)scaled(1000))
				FAIL("align %#lx: too few allocations succeeded", align);
			for (int k = 0; k < CLIP_KINDS; k++)
				kinds[k] += w.kinds[k];
		}
	}
	for (int k = CLIP_WHOLE; k < CLIP_KINDS; k++)
		assert_true(kinds[k] > 0);
}

/*
 * The long run. Regions: lull's vmalloc space, one just above 0, one
 * against the top of the address space (aligning up there overflows).
 */
static void test_random_long(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree long", &seeds, 12);
	long ops = scaled(300000);
	uint64_t total = 0, kinds[CLIP_KINDS] = { 0 }, merges[3] = { 0 }, errors = 0;

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		uint64_t size = (64 * MB) << (seed % 4);
		uint64_t lo = seed % 3 == 0 ? PAGE : seed % 3 == 1 ? BASE : TOP - size;
		struct workload w = {
			.lo = lo, .hi = lo + size, .target = 100 + (seed * 577) % 2000,
		};

		run_workload(&w, seed, ops, 4096);
		total += (uint64_t)ops;
		errors += w.errors;
		for (int k = 0; k < CLIP_KINDS; k++)
			kinds[k] += w.kinds[k];
		for (int k = 0; k < 3; k++)
			merges[k] += w.merges[k];
	}
	print_message("va_tree long: %lu operations; allocations failed %lu, whole %lu, "
		      "left %lu, right %lu, middle %lu; frees merging 0: %lu 1: %lu 2: %lu; "
		      "double frees %lu\n", total, kinds[CLIP_NONE], kinds[CLIP_WHOLE],
		      kinds[CLIP_LEFT], kinds[CLIP_RIGHT], kinds[CLIP_MIDDLE], merges[0],
		      merges[1], merges[2], errors);
	for (int k = 0; k < CLIP_KINDS; k++)
		assert_true(kinds[k] > 0);
	assert_true(merges[0] && merges[1] && merges[2] && errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_bad_arguments),
		cmocka_unit_test(test_four_clips),
		cmocka_unit_test(test_merges_and_bad_frees),
		cmocka_unit_test(test_deep_tree_and_near_misses),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_random_vs_pages),
		cmocka_unit_test(test_each_alignment),
		cmocka_unit_test(test_random_long),
	};

	return cmocka_run_group_tests_name("mm/va_tree.c", tests, NULL, NULL);
}
