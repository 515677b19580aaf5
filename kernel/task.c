/*
 * Tasks: creation, exit, the kill of a faulting task, and reaping
 * (kernel/task.h).
 *
 * A task's life: task_spawn() builds its address space from the program's
 * ELF image and lays out its kernel stack so that the first switch to it
 * "returns" into user mode at the entry point. It leaves through
 * task_exit() or task_kill(), which free everything that needs this CPU's
 * context (its filter programs, its address space) and switch away for
 * good; the next task on the CPU reaps it (its stack, its struct).
 *
 * The result is published with `done` (RELEASE), read by task_wait()
 * (ACQUIRE); the struct is freed by whichever of the two drops the last
 * reference.
 */
#include "kernel/task.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/traps.h"
#include "kernel/exec.h"
#include "kernel/jit.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/programs.h"
#include "kernel/sched.h"
#include "kernel/string.h"
#include "kernel/trace.h"
#include "mm/kstack.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/spinlock.h"

_Static_assert(sizeof(struct task) <= PAGE_SIZE, "a task is one frame");

#define RFLAGS_IF       (1ull << 9)
#define RFLAGS_RESERVED (1ull << 1)

static uint64_t next_id = 1;    /* atomic */
static uint64_t live;           /* atomic */

/*
 * Kernel stacks of dead tasks, kept for the next ones (a list threaded
 * through the stacks themselves). They are never unmapped: unmapping would
 * need a kernel TLB flush on every CPU the task ran on.
 */
static spinlock_t stack_lock = SPINLOCK_INIT;
static uint64_t stack_free_list;

static uint64_t stack_get(void)
{
	uint64_t flags = spin_lock_irqsave(&stack_lock);
	uint64_t top = stack_free_list;

	if (top)
		stack_free_list = *(uint64_t *)(top - 8);
	spin_unlock_irqrestore(&stack_lock, flags);
	return top ? top : kstack_alloc();
}

static void stack_put(uint64_t top)
{
	uint64_t flags = spin_lock_irqsave(&stack_lock);

	*(uint64_t *)(top - 8) = stack_free_list;
	stack_free_list = top;
	spin_unlock_irqrestore(&stack_lock, flags);
}

static void task_free(struct task *t)
{
	pmm_free(virt_to_phys(t));
	__atomic_fetch_sub(&live, 1, __ATOMIC_RELAXED);
}

static void put_ref(struct task *t)
{
	if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		task_free(t);
}

/* The FXSAVE image of a freshly initialised FPU: x87 control word and MXCSR. */
static void fpu_init(struct task *t)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	memcpy(&t->fpu[0], &fcw, sizeof(fcw));
	memcpy(&t->fpu[24], &mxcsr, sizeof(mxcsr));
}

/*
 * The kernel stack of a task that has never run: a trap frame for its
 * first entry into user mode at the top, and below it what
 * context_switch() pops (six callee-saved registers, then its return
 * address: task_first_entry).
 */
static void stack_layout(struct task *t, uint64_t entry, uint64_t arg)
{
	extern char task_first_entry[];
	struct trap_frame *f = (struct trap_frame *)(t->kstack_top - sizeof(*f));
	uint64_t *sw = (uint64_t *)f - 7;

	memset(f, 0, sizeof(*f));
	f->rip = entry;
	f->cs = GDT_UCODE | 3;
	f->rflags = RFLAGS_IF | RFLAGS_RESERVED;
	f->rsp = USER_STACK_TOP;
	f->ss = GDT_UDATA | 3;
	f->rdi = arg;
	memset(sw, 0, 6 * sizeof(uint64_t));
	sw[6] = (uint64_t)task_first_entry;
	t->saved_rsp = (uint64_t)sw;
}

struct task *task_spawn(const char *name, uint64_t arg, unsigned cpu, bool wait)
{
	const struct user_program *prog = program_find(name);
	const char *why = "out of memory";
	uint64_t entry, phys;
	struct task *t;

	if (!prog) {
		pr_err("task: no program called '%s'\n", name);
		return 0;
	}
	if (cpu >= nr_cpus || !__atomic_load_n(&cpu_area[cpu]->online, __ATOMIC_ACQUIRE)) {
		pr_err("task: CPU %u is not online; '%s' not started\n", cpu, name);
		return 0;
	}
	phys = pmm_alloc();
	if (!phys)
		goto fail;
	t = phys_to_virt(phys);
	t->as = uvm_create();
	if (!t->as)
		goto fail_task;
	why = exec_load(t->as, prog->image, prog->size, &entry);
	if (why)
		goto fail_as;
	why = "out of memory";
	t->kstack_top = stack_get();
	if (!t->kstack_top)
		goto fail_as;
	t->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	strlcpy(t->name, name, sizeof(t->name));
	t->refs = wait ? 2 : 1;
	t->share_lock = (spinlock_t)SPINLOCK_INIT;
	t->waiter_cpu = wait ? (int)smp_processor_id() : -1;
	fpu_init(t);
	stack_layout(t, entry, arg);
	__atomic_fetch_add(&live, 1, __ATOMIC_RELAXED);
	sched_enqueue(t, cpu);
	return t;

fail_as:
	uvm_destroy(t->as);
fail_task:
	pmm_free(phys);
fail:
	pr_err("task: cannot start '%s': %s\n", name, why);
	return 0;
}

bool task_done(const struct task *t)
{
	return __atomic_load_n(&t->done, __ATOMIC_ACQUIRE);     /* pairs with task_reap() */
}

