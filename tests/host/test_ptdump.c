/*
 * Host tests for mm/ptdump.c on page tables built in host memory: the
 * exact lines printed, runs merged and cut (by a gap, a level, an
 * attribute, a region boundary), the effective attributes of a walk
 * through several levels, clipping to a range, the W+X count and the
 * W+X-only output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mm/paging.h"
#include "mm/ptdump.h"

#define KERNEL(va) (0xffff000000000000ull | (va))
#define P  PTE_P
#define W  PTE_W
#define U  PTE_U
#define NX PTE_NX

static uint64_t *tables[32];
static unsigned ntables;
static char text[4096];
static size_t text_len;

static uint64_t *new_table(void)
{
	uint64_t *t = aligned_alloc(4096, 4096);

	assert_non_null(t);
	memset(t, 0, 4096);
	assert_true(ntables < sizeof(tables) / sizeof(tables[0]));
	tables[ntables++] = t;
	return t;
}

/* An entry pointing at table t: its "physical" address is the host one. */
static uint64_t link(uint64_t *t, uint64_t flags)
{
	return (uint64_t)(uintptr_t)t | flags;
}

static const uint64_t *host_table(uint64_t phys)
{
	return (const uint64_t *)(uintptr_t)phys;
}

static void collect(void *arg, const char *line)
{
	size_t n = strlen(line);

	assert_true(text_len + n + 2 < sizeof(text));
	memcpy(text + text_len, line, n);
	text_len += n;
	text[text_len++] = '\n';
	text[text_len] = 0;
}

static int teardown(void **state)
{
	while (ntables)
		free(tables[--ntables]);
	text_len = 0;
	text[0] = 0;
	return 0;
}

/*
 * The kernel half: a 1G page, two 2M pages, a table of 4K pages (one run
 * per level), then 4K pages of every attribute at 0xffffffff80000000.
 */
static uint64_t *kernel_tables(void)
{
	uint64_t *top = new_table(), *pdpt = new_table(), *pd = new_table(), *pt = new_table();
	uint64_t *pdpt2 = new_table(), *pd2 = new_table(), *pt2 = new_table();

	top[256] = link(pdpt, P | W);
	pdpt[0] = 0 | P | W | PTE_PS | NX;
	pdpt[1] = link(pd, P | W);
	pd[0] = 0x40000000 | P | W | PTE_PS | NX;
	pd[1] = 0x40200000 | P | W | PTE_PS | NX;
	pd[2] = link(pt, P | W);
	for (int i = 0; i < 512; i++)
		pt[i] = (0x40400000 + i * 4096ull) | P | W | NX;

	top[511] = link(pdpt2, P | W);
	pdpt2[510] = link(pd2, P | W);
	pd2[0] = link(pt2, P | W);
	for (int i = 0; i < 4; i++)
		pt2[i] = P;                            /* read-only, executable */
	pt2[4] = pt2[5] = P | W | NX;
	pt2[7] = P | W | NX;                        /* after a hole at 6 */
	pt2[8] = P | W;                             /* W+X */
	pt2[9] = P | W | NX | PTE_G;
	pt2[10] = P | W | NX | PTE_PCD | PTE_PWT;
	pt2[11] = P | NX;
	return top;
}

static const struct ptdump_region kernel_regions[] = {
	{ KERNEL(0x800000000000), KERNEL(0x800100000000), "direct" },
	{ 0xffffffff80000000, 0xffffffff80002000, "text a" },
	{ 0xffffffff80002000, 0xffffffff80006000, "text b" },
};

static struct ptdump_request request(uint64_t *top, uint64_t first, uint64_t last)
{
	return (struct ptdump_request){
		.top = (uint64_t)(uintptr_t)top, .table = host_table,
		.first = first, .last = last,
		.regions = kernel_regions, .nregions = 3, .out = collect,
	};
}

static void kernel_half_lines(void **state)
{
	struct ptdump_request req = request(kernel_tables(), KERNEL(0x800000000000), UINT64_MAX);
	struct ptdump_summary s;

	ptdump_walk(&req, &s);
	assert_string_equal(text,
		"---[ direct ]---\n"
		"0xffff800000000000-0xffff800040000000      1G PDP RW     NX\n"
		"0xffff800040000000-0xffff800040400000      4M PD  RW     NX\n"
		"0xffff800040400000-0xffff800040600000      2M PT  RW     NX\n"
		"---[ text a ]---\n"
		"0xffffffff80000000-0xffffffff80002000      8K PT  ro     x\n"
		"---[ text b ]---\n"
		"0xffffffff80002000-0xffffffff80004000      8K PT  ro     x\n"
		"0xffffffff80004000-0xffffffff80006000      8K PT  RW     NX\n"
		"---[ outside the known regions ]---\n"
		"0xffffffff80007000-0xffffffff80008000      4K PT  RW     NX\n"
		"0xffffffff80008000-0xffffffff80009000      4K PT  RW     x            W+X\n"
		"0xffffffff80009000-0xffffffff8000a000      4K PT  RW     NX         G\n"
		"0xffffffff8000a000-0xffffffff8000b000      4K PT  RW     NX PCD PWT\n"
		"0xffffffff8000b000-0xffffffff8000c000      4K PT  ro     NX\n");
	assert_int_equal(s.runs, 11);
	assert_int_equal(s.bytes, (1ull << 30) + (6ull << 20) + 11 * 4096);
	assert_int_equal(s.wx_runs, 1);
	assert_int_equal(s.wx_bytes, 4096);
	assert_int_equal(s.user_runs, 0);
	assert_int_equal(s.stray_runs, 5);
}

