/*
 * Host tests for mm/memmap.c: targeted cases for each kind of firmware
 * mess, a table that overflows, and two seeded random comparisons with a
 * model that knows the type of every page (or byte) of a small address
 * space. Set MEMMAP_SEED to rerun one seed; a failure prints its seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tests/host/random.h"
#include "kernel/string.h"
#include "mm/memmap.h"

#define PAGE 4096ull
#define MB (1024ull * 1024)

static struct memmap map;

static uint64_t current_seed;	/* named in failures of the random tests */

#define SANE(cond) do { if (!(cond)) fail_msg("entry %zu of %zu breaks %s (seed %lu)", \
					      i, m->n, #cond, current_seed); } while (0)

/* The shape every sanitized map must have, whatever went in. */
static void assert_sane(const struct memmap *m)
{
	size_t i = 0;

	SANE(m->n <= MEMMAP_MAX);
	for (i = 0; i < m->n; i++) {
		const struct memmap_entry *e = &m->e[i], *p = i ? &m->e[i - 1] : e;

		SANE(e->len > 0);
		SANE(e->type >= MEMMAP_USABLE && e->type <= MEMMAP_BAD);
		SANE(e->len <= UINT64_MAX - e->base);
		SANE(e->type != MEMMAP_USABLE || (e->base % PAGE == 0 && e->len % PAGE == 0));
		SANE(i == 0 || p->base + p->len <= e->base);			/* sorted, disjoint */
		SANE(i == 0 || p->base + p->len != e->base || p->type != e->type);	/* merged */
	}
}

/* The type the map gives one address, 0 for a hole. */
static enum memmap_type type_at(uint64_t addr)
{
	for (size_t i = 0; i < map.n; i++) {
		if (addr >= map.e[i].base && addr - map.e[i].base < map.e[i].len)
			return map.e[i].type;
	}
	return 0;
}

static void expect(size_t i, uint64_t base, uint64_t len, enum memmap_type type)
{
	assert_true(i < map.n);
	if (map.e[i].base != base || map.e[i].len != len || map.e[i].type != type)
		fail_msg("entry %zu is [%#lx +%#lx %s], want [%#lx +%#lx %s]", i,
			 map.e[i].base, map.e[i].len, memmap_type_name(map.e[i].type),
			 base, len, memmap_type_name(type));
}

/* Sanitize, check shape, and check that a second pass finds nothing to do. */
static unsigned sanitize(void)
{
	unsigned problems = memmap_sanitize(&map);
	struct memmap again = map;

	assert_sane(&map);
	assert_int_equal(memmap_sanitize(&again), 0);
	assert_memory_equal(&again, &map, sizeof(map));
	return problems;
}

static void test_empty_and_clean(void **state)
{
	memmap_init(&map);
	assert_int_equal(sanitize(), 0);
	assert_int_equal(map.n, 0);
	assert_int_equal(memmap_usable_bytes(&map), 0);
	assert_int_equal(memmap_usable_top(&map), 0);

	/* A clean map, given unsorted: sorting alone is no problem. */
	memmap_add(&map, MB, 511 * MB, MEMMAP_USABLE);
	memmap_add(&map, 0xf0000, 0x10000, MEMMAP_RESERVED);
	memmap_add(&map, 0, 0x9f000, MEMMAP_USABLE);
	memmap_add(&map, 0x1000, 0, MEMMAP_BAD);		/* zero length: ignored */
	assert_int_equal(map.n, 3);
	assert_int_equal(sanitize(), 0);
	assert_int_equal(map.n, 3);
	expect(0, 0, 0x9f000, MEMMAP_USABLE);
	expect(1, 0xf0000, 0x10000, MEMMAP_RESERVED);
	expect(2, MB, 511 * MB, MEMMAP_USABLE);
	assert_int_equal(memmap_usable_bytes(&map), 0x9f000 + 511 * MB);
	assert_int_equal(memmap_usable_top(&map), 512 * MB);
}

