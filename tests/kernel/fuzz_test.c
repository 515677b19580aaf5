/*
 * Suite fuzz: user/fuzz.c on every online CPU at once, a million system
 * calls in all by default (fuzz_calls=N), seeds counted up from one the
 * TSC picks (fuzz_seed=N fixes it). A fuzzer the kernel kills for an
 * unknown call number -- a promise of the ABI it tests now and then -- is
 * followed on its CPU by one with the next seed, for the calls still owed.
 *
 * Passes when the kernel lived through it, no fuzzer broke a promise or
 * died any other way, and the run left nothing behind: frames, kmalloc
 * objects, tasks, address spaces, filter programs, vmalloc areas. Minutes
 * under emulation, so it runs only when named (ktest=fuzz).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "kernel/cmdline.h"
#include "kernel/jit.h"
#include "kernel/ktest.h"
#include "tests/kernel/leak_util.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/uvm.h"
#include "mm/vmalloc.h"
#include "smp/cpumask.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/smp.h"

#define FUZZ_DEFAULT_CALLS 1000000
#define FUZZ_WARM_CALLS    5000      /* per CPU, before the leak snapshot */
#define FUZZ_REPLAY_CALLS  20000
#define FUZZ_LEAK_CALLS    20000     /* the negative control's run */

struct fuzz_totals {
	uint64_t calls, runs, kills;
	uint64_t errors[TASK_ERRORS];
	uint32_t first_seed, last_seed;
};

/* One CPU's fuzzer: its seed, the calls it was asked for, the calls still owed. */
struct fuzz_slot {
	struct task *task;
	uint32_t seed;
	uint64_t asked, owed;
};

static struct fuzz_slot slots[MAX_CPUS];
static uint32_t next_seed;
static uint64_t fuzz_total;

/* user/fuzz.c's argument: the seed in bits 0-31, the calls to make in 32-63. */
static uint64_t fuzz_arg(uint32_t seed, uint64_t calls)
{
	return calls << 32 | seed;
}

static uint32_t fuzz_first_seed(void)
{
	if (boot_cmdline.fuzz_seed)
		return (uint32_t)boot_cmdline.fuzz_seed;
	uint32_t s = (uint32_t)(rdtsc() * 0x9e3779b97f4a7c15ull >> 32);
	return s ? s : 1;               /* 0 on the command line means "pick one" */
}

static void fuzz_start(struct ktest *t, struct fuzz_slot *s, unsigned cpu,
		       struct fuzz_totals *tot)
{
	s->seed = tot->last_seed = next_seed++;
	s->asked = s->owed < UINT32_MAX ? s->owed : UINT32_MAX;
	s->task = task_spawn("fuzz", fuzz_arg(s->seed, s->asked), cpu, true);
	if (!s->task) {
		ktest_fail_at(t, __FILE__, __LINE__, "seed %u: fuzz did not start on CPU %u",
			      s->seed, cpu);
		s->owed = 0;
	}
}

/* The fuzzer on s ended with r: count it, and decide what it still owes. */
static void fuzz_ended(struct ktest *t, struct fuzz_slot *s, const struct task_result *r,
		       struct fuzz_totals *tot)
{
	const char *why = 0;

	tot->runs++;
	tot->calls += r->syscalls;
	for (unsigned e = 0; e < TASK_ERRORS; e++)
		tot->errors[e] += r->errors[e];
	if (r->killed && r->vector == VEC_SYSCALL && r->addr >= SYS_COUNT) {
		tot->kills++;           /* by design: it made an unknown call */
		s->owed -= r->syscalls < s->owed ? r->syscalls : s->owed;
		return;
	}
	s->owed = 0;
	if (r->killed)
		why = "killed, not for an unknown call number";
	else if (r->exit_code != 0)
		why = "broke a promise (its line is above)";
	else if (r->syscalls <= s->asked)
		why = "ended before it made its calls";
	if (why)
		ktest_fail_at(t, __FILE__, __LINE__,
			      "seed %u on CPU %u: %s: exit %d, vector %llu, address %#llx, %llu calls; "
			      "replay: ktest=fuzz fuzz_seed=%u fuzz_calls=%llu on %u CPUs",
			      s->seed, r->cpu, why, r->exit_code, (unsigned long long)r->vector,
			      (unsigned long long)r->addr, (unsigned long long)r->syscalls, s->seed,
			      (unsigned long long)fuzz_total, smp_online_count());
}

