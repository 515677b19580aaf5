#pragma once
/*
 * The entry region: everything the CPU and the entry stubs touch while a
 * user page table is loaded, and nothing else of the kernel.
 *
 * With page-table isolation a user program runs on a top-level table that
 * maps its own memory and, of the kernel, only two things: the entry code
 * (section .entry.text, mapped at its usual address) and this region. An
 * interrupt, exception or SYSCALL arrives with that table still loaded, so
 * the IDT, the GDT and TSS, the stack the CPU pushes the interrupt frame
 * on, the IST stacks and the words the stubs read before switching CR3
 * (which CR3 to switch to, cr3_state) must all be mapped in it. The same
 * pages are mapped at the same addresses in the kernel's tables: the stub
 * keeps running at the same address on the same stack across the CR3
 * write, as xv6's trampoline page does.
 *
 * The region is one top-level slot whose lower tables are shared by every
 * address space, kernel and user; all of it is supervisor-only.
 *
 *   ENTRY_REGION_BASE            the IDT (read-only alias of idt.c's table)
 *   ENTRY_REGION_BASE + (c+1)*EA_STRIDE, for CPU c:
 *     +0x00000  guard
 *     +0x01000  struct entry_area (GS base points here), GDT and TSS
 *     +0x02000  guard
 *     +0x03000  entry stack, 4 KiB (TSS.RSP0: interrupts from user mode)
 *     +0x04000  guard
 *     +0x05000  #DF stack, 16 KiB (IST 1)
 *     +0x09000  guard
 *     +0x0a000  NMI stack, 16 KiB (IST 2)
 *     +0x0e000  guard
 *     +0x0f000  #MC stack, 16 KiB (IST 3)
 *     +0x13000  unmapped up to the next CPU
 *
 * The EA_* offsets are the only definition of struct entry_area's layout
 * for assembly: the Makefile turns these #define lines into NASM %defines
 * (build/gen/entry_area.inc) and entry_area.c asserts the struct matches.
 */
#include <stdint.h>

#define ENTRY_REGION_BASE   0xfffffe8000000000   /* top-level slot 509 */
#define EA_STRIDE           0x20000
#define EA_PAGE_OFF         0x1000
#define EA_ENTRY_STACK_OFF  0x3000
#define EA_ENTRY_STACK_SIZE 0x1000
#define EA_IST_DF_OFF       0x5000
#define EA_IST_NMI_OFF      0xa000
#define EA_IST_MC_OFF       0xf000
#define EA_IST_SIZE         0x4000

/* struct entry_area, byte offsets (GS-relative in the stubs). */
#define EA_PERCPU           0x00   /* struct percpu *: this_cpu() reads %gs:0 */
#define EA_KERNEL_CR3       0x08   /* CR3 to load on entry (PCID, NOFLUSH) */
#define EA_USER_CR3         0x10   /* CR3 to load on exit to user mode */
#define EA_TASK_STACK       0x18   /* top of the running task's kernel stack */
#define EA_ENTRY_STACK      0x20   /* top of the entry stack */
#define EA_SCRATCH          0x28   /* SYSCALL: the user RSP until it is saved */
#define EA_CR3_STATE        0x30   /* KERNEL or USER: the flush protocol's flag */
#define EA_PTI              0x38   /* 1: switch CR3 at entry and exit */
#define EA_CR3_WRITES       0x40   /* CR3 writes: the stubs and context switches */
#define EA_USER_CR3_STEADY  0x48   /* EA_USER_CR3 after its first use */
#define EA_NOFLUSH          0x50   /* CR3_NOFLUSH where PCIDs are used, else 0 */
#define EA_ENTRY_MODE       0x58   /* how entry sets cr3_state: ENTRY_MODE_* */
#define EA_NMI_MODE         0x60   /* what a paranoid exit restores: NMI_MODE_* */
#define EA_GDT              0x80   /* struct cpu_gdt */

/* Values of cr3_state. */
#define CR3_STATE_KERNEL    0
#define CR3_STATE_USER      1

/* Entry modes: the protocol's order (mm/tlb.c), or a fault injected into it. */
#define ENTRY_MODE_XCHG     0   /* cr3_state := KERNEL by xchg, then CR3 (correct) */
#define ENTRY_MODE_PLAIN    1   /* a plain store: no entry barrier (fault) */
#define ENTRY_MODE_V7       2   /* CR3, catch-up, then the flag (RFC v7's order) */

/* Paranoid exit modes. */
#define NMI_MODE_RESTORE    0   /* put back the saved cr3_state (correct) */
#define NMI_MODE_USER       1   /* write USER if CR3 was a user table (fault) */

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include "arch/x86_64/gdt.h"

struct percpu;

struct entry_area {
	struct percpu *percpu;
	uint64_t kernel_cr3;
	uint64_t user_cr3;
	uint64_t task_stack;
	uint64_t entry_stack;
	uint64_t scratch;
	uint64_t cr3_state;
	uint64_t pti;
	uint64_t cr3_writes;
	uint64_t user_cr3_steady;
	uint64_t noflush;
	uint64_t entry_mode;
	uint64_t nmi_mode;
	uint64_t reserved[3];
	struct cpu_gdt gdt;
};

/* CPU c's entry area, and the tops of its stacks. */
static inline uint64_t entry_area_base(unsigned cpu)
{
	return ENTRY_REGION_BASE + (uint64_t)(cpu + 1) * EA_STRIDE;
}

static inline struct entry_area *entry_area_of(unsigned cpu)
{
	return (struct entry_area *)(entry_area_base(cpu) + EA_PAGE_OFF);
}

/*
 * Map CPU cpu's entry area and stacks (zeroed) and point its struct at p;
 * false when memory ran out (nothing stays mapped).
 */
bool entry_area_create(unsigned cpu, struct percpu *p);
/*
 * On the CPU itself: load the GDT and TSS from the entry area, the IDT from
 * its alias, and make the entry area the GS base.
 */
void entry_area_install(unsigned cpu);
/* Map the IDT's alias at ENTRY_REGION_BASE (once, boot CPU). */
void entry_area_map_idt(uint64_t idt_phys);
/* Is addr a guard page of the entry region (a stack overflow there)? */
bool entry_area_is_guard(uint64_t addr);
#endif
