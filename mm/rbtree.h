#pragma once
/*
 * An intrusive, augmented red-black tree. The caller embeds struct rb_node
 * in its own object, finds the place of a new node by its own descent (only
 * the caller knows the key), and keeps one augmented value per node: some
 * function of the node and its two subtrees, such as the largest free range
 * below it (mm/va_tree.c). The tree keeps that value right through every
 * link, rotation and erase by calling the caller's recompute function.
 *
 * Pure logic, iterative throughout (no recursion: kernel stacks are small),
 * and the tree never allocates. The caller locks.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rb_node {
	uintptr_t parent_color;	/* parent pointer; bit 0 set = black */
	struct rb_node *left, *right;
};

struct rb_root {
	struct rb_node *node;
};

/*
 * Set n's augmented value from n itself and its children's values (a NULL
 * child contributes nothing); return whether the value changed. Ancestors
 * are recomputed only while something changes, so the answer must be exact.
 */
typedef bool (*rb_recompute_fn)(struct rb_node *n);

#define rb_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

static inline struct rb_node *rb_parent(const struct rb_node *n)
{
	return (struct rb_node *)(n->parent_color & ~(uintptr_t)1);
}

/* NULL children are black, as in the textbook's nil leaves. */
static inline bool rb_is_black(const struct rb_node *n)
{
	return !n || (n->parent_color & 1);
}

/*
 * Link n as a leaf at *link (a child pointer of parent, or &root->node when
 * parent is NULL), bring the augmented values up to date and rebalance.
 */
void rb_insert(struct rb_root *root, struct rb_node *n, struct rb_node *parent,
	       struct rb_node **link, rb_recompute_fn recompute);
/* Unlink n; the caller owns its memory again. */
void rb_erase(struct rb_root *root, struct rb_node *n, rb_recompute_fn recompute);
/*
 * n's own contribution changed (its key order did not): recompute n and
 * its ancestors, stopping at the first one whose value stays the same.
 */
void rb_propagate(struct rb_node *n, rb_recompute_fn recompute);

/* In-order walk; NULL at either end. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *n);
struct rb_node *rb_prev(const struct rb_node *n);

/*
 * The red-black rules and parent links, for tests: NULL if they hold,
 * else what is broken, with *where set to the node at fault. At most
 * max_nodes nodes are visited, so a corrupted (cyclic) tree still ends.
 */
const char *rb_check(const struct rb_root *root, uint64_t max_nodes,
		     const struct rb_node **where);
