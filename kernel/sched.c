/*
 * The scheduler (kernel/sched.h).
 *
 * Ownership: a run queue is shared (any CPU may add to it: a task that
 * pins itself there, a new task) and has a lock. A CPU's sleep list, its
 * current task and need_resched belong to that CPU alone and are touched
 * with its interrupts off. A task is on at most one queue or list, and
 * only the CPU it runs on moves it off.
 *
 * Moving a task to another CPU's queue must wait until its stack is no
 * longer in use: schedule() only notes the task it switched away from, and
 * schedule_tail(), already on the next task's stack, hands it over. A dead
 * task is reaped there for the same reason.
 */
#include "kernel/sched.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "kernel/string.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "mm/paging.h"
#include "mm/pti.h"
#include "mm/uvm.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/spinlock.h"

struct runqueue {
	spinlock_t lock;
	struct task *head, *tail;
};

static struct runqueue rqs[MAX_CPUS];
/* Per CPU, touched by that CPU only with interrupts off. */
static struct task *sleepers[MAX_CPUS];
static struct task *switched_from[MAX_CPUS];
static uint64_t last_as_id[MAX_CPUS];
static bool tick_on[MAX_CPUS];
static struct task idle_tasks[MAX_CPUS];

void context_switch(uint64_t *save_rsp, uint64_t next_rsp);

static void rq_push(struct runqueue *rq, struct task *t)
{
	t->next = 0;
	if (rq->tail)
		rq->tail->next = t;
	else
		rq->head = t;
	rq->tail = t;
}

static struct task *rq_pop(struct runqueue *rq)
{
	struct task *t = rq->head;

	if (t) {
		rq->head = t->next;
		if (!rq->head)
			rq->tail = 0;
		t->next = 0;
	}
	return t;
}

bool sched_has_work(void)
{
	return __atomic_load_n(&rqs[smp_processor_id()].head, __ATOMIC_RELAXED) != 0;
}

/*
 * The tick is needed while a task waits for the CPU or sleeps here; the
 * timer is touched only when that changes (and never stopped if the
 * scheduler did not start it: tests use the timer too).
 */
static void tick_update(struct percpu *me)
{
	bool want = sleepers[me->cpu] || (me->current != me->idle_task && sched_has_work());

	if (want == tick_on[me->cpu])
		return;
	tick_on[me->cpu] = want;
	if (want)
		timer_periodic_hz(SCHED_HZ);
	else
		timer_stop();
}

void sched_init_cpu(void)
{
	struct percpu *me = this_cpu();
	struct task *idle = &idle_tasks[me->cpu];

	idle->id = 0;
	idle->cpu = me->cpu;
	idle->state = TASK_RUNNABLE;
	idle->kstack_top = me->kstack_top;
	idle->waiter_cpu = -1;
	strlcpy(idle->name, "idle", sizeof(idle->name));
	me->idle_task = idle;
	me->current = idle;
}

void sched_enqueue(struct task *t, unsigned cpu)
{
	struct runqueue *rq = &rqs[cpu];
	uint64_t flags = spin_lock_irqsave(&rq->lock);

	t->cpu = cpu;
	t->state = TASK_RUNNABLE;
	rq_push(rq, t);
	spin_unlock_irqrestore(&rq->lock, flags);
	if (cpu != smp_processor_id())
		smp_send_reschedule(cpu);       /* its handler sets need_resched */
	else if (this_cpu()->current != this_cpu()->idle_task)
		tick_update(this_cpu());
}

/*
 * Load next's address space. Same address space as last time on this CPU,
 * and it ran nowhere else since: keep both PCIDs' translations (NOFLUSH).
 * Otherwise flush them: the kernel table's by this write, the user table's
 * by the first exit (EA user CR3 without NOFLUSH, see arch/x86_64/cr3.inc).
 */
static void load_address_space(struct percpu *me, struct addr_space *as)
{
	bool keep = last_as_id[me->cpu] == as->id && as->last_cpu == me->cpu;

	pti_load_address_space(as->pml4, keep);
	last_as_id[me->cpu] = as->id;
	as->last_cpu = me->cpu;
}

void sched_leave_address_space(void)
{
	pti_load_idle(true);
	last_as_id[this_cpu()->cpu] = 0;
}

