/*
 * What each simulated CPU runs: lull's boot of a CPU, kernel accesses to
 * vmalloc pages, remaps with flush_tlb_kernel_range(), a task's round
 * trips to user mode, flush IPIs and NMIs. The kernel's C runs as it is
 * (mm/tlb.c, mm/pti_cr3.c); the entry stubs of arch/x86_64/cr3.inc and
 * entry.asm are written out here as steps, one instruction group each, in
 * their order: a change there must be made here too.
 */
#include "tests/tlbsim/sim.h"
#include "arch/x86_64/entry_area.h"
#include "kernel/cmdline.h"
#include "mm/paging.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"

extern struct percpu sim_percpu[SIM_CPUS];
extern struct entry_area sim_ea[SIM_CPUS];

void programs_boot(void)
{
	const struct sim_config *cfg = sim.cfg;

	nr_cpus = sim.ncpus;
	kernel_pml4_phys = SIM_KERNEL_PML4;
	pti = (struct pti_config){ cfg->pti, cfg->pcid, cfg->pcid && cfg->invpcid };
	boot_cmdline = (struct cmdline){ .pti = cfg->pti, .pcid = cfg->pcid,
					 .coalesce_tlbi = cfg->coalesce };
	kflush_gen = 0;
#ifdef LULL_DEBUG
	tlb_entry_check_failures = 0;
#endif
	cpumask_clear(&cpu_online_mask);
	cpumask_clear(&housekeeping.isolated);
	for (unsigned c = 0; c < sim.ncpus; c++) {
		struct percpu *p = &sim_percpu[c];
		struct entry_area *ea = &sim_ea[c];

		*p = (struct percpu){ .self = p, .cpu = c, .ea = ea, .online = true };
		/* As arch/x86_64/entry_area.c: entry_area_create leaves them. */
		*ea = (struct entry_area){ .percpu = p, .cr3_state = CR3_STATE_KERNEL,
					   .pti = pti.pti, .noflush = pti.pcid ? CR3_NOFLUSH : 0 };
		cpu_area[c] = p;
		cpumask_set(&cpu_online_mask, c);
		if (sim.sc->isolated_mask >> c & 1)
			cpumask_set(&housekeeping.isolated, c);
	}
	for (unsigned c = 0; c < sim.ncpus; c++)
		sim_ea[c].kernel_cr3 = sim_ea[c].user_cr3 = sim_ea[c].user_cr3_steady =
			pti_idle_cr3();
	tlb_protocol_init();
	/* A step between the catch-up and what follows it in tlb_catch_up
	 * (under coalesce_order=v7, the flag store: the race window). */
	tlb_entry_hook = sim_yield;
	if (sim.variant == VAR_V7_ORDER)
		tlb_inject_fault(TLB_FAULT_V7_ORDER);
	if (sim.variant == VAR_NO_CATCH_UP)
		tlb_inject_fault(TLB_FAULT_NO_CATCH_UP);
}

/*
 * The catch-up as it was before the fix, kept to show that the model
 * catches it (variant nopcid_bookkeeping): without PCID the entry's CR3
 * write was taken for the flush, and the generation read after it was
 * recorded with no flush of its own.
 */
static void catch_up_before_fix(void)
{
	struct percpu *me = this_cpu();
	uint64_t gen = __atomic_load_n(&kflush_gen, __ATOMIC_ACQUIRE);

	if (gen > me->kflush_seen) {
		__atomic_store_n(&me->kflush_seen, gen, __ATOMIC_RELEASE);
		story("cpu%u  catch-up: behind; records %llu (the CR3 write counted as the flush)",
		      me->cpu, (unsigned long long)gen);
	}
}

/* The entry's call into C (a step of its own), then protocol step 3. */
static void catch_up(void)
{
	sim_yield();
	if (sim.variant == VAR_NOPCID_BOOKKEEPING)
		catch_up_before_fix();
	else
		tlb_catch_up();
}

/* SWITCH_TO_KERNEL_CR3 (cr3.inc), in the entry area's entry mode. */
static void entry_from_user(int c)
{
	struct entry_area *ea = &sim_ea[c];

	sim.cpu[c].user_mode = false;
	if (!ea->pti)
		return;
	sim_yield();
	if (ea->entry_mode != ENTRY_MODE_V7) {
		ea->cr3_state = CR3_STATE_KERNEL;
		story("cpu%d  entry: cr3_state := KERNEL (xchg)", c);
	}
	write_cr3(ea->kernel_cr3);
	ea->cr3_writes++;
}

/* SWITCH_TO_USER_CR3, then SYSRET/IRET (interrupts back on). */
static void exit_to_user(int c)
{
	struct entry_area *ea = &sim_ea[c];

	if (ea->pti) {
		sim_yield();
		ea->cr3_state = CR3_STATE_USER;
		story("cpu%d  exit: cr3_state := USER", c);
		write_cr3(ea->user_cr3);
		ea->cr3_writes++;
		ea->user_cr3 = ea->user_cr3_steady;
	}
	sim.cpu[c].user_mode = true;
	sim.cpu[c].irq_on = true;
	story("cpu%d  in user mode", c);
}

/* What an interrupt hides of the interrupted code while its handler runs:
 * the handler's steps run whether that code was idle or waiting. */
struct interrupted { bool finished; bool (*blocked)(int cpu); };

static void interrupt_begin(struct sim_cpu *p, struct interrupted *s)
{
	*s = (struct interrupted){ p->finished, p->blocked };
	p->finished = false;
	p->blocked = 0;
}

