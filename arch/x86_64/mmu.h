#pragma once
/*
 * The instructions that decide what this CPU's TLB holds: CR3 loads,
 * INVLPG and INVPCID. They are the whole of the hardware the kernel-flush
 * protocol (mm/tlb.c) and the CR3 policy (mm/pti_cr3.c) touch, and they sit
 * in this one header so that the machine model of tests/tlbsim/ can put a
 * simulated TLB behind the same names and run that code unchanged.
 *
 * What the SDM says each one drops, with CR4.PCIDE on (PCID: CR3[11:0]):
 *   CR3 write, bit 63 clear: every non-global entry of the new PCID;
 *   CR3 write, bit 63 set (NOFLUSH): nothing;
 *   INVLPG va: va's entries of the current PCID, and va's global entries;
 *   INVPCID 0 (pcid, va): va's non-global entries of pcid;
 *   INVPCID 1 (pcid): every non-global entry of pcid;
 *   INVPCID 2: every entry, global ones included, of every PCID;
 *   INVPCID 3: every non-global entry of every PCID.
 * With CR4.PCIDE off every entry is PCID 0 and a CR3 write drops every
 * non-global one.
 */
#include <stdint.h>

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Serialising: also a full barrier (mm/tlb.c relies on it nowhere). */
static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void tlb_flush_one(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

#define INVPCID_ADDR        0
#define INVPCID_PCID        1
#define INVPCID_ALL_GLOBAL  2
#define INVPCID_ALL         3
static inline void invpcid(uint64_t type, uint64_t pcid, uint64_t addr)
{
	struct { uint64_t pcid, addr; } desc = { pcid, addr };

	__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(type) : "memory");
}
