#pragma once
/*
 * Exceptions and interrupts: the frame the entry stubs build, the IDT, and
 * the exception table that lets chosen instructions fault and resume.
 */
#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_UD = 6, VEC_DF = 8,
	VEC_GP = 13, VEC_PF = 14, VEC_MC = 18,
	VEC_FIRST_IRQ = 32,
	VEC_SYSCALL = 0x100,    /* in a trap_frame built by the SYSCALL entry */
};

static inline bool trap_from_user(const struct trap_frame *f)
{
	return (f->cs & 3) != 0;
}

/*
 * An exception-table entry: if the instruction at `insn` faults, execution
 * resumes at `fixup` and the vector is recorded in this_cpu()->fixup_vector.
 * EXTABLE(insn_label, fixup_label) emits one from inline assembly.
 */
struct extable_entry {
	uint64_t insn, fixup;
};

#define EXTABLE(insn, fixup)                      \
	".pushsection __ex_table, \"a\"\n\t"      \
	".balign 8\n\t"                           \
	".quad " #insn ", " #fixup "\n\t"         \
	".popsection\n\t"

/*
 * A handler for an interrupt vector (>= 32). It runs with interrupts off;
 * the dispatcher sends the LAPIC its EOI afterwards, except for the
 * spurious vector, which must not get one.
 */
typedef void (*irq_handler_fn)(struct trap_frame *f);
void irq_register(unsigned vector, irq_handler_fn fn);

/* NMI work: what the NMI handler does when another CPU asks (smp/ipi.c). */
typedef void (*nmi_handler_fn)(struct trap_frame *f);
extern nmi_handler_fn nmi_handler;

/* Install the IDT on this CPU (built once, shared by all CPUs). */
void idt_init(void);
void idt_load(void);
void trap_dispatch(struct trap_frame *f);
const char *trap_name(uint64_t vector);
/* The names of enum entry_kind (smp/percpu.h), for reports. */
const char *entry_kind_name(unsigned kind);
/* The names of enum irq_cause (smp/percpu.h). */
const char *irq_cause_name(unsigned cause);
/* Print the registers of f (used by panic). */
void trap_dump(const struct trap_frame *f);
