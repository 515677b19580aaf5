/*
 * The vmalloc free-area index: free ranges in a red-black tree by start
 * address, each node also holding subtree_max, the largest range size in
 * its subtree (mm/rbtree.c keeps it right through rotations).
 *
 * Lowest fit. A range [s, e) fits a request (size, align, [vstart, vend))
 * iff a = align_up(max(s, vstart)) satisfies a + size <= min(e, vend), and
 * then a is the lowest address it offers. Ranges are disjoint and sorted,
 * so the answer is the first fitting range in address order. va_lowest_fit
 * walks the tree in order, skipping a subtree only when nothing in it can
 * fit, which keeps the first fit it meets the first fit there is:
 *  - subtree_max < size: every range below is too small even unaligned;
 *  - left of a node starting at or below vstart: all ends <= vstart;
 *  - right of a node ending at or above vend: all starts >= vend;
 *  - and the walk ends at the first node starting at or above vend.
 * Each node reached is tested exactly. Linux instead descends on
 * subtree_max >= size + align - 1, which proves a fit without looking but
 * can pass over a smaller, luckily aligned range lower down: it returns a
 * fit, not always the lowest.
 *
 * Cost: O(log n) for the walk, plus O(log n) for each range it tests and
 * rejects. Besides the search path to vstart and the range cut by vend,
 * a rejected range has at least size bytes but no aligned room for them.
 * With align == VA_PAGE there is none of those, so the walk is O(log n).
 * With a larger align they lie below the answer and are smaller than
 * size + align - VA_PAGE (a range that large always has room). Many of
 * them (small holes, a big align) make a long walk: the price of always
 * finding the lowest fit.
 */
#include "mm/va_tree.h"

#include "kernel/format.h"

struct va_req {
	uint64_t size, align, vstart, vend;
};

static struct va_node *va_of(const struct rb_node *n)
{
	return n ? rb_entry(n, struct va_node, rb) : NULL;
}

static bool va_recompute(struct rb_node *n)
{
	struct va_node *v = va_of(n);
	uint64_t max = v->end - v->start;

	if (n->left && va_of(n->left)->subtree_max > max)
		max = va_of(n->left)->subtree_max;
	if (n->right && va_of(n->right)->subtree_max > max)
		max = va_of(n->right)->subtree_max;
	if (max == v->subtree_max)
		return false;
	v->subtree_max = max;
	return true;
}

void va_tree_init(struct va_tree *t)
{
	*t = (struct va_tree){ .root = { NULL } };
}

/* The lowest address v offers the request, or 0 if it cannot hold it. */
static uint64_t va_fit(const struct va_node *v, const struct va_req *r)
{
	uint64_t lo = v->start > r->vstart ? v->start : r->vstart;
	uint64_t hi = v->end < r->vend ? v->end : r->vend;

	if (lo > UINT64_MAX - (r->align - 1))
		return 0;
	uint64_t a = (lo + r->align - 1) & ~(r->align - 1);

	return a < hi && hi - a >= r->size ? a : 0;
}

static bool va_subtree_may_fit(const struct rb_node *n, const struct va_req *r)
{
	return n && va_of(n)->subtree_max >= r->size;
}

/* The in-order walk with pruning described at the top of this file. */
static struct va_node *va_lowest_fit(const struct va_tree *t, const struct va_req *r,
				     uint64_t *addr)
{
	struct rb_node *n = t->root.node;

	if (!va_subtree_may_fit(n, r))
		return NULL;
	for (;;) {
		/* Everything in a left subtree lies below its parent: look there first. */
		while (va_subtree_may_fit(n->left, r) && va_of(n)->start > r->vstart)
			n = n->left;
		for (;;) {
			struct va_node *v = va_of(n);

			if (v->start >= r->vend)
				return NULL;
			*addr = va_fit(v, r);
			if (*addr)
				return v;
			if (va_subtree_may_fit(n->right, r) && v->end < r->vend) {
				n = n->right;
				break;
			}
			/* This subtree is done: climb to the first ancestor we lie left of. */
			struct rb_node *child;

			do {
				child = n;
				n = rb_parent(n);
				if (!n)
					return NULL;
			} while (child == n->right);
		}
	}
}

static bool va_aligned(uint64_t x)
{
	return x % VA_PAGE == 0;
}

