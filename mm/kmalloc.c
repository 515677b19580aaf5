/*
 * Slabs: each slab is one page. Its first bytes are a header; the objects
 * follow. A large allocation is a run of frames whose first page starts
 * with the same kind of header. So kfree() finds the header of any pointer
 * it was given by rounding down to the page, and the magic word there says
 * which kind it is, or that the pointer is not kmalloc's.
 *
 * Each size class has a lock and a list of slabs with free objects. A slab
 * whose objects are all free goes back to the frame allocator, except one
 * per class, kept to avoid bouncing a page on alloc/free pairs.
 */
#include "mm/kmalloc.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/spinlock.h"

#define SLAB_MAGIC  0x51ab51ab51ab51abull
#define LARGE_MAGIC 0x1a7e1a7e1a7e1a7eull
#define POISON      0x6b
#define NCLASSES    8               /* 16, 32, ..., 2048 */
#define HEADER      64              /* object area starts here: keeps 64-byte alignment */

struct slab {
	uint64_t magic;
	struct slab *next;              /* in the class's list of slabs with free objects */
	void *free;                     /* free objects, linked through their first word */
	uint16_t size, inuse, capacity, class;
	uint64_t free_map[4];           /* debug: bit i set = object i is free */
};
_Static_assert(sizeof(struct slab) <= HEADER, "the slab header fits");

struct large {
	uint64_t magic;
	uint64_t pages;
};

struct size_class {
	spinlock_t lock;
	struct slab *partial;           /* slabs with at least one free object */
	unsigned empty;                 /* fully free slabs kept (at most one) */
};

static struct size_class classes[NCLASSES] = {
	[0 ... NCLASSES - 1] = { .lock = SPINLOCK_INIT },
};
static struct kmalloc_stats stats;  /* updated with relaxed atomics */

#define COUNT(field, n) __atomic_fetch_add(&stats.field, (n), __ATOMIC_RELAXED)

static unsigned class_of(size_t size)
{
	unsigned c = 0;

	while ((size_t)KMALLOC_MIN_SMALL << c < size)
		c++;
	return c;
}

static unsigned index_in(const struct slab *s, const void *obj)
{
	return (unsigned)(((const char *)obj - ((const char *)s + HEADER)) / s->size);
}

static struct slab *slab_create(unsigned class)
{
	uint64_t phys = pmm_alloc();
	struct slab *s;

	if (!phys)
		return 0;
	s = phys_to_virt(phys);
	s->magic = SLAB_MAGIC;
	s->size = (uint16_t)(KMALLOC_MIN_SMALL << class);
	s->class = (uint16_t)class;
	s->capacity = (uint16_t)((PAGE_SIZE - HEADER) / s->size);
	s->inuse = 0;
	s->free = 0;
	for (int i = s->capacity - 1; i >= 0; i--) {
		char *obj = (char *)s + HEADER + (size_t)i * s->size;
		memset(obj, POISON, s->size);
		*(void **)obj = s->free;
		s->free = obj;
		s->free_map[i / 64] |= 1ull << (i % 64);
	}
	COUNT(slabs, 1);
	return s;
}

/* A freed object is poison after its link word; report if it changed. */
static void check_poison(struct slab *s, const uint8_t *obj)
{
#ifdef LULL_DEBUG
	for (unsigned i = sizeof(void *); i < s->size; i++) {
		if (obj[i] != POISON) {
			COUNT(poison_damaged, 1);
			pr_err("kmalloc: %u-byte object %p was written after it was freed (byte %u)\n",
			       s->size, (const void *)obj, i);
			return;
		}
	}
#endif
}

static void *slab_alloc(unsigned class)
{
	struct size_class *sc = &classes[class];
	struct slab *s;
	void *obj;

	spin_lock(&sc->lock);
	s = sc->partial;
	if (!s) {
		spin_unlock(&sc->lock);
		s = slab_create(class);          /* no lock held while allocating a frame */
		if (!s)
			return 0;
		spin_lock(&sc->lock);
		s->next = sc->partial;
		sc->partial = s;
	}
	if (s->inuse == 0 && sc->empty)
		sc->empty--;
	obj = s->free;
	s->free = *(void **)obj;
	s->inuse++;
	unsigned i = index_in(s, obj);
	s->free_map[i / 64] &= ~(1ull << (i % 64));
	if (!s->free)
		sc->partial = s->next;           /* full: off the partial list */
	spin_unlock(&sc->lock);
	check_poison(s, obj);
	return obj;
}

