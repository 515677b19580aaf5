/*
 * Red-black tree, after CLRS chapter 13, with parent pointers instead of a
 * shared nil sentinel (a sentinel's parent field would be written by every
 * tree, and lull has several) and the colour packed into the parent
 * pointer's low bit, free because nodes are at least 8-byte aligned.
 *
 * Augmentation: a rotation keeps the set of nodes below its top position,
 * so it only recomputes the two nodes it moved, lower one first. Insertion
 * adds one leaf: its ancestors can only grow towards its value, so the walk
 * up stops at the first unchanged one. Erasure may move the successor up
 * over a whole path, so it recomputes that path to the root in full before
 * rebalancing, and rebalancing is then rotations only.
 */
#include "mm/rbtree.h"

#define RB_BLACK ((uintptr_t)1)

static void rb_set_parent(struct rb_node *n, struct rb_node *p)
{
	n->parent_color = (uintptr_t)p | (n->parent_color & RB_BLACK);
}

static void rb_set_black(struct rb_node *n, bool black)
{
	n->parent_color = (n->parent_color & ~RB_BLACK) | (black ? RB_BLACK : 0);
}

/* Point whoever pointed at old (its parent, or the root) at new. */
static void rb_replace_child(struct rb_root *root, struct rb_node *parent,
			     struct rb_node *old, struct rb_node *new)
{
	if (!parent)
		root->node = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/*
 *     x              y
 *    / \            / \
 *   a   y    ->    x   c
 *      / \        / \
 *     b   c      a   b
 */
static void rb_rotate_left(struct rb_root *root, struct rb_node *x, rb_recompute_fn recompute)
{
	struct rb_node *y = x->right, *p = rb_parent(x);

	x->right = y->left;
	if (y->left)
		rb_set_parent(y->left, x);
	y->left = x;
	rb_set_parent(y, p);
	rb_replace_child(root, p, x, y);
	rb_set_parent(x, y);
	recompute(x);
	recompute(y);
}

/* The mirror image of rb_rotate_left. */
static void rb_rotate_right(struct rb_root *root, struct rb_node *x, rb_recompute_fn recompute)
{
	struct rb_node *y = x->left, *p = rb_parent(x);

	x->left = y->right;
	if (y->right)
		rb_set_parent(y->right, x);
	y->right = x;
	rb_set_parent(y, p);
	rb_replace_child(root, p, x, y);
	rb_set_parent(x, y);
	recompute(x);
	recompute(y);
}

void rb_propagate(struct rb_node *n, rb_recompute_fn recompute)
{
	while (n && recompute(n))
		n = rb_parent(n);
}

void rb_insert(struct rb_root *root, struct rb_node *n, struct rb_node *parent,
	       struct rb_node **link, rb_recompute_fn recompute)
{
	n->parent_color = (uintptr_t)parent;	/* red */
	n->left = n->right = NULL;
	*link = n;
	recompute(n);
	rb_propagate(parent, recompute);

	/* A red node under a red parent is the only rule a red leaf can break. */
	struct rb_node *p;

