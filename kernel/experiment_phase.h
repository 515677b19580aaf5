#pragma once
/*
 * What the experiment's files share (kernel/experiment.c runs the phases,
 * kernel/experiment_report.c prints them, kernel/experiment_opts.c reads
 * the options); not for other code.
 */
#include <stdbool.h>
#include <stdint.h>
#include "kernel/experiment.h"
#include "mm/tlb.h"
#include "smp/percpu.h"

#define NPHASES 3

/* What one CPU did, as its own counters say (differences over a phase). */
struct cpu_counts {
	uint64_t flush_ipis, spurious, catchups, entries, irqs, ticks;
};

struct probe_figures {
	bool ok;
	uint64_t loops, gaps, gap_ticks, max_gap, span;
};

struct phase {
	const char *name;
	bool coalesce, syscalls;
	struct tlb_stats tlb;               /* differences over the phase */
	struct cpu_counts cpu[MAX_CPUS];
	struct probe_figures probe[MAX_CPUS];
};

/* Print the table and the result: lines of phases[0..n). */
void experiment_report(const struct phase *phases, unsigned n, const struct experiment_opts *o,
		       const struct cpumask *storm_cpus);
