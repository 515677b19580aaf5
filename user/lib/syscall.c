/*
 * One named wrapper per system call of kernel/syscall_abi.h, all through
 * syscall6(); unused argument registers are passed as zero so that the
 * kernel never sees stale values.
 */
#include "user/lib/lull.h"

#define SYSCALL0(nr)             syscall6((nr), 0, 0, 0, 0, 0, 0)
#define SYSCALL1(nr, a)          syscall6((nr), (a), 0, 0, 0, 0, 0)
#define SYSCALL2(nr, a, b)       syscall6((nr), (a), (b), 0, 0, 0, 0)
#define SYSCALL3(nr, a, b, c)    syscall6((nr), (a), (b), (c), 0, 0, 0)

void sys_exit(int64_t code)
{
	SYSCALL1(SYS_EXIT, (uint64_t)code);
	__builtin_trap();	/* exit returned: die loudly (ud2) */
}

int64_t sys_write(const void *buf, uint64_t len)
{
	return SYSCALL2(SYS_WRITE, (uint64_t)(uintptr_t)buf, len);
}

int64_t sys_yield(void)
{
	return SYSCALL0(SYS_YIELD);
}

int64_t sys_getcpu(void)
{
	return SYSCALL0(SYS_GETCPU);
}

int64_t sys_pin(uint64_t cpu)
{
	return SYSCALL1(SYS_PIN, cpu);
}

int64_t sys_clock(void)
{
	return SYSCALL0(SYS_CLOCK);
}

int64_t sys_sleep(uint64_t ns)
{
	return SYSCALL1(SYS_SLEEP, ns);
}

int64_t sys_map(uint64_t addr, uint64_t len, unsigned prot)
{
	return SYSCALL3(SYS_MAP, addr, len, prot);
}

int64_t sys_unmap(uint64_t addr, uint64_t len)
{
	return SYSCALL2(SYS_UNMAP, addr, len);
}

int64_t sys_jit_load(const uint32_t *imms, uint64_t n)
{
	return SYSCALL2(SYS_JIT_LOAD, (uint64_t)(uintptr_t)imms, n);
}

int64_t sys_jit_run(int64_t handle)
{
	return SYSCALL1(SYS_JIT_RUN, (uint64_t)handle);
}

int64_t sys_jit_free(int64_t handle)
{
	return SYSCALL1(SYS_JIT_FREE, (uint64_t)handle);
}

int64_t sys_taskid(void)
{
	return SYSCALL0(SYS_TASKID);
}

int64_t sys_share(void *page)
{
	return SYSCALL1(SYS_SHARE, (uint64_t)(uintptr_t)page);
}
