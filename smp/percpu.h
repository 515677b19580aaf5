#pragma once
/*
 * Per-CPU data, reached through the GS base: %gs:0 holds a pointer to the
 * CPU's own struct percpu, so this_cpu() is one load and needs no CPU number.
 */
#include <stdint.h>

#define MAX_CPUS 256

struct trap_frame;

struct percpu {
	struct percpu *self;        /* must stay first: this_cpu() reads %gs:0 */
	unsigned cpu;               /* lull's CPU number, 0 = boot CPU */
	uint32_t apic_id;
	uint64_t kstack_top;        /* this CPU's kernel stack (guarded) */
	/* The last exception caught by an exception-table fixup or a recovery
	 * point, and CR2 at the time (ktest reads them). */
	uint64_t fixup_vector;
	uint64_t fixup_cr2;
	uint64_t fixup_count;
	uint64_t breakpoints;       /* int3s taken and resumed */
	/* A recovery point: where a kernel fault anywhere resumes, for tests
	 * that jump to addresses that must not run (recover_rip 0: none). */
	uint64_t recover_rip;
	uint64_t recover_rsp;
};

extern struct percpu percpu_boot;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned smp_processor_id(void)
{
	return this_cpu()->cpu;
}

/* Point GS at p (and mark it as this CPU's). */
void percpu_install(struct percpu *p);