/*
 * calls in all, shared out over the online CPUs; each CPU's fuzzer is
 * replaced with the next seed when killed until its share is made. The
 * fuzzers end in any order: poll them all, and idle (or run this CPU's
 * own fuzzer) while none has ended.
 */
static void fuzz_run(struct ktest *t, uint64_t calls, struct fuzz_totals *tot)
{
	unsigned cpu, n = smp_online_count();

	*tot = (struct fuzz_totals){ .first_seed = next_seed, .last_seed = next_seed };
	for_each_cpu(cpu, &cpu_online_mask) {
		slots[cpu].owed = (calls + n - 1) / n;
		fuzz_start(t, &slots[cpu], cpu, tot);
	}
	for (;;) {
		bool running = false, ended = false;
		/* Interrupts off from the checks to the halt (task_wait() says why);
		 * a task_wait() below turns them on, but then nothing halts. */
		irq_disable();
		for_each_cpu(cpu, &cpu_online_mask) {
			struct fuzz_slot *s = &slots[cpu];
			struct task_result r;
			if (!s->task)
				continue;
			running = true;
			if (!task_done(s->task))
				continue;
			task_wait(s->task, &r);
			s->task = 0;
			ended = true;
			fuzz_ended(t, s, &r, tot);
			if (s->owed)
				fuzz_start(t, s, cpu, tot);
		}
		if (!running)
			break;
		if (!ended)
			sched_idle_step();
	}
	irq_enable();
}

/*
 * Caches the run may grow and keep, grown first: a kernel stack per task
 * alive at once (one per CPU), the page tables under the filter programs'
 * vmalloc areas (every handle taken on every CPU at once), slabs.
 */
static void warm_up(struct ktest *t)
{
	static const char *const progs[] = { "spin", "jit" };
	struct task *tasks[MAX_CPUS];
	struct task_result r;
	struct fuzz_totals tot;
	unsigned cpu, n;

	for (unsigned p = 0; p < 2; p++) {
		n = 0;
		for_each_cpu(cpu, &cpu_online_mask)
			tasks[n++] = task_spawn(progs[p], p == 0 ? ~0ull : 1, cpu, true);
		for (unsigned k = 0; k < n; k++) {
			KT_EXPECT(t, tasks[k] != 0);
			if (!tasks[k])
				continue;
			if (p == 0)
				task_request_stop(tasks[k]);
			task_wait(tasks[k], &r);
			KT_EXPECT_EQ(t, r.exit_code, 0);
		}
	}
	fuzz_run(t, FUZZ_WARM_CALLS * smp_online_count(), &tot);
}

static void log_totals(const struct fuzz_totals *tot, uint64_t tsc_ticks)
{
	static const struct { unsigned e; const char *name; } names[] = {
		{ E_FAULT, "E_FAULT" }, { E_INVAL, "E_INVAL" },
		{ E_NOMEM, "E_NOMEM" }, { E_NOSPC, "E_NOSPC" },
	};
	uint64_t ms = tsc_ticks / tsc_khz, named = 0, all = 0;

	ktest_log("fuzz: %llu calls on %u CPUs in %llu runs, seeds %u..%u; %llu killed for an "
		  "unknown call number, as the ABI says", (unsigned long long)tot->calls,
		  smp_online_count(), (unsigned long long)tot->runs, tot->first_seed,
		  tot->last_seed, (unsigned long long)tot->kills);
	for (unsigned e = 0; e < TASK_ERRORS; e++)
		all += tot->errors[e];
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		named += tot->errors[names[i].e];
	ktest_log("fuzz: errors returned: %s %llu, %s %llu, %s %llu, %s %llu, other %llu",
		  names[0].name, (unsigned long long)tot->errors[names[0].e],
		  names[1].name, (unsigned long long)tot->errors[names[1].e],
		  names[2].name, (unsigned long long)tot->errors[names[2].e],
		  names[3].name, (unsigned long long)tot->errors[names[3].e],
		  (unsigned long long)(all - named));
	ktest_log("fuzz: %llu ms, %llu calls/s", (unsigned long long)ms,
		  (unsigned long long)(ms ? tot->calls * 1000 / ms : 0));
}

