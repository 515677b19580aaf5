/*
 * What happens when a CPU takes an exception or an interrupt.
 *
 * Kernel code may name instructions that are allowed to fault (the exception
 * table, EXTABLE in traps.h); such a fault resumes at the fixup. int3 is
 * reported and resumed. Anything else in the kernel is a bug: panic with a
 * full dump. Faults on a kernel stack's guard page are reported as what
 * they almost always are, a stack overflow.
 */
#include "arch/x86_64/traps.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/lapic.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "mm/kstack.h"
#include "mm/tlb.h"
#include "smp/percpu.h"

static const char *const names[32] = {
	"divide error (#DE)", "debug (#DB)", "NMI", "breakpoint (#BP)",
	"overflow (#OF)", "bound range (#BR)", "invalid opcode (#UD)",
	"device not available (#NM)", "double fault (#DF)", "coprocessor overrun",
	"invalid TSS (#TS)", "segment not present (#NP)", "stack fault (#SS)",
	"general protection (#GP)", "page fault (#PF)", "reserved 15",
	"x87 error (#MF)", "alignment check (#AC)", "machine check (#MC)",
	"SIMD error (#XM)", "virtualization (#VE)", "control protection (#CP)",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "hypervisor injection (#HV)", "VMM communication (#VC)",
	"security (#SX)", "reserved 31",
};

const char *trap_name(uint64_t vector)
{
	if (vector == VEC_SYSCALL)
		return "system call";
	return vector < 32 ? names[vector] : "interrupt";
}

static const char *const entry_names[ENTRY_KINDS] = {
	[ENTRY_SYSCALL] = "syscall", [ENTRY_IRQ_USER] = "irq-user",
	[ENTRY_IRQ_KERNEL] = "irq-kernel", [ENTRY_EXC_USER] = "exception-user",
	[ENTRY_EXC_KERNEL] = "exception-kernel", [ENTRY_NMI_USER] = "nmi-user",
	[ENTRY_NMI_KERNEL] = "nmi-kernel", [ENTRY_MC_DF] = "mc-df",
};

const char *entry_kind_name(unsigned kind)
{
	return kind < ENTRY_KINDS ? entry_names[kind] : "?";
}

static void count_entry(const struct trap_frame *f)
{
	bool user = trap_from_user(f);
	enum entry_kind k;

	if (f->vector == VEC_NMI)
		k = user ? ENTRY_NMI_USER : ENTRY_NMI_KERNEL;
	else if (f->vector == VEC_MC || f->vector == VEC_DF)
		k = ENTRY_MC_DF;
	else if (f->vector >= VEC_FIRST_IRQ)
		k = user ? ENTRY_IRQ_USER : ENTRY_IRQ_KERNEL;
	else
		k = user ? ENTRY_EXC_USER : ENTRY_EXC_KERNEL;
	this_cpu()->entries[k]++;
	if (user)
		trace_trap_entry(f->vector);
}

extern const struct extable_entry __start_ex_table[], __stop_ex_table[];

static const struct extable_entry *extable_find(uint64_t rip)
{
	for (const struct extable_entry *e = __start_ex_table; e < __stop_ex_table; e++)
		if (e->insn == rip)
			return e;
	return 0;
}

