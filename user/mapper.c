/*
 * mapper: map() and unmap() as a program uses them: a page, a large range
 * touched page by page, a fixed address (twice), and the per-task limit
 * SYS_MAP_MAX, whose refusal must cost nothing: after it, everything
 * mapped before still works and the whole budget is still there.
 *
 * Exit: 0, or the number of the first check that failed.
 */
#include <stdbool.h>

#include "user/lib/lull.h"

#define PAGE    4096ull
#define MIB     (1ull << 20)
#define FIXED   (USER_MAP_BASE + (1ull << 30))

static int check_no;

static bool mapper_expect(const char *what, bool ok, int64_t got)
{
	check_no++;
	if (!ok)
		printf("mapper: check %d failed: %s (got %ld)\n", check_no, what, got);
	return ok;
}

/* Count a check; on failure leave the calling function with its number. */
#define CHECK(what, ok, got) \
	do { if (!mapper_expect((what), (ok), (int64_t)(got))) return check_no; } while (0)

static bool mapped(int64_t addr)
{
	return addr > 0 && addr % PAGE == 0;
}

/* Every word of [addr, addr + len) is zero; then mark each page with its address. */
static bool zero_then_mark(uint64_t addr, uint64_t len)
{
	volatile uint64_t *w = (volatile uint64_t *)addr;

	for (uint64_t i = 0; i < len / sizeof(*w); i++)
		if (w[i] != 0)
			return false;
	for (uint64_t off = 0; off < len; off += PAGE)
		w[off / sizeof(*w)] = addr + off;
	for (uint64_t off = 0; off < len; off += PAGE)
		if (w[off / sizeof(*w)] != addr + off)
			return false;
	return true;
}

/* The first and last word of the range still hold what a write puts there. */
static bool still_works(uint64_t addr, uint64_t len)
{
	volatile uint64_t *first = (volatile uint64_t *)addr;
	volatile uint64_t *last = (volatile uint64_t *)(addr + len - sizeof(uint64_t));

	*first = ~addr;
	*last = addr;
	return *first == ~addr && *last == addr;
}

static int mapper_small_and_large(void)
{
	int64_t a = sys_map(0, PAGE, MAP_WRITE);

	CHECK("map(one page)", mapped(a), a);
	CHECK("one page is zeroed and writable", zero_then_mark(a, PAGE), a);
	int64_t r = sys_unmap(a, PAGE);

	CHECK("unmap(one page)", r == 0, r);

	a = sys_map(0, 4 * MIB, MAP_WRITE);
	CHECK("map(4 MiB)", mapped(a), a);
	CHECK("4 MiB are zeroed and writable", zero_then_mark(a, 4 * MIB), a);
	r = sys_unmap(a, 4 * MIB);
	CHECK("unmap(4 MiB)", r == 0, r);
	return 0;
}

static int mapper_fixed_and_limit(void)
{
	int64_t r = sys_map(FIXED, PAGE, MAP_WRITE);

	CHECK("map(fixed)", r == (int64_t)FIXED, r);
	r = sys_map(FIXED, PAGE, MAP_WRITE);
	CHECK("map(fixed, again) is -E_INVAL", r == -E_INVAL, r);

	/* 8 MiB, then 8 MiB more: over SYS_MAP_MAX with the fixed page. */
	int64_t half = sys_map(0, SYS_MAP_MAX / 2, MAP_WRITE);

	CHECK("map(SYS_MAP_MAX / 2)", mapped(half), half);
	r = sys_map(0, SYS_MAP_MAX / 2, MAP_WRITE);
	CHECK("map(past SYS_MAP_MAX) is -E_NOMEM", r == -E_NOMEM, r);
	CHECK("earlier mappings still work",
	      still_works(FIXED, PAGE) && still_works(half, SYS_MAP_MAX / 2), half);
	r = sys_unmap(half, SYS_MAP_MAX / 2);
	CHECK("unmap(SYS_MAP_MAX / 2)", r == 0, r);

	/* Had the refused request kept any of its 8 MiB, 12 MiB would not fit. */
	int64_t big = sys_map(0, 12 * MIB, MAP_WRITE);

	CHECK("map(12 MiB) after the refusal", mapped(big), big);
	CHECK("12 MiB work", still_works(big, 12 * MIB), big);
	r = sys_unmap(big, 12 * MIB);
	CHECK("unmap(12 MiB)", r == 0, r);
	r = sys_unmap(FIXED, PAGE);
	CHECK("unmap(fixed)", r == 0, r);
	return 0;
}

int main(uint64_t arg)
{
	int failed;

	if ((failed = mapper_small_and_large()) || (failed = mapper_fixed_and_limit()))
		return failed;
	printf("mapper: all %d checks passed\n", check_no);
	return 0;
}
