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
#include "kernel/experiment.h"
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
#define NPHASES          3

#define READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

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
	bool ran;
	struct tlb_stats tlb;               /* differences over the phase */
	struct cpu_counts cpu[MAX_CPUS];
	struct probe_figures probe[MAX_CPUS];
};

/* The last run's figures; CPU 0 alone writes and reads them. */
static struct phase phases[NPHASES] = {
	{ .name = "off" },
	{ .name = "on", .coalesce = true },
	{ .name = "on+sys", .coalesce = true, .syscalls = true },
};
static struct cpumask storm_cpus;

/* A decimal number of at most 9 digits (no sign, no spaces). */
static bool parse_decimal(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9' && n < 9; n++)
		v = v * 10 + (unsigned long)(s[n] - '0');
	*out = v;
	return n > 0 && s[n] == 0;
}

void experiment_boot_opts(struct experiment_opts *o)
{
	const struct cmdline *c = &boot_cmdline;

	*o = (struct experiment_opts){
		.kind = EXPERIMENT_COALESCE,
		.flushes = c->experiment_flushes ? c->experiment_flushes : EXPERIMENT_FLUSHES_DEFAULT,
		.threshold_us = c->experiment_threshold_us ? c->experiment_threshold_us
							   : EXPERIMENT_THRESHOLD_DEFAULT,
	};
	if (!strcmp(c->experiment, "baseline"))
		o->kind = EXPERIMENT_BASELINE;
	else if (!strcmp(c->experiment, "none"))
		o->kind = EXPERIMENT_NONE;
	else if (c->experiment[0] && strcmp(c->experiment, "coalesce"))
		pr_warn("experiment=%s: expected coalesce, baseline or none; using coalesce\n",
			c->experiment);
	if (o->flushes < EXPERIMENT_FLUSHES_MIN || o->flushes > EXPERIMENT_FLUSHES_MAX) {
		pr_warn("experiment_flushes=%u: expected %u to %u flushes per phase; using %u\n",
			o->flushes, EXPERIMENT_FLUSHES_MIN, EXPERIMENT_FLUSHES_MAX,
			EXPERIMENT_FLUSHES_DEFAULT);
		o->flushes = EXPERIMENT_FLUSHES_DEFAULT;
	}
}

/* One word of `run`'s options; false (after a message) if it was bad. */
static bool parse_word(const char *w, size_t n, struct experiment_opts *o)
{
	char word[64], err[96];
	unsigned long v;

	if (n >= sizeof(word)) {
		printk("run: '%.*s...': too long; ignored\n", 32, w);
		return false;
	}
	memcpy(word, w, n);
	word[n] = 0;
	if (!strcmp(word, "coalesce") || !strcmp(word, "baseline")) {
		o->kind = word[0] == 'c' ? EXPERIMENT_COALESCE : EXPERIMENT_BASELINE;
		return true;
	}
	if (!strncmp(word, "flushes=", 8)) {
		if (parse_decimal(word + 8, &v) && v >= EXPERIMENT_FLUSHES_MIN &&
		    v <= EXPERIMENT_FLUSHES_MAX) {
			o->flushes = (unsigned)v;
			return true;
		}
		printk("run: %s: expected %u to %u flushes per phase; using %u\n", word,
		       EXPERIMENT_FLUSHES_MIN, EXPERIMENT_FLUSHES_MAX, o->flushes);
		return false;
	}
	if (!strncmp(word, "threshold=", 10)) {
		if (parse_decimal(word + 10, &v) && v >= 1 && v <= 1000000) {
			o->threshold_us = (unsigned)v;
			return true;
		}
		printk("run: %s: expected 1 to 1000000 microseconds; using %u\n", word,
		       o->threshold_us);
		return false;
	}
	if (!strncmp(word, "isolate=", 8)) {
		struct cpumask m;
		if (cpulist_parse(word + 8, &m, nr_cpus, err, sizeof(err)) == 0 &&
		    !cpumask_test(&m, 0) && !cpumask_empty(&m)) {
			o->isolate = m;
			o->isolate_given = true;
			return true;
		}
		printk("run: %s: %s; keeping the partition in force\n", word,
		       cpumask_test(&m, 0) ? "CPU 0 stays housekeeping" :
		       err[0] ? err : "no CPU isolated");
		return false;
	}
	printk("run: unknown option '%s' (coalesce, baseline, flushes=N, threshold=US, "
	       "isolate=LIST)\n", word);
	return false;
}

int experiment_parse(const char *args, struct experiment_opts *o)
{
	int bad = 0;

	while (*args) {
		while (*args == ' ')
			args++;
		size_t n = 0;
		while (args[n] && args[n] != ' ')
			n++;
		if (n && !parse_word(args, n, o))
			bad++;
		args += n;
	}
	return bad;
}

