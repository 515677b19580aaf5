/*
 * The boot-time experiment (kernel/experiment.h, docs/bench.md).
 *
 * Everything here runs on CPU 0, in its idle task's context, while user
 * tasks do the work: noise probes on the isolated CPUs, storms on the
 * housekeeping ones. The figures come from counters that each CPU writes
 * for itself (struct percpu) and from the probes' shared pages; they are
 * read between phases, when the CPUs that write them are quiet or in
 * user mode, word by word (a word is never torn).
 */
#include "kernel/experiment_phase.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "kernel/cmdline.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/string.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "smp/cpulist.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/worker.h"

#define STORM_FLUSHES_PER_ROUND 3   /* kernel/jit.c: set_memory_ro, set_memory_x, vfree */
#define SYS_EVERY        8          /* on+sys: probe publications between system calls */
#define PROGRESS_MS      1000
#define POLL_MS          20         /* how often CPU 0 looks at the flush count */
#define PROBE_START_MS   5000       /* for every probe to publish its first figures */

#define READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/* The last run's figures; CPU 0 alone writes and reads them. */
static struct phase phases[NPHASES] = {
	{ .name = "off" },
	{ .name = "on", .coalesce = true },
	{ .name = "on+sys", .coalesce = true, .syscalls = true },
};
static struct cpumask storm_cpus;

static void read_counts(unsigned cpu, struct cpu_counts *c)
{
	struct percpu *p = cpu_area[cpu];

	*c = (struct cpu_counts){
		.flush_ipis = READ(p->kflush_ipis), .spurious = READ(p->kflush_spurious),
		.catchups = READ(p->kflush_catchups), .ticks = READ(p->timer_ticks),
	};
	c->entries = percpu_entries(p);
	c->irqs = percpu_irqs(p);
}

static void counts_sub(struct cpu_counts *a, const struct cpu_counts *b)
{
	a->flush_ipis -= b->flush_ipis;
	a->spurious -= b->spurious;
	a->catchups -= b->catchups;
	a->entries -= b->entries;
	a->irqs -= b->irqs;
	a->ticks -= b->ticks;
}

static void tlb_sub(struct tlb_stats *a, const struct tlb_stats *b)
{
	a->flushes -= b->flushes;
	a->full -= b->full;
	a->ipis -= b->ipis;
	a->ipis_isolated -= b->ipis_isolated;
	a->skipped -= b->skipped;
	a->spurious -= b->spurious;
	a->catchups -= b->catchups;
	a->uptodate -= b->uptodate;
}

/* Halt until the deadline (or an interrupt that ends the wait sooner). */
static void idle_until(uint64_t deadline)
{
	uint64_t now = rdtsc();

	if (now >= deadline)
		return;
	timer_oneshot_us(tsc_to_us(deadline - now) + 1);
	cpu_idle_step();
}

static uint64_t ms_to_tsc(uint64_t ms)
{
	return ms * tsc_khz;
}

/* Wait until every probe runs its loop: it has published once. */
static void probes_wait_started(struct task **probes)
{
	uint64_t deadline = rdtsc() + ms_to_tsc(PROBE_START_MS);
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated) {
		struct probe_page pg;
		while (probes[cpu] && !task_done(probes[cpu]) &&
		       !(task_shared_read(probes[cpu], &pg, sizeof(pg)) && pg.loops)) {
			if (rdtsc() > deadline) {
				pr_warn("experiment: the probe on CPU %u did not start\n", cpu);
				break;
			}
			cpu_relax();
		}
	}
}

