/*
 * The call-function IPI layer (see smp/ipi.h for what it promises).
 *
 * Each CPU owns one call descriptor per target CPU. To call CPU t, the
 * sender locks its descriptor for t, fills in func and info, and pushes it
 * on t's call queue, a lock-free singly linked list. Only a push onto an
 * empty queue sends an IPI: a non-empty queue means t has an IPI pending or
 * is about to empty the queue anyway. t's IPI handler takes the whole queue
 * with one exchange and runs every call in the order they were queued.
 *
 * The descriptor lock is what a waiting sender waits on, and what makes
 * reuse safe: a sender cannot refill a descriptor until t has unlocked it.
 *
 * Ordering, each pair named at both ends:
 *   - queue_push() publishes func/info with a RELEASE CAS; the handler's
 *     ACQUIRE exchange in run_queued_calls() pairs with it, so the callee
 *     sees the descriptor and everything the sender wrote before the call.
 *   - desc_unlock() is a RELEASE store; desc_wait() ACQUIRE-loads the flag,
 *     so a synchronous caller sees everything func wrote.
 *   - the IPI itself is a store to the ICR after the push; lapic.c keeps
 *     it after the push (x2APIC needs an explicit fence).
 */
#include "smp/ipi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/symbols.h"
#include "kernel/trace.h"
#include "mm/pmm.h"
#include "smp/percpu.h"

#define DESC_LOCKED 1u
#define DESC_SYNC   2u

struct call_desc {
	struct call_desc *next;      /* link in the target's call queue */
	smp_call_func_t func;
	void *info;
	uint32_t flags;              /* DESC_LOCKED | DESC_SYNC */
	uint16_t src, dst;           /* CPU numbers, for the watchdog's report */
	uint64_t queued_tsc;
};

struct cpumask cpu_online_mask;

enum { NMI_NONE, NMI_BACKTRACE, NMI_BACKTRACE_STOP };

/* Wait until d is unlocked; report (once) a call that takes too long. */
static void desc_wait(struct call_desc *d)
{
	uint64_t limit = CALL_WATCHDOG_MS * tsc_khz;
	bool reported = false;

	while (__atomic_load_n(&d->flags, __ATOMIC_ACQUIRE) & DESC_LOCKED) {
		if (!reported && rdtsc() - d->queued_tsc > limit) {
			const char *name = symbol_lookup((uint64_t)d->func, 0, 0);
			pr_err("ipi: CPU %u has waited over %d ms for CPU %u to run %s; still waiting\n",
			       d->src, CALL_WATCHDOG_MS, d->dst, name ? name : "?");
			smp_nmi_backtrace(d->dst);
			reported = true;
		}
		cpu_relax();
	}
}

/* Take d for a new call. A CAS, not a plain store: an interrupt handler
 * on this CPU may be calling the same target. */
