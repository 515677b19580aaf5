/*
 * The vmalloc allocator (see mm/vmalloc.h for what it promises).
 *
 * State, all under vmap_lock: the free-area index (mm/va_tree.c), a hash
 * of live areas by start address, and the list of lazily freed areas.
 * vmap_lock is a plain spinlock taken with interrupts on and never held
 * across a flush: a CPU spinning on it can still answer the flush IPI.
 * purge_lock serialises purges and is held across the flush, for the same
 * reason taken with interrupts on.
 *
 * Lifetime of an area's address range and frames:
 *   vmalloc: frames, then an address range, then the mapping;
 *   vfree:   unmap now; range and frames go on the lazy list;
 *   purge:   one flush over the union of the lazy areas, then ranges back
 *            to the index and frames back to the frame allocator.
 * So no CPU can hold a translation for a range or a frame that has been
 * handed out again. (Linux frees the frames at vfree time and relies on
 * nobody touching freed memory; lull holds them until the flush.)
 */
#include "mm/vmalloc.h"
#include "mm/va_tree.h"
#include "mm/kmalloc.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "smp/spinlock.h"

#define VM_EXEC   1u       /* made executable: its free flushes at once */
#define VM_VMAP   2u       /* frames belong to the caller of vmap() */
#define HASH_SIZE 256

struct vm_area {
	uint64_t start, pages;          /* mapped pages; one guard page follows */
	uint64_t *frames;               /* physical address of each page */
	unsigned flags;
	struct vm_area *next;           /* hash chain, or the lazy list */
};

static spinlock_t vmap_lock = SPINLOCK_INIT;
static spinlock_t purge_lock = SPINLOCK_INIT;
static struct va_tree free_areas;
static struct vm_area *live[HASH_SIZE];
static struct vm_area *lazy;
static struct vmalloc_stats stats;
bool vmalloc_fault_skip_flush;

static unsigned hash(uint64_t start)
{
	return (unsigned)((start >> 12) % HASH_SIZE);
}

static uint64_t reserved_bytes(const struct vm_area *a)
{
	return (a->pages + 1) * PAGE_SIZE;          /* with its guard page */
}

/* Give a range back to the index (vmap_lock held); node storage as it asks. */
static void range_free_locked(uint64_t start, uint64_t end, struct va_node *node)
{
	struct va_node *unused[VA_TREE_MAX_UNUSED];
	int nunused = 0;

	int err = va_tree_free(&free_areas, start, end, node, unused, &nunused);

	if (err == VA_ENONODE)          /* kmalloc failed: lose the range, not the kernel */
		pr_err("vmalloc: no memory to record free range %#llx-%#llx; it stays unused\n",
		       (unsigned long long)start, (unsigned long long)end);
	else if (err != VA_OK)
		panic("vmalloc: range %#llx-%#llx freed twice", (unsigned long long)start,
		      (unsigned long long)end);
	/* kfree takes only its own class lock: safe under vmap_lock. */
	for (int i = 0; i < nunused; i++)
		kfree(unused[i]);
}

static void release_frames(struct vm_area *a)
{
	if (!(a->flags & VM_VMAP))
		for (uint64_t i = 0; i < a->pages; i++)
			pmm_free(a->frames[i]);
	kfree(a->frames);
	kfree(a);
}

/* Flush every lazily freed area, then recycle ranges and frames. */
static void purge(void)
{
	struct vm_area *list, *a;
	uint64_t lo = UINT64_MAX, hi = 0, pages = 0;

	spin_lock(&purge_lock);
	spin_lock(&vmap_lock);
	list = lazy;
	lazy = 0;
	stats.lazy_pages = 0;
	spin_unlock(&vmap_lock);

	for (a = list; a; a = a->next) {
		lo = a->start < lo ? a->start : lo;
		hi = a->start + reserved_bytes(a) > hi ? a->start + reserved_bytes(a) : hi;
		pages += a->pages;
	}
	if (list && !vmalloc_fault_skip_flush) {
		/* One flush for all of them: the union may cover live areas too,
		 * which costs those CPUs a few extra TLB misses, nothing more. */
		flush_tlb_kernel_range(lo, hi);
		__atomic_fetch_add(&stats.flushes, 1, __ATOMIC_RELAXED);
	}
	while (list) {
		a = list;
		list = a->next;
		struct va_node *node = kmalloc(sizeof(*node));
		spin_lock(&vmap_lock);
		range_free_locked(a->start, a->start + reserved_bytes(a), node);
		spin_unlock(&vmap_lock);
		release_frames(a);
	}
	if (pages) {
		__atomic_fetch_add(&stats.purges, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&stats.pages_purged, pages, __ATOMIC_RELAXED);
	}
	spin_unlock(&purge_lock);
}

void vm_unmap_aliases(void)
{
	purge();
}