uint64_t va_tree_alloc(struct va_tree *t, uint64_t size, uint64_t align, uint64_t vstart,
		       uint64_t vend, struct va_node **spare, struct va_node **unused)
{
	struct va_req r = { .size = size, .align = align, .vstart = vstart, .vend = vend };
	struct va_node *v;
	uint64_t a;

	*unused = NULL;
	if (size == 0 || !va_aligned(size) || align < VA_PAGE || (align & (align - 1)) ||
	    !va_aligned(vstart) || !va_aligned(vend) || vstart >= vend)
		return 0;
	v = va_lowest_fit(t, &r, &a);
	if (!v)
		return 0;

	uint64_t end = a + size;	/* no overflow: va_fit checked a + size <= v->end */

	if (a == v->start && end == v->end) {
		rb_erase(&t->root, &v->rb, va_recompute);
		t->nodes--;
		*unused = v;
	} else if (a == v->start) {
		v->start = end;
		rb_propagate(&v->rb, va_recompute);
	} else if (end == v->end) {
		v->end = a;
		rb_propagate(&v->rb, va_recompute);
	} else {
		/* The middle: v keeps the left part, the spare takes the right. */
		struct va_node *right = spare ? *spare : NULL;

		if (!right)
			return 0;
		*spare = NULL;
		right->start = end;
		right->end = v->end;
		v->end = a;
		rb_propagate(&v->rb, va_recompute);

		/* right is v's successor: v's right child, or leftmost below it. */
		struct rb_node *parent = &v->rb, **link = &v->rb.right;

		while (*link) {
			parent = *link;
			link = &parent->left;
		}
		rb_insert(&t->root, &right->rb, parent, link, va_recompute);
		t->nodes++;
	}
	t->free_bytes -= size;
	return a;
}

int va_tree_free(struct va_tree *t, uint64_t start, uint64_t end, struct va_node *node,
		 struct va_node *unused[VA_TREE_MAX_UNUSED], int *nunused)
{
	struct va_node *prev = NULL, *next = NULL;
	struct rb_node *parent = NULL, **link = &t->root.node;
	int err = VA_OK;

	*nunused = 0;
	if (start == 0 || start >= end || !va_aligned(start) || !va_aligned(end))
		err = VA_EINVAL;
	/* One descent finds both neighbours and, failing a merge, the new node's place. */
	while (!err && *link) {
		parent = *link;
		if (start < va_of(parent)->start) {
			next = va_of(parent);
			link = &parent->left;
		} else {
			prev = va_of(parent);
			link = &parent->right;
		}
	}
	if (!err && ((prev && prev->end > start) || (next && next->start < end)))
		err = VA_EOVERLAP;

	bool join_prev = !err && prev && prev->end == start;
	bool join_next = !err && next && next->start == end;

	if (join_prev && join_next) {
		/* Both sides: prev grows over the range and next, next goes. */
		uint64_t next_end = next->end;

		rb_erase(&t->root, &next->rb, va_recompute);
		t->nodes--;
		unused[(*nunused)++] = next;
		prev->end = next_end;
		rb_propagate(&prev->rb, va_recompute);
	} else if (join_prev) {
		prev->end = end;
		rb_propagate(&prev->rb, va_recompute);
	} else if (join_next) {
		next->start = start;	/* still above prev: prev->end < start */
		rb_propagate(&next->rb, va_recompute);
	} else if (!err && !node) {
		err = VA_ENONODE;
	} else if (!err) {
		node->start = start;
		node->end = end;
		rb_insert(&t->root, &node->rb, parent, link, va_recompute);
		t->nodes++;
		node = NULL;
	}
	if (node)
		unused[(*nunused)++] = node;
	if (!err)
		t->free_bytes += end - start;
	return err;
}

const struct va_node *va_tree_first(const struct va_tree *t)
{
	return va_of(rb_first(&t->root));
}

const struct va_node *va_tree_next(const struct va_node *n)
{
	return va_of(rb_next(&n->rb));
}

static bool va_fail(char *why, size_t len, const struct va_node *v, const char *what)
{
	if (v)
		snprintf(why, len, "range [0x%lx, 0x%lx): %s", v->start, v->end, what);
	else
		snprintf(why, len, "%s", what);
	return false;
}

bool va_tree_check(const struct va_tree *t, char *why, size_t len)
{
	const struct rb_node *where;
	const char *broken = rb_check(&t->root, t->nodes, &where);
	uint64_t nodes = 0, bytes = 0, prev_end = 0;

	if (broken)
		return va_fail(why, len, va_of(where), broken);
	/* rb_check bounded the walk and vouched for the links it follows. */
	for (const struct va_node *v = va_tree_first(t); v; v = va_tree_next(v)) {
		const struct va_node *l = va_of(v->rb.left), *r = va_of(v->rb.right);
		uint64_t max = v->end - v->start;

		if (v->start == 0 || v->start >= v->end || !va_aligned(v->start) || !va_aligned(v->end))
			return va_fail(why, len, v, "empty, unaligned or holding 0");
		if (nodes && prev_end >= v->start)
			return va_fail(why, len, v, prev_end > v->start ? "overlaps the range before" :
				       "touches the range before (not merged)");
		if (l && l->subtree_max > max)
			max = l->subtree_max;
		if (r && r->subtree_max > max)
			max = r->subtree_max;
		if (v->subtree_max != max)
			return va_fail(why, len, v, "subtree_max is wrong");
		nodes++;
		bytes += v->end - v->start;
		prev_end = v->end;
	}
	if (nodes != t->nodes)
		return va_fail(why, len, NULL, "node count is wrong");
	if (bytes != t->free_bytes)
		return va_fail(why, len, NULL, "free_bytes is wrong");
	return true;
}
