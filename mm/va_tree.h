#pragma once
/*
 * The free-area index of the vmalloc allocator: the free ranges of kernel
 * virtual address space, in a red-black tree keyed by start address and
 * augmented with the largest free range in each subtree (as Linux's
 * free_vmap_area_root). Allocation is lowest-address first fit.
 *
 * Pure logic, no locking (the caller locks), and the tree never allocates:
 * nodes are intrusive and the caller owns their memory. An allocation that
 * splits a range uses a spare node the caller got beforehand (as Linux's
 * preload); a free that merges hands nodes back. All addresses, sizes and
 * alignments are multiples of VA_PAGE. No free range ever contains
 * address 0, so 0 can mean "no address".
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/rbtree.h"

#define VA_PAGE 4096ull

/* va_tree_free's results. */
#define VA_OK        0
#define VA_EINVAL   (-1)	/* empty, unaligned, wrapping, or containing 0 */
#define VA_EOVERLAP (-2)	/* overlaps a free range: a double or bad free */
#define VA_ENONODE  (-3)	/* needed a node and none was given */

/* va_tree_free hands back at most this many nodes. */
#define VA_TREE_MAX_UNUSED 2

/* One free range [start, end). */
struct va_node {
	struct rb_node rb;
	uint64_t start, end;
	uint64_t subtree_max;	/* largest end - start in this subtree */
};

struct va_tree {
	struct rb_root root;
	uint64_t nodes;		/* free ranges in the tree */
	uint64_t free_bytes;	/* their total size */
};

void va_tree_init(struct va_tree *t);

/*
 * Make [start, end) free, merged with the free ranges it touches. node may
 * be used for it (pass one unless the caller knows a merge will happen).
 * unused[] receives every node the caller owns again: node itself if the
 * tree did not keep it, and a neighbour absorbed by a merge on both sides;
 * *nunused says how many (0..VA_TREE_MAX_UNUSED). Returns VA_OK, or an
 * error with the tree unchanged and only node handed back.
 */
int va_tree_free(struct va_tree *t, uint64_t start, uint64_t end, struct va_node *node,
		 struct va_node *unused[VA_TREE_MAX_UNUSED], int *nunused);

/*
 * Take size bytes at an align-aligned address inside [vstart, vend), the
 * lowest such address there is; 0 if none, or if the arguments are bad
 * (size or window not page multiples, align not a power of two >= VA_PAGE).
 *
 * A range split in the middle needs one node: *spare is used and set to
 * NULL. With no spare (spare or *spare NULL) such an allocation fails with
 * 0 and the tree unchanged. A range taken whole leaves its node unused:
 * it goes to *unused (never NULL itself; set to NULL otherwise).
 */
uint64_t va_tree_alloc(struct va_tree *t, uint64_t size, uint64_t align, uint64_t vstart,
		       uint64_t vend, struct va_node **spare, struct va_node **unused);

/* The free ranges in address order; NULL after the last. */
const struct va_node *va_tree_first(const struct va_tree *t);
const struct va_node *va_tree_next(const struct va_node *n);

/*
 * Every invariant, for tests: red-black rules, address order, ranges
 * non-empty, page-aligned and neither overlapping nor touching (touching
 * ones must have merged), subtree_max exact, nodes and free_bytes right.
 * On failure writes what and where into why (len bytes) and returns false.
 */
bool va_tree_check(const struct va_tree *t, char *why, size_t len);