/* Ask every probe to finish, wait for each and keep its final figures. */
static void probes_stop(struct task **probes, struct phase *ph)
{
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated)
		if (probes[cpu])
			task_shared_write(probes[cpu], offsetof(struct probe_page, stop), 1);
	for_each_cpu(cpu, &housekeeping.isolated) {
		struct probe_figures *f = &ph->probe[cpu];
		struct task_result r;
		struct probe_page pg;

		*f = (struct probe_figures){ 0 };
		if (!probes[cpu])
			continue;
		task_wait(probes[cpu], &r);
		memcpy(&pg, r.share, sizeof(pg));
		if (r.killed || r.exit_code || !r.shared || !pg.done) {
			pr_warn("experiment: the probe on CPU %u gave no figures (exit %d%s)\n",
				cpu, r.exit_code, r.killed ? ", killed" : "");
			continue;
		}
		*f = (struct probe_figures){
			.ok = true, .loops = pg.loops, .gaps = pg.gaps, .gap_ticks = pg.gap_ticks,
			.max_gap = pg.max_gap, .span = pg.last_tsc - pg.start_tsc,
		};
	}
}

/*
 * The storm: rounds on every storm CPU, more than the flushes need, each
 * task asked to stop (at its next return to user mode) once the phase has
 * its flushes; flushes already under way then finish, so a phase ends a
 * few past its number. Progress lines while it runs.
 */
static bool storm_run(struct phase *ph, unsigned flushes, const struct tlb_stats *t0)
{
	static struct task *storms[MAX_CPUS];
	unsigned n = cpumask_weight(&storm_cpus), cpu;
	uint64_t rounds = (flushes + STORM_FLUSHES_PER_ROUND * n - 1) / (STORM_FLUSHES_PER_ROUND * n);

	/* CPU 0 watches the count unless it storms itself: then it gets the
	 * CPU back only when its storm is done, so that storm has exactly
	 * the rounds the flushes need (a phase may end a round past them). */
	if (!cpumask_test(&storm_cpus, 0))
		rounds = 2 * rounds + 1;
	uint64_t next_report = rdtsc() + ms_to_tsc(PROGRESS_MS);
	bool ok = true, stopping = false;

	for_each_cpu(cpu, &storm_cpus)
		storms[cpu] = task_spawn("storm", rounds, cpu, true);
	for (;;) {
		struct tlb_stats s;
		bool running = false;

		for_each_cpu(cpu, &storm_cpus)
			running |= storms[cpu] && !task_done(storms[cpu]);
		if (!running)
			break;
		tlb_get_stats(&s);
		if (!stopping && s.flushes - t0->flushes >= flushes) {
			for_each_cpu(cpu, &storm_cpus)
				if (storms[cpu])
					task_request_stop(storms[cpu]);
			stopping = true;
		}
		if (rdtsc() >= next_report) {
			/* tools/bench.py plots these: isolated-CPU IPIs against flushes. */
			pr_info("experiment: phase %s: %llu of %u flushes, %llu flush IPIs to "
				"isolated CPUs\n", ph->name,
				(unsigned long long)(s.flushes - t0->flushes), flushes,
				(unsigned long long)(s.ipis_isolated - t0->ipis_isolated));
			next_report = rdtsc() + ms_to_tsc(PROGRESS_MS);
		}
		idle_until(rdtsc() + ms_to_tsc(POLL_MS));
	}
	for_each_cpu(cpu, &storm_cpus) {
		struct task_result r;
		if (!storms[cpu]) {
			ok = false;
			continue;
		}
		task_wait(storms[cpu], &r);
		if (r.killed || r.exit_code) {
			pr_warn("experiment: the storm on CPU %u failed (exit %d%s)\n", cpu,
				r.exit_code, r.killed ? ", killed" : "");
			ok = false;
		}
	}
	return ok;
}