static void test_overlaps(void **state)
{
	/* Contained: a reserved hole punched into usable memory. */
	memmap_init(&map);
	memmap_add(&map, 0, 16 * MB, MEMMAP_USABLE);
	memmap_add(&map, 4 * MB, MB, MEMMAP_ACPI_NVS);
	assert_int_equal(sanitize(), 2);
	assert_int_equal(map.n, 3);
	expect(0, 0, 4 * MB, MEMMAP_USABLE);
	expect(1, 4 * MB, MB, MEMMAP_ACPI_NVS);
	expect(2, 5 * MB, 11 * MB, MEMMAP_USABLE);

	/* Partial, both ways round, and identical: the higher type wins. */
	memmap_init(&map);
	memmap_add(&map, 2 * MB, 2 * MB, MEMMAP_BAD);
	memmap_add(&map, 0, 3 * MB, MEMMAP_RESERVED);
	memmap_add(&map, 3 * MB, 2 * MB, MEMMAP_USABLE);
	memmap_add(&map, 8 * MB, MB, MEMMAP_ACPI_RECLAIM);
	memmap_add(&map, 8 * MB, MB, MEMMAP_KERNEL);
	memmap_add(&map, 8 * MB, MB, MEMMAP_ACPI_RECLAIM);
	assert_int_equal(sanitize(), 6);
	assert_int_equal(map.n, 4);
	expect(0, 0, 2 * MB, MEMMAP_RESERVED);
	expect(1, 2 * MB, 2 * MB, MEMMAP_BAD);
	expect(2, 4 * MB, MB, MEMMAP_USABLE);
	expect(3, 8 * MB, MB, MEMMAP_KERNEL);

	/* A chain of many nested ranges, each type over the next. */
	memmap_init(&map);
	for (int t = MEMMAP_USABLE; t <= MEMMAP_BAD; t++)
		memmap_add(&map, (uint64_t)t * MB, (uint64_t)(20 - 2 * t) * MB, t);
	assert_int_equal(sanitize(), 6);
	assert_int_equal(map.n, 11);
	for (int t = MEMMAP_USABLE; t < MEMMAP_BAD; t++) {
		expect(t - 1, (uint64_t)t * MB, MB, t);
		expect(11 - t, (uint64_t)(19 - t) * MB, MB, t);
	}
	expect(5, 6 * MB, 8 * MB, MEMMAP_BAD);
}

static void test_merge_and_types(void **state)
{
	/* Touching ranges of one type merge without complaint; of two types, not. */
	memmap_init(&map);
	memmap_add(&map, 2 * MB, MB, MEMMAP_USABLE);
	memmap_add(&map, 0, MB, MEMMAP_USABLE);
	memmap_add(&map, MB, MB, MEMMAP_USABLE);
	memmap_add(&map, 3 * MB, MB, MEMMAP_RESERVED);
	memmap_add(&map, 4 * MB, MB, MEMMAP_RESERVED);
	memmap_add(&map, 5 * MB, MB, MEMMAP_ACPI_NVS);
	assert_int_equal(sanitize(), 0);
	assert_int_equal(map.n, 3);
	expect(0, 0, 3 * MB, MEMMAP_USABLE);
	expect(1, 3 * MB, 2 * MB, MEMMAP_RESERVED);
	expect(2, 5 * MB, MB, MEMMAP_ACPI_NVS);

	/* An unknown type is read as reserved, never as usable. */
	memmap_init(&map);
	memmap_add(&map, 0, MB, (enum memmap_type)42);
	memmap_add(&map, 0, 2 * MB, MEMMAP_USABLE);
	sanitize();
	expect(0, 0, MB, MEMMAP_RESERVED);
	expect(1, MB, MB, MEMMAP_USABLE);
	assert_string_equal(memmap_type_name(MEMMAP_ACPI_NVS), "ACPI NVS");
	assert_string_equal(memmap_type_name((enum memmap_type)42), "unknown");
}

static void test_zero_length_and_wrap(void **state)
{
	memmap_init(&map);
	map.e[map.n++] = (struct memmap_entry){ 0x5000, 0, MEMMAP_BAD };	/* by hand */
	memmap_add(&map, 0, 0x10000, MEMMAP_USABLE);
	memmap_add(&map, UINT64_MAX - 0xfff, 0x5000, MEMMAP_RESERVED);	/* wraps */
	assert_int_equal(sanitize(), 2);
	assert_int_equal(map.n, 2);
	expect(0, 0, 0x10000, MEMMAP_USABLE);
	expect(1, UINT64_MAX - 0xfff, 0xfff, MEMMAP_RESERVED);

	/* Usable up to the top of the address space: clipped, then page-trimmed. */
	memmap_init(&map);
	memmap_add(&map, UINT64_MAX - 0x2fff, 0x10000, MEMMAP_USABLE);
	assert_int_equal(sanitize(), 1);	/* the wrap; trimming is routine */
	expect(0, UINT64_MAX - 0x2fff, 0x2000, MEMMAP_USABLE);
	assert_int_equal(memmap_usable_top(&map), UINT64_MAX - 0xfff);
}

