/*
 * The boot CPU's per-CPU area. The APs get theirs when they come up.
 */
#include "smp/percpu.h"
#include "arch/x86_64/cpu.h"

struct percpu percpu_boot = { .self = &percpu_boot, .cpu = 0 };
struct percpu *cpu_area[MAX_CPUS] = { &percpu_boot };
unsigned nr_cpus = 1;

void percpu_install(struct percpu *p)
{
	p->self = p;
	wrmsr(MSR_GS_BASE, (uint64_t)p);
	/* KERNEL_GS_BASE holds the user value while in the kernel: none yet. */
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