/* An address range for a new area; purges once when the region is full. */
static uint64_t range_alloc(uint64_t bytes)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct va_node *spare = kmalloc(sizeof(*spare)), *unused = 0;
		spin_lock(&vmap_lock);
		uint64_t va = va_tree_alloc(&free_areas, bytes, PAGE_SIZE, VMALLOC_START,
					    VMALLOC_END, &spare, &unused);
		bool have_lazy = lazy != 0;
		spin_unlock(&vmap_lock);
		kfree(spare);
		kfree(unused);
		if (va || !have_lazy)
			return va;
		purge();
	}
	return 0;
}

static void live_insert(struct vm_area *a)
{
	spin_lock(&vmap_lock);
	a->next = live[hash(a->start)];
	live[hash(a->start)] = a;
	stats.live_areas++;
	spin_unlock(&vmap_lock);
}

/* Take the live area starting at addr out of the hash; NULL if none. */
static struct vm_area *live_remove(uint64_t addr)
{
	struct vm_area **pp, *a = 0;

	spin_lock(&vmap_lock);
	for (pp = &live[hash(addr)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->start == addr) {
			a = *pp;
			*pp = a->next;
			stats.live_areas--;
			break;
		}
	}
	spin_unlock(&vmap_lock);
	return a;
}

/* Map frames at a new range; the area owns frames[] from here on. */
static void *map_area(uint64_t *frames, uint64_t pages, unsigned flags)
{
	struct vm_area *a = kzalloc(sizeof(*a));
	uint64_t va = a ? range_alloc((pages + 1) * PAGE_SIZE) : 0;

	if (!va) {
		kfree(a);
		return 0;
	}
	a->start = va;
	a->pages = pages;
	a->frames = frames;
	a->flags = flags;
	for (uint64_t i = 0; i < pages; i++) {
		if (paging_map(kernel_pml4_phys, va + i * PAGE_SIZE, frames[i], PAGE_KERNEL_RW)) {
			/* Out of page-table memory. The caller frees frames[]
			 * as soon as this returns, and any CPU may have cached
			 * what was mapped (a speculative fill needs no access):
			 * flush now, then the range goes back the lazy way. */
			paging_unmap_range(kernel_pml4_phys, va, i * PAGE_SIZE, 0);
			flush_tlb_kernel_range(va, va + i * PAGE_SIZE);
			a->flags |= VM_VMAP;     /* the caller still owns frames[] */
			a->frames = 0;
			spin_lock(&vmap_lock);
			a->next = lazy;
			lazy = a;
			spin_unlock(&vmap_lock);
			return 0;
		}
	}
	live_insert(a);
	return (void *)va;
}

