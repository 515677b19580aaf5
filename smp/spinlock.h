#pragma once
/*
 * Ticket spinlocks: CPUs get the lock in the order they asked for it.
 *
 * lock() takes a ticket with a relaxed fetch-add and waits until
 * `serving` reaches it with ACQUIRE, which pairs with the RELEASE store in
 * unlock(): everything the previous holder wrote inside the critical
 * section is visible to the next one.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/cpu.h"

typedef struct spinlock {
	uint16_t next;
	uint16_t serving;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

/* Take the lock only if nobody holds or waits for it. */
static inline bool spin_trylock(spinlock_t *l)
{
	uint16_t serving = __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
	uint16_t expect = serving;

	return __atomic_compare_exchange_n(&l->next, &expect, (uint16_t)(serving + 1),
					   false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Only the holder writes serving, so a plain read of it is safe. */
	__atomic_store_n(&l->serving, (uint16_t)(l->serving + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
}

static inline uint64_t spin_lock_irqsave(spinlock_t *l)
{
	uint64_t flags = irq_save();
	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, uint64_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}
