#pragma once
/*
 * CPU registers, CPUID features and the protections lull turns on.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/mmu.h"   /* CR3, INVLPG, INVPCID */

#define CR0_PE    (1ul << 0)
#define CR0_MP    (1ul << 1)
#define CR0_ET    (1ul << 4)
#define CR0_NE    (1ul << 5)
#define CR0_WP    (1ul << 16)
#define CR0_PG    (1ul << 31)
#define CR4_PAE   (1ul << 5)
#define CR4_MCE   (1ul << 6)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_PGE   (1ul << 7)
#define CR4_UMIP  (1ul << 11)
#define CR4_PCIDE (1ul << 17)
#define CR4_SMEP  (1ul << 20)
#define CR4_SMAP  (1ul << 21)

#define MSR_EFER        0xc0000080
#define MSR_FS_BASE     0xc0000100
#define MSR_GS_BASE     0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_NXE        (1ul << 11)

/* Features lull cares about, as bits of cpu_features. */
enum cpu_feature {
	CPU_NX, CPU_PGE, CPU_PDPE1GB, CPU_SMEP, CPU_SMAP, CPU_UMIP, CPU_PCID,
	CPU_INVPCID, CPU_X2APIC, CPU_TSC_INVARIANT, CPU_HYPERVISOR,
	CPU_FEATURE_COUNT
};

struct cpu_info {
	char vendor[13];
	char model[49];
	uint32_t family, model_id, stepping;
	uint32_t max_leaf, max_ext_leaf;
	uint8_t phys_addr_bits;
	uint64_t features;      /* 1 << enum cpu_feature */
};

extern struct cpu_info boot_cpu;

void cpu_identify(struct cpu_info *ci);
bool cpu_has(enum cpu_feature f);
const char *cpu_feature_name(enum cpu_feature f);
/*
 * Give this CPU lull's control registers: CR0 and CR4 are written whole, not
 * patched, so every CPU runs the same way whatever firmware or INIT left
 * there. WP and NX always; SMEP, SMAP and UMIP where the CPU has them.
 */
void cpu_enable_protections(void);
/* SYSCALL's MSRs on this CPU (arch/x86_64/syscall_setup.c). */
void syscall_init_cpu(void);

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                      \
	static inline uint64_t read_cr##n(void)                           \
	{                                                                 \
		uint64_t v;                                               \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));         \
		return v;                                                 \
	}                                                                 \
	static inline void write_cr##n(uint64_t v)                        \
	{                                                                 \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }

/* Save the interrupt flag and disable interrupts; irq_restore undoes it. */
static inline uint64_t irq_save(void)
{
	uint64_t f = read_rflags();
	irq_disable();
	return f;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & (1ul << 9))
		irq_enable();
}

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}
