/*
 * ktest suite "spinlock": mutual exclusion under contention from every
 * CPU, trylock, and the debug owner checks (an unlock by the wrong CPU is
 * reported). selftest_deadlock, run by name only, takes a lock twice and
 * must panic naming both places.
 */
#include "kernel/ktest.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/spinlock.h"
#include "smp/worker.h"

/*
 * About 4000 acquisitions in all, however many CPUs. Under emulation with
 * more virtual CPUs than host cores a ticket lock convoys: each hand-over
 * waits for the host to run the next ticket's owner, which costs up to a
 * host time slice (16000 took over two minutes at -smp 8 on a busy
 * two-core host). The exact total still shows any lost update.
 */
static unsigned rounds(void)
{
	return 4000 / cpumask_weight(&cpu_online_mask);
}

static spinlock_t test_lock = SPINLOCK_INIT;
static uint64_t plain_counter;     /* protected by test_lock, deliberately not atomic */

static void hammer(void *arg)
{
	for (unsigned i = 0; i < rounds(); i++) {
		spin_lock(&test_lock);
		plain_counter++;
		spin_unlock(&test_lock);
	}
}

static void mutual_exclusion(struct ktest *t)
{
	plain_counter = 0;
	smp_run_everywhere(hammer, 0);
	KT_EXPECT_EQ(t, plain_counter, (uint64_t)rounds() * cpumask_weight(&cpu_online_mask));
	KT_EXPECT(t, !spin_is_locked(&test_lock));
}

static void trylock(struct ktest *t)
{
	spinlock_t l = SPINLOCK_INIT;

	KT_EXPECT(t, spin_trylock(&l));
	KT_EXPECT(t, !spin_trylock(&l));
	spin_unlock(&l);
	KT_EXPECT(t, spin_trylock(&l));
	spin_unlock(&l);
	KT_EXPECT(t, !spin_is_locked(&l));
}

#ifdef LULL_DEBUG
static void owner_recorded(struct ktest *t)
{
	spinlock_t l = SPINLOCK_INIT;

	KT_EXPECT_EQ(t, l.owner, -1);
	spin_lock(&l);
	KT_EXPECT_EQ(t, l.owner, smp_processor_id());
	KT_EXPECT(t, l.owner_ip >= (uint64_t)owner_recorded);
	spin_unlock(&l);
	KT_EXPECT_EQ(t, l.owner, -1);
}

static spinlock_t foreign = SPINLOCK_INIT;

static void unlock_foreign(void *arg)
{
	spin_unlock(&foreign);
}

static void unlock_by_other_cpu_reported(struct ktest *t)
{
	uint64_t before = spinlock_bad_unlocks;

	if (cpumask_weight(&cpu_online_mask) < 2)
		KT_SKIP(t, "needs two CPUs");
	spin_lock(&foreign);
	KT_ASSERT(t, smp_call_function_single(1, unlock_foreign, 0, true) == 0);
	KT_EXPECT_EQ(t, spinlock_bad_unlocks, before + 1);
	KT_EXPECT(t, !spin_is_locked(&foreign));
}
#endif

static const struct ktest_case spinlock_cases[] = {
	{ "mutual_exclusion", mutual_exclusion },
	{ "trylock", trylock },
#ifdef LULL_DEBUG
	{ "owner_recorded", owner_recorded },
	{ "unlock_by_other_cpu_reported", unlock_by_other_cpu_reported },
#endif
};
KTEST_SUITE(spinlock_suite, "spinlock", spinlock_cases);

static void take_twice(struct ktest *t)
{
	static spinlock_t l = SPINLOCK_INIT;

	spin_lock(&l);
	spin_lock(&l);          /* a ticket lock would spin here for ever */
	KT_EXPECT(t, false);
}

static const struct ktest_case deadlock_cases[] = {
	{ "take_twice", take_twice },
};
KTEST_SUITE(selftest_deadlock_suite, "selftest_deadlock", deadlock_cases, .negative = true);
