/*
 * Suite user: user tasks run on every CPU, faults kill only the task, and
 * every way into the kernel is taken and counted.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "kernel/ktest.h"
#include "tests/kernel/leak_util.h"
#include "kernel/task.h"
#include "mm/kmalloc.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "smp/cpumask.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/smp.h"

static void hello_on_every_cpu(struct ktest *t)
{
	struct task *tasks[MAX_CPUS] = { 0 };
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		tasks[cpu] = task_spawn("hello", 0, cpu, true);
	for_each_cpu(cpu, &cpu_online_mask) {
		struct task_result r;
		KT_ASSERT(t, tasks[cpu] != 0);
		task_wait(tasks[cpu], &r);
		KT_EXPECT(t, !r.killed);
		KT_EXPECT_EQ(t, r.exit_code, 0);
		KT_EXPECT_EQ(t, r.cpu, cpu);
	}
}

/* user/fault.c's modes, and what each must be killed with. */
static const struct {
	unsigned mode;
	const char *what;
	uint64_t vector;
	bool check_addr;
	uint64_t addr;
} faults[] = {
	{ 3, "divide by zero", VEC_DE, false, 0 },
	{ 4, "hlt in ring 3", VEC_GP, false, 0 },
	{ 5, "write to its own text", VEC_PF, false, 0 },
	{ 6, "unknown system call", VEC_SYSCALL, true, 1000 },
	{ 7, "NULL read", VEC_PF, true, 0 },
	{ 8, "ud2", VEC_UD, false, 0 },
	{ 9, "SYSCALL at the top of user space", VEC_GP, true, USER_TOP },
	{ 10, "int3", VEC_BP, false, 0 },
	{ 11, "stack overflow", VEC_PF, false, 0 },
};

static void faulting_tasks_are_killed(struct ktest *t)
{
	uint64_t before = this_cpu()->entries[ENTRY_EXC_USER];
	unsigned exceptions = 0;

	for (unsigned i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct task_result r;
		KT_ASSERT(t, task_run("fault", faults[i].mode, smp_processor_id(), &r));
		if (!r.killed || r.vector != faults[i].vector ||
		    (faults[i].check_addr && r.addr != faults[i].addr)) {
			ktest_fail_at(t, __FILE__, __LINE__,
				      "%s: killed %d, vector %llu, address %#llx, exit %d",
				      faults[i].what, r.killed, (unsigned long long)r.vector,
				      (unsigned long long)r.addr, r.exit_code);
		}
		if (faults[i].vector < VEC_FIRST_IRQ && faults[i].mode != 9)
			exceptions++;
	}
	/* Mode 9 and 6 end in the kernel's own verdict, not an exception. */
	KT_EXPECT_EQ(t, this_cpu()->entries[ENTRY_EXC_USER] - before, exceptions);
}

#define FAULT_RUNS 1000

/* 1000 tasks, each killed by a NULL read, spread over every CPU. */
static void thousand_faulting_tasks_leak_nothing(struct ktest *t)
{
	struct leak_snapshot before, after;
	struct task *batch[MAX_CPUS];
	unsigned done = 0, killed = 0;

	/*
	 * Warm up: kernel stacks are kept for reuse once a task has had one,
	 * and a batch below has up to one live task per CPU. Tasks that end
	 * at once may hand their stack to the next before the batch is all
	 * spawned, so the warm-up holds one task per CPU alive at once.
	 */
	unsigned cpu, n = 0;
	for_each_cpu(cpu, &cpu_online_mask)
		batch[n++] = task_spawn("spin", ~0ull, cpu, true);
	for (unsigned k = 0; k < n; k++) {
		struct task_result r;
		KT_ASSERT(t, batch[k] != 0);
		task_request_stop(batch[k]);
		task_wait(batch[k], &r);
	}
	leak_snapshot(&before);
	while (done < FAULT_RUNS) {
		n = 0;
		for_each_cpu(cpu, &cpu_online_mask)
			if (done + n < FAULT_RUNS)
				batch[n++] = task_spawn("fault", 7, cpu, true);
		for (unsigned k = 0; k < n; k++) {
			struct task_result r;
			KT_ASSERT(t, batch[k] != 0);
			task_wait(batch[k], &r);
			killed += r.killed && r.vector == VEC_PF;
		}
		done += n;
	}
	leak_snapshot(&after);
	KT_EXPECT_EQ(t, killed, FAULT_RUNS);
	KT_EXPECT_EQ(t, after.frames, before.frames);
	KT_EXPECT_EQ(t, after.kmalloc_live, before.kmalloc_live);
	KT_EXPECT_EQ(t, after.address_spaces, before.address_spaces);
	KT_EXPECT_EQ(t, after.tasks, before.tasks);
	ktest_log("%u tasks killed; frames free or in kmalloc: %llu before, %llu after", killed,
		  (unsigned long long)before.frames, (unsigned long long)after.frames);
}

