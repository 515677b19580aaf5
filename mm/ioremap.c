/*
 * A bump allocator over a 1 GiB window: devices are mapped once at boot
 * and never unmapped, so there is nothing to free.
 */
#include "mm/ioremap.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "kernel/printk.h"
#include "smp/spinlock.h"

static uint64_t next_va = IOREMAP_BASE;
static spinlock_t ioremap_lock = SPINLOCK_INIT;

volatile void *ioremap(uint64_t phys, uint64_t len)
{
	uint64_t first = phys & ~(PAGE_SIZE - 1);
	uint64_t pages = (phys + len - first + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t flags = spin_lock_irqsave(&ioremap_lock);
	uint64_t va = next_va;

	if (va + pages * PAGE_SIZE > IOREMAP_BASE + IOREMAP_SIZE) {
		spin_unlock_irqrestore(&ioremap_lock, flags);
		pr_err("ioremap: no room for %#llx+%#llx\n", (unsigned long long)phys,
		       (unsigned long long)len);
		return 0;
	}
	next_va += (pages + 1) * PAGE_SIZE;      /* one unmapped page between mappings */
	spin_unlock_irqrestore(&ioremap_lock, flags);

	for (uint64_t i = 0; i < pages; i++) {
		if (paging_map(kernel_pml4_phys, va + i * PAGE_SIZE, first + i * PAGE_SIZE,
			       PAGE_KERNEL_RW | PTE_PCD | PTE_PWT)) {
			/* Out of page-table memory: undo, so nothing half-mapped stays. */
			while (i--)
				paging_unmap(kernel_pml4_phys, va + i * PAGE_SIZE);
			pr_err("ioremap: out of memory mapping %#llx\n", (unsigned long long)phys);
			return 0;
		}
	}
	return (volatile void *)(va + (phys - first));
}
