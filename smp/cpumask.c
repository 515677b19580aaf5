/*
 * The word-at-a-time cpumask operations; the one-bit ones are inline in
 * smp/cpumask.h. None of these is atomic: a mask other CPUs change
 * concurrently must be copied under its lock first.
 */
#include "smp/cpumask.h"

void cpumask_setall(struct cpumask *m, unsigned nr)
{
	if (nr > NR_CPUS_MAX)
		nr = NR_CPUS_MAX;
	for (unsigned i = 0; i < CPUMASK_WORDS; i++) {
		if (nr >= 64 * (i + 1))
			m->bits[i] = ~0ull;
		else if (nr > 64 * i)
			m->bits[i] = (1ull << (nr - 64 * i)) - 1;
		else
			m->bits[i] = 0;
	}
}

bool cpumask_and(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	uint64_t any = 0;

	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		any |= dst->bits[i] = a->bits[i] & b->bits[i];
	return any != 0;
}

void cpumask_or(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		dst->bits[i] = a->bits[i] | b->bits[i];
}

bool cpumask_andnot(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	uint64_t any = 0;

	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		any |= dst->bits[i] = a->bits[i] & ~b->bits[i];
	return any != 0;
}

bool cpumask_equal(const struct cpumask *a, const struct cpumask *b)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++) {
		if (a->bits[i] != b->bits[i])
			return false;
	}
	return true;
}

bool cpumask_empty(const struct cpumask *m)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++) {
		if (m->bits[i])
			return false;
	}
	return true;
}

/*
 * Population count by halves: pairs, nibbles, bytes, then one multiply adds
 * the eight byte counts into the top byte. __builtin_popcountll would be a
 * call to libgcc's __popcountdi2 in a kernel built without -mpopcnt.
 */
static unsigned popcount64(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

unsigned cpumask_weight(const struct cpumask *m)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		n += popcount64(m->bits[i]);
	return n;
}

/* The lowest CPU >= from in m, or NR_CPUS_MAX. */
static unsigned cpumask_find(const struct cpumask *m, unsigned from)
{
	unsigned i = from / 64;
	uint64_t w;

	if (from >= NR_CPUS_MAX)
		return NR_CPUS_MAX;
	/* The first word without the bits below from, then whole words. */
	for (w = m->bits[i] & (~0ull << (from % 64)); ; w = m->bits[i]) {
		if (w)
			return i * 64 + (unsigned)__builtin_ctzll(w);   /* bsf: no libgcc */
		if (++i == CPUMASK_WORDS)
			return NR_CPUS_MAX;
	}
}

unsigned cpumask_first(const struct cpumask *m)
{
	return cpumask_find(m, 0);
}

unsigned cpumask_next(const struct cpumask *m, unsigned cpu)
{
	/* cpu + 1 would wrap for UINT_MAX; nothing follows such a cpu anyway. */
	return cpu >= NR_CPUS_MAX - 1 ? NR_CPUS_MAX : cpumask_find(m, cpu + 1);
}
