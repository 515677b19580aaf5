/*
 * Suite pti: what user page tables map of the kernel, and what user code
 * can reach of it.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/usercopy.h"
#include "kernel/exec.h"
#include "kernel/ktest.h"
#include "kernel/programs.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/uvm.h"
#include "smp/ipi.h"
#include "smp/percpu.h"

extern char __entry_text_start[], __entry_text_end[], _text_start[];

/* What the walk found in a user table. */
struct walk_result {
	uint64_t kernel_pages;      /* 4 KiB pages mapped in the kernel half */
	uint64_t bad;               /* of which not allowed */
	uint64_t user_accessible;   /* kernel-half pages with U at every level */
	uint64_t user_pages;        /* user-half pages */
	uint64_t user_not_u;        /* user-half pages without U */
	uint64_t first_bad;
};

/* The only kernel pages a user table may map. */
static bool allowed(uint64_t va)
{
	if (va >= (uint64_t)__entry_text_start && va < (uint64_t)__entry_text_end)
		return true;
	return va >= ENTRY_REGION_BASE && va < entry_area_base(MAX_CPUS);
}

static void walk(uint64_t table_phys, int level, uint64_t va_base, bool u_path,
		 struct walk_result *r)
{
	const uint64_t *t = phys_to_virt(table_phys & PTE_ADDR);

	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		uint64_t va = va_base + ((uint64_t)i << (12 + 9 * level));
		if (level == 3 && i >= 256)
			va |= 0xffff000000000000ull;        /* sign-extend the kernel half */
		if (!(e & PTE_P))
			continue;
		bool u = u_path && (e & PTE_U);
		if (level > 0 && !(e & PTE_PS)) {
			walk(e, level - 1, va, u, r);
			continue;
		}
		uint64_t pages = 1ull << (9 * level);
		if (va >= USER_TOP) {
			r->kernel_pages += pages;
			if (!allowed(va) || (level > 0)) {
				if (!r->bad)
					r->first_bad = va;
				r->bad += pages;
			}
			if (u)
				r->user_accessible += pages;
		} else {
			r->user_pages += pages;
			if (!u)
				r->user_not_u += pages;
		}
	}
}

/* An address space holding a program, as a task would have it. */
static struct addr_space *as_with_program(const char *name)
{
	const struct user_program *p = program_find(name);
	struct addr_space *as = uvm_create();
	uint64_t entry;

	if (as && p && !exec_load(as, p->image, p->size, &entry))
		return as;
	if (as)
		uvm_destroy(as);
	return 0;
}

static void user_table_maps_only_entry_pages(struct ktest *t)
{
	struct walk_result r = { 0 };
	struct addr_space *as;

	if (!pti.pti)
		KT_SKIP(t, "pti=off: one table per address space");
	as = as_with_program("hello");
	KT_ASSERT(t, as != 0);
	walk(as->pml4 + PAGE_SIZE, 3, 0, true, &r);
	ktest_log("user table: %llu kernel pages mapped (entry text and region), %llu user pages",
		  (unsigned long long)r.kernel_pages, (unsigned long long)r.user_pages);
	KT_EXPECT_EQ(t, r.bad, 0);
	if (r.bad)
		ktest_log("first kernel page that should not be mapped: %#llx",
			  (unsigned long long)r.first_bad);
	KT_EXPECT_EQ(t, r.user_accessible, 0);
	KT_EXPECT(t, r.user_pages > 0);
	KT_EXPECT_EQ(t, r.user_not_u, 0);
	/* Every entry text page and this CPU's entry area are there. */
	KT_EXPECT(t, r.kernel_pages >= (uint64_t)(__entry_text_end - __entry_text_start) / PAGE_SIZE + 1);
	uvm_destroy(as);
}

static void kernel_table_maps_user_memory_nx(struct ktest *t)
{
	struct addr_space *as;

	if (!pti.pti)
		KT_SKIP(t, "pti=off: the one table must let user code run");
	as = as_with_program("hello");
	KT_ASSERT(t, as != 0);
	const uint64_t *ktop = phys_to_virt(as->pml4), *utop = ktop + 512;
	unsigned slot = (USER_IMAGE_BASE >> 39) & 511;
	KT_EXPECT(t, ktop[slot] & PTE_NX);
	KT_EXPECT(t, !(utop[slot] & PTE_NX));
	KT_EXPECT_EQ(t, ktop[slot] & PTE_ADDR, utop[slot] & PTE_ADDR);
	uvm_destroy(as);
}

/* A secret on its own 256-byte boundary: fault's mode lives in the low byte. */
static volatile uint64_t secret __attribute__((aligned(256))) = 0x5ec2e7da7a;

static void check_killed_at(struct ktest *t, uint64_t arg, uint64_t addr)
{
	struct task_result r;

	KT_ASSERT(t, task_run("fault", arg, smp_processor_id(), &r));
	KT_EXPECT(t, r.killed);
	KT_EXPECT_EQ(t, r.vector, VEC_PF);
	KT_EXPECT_EQ(t, r.addr, addr);
	KT_EXPECT(t, r.exit_code != 99);        /* 99: it read or ran kernel memory */
}

static void user_read_of_kernel_data_killed(struct ktest *t)
{
	check_killed_at(t, (uint64_t)&secret | 1, (uint64_t)&secret);
}

