#pragma once
/*
 * Ticket spinlocks: CPUs get the lock in the order they asked for it.
 *
 * lock() takes a ticket with a relaxed fetch-add and waits until
 * `serving` reaches it with ACQUIRE, which pairs with the RELEASE store in
 * unlock(): everything the previous holder wrote inside the critical
 * section is visible to the next one.
 *
 * Debug builds (LULL_DEBUG, the default) also record the owner: taking a
 * lock this CPU already holds, which with tickets is a certain deadlock,
 * panics with both places named; releasing a lock another CPU holds is
 * reported.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/cpu.h"
#include "smp/percpu.h"

typedef struct spinlock {
	uint16_t next;
	uint16_t serving;
#ifdef LULL_DEBUG
	int32_t owner;             /* CPU number of the holder, -1 when free */
	uint64_t owner_ip;         /* where it took the lock */
#endif
} spinlock_t;

#ifdef LULL_DEBUG
#define SPINLOCK_INIT { 0, 0, -1, 0 }
extern uint64_t spinlock_bad_unlocks;
/* The address of the instruction here (GCC and clang: labels as values). */
#define THIS_IP ({ __label__ here_; here_: (uint64_t)&&here_; })
__attribute__((noreturn)) void spinlock_recursion(spinlock_t *l, uint64_t ip);
void spinlock_bad_unlock(spinlock_t *l, uint64_t ip);
#else
#define SPINLOCK_INIT { 0, 0 }
#endif

static inline void spin_owner_set(spinlock_t *l, uint64_t ip)
{
#ifdef LULL_DEBUG
	/* Relaxed atomics: other CPUs read owner only to compare it with
	 * their own number, which it can never wrongly equal. */
	__atomic_store_n(&l->owner, (int32_t)smp_processor_id(), __ATOMIC_RELAXED);
	l->owner_ip = ip;
#endif
}

static inline void spin_lock_at(spinlock_t *l, uint64_t ip)
{
#ifdef LULL_DEBUG
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == (int32_t)smp_processor_id())
		spinlock_recursion(l, ip);
#endif
	uint16_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
	spin_owner_set(l, ip);
}

/* Take the lock only if nobody holds or waits for it. */
static inline bool spin_trylock_at(spinlock_t *l, uint64_t ip)
{
	uint16_t serving = __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
	uint16_t expect = serving;

	if (!__atomic_compare_exchange_n(&l->next, &expect, (uint16_t)(serving + 1),
					 false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	spin_owner_set(l, ip);
	return true;
}

static inline void spin_unlock_at(spinlock_t *l, uint64_t ip)
{
#ifdef LULL_DEBUG
	if (l->owner != (int32_t)smp_processor_id())
		spinlock_bad_unlock(l, ip);
	__atomic_store_n(&l->owner, -1, __ATOMIC_RELAXED);
#endif
	/* Only the holder writes serving, so a plain read of it is safe. */
	__atomic_store_n(&l->serving, (uint16_t)(l->serving + 1), __ATOMIC_RELEASE);
}

#ifdef LULL_DEBUG
#define spin_lock(l)    spin_lock_at((l), THIS_IP)
#define spin_trylock(l) spin_trylock_at((l), THIS_IP)
#define spin_unlock(l)  spin_unlock_at((l), THIS_IP)
#else
#define spin_lock(l)    spin_lock_at((l), 0)
#define spin_trylock(l) spin_trylock_at((l), 0)
#define spin_unlock(l)  spin_unlock_at((l), 0)
#endif

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
}

#define spin_lock_irqsave(l)                                   \
	({                                                     \
		uint64_t flags_ = irq_save();                  \
		spin_lock(l);                                  \
		flags_;                                        \
	})

#define spin_unlock_irqrestore(l, flags)                       \
	do {                                                   \
		spin_unlock(l);                                \
		irq_restore(flags);                            \
	} while (0)
