#pragma once
/*
 * Each CPU's GDT and TSS. The selectors are laid out for SYSCALL/SYSRET:
 * STAR's SYSRET base 0x18 gives user SS = 0x20 and user CS = 0x28.
 */
#include <stdint.h>

#define GDT_KCODE   0x08
#define GDT_KDATA   0x10
#define GDT_UCODE32 0x18   /* SYSRET's base; no 32-bit user code runs */
#define GDT_UDATA   0x20
#define GDT_UCODE   0x28
#define GDT_TSS     0x30
#define GDT_ENTRIES 8      /* the TSS descriptor takes two */

/* Interrupt stacks (IST) for the exceptions that may hit a bad stack. */
enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, IST_COUNT = 3 };

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct cpu_gdt {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss;
} __attribute__((aligned(16)));

/*
 * Fill and load g on this CPU: GDT, segment registers, TSS with rsp0 (the
 * stack for interrupts from user mode) and the IST stack tops (ist_top[0]
 * is IST 1). GS base is left alone.
 */
void gdt_load(struct cpu_gdt *g, uint64_t rsp0, const uint64_t ist_top[IST_COUNT]);
