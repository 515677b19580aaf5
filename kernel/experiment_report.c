/*
 * The experiment's table and its result: lines (kernel/experiment_phase.h):
 * sums per class of CPU, side by side per phase, then every counter of
 * every CPU for tools/bench.py. docs/bench.md explains each figure.
 */
#include "kernel/experiment_phase.h"
#include "arch/x86_64/tsc.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "mm/pti.h"
#include "smp/cpulist.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/smp.h"

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

static void print_table(const struct phase *phases, const struct experiment_opts *o, unsigned n)
{
	struct class_sums iso[NPHASES] = { 0 }, hk[NPHASES] = { 0 };
	uint64_t v[NPHASES] = { 0 };
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
static void print_results(const struct phase *phases, const struct experiment_opts *o, unsigned n,
			  const struct cpumask *storm_cpus)
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
				cpumask_test(storm_cpus, cpu), (unsigned long long)c->flush_ipis,
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

void experiment_report(const struct phase *phases, unsigned n, const struct experiment_opts *o,
		       const struct cpumask *storm_cpus)
{
	print_table(phases, o, n);
	print_results(phases, o, n, storm_cpus);
}
