#pragma once
/*
 * The harness shared by the mm/va_tree.c host tests (test_va_tree.c,
 * test_va_tree_model.c). Nodes come from a pool that poisons what the tree
 * hands back, and every node is accounted for after each operation;
 * snapshots check that a failed call changed no byte of the tree; a sorted
 * array of free ranges is the reference model. Seeds are printed; VA_SEED=n
 * reruns one. With VALGRIND set the random runs are cut down. Every
 * test_*.c is its own program, so the static state here is one copy each.
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

static inline const char *fmt_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *fmt_msg(const char *fmt, ...)
{
	static char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return buf;
}

/* --- random numbers: random.h's xorshift64, one stream per seed ----------- */

static inline uint64_t rnd_below(uint64_t n)
{
	return n ? test_random() % n : 0;
}

static inline void seed_rng(uint64_t seed)
{
	seed_now = seed;
	op_now = 0;
	test_seed(seed);
}

/* Under valgrind (VALGRIND set) the random runs shrink twentyfold. */
static inline long scaled(long n)
{
	return getenv("VALGRIND") ? (n + 19) / 20 : n;
}

static inline uint64_t seed_first(const char *name, int *count, int dflt)
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

static inline void pool_reset(void)
{
	pool_n = 0;
	for (size_t i = 0; i < NPOOL; i++)
		pool_free[pool_n++] = &pool[NPOOL - 1 - i];
}

static inline struct va_node *node_get(void)
{
	if (!pool_n)
		FAIL("node pool empty");
	struct va_node *n = pool_free[--pool_n];

	memset(n, 0x5a, sizeof(*n));	/* the tree must set every field it uses */
	return n;
}

static inline void node_put(struct va_node *n)
{
	if (n < pool || n >= pool + NPOOL || pool_n >= NPOOL)
		FAIL("node %p handed back is not a pool node, or twice", (void *)n);
	memset(n, 0xa5, sizeof(*n));	/* a node still in the tree breaks the check */
	pool_free[pool_n++] = n;
}

static inline void fresh_tree(void)
{
	pool_reset();
	va_tree_init(&tree);
}

static inline void check_tree(void)
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

/* --- calls through the pool, checking what comes back --------------------- */

enum clip { CLIP_NONE, CLIP_WHOLE, CLIP_LEFT, CLIP_RIGHT, CLIP_MIDDLE, CLIP_KINDS };

/* Free [s, e) offering a pool node; *merges is how many neighbours joined. */
static inline int do_free(uint64_t s, uint64_t e, int *merges)
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

static inline uint64_t do_alloc(uint64_t size, uint64_t align, uint64_t vs, uint64_t ve,
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

/* --- snapshots: a failed call must leave every byte of the tree alone ----- */

struct snap_node {
	const struct va_node *p;
	struct va_node copy;
};

#define SNAP_MAX NPOOL

static struct snap_node snap[SNAP_MAX];
static struct va_tree snap_tree;

static inline void snap_take(void)
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

static inline void snap_same(const char *what)
{
	size_t i = 0;

	if (memcmp(&snap_tree, &tree, sizeof(tree)))
		FAIL("%s changed the tree's root or counts", what);
	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v), i++) {
		if (v != snap[i].p || memcmp(v, &snap[i].copy, sizeof(*v)))
			FAIL("%s changed node %zu [%#lx, %#lx)", what, i, v->start, v->end);
	}
}

/* --- expected ranges ------------------------------------------------------ */

static inline void expect_ranges(const uint64_t *want, size_t n)
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

/* Live (allocated) areas, for the runs that free them again. */
static uint64_t live_start[NPOOL], live_size[NPOOL];

/* --- the range model: a sorted array of free ranges ----------------------- */

#define MODEL_MAX NPOOL

struct range {
	uint64_t start, end;
};

static struct range model[MODEL_MAX];
static size_t model_n;
static uint64_t model_bytes;

static inline void model_reset(void)
{
	model_n = 0;
	model_bytes = 0;
}

/* The first range in address order with aligned room; may refuse a split. */
static inline uint64_t model_alloc(uint64_t size, uint64_t align, uint64_t vs, uint64_t ve,
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

static inline int model_free(uint64_t s, uint64_t e, int *merges)
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

static inline void model_compare(void)
{
	size_t i = 0;

	for (const struct va_node *v = va_tree_first(&tree); v; v = va_tree_next(v), i++) {
		if (i >= model_n || v->start != model[i].start || v->end != model[i].end)
			FAIL("tree range %zu [%#lx, %#lx) differs from the model", i, v->start, v->end);
	}
	if (i != model_n)
		FAIL("tree has %zu ranges, the model %zu", i, model_n);
}