void trap_dump(const struct trap_frame *f)
{
	printk(KERN_EMERG "  vector %llu (%s), error code %#llx\n",
	       (unsigned long long)f->vector, trap_name(f->vector),
	       (unsigned long long)f->error);
	printk(KERN_EMERG "  RIP %04llx:%016llx RSP %04llx:%016llx RFLAGS %08llx\n",
	       (unsigned long long)f->cs, (unsigned long long)f->rip,
	       (unsigned long long)f->ss, (unsigned long long)f->rsp,
	       (unsigned long long)f->rflags);
	printk(KERN_EMERG "  RAX %016llx RBX %016llx RCX %016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	printk(KERN_EMERG "  RDX %016llx RSI %016llx RDI %016llx\n",
	       (unsigned long long)f->rdx, (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	printk(KERN_EMERG "  RBP %016llx R8  %016llx R9  %016llx\n",
	       (unsigned long long)f->rbp, (unsigned long long)f->r8, (unsigned long long)f->r9);
	printk(KERN_EMERG "  R10 %016llx R11 %016llx R12 %016llx\n",
	       (unsigned long long)f->r10, (unsigned long long)f->r11, (unsigned long long)f->r12);
	printk(KERN_EMERG "  R13 %016llx R14 %016llx R15 %016llx\n",
	       (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	printk(KERN_EMERG "  CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
}

/* A page fault's error code, in words. */
static void pf_describe(uint64_t err, uint64_t cr2)
{
	printk(KERN_EMERG "  page fault at %#llx: %s, %s, %s%s\n", (unsigned long long)cr2,
	       err & 1 ? "protection violation" : "page not present",
	       err & 2 ? "write" : "read", err & 4 ? "user mode" : "kernel mode",
	       err & 16 ? ", instruction fetch" : "");
}

static void kernel_fault(struct trap_frame *f)
{
	uint64_t cr2 = read_cr2();

	if ((f->vector == VEC_PF || f->vector == VEC_DF) &&
	    (kstack_is_guard(cr2) || entry_area_is_guard(cr2)))
		panic_trap(f, "stack overflow: access to guard page %#llx",
			   (unsigned long long)cr2);
	if (f->vector == VEC_PF)
		pf_describe(f->error, cr2);
	panic_trap(f, "unexpected %s in the kernel", trap_name(f->vector));
}

/* Written at boot before interrupts are enabled; read-only after. */
static irq_handler_fn irq_handlers[256];
nmi_handler_fn nmi_handler;

void irq_register(unsigned vector, irq_handler_fn fn)
{
	irq_handlers[vector] = fn;
}

static enum irq_cause irq_cause_of(uint64_t vector)
{
	switch (vector) {
	case VEC_TIMER: return IRQ_TIMER;
	case VEC_CALL_FUNCTION: return IRQ_CALL_IPI;
	case VEC_RESCHEDULE: return IRQ_RESCHED_IPI;
	case VEC_SERIAL:
	case VEC_KEYBOARD: return IRQ_DEVICE;
	default: return IRQ_OTHER;
	}
}

static const char *const irq_cause_names[IRQ_CAUSES] = {
	[IRQ_TIMER] = "timer", [IRQ_CALL_IPI] = "call-ipi", [IRQ_RESCHED_IPI] = "resched-ipi",
	[IRQ_DEVICE] = "device", [IRQ_OTHER] = "other",
};

const char *irq_cause_name(unsigned cause)
{
	return cause < IRQ_CAUSES ? irq_cause_names[cause] : "?";
}

static void irq_dispatch(struct trap_frame *f)
{
	irq_handler_fn fn = irq_handlers[f->vector];

	this_cpu()->irqs[irq_cause_of(f->vector)]++;
	if (f->vector == VEC_SPURIOUS)
		return;                 /* no EOI for the spurious vector */
	if (fn)
		fn(f);
	else
		pr_warn("unexpected interrupt %llu on CPU %u, ignored\n",
			(unsigned long long)f->vector, smp_processor_id());
	lapic_eoi();
}

static void note_fixup(const struct trap_frame *f)
{
	struct percpu *p = this_cpu();

	p->fixup_vector = f->vector;
	p->fixup_cr2 = read_cr2();
	p->fixup_count++;
}

/*
 * From user mode: an interrupt is handled as from the kernel; an exception
 * is the task's fault and kills it (kernel/task.c). On the way back the
 * task may give way to another (kernel/sched.c).
 */
static void user_trap(struct trap_frame *f)
{
	struct percpu *me = this_cpu();

	tlb_catch_up();                 /* the flush protocol's step 3: mm/tlb.c */
	if (f->vector >= VEC_FIRST_IRQ) {
		me->irq_from_user = true;
		irq_dispatch(f);
		me->irq_from_user = false;
	} else {
		task_fault(f);
	}
	sched_return_to_user(f);
}

void trap_dispatch(struct trap_frame *f)
{
	const struct extable_entry *fix;

	count_entry(f);
	if (f->vector == VEC_NMI) {
		if (nmi_handler)
			nmi_handler(f);
		else
			pr_warn("NMI on CPU %u, ignored\n", smp_processor_id());
		if (trap_from_user(f))
			trace_exit();   /* the paranoid exit: back to user mode */
		return;
	}
	/* A machine check or a double fault is never the task's fault. */
	if (trap_from_user(f) && f->vector != VEC_MC && f->vector != VEC_DF) {
		user_trap(f);
		return;
	}

	if (f->vector == VEC_BP) {
		/* int3 is a trap: RIP already points past it, so just go on. */
		this_cpu()->breakpoints++;
		pr_info("breakpoint at %#llx, resumed\n", (unsigned long long)f->rip - 1);
		return;
	}
	if (f->vector < VEC_FIRST_IRQ && (fix = extable_find(f->rip))) {
		note_fixup(f);
		f->rip = fix->fixup;
		return;
	}
	if (f->vector < VEC_FIRST_IRQ && this_cpu()->recover_rip) {
		note_fixup(f);
		f->rip = this_cpu()->recover_rip;
		f->rsp = this_cpu()->recover_rsp;
		this_cpu()->recover_rip = 0;
		return;
	}
	if (f->vector >= VEC_FIRST_IRQ) {
		irq_dispatch(f);
		return;
	}
	kernel_fault(f);
}
