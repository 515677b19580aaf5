#pragma once
/*
 * The partition in force: which CPUs are housekeeping for each kind of
 * work and which are isolated (smp/housekeeping.h computes it from the
 * command line). Set once at boot, before any task runs; read-only after.
 */
#include <stdbool.h>
#include "smp/housekeeping.h"

extern struct housekeeping housekeeping;

/* From nohz_full= and isolcpus=, for the CPUs online now; prints it. */
void isolation_init(void);

/* Is cpu isolated (from any kind of housekeeping)? */
static inline bool cpu_is_isolated(unsigned cpu)
{
	return cpumask_test(&housekeeping.isolated, cpu);
}