static void desc_lock(struct call_desc *d)
{
	for (;;) {
		desc_wait(d);
		uint32_t unlocked = 0;
		if (__atomic_compare_exchange_n(&d->flags, &unlocked, DESC_LOCKED, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
	}
}

static void desc_unlock(struct call_desc *d)
{
	__atomic_store_n(&d->flags, 0, __ATOMIC_RELEASE);   /* pairs with desc_wait() */
}

/* Push d on a call queue; true if the queue was empty (an IPI is needed). */
static bool queue_push(struct call_desc **head, struct call_desc *d)
{
	struct call_desc *first = __atomic_load_n(head, __ATOMIC_RELAXED);

	do {
		d->next = first;
	} while (!__atomic_compare_exchange_n(head, &first, d, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	return first == 0;
}

static void run_queued_calls(void)
{
	struct percpu *me = this_cpu();
	/* Pairs with the RELEASE CAS in queue_push(). */
	struct call_desc *list = __atomic_exchange_n(&me->call_queue, 0, __ATOMIC_ACQUIRE);
	struct call_desc *fifo = 0;

	while (list) {                      /* the list is newest first: reverse it */
		struct call_desc *next = list->next;
		list->next = fifo;
		fifo = list;
		list = next;
	}
	while (fifo) {
		/* Read everything before unlocking: the sender may reuse d at once. */
		struct call_desc *d = fifo, *next = d->next;
		smp_call_func_t func = d->func;
		void *info = d->info;
		if (d->flags & DESC_SYNC) {
			func(info);
			desc_unlock(d);
		} else {
			desc_unlock(d);
			func(info);
		}
		me->calls_run++;
		fifo = next;
	}
}

static void call_function_irq(struct trap_frame *f)
{
	this_cpu()->ipi_received[IPI_CALL]++;
	trace_ipi_received(IPI_CALL);
	run_queued_calls();
}

void (*smp_reschedule_hook)(void);

static void reschedule_irq(struct trap_frame *f)
{
	this_cpu()->ipi_received[IPI_RESCHEDULE]++;
	trace_ipi_received(IPI_RESCHEDULE);
	if (smp_reschedule_hook)
		smp_reschedule_hook();
}

static void apic_error_irq(struct trap_frame *f)
{
	pr_err("lapic: error %#x on CPU %u\n", lapic_read_errors(), smp_processor_id());
}

static void ipi_nmi(struct trap_frame *f)
{
	struct percpu *me = this_cpu();
	int req = __atomic_load_n(&me->nmi_request, __ATOMIC_ACQUIRE);

	me->ipi_received[IPI_NMI]++;
	trace_ipi_received(IPI_NMI);    /* NMI-safe: kernel/trace.c */
	if (req == NMI_NONE) {
		pr_warn("NMI on CPU %u, not requested; ignored\n", me->cpu);
		return;
	}
	printk(KERN_EMERG "NMI backtrace for CPU %u:\n", me->cpu);
	backtrace_print(f->rip, f->rbp);
	__atomic_store_n(&me->nmi_request, NMI_NONE, __ATOMIC_RELEASE);
	if (req == NMI_BACKTRACE_STOP)
		cpu_halt_forever();
}

void ipi_init(void)
{
	for (unsigned c = 0; c < nr_cpus; c++) {
		struct percpu *p = cpu_area[c];
		uint64_t bytes = (uint64_t)nr_cpus * sizeof(struct call_desc);
		uint64_t phys = pmm_alloc_range((bytes + PAGE_SIZE - 1) / PAGE_SIZE, PAGE_SIZE,
						UINT64_MAX);
		if (!phys)
			panic("no memory for call descriptors");
		p->call_descs = phys_to_virt(phys);
		if (__atomic_load_n(&p->online, __ATOMIC_ACQUIRE))
			cpumask_set(&cpu_online_mask, c);
	}
	irq_register(VEC_CALL_FUNCTION, call_function_irq);
	irq_register(VEC_RESCHEDULE, reschedule_irq);
	irq_register(VEC_APIC_ERROR, apic_error_irq);
	nmi_handler = ipi_nmi;
}

static void warn_irqs_off_wait(void)
{
	static bool warned;

	if (!warned && !(read_rflags() & (1ul << 9))) {
		warned = true;
		pr_err("ipi: a caller waits for other CPUs with interrupts off; this can deadlock\n");
		backtrace_print((uint64_t)__builtin_return_address(0),
				(uint64_t)__builtin_frame_address(0));
	}
}

void smp_call_function_many_cond(const struct cpumask *mask, smp_call_func_t func,
				 void *info, bool wait, smp_cond_func_t cond)
{
	struct percpu *me;
	struct cpumask queued;
	unsigned cpu;

	if (wait)
		warn_irqs_off_wait();
	cpumask_clear(&queued);
	/*
	 * Interrupts stay as the caller had them: desc_lock() may wait for a
	 * target to run an earlier call, and that target may be waiting for
	 * this CPU to take its IPI. An interrupt handler on this CPU that
	 * calls out meanwhile is safe: descriptors are locked with a CAS.
	 */
	me = this_cpu();
	for_each_cpu(cpu, mask) {
		if (cpu == me->cpu || !cpumask_test(&cpu_online_mask, cpu))
			continue;
		if (cond && !cond(cpu, info))
			continue;
		struct call_desc *d = &me->call_descs[cpu];
		desc_lock(d);
		d->func = func;
		d->info = info;
		d->src = me->cpu;
		d->dst = cpu;
		d->queued_tsc = rdtsc();
		if (wait)
			d->flags |= DESC_SYNC;
		if (queue_push(&cpu_area[cpu]->call_queue, d)) {
			trace_ipi_sent(cpu, IPI_CALL);  /* before: its TSC precedes the arrival */
			lapic_send_ipi(cpu_area[cpu]->apic_id, VEC_CALL_FUNCTION);
			me->ipi_sent[IPI_CALL]++;
		}
		cpumask_set(&queued, cpu);
	}
	if (!wait)
		return;
	for_each_cpu(cpu, &queued)
		desc_wait(&me->call_descs[cpu]);
}

void on_each_cpu_cond_mask(smp_cond_func_t cond, smp_call_func_t func, void *info,
			   bool wait, const struct cpumask *mask)
{
	smp_call_function_many_cond(mask, func, info, wait, cond);
	uint64_t flags = irq_save();
	unsigned me = smp_processor_id();
	if (cpumask_test(mask, me) && (!cond || cond(me, info)))
		func(info);
	irq_restore(flags);
}

void on_each_cpu(smp_call_func_t func, void *info, bool wait)
{
	on_each_cpu_cond_mask(0, func, info, wait, &cpu_online_mask);
}

int smp_call_function_single(unsigned cpu, smp_call_func_t func, void *info, bool wait)
{
	struct cpumask one;

	if (cpu >= MAX_CPUS || !cpumask_test(&cpu_online_mask, cpu))
		return -1;
	cpumask_clear(&one);
	cpumask_set(&one, cpu);
	on_each_cpu_cond_mask(0, func, info, wait, &one);
	return 0;
}

void smp_send_reschedule(unsigned cpu)
{
	if (cpu >= nr_cpus || !cpumask_test(&cpu_online_mask, cpu))
		return;
	trace_ipi_sent(cpu, IPI_RESCHEDULE);
	lapic_send_ipi(cpu_area[cpu]->apic_id, VEC_RESCHEDULE);
	this_cpu()->ipi_sent[IPI_RESCHEDULE]++;
}

static bool nmi_request(unsigned cpu, int what, uint64_t timeout_ms)
{
	struct percpu *p = cpu_area[cpu];
	uint64_t end = rdtsc() + timeout_ms * tsc_khz;

	__atomic_store_n(&p->nmi_request, what, __ATOMIC_RELEASE);   /* pairs with ipi_nmi() */
	trace_ipi_sent(cpu, IPI_NMI);
	lapic_send_nmi(p->apic_id);
	this_cpu()->ipi_sent[IPI_NMI]++;
	while (rdtsc() < end)
		if (__atomic_load_n(&p->nmi_request, __ATOMIC_ACQUIRE) == NMI_NONE)
			return true;
	return false;
}

void smp_nmi_backtrace(unsigned cpu)
{
	if (cpu < nr_cpus && cpumask_test(&cpu_online_mask, cpu) && cpu != smp_processor_id())
		nmi_request(cpu, NMI_BACKTRACE, 1000);
}

void smp_stop_others_with_backtrace(void)
{
	unsigned me = smp_processor_id(), cpu;

	/* One CPU at a time, so that the backtraces do not interleave. */
	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu != me && !nmi_request(cpu, NMI_BACKTRACE_STOP, 1000))
			printk(KERN_EMERG "CPU %u did not answer the NMI\n", cpu);
}