void *vmalloc(size_t size)
{
	uint64_t pages = (size + PAGE_SIZE - 1) / PAGE_SIZE, *frames, got = 0;
	void *p;

	if (size == 0 || size > VMALLOC_SIZE / 4) {
		pr_warn("vmalloc(%zu): %s\n", size, size ? "larger than the region allows" : "size 0");
		__atomic_fetch_add(&stats.failed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	frames = kmalloc(pages * sizeof(*frames));
	for (int attempt = 0; frames && got < pages && attempt < 2; attempt++) {
		while (got < pages && (frames[got] = pmm_alloc()))
			got++;
		if (got < pages)
			purge();                 /* lazily freed areas hold frames */
	}
	if (!frames || got < pages || !(p = map_area(frames, pages, 0))) {
		for (uint64_t i = 0; frames && i < got; i++)
			pmm_free(frames[i]);
		kfree(frames);
		__atomic_fetch_add(&stats.failed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	__atomic_fetch_add(&stats.allocs, 1, __ATOMIC_RELAXED);
	return p;
}

void *vzalloc(size_t size)
{
	void *p = vmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *vmap(const uint64_t *frames, size_t n)
{
	uint64_t *copy = n ? kmalloc(n * sizeof(*copy)) : 0;
	void *p;

	if (!copy)
		return 0;
	memcpy(copy, frames, n * sizeof(*copy));
	p = map_area(copy, n, VM_VMAP);
	if (!p)
		kfree(copy);
	return p;
}

/* Report a vfree of something that is not a live area's start. */
static void bad_free(uint64_t addr)
{
	const char *what = addr < VMALLOC_START || addr >= VMALLOC_END
		? "not a vmalloc address"
		: (addr & (PAGE_SIZE - 1)) ? "not page aligned"
		: "not the start of a live area (double free, or inside an area)";

	__atomic_fetch_add(&stats.bad_frees, 1, __ATOMIC_RELAXED);
	pr_err("vfree(%#llx): %s; ignored\n", (unsigned long long)addr, what);
}

static void free_area(const void *addr, bool own_frames)
{
	uint64_t va = (uint64_t)addr;
	struct vm_area *a;
	bool over;

	if (!addr)
		return;
	a = live_remove(va);
	if (!a || !!(a->flags & VM_VMAP) == own_frames) {
		if (a)
			live_insert(a);          /* vfree of a vmap area or the reverse */
		bad_free(va);
		return;
	}
	paging_unmap_range(kernel_pml4_phys, a->start, a->pages * PAGE_SIZE, 0);
	__atomic_fetch_add(&stats.frees, 1, __ATOMIC_RELAXED);
	spin_lock(&vmap_lock);
	a->next = lazy;
	lazy = a;
	stats.lazy_pages += a->pages;
	over = stats.lazy_pages > stats.lazy_max_pages;
	spin_unlock(&vmap_lock);
	if (over || (a->flags & VM_EXEC))
		purge();
}

void vfree(const void *addr)
{
	free_area(addr, true);
}

void vunmap(const void *addr)
{
	free_area(addr, false);
}

/* The live area that holds [va, va + npages pages), or NULL. */
static struct vm_area *area_of(uint64_t va, uint64_t npages)
{
	struct vm_area *found = 0;

	spin_lock(&vmap_lock);
	for (unsigned h = 0; h < HASH_SIZE && !found; h++)
		for (struct vm_area *a = live[h]; a; a = a->next)
			if (va >= a->start && va + npages * PAGE_SIZE <= a->start + a->pages * PAGE_SIZE &&
			    npages && !(va & (PAGE_SIZE - 1)))
				found = a;
	spin_unlock(&vmap_lock);
	return found;
}

static int change(void *addr, size_t npages, uint64_t set, uint64_t clear)
{
	uint64_t va = (uint64_t)addr;
	struct vm_area *a = area_of(va, npages);

	if (!a) {
		pr_err("set_memory(%#llx, %zu): not pages of one vmalloc area\n",
		       (unsigned long long)va, npages);
		return -1;
	}
	if (!(set & PTE_NX) && (clear & PTE_NX))
		a->flags |= VM_EXEC;
	if (paging_protect_range(kernel_pml4_phys, va, npages * PAGE_SIZE, set, clear))
		return -1;
	/* Permissions shrink now, on every CPU, not at the next purge. */
	flush_tlb_kernel_range(va, va + npages * PAGE_SIZE);
	__atomic_fetch_add(&stats.flushes, 1, __ATOMIC_RELAXED);
	return 0;
}

int set_memory_ro(void *addr, size_t npages) { return change(addr, npages, 0, PTE_W); }
int set_memory_rw(void *addr, size_t npages) { return change(addr, npages, PTE_W, 0); }
int set_memory_x(void *addr, size_t npages) { return change(addr, npages, 0, PTE_NX); }
int set_memory_nx(void *addr, size_t npages) { return change(addr, npages, PTE_NX, 0); }

void vmalloc_init(unsigned long lazy_max_pages_arg, unsigned ncpus)
{
	/* From kmalloc like every node: the index may hand it back later. */
	struct va_node *whole = kmalloc(sizeof(*whole));
	struct va_node *unused[VA_TREE_MAX_UNUSED];
	int nunused, fls = 0;

	/*
	 * The region's top-level entries exist from boot: every address space
	 * made later copies the kernel half of the top level, and so sees all
	 * vmalloc mappings without being told.
	 */
	for (uint64_t va = VMALLOC_START; va < VMALLOC_END; va += 1ull << 39) {
		uint64_t *pml4 = phys_to_virt(kernel_pml4_phys);
		uint64_t *e = &pml4[(va >> 39) & 511];
		if (!(*e & PTE_P)) {
			uint64_t t = pmm_alloc();
			if (!t)
				panic("no memory for the vmalloc region's tables");
			*e = t | PTE_P | PTE_W;
		}
	}
	if (!whole)
		panic("no memory for the vmalloc index");
	va_tree_init(&free_areas);
	va_tree_free(&free_areas, VMALLOC_START, VMALLOC_END, whole, unused, &nunused);

	/* Linux: fls(ncpus) * 32 MiB. lull's storms are small, so 512 KiB per
	 * step, and purges come often enough to count. */
	while (ncpus >> fls)
		fls++;
	stats.lazy_max_pages = lazy_max_pages_arg ? lazy_max_pages_arg : (uint64_t)fls * 128;
	pr_info("vmalloc: %#llx-%#llx, lazy_max_pages %llu%s\n",
		(unsigned long long)VMALLOC_START, (unsigned long long)VMALLOC_END - 1,
		(unsigned long long)stats.lazy_max_pages, lazy_max_pages_arg ? "" : " (auto)");
}

void vmalloc_get_stats(struct vmalloc_stats *s)
{
	spin_lock(&vmap_lock);
	*s = stats;
	spin_unlock(&vmap_lock);
}
