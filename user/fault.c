/*
 * fault (arg = addr | mode): do one thing ring 3 must not get away with,
 * so that the kernel's test can check it kills this task (and only this
 * task) with the right exception. mode = arg & 0xff, addr = arg & ~0xff.
 *
 *   1 read a 64-bit word at addr     7 read through a NULL pointer
 *   2 call addr as a function        8 ud2
 *   3 integer divide by zero         9 SYSCALL whose return address is
 *   4 hlt                              not canonical (0x0000800000000000)
 *   5 write to its own text         10 int3
 *   6 system call number 1000       11 unbounded recursion (stack overflow)
 *
 * Exit: 99 when the task survived what should have killed it, 98 for an
 * unknown mode, 97 when mode 9 could not map its page. Never 0.
 */
#include "user/lib/lull.h"

#define FAULT_SURVIVED 99
#define FAULT_BAD_MODE 98
#define FAULT_NO_SETUP 97

/* The last user page: its last two bytes hold a SYSCALL (mode 9). */
#define FAULT_TOP_PAGE 0x00007ffffffff000ull

/* Not const: the compiler cannot prove the recursion ends, nor fold it. */
static volatile uint64_t fault_depth_limit = ~0ull;

/* Hide a pointer's value from the optimiser: a load through NULL must
 * stay a load, not become a trap the compiler inserts itself. */
static void *fault_launder(void *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static uint64_t fault_recurse(uint64_t depth)
{
	volatile uint8_t frame[512];

	frame[0] = (uint8_t)depth;
	/* The frame escapes: no tail call, no loop, every level uses stack. */
	__asm__ volatile("" : : "r"(frame) : "memory");
	if (depth == fault_depth_limit)
		return 0;
	return fault_recurse(depth + 1) + frame[0];
}

/*
 * SYSCALL from the last two bytes of user space: RCX becomes the first
 * non-canonical address. A kernel that returns with SYSRET would take #GP
 * in ring 0 with the user's stack pointer (the Intel SYSRET erratum); it
 * must notice and return some other way, or kill the task.
 */
static int fault_noncanonical_return(void)
{
	int64_t page = sys_map(FAULT_TOP_PAGE, 4096, MAP_WRITE | MAP_EXEC);

	if (page != (int64_t)FAULT_TOP_PAGE) {
		printf("fault: cannot map the top page: map() = %ld\n", page);
		return FAULT_NO_SETUP;
	}
	uint8_t *insn = (uint8_t *)(FAULT_TOP_PAGE + 4096 - 2);

	insn[0] = 0x0f;	/* syscall */
	insn[1] = 0x05;
	__asm__ volatile("jmp *%1" : : "a"((uint64_t)SYS_GETCPU), "r"(insn) : "memory");
	return FAULT_SURVIVED;	/* not reached: nothing jumps back */
}

static int fault_run(unsigned mode, uint64_t addr)
{
	switch (mode) {
	case 1: {
		uint64_t v = *(volatile uint64_t *)addr;

		printf("fault: LEAK %#lx\n", v);
		return FAULT_SURVIVED;
	}
	case 2:
		((void (*)(void))addr)();
		break;
	case 3: {
		volatile int num = 1, den = 0;

		num = num / den;
		break;
	}
	case 4:
		__asm__ volatile("hlt");
		break;
	case 5: {
		volatile uint8_t *text = fault_launder((void *)(uintptr_t)&fault_run);

		*text = *text;	/* the same byte back: harmless if it were allowed */
		break;
	}
	case 6:
		syscall6(1000, 0, 0, 0, 0, 0, 0);
		break;
	case 7:
		(void)*(volatile uint64_t *)fault_launder(NULL);
		break;
	case 8:
		__asm__ volatile("ud2");
		break;
	case 9:
		return fault_noncanonical_return();
	case 10:
		__asm__ volatile("int3");
		break;
	case 11:
		fault_recurse(0);
		break;
	default:
		printf("fault: unknown mode %u\n", mode);
		return FAULT_BAD_MODE;
	}
	printf("fault: mode %u did not fault\n", mode);
	return FAULT_SURVIVED;
}

int main(uint64_t arg)
{
	return fault_run(arg & 0xff, arg & ~0xffull);
}