static void user_cannot_run_kernel_text(struct ktest *t)
{
	/* Text not mapped for user mode at all, and the entry text, which is
	 * mapped there but supervisor-only. */
	check_killed_at(t, (uint64_t)_text_start | 2, (uint64_t)_text_start);
	check_killed_at(t, (uint64_t)__entry_text_start | 2, (uint64_t)__entry_text_start);
}

static void smep_smap_active(struct ktest *t)
{
	uint64_t cr4 = read_cr4();

	KT_EXPECT_EQ(t, !!(cr4 & CR4_SMEP), cpu_has(CPU_SMEP));
	KT_EXPECT_EQ(t, !!(cr4 & CR4_SMAP), cpu_has(CPU_SMAP));
	KT_EXPECT_EQ(t, !!(cr4 & CR4_PCIDE), pti.pcid);
	if (!cpu_has(CPU_SMEP) && !cpu_has(CPU_SMAP))
		KT_SKIP(t, "the CPU has neither SMEP nor SMAP");
}

/*
 * The kernel touches a user page on purpose: through copy_from_user (fine)
 * and directly (the negative control: SMAP must stop it), and jumps into a
 * user page (SMEP, or PTI's NX on the kernel table's user half, stops it).
 */
static void kernel_touching_user_memory_faults(struct ktest *t)
{
	const uint64_t va = USER_MAP_BASE;
	struct addr_space *as = uvm_create();
	uint64_t flags, value = 0;

	KT_ASSERT(t, as != 0);
	KT_ASSERT(t, uvm_alloc(as, va, PAGE_SIZE, PTE_W) == 0);
	*(uint64_t *)phys_to_virt(uvm_lookup(as, va) & PTE_ADDR) = 0xc3c3c3c3c3c3c3c3;
	flags = irq_save();
	write_cr3(uvm_kernel_cr3(as));          /* this CPU borrows the address space */
	KT_EXPECT_EQ(t, copy_from_user(&value, va, sizeof(value)), 0);
	uint64_t read_vector = user_read_without_stac(va);
	uint64_t exec_vector = ktest_call_faulting(va);
	sched_leave_address_space();            /* the kernel's own tables, flushed */
	irq_restore(flags);
	uvm_destroy(as);

	KT_EXPECT_EQ(t, value, 0xc3c3c3c3c3c3c3c3);
	ktest_log("kernel read of a user page without STAC: vector %llu; call into it: vector %llu",
		  (unsigned long long)read_vector, (unsigned long long)exec_vector);
	if (cpu_has(CPU_SMAP))
		KT_EXPECT_EQ(t, read_vector, VEC_PF);
	else
		KT_EXPECT_EQ(t, read_vector, 0);
	if (cpu_has(CPU_SMEP) || pti.pti)
		KT_EXPECT_EQ(t, exec_vector, VEC_PF);
}

/*
 * A paranoid entry takes bit 12 of CR3 for "a user table is loaded"
 * (arch/x86_64/cr3.inc): the kernel's own table must have it clear, on
 * every platform (mm/paging.c allocates it as the even page of a pair).
 */
static void kernel_table_bit12_clear(struct ktest *t)
{
	KT_EXPECT_EQ(t, kernel_pml4_phys & PTI_USER_BIT, 0);
	KT_EXPECT_EQ(t, pti_idle_cr3() & PTI_USER_BIT, 0);
}

static void read_pcid(void *info)
{
	((uint64_t *)info)[this_cpu()->cpu] = read_cr3() & 0xfff;
}

/*
 * With PCIDs every CPU runs its kernel in PCID_KERNEL, also one that never
 * ran a task: mm/tlb.c flushes that tag and no other (mm/pti_cr3.c).
 * Observable where the CPU has PCIDs (Bochs's Skylake-X, a real PC).
 */
static void kernel_runs_in_pcid_kernel(struct ktest *t)
{
	static uint64_t pcid[MAX_CPUS];

	if (!pti.pcid)
		KT_SKIP(t, "cannot observe: PCIDs are off (no PCID on this CPU, or nopcid)");
	for (unsigned c = 0; c < nr_cpus; c++) {
		pcid[c] = ~0ull;
		if (smp_call_function_single(c, read_pcid, pcid, true) < 0)
			continue;               /* not online */
		if (pcid[c] != PCID_KERNEL)
			ktest_log("CPU %u runs its kernel in PCID %llu", c, (unsigned long long)pcid[c]);
		KT_EXPECT_EQ(t, pcid[c], PCID_KERNEL);
	}
}

static const struct ktest_case pti_cases[] = {
	{ "user_table_maps_only_entry_pages", user_table_maps_only_entry_pages },
	{ "kernel_table_maps_user_memory_nx", kernel_table_maps_user_memory_nx },
	{ "user_read_of_kernel_data_killed", user_read_of_kernel_data_killed },
	{ "user_cannot_run_kernel_text", user_cannot_run_kernel_text },
	{ "smep_smap_active", smep_smap_active },
	{ "kernel_touching_user_memory_faults", kernel_touching_user_memory_faults },
	{ "kernel_table_bit12_clear", kernel_table_bit12_clear },
	{ "kernel_runs_in_pcid_kernel", kernel_runs_in_pcid_kernel },
};
KTEST_SUITE(pti_suite, "pti", pti_cases);
