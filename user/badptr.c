/*
 * badptr: every system call that takes a pointer, a length or a handle
 * must turn a bad one into an error, never into a kernel fault or a write
 * to memory the task does not own. Each check is numbered in order.
 *
 * Exit: 0, or the number of the first check that failed.
 */
#include <stdbool.h>

#include "user/lib/lull.h"

#define KERNEL_PTR      0xffffffff80000000ull
#define NONCANONICAL    0x0000800000000000ull  /* first address past user space */
#define TOP_PAGE        (NONCANONICAL - 4096)
#define PAGE            4096ull

static int check_no;

static bool badptr_expect(const char *what, int64_t got, int64_t want)
{
	check_no++;
	if (got == want)
		return true;
	printf("badptr: check %d failed: %s = %ld, expected %ld\n", check_no, what, got, want);
	return false;
}

/* A map() that must succeed: a page-aligned user address. */
static bool badptr_mapped(const char *what, int64_t got)
{
	check_no++;
	if (got > 0 && got % PAGE == 0)
		return true;
	printf("badptr: check %d failed: %s = %ld, expected an address\n", check_no, what, got);
	return false;
}

/* Count a check; on failure leave the calling function with its number. */
#define CHECK(what, got, want) \
	do { if (!badptr_expect((what), (got), (want))) return check_no; } while (0)
#define CHECK_MAPPED(what, got) \
	do { if (!badptr_mapped((what), (got))) return check_no; } while (0)

/*
 * A length that wraps: buf + len comes out as 1, which a naive end check
 * takes for a small address. The ABI also lets the kernel cut a long write
 * to SYS_WRITE_MAX first, so buf is the last 16 bytes of a page whose
 * successor is unmapped: cut or not, the write must fault rather than
 * print whatever follows buf.
 */
static int badptr_write_wraps(void)
{
	int64_t two = sys_map(0, 2 * PAGE, MAP_WRITE);

	CHECK_MAPPED("map(2 pages)", two);
	CHECK("unmap(second page)", sys_unmap((uint64_t)two + PAGE, PAGE), 0);

	uint64_t buf = (uint64_t)two + PAGE - 16;
	uint64_t wrap = UINT64_MAX - buf + 2;

	CHECK("write(length wraps)", sys_write((void *)buf, wrap), -E_FAULT);
	CHECK("unmap(first page)", sys_unmap((uint64_t)two, PAGE), 0);
	return 0;
}

static int badptr_write(void)
{
	int failed;

	CHECK("write(kernel pointer)", sys_write((void *)KERNEL_PTR, 16), -E_FAULT);
	CHECK("write(NULL)", sys_write(NULL, 16), -E_FAULT);
	CHECK("write(unmapped 0x1000)", sys_write((void *)0x1000, 16), -E_FAULT);
	CHECK("write(non-canonical)", sys_write((void *)NONCANONICAL, 16), -E_FAULT);
	if ((failed = badptr_write_wraps()))
		return failed;
	/* Mapped, so only the part past the top of user space is wrong. */
	CHECK("map(top page)", sys_map(TOP_PAGE, PAGE, MAP_READ), (int64_t)TOP_PAGE);
	CHECK("write(straddles the top)", sys_write((void *)(NONCANONICAL - 8), 16), -E_FAULT);
	CHECK("unmap(top page)", sys_unmap(TOP_PAGE, PAGE), 0);
	CHECK("write(kernel pointer, 0)", sys_write((void *)KERNEL_PTR, 0), 0);
	return 0;
}

static int badptr_map(void)
{
	CHECK("map(len 0)", sys_map(0, 0, MAP_WRITE), -E_INVAL);
	CHECK("map(misaligned)", sys_map(USER_MAP_BASE + 1, PAGE, MAP_WRITE), -E_INVAL);
	CHECK("map(kernel address)", sys_map(KERNEL_PTR, PAGE, MAP_WRITE), -E_INVAL);
	CHECK("map(len > SYS_MAP_MAX)", sys_map(0, SYS_MAP_MAX + PAGE, MAP_WRITE), -E_NOMEM);

	int64_t two = sys_map(0, 2 * PAGE, MAP_WRITE);

	CHECK_MAPPED("map(2 pages)", two);
	CHECK("map(fixed, overlapping)", sys_map((uint64_t)two + PAGE, PAGE, MAP_WRITE), -E_INVAL);
	CHECK("unmap(2 pages)", sys_unmap((uint64_t)two, 2 * PAGE), 0);
	CHECK("unmap(not mapped)", sys_unmap((uint64_t)two, 2 * PAGE), -E_INVAL);
	return 0;
}

static int badptr_jit(void)
{
	static uint32_t imms[SYS_JIT_MAX_INSNS + 1];	/* valid memory, too many */

	CHECK("jit_load(kernel pointer)", sys_jit_load((void *)KERNEL_PTR, 4), -E_FAULT);
	CHECK("jit_load(NULL)", sys_jit_load(NULL, 4), -E_FAULT);
	CHECK("jit_load(n = 0)", sys_jit_load(imms, 0), -E_INVAL);
	CHECK("jit_load(n > max)", sys_jit_load(imms, SYS_JIT_MAX_INSNS + 1), -E_INVAL);
	CHECK("jit_run(12345)", sys_jit_run(12345), -E_INVAL);
	CHECK("jit_run(-1)", sys_jit_run(-1), -E_INVAL);
	CHECK("jit_free(12345)", sys_jit_free(12345), -E_INVAL);
	CHECK("jit_free(-1)", sys_jit_free(-1), -E_INVAL);
	return 0;
}

int main(uint64_t arg)
{
	int failed;

	if ((failed = badptr_write()) || (failed = badptr_map()) || (failed = badptr_jit()))
		return failed;
	if (!badptr_expect("pin(100000)", sys_pin(100000), -E_INVAL))
		return check_no;
	printf("badptr: all %d checks passed\n", check_no);
	return 0;
}
