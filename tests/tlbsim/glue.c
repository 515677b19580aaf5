/*
 * What mm/tlb.c and mm/pti_cr3.c need of the rest of the kernel, for the
 * machine model: per-CPU areas, the partition, the boot options, and the
 * IPI layer's on_each_cpu_cond_mask() with smp/ipi.c's order (queue the
 * others, wait for them with interrupts on, then run locally with them
 * off).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tests/tlbsim/sim.h"
#include "arch/x86_64/entry_area.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/trace.h"
#include "mm/paging.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"

struct percpu sim_percpu[SIM_CPUS];
struct entry_area sim_ea[SIM_CPUS];
struct percpu *cpu_area[MAX_CPUS];
unsigned nr_cpus;
struct cpumask cpu_online_mask;
struct housekeeping housekeeping;
struct cmdline boot_cmdline;
struct pti_config pti;
uint64_t kernel_pml4_phys;
bool trace_on;

void trace_write(enum trace_type type, unsigned a, unsigned b, uint32_t c)
{
}

void udelay(uint64_t us)
{
}

void *vmalloc(size_t size)
{
	return 0;
}

int printk(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Skip the level prefix (KERN_*: "\001" and a digit). */
	size_t n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = 0;
	story("kernel: %s", line[0] == '\001' ? line + 2 : line);
	return 0;
}

/* Does cpu still wait for a flush IPI it sent? */
static bool calls_pending(int cpu)
{
	for (unsigned t = 0; t < sim.ncpus; t++) {
		const struct sim_call *k = &sim.cpu[t].calls[cpu];
		if (k->func && !k->done)
			return true;
	}
	return false;
}

void on_each_cpu_cond_mask(smp_cond_func_t cond, smp_call_func_t func, void *info,
			   bool wait, const struct cpumask *mask)
{
	int me = sim.current;
	struct sim_cpu *p = &sim.cpu[me];

	/* Nothing ran since flush_tlb_kernel_range's locked add: kflush_gen
	 * is this flush's generation. From here on, a CPU whose kflush_seen
	 * reaches it must no longer hold the frame this flush removes. */
	if (p->pending_revoke) {
		sim.revoked_gen[p->pending_revoke] = kflush_gen;
		story("cpu%d  flush_tlb_kernel_range: generation %llu removes frame %d", me,
		      (unsigned long long)kflush_gen, p->pending_revoke);
		p->pending_revoke = 0;
	}
	for (unsigned c = 0; c < sim.ncpus; c++) {
		if ((int)c == me || !cpumask_test(mask, c))
			continue;
		sim_yield();
		if (cond && !cond(c, info)) {
			story("cpu%d  skips cpu%u (cr3_state %s)", me, c,
			      sim_ea[c].cr3_state == CR3_STATE_USER ? "USER" : "KERNEL");
			continue;
		}
		sim.cpu[c].calls[me] = (struct sim_call){ func, info, me, true, false };
		story("cpu%d  flush IPI to cpu%u", me, c);
	}
	if (wait)
		sim_wait(calls_pending);
	for (unsigned c = 0; c < sim.ncpus; c++)
		sim.cpu[c].calls[me] = (struct sim_call){ 0 };
	bool irq = p->irq_on;
	p->irq_on = false;
	if (cpumask_test(mask, me) && (!cond || cond(me, info)))
		func(info);
	p->irq_on = irq;
}
