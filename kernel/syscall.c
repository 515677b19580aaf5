/*
 * System calls: the dispatcher the SYSCALL entry calls
 * (arch/x86_64/entry.asm) and one handler per number of
 * kernel/syscall_abi.h. Handlers run with interrupts on, in the calling
 * task's context; every user pointer goes through arch/x86_64/usercopy.h.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/usercopy.h"
#include "kernel/jit.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/syscall_abi.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "mm/uvm.h"
#include "smp/percpu.h"

/* Software bit of a user leaf entry: this page came from map(). */
#define PTE_FROM_MAP   (1ull << 9)

typedef int64_t (*syscall_fn)(struct task *t, const struct trap_frame *f);

static int64_t sys_exit(struct task *t, const struct trap_frame *f)
{
	task_exit((int)f->rdi);
}

static int64_t sys_write(struct task *t, const struct trap_frame *f)
{
	uint64_t buf = f->rdi, len = f->rsi < SYS_WRITE_MAX ? f->rsi : SYS_WRITE_MAX;
	char chunk[256];

	if (len == 0)
		return 0;
	if (!user_range_ok(buf, f->rsi))        /* all of it, before the cut */
		return -E_FAULT;
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		if (copy_from_user(chunk, buf + done, n))
			return done ? (int64_t)done : -E_FAULT;
		printk(KERN_INFO "%.*s", (int)n, chunk);
		done += n;
	}
	return (int64_t)len;
}

static int64_t sys_yield(struct task *t, const struct trap_frame *f)
{
	schedule();
	return 0;
}

static int64_t sys_getcpu(struct task *t, const struct trap_frame *f)
{
	return smp_processor_id();
}

static int64_t sys_pin(struct task *t, const struct trap_frame *f)
{
	return f->rdi < MAX_CPUS && sched_pin((unsigned)f->rdi) == 0 ? 0 : -E_INVAL;
}

static int64_t sys_clock(struct task *t, const struct trap_frame *f)
{
	uint64_t c = rdtsc() - tsc_at_entry;

	return (int64_t)(c / tsc_khz * 1000000 + c % tsc_khz * 1000000 / tsc_khz);
}

static int64_t sys_sleep(struct task *t, const struct trap_frame *f)
{
	if (f->rdi > SYS_SLEEP_MAX_NS)
		return -E_INVAL;
	sched_sleep(f->rdi);
	return 0;
}

/*
 * Where map(0, len) puts len bytes: the first free range from map_next on,
 * else from USER_MAP_BASE on. At most SYS_MAP_MAX bytes are mapped, so
 * the search meets few taken ranges before a free one.
 */
static uint64_t map_find(struct addr_space *as, uint64_t len)
{
	for (uint64_t a = as->map_next; user_range_ok(a, len); a += len + PAGE_SIZE)
		if (uvm_is_free(as, a, len))
			return a;
	for (uint64_t a = USER_MAP_BASE; a < as->map_next && user_range_ok(a, len);
	     a += len + PAGE_SIZE)
		if (uvm_is_free(as, a, len))
			return a;
	return 0;
}

static int64_t sys_map(struct task *t, const struct trap_frame *f)
{
	struct addr_space *as = t->as;
	uint64_t addr = f->rdi, len = (f->rsi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1), prot = f->rdx;

	if (f->rsi == 0 || len < f->rsi || (prot & ~(uint64_t)(MAP_WRITE | MAP_EXEC)) ||
	    addr % PAGE_SIZE)
		return -E_INVAL;
	if (len > SYS_MAP_MAX || as->map_pages + len / PAGE_SIZE > SYS_MAP_MAX / PAGE_SIZE)
		return -E_NOMEM;
	if (addr && (!user_range_ok(addr, len) || !uvm_is_free(as, addr, len)))
		return -E_INVAL;
	bool placed = !addr;
	if (placed && !(addr = map_find(as, len)))
		return -E_NOMEM;
	uint64_t flags = PTE_FROM_MAP | (prot & MAP_WRITE ? PTE_W : 0) |
			 (prot & MAP_EXEC ? 0 : PTE_NX);
	if (uvm_alloc(as, addr, len, flags))
		return -E_NOMEM;
	as->map_pages += len / PAGE_SIZE;
	if (placed)
		as->map_next = addr + len + PAGE_SIZE;  /* a gap: overruns fault */
	return (int64_t)addr;
}

