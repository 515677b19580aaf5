#pragma once
/*
 * The machine model's arch/x86_64/mmu.h: the same names as the kernel's,
 * with the simulated CPU of tests/tlbsim/machine.c behind them. The
 * kernel's mm/tlb.c and mm/pti_cr3.c are compiled against this header
 * (it comes first on the include path) and run unchanged.
 */
#include <stdint.h>

uint64_t sim_read_cr3(void);
void sim_write_cr3(uint64_t v);
void sim_invlpg(uint64_t va);
void sim_invpcid(uint64_t type, uint64_t pcid, uint64_t addr);

static inline uint64_t read_cr3(void) { return sim_read_cr3(); }
static inline void write_cr3(uint64_t v) { sim_write_cr3(v); }
static inline void tlb_flush_one(uint64_t va) { sim_invlpg(va); }

#define INVPCID_ADDR        0
#define INVPCID_PCID        1
#define INVPCID_ALL_GLOBAL  2
#define INVPCID_ALL         3
static inline void invpcid(uint64_t type, uint64_t pcid, uint64_t addr)
{
	sim_invpcid(type, pcid, addr);
}