static bool phase_run(struct phase *ph, const struct experiment_opts *o)
{
	static struct task *probes[MAX_CPUS];
	static struct cpu_counts before[MAX_CPUS];
	uint64_t threshold = (uint64_t)o->threshold_us * tsc_khz / 1000;
	struct tlb_stats t0;
	unsigned cpu;
	bool ok;

	tlb_coalesce = ph->coalesce && pti.pti;
	trace_mark((uint32_t)(ph - phases) + 1);    /* phase 1, 2, 3 in a trace (docs/trace.md) */
	pr_info("experiment: phase %s: coalesce_tlbi=%s%s, %u kernel flushes\n", ph->name,
		ph->coalesce ? "on" : "off", ph->syscalls ? ", probes making system calls" : "",
		o->flushes);
	for_each_cpu(cpu, &housekeeping.isolated)
		probes[cpu] = task_spawn("noise", PROBE_ARG(threshold, ph->syscalls ? SYS_EVERY : 0),
					 cpu, true);
	probes_wait_started(probes);
	for_each_cpu(cpu, &cpu_online_mask)
		read_counts(cpu, &before[cpu]);
	tlb_get_stats(&t0);

	ok = storm_run(ph, o->flushes, &t0);

	tlb_get_stats(&ph->tlb);
	for_each_cpu(cpu, &cpu_online_mask) {
		read_counts(cpu, &ph->cpu[cpu]);
		counts_sub(&ph->cpu[cpu], &before[cpu]);
	}
	tlb_sub(&ph->tlb, &t0);
	probes_stop(probes, ph);
	return ok;
}

/* --- the run ----------------------------------------------------------------- */

/* The partition to use: the options', the one in force, or the upper half. */
static bool choose_partition(const struct experiment_opts *o)
{
	char list[128];
	unsigned n = smp_online_count();

	if (o->isolate_given) {
		cpulist_format(&o->isolate, list, sizeof(list));
		return isolation_set(list);
	}
	if (!cpumask_empty(&housekeeping.isolated))
		return true;
	/* No CPU isolated: the experiment's default, the upper half. */
	if (n - n / 2 == n - 1)
		snprintf(list, sizeof(list), "%u", n - 1);
	else
		snprintf(list, sizeof(list), "%u-%u", n - n / 2, n - 1);
	pr_info("experiment: no CPU is isolated (nohz_full= or isolcpus= on the command line, "
		"or run isolate=LIST); isolating CPUs %s\n", list);
	return isolation_set(list);
}

/* Storms on the housekeeping CPUs but CPU 0, which runs this; on CPU 0 if alone. */
static void choose_storm_cpus(void)
{
	unsigned cpu;

	cpumask_clear(&storm_cpus);
	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu && !cpu_is_isolated(cpu))
			cpumask_set(&storm_cpus, cpu);
	if (cpumask_empty(&storm_cpus))
		cpumask_set(&storm_cpus, 0);
}

bool experiment_run(const struct experiment_opts *o)
{
	bool coalesce_was = tlb_coalesce, ok = true;
	unsigned n = o->kind == EXPERIMENT_BASELINE ? 1 : NPHASES;
	char iso_list[128], storm_list[128];

	if (o->kind == EXPERIMENT_NONE)
		return true;
	if (smp_processor_id() != 0 || task_live()) {
		pr_err("experiment: needs CPU 0 and no user task running (%llu are)\n",
		       (unsigned long long)task_live());
		return false;
	}
	if (smp_online_count() < 2) {
		pr_err("experiment: needs at least 2 CPUs, one isolated (boot with -smp 2 or more)\n");
		return false;
	}
	if (!pti.pti)
		pr_warn("experiment: pti=off: no coalescing is possible, every phase IPIs every CPU\n");
	if (!choose_partition(o))
		return false;
	choose_storm_cpus();
	cpulist_format(&housekeeping.isolated, iso_list, sizeof(iso_list));
	cpulist_format(&storm_cpus, storm_list, sizeof(storm_list));
	pr_info("experiment %s: %u CPUs; probes on isolated CPUs %s, storm on %s; "
		"%u kernel flushes per phase\n", n == 1 ? "baseline" : "coalesce",
		smp_online_count(), iso_list, storm_list, o->flushes);
	for (unsigned i = 0; i < n && ok; i++)
		ok = phase_run(&phases[i], o);
	/* The coalesce experiment leaves coalescing on; the baseline off. */
	tlb_coalesce = pti.pti && n == NPHASES;
	if (!ok) {
		tlb_coalesce = coalesce_was;
		pr_err("experiment: stopped; no table\n");
		return false;
	}
	experiment_report(phases, n, o, &storm_cpus);
	if (trace_available())
		trace_dump();           /* trace=N: the events of the whole run (docs/trace.md) */
	return true;
}
