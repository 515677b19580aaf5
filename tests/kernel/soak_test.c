/*
 * Suite soak: everything at once, for soak_seconds (default 20; make soak
 * asks for minutes). Noise probes that make system calls run on the
 * isolated CPUs; on the housekeeping CPUs but CPU 0, storms and fuzzers
 * take turns (user/storm.c, user/fuzz.c), each replaced as it ends. CPU 0
 * watches: every SOAK_REPORT_MS it checks the invariants below and prints
 * the counters.
 *
 * Invariants, exact, over the soak window (every counter is written by its
 * own CPU, and they are read when the writers are quiet or only append):
 *   - each kernel-range flush looks at every other online CPU once: it
 *     sends it the IPI or skips it (coalesce_tlbi, an isolated CPU in user
 *     mode), per sender: ipis_sent + skipped = flushes x (online - 1);
 *   - so for the isolated CPUs: ipis_sent_isolated + skipped =
 *     flushes x (isolated CPUs other than the sender);
 *   - every flush IPI sent was run by its target: the sum of flush IPIs
 *     received equals the sum sent;
 *   - every storm and probe ends well (the storm checks its filter's
 *     result), and no fuzzer breaks a promise;
 *   - nothing leaks: frames, kmalloc objects, tasks, address spaces.
 * Needs isolated CPUs and a housekeeping CPU besides CPU 0.
 */
#include "arch/x86_64/timer.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "kernel/cmdline.h"
#include "kernel/ktest.h"
#include "tests/kernel/leak_util.h"
#include "kernel/string.h"
#include "kernel/task.h"
#include "mm/kmalloc.h"
#include "mm/pti.h"
#include "mm/tlb.h"
#include "mm/uvm.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/worker.h"

#define SOAK_DEFAULT_S   20
#define SOAK_REPORT_MS   5000
#define STORM_ROUNDS     50
#define FUZZ_CALLS       20000
#define PROBE_SYS_EVERY  4          /* publications between the probe's system calls */
#define PROBE_THRESHOLD_US 20

#define READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

struct sender {
	uint64_t sent, ipis, ipis_isolated, skipped, received;
};

static struct sender base[MAX_CPUS];
static struct task *tasks[MAX_CPUS];
static bool storm_turn[MAX_CPUS];

struct soak_totals {
	uint64_t storms, fuzzers, fuzz_kills, fuzz_calls, failures;
	uint32_t seed;
};

static void read_sender(unsigned cpu, struct sender *s)
{
	struct percpu *p = cpu_area[cpu];

	*s = (struct sender){
		.sent = READ(p->kflush_sent), .ipis = READ(p->kflush_ipis_sent),
		.ipis_isolated = READ(p->kflush_ipis_sent_isolated),
		.skipped = READ(p->kflush_skipped), .received = READ(p->kflush_ipis),
	};
}

/* The per-sender flush invariants since base[]; each failure is reported. */
static void check_senders(struct ktest *t)
{
	unsigned online = smp_online_count(), isolated = cpumask_weight(&housekeeping.isolated);
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask) {
		struct sender now;
		read_sender(cpu, &now);
		uint64_t flushes = now.sent - base[cpu].sent;
		uint64_t ipis = now.ipis - base[cpu].ipis;
		uint64_t ipis_iso = now.ipis_isolated - base[cpu].ipis_isolated;
		uint64_t skipped = now.skipped - base[cpu].skipped;
		unsigned others_iso = isolated - (cpu_is_isolated(cpu) ? 1 : 0);

		if (ipis + skipped != flushes * (online - 1) ||
		    ipis_iso + skipped != flushes * others_iso)
			ktest_fail_at(t, __FILE__, __LINE__,
				      "CPU %u: %llu flushes, %llu IPIs (%llu isolated), %llu skipped",
				      cpu, (unsigned long long)flushes, (unsigned long long)ipis,
				      (unsigned long long)ipis_iso, (unsigned long long)skipped);
	}
}

