#pragma once
/*
 * The partition in force: which CPUs are housekeeping for each kind of
 * work and which are isolated (smp/housekeeping.h computes it from the
 * command line). Set at boot, before any task runs; changed after only by
 * isolation_set(), while no user task runs anywhere.
 */
#include <stdbool.h>
#include "smp/housekeeping.h"

extern struct housekeeping housekeeping;

/* From nohz_full= and isolcpus=, for the CPUs online now; prints it. */
void isolation_init(void);

/*
 * A new partition: cpus (a CPU list) isolated for every kind of work, as
 * nohz_full= plus isolcpus= would at boot. The caller guarantees that no
 * user task runs: then every CPU is in the kernel (cr3_state KERNEL) and
 * gets every flush IPI whatever the mask says, so the mask may change
 * word by word under a concurrent flush. false (and a message) if the
 * list is bad; the partition then stays as it was.
 */
bool isolation_set(const char *cpus);

/* Is cpu isolated (from any kind of housekeeping)? */
static inline bool cpu_is_isolated(unsigned cpu)
{
	return cpumask_test(&housekeeping.isolated, cpu);
}
