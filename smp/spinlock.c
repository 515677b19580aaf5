/*
 * Reports from the debug checks in smp/spinlock.h.
 */
#include "smp/spinlock.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/symbols.h"

#ifdef LULL_DEBUG
uint64_t spinlock_bad_unlocks;

static const char *where(uint64_t ip, uint64_t *off)
{
	const char *name = symbol_lookup(ip, off, 0);
	return name ? name : "?";
}

void spinlock_recursion(spinlock_t *l, uint64_t ip)
{
	uint64_t off = 0, owner_off = 0;
	const char *here = where(ip, &off), *owner = where(l->owner_ip, &owner_off);

	panic("spinlock %p: recursive locking at %s+%#llx; this CPU took it at %s+%#llx",
	      (void *)l, here, (unsigned long long)off, owner, (unsigned long long)owner_off);
}

void spinlock_bad_unlock(spinlock_t *l, uint64_t ip)
{
	uint64_t off = 0, owner_off = 0;
	const char *here = where(ip, &off), *owner = where(l->owner_ip, &owner_off);

	__atomic_fetch_add(&spinlock_bad_unlocks, 1, __ATOMIC_RELAXED);
	pr_err("spinlock %p: unlocked by CPU %u at %s+%#llx, but held by CPU %d since %s+%#llx\n",
	       (void *)l, smp_processor_id(), here, (unsigned long long)off, l->owner, owner,
	       (unsigned long long)owner_off);
}
#endif
