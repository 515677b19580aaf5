#pragma once
/*
 * Sets of CPUs, one bit per CPU number (lull's number, not the APIC id).
 *
 * CPU numbers at or above NR_CPUS_MAX belong to no mask: setting or
 * clearing one does nothing and testing one says false, so a bad number
 * cannot write past the mask.
 *
 * The plain operations are not atomic: use them on masks that one CPU owns
 * or that a lock protects. The atomic ones name their memory order:
 *  - cpumask_set_relaxed / cpumask_clear_relaxed / cpumask_test_relaxed:
 *    atomic, but order nothing else. For masks that are only statistics
 *    ("CPUs that ever took a TLB IPI"), and for protocols that put their own
 *    fences next to the call and say why (the IPI layer does).
 *  - cpumask_test_and_set_acq_rel / cpumask_test_and_clear_acq_rel: the bit
 *    hands something over. RELEASE: what the caller wrote before setting or
 *    clearing the bit is visible to whoever later sees the change; ACQUIRE:
 *    the caller sees what was written before the change it observed. The
 *    classic use: a sender fills a request, then test_and_set; the target
 *    test_and_clears, then reads the request.
 */
#include <stdbool.h>
#include <stdint.h>

/* Must equal MAX_CPUS (smp/percpu.h); kept here so the header is pure. */
#define NR_CPUS_MAX 256
#define CPUMASK_WORDS (NR_CPUS_MAX / 64)

struct cpumask {
	uint64_t bits[CPUMASK_WORDS];
};

#define CPUMASK_WORD(cpu) ((cpu) / 64)
#define CPUMASK_BIT(cpu) (1ull << ((cpu) % 64))

static inline void cpumask_clear(struct cpumask *m)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set(struct cpumask *m, unsigned cpu)
{
	if (cpu < NR_CPUS_MAX)
		m->bits[CPUMASK_WORD(cpu)] |= CPUMASK_BIT(cpu);
}

static inline void cpumask_clear_cpu(struct cpumask *m, unsigned cpu)
{
	if (cpu < NR_CPUS_MAX)
		m->bits[CPUMASK_WORD(cpu)] &= ~CPUMASK_BIT(cpu);
}

static inline bool cpumask_test(const struct cpumask *m, unsigned cpu)
{
	return cpu < NR_CPUS_MAX && (m->bits[CPUMASK_WORD(cpu)] & CPUMASK_BIT(cpu));
}

static inline void cpumask_set_relaxed(struct cpumask *m, unsigned cpu)
{
	if (cpu < NR_CPUS_MAX)
		__atomic_fetch_or(&m->bits[CPUMASK_WORD(cpu)], CPUMASK_BIT(cpu), __ATOMIC_RELAXED);
}

static inline void cpumask_clear_relaxed(struct cpumask *m, unsigned cpu)
{
	if (cpu < NR_CPUS_MAX)
		__atomic_fetch_and(&m->bits[CPUMASK_WORD(cpu)], ~CPUMASK_BIT(cpu),
				   __ATOMIC_RELAXED);
}

static inline bool cpumask_test_relaxed(const struct cpumask *m, unsigned cpu)
{
	return cpu < NR_CPUS_MAX &&
	       (__atomic_load_n(&m->bits[CPUMASK_WORD(cpu)], __ATOMIC_RELAXED) & CPUMASK_BIT(cpu));
}

/* Set the bit; true if it was already set. */
static inline bool cpumask_test_and_set_acq_rel(struct cpumask *m, unsigned cpu)
{
	return cpu < NR_CPUS_MAX &&
	       (__atomic_fetch_or(&m->bits[CPUMASK_WORD(cpu)], CPUMASK_BIT(cpu),
				  __ATOMIC_ACQ_REL) & CPUMASK_BIT(cpu));
}

/* Clear the bit; true if it was set. */
static inline bool cpumask_test_and_clear_acq_rel(struct cpumask *m, unsigned cpu)
{
	return cpu < NR_CPUS_MAX &&
	       (__atomic_fetch_and(&m->bits[CPUMASK_WORD(cpu)], ~CPUMASK_BIT(cpu),
				   __ATOMIC_ACQ_REL) & CPUMASK_BIT(cpu));
}

/* CPUs 0 .. nr - 1 (nr is capped at NR_CPUS_MAX); the rest cleared. */
void cpumask_setall(struct cpumask *m, unsigned nr);
/* dst = a & b, a | b, a & ~b; dst may be a or b. and/andnot: true if dst
 * is not empty (a caller sending IPIs wants to know if anyone is left). */
bool cpumask_and(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b);
void cpumask_or(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b);
bool cpumask_andnot(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b);
bool cpumask_equal(const struct cpumask *a, const struct cpumask *b);
bool cpumask_empty(const struct cpumask *m);
unsigned cpumask_weight(const struct cpumask *m);
/* The lowest CPU in m, or the lowest after cpu; NR_CPUS_MAX when none. */
unsigned cpumask_first(const struct cpumask *m);
unsigned cpumask_next(const struct cpumask *m, unsigned cpu);

/* Every CPU in mask, in increasing order; cpu is an unsigned lvalue. */
#define for_each_cpu(cpu, mask) \
	for ((cpu) = cpumask_first(mask); (cpu) < NR_CPUS_MAX; (cpu) = cpumask_next(mask, cpu))
