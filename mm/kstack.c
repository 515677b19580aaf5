/*
 * Kernel stacks in their own region of the address space: slot i covers
 * [KSTACK_BASE + i * KSTACK_SLOT, + KSTACK_SLOT). Only the top KSTACK_SIZE
 * bytes are mapped; the rest of the slot, below the stack, is the guard.
 */
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "kernel/printk.h"
#include "smp/spinlock.h"

static uint64_t slot_used[KSTACK_SLOTS / 64];
static spinlock_t kstack_lock = SPINLOCK_INIT;

static int slot_take(void)
{
	uint64_t flags = spin_lock_irqsave(&kstack_lock);
	int slot = -1;

	for (int i = 0; i < KSTACK_SLOTS; i++) {
		if (!(slot_used[i / 64] & (1ull << (i % 64)))) {
			slot_used[i / 64] |= 1ull << (i % 64);
			slot = i;
			break;
		}
	}
	spin_unlock_irqrestore(&kstack_lock, flags);
	return slot;
}

static void slot_put(int slot)
{
	uint64_t flags = spin_lock_irqsave(&kstack_lock);
	slot_used[slot / 64] &= ~(1ull << (slot % 64));
	spin_unlock_irqrestore(&kstack_lock, flags);
}

static void unmap_stack(uint64_t top, uint64_t mapped)
{
	for (uint64_t va = top - mapped; va < top; va += PAGE_SIZE) {
		uint64_t pte = paging_unmap(kernel_pml4_phys, va);
		tlb_flush_one(va);
		if (pte & PTE_P)
			pmm_free(pte & PTE_ADDR);
	}
}

uint64_t kstack_alloc(void)
{
	int slot = slot_take();
	uint64_t top, mapped = 0;

	if (slot < 0) {
		pr_err("kstack: all %d kernel stacks in use\n", KSTACK_SLOTS);
		return 0;
	}
	top = KSTACK_BASE + (uint64_t)(slot + 1) * KSTACK_SLOT;
	for (; mapped < KSTACK_SIZE; mapped += PAGE_SIZE) {
		uint64_t frame = pmm_alloc();
		if (!frame || paging_map(kernel_pml4_phys, top - mapped - PAGE_SIZE, frame,
					 PAGE_KERNEL_RW)) {
			if (frame)
				pmm_free(frame);
			unmap_stack(top, mapped);
			slot_put(slot);
			return 0;
		}
	}
	return top;
}

void kstack_free(uint64_t top)
{
	uint64_t off = top - KSTACK_BASE;

	if (top <= KSTACK_BASE || off % KSTACK_SLOT || off / KSTACK_SLOT > KSTACK_SLOTS) {
		pr_err("kstack: free of %#llx, which is not a stack top\n",
		       (unsigned long long)top);
		return;
	}
	unmap_stack(top, KSTACK_SIZE);
	slot_put((int)(off / KSTACK_SLOT) - 1);
}

bool kstack_is_guard(uint64_t addr)
{
	if (addr < KSTACK_BASE || addr >= KSTACK_BASE + KSTACK_SLOTS * KSTACK_SLOT)
		return false;
	return (addr - KSTACK_BASE) % KSTACK_SLOT < KSTACK_SLOT - KSTACK_SIZE;
}