/* Every flush IPI sent was run: equal once every flush has returned. */
static void received_equals_sent(struct ktest *t)
{
	uint64_t sent_all = 0, received_all = 0;
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask) {
		struct sender now;
		read_sender(cpu, &now);
		sent_all += now.ipis - base[cpu].ipis;
		received_all += now.received - base[cpu].received;
	}
	KT_EXPECT_EQ(t, received_all, sent_all);
}

static void start_worker(unsigned cpu, struct soak_totals *tot)
{
	storm_turn[cpu] = !storm_turn[cpu];
	if (storm_turn[cpu]) {
		tasks[cpu] = task_spawn("storm", STORM_ROUNDS, cpu, true);
		tot->storms++;
	} else {
		tasks[cpu] = task_spawn("fuzz", (uint64_t)FUZZ_CALLS << 32 | tot->seed++, cpu, true);
		tot->fuzzers++;
	}
}

/* A storm or fuzzer ended: count it and judge it. */
static void worker_ended(struct ktest *t, unsigned cpu, struct soak_totals *tot)
{
	struct task_result r;

	task_wait(tasks[cpu], &r);
	tasks[cpu] = 0;
	if (!storm_turn[cpu]) {
		tot->fuzz_calls += r.syscalls;
		if (r.killed && r.vector == VEC_SYSCALL) {
			tot->fuzz_kills++;      /* an unknown call number: by design */
			return;
		}
	}
	if (r.killed || r.exit_code) {
		tot->failures++;
		ktest_fail_at(t, __FILE__, __LINE__, "%s on CPU %u: exit %d%s",
			      storm_turn[cpu] ? "storm" : "fuzz", cpu, r.exit_code,
			      r.killed ? " (killed)" : "");
	}
}

/* One of each program on every CPU that runs it, alive at once: caches warm. */
static void warm_up(const struct cpumask *workers)
{
	struct task *w[MAX_CPUS] = { 0 };
	struct task_result r;
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		w[cpu] = task_spawn(cpumask_test(workers, cpu) ? "storm" : "spin",
				    cpumask_test(workers, cpu) ? 5 : 1000, cpu, true);
	for_each_cpu(cpu, &cpu_online_mask)
		if (w[cpu])
			task_wait(w[cpu], &r);
}

