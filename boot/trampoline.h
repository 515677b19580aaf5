#pragma once
/*
 * The AP start-up trampoline and its parameter block.
 *
 * An AP starts in 16-bit real mode at the page the start-up IPI names, so
 * the trampoline is copied to a free page below 1 MiB (smp/boot_ap.c picks
 * it from the memory map). The boot CPU fills the parameter block, which
 * sits at a fixed offset in that page, before each start-up IPI.
 *
 * The AP_* offsets below are the only definition of the layout: the
 * Makefile turns these #define lines into NASM %define lines for
 * boot/trampoline.asm, and smp/boot_ap.c asserts that struct
 * ap_boot_params matches them.
 */
#include <stdint.h>

#define AP_PARAMS_OFFSET    0x800   /* the trampoline code must end before this */
#define AP_GDT_LIMIT        0x02    /* lgdt operand: 16-bit limit, then base */
#define AP_GDT_BASE         0x04
#define AP_FAR_OFFSET       0x08    /* far pointer to the 64-bit code: offset */
#define AP_FAR_SELECTOR     0x0c    /*   and selector */
#define AP_TRAMP_CR3        0x10    /* page tables below 4 GiB: see boot_ap.c */
#define AP_KERNEL_CR3       0x18
#define AP_STACK_TOP        0x20
#define AP_ENTRY            0x28    /* ap_entry64 (higher half) */
#define AP_PERCPU           0x30
#define AP_CLAIMED          0x38    /* set by the AP that takes these parameters */
#define AP_GDT              0x40    /* three descriptors: null, code64, data */
#define AP_PARAMS_SIZE      0x58

#ifndef __ASSEMBLER__
struct ap_boot_params {
	uint16_t pad0;
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint32_t far_offset;
	uint16_t far_selector;
	uint16_t pad1;
	uint64_t tramp_cr3;
	uint64_t kernel_cr3;
	uint64_t stack_top;
	uint64_t entry;
	uint64_t percpu;
	uint32_t claimed;
	uint32_t pad2;
	uint64_t gdt[3];
};

extern const char trampoline_start[], trampoline_end[];
#endif