static void test_unaligned_usable(void **state)
{
	memmap_init(&map);
	memmap_add(&map, 0x1234, 0x5678 - 0x1234, MEMMAP_USABLE);	/* shrinks inward */
	memmap_add(&map, 0x10001, 0xffe, MEMMAP_USABLE);		/* nothing left */
	memmap_add(&map, 0x20000, 0x800, MEMMAP_USABLE);		/* halves that */
	memmap_add(&map, 0x20800, 0x800, MEMMAP_USABLE);		/* make a page */
	memmap_add(&map, 0x30800, 0x100, MEMMAP_RESERVED);		/* not trimmed */
	assert_int_equal(sanitize(), 0);	/* trimming is routine, not a problem */
	assert_int_equal(map.n, 3);
	expect(0, 0x2000, 0x3000, MEMMAP_USABLE);
	expect(1, 0x20000, 0x1000, MEMMAP_USABLE);
	expect(2, 0x30800, 0x100, MEMMAP_RESERVED);
	assert_int_equal(memmap_usable_bytes(&map), 0x4000);
}

static void test_reserve(void **state)
{
	memmap_init(&map);
	memmap_add(&map, 0, 0x9fc00, MEMMAP_USABLE);
	memmap_add(&map, MB, 127 * MB, MEMMAP_USABLE);
	memmap_add(&map, 64 * MB, MB, MEMMAP_BAD);
	assert_int_equal(sanitize(), 2);	/* two entries overlap; the 0x9fc00 end is routine */

	memmap_reserve(&map, 0, MB, MEMMAP_RESERVED);		/* low memory, over a hole */
	memmap_reserve(&map, MB, 0x12345, MEMMAP_KERNEL);	/* unaligned end */
	memmap_reserve(&map, 63 * MB, 2 * MB, MEMMAP_KERNEL);	/* bad RAM stays bad */
	assert_sane(&map);
	assert_int_equal(sanitize(), 0);	/* reservations are not firmware problems */
	assert_int_equal(map.n, 6);
	expect(0, 0, MB, MEMMAP_RESERVED);
	expect(1, MB, 0x12345, MEMMAP_KERNEL);
	expect(2, MB + 0x13000, 62 * MB - 0x13000, MEMMAP_USABLE);
	expect(3, 63 * MB, MB, MEMMAP_KERNEL);
	expect(4, 64 * MB, MB, MEMMAP_BAD);
	expect(5, 65 * MB, 63 * MB, MEMMAP_USABLE);
}

/* 255 reserved pages in one usable range: 511 pieces for 256 slots. */
static void test_table_overflow(void **state)
{
	memmap_init(&map);
	memmap_add(&map, 0, 2 * MEMMAP_MAX * PAGE, MEMMAP_USABLE);
	for (uint64_t i = 0; i < MEMMAP_MAX - 1; i++)
		memmap_add(&map, (2 * i + 1) * PAGE, PAGE, MEMMAP_RESERVED);
	assert_int_equal(map.n, MEMMAP_MAX);
	sanitize();
	assert_int_equal(map.n, MEMMAP_MAX);
	assert_int_equal(map.dropped, 2 * MEMMAP_MAX - 1 - MEMMAP_MAX);
	for (uint64_t i = 0; i < MEMMAP_MAX - 1; i++) {
		bool found = false;	/* no reserved page was lost */

		for (size_t j = 0; j < map.n; j++)
			found |= map.e[j].base == (2 * i + 1) * PAGE &&
				 map.e[j].type == MEMMAP_RESERVED;
		assert_true(found);
	}
	/* The two-page usable piece at the end outlived the one-page ones. */
	expect(map.n - 1, (2 * MEMMAP_MAX - 2) * PAGE, 2 * PAGE, MEMMAP_USABLE);

	/* Full table: usable memory is what gives way, never a reservation. */
	unsigned dropped = map.dropped;

	memmap_add(&map, 100 * MB, MB, MEMMAP_USABLE);
	assert_int_equal(map.dropped, dropped + 1);
	assert_int_equal(type_at(100 * MB), 0);
	memmap_reserve(&map, (2 * MEMMAP_MAX - 2) * PAGE, PAGE, MEMMAP_KERNEL);
	assert_sane(&map);
	assert_int_equal(map.dropped, dropped + 2);
	assert_int_equal(type_at((2 * MEMMAP_MAX - 2) * PAGE), MEMMAP_KERNEL);
	assert_int_equal(memmap_usable_bytes(&map), 0);	/* the last usable entry made room */
	/* Nothing usable left to give up: the new entry goes, a hole stays a hole. */
	memmap_add(&map, 200 * MB, MB, MEMMAP_BAD);
	assert_int_equal(map.dropped, dropped + 3);
	assert_int_equal(map.n, MEMMAP_MAX);
	assert_int_equal(type_at(200 * MB), 0);
}


