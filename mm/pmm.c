/*
 * The physical frame allocator: mm/frame_bitmap.c behind a lock.
 *
 * The bitmap itself lives in the first usable run that can hold it; that run
 * is then claimed so the allocator never hands out its own storage. Frames
 * below 1 MiB are never released into the pool: firmware data and the AP
 * start-up page live there.
 */
#include "mm/pmm.h"
#include "mm/frame_bitmap.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "smp/spinlock.h"

bool direct_map_live;

static struct frame_bitmap frames;
static uint64_t bitmap_phys;
static spinlock_t pmm_lock = SPINLOCK_INIT;
static struct pmm_stats stats;

/* The early identity map covers only 4 GiB: the bitmap must sit below it. */

void pmm_init(struct memmap *m)
{
	uint64_t top = memmap_usable_top(m);
	uint64_t nframes = top / PAGE_SIZE;
	uint64_t bytes = frame_bitmap_bytes(nframes);

	bitmap_phys = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t base = e->base < LOW_MEMORY_END ? LOW_MEMORY_END : e->base;
		uint64_t end = e->base + e->len;
		if (e->type != MEMMAP_USABLE || end <= base || end > PMM_EARLY_LIMIT)
			continue;
		if (end - base >= bytes) {
			bitmap_phys = base;
			break;
		}
	}
	if (!bitmap_phys) {
		pr_emerg("pmm: no usable memory below 4 GiB for the frame bitmap (%llu KiB)\n",
			 (unsigned long long)(bytes / 1024));
		cpu_halt_forever();
	}

	frame_bitmap_init(&frames, phys_to_virt(bitmap_phys), nframes);
	for (size_t i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i];
		uint64_t base = e->base < LOW_MEMORY_END ? LOW_MEMORY_END : e->base;
		uint64_t end = e->base + e->len;
		if (e->type == MEMMAP_USABLE && end > base)
			frame_bitmap_release(&frames, base / PAGE_SIZE, (end - base) / PAGE_SIZE);
	}
	frame_bitmap_claim(&frames, bitmap_phys / PAGE_SIZE,
			   (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	memmap_reserve(m, bitmap_phys, (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), MEMMAP_KERNEL);
	stats.total_frames = frames.nfree;
}

void pmm_use_direct_map(void)
{
	frames.bits = phys_to_virt(bitmap_phys);
}

static uint64_t alloc_locked(uint64_t count, uint64_t align, uint64_t limit)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	uint64_t f = count == 1 && limit == UINT64_MAX
		? frame_bitmap_alloc(&frames)
		: frame_bitmap_alloc_range(&frames, count, align, limit);
	spin_unlock_irqrestore(&pmm_lock, flags);
	return f;
}

uint64_t pmm_alloc_range(uint64_t count, uint64_t align, uint64_t limit)
{
	uint64_t align_frames = align < PAGE_SIZE ? 1 : align / PAGE_SIZE;
	uint64_t f = alloc_locked(count, align_frames,
				  limit == UINT64_MAX ? UINT64_MAX : limit / PAGE_SIZE);

	if (f == FRAME_NONE)
		return 0;
	memset(phys_to_virt(f * PAGE_SIZE), 0, count * PAGE_SIZE);
	return f * PAGE_SIZE;
}

uint64_t pmm_alloc(void)
{
	return pmm_alloc_range(1, PAGE_SIZE, direct_map_live ? UINT64_MAX : PMM_EARLY_LIMIT);
}

void pmm_free_range(uint64_t phys, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++)
		pmm_free(phys + i * PAGE_SIZE);
}

void pmm_free(uint64_t phys)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	bool ok = (phys % PAGE_SIZE) == 0 && frame_bitmap_free(&frames, phys / PAGE_SIZE);

	if (!ok)
		stats.bad_frees++;
	spin_unlock_irqrestore(&pmm_lock, flags);
	if (!ok)
		pr_err("pmm: bad free of frame %#llx (double free or not a frame)\n",
		       (unsigned long long)phys);
}

void pmm_get_stats(struct pmm_stats *s)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	*s = stats;
	s->free_frames = frames.nfree;
	spin_unlock_irqrestore(&pmm_lock, flags);
}