static void read_counts(unsigned cpu, struct cpu_counts *c)
{
	struct percpu *p = cpu_area[cpu];

	*c = (struct cpu_counts){
		.flush_ipis = READ(p->kflush_ipis), .spurious = READ(p->kflush_spurious),
		.catchups = READ(p->kflush_catchups), .ticks = READ(p->timer_ticks),
	};
	for (int k = 0; k < ENTRY_KINDS; k++)
		c->entries += READ(p->entries[k]);
	for (int k = 0; k < IRQ_CAUSES; k++)
		c->irqs += READ(p->irqs[k]);
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

static bool probe_read(struct task *t, struct probe_page *pg)
{
	return task_shared_read(t, pg, sizeof(*pg));
}

/* Wait until every probe runs its loop: it has published once. */
static void probes_wait_started(struct task **probes)
{
	uint64_t deadline = rdtsc() + ms_to_tsc(PROBE_START_MS);
	unsigned cpu;

	for_each_cpu(cpu, &housekeeping.isolated) {
		struct probe_page pg;
		while (probes[cpu] && !task_done(probes[cpu]) &&
		       !(probe_read(probes[cpu], &pg) && pg.loops)) {
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
		if (r.killed || r.exit_code || !probe_read(probes[cpu], &pg) || !pg.done) {
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
	uint64_t rounds = 2 * ((flushes + STORM_FLUSHES_PER_ROUND * n - 1) /
			       (STORM_FLUSHES_PER_ROUND * n)) + 1;
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
	ph->ran = ok;
	return ok;
}

/* --- the table --------------------------------------------------------------- */

struct class_sums {
	unsigned cpus, probes;
	struct cpu_counts c;
	uint64_t gaps, gap_ticks, max_gap, span;
};

static void class_sum(const struct phase *ph, bool isolated, struct class_sums *s)
{
	unsigned cpu;

	*s = (struct class_sums){ 0 };
	for_each_cpu(cpu, &cpu_online_mask) {
		if (cpu_is_isolated(cpu) != isolated)
			continue;
		const struct cpu_counts *c = &ph->cpu[cpu];
		const struct probe_figures *p = &ph->probe[cpu];
		s->cpus++;
		s->c.flush_ipis += c->flush_ipis;
		s->c.spurious += c->spurious;
		s->c.catchups += c->catchups;
		s->c.entries += c->entries;
		s->c.irqs += c->irqs;
		s->c.ticks += c->ticks;
		if (!isolated || !p->ok)
			continue;
		s->probes++;
		s->gaps += p->gaps;
		s->gap_ticks += p->gap_ticks;
		s->span += p->span;
		if (p->max_gap > s->max_gap)
			s->max_gap = p->max_gap;
	}
}

#define LABEL_W 34
#define COL_W   11

static void row(const char *label, const uint64_t *v, unsigned n)
{
	char line[LABEL_W + NPHASES * COL_W + 2];
	int at = snprintf(line, sizeof(line), "%-*s", LABEL_W, label);

	for (unsigned i = 0; i < n; i++)
		at += snprintf(line + at, sizeof(line) - at, "%*llu", COL_W, (unsigned long long)v[i]);
	pr_info("%s\n", line);
}

/* Fixed-point figures: v[i] / 10^decimals; ~0 prints "-". */
static void row_fixed(const char *label, const uint64_t *v, unsigned n, unsigned decimals)
{
	char line[LABEL_W + NPHASES * COL_W + 2], cell[24];
	int at = snprintf(line, sizeof(line), "%-*s", LABEL_W, label);
	uint64_t scale = decimals == 4 ? 10000 : 100;

	for (unsigned i = 0; i < n; i++) {
		if (v[i] == ~0ull)
			snprintf(cell, sizeof(cell), "-");
		else
			snprintf(cell, sizeof(cell), "%llu.%0*llu", (unsigned long long)(v[i] / scale),
				 (int)decimals, (unsigned long long)(v[i] % scale));
		at += snprintf(line + at, sizeof(line) - at, "%*s", COL_W, cell);
	}
	pr_info("%s\n", line);
}

static uint64_t ticks_to_ns(uint64_t t)
{
	return t / tsc_khz * 1000000 + t % tsc_khz * 1000000 / tsc_khz;
}

static void print_table(const struct experiment_opts *o, unsigned n)
{
	struct class_sums iso[NPHASES], hk[NPHASES];
	uint64_t v[NPHASES];
	char head[LABEL_W + NPHASES * COL_W + 2], label[48];
	int at = snprintf(head, sizeof(head), "%-*s", LABEL_W, "");

	for (unsigned i = 0; i < n; i++) {
		class_sum(&phases[i], true, &iso[i]);
		class_sum(&phases[i], false, &hk[i]);
		at += snprintf(head + at, sizeof(head) - at, "%*s", COL_W, phases[i].name);
	}
	pr_info("%s\n", head);
#define ROW(lbl, expr) do { for (unsigned i = 0; i < n; i++) v[i] = (expr); row(lbl, v, n); } while (0)
	ROW("kernel-range flushes", phases[i].tlb.flushes);
	ROW("flush IPIs sent", phases[i].tlb.ipis);
	ROW("  to isolated CPUs", phases[i].tlb.ipis_isolated);
	ROW("  skipped (isolated, in user mode)", phases[i].tlb.skipped);
	snprintf(label, sizeof(label), "isolated CPUs (%u), in all:", iso[0].cpus);
	pr_info("%s\n", label);
	ROW("  flush IPIs received", iso[i].c.flush_ipis);
	ROW("  landed in user mode", iso[i].c.spurious);
	ROW("  catch-up flushes", iso[i].c.catchups);
	ROW("  kernel entries", iso[i].c.entries);
	ROW("  interrupts", iso[i].c.irqs);
	ROW("  timer ticks", iso[i].c.ticks);
	snprintf(label, sizeof(label), "  probe gaps over %u us", o->threshold_us);
	ROW(label, iso[i].gaps);
	ROW("  largest gap (us)", ticks_to_ns(iso[i].max_gap) / 1000);
	for (unsigned i = 0; i < n; i++)
		v[i] = iso[i].span ? (iso[i].span - iso[i].gap_ticks) * 10000 / iso[i].span : ~0ull;
	row_fixed("  time available (%)", v, n, 2);
	snprintf(label, sizeof(label), "housekeeping CPUs (%u), in all:", hk[0].cpus);
	pr_info("%s\n", label);
	ROW("  flush IPIs received", hk[i].c.flush_ipis);
	ROW("  kernel entries", hk[i].c.entries);
	ROW("  interrupts", hk[i].c.irqs);
#undef ROW
	for (unsigned i = 0; i < n; i++)
		v[i] = iso[i].c.entries ? iso[i].c.catchups * 10000 / iso[i].c.entries : ~0ull;
	row_fixed("catch-ups per isolated entry", v, n, 4);
	if (n == NPHASES)
		pr_info("  (flush on every entry, RFC v7: 1.0000 in every phase)\n");
}

/* Every figure, one line per phase and per CPU, for tools/bench.py. */
static void print_results(const struct experiment_opts *o, unsigned n)
{
	char iso_list[128];
	unsigned cpu;

	cpulist_format(&housekeeping.isolated, iso_list, sizeof(iso_list));
	for (unsigned i = 0; i < n; i++) {
		const struct phase *ph = &phases[i];
		pr_info("result: phase=%s cpus=%u isolated=%s flushes=%llu full=%llu ipis=%llu "
			"ipis_isolated=%llu skipped=%llu threshold_us=%u pti=%d pcid=%d\n",
			ph->name, smp_online_count(), iso_list[0] ? iso_list : "none",
			(unsigned long long)ph->tlb.flushes, (unsigned long long)ph->tlb.full,
			(unsigned long long)ph->tlb.ipis, (unsigned long long)ph->tlb.ipis_isolated,
			(unsigned long long)ph->tlb.skipped, o->threshold_us, pti.pti, pti.pcid);
		for_each_cpu(cpu, &cpu_online_mask) {
			const struct cpu_counts *c = &ph->cpu[cpu];
			const struct probe_figures *p = &ph->probe[cpu];
			pr_info("result: phase=%s cpu=%u class=%s storm=%d flush_ipis=%llu "
				"spurious=%llu catchups=%llu entries=%llu irqs=%llu ticks=%llu "
				"probe=%d loops=%llu gaps=%llu gap_ns=%llu max_gap_ns=%llu span_ns=%llu\n",
				ph->name, cpu, cpu_is_isolated(cpu) ? "isolated" : "housekeeping",
				cpumask_test(&storm_cpus, cpu), (unsigned long long)c->flush_ipis,
				(unsigned long long)c->spurious, (unsigned long long)c->catchups,
				(unsigned long long)c->entries, (unsigned long long)c->irqs,
				(unsigned long long)c->ticks, p->ok, (unsigned long long)p->loops,
				(unsigned long long)p->gaps,
				(unsigned long long)ticks_to_ns(p->gap_ticks),
				(unsigned long long)ticks_to_ns(p->max_gap),
				(unsigned long long)ticks_to_ns(p->span));
		}
	}
	pr_info("result: end\n");
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
	for (unsigned i = 0; i < n && ok; i++) {
		phases[i].ran = false;
		ok = phase_run(&phases[i], o);
	}
	/* The coalesce experiment leaves coalescing on; the baseline off. */
	tlb_coalesce = pti.pti && n == NPHASES;
	if (!ok) {
		tlb_coalesce = coalesce_was;
		pr_err("experiment: stopped; no table\n");
		return false;
	}
	print_table(o, n);
	print_results(o, n);
	if (trace_available())
		trace_dump();           /* trace=N: the events of the whole run (docs/trace.md) */
	return true;
}