static uint64_t first_seed(void)
{
	const char *s = getenv("MEMMAP_SEED");

	return s ? strtoull(s, NULL, 0) : 1;
}

/* Paint the map into one type per unit (page or byte) of a small space. */
static void render(unsigned char *out, uint64_t units, uint64_t unit)
{
	memset(out, 0, units);
	for (size_t i = 0; i < map.n; i++) {
		const struct memmap_entry *e = &map.e[i];

		assert_true(e->base % unit == 0 && e->len % unit == 0);
		assert_true(e->base + e->len <= units * unit);
		memset(out + e->base / unit, e->type, e->len / unit);
	}
}

#define MODEL_PAGES 256		/* 1 MiB */

/* Page-aligned random ranges, then random reservations, against a page array. */
static void test_random_pages(void **state)
{
	uint64_t seed0 = first_seed();
	int runs = getenv("MEMMAP_SEED") ? 1 : 3000;

	for (uint64_t seed = seed0; seed < seed0 + (uint64_t)runs; seed++) {
		current_seed = seed;
		unsigned char model[MODEL_PAGES] = { 0 }, got[MODEL_PAGES];

		test_seed(seed);
		memmap_init(&map);
		int n = (int)(test_random() % 100);

		for (int i = 0; i <= n + 8; i++) {
			uint64_t first = test_random() % MODEL_PAGES;
			uint64_t count = test_random() % (MODEL_PAGES - first + 1);
			enum memmap_type t = test_random() % MEMMAP_BAD + 1;

			if (i <= n) {
				memmap_add(&map, first * PAGE, count * PAGE, t);
			} else {
				if (i == n + 1)
					sanitize();
				memmap_reserve(&map, first * PAGE, count * PAGE, t);
				assert_sane(&map);
			}
			for (uint64_t p = first; p < first + count; p++)
				model[p] = model[p] > t ? model[p] : t;
		}
		render(got, MODEL_PAGES, PAGE);
		for (uint64_t p = 0; p < MODEL_PAGES; p++) {
			if (got[p] != model[p])
				fail_msg("seed %lu: page %lu is %d, model says %d (n=%zu)",
					 seed, p, got[p], model[p], map.n);
		}
		assert_int_equal(map.dropped, 0);
	}
}

#define MODEL_BYTES (64 * 1024)

/* Byte-granular ranges: usable bytes survive exactly in wholly usable pages. */
static void test_random_unaligned(void **state)
{
	static unsigned char model[MODEL_BYTES], got[MODEL_BYTES];
	uint64_t seed0 = first_seed();
	int runs = getenv("MEMMAP_SEED") ? 1 : 1000;

	for (uint64_t seed = seed0; seed < seed0 + (uint64_t)runs; seed++) {
		current_seed = seed;
		test_seed(seed);
		memset(model, 0, sizeof(model));
		memmap_init(&map);
		int n = (int)(test_random() % 40) + 1;

		for (int i = 0; i < n; i++) {
			uint64_t base = test_random() % MODEL_BYTES;
			uint64_t len = test_random() % (test_random() % 2 ? 0x3000 : MODEL_BYTES - base);
			enum memmap_type t = test_random() % 3 ? MEMMAP_USABLE :
					     test_random() % MEMMAP_BAD + 1;

			len = len < MODEL_BYTES - base ? len : MODEL_BYTES - base;
			memmap_add(&map, base, len, t);
			for (uint64_t b = base; b < base + len; b++)
				model[b] = model[b] > t ? model[b] : t;
		}
		sanitize();
		render(got, MODEL_BYTES, 1);
		for (uint64_t page = 0; page < MODEL_BYTES; page += PAGE) {
			bool whole = true;

			for (uint64_t b = page; b < page + PAGE; b++)
				whole &= model[b] == MEMMAP_USABLE;
			for (uint64_t b = page; b < page + PAGE; b++) {
				int want = model[b] == MEMMAP_USABLE && !whole ? 0 : model[b];

				if (got[b] != want)
					fail_msg("seed %lu: byte %#lx is %d, model says %d",
						 seed, b, got[b], want);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_clean),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_merge_and_types),
		cmocka_unit_test(test_zero_length_and_wrap),
		cmocka_unit_test(test_unaligned_usable),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_table_overflow),
		cmocka_unit_test(test_random_pages),
		cmocka_unit_test(test_random_unaligned),
	};

	return cmocka_run_group_tests_name("mm/memmap.c", tests, NULL, NULL);
}