static void fpu_save(struct task *t)
{
	__asm__ volatile("fxsave64 %0" : "=m"(t->fpu));
}

static void fpu_restore(struct task *t)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(t->fpu));
}

static void switch_to(struct percpu *me, struct task *prev, struct task *next)
{
	if (prev->as)
		fpu_save(prev);
	if (next->as) {
		fpu_restore(next);
		me->ea->task_stack = next->kstack_top;
		load_address_space(me, next->as);
	} else {
		pti_load_idle(false);   /* the idle task runs on the kernel's tables */
	}
	switched_from[me->cpu] = prev;
	me->current = next;
	context_switch(&prev->saved_rsp, next->saved_rsp);
}

void schedule_tail(void)
{
	struct percpu *me = this_cpu();
	struct task *prev = switched_from[me->cpu];

	switched_from[me->cpu] = 0;
	if (prev && prev->state == TASK_DEAD)
		task_reap(prev);
	else if (prev && prev->state == TASK_RUNNABLE && prev->cpu != me->cpu)
		sched_enqueue(prev, prev->cpu);         /* it pinned itself there */
	tick_update(me);
}

void schedule(void)
{
	uint64_t flags = irq_save();
	struct percpu *me = this_cpu();
	struct runqueue *rq = &rqs[me->cpu];
	struct task *prev = me->current, *next;

	me->need_resched = false;
	spin_lock(&rq->lock);
	if (prev != me->idle_task && prev->state == TASK_RUNNABLE && prev->cpu == me->cpu)
		rq_push(rq, prev);
	next = rq_pop(rq);
	spin_unlock(&rq->lock);
	if (!next)
		next = me->idle_task;
	if (next != prev) {
		switch_to(me, prev, next);
		schedule_tail();                 /* on prev's stack again, later */
	}
	irq_restore(flags);
}

void sched_return_to_user(struct trap_frame *f)
{
	while (this_cpu()->need_resched)
		schedule();
	if (__atomic_load_n(&this_cpu()->current->stop, __ATOMIC_ACQUIRE))
		task_exit(0);               /* asked by task_request_stop() */
	trace_exit();                   /* kernel/trace.h: the last C before user mode */
}

/* The tick: wake the sleepers that are due, and rotate if others wait. */
static void sched_tick(void)
{
	struct percpu *me = this_cpu();
	struct task **pp = &sleepers[me->cpu];
	uint64_t now = rdtsc();

	while (*pp) {
		struct task *t = *pp;
		if (t->wake_tsc > now) {
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		sched_enqueue(t, me->cpu);
	}
	if (me->current != me->idle_task && sched_has_work())
		me->need_resched = true;
	tick_update(me);
}

void sched_sleep(uint64_t ns)
{
	uint64_t flags = irq_save();
	struct percpu *me = this_cpu();
	struct task *t = me->current;
	uint64_t ticks = ns / 1000 * tsc_khz / 1000;

	t->wake_tsc = rdtsc() + (ticks ? ticks : 1);
	t->state = TASK_SLEEPING;
	t->next = sleepers[me->cpu];
	sleepers[me->cpu] = t;
	tick_update(me);
	schedule();
	irq_restore(flags);
}

int sched_pin(unsigned cpu)
{
	if (cpu >= nr_cpus || !__atomic_load_n(&cpu_area[cpu]->online, __ATOMIC_ACQUIRE))
		return -1;
	uint64_t flags = irq_save();
	struct task *t = this_cpu()->current;
	if (cpu != t->cpu) {
		t->cpu = cpu;           /* schedule_tail() hands it over */
		schedule();
	}
	irq_restore(flags);
	return 0;
}

void sched_idle_step(void)
{
	irq_disable();
	if (sched_has_work()) {
		schedule();
		irq_enable();
		return;
	}
	/* STI takes effect after HLT starts: a wake-up IPI cannot slip in between. */
	__asm__ volatile("sti; hlt" ::: "memory");
}

static void resched_ipi_hook(void)
{
	this_cpu()->need_resched = true;
}

void sched_init(void)
{
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
		rqs[cpu].lock = (spinlock_t)SPINLOCK_INIT;
	/* The tick and the reschedule IPI reach the scheduler through hooks. */
	timer_tick_hook = sched_tick;
	smp_reschedule_hook = resched_ipi_hook;
}