/* false when the free was refused (and reported) */
static bool slab_free(struct slab *s, void *obj)
{
	struct size_class *sc = &classes[s->class];
	uintptr_t off = (uintptr_t)obj - ((uintptr_t)s + HEADER);
	unsigned i = index_in(s, obj);
	bool release = false;

	if ((uintptr_t)obj < (uintptr_t)s + HEADER || off % s->size || i >= s->capacity) {
		COUNT(bad_frees, 1);
		pr_err("kmalloc: kfree(%p): not the start of a %u-byte object; ignored\n", obj, s->size);
		return false;
	}
	spin_lock(&sc->lock);
	if (s->free_map[i / 64] & (1ull << (i % 64))) {
		spin_unlock(&sc->lock);
		COUNT(bad_frees, 1);
		pr_err("kmalloc: double free of %u-byte object %p; ignored\n", s->size, obj);
		return false;
	}
#ifdef LULL_DEBUG
	memset(obj, POISON, s->size);
#endif
	s->free_map[i / 64] |= 1ull << (i % 64);
	if (!s->free) {                          /* was full: back on the partial list */
		s->next = sc->partial;
		sc->partial = s;
	}
	*(void **)obj = s->free;
	s->free = obj;
	s->inuse--;
	if (s->inuse == 0) {
		if (sc->empty) {                 /* one empty slab is kept; this one goes */
			struct slab **pp = &sc->partial;
			while (*pp != s)
				pp = &(*pp)->next;
			*pp = s->next;
			release = true;
		} else {
			sc->empty++;
		}
	}
	spin_unlock(&sc->lock);
	if (release) {
		s->magic = 0;
		pmm_free(virt_to_phys(s));
		COUNT(slabs, -1ull);
	}
	return true;
}

static void *large_alloc(size_t size)
{
	uint64_t pages = (size + HEADER + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t phys = pmm_alloc_range(pages, PAGE_SIZE, UINT64_MAX);
	struct large *l;

	if (!phys)
		return 0;
	l = phys_to_virt(phys);
	l->magic = LARGE_MAGIC;
	l->pages = pages;
	COUNT(large_pages, pages);
	return (char *)l + HEADER;
}

void *kmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if (size > (1ull << 40))
		p = 0;                           /* absurd: never reaches the allocator */
	else
		p = size <= KMALLOC_MAX_SMALL ? slab_alloc(class_of(size)) : large_alloc(size);
	COUNT(allocs, p ? 1 : 0);
	COUNT(failed, p ? 0 : 1);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size ? size : 1);
	return p;
}

void kfree(void *p)
{
	uint64_t a = (uint64_t)p, page = a & ~(PAGE_SIZE - 1);

	if (!p)
		return;
	if (a < DIRECT_MAP_BASE || a >= DIRECT_MAP_BASE + direct_map_bytes) {
		COUNT(bad_frees, 1);
		pr_err("kmalloc: kfree(%p): not a kmalloc address; ignored\n", p);
		return;
	}
	uint64_t magic = *(uint64_t *)page;
	if (magic == SLAB_MAGIC) {
		if (!slab_free((struct slab *)page, p))
			return;
	} else if (magic == LARGE_MAGIC && a == page + HEADER) {
		struct large *l = (struct large *)page;
		uint64_t pages = l->pages;
		l->magic = 0;                    /* a second kfree finds no magic */
		pmm_free_range(virt_to_phys(l), pages);
		COUNT(large_pages, -pages);
	} else {
		COUNT(bad_frees, 1);
		pr_err("kmalloc: kfree(%p): not allocated by kmalloc, or already freed; ignored\n", p);
		return;
	}
	COUNT(frees, 1);
}

void kmalloc_get_stats(struct kmalloc_stats *s)
{
	*s = stats;
}