static void interrupt_end(struct sim_cpu *p, const struct interrupted *s)
{
	p->finished = s->finished;
	p->blocked = s->blocked;
}

/* A flush IPI: an interrupt entry (from user mode or the kernel), the
 * handler, and the way back. */
void interrupt_deliver(int c, int from)
{
	struct sim_cpu *p = &sim.cpu[c];
	struct sim_call *k = &p->calls[from];
	bool from_user = p->user_mode, irq = p->irq_on;
	struct interrupted saved;

	story("cpu%d  takes cpu%d's flush IPI%s", c, from, from_user ? " in user mode" : "");
	interrupt_begin(p, &saved);
	p->irq_on = false;
	if (from_user) {
		entry_from_user(c);
		catch_up();
	}
	sim_percpu[c].irq_from_user = from_user;
	k->func(k->info);
	sim_percpu[c].irq_from_user = false;
	k->done = true;
	story("cpu%d  flush IPI from cpu%d done (kflush_seen %llu)", c, from,
	      (unsigned long long)sim_percpu[c].kflush_seen);
	if (from_user)
		exit_to_user(c);
	p->irq_on = irq;
	interrupt_end(p, &saved);
}

/* The paranoid entry of entry.asm: SAVE_AND_SWITCH_CR3, the catch-up,
 * a handler that reads a vmalloc page (lull's do not; the protocol must
 * allow it), RESTORE_CR3. */
void interrupt_nmi(int c)
{
	struct sim_cpu *p = &sim.cpu[c];
	struct entry_area *ea = &sim_ea[c];
	bool user = p->user_mode, irq = p->irq_on;
	uint64_t save_cr3 = read_cr3(), save_state = ea->cr3_state;
	struct interrupted saved;

	story("cpu%d  NMI (CR3 %#llx, cr3_state %s)", c, (unsigned long long)save_cr3,
	      save_state == CR3_STATE_USER ? "USER" : "KERNEL");
	interrupt_begin(p, &saved);
	p->in_nmi = true;
	p->irq_on = false;
	p->user_mode = false;
	if (ea->pti) {
		if (save_state == CR3_STATE_USER) {
			ea->cr3_state = CR3_STATE_KERNEL;
			story("cpu%d  NMI: cr3_state := KERNEL (xchg)", c);
		}
		if (save_cr3 & PTI_USER_BIT) {
			write_cr3(ea->kernel_cr3);
			ea->cr3_writes++;
		}
		sim_yield();
		tlb_catch_up_paranoid();
	}
	sim_yield();
	machine_access(c, 0, "NMI handler");
	if (ea->pti) {
		sim_yield();
		uint64_t state = save_state;
		if ((save_cr3 & PTI_USER_BIT) && ea->nmi_mode == NMI_MODE_USER)
			state = CR3_STATE_USER;
		ea->cr3_state = state;
		if (save_cr3 & PTI_USER_BIT) {
			write_cr3(save_cr3 | ea->noflush);
			ea->cr3_writes++;
		}
	}
	p->user_mode = user;
	p->irq_on = irq;
	p->in_nmi = false;
	interrupt_end(p, &saved);
	story("cpu%d  NMI done", c);
}

static void remap_and_flush(int c, int page)
{
	struct sim_cpu *p = &sim.cpu[c];
	unsigned old = sim.pte[page];

	sim.pte[page] = sim.next_frame++;
	story("cpu%d  page %d: PTE := frame %u (was %u)", c, page, sim.pte[page], old);
	p->pending_revoke = (int)old;
	flush_tlb_kernel_range(SIM_VA(page), SIM_VA(page) + 4096);
	sim.revoked_done[old] = true;
	story("cpu%d  flush_tlb_kernel_range done: frame %u may be reused", c, old);
}

void program_run(int c)
{
	struct sim_cpu *p = &sim.cpu[c];

	for (; p->pc->op != OP_END; p->pc++) {
		int arg = p->pc->arg;

		sim_yield();
		switch (p->pc->op) {
		case OP_BOOT:
			/* cpu_enable_protections: CR4 whole, PCIDE among it, then
			 * out of PCID 0 (the variant: as before the fix, stay);
			 * then the IDT (smp/boot_ap.c: ap_main). */
			p->irq_on = false;      /* as every CPU boots */
			if (pti.pcid) {
				machine_set_pcide(c);
				if (sim.variant != VAR_PCID0_BEHIND_BRANCH)
					pti_enter_kernel_pcid();
			}
			p->idt_live = true;
			p->irq_on = true;
			break;
		case OP_ACCESS:
			machine_access(c, arg, "kernel");
			break;
		case OP_FLUSH:
			remap_and_flush(c, arg);
			break;
		case OP_TASK:
			story("cpu%d  starts a task", c);
			pti_load_address_space(SIM_AS_PML4, false);
			break;
		case OP_ROUND_TRIP:
			/* The task runs, then makes a system call that reads a
			 * vmalloc page once interrupts are back on. */
			p->irq_on = false;
			exit_to_user(c);
			sim_yield();
			p->irq_on = false;
			story("cpu%d  SYSCALL", c);
			entry_from_user(c);
			catch_up();
			p->irq_on = true;
			sim_yield();
			machine_access(c, arg, "syscall");
			break;
		case OP_TASK_END:
			p->irq_on = false;
			pti_load_idle(true);
			p->irq_on = true;
			story("cpu%d  task ended: idle tables", c);
			break;
		case OP_IDLE:
			pti_load_idle(false);
			break;
		case OP_END:
			break;
		}
	}
}