	while ((p = rb_parent(n)) && !rb_is_black(p)) {
		struct rb_node *g = rb_parent(p);	/* exists: a red node is never the root */
		bool left = p == g->left;
		struct rb_node *uncle = left ? g->right : g->left;

		if (!rb_is_black(uncle)) {
			/* Recolour and move the problem two levels up. */
			rb_set_black(p, true);
			rb_set_black(uncle, true);
			rb_set_black(g, false);
			n = g;
			continue;
		}
		if (n == (left ? p->right : p->left)) {
			/* Bend the zig-zag straight so one rotation at g ends it. */
			if (left)
				rb_rotate_left(root, p, recompute);
			else
				rb_rotate_right(root, p, recompute);
			n = p;
			p = rb_parent(n);
		}
		rb_set_black(p, true);
		rb_set_black(g, false);
		if (left)
			rb_rotate_right(root, g, recompute);
		else
			rb_rotate_left(root, g, recompute);
		break;
	}
	rb_set_black(root->node, true);
}

/*
 * x (possibly NULL) under parent carries one black too few on its side.
 * CLRS's four cases, written once for x on the left and once mirrored.
 */
static void rb_erase_fixup(struct rb_root *root, struct rb_node *x, struct rb_node *parent,
			   rb_recompute_fn recompute)
{
	while (x != root->node && rb_is_black(x)) {
		bool left = x == parent->left;
		/* Not NULL: the sibling's side has at least one black more than x's. */
		struct rb_node *w = left ? parent->right : parent->left;

		if (!rb_is_black(w)) {
			/* Turn a red sibling into a black one, one level down. */
			rb_set_black(w, true);
			rb_set_black(parent, false);
			if (left)
				rb_rotate_left(root, parent, recompute);
			else
				rb_rotate_right(root, parent, recompute);
			w = left ? parent->right : parent->left;
		}
		struct rb_node *near = left ? w->left : w->right;
		struct rb_node *far = left ? w->right : w->left;

		if (rb_is_black(near) && rb_is_black(far)) {
			/* Take a black off both sides and push the deficit up. */
			rb_set_black(w, false);
			x = parent;
			parent = rb_parent(x);
			continue;
		}
		if (rb_is_black(far)) {
			/* Make the far nephew red so the final rotation can use it. */
			rb_set_black(near, true);
			rb_set_black(w, false);
			if (left)
				rb_rotate_right(root, w, recompute);
			else
				rb_rotate_left(root, w, recompute);
			w = left ? parent->right : parent->left;
			far = left ? w->right : w->left;
		}
		rb_set_black(w, rb_is_black(parent));
		rb_set_black(parent, true);
		rb_set_black(far, true);
		if (left)
			rb_rotate_left(root, parent, recompute);
		else
			rb_rotate_right(root, parent, recompute);
		x = root->node;
	}
	if (x)
		rb_set_black(x, true);
}

void rb_erase(struct rb_root *root, struct rb_node *z, rb_recompute_fn recompute)
{
	struct rb_node *child, *parent;
	bool removed_black;

	if (!z->left || !z->right) {
		child = z->left ? z->left : z->right;
		parent = rb_parent(z);
		removed_black = rb_is_black(z);
		rb_replace_child(root, parent, z, child);
		if (child)
			rb_set_parent(child, parent);
	} else {
		/* Two children: z's successor y (no left child) takes z's place. */
		struct rb_node *y = z->right;

		while (y->left)
			y = y->left;
		child = y->right;
		removed_black = rb_is_black(y);
		if (rb_parent(y) == z) {
			parent = y;
		} else {
			parent = rb_parent(y);
			parent->left = child;
			if (child)
				rb_set_parent(child, parent);
			y->right = z->right;
			rb_set_parent(y->right, y);
		}
		rb_replace_child(root, rb_parent(z), z, y);
		y->parent_color = z->parent_color;	/* z's parent and colour */
		y->left = z->left;
		rb_set_parent(y->left, y);
	}
	/* Every node whose subtree lost z, or gained y, lies on this path. */
	for (struct rb_node *n = parent; n; n = rb_parent(n))
		recompute(n);
	if (removed_black)
		rb_erase_fixup(root, child, parent, recompute);
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->node;

	while (n && n->left)
		n = n->left;
	return n;
}

struct rb_node *rb_next(const struct rb_node *n)
{
	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct rb_node *)n;
	}
	struct rb_node *p;

	while ((p = rb_parent(n)) && n == p->right)
		n = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *n)
{
	if (n->left) {
		n = n->left;
		while (n->right)
			n = n->right;
		return (struct rb_node *)n;
	}
	struct rb_node *p;

	while ((p = rb_parent(n)) && n == p->left)
		n = p;
	return p;
}

/* Black nodes from n up to the root, or UINT64_MAX if the climb runs away. */
static uint64_t rb_black_depth(const struct rb_node *n, uint64_t max_nodes)
{
	uint64_t blacks = 0;

	for (uint64_t steps = 0; n; n = rb_parent(n)) {
		if (++steps > max_nodes)
			return UINT64_MAX;
		blacks += rb_is_black(n);
	}
	return blacks;
}

const char *rb_check(const struct rb_root *root, uint64_t max_nodes,
		     const struct rb_node **where)
{
	const struct rb_node *n = root->node;
	uint64_t seen = 0, black_height = UINT64_MAX;

	*where = n;
	if (!n)
		return NULL;
	if (rb_parent(n))
		return "root has a parent";
	if (!rb_is_black(n))
		return "root is red";
	/* Checking each node's child links before rb_next climbs them. */
	for (n = rb_first(root); n; n = rb_next(n)) {
		*where = n;
		if (++seen > max_nodes)
			return "more nodes than expected (a cycle?)";
		if ((n->left && rb_parent(n->left) != n) || (n->right && rb_parent(n->right) != n))
			return "child's parent link is wrong";
		if (!rb_is_black(n) && (!rb_is_black(n->left) || !rb_is_black(n->right)))
			return "red node has a red child";
		if (n->left && n->right)
			continue;
		uint64_t depth = rb_black_depth(n, max_nodes);

		if (depth == UINT64_MAX)
			return "parent links form a cycle";
		if (black_height == UINT64_MAX)
			black_height = depth;
		else if (depth != black_height)
			return "black heights differ";
	}
	return NULL;
}
