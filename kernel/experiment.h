#pragma once
/*
 * The experiment lull is booted for (docs/bench.md): isolated CPUs run a
 * noise probe (user/noise.c) while housekeeping CPUs run a kernel-flush
 * storm (user/storm.c), once with coalesce_tlbi=off and once with on, and
 * a table shows what reached each class of CPU.
 *
 * Phases, in order, for experiment `coalesce`:
 *   off     every flush IPIs every CPU
 *   on      isolated CPUs in user mode are skipped and catch up at entry
 *   on+sys  the same, the probes also making a system call every
 *           SYS_EVERY loops: catch-up flushes per kernel entry, against
 *           the one flush per entry of flush-on-every-entry (RFC v7)
 * `baseline` runs the off phase only (and leaves coalescing off).
 */
#include <stdbool.h>
#include "smp/cpumask.h"

enum experiment_kind { EXPERIMENT_NONE, EXPERIMENT_COALESCE, EXPERIMENT_BASELINE };

struct experiment_opts {
	enum experiment_kind kind;
	unsigned flushes;           /* kernel flushes per phase */
	unsigned threshold_us;      /* a probe delta over this is a gap */
	bool isolate_given;
	struct cpumask isolate;     /* CPUs to isolate; else the partition in force */
};

#define EXPERIMENT_FLUSHES_DEFAULT   200    /* the table about a minute after boot: -smp 8, TCG, 2 cores */
#define EXPERIMENT_FLUSHES_MIN       30
#define EXPERIMENT_FLUSHES_MAX       1000000
#define EXPERIMENT_THRESHOLD_DEFAULT 20

/* The options of this boot's command line (experiment=, experiment_*=). */
void experiment_boot_opts(struct experiment_opts *o);
/*
 * Options as the shell's `run` takes them: "[coalesce|baseline]
 * [flushes=N] [threshold=US] [isolate=LIST]". A bad word gets a message
 * and its default; returns the number of such messages.
 */
int experiment_parse(const char *args, struct experiment_opts *o);
/*
 * Run it from CPU 0's idle context with no user task running; prints the
 * progress, the table and the result: lines. false if it could not run.
 */
bool experiment_run(const struct experiment_opts *o);
