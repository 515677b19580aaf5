/*
 * The physical memory map and its sanitizer.
 *
 * memmap_sanitize() sweeps the address space: every entry's start and end is
 * a boundary, and each piece between two neighbouring boundaries takes the
 * highest type of the entries covering it. Pieces of one type that touch are
 * merged, and usable pieces shrink inward to whole pages, since a partly
 * reserved page is not a free page. The result is sorted and disjoint.
 *
 * Because the pieces are more than the entries (a hole punched in a range
 * makes three of one), the sweep writes into static scratch arrays, as
 * Linux's e820 sanitizer does: the map is only edited at boot, on one CPU.
 */
#include "mm/memmap.h"

#include "kernel/string.h"

#define MEMMAP_PAGE 4096ull

static uint64_t memmap_points[2 * MEMMAP_MAX];
static struct memmap_entry memmap_runs[2 * MEMMAP_MAX];

void memmap_init(struct memmap *m)
{
	memset(m, 0, sizeof(*m));
}

static uint64_t memmap_end(const struct memmap_entry *e)
{
	return e->base + e->len;
}

static size_t memmap_smallest(const struct memmap_entry *e, size_t n, bool usable)
{
	size_t best = n;

	for (size_t i = 0; i < n; i++) {
		if ((e[i].type == MEMMAP_USABLE) != usable)
			continue;
		if (best == n || e[i].len < e[best].len)
			best = i;
	}
	return best;
}

/*
 * A full table drops the smallest usable entry, the new one included: losing
 * usable memory is always safe. With no usable entry left the new entry is
 * dropped: the table is all non-usable, so what it covered cannot become
 * usable. Unknown types are read as reserved, for the same reason.
 */
void memmap_add(struct memmap *m, uint64_t base, uint64_t len, enum memmap_type type)
{
	if (len == 0)
		return;
	if (type < MEMMAP_USABLE || type > MEMMAP_BAD)
		type = MEMMAP_RESERVED;

	struct memmap_entry ne = { .base = base, .len = len, .type = type };

	if (m->n < MEMMAP_MAX) {
		m->e[m->n++] = ne;
		return;
	}
	m->dropped++;
	if (type == MEMMAP_USABLE)
		return;
	size_t victim = memmap_smallest(m->e, m->n, true);

	if (victim < m->n)
		m->e[victim] = ne;
}

/* Each entry that shares at least one byte with another counts once. */
static unsigned memmap_count_overlaps(const struct memmap *m)
{
	unsigned count = 0;

	for (size_t i = 0; i < m->n; i++) {
		for (size_t j = 0; j < m->n; j++) {
			const struct memmap_entry *a = &m->e[i], *b = &m->e[j];

			if (i != j && a->len && b->len &&
			    a->base < memmap_end(b) && b->base < memmap_end(a)) {
				count++;
				break;
			}
		}
	}
	return count;
}

/* Sorted, without duplicates; returns the count. n <= 512: insertion sort. */
static size_t memmap_collect_points(const struct memmap *m)
{
	size_t np = 0;

	for (size_t i = 0; i < m->n; i++) {
		uint64_t p[2] = { m->e[i].base, memmap_end(&m->e[i]) };

		for (int k = 0; k < 2; k++) {
			size_t j = np;

			while (j > 0 && memmap_points[j - 1] > p[k])
				j--;
			if (j > 0 && memmap_points[j - 1] == p[k])
				continue;
			memmove(&memmap_points[j + 1], &memmap_points[j],
				(np - j) * sizeof(memmap_points[0]));
			memmap_points[j] = p[k];
			np++;
		}
	}
	return np;
}

/* The sweep: fills memmap_runs, merged but not yet page-trimmed. */
static size_t memmap_sweep(const struct memmap *m, size_t np)
{
	size_t nr = 0;

	for (size_t i = 0; i + 1 < np; i++) {
		uint64_t lo = memmap_points[i], hi = memmap_points[i + 1];
		enum memmap_type best = 0;

		/* Every entry edge is a point, so an entry covers all of [lo, hi) or none. */
		for (size_t j = 0; j < m->n; j++) {
			if (m->e[j].base <= lo && memmap_end(&m->e[j]) >= hi && m->e[j].type > best)
				best = m->e[j].type;
		}
		if (best == 0)
			continue;
		struct memmap_entry *last = nr ? &memmap_runs[nr - 1] : NULL;

		if (last && last->type == best && memmap_end(last) == lo)
			last->len += hi - lo;
		else
			memmap_runs[nr++] = (struct memmap_entry){ lo, hi - lo, best };
	}
	return nr;
}