/* The user half is outside the range: nothing of it is printed. */
static void halves_are_separate(void **state)
{
	uint64_t *top = kernel_tables(), *pdpt = new_table(), *pd = new_table();
	struct ptdump_summary s;

	top[0] = link(pdpt, P | W | U);
	pdpt[0] = link(pd, P | W | U);
	pd[0] = 0x200000 | P | W | U | PTE_PS;
	struct ptdump_request req = request(top, 0, 0x7fffffffffffull);
	ptdump_walk(&req, &s);
	assert_string_equal(text,
		"---[ outside the known regions ]---\n"
		"0x0000000000000000-0x0000000000200000      2M PD  RW USR x            W+X\n");
	assert_int_equal(s.user_runs, 1);
	assert_int_equal(s.user_bytes, 2ull << 20);
	assert_int_equal(s.wx_runs, 1);
}

/* Cut to [first, last]: a 1G page and a 2M run are printed in part. */
static void clipped_range(void **state)
{
	struct ptdump_request req = request(kernel_tables(), KERNEL(0x800000100000),
					    KERNEL(0x8000402fffff));
	struct ptdump_summary s;

	ptdump_walk(&req, &s);
	assert_string_equal(text,
		"---[ direct ]---\n"
		"0xffff800000100000-0xffff800040000000   1023M PDP RW     NX\n"
		"0xffff800040000000-0xffff800040300000      3M PD  RW     NX\n");
	assert_int_equal(s.runs, 2);
}

static void wx_only(void **state)
{
	struct ptdump_request req = request(kernel_tables(), KERNEL(0x800000000000), UINT64_MAX);
	struct ptdump_summary s;

	req.wx_only = true;
	ptdump_walk(&req, &s);
	assert_string_equal(text,
		"---[ outside the known regions ]---\n"
		"0xffffffff80008000-0xffffffff80009000      4K PT  RW     x            W+X\n");
	assert_int_equal(s.runs, 11);              /* counted all the same */
	assert_int_equal(s.wx_runs, 1);
}

/*
 * Effective attributes: writable and user-accessible only where every
 * level says so, NX where any level does (the top-level NX that the
 * kernel table puts on user memory with PTI).
 */
static void effective_attributes(void **state)
{
	uint64_t *top = new_table(), *pdpt = new_table(), *pd = new_table();
	uint64_t *pt_all = new_table(), *pt_no_w = new_table(), *pt_no_u = new_table();
	struct ptdump_summary s;

	top[0] = link(pdpt, P | W | U | NX);
	pdpt[0] = link(pd, P | W | U);
	pd[2] = link(pt_all, P | W | U);            /* 0x400000 */
	pt_all[0] = P | W | U;
	pt_all[1] = P | U;
	pd[3] = link(pt_no_w, P | U);               /* 0x600000 */
	pt_no_w[0] = P | W | U;
	pd[4] = link(pt_no_u, P | W);               /* 0x800000 */
	pt_no_u[0] = P | W | U;

	struct ptdump_request req = request(top, 0, 0x7fffffffffffull);
	ptdump_walk(&req, &s);
	assert_string_equal(text,
		"---[ outside the known regions ]---\n"
		"0x0000000000400000-0x0000000000401000      4K PT  RW USR NX\n"
		"0x0000000000401000-0x0000000000402000      4K PT  ro USR NX\n"
		"0x0000000000600000-0x0000000000601000      4K PT  ro USR NX\n"
		"0x0000000000800000-0x0000000000801000      4K PT  RW     NX\n");
	assert_int_equal(s.runs, 4);
	assert_int_equal(s.user_runs, 3);
	assert_int_equal(s.user_bytes, 3 * 4096);
	assert_int_equal(s.wx_runs, 0);

	/* The same tables without the top level's NX (a user table): executable. */
	top[0] &= ~NX;
	text_len = 0;
	ptdump_walk(&req, &s);
	assert_int_equal(s.wx_runs, 2);            /* 0x400000 and 0x800000 */
	assert_int_equal(s.wx_bytes, 2 * 4096);
	assert_non_null(strstr(text, "0x0000000000401000-0x0000000000402000      4K PT  ro USR x\n"));
}

/* No output and zero counts for an empty table, an empty range, or no sink. */
static void empty(void **state)
{
	uint64_t *top = new_table();
	struct ptdump_summary s;

	struct ptdump_request req = request(top, 0, UINT64_MAX);
	ptdump_walk(&req, &s);
	assert_int_equal(text_len, 0);
	assert_int_equal(s.runs + s.bytes, 0);

	req = request(kernel_tables(), UINT64_MAX, 0);
	ptdump_walk(&req, &s);
	assert_int_equal(text_len, 0);
	assert_int_equal(s.runs, 0);

	req.first = 0;
	req.last = UINT64_MAX;
	req.out = NULL;
	ptdump_walk(&req, &s);
	assert_int_equal(text_len, 0);
	assert_int_equal(s.runs, 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(kernel_half_lines, teardown),
		cmocka_unit_test_teardown(halves_are_separate, teardown),
		cmocka_unit_test_teardown(clipped_range, teardown),
		cmocka_unit_test_teardown(wx_only, teardown),
		cmocka_unit_test_teardown(effective_attributes, teardown),
		cmocka_unit_test_teardown(empty, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
