/*
 * The idle loop and the work it runs (smp/worker.h).
 *
 * The hand-off: smp_work_post() publishes the work with a RELEASE CAS of
 * the CPU's idle_work slot and then sends a reschedule IPI; the idle loop
 * takes it with an ACQUIRE exchange. `sti; hlt` is the classic idiom that
 * cannot lose that wake-up: STI enables interrupts only after the next
 * instruction, so an IPI that arrives after the check still ends the HLT.
 */
#include "smp/worker.h"
#include "arch/x86_64/cpu.h"
#include "kernel/sched.h"
#include "smp/ipi.h"
#include "smp/percpu.h"

void cpu_idle_step(void)
{
	struct percpu *me = this_cpu();

	irq_disable();
	struct smp_work *w = __atomic_exchange_n(&me->idle_work, 0, __ATOMIC_ACQUIRE);
	if (!w) {
		sched_idle_step();      /* run tasks, or halt */
		return;
	}
	irq_enable();
	w->fn(w->arg);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);   /* pairs with smp_work_wait() */
}

void cpu_idle_loop(void)
{
	for (;;)
		cpu_idle_step();
}

bool smp_work_post(unsigned cpu, struct smp_work *w)
{
	struct smp_work *none = 0;

	if (cpu >= nr_cpus || cpu == smp_processor_id() || !cpumask_test(&cpu_online_mask, cpu))
		return false;
	w->done = false;
	if (!__atomic_compare_exchange_n(&cpu_area[cpu]->idle_work, &none, w, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return false;
	smp_send_reschedule(cpu);
	return true;
}

void smp_work_wait(struct smp_work *w)
{
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
		cpu_relax();
}

void smp_run_everywhere(void (*fn)(void *arg), void *arg)
{
	static struct smp_work work[MAX_CPUS];
	struct cpumask posted;
	unsigned me = smp_processor_id(), cpu;

	cpumask_clear(&posted);
	for_each_cpu(cpu, &cpu_online_mask) {
		if (cpu == me)
			continue;
		work[cpu].fn = fn;
		work[cpu].arg = arg;
		if (smp_work_post(cpu, &work[cpu]))
			cpumask_set(&posted, cpu);
	}
	fn(arg);
	for_each_cpu(cpu, &posted)
		smp_work_wait(&work[cpu]);
}