static void everything_at_once(struct ktest *t)
{
	uint64_t seconds = boot_cmdline.soak_seconds ? boot_cmdline.soak_seconds : SOAK_DEFAULT_S;
	uint64_t threshold = (uint64_t)PROBE_THRESHOLD_US * tsc_khz / 1000;
	struct soak_totals tot = { .seed = (uint32_t)(boot_cmdline.fuzz_seed ? boot_cmdline.fuzz_seed
									   : rdtsc() | 1) };
	struct leak_snapshot before, after;
	struct task *probes[MAX_CPUS] = { 0 };
	struct cpumask workers;
	struct tlb_stats s0, s;
	unsigned cpu;

	if (cpumask_empty(&housekeeping.isolated) || !pti.pti)
		KT_SKIP(t, "needs isolated CPUs and pti=on");
	cpumask_clear(&workers);
	for_each_cpu(cpu, &cpu_online_mask)
		if (cpu && !cpu_is_isolated(cpu))
			cpumask_set(&workers, cpu);
	if (cpumask_empty(&workers))
		KT_SKIP(t, "needs a housekeeping CPU besides CPU 0");

	warm_up(&workers);
	leak_snapshot(&before);
	ktest_log("soak: %llu s; probes on isolated CPUs, storms and fuzzers (first seed %u) "
		  "on the other housekeeping CPUs", (unsigned long long)seconds, tot.seed);
	for_each_cpu(cpu, &housekeeping.isolated)
		probes[cpu] = task_spawn("noise", PROBE_ARG(threshold, PROBE_SYS_EVERY), cpu, true);
	for_each_cpu(cpu, &cpu_online_mask)
		read_sender(cpu, &base[cpu]);
	tlb_get_stats(&s0);

	uint64_t end = rdtsc() + seconds * 1000 * tsc_khz;
	uint64_t next_report = rdtsc() + SOAK_REPORT_MS * tsc_khz;
	while (rdtsc() < end && !tot.failures) {
		for_each_cpu(cpu, &workers) {
			if (tasks[cpu] && task_done(tasks[cpu]))
				worker_ended(t, cpu, &tot);
			if (!tasks[cpu])
				start_worker(cpu, &tot);
		}
		if (rdtsc() >= next_report) {
			tlb_get_stats(&s);
			ktest_log("soak: %llu flushes, %llu IPIs, %llu skipped, %llu catch-ups, "
				  "%llu storms, %llu fuzzers (%llu calls)",
				  (unsigned long long)(s.flushes - s0.flushes),
				  (unsigned long long)(s.ipis - s0.ipis),
				  (unsigned long long)(s.skipped - s0.skipped),
				  (unsigned long long)(s.catchups - s0.catchups),
				  (unsigned long long)tot.storms, (unsigned long long)tot.fuzzers,
				  (unsigned long long)tot.fuzz_calls);
			next_report = rdtsc() + SOAK_REPORT_MS * tsc_khz;
		}
		timer_oneshot_us(100000);
		cpu_idle_step();            /* until a task ends, or the timer */
	}

	/* Stop: storms and fuzzers at their next return to user mode, probes by their page. */
	for_each_cpu(cpu, &workers)
		if (tasks[cpu])
			task_request_stop(tasks[cpu]);
	for_each_cpu(cpu, &workers)
		if (tasks[cpu])
			worker_ended(t, cpu, &tot);
	for_each_cpu(cpu, &housekeeping.isolated) {
		struct task_result r;
		struct probe_page pg;
		if (!probes[cpu]) {
			ktest_fail_at(t, __FILE__, __LINE__, "no probe on CPU %u", cpu);
			continue;
		}
		task_shared_write(probes[cpu], offsetof(struct probe_page, stop), 1);
		task_wait(probes[cpu], &r);
		KT_EXPECT(t, !r.killed && r.exit_code == 0);
		memcpy(&pg, r.share, sizeof(pg));
		KT_EXPECT(t, r.shared && pg.done && pg.loops);
	}
	check_senders(t);
	received_equals_sent(t);
	tlb_get_stats(&s);
	ktest_log("soak: done: %llu flushes, %llu IPIs (%llu to isolated CPUs), %llu skipped, "
		  "%llu catch-ups, %llu storms, %llu fuzzers, %llu fuzz calls, %llu kills by design",
		  (unsigned long long)(s.flushes - s0.flushes), (unsigned long long)(s.ipis - s0.ipis),
		  (unsigned long long)(s.ipis_isolated - s0.ipis_isolated),
		  (unsigned long long)(s.skipped - s0.skipped),
		  (unsigned long long)(s.catchups - s0.catchups), (unsigned long long)tot.storms,
		  (unsigned long long)tot.fuzzers, (unsigned long long)tot.fuzz_calls,
		  (unsigned long long)tot.fuzz_kills);
	KT_EXPECT(t, s.flushes > s0.flushes && tot.storms && tot.fuzzers);

	leak_snapshot(&after);
	KT_EXPECT_EQ(t, after.frames, before.frames);
	KT_EXPECT_EQ(t, after.kmalloc_live, before.kmalloc_live);
	KT_EXPECT_EQ(t, after.address_spaces, before.address_spaces);
	KT_EXPECT_EQ(t, after.tasks, before.tasks);
}

static const struct ktest_case soak_cases[] = {
	{ "everything_at_once", everything_at_once },
};
KTEST_SUITE(soak_suite, "soak", soak_cases, .long_run = true);
