/*
 * Helpers of the coalesce suites (tests/kernel/coalesce_util.h).
 */
#include "tests/kernel/coalesce_util.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/tsc.h"
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