static int64_t sys_unmap(struct task *t, const struct trap_frame *f)
{
	uint64_t addr = f->rdi, len = (f->rsi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (f->rsi == 0 || len < f->rsi || addr % PAGE_SIZE || !user_range_ok(addr, len))
		return -E_INVAL;
	/* Only what map() gave: not the program, its stack or the shared page. */
	for (uint64_t a = addr; a < addr + len; a += PAGE_SIZE)
		if (!(uvm_lookup(t->as, a) & PTE_FROM_MAP) || task_is_shared(t, a))
			return -E_INVAL;
	t->as->map_pages -= uvm_free(t->as, addr, len);
	return 0;
}

static int64_t sys_jit_load(struct task *t, const struct trap_frame *f)
{
	return jit_load(t, f->rdi, f->rsi);
}

static int64_t sys_jit_run(struct task *t, const struct trap_frame *f)
{
	return jit_run(t, f->rdi);
}

static int64_t sys_jit_free(struct task *t, const struct trap_frame *f)
{
	return jit_free(t, f->rdi);
}

static int64_t sys_taskid(struct task *t, const struct trap_frame *f)
{
	return (int64_t)t->id;
}

/* Only a page from map(): the program's own image is not the kernel's to read. */
static int64_t sys_share(struct task *t, const struct trap_frame *f)
{
	if (!user_range_ok(f->rdi, PAGE_SIZE) || !(uvm_lookup(t->as, f->rdi) & PTE_FROM_MAP))
		return -E_INVAL;
	return task_share(t, f->rdi);
}

static const syscall_fn syscalls[SYS_COUNT] = {
	[SYS_EXIT] = sys_exit, [SYS_WRITE] = sys_write, [SYS_YIELD] = sys_yield,
	[SYS_GETCPU] = sys_getcpu, [SYS_PIN] = sys_pin, [SYS_CLOCK] = sys_clock,
	[SYS_SLEEP] = sys_sleep, [SYS_MAP] = sys_map, [SYS_UNMAP] = sys_unmap,
	[SYS_JIT_LOAD] = sys_jit_load, [SYS_JIT_RUN] = sys_jit_run,
	[SYS_JIT_FREE] = sys_jit_free, [SYS_TASKID] = sys_taskid, [SYS_SHARE] = sys_share,
};

void syscall_dispatch(struct trap_frame *f)
{
	struct task *t = this_cpu()->current;
	uint64_t nr = f->rax;

	trace_syscall_entry(nr);        /* kernel/trace.h: before the catch-up, as they run */
	tlb_catch_up();                 /* the flush protocol's step 3: mm/tlb.c */
	this_cpu()->entries[ENTRY_SYSCALL]++;
	t->syscalls++;
	irq_enable();
	if (nr >= SYS_COUNT || !syscalls[nr])
		task_kill("unknown system call", VEC_SYSCALL, nr, f->rip);
	int64_t ret = syscalls[nr](t, f);
	if (ret < 0) {
		uint64_t e = -(uint64_t)ret;
		t->errors[e < TASK_ERRORS ? e : 0]++;
	}
	f->rax = (uint64_t)ret;
	irq_disable();
	/* The instruction after SYSCALL is not in user space: as a jump
	 * there would, this faults (#GP), and neither SYSRET nor IRET may
	 * be asked to go there. */
	if (f->rip >= USER_TOP)
		task_kill(trap_name(VEC_GP), VEC_GP, f->rip, f->rip);
	sched_return_to_user(f);
}