/*
 * Shrink usable runs to whole pages, dropping empty ones. Not a problem to
 * report: BIOS maps routinely end low memory mid-page (the EBDA at 0x9fc00).
 */
static size_t memmap_trim_usable(size_t nr)
{
	size_t out = 0;

	for (size_t i = 0; i < nr; i++) {
		struct memmap_entry r = memmap_runs[i];

		if (r.type == MEMMAP_USABLE) {
			uint64_t end = memmap_end(&r) & ~(MEMMAP_PAGE - 1);
			uint64_t base = r.base > UINT64_MAX - (MEMMAP_PAGE - 1) ? UINT64_MAX :
					(r.base + MEMMAP_PAGE - 1) & ~(MEMMAP_PAGE - 1);

			if (base >= end)
				continue;
			r = (struct memmap_entry){ base, end - base, MEMMAP_USABLE };
		}
		memmap_runs[out++] = r;
	}
	return out;
}

unsigned memmap_sanitize(struct memmap *m)
{
	unsigned problems = 0;

	/*
	 * Zero-length entries vanish in the sweep; a wrap is clipped at
	 * 2^64 - 1; a type written into e[] by hand that is no type is read
	 * as reserved, as memmap_add() does.
	 */
	for (size_t i = 0; i < m->n; i++) {
		struct memmap_entry *e = &m->e[i];

		if (e->len == 0)
			problems++;
		if (e->len > UINT64_MAX - e->base) {
			e->len = UINT64_MAX - e->base;
			problems++;
		}
		if (e->type < MEMMAP_USABLE || e->type > MEMMAP_BAD) {
			e->type = MEMMAP_RESERVED;
			problems++;
		}
	}
	problems += memmap_count_overlaps(m);

	size_t nr = memmap_sweep(m, memmap_collect_points(m));

	nr = memmap_trim_usable(nr);
	while (nr > MEMMAP_MAX) {
		size_t victim = memmap_smallest(memmap_runs, nr, true);

		/* Only if nothing usable is left: the runs are disjoint, so a hole is safe. */
		if (victim == nr)
			victim = memmap_smallest(memmap_runs, nr, false);
		memmove(&memmap_runs[victim], &memmap_runs[victim + 1],
			(nr - victim - 1) * sizeof(memmap_runs[0]));
		nr--;
		m->dropped++;
	}
	memcpy(m->e, memmap_runs, nr * sizeof(memmap_runs[0]));
	m->n = nr;
	return problems;
}

/*
 * Reserving is adding and sanitizing again. The repairs that second pass
 * makes (the overlap just added, usable pages cut by an unaligned
 * reservation) are the reservation's doing, not firmware's, so they are not
 * reported. Sanitize the firmware map first: on an unsanitized map, its
 * problems would be repaired here silently. Precedence still holds, so a
 * reservation never makes memory less restricted: bad RAM stays bad.
 */
void memmap_reserve(struct memmap *m, uint64_t base, uint64_t len, enum memmap_type type)
{
	memmap_add(m, base, len, type);
	memmap_sanitize(m);
}

uint64_t memmap_usable_bytes(const struct memmap *m)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->e[i].type == MEMMAP_USABLE)
			sum += m->e[i].len;
	}
	return sum;
}

uint64_t memmap_usable_top(const struct memmap *m)
{
	uint64_t top = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->e[i].type == MEMMAP_USABLE && memmap_end(&m->e[i]) > top)
			top = memmap_end(&m->e[i]);
	}
	return top;
}

const char *memmap_type_name(enum memmap_type type)
{
	switch (type) {
	case MEMMAP_USABLE:       return "usable";
	case MEMMAP_ACPI_RECLAIM: return "ACPI reclaimable";
	case MEMMAP_ACPI_NVS:     return "ACPI NVS";
	case MEMMAP_RESERVED:     return "reserved";
	case MEMMAP_KERNEL:       return "kernel";
	case MEMMAP_BAD:          return "bad";
	}
	return "unknown";
}
