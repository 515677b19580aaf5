/*
 * fuzz: random system calls with arguments meant to break the kernel --
 * kernel, non-canonical, unmapped, misaligned and NULL pointers; lengths
 * that are huge, negative, wrap around, stop at a page edge or run past
 * it; every boundary of the ABI -- mixed with valid pointers to its own
 * memory, maps and unmaps of random ranges, filter programs loaded, run
 * and freed with random handles, pins to random CPUs and short sleeps.
 *
 * Every result is checked against kernel/syscall_abi.h, decided from a
 * model of the program's own address space and filter handles
 * (user/fuzz/). Where the ABI allows more than one error (it does not say
 * which check comes first) any of them passes; -E_NOMEM passes wherever
 * memory could run out. Every call also checks that the registers the ABI
 * keeps survive it. It prints nothing by accident (user/fuzz/memory.c).
 *
 * Argument: bits 0-31 the seed, bits 32-63 how many system calls to make
 * (0: 10,000). The seed is printed first; the same seed makes the same
 * calls. About one step in KILL_ODDS makes a call with a number the kernel
 * does not know, which kills the task by design (tests/kernel/fuzz_test.c
 * expects that and goes on with the next seed).
 *
 * Exit: 0; 1 a broken promise (printed: seed, step, call, arguments, result).
 */
#include "user/fuzz/fuzz.h"

#define DEFAULT_CALLS 10000
#define KILL_ODDS     32768         /* steps per call with an unknown number */
#define SLEEP_ODDS    256           /* sleep steps per sleep really taken */
#define SLEEP_LONGEST 100000        /* ns: the longest sleep really taken */
#define CPU_NEVER     (1ull << 16)  /* no machine lull runs on numbers a CPU this high */

static int64_t home_cpu, cur_cpu, my_id, last_clock;
static uint8_t pin_seen[256];       /* per CPU number: 0 not tried, 1 pin worked, 2 refused */

static int64_t read_clock(void)
{
	struct call c = call_new(SYS_CLOCK);
	int64_t now = fuzz_syscall(&c);

	if (now < last_clock)
		broken(&c, now, "no earlier than the clock before");
	return last_clock = now;
}

static void check_cpu(void)
{
	struct call c = call_new(SYS_GETCPU);

	expect_value(&c, fuzz_syscall(&c), cur_cpu);
}

/* The calls that take no argument: whatever the registers hold. */
static void op_plain(void)
{
	struct call c;

	switch (below(4)) {
	case 0:
		c = call_new(SYS_YIELD);
		expect_value(&c, fuzz_syscall(&c), 0);
		break;
	case 1:
		check_cpu();
		break;
	case 2:
		read_clock();
		break;
	default:
		c = call_new(SYS_TASKID);
		expect_value(&c, fuzz_syscall(&c), my_id);
		break;
	}
}

/* A pin that works is checked with getcpu, then undone: the fuzzers stay spread out. */
static void op_pin(void)
{
	struct call c = call_new(SYS_PIN);
	uint64_t cpu;

	switch (below(6)) {
	case 0:  cpu = home_cpu; break;
	case 1:  cpu = below(8); break;
	case 2:  cpu = below(300); break;
	case 3:  cpu = (1ull << 32) + below(8); break;     /* a CPU if cut to 32 bits */
	case 4:  cpu = -1 - below(4); break;
	default: cpu = rnd(); break;
	}
	c.a[0] = cpu;
	int64_t got = fuzz_syscall(&c);
	if (cpu >= CPU_NEVER || got != 0)
		expect_error(&c, got, ERR(E_INVAL));
	if (cpu < sizeof(pin_seen)) {
		uint8_t now = got == 0 ? 1 : 2;
		if (pin_seen[cpu] && pin_seen[cpu] != now)
			broken(&c, got, "the same answer as for this CPU before");
		pin_seen[cpu] = now;
	}
	if (got != 0)
		return;
	cur_cpu = (int64_t)cpu;
	check_cpu();
	c = call_new(SYS_PIN);
	c.a[0] = home_cpu;
	expect_value(&c, fuzz_syscall(&c), 0);
	cur_cpu = home_cpu;
	check_cpu();
}

/* Mostly too long (refused at once); now and then a short one, really taken. */
static void op_sleep(void)
{
	struct call c = call_new(SYS_SLEEP);

	if (below(SLEEP_ODDS)) {
		switch (below(4)) {
		case 0:  c.a[0] = SYS_SLEEP_MAX_NS + 1 + below(1000); break;
		case 1:  c.a[0] = -1 - below(4); break;
		case 2:  c.a[0] = 1ull << (42 + below(22)); break;  /* 2^42 ns: over an hour */
		default: c.a[0] = rnd() | 1ull << 63; break;
		}
		expect_error(&c, fuzz_syscall(&c), ERR(E_INVAL));
		return;
	}
	c.a[0] = below(SLEEP_LONGEST + 1);
	int64_t before = read_clock();
	expect_value(&c, fuzz_syscall(&c), 0);
	int64_t slept = read_clock() - before;
	if (slept < (int64_t)c.a[0])
		broken(&c, slept, "at least the nanoseconds asked for between two clock() calls");
}

/* A number the kernel does not know: the kernel kills the task, by design. */
static void op_unknown(void)
{
	struct call c = { 0, { 0 } };    /* were it taken for another call: harmless arguments */

	switch (below(5)) {
	case 0:  c.nr = SYS_COUNT + below(64); break;
	case 1:  c.nr = (1ull << 32) + below(SYS_COUNT); break;  /* known if cut to 32 bits */
	case 2:  c.nr = -1 - below(4); break;
	case 3:  c.nr = 1ull << (32 + below(32)); break;
	default: c.nr = rnd() | 1ull << 63; break;
	}
	broken(&c, fuzz_syscall(&c), "the task killed (unknown number)");
}

static const struct {
	void (*run)(void);
	unsigned weight;
} ops[] = {
	{ op_write, 16 }, { op_map, 12 }, { op_unmap, 10 }, { op_jit_load, 8 },
	{ op_jit_run, 8 }, { op_jit_free, 6 }, { op_pin, 2 }, { op_sleep, 3 },
	{ op_plain, 6 },
};

static void one_step(void)
{
	unsigned total = 0, i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	uint64_t pick = below(total);
	for (i = 0; pick >= ops[i].weight; i++)
		pick -= ops[i].weight;
	ops[i].run();
}

int main(uint64_t arg)
{
	uint64_t calls_max = arg >> 32 ? arg >> 32 : DEFAULT_CALLS;
	struct call c;

	fuzz_seed = (uint32_t)arg;
	rnd_seed(fuzz_seed);
	model_init();
	for (unsigned i = 0; i < sizeof(imms) / sizeof(imms[0]); i++)
		imms[i] = (uint32_t)rnd();

	c = call_new(SYS_TASKID);
	my_id = fuzz_syscall(&c);
	if (my_id <= 0)
		broken(&c, my_id, "a task number above 0");
	c = call_new(SYS_GETCPU);
	home_cpu = cur_cpu = fuzz_syscall(&c);
	if (home_cpu < 0)
		broken(&c, home_cpu, "a CPU number");
	printf("fuzz: seed %u, %lu calls, task %ld on CPU %ld\n", fuzz_seed, calls_max, my_id,
	       home_cpu);

	while (fuzz_calls < calls_max) {
		fuzz_step++;
		if (below(KILL_ODDS) == 0)
			op_unknown();
		one_step();
	}
	return 0;
}
