#pragma once
/*
 * Per-CPU data, reached through the GS base: %gs:0 holds a pointer to the
 * CPU's own struct percpu, so this_cpu() is one load and needs no CPU number.
 */
#include <stdbool.h>
#include <stdint.h>

#define MAX_CPUS 256

struct call_desc;
struct smp_work;
struct task;
struct entry_area;
struct trace_ring;

/* Kernel entries by kind, counted by arch/x86_64/traps.c and kernel/syscall.c. */
enum entry_kind {
	ENTRY_SYSCALL, ENTRY_IRQ_USER, ENTRY_IRQ_KERNEL, ENTRY_EXC_USER,
	ENTRY_EXC_KERNEL, ENTRY_NMI_USER, ENTRY_NMI_KERNEL, ENTRY_MC_DF,
	ENTRY_KINDS
};

/* Interrupts by cause, counted by arch/x86_64/traps.c: an isolated CPU's
 * record of everything that interrupted it. */
enum irq_cause { IRQ_TIMER, IRQ_CALL_IPI, IRQ_RESCHED_IPI, IRQ_DEVICE, IRQ_OTHER, IRQ_CAUSES };

/* IPI kinds, for the per-CPU counters (smp/ipi.c). */
enum ipi_kind { IPI_CALL, IPI_RESCHEDULE, IPI_NMI, IPI_KINDS };

struct percpu {
	struct percpu *self;        /* must stay first: this_cpu() reads %gs:0 */
	unsigned cpu;               /* lull's CPU number, 0 = boot CPU */
	uint32_t apic_id;
	uint64_t kstack_top;        /* this CPU's kernel stack (guarded) */
	/* This CPU's entry area: GDT, TSS, entry and IST stacks, the words the
	 * entry stubs read (arch/x86_64/entry_area.h). The GS base points at
	 * it once installed; its first word points back here. */
	struct entry_area *ea;
	/* Set by the CPU itself when it is ready for work (RELEASE), read by
	 * the boot CPU and the IPI layer (ACQUIRE): see smp/boot_ap.c. */
	bool online;
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

	/* smp/ipi.c: calls queued for this CPU (a lock-free list; any CPU
	 * pushes, only this CPU takes), this CPU's call descriptors (one per
	 * target CPU), and counters written by this CPU alone. */
	struct call_desc *call_queue;
	struct call_desc *call_descs;
	uint64_t ipi_sent[IPI_KINDS];
	uint64_t ipi_received[IPI_KINDS];
	uint64_t calls_run;
	int nmi_request;            /* what an NMI from another CPU asks for */

	/* mm/tlb.c: the kernel-flush generation this CPU's TLB is known clean
	 * up to, and what this CPU did for kernel flushes. */
	uint64_t kflush_seen;
	uint64_t kflush_ipis;          /* flush requests run here by IPI */
	uint64_t kflush_invlpg;        /* pages flushed one by one */
	uint64_t kflush_full;          /* whole-TLB flushes */
	uint64_t kflush_sent;          /* flush_tlb_kernel_range calls made here */
	uint64_t kflush_sent_full;     /* of which over the ceiling */
	uint64_t kflush_ipis_sent;     /* CPUs this CPU asked to flush */
	uint64_t kflush_ipis_sent_isolated; /* of which isolated CPUs */
	uint64_t kflush_skipped;       /* isolated CPUs not asked: in user mode */
	uint64_t kflush_spurious;      /* flush IPIs that arrived here in user mode */
	uint64_t kflush_catchups;      /* entries that were behind and flushed */
	uint64_t kflush_uptodate;      /* entries with nothing to catch up */
	bool irq_from_user;            /* the interrupt being handled came from user mode */

	/* Entries into the kernel on this CPU, by kind (written by this CPU). */
	uint64_t entries[ENTRY_KINDS];
	uint64_t irqs[IRQ_CAUSES];

	/* kernel/sched.c: the running task, this CPU's idle task, and
	 * whether the running task should give way at its next chance. */
	struct task *current;
	struct task *idle_task;
	bool need_resched;

	/* arch/x86_64/timer.c: LAPIC timer interrupts taken by this CPU. */
	uint64_t timer_ticks;

	/* smp/worker.c: work for this CPU's idle loop, run with interrupts on. */
	struct smp_work *idle_work;

	/* kernel/trace.c: this CPU's trace ring (NULL: none). Set at boot
	 * before recording starts; the ring's ownership is stated there. */
	struct trace_ring *trace;
};

extern struct percpu percpu_boot;
/* Every CPU's area, by CPU number; NULL beyond nr_cpus. Written only while
 * the boot CPU brings the others up, read-only after. */
extern struct percpu *cpu_area[MAX_CPUS];
extern unsigned nr_cpus;

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

/* Every entry into the kernel p's CPU made, and every interrupt it took:
 * each is an interruption. Read from any CPU (each word is read whole). */
static inline uint64_t percpu_entries(const struct percpu *p)
{
	uint64_t n = 0;

	for (int k = 0; k < ENTRY_KINDS; k++)
		n += __atomic_load_n(&p->entries[k], __ATOMIC_RELAXED);
	return n;
}

static inline uint64_t percpu_irqs(const struct percpu *p)
{
	uint64_t n = 0;

	for (int k = 0; k < IRQ_CAUSES; k++)
		n += __atomic_load_n(&p->irqs[k], __ATOMIC_RELAXED);
	return n;
}

/* Point GS at p (and mark it as this CPU's). */
void percpu_install(struct percpu *p);
