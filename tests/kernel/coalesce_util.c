/*
 * Helpers of the coalesce suites (tests/kernel/coalesce_util.h).
 */
#include "tests/kernel/coalesce_util.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/tsc.h"
#include "kernel/task.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/vmalloc.h"
#include "smp/isolation.h"
#include "smp/percpu.h"

bool coalesce_have_isolated(void)
{
	return cpumask_weight(&housekeeping.isolated) > 0 && pti.pti;
}

bool coalesce_wait_user(unsigned cpu)
{
	uint64_t end = rdtsc() + 2000 * tsc_khz;

	while (__atomic_load_n(&cpu_area[cpu]->ea->cr3_state, __ATOMIC_ACQUIRE) !=
	       CR3_STATE_USER) {
		if (rdtsc() > end)
			return false;
		cpu_relax();
	}
	return true;
}

bool coalesce_jit_cycle(void)
{
	uint8_t *code = vmalloc(PAGE_SIZE);

	if (!code)
		return false;
	code[0] = 0xc3;
	set_memory_ro(code, 1);
	set_memory_x(code, 1);
	vfree(code);                    /* executable: flushed at once */
	return true;
}

void coalesce_spawn_all(struct task **tasks, const char *prog, uint64_t arg)
{
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated)
		tasks[cpu] = task_spawn(prog, arg, cpu, true);
}

void coalesce_stop_all(struct task **tasks)
{
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated) {
		struct task_result r;
		if (!tasks[cpu])
			continue;
		task_request_stop(tasks[cpu]);
		task_wait(tasks[cpu], &r);
	}
}