/*
 * calls on every CPU, then the leak checks. leak_one (the negative control
 * only) holds a frame across the run, as a kernel that leaked one would.
 */
static void fuzz_and_check(struct ktest *t, uint64_t calls, bool leak_one)
{
	struct leak_snapshot before, after;
	struct fuzz_totals tot;
	uint32_t first = fuzz_first_seed();
	uint64_t held = 0;

	ktest_log("fuzz: %llu calls from seed %u (replay: ktest=fuzz fuzz_seed=%u fuzz_calls=%llu "
		  "on %u CPUs)", (unsigned long long)calls, first, first,
		  (unsigned long long)calls, smp_online_count());
	/* The warm-up starts from the same seed: a replay of any seed runs it first on CPU 0 in both. */
	fuzz_total = calls;
	next_seed = first;
	warm_up(t);
	leak_snapshot(&before);
	if (leak_one)
		held = pmm_alloc();
	next_seed = first;
	uint64_t start = rdtsc();
	fuzz_run(t, calls, &tot);
	uint64_t ticks = rdtsc() - start;
	leak_snapshot(&after);
	if (held)
		pmm_free(held);
	log_totals(&tot, ticks);

	KT_EXPECT(t, tot.calls >= calls);
	KT_EXPECT_EQ(t, after.frames, before.frames);
	KT_EXPECT_EQ(t, after.kmalloc_live, before.kmalloc_live);
	KT_EXPECT_EQ(t, after.address_spaces, before.address_spaces);
	KT_EXPECT_EQ(t, after.tasks, before.tasks);
	KT_EXPECT_EQ(t, after.vmalloc_areas, before.vmalloc_areas);
	KT_EXPECT_EQ(t, after.jit.loaded - before.jit.loaded, after.jit.freed - before.jit.freed);
	ktest_log("fuzz: filter programs loaded and freed: %llu; frames free or in kmalloc: "
		  "%llu before, %llu after", (unsigned long long)(after.jit.loaded - before.jit.loaded),
		  (unsigned long long)before.frames, (unsigned long long)after.frames);
}

static void fuzz_on_every_cpu(struct ktest *t)
{
	fuzz_and_check(t, boot_cmdline.fuzz_calls ? boot_cmdline.fuzz_calls : FUZZ_DEFAULT_CALLS,
		       false);
}

/* The same seed makes the same calls: two runs end alike, down to each error count. */
static void a_seed_replays(struct ktest *t)
{
	uint32_t seed = fuzz_first_seed() + 0x5eed;
	struct task_result a, b;
	unsigned cpu = smp_processor_id();

	KT_ASSERT(t, task_run("fuzz", fuzz_arg(seed, FUZZ_REPLAY_CALLS), cpu, &a));
	KT_ASSERT(t, task_run("fuzz", fuzz_arg(seed, FUZZ_REPLAY_CALLS), cpu, &b));
	KT_EXPECT(t, a.killed ? a.vector == VEC_SYSCALL : a.exit_code == 0);
	KT_EXPECT_EQ(t, a.killed, b.killed);
	KT_EXPECT_EQ(t, a.addr, b.addr);
	KT_EXPECT_EQ(t, a.exit_code, b.exit_code);
	KT_EXPECT_EQ(t, a.syscalls, b.syscalls);
	for (unsigned e = 0; e < TASK_ERRORS; e++)
		KT_EXPECT_EQ(t, a.errors[e], b.errors[e]);
	ktest_log("fuzz: seed %u twice: %llu calls, %s", seed, (unsigned long long)a.syscalls,
		  a.killed ? "killed for an unknown call number" : "completed");
}

static const struct ktest_case fuzz_cases[] = {
	{ "a_seed_replays", a_seed_replays },
	{ "fuzz_on_every_cpu", fuzz_on_every_cpu },
};
KTEST_SUITE(fuzz_suite, "fuzz", fuzz_cases, .long_run = true);

/* Negative control: the leak check must see one frame held across a short run. */
static void leak_is_seen(struct ktest *t)
{
	fuzz_and_check(t, FUZZ_LEAK_CALLS, true);
}

static const struct ktest_case selftest_leak_cases[] = {
	{ "leak_is_seen", leak_is_seen },
};
KTEST_SUITE(selftest_leak_suite, "selftest_leak", selftest_leak_cases, .negative = true);