static unsigned other_cpu(void)
{
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu != smp_processor_id())
			return cpu;
	return smp_processor_id();
}

/*
 * Interrupt a user loop on another CPU until the counter of entries of
 * kind says one arrived from user mode (a send may land while the task is
 * in the kernel, starting or ending: then it counts as a kernel entry).
 */
static bool hit_user_mode(unsigned cpu, enum entry_kind kind, bool nmi)
{
	struct percpu *p = cpu_area[cpu];
	uint64_t before = __atomic_load_n(&p->entries[kind], __ATOMIC_RELAXED);

	for (int tries = 0; tries < 200; tries++) {
		if (nmi) {
			lapic_send_nmi(p->apic_id);
		} else {
			smp_send_reschedule(cpu);
		}
		udelay(2000);
		if (__atomic_load_n(&p->entries[kind], __ATOMIC_RELAXED) != before)
			return true;
	}
	return false;
}

static void every_entry_path(struct ktest *t)
{
	unsigned cpu = other_cpu();
	struct percpu *p = cpu_area[cpu];
	struct task_result r;

	if (cpu == smp_processor_id())
		KT_SKIP(t, "needs two CPUs");
	/* NMI in kernel mode: the other CPU is idle, halted in the kernel. */
	uint64_t nmi_kernel = p->entries[ENTRY_NMI_KERNEL];
	lapic_send_nmi(p->apic_id);
	udelay(20000);
	KT_EXPECT(t, p->entries[ENTRY_NMI_KERNEL] > nmi_kernel);

	/* IRQ and NMI from user mode, while a user loop runs there for 1.5 s. */
	struct task *spin = task_spawn("spin", tsc_khz * 1500, cpu, true);
	KT_ASSERT(t, spin != 0);
	KT_EXPECT(t, hit_user_mode(cpu, ENTRY_IRQ_USER, false));
	KT_EXPECT(t, hit_user_mode(cpu, ENTRY_NMI_USER, true));
	task_wait(spin, &r);
	KT_EXPECT_EQ(t, r.exit_code, 0);

	/* Syscall and exception from user mode. */
	uint64_t sys = p->entries[ENTRY_SYSCALL], exc = p->entries[ENTRY_EXC_USER];
	KT_ASSERT(t, task_run("nullsys", 10, cpu, &r));
	KT_EXPECT_EQ(t, p->entries[ENTRY_SYSCALL] - sys, 11);
	KT_ASSERT(t, task_run("fault", 8, cpu, &r));
	KT_EXPECT_EQ(t, p->entries[ENTRY_EXC_USER] - exc, 1);
	for (unsigned k = 0; k < ENTRY_KINDS; k++)
		ktest_log("CPU %u entries %-16s %llu", cpu, entry_kind_name(k),
			  (unsigned long long)p->entries[k]);
	ktest_log("CPU %u CR3 writes (entry stubs and context switches): %llu", cpu,
		  (unsigned long long)p->ea->cr3_writes);
}

static void pin_visits_every_cpu(struct ktest *t)
{
	struct task_result r;

	KT_ASSERT(t, task_run("pinner", 0, smp_processor_id(), &r));
	KT_EXPECT(t, !r.killed);
	KT_EXPECT_EQ(t, r.exit_code, 0);
	KT_EXPECT_EQ(t, r.cpu, smp_online_count() - 1);
}

static const struct ktest_case user_cases[] = {
	{ "hello_on_every_cpu", hello_on_every_cpu },
	{ "faulting_tasks_are_killed", faulting_tasks_are_killed },
	{ "thousand_faulting_tasks_leak_nothing", thousand_faulting_tasks_leak_nothing },
	{ "every_entry_path", every_entry_path },
	{ "pin_visits_every_cpu", pin_visits_every_cpu },
};
KTEST_SUITE(user_suite, "user", user_cases);