void task_wait(struct task *t, struct task_result *r)
{
	/*
	 * Check with interrupts off, then halt with them still off until the
	 * "sti; hlt" in sched_idle_step(): the reschedule IPI of task_reap()
	 * then ends the HLT even if it comes right after the check. Checked
	 * with interrupts on, the IPI could be taken between the check and
	 * the halt, and this CPU (no tick when idle) would sleep for good.
	 */
	irq_disable();
	while (!__atomic_load_n(&t->done, __ATOMIC_ACQUIRE)) {  /* pairs with task_reap() */
		sched_idle_step();
		irq_disable();
	}
	irq_enable();
	*r = (struct task_result){
		.exit_code = t->exit_code, .killed = t->killed, .vector = t->kill_vector,
		.addr = t->kill_addr, .syscalls = t->syscalls, .cpu = t->exit_cpu,
	};
	memcpy(r->errors, t->errors, sizeof(r->errors));
	r->shared = t->share_kept;
	memcpy(r->share, t->share_copy, sizeof(r->share));
	put_ref(t);                     /* t may be freed from here on */
}

bool task_run(const char *name, uint64_t arg, unsigned cpu, struct task_result *r)
{
	struct task *t = task_spawn(name, arg, cpu, true);

	if (!t)
		return false;
	task_wait(t, r);
	return true;
}

int64_t task_share(struct task *t, uint64_t uaddr)
{
	uint64_t pte = uvm_lookup(t->as, uaddr);

	if (uaddr % PAGE_SIZE || !(pte & PTE_P) || !(pte & PTE_W))
		return -E_INVAL;
	uint64_t flags = spin_lock_irqsave(&t->share_lock);
	t->shared = phys_to_virt(pte & PTE_ADDR);
	t->shared_uaddr = uaddr;
	spin_unlock_irqrestore(&t->share_lock, flags);
	return 0;
}

bool task_is_shared(const struct task *t, uint64_t uaddr)
{
	return t->shared && (uaddr & ~(uint64_t)(PAGE_SIZE - 1)) == t->shared_uaddr;
}

/* At exit, before the address space goes: keep the page's head. */
static void share_end(struct task *t)
{
	uint64_t flags = spin_lock_irqsave(&t->share_lock);

	if (t->shared) {
		memcpy(t->share_copy, t->shared, SHARE_KEPT);
		t->share_kept = true;
		t->shared = 0;
	}
	spin_unlock_irqrestore(&t->share_lock, flags);
}

bool task_shared_read(struct task *t, void *buf, uint64_t len)
{
	uint64_t flags = spin_lock_irqsave(&t->share_lock);
	bool ok = true;

	if (len > SHARE_KEPT)
		len = SHARE_KEPT;
	/* The task writes its page while this reads: each aligned word is
	 * read whole (volatile), which is all a progress figure needs; the
	 * final figures come with task_wait()'s result. */
	if (t->shared)
		for (uint64_t i = 0; i < len / 8; i++)
			((uint64_t *)buf)[i] = ((volatile uint64_t *)t->shared)[i];
	else if (t->share_kept)
		memcpy(buf, t->share_copy, len);
	else
		ok = false;
	spin_unlock_irqrestore(&t->share_lock, flags);
	return ok;
}

bool task_shared_write(struct task *t, uint64_t off, uint64_t v)
{
	uint64_t flags = spin_lock_irqsave(&t->share_lock);
	bool ok = t->shared && off % 8 == 0 && off < PAGE_SIZE;

	if (ok)
		__atomic_store_n((uint64_t *)(t->shared + off), v, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&t->share_lock, flags);
	return ok;
}

/* Everything that needs the task's own context, then switch away for good. */
static __attribute__((noreturn)) void finish(struct task *t, int code)
{
	irq_enable();                   /* freeing filter programs flushes on every CPU */
	jit_release_all(t);
	share_end(t);
	irq_disable();
	sched_leave_address_space();
	uvm_destroy(t->as);
	t->as = 0;
	t->exit_code = code;
	t->exit_cpu = smp_processor_id();
	t->state = TASK_DEAD;
	schedule();
	panic("task %llu ran again after it died", (unsigned long long)t->id);
}

void task_exit(int code)
{
	finish(this_cpu()->current, code);
}

void task_kill(const char *why, uint64_t vector, uint64_t addr, uint64_t rip)
{
	struct task *t = this_cpu()->current;

	pr_warn("task %llu (%s) killed on CPU %u: %s, vector %llu, address %#llx, rip %#llx\n",
		(unsigned long long)t->id, t->name, smp_processor_id(), why,
		(unsigned long long)vector, (unsigned long long)addr, (unsigned long long)rip);
	t->killed = true;
	t->kill_vector = vector;
	t->kill_addr = addr;
	finish(t, -1);
}

void task_fault(struct trap_frame *f)
{
	uint64_t addr = f->vector == VEC_PF ? read_cr2() : f->rip;

	task_kill(trap_name(f->vector), f->vector, addr, f->rip);
}

void task_start(void)
{
	schedule_tail();
	if (__atomic_load_n(&this_cpu()->current->stop, __ATOMIC_ACQUIRE))
		task_exit(0);
	trace_exit();                   /* the task's first exit to user mode */
}

void task_request_stop(struct task *t)
{
	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);    /* pairs with sched_return_to_user() */
	smp_send_reschedule(__atomic_load_n(&t->cpu, __ATOMIC_RELAXED));
}

void task_reap(struct task *t)
{
	int waiter = t->waiter_cpu;     /* read before `done`: t may be freed after */

	stack_put(t->kstack_top);
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);    /* pairs with task_wait() */
	put_ref(t);
	if (waiter >= 0 && (unsigned)waiter != smp_processor_id())
		smp_send_reschedule((unsigned)waiter);
}

uint64_t task_live(void)
{
	return __atomic_load_n(&live, __ATOMIC_RELAXED);
}
