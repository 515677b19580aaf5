/*
 * Host benchmark for mm/va_tree.c: one seeded vmalloc/vfree workload (1..64
 * pages, page aligned, a few thousand live areas, first a warm-up to fill
 * the working set) run against the tree and against the obvious
 * alternative, a first-fit sorted list of free ranges. Both are lowest
 * fit, so they must hand out the same addresses: the run checks that, so
 * a fast wrong answer cannot win.
 *
 *   build/host/bench_va_tree [ops [live [seed]]]
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tests/host/random.h"
#include "mm/va_tree.h"

#define PAGE VA_PAGE
#define BASE 0xffffc90000000000ull
#define SPAN (1ull << 40)	/* lull's vmalloc space: never full here */
#define MAX_LIVE 65536
#define MAX_NODES (2 * MAX_LIVE + 16)

struct allocator {
	const char *name;
	void (*reset)(void);
	uint64_t (*alloc)(uint64_t size);
	void (*free)(uint64_t start, uint64_t size);
};

static void die(const char *what)
{
	fprintf(stderr, "bench_va_tree: %s\n", what);
	exit(1);
}

/* --- the tree, with a free list of nodes standing in for a slab ------------- */

static struct va_node tree_nodes[MAX_NODES];
static struct va_node *tree_spare_list[MAX_NODES];
static size_t tree_spare_n;
static struct va_tree tree;

static struct va_node *tree_node_get(void)
{
	if (!tree_spare_n)
		die("out of tree nodes");
	return tree_spare_list[--tree_spare_n];
}

static void tree_node_put(struct va_node *n)
{
	tree_spare_list[tree_spare_n++] = n;
}

static void tree_reset(void)
{
	struct va_node *unused[VA_TREE_MAX_UNUSED];
	int n;

	tree_spare_n = 0;
	for (size_t i = 0; i < MAX_NODES; i++)
		tree_node_put(&tree_nodes[i]);
	va_tree_init(&tree);
	if (va_tree_free(&tree, BASE, BASE + SPAN, tree_node_get(), unused, &n) || n)
		die("tree set-up failed");
}

static uint64_t tree_alloc(uint64_t size)
{
	struct va_node *spare = tree_node_get(), *unused;
	uint64_t a = va_tree_alloc(&tree, size, PAGE, BASE, BASE + SPAN, &spare, &unused);

	if (spare)
		tree_node_put(spare);
	if (unused)
		tree_node_put(unused);
	return a;
}

static void tree_free(uint64_t start, uint64_t size)
{
	struct va_node *unused[VA_TREE_MAX_UNUSED];
	int n;

	if (va_tree_free(&tree, start, start + size, tree_node_get(), unused, &n))
		die("tree free failed");
	while (n)
		tree_node_put(unused[--n]);
}

/* --- the naive list: sorted free ranges, first fit, merged on free ----------- */

struct list_node {
	struct list_node *next;
	uint64_t start, end;
};

static struct list_node list_nodes[MAX_NODES];
static struct list_node *list_spare, *list_head;

static void list_reset(void)
{
	list_spare = NULL;
	for (size_t i = 0; i < MAX_NODES; i++) {
		list_nodes[i].next = list_spare;
		list_spare = &list_nodes[i];
	}
	list_head = list_spare;
	list_spare = list_spare->next;
	*list_head = (struct list_node){ NULL, BASE, BASE + SPAN };
}

static uint64_t list_alloc(uint64_t size)
{
	for (struct list_node **link = &list_head, *n; (n = *link); link = &n->next) {
		if (n->end - n->start < size)
			continue;
		uint64_t a = n->start;

		n->start += size;
		if (n->start == n->end) {
			*link = n->next;
			n->next = list_spare;
			list_spare = n;
		}
		return a;
	}
	return 0;
}

static void list_free(uint64_t start, uint64_t size)
{
	uint64_t end = start + size;
	struct list_node *prev = NULL, *next = list_head;

	while (next && next->end <= start) {
		prev = next;
		next = next->next;
	}
	if ((next && next->start < end))
		die("list double free");
	bool join_prev = prev && prev->end == start, join_next = next && next->start == end;

	if (join_prev && join_next) {
		prev->end = next->end;
		prev->next = next->next;
		next->next = list_spare;
		list_spare = next;
	} else if (join_prev) {
		prev->end = end;
	} else if (join_next) {
		next->start = start;
	} else {
		struct list_node *n = list_spare;

		if (!n)
			die("out of list nodes");
		list_spare = n->next;
		*n = (struct list_node){ next, start, end };
		if (prev)
			prev->next = n;
		else
			list_head = n;
	}
}

/* --- the workload ------------------------------------------------------------- */


static uint64_t live_start[MAX_LIVE], live_size[MAX_LIVE];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Fill the working set, then ops timed operations: alloc below the target,
 * free above it, either at random near it. Returns operations per second
 * and a checksum of every address handed out.
 */
static double run(const struct allocator *al, long ops, uint64_t live_target, uint64_t seed,
		  uint64_t *sum)
{
	uint64_t live = 0;
	double t0 = 0;

	al->reset();
	test_seed(seed);
	*sum = 0;
	for (long op = -(long)live_target; op < ops; op++) {
		if (op == 0)
			t0 = now();
		bool alloc = live < live_target / 2 ||
			     (live < live_target * 3 / 2 && test_random() % 2 == 0);

		if (alloc) {
			uint64_t size = (1 + test_random() % 64) * PAGE, a = al->alloc(size);

			if (!a)
				die("allocation failed");
			live_start[live] = a;
			live_size[live++] = size;
			*sum = *sum * 31 + a;
		} else {
			uint64_t i = test_random() % live;

			al->free(live_start[i], live_size[i]);
			live_start[i] = live_start[--live];
			live_size[i] = live_size[live];
		}
	}
	return (double)ops / (now() - t0);
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 1000000;
	uint64_t live = argc > 2 ? strtoull(argv[2], NULL, 0) : 4000;
	uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 0) : 1;
	const struct allocator tree_al = { "va_tree", tree_reset, tree_alloc, tree_free };
	const struct allocator list_al = { "first-fit list", list_reset, list_alloc, list_free };
	uint64_t tree_sum, list_sum;

	if (ops <= 0 || live < 2 || live * 3 / 2 >= MAX_LIVE)
		die("usage: bench_va_tree [ops [live (2..43000) [seed]]]");
	printf("workload: seed %lu, %ld operations, about %lu live areas of 1..64 pages\n",
	       seed, ops, live);
	double t = run(&tree_al, ops, live, seed, &tree_sum);

	printf("  %-15s %12.0f ops/s (%lu free ranges at the end)\n", tree_al.name, t, tree.nodes);
	double l = run(&list_al, ops, live, seed, &list_sum);

	printf("  %-15s %12.0f ops/s\n", list_al.name, l);
	if (tree_sum != list_sum)
		die("the two allocators handed out different addresses");
	printf("  same addresses from both; va_tree is %.1fx the list\n", t / l);
	return 0;
}
