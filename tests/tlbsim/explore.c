/*
 * The scheduler: one coroutine per simulated CPU, a choice at
 * every step among the CPUs that can go on, the flush IPIs that can be
 * delivered (to a CPU with interrupts on) and the NMIs that can land.
 *
 * explore_exhaustive: every sequence of choices, by re-running the
 * machine from the start with a longer prefix each time (a depth-first
 * search over choice sequences), with at most `preemptions` switches away
 * from a CPU that could have gone on (the bound that makes it finite and
 * small; bugs of this kind need few). explore_random: random choices from
 * a seed until min_steps steps have run; a failing run is replayed from
 * its recorded choices with the story on.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tests/tlbsim/sim.h"
#include "arch/x86_64/entry_area.h"
#include "smp/percpu.h"

#define MAX_RUN_STEPS 4000
#define STACK_SIZE (256 * 1024)

enum action { ACT_CONTINUE, ACT_DELIVER, ACT_NMI };
struct option { int cpu; enum action act; int from; };

/*
 * Coroutines: a switch saves the callee-saved registers on the old stack
 * and its stack pointer in *from, then takes up the other stack (the
 * System V ABI leaves nothing else to keep). glibc's swapcontext would
 * also make a system call per switch for the signal mask.
 */
typedef void *coroutine_t;         /* a saved stack pointer */
void coroutine_switch(coroutine_t *from, coroutine_t to);
__asm__(".text\n"
	".globl coroutine_switch\n"
	"coroutine_switch:\n"
	"	push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	mov %rsp, (%rdi)\n"
	"	mov %rsi, %rsp\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
	"	ret\n"
	"coroutine_start:\n"          /* first switch to a new one: r12 = cpu */
	"	mov %r12, %rdi\n"
	"	call cpu_main\n"
	"	ud2\n");
extern char coroutine_start[];

static coroutine_t sched_ctx, cpu_ctx[SIM_CPUS];

/* A new coroutine for cpu on stack: the frame coroutine_switch pops. */
static coroutine_t coroutine_new(char *stack, size_t size, int cpu)
{
	uint64_t *sp = (uint64_t *)((uintptr_t)(stack + size) & ~15ull);

	*--sp = 0;                            /* alignment: entry as after a call */
	*--sp = (uint64_t)coroutine_start;    /* ret */
	*--sp = 0;                            /* rbp */
	*--sp = 0;                            /* rbx */
	*--sp = (uint64_t)cpu;                /* r12 */
	*--sp = 0;                            /* r13 */
	*--sp = 0;                            /* r14 */
	*--sp = 0;                            /* r15 */
	return sp;
}
static char *stacks[SIM_CPUS];
static struct option chosen[SIM_CPUS];
extern struct entry_area sim_ea[SIM_CPUS];

/* The choice sequence of the current run. */
static unsigned choice[MAX_RUN_STEPS], nopts[MAX_RUN_STEPS];
static unsigned prefix_len, run_len;
static enum { PICK_PREFIX, PICK_RANDOM } pick_mode;
static uint64_t rng;
static unsigned preempt_bound, preempts, last_cpu;

/*
 * this_cpu() reads %gs:0, as in the kernel. GS points at one word, set
 * once (a system call); switching CPUs rewrites that word.
 */
static struct percpu *gs_word;

static void set_gs(int cpu)
{
	static bool installed;

	if (!installed) {
		if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&gs_word)) {
			perror("tlbsim: arch_prctl(ARCH_SET_GS)");
			exit(2);
		}
		installed = true;
	}
	gs_word = sim_ea[cpu].percpu;
}

/* Back on CPU c: take what the scheduler chose, until it says go on. */
static void resumed(int c)
{
	for (;;) {
		sim.current = c;
		switch (chosen[c].act) {
		case ACT_CONTINUE:
			return;
		case ACT_DELIVER:
			interrupt_deliver(c, chosen[c].from);
			break;
		case ACT_NMI:
			interrupt_nmi(c);
			break;
		}
		coroutine_switch(&cpu_ctx[c], sched_ctx);
	}
}

void sim_yield(void)
{
	int c = sim.current;

	coroutine_switch(&cpu_ctx[c], sched_ctx);
	resumed(c);
}

void sim_wait(bool (*blocked)(int cpu))
{
	struct sim_cpu *p = &sim.cpu[sim.current];

	p->blocked = blocked;
	while (blocked(sim.current))
		sim_yield();
	p->blocked = 0;
}

void cpu_main(int c);
void cpu_main(int c)
{
	resumed(c);            /* the first choice may be an interrupt too */
	program_run(c);
	for (;;) {             /* idle in the kernel: IPIs still land */
		sim.cpu[c].finished = true;
		sim_yield();
	}
}

static unsigned options(struct option *o)
{
	unsigned n = 0;

	for (unsigned c = 0; c < sim.ncpus; c++) {
		struct sim_cpu *p = &sim.cpu[c];
		bool can_go = !p->finished && !(p->blocked && p->blocked(c));

		if (can_go && (preempts < preempt_bound || c == last_cpu ||
			       sim.cpu[last_cpu].finished ||
			       (sim.cpu[last_cpu].blocked && sim.cpu[last_cpu].blocked(last_cpu))))
			o[n++] = (struct option){ c, ACT_CONTINUE, 0 };
		if (p->irq_on)
			for (unsigned f = 0; f < sim.ncpus; f++)
				if (p->calls[f].queued)
					o[n++] = (struct option){ c, ACT_DELIVER, f };
		if (sim.nmis_left && p->idt_live && !p->in_nmi && !p->finished &&
		    (sim.sc->nmi_mask >> c & 1))
			o[n++] = (struct option){ c, ACT_NMI, 0 };
	}
	return n;
}

static unsigned pick(unsigned k, unsigned n)
{
	if (k >= MAX_RUN_STEPS)
		return 0;
	if (pick_mode == PICK_PREFIX && k < prefix_len)
		return choice[k];
	if (pick_mode == PICK_RANDOM) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		choice[k] = (unsigned)(rng % n);
	} else {
		choice[k] = 0;
	}
	nopts[k] = n;
	return choice[k];
}

/* One run from reset; false if it hit the step limit. */
static bool run_once(const struct sim_config *cfg, const struct sim_scenario *sc,
		     enum sim_variant v, unsigned nmis)
{
	struct option o[SIM_CPUS * (SIM_CPUS + 2)];

	machine_reset(cfg, sc, v);
	sim.nmis_left = nmis;
	programs_boot();
	preempts = 0;
	last_cpu = 0;
	for (unsigned c = 0; c < sim.ncpus; c++) {
		if (!stacks[c])
			stacks[c] = malloc(STACK_SIZE);
		cpu_ctx[c] = coroutine_new(stacks[c], STACK_SIZE, (int)c);
	}
	for (run_len = 0;; run_len++) {
		machine_saturate();
		machine_check();
		if (sim.violation)
			return true;
		unsigned n = options(o);
		if (!n) {
			bool all = true;
			for (unsigned c = 0; c < sim.ncpus; c++)
				all &= sim.cpu[c].finished;
			if (!all) {
				char st[256] = "";
				for (unsigned c = 0; c < sim.ncpus; c++) {
					const struct sim_cpu *p = &sim.cpu[c];
					size_t l = strlen(st);
					snprintf(st + l, sizeof(st) - l, " cpu%u:%s%s%s%s", c,
						 p->finished ? " idle" : "",
						 p->blocked ? " waiting" : "",
						 p->irq_on ? " irq-on" : " irq-off",
						 p->calls[0].queued || p->calls[1].queued ||
						 p->calls[2].queued ? " ipi-queued" : "");
				}
				machine_violation(VIOL_MACHINE, "deadlock: no CPU can go on;%s", st);
			}
			return true;
		}
		if (run_len >= MAX_RUN_STEPS)
			return false;
		struct option x = o[pick(run_len, n)];
		if (x.act == ACT_CONTINUE) {
			if (x.cpu != (int)last_cpu && !sim.cpu[last_cpu].finished &&
			    !(sim.cpu[last_cpu].blocked && sim.cpu[last_cpu].blocked(last_cpu)))
				preempts++;
			last_cpu = x.cpu;
		} else if (x.act == ACT_DELIVER) {
			sim.cpu[x.cpu].calls[x.from].queued = false;
		} else {
			sim.nmis_left--;
		}
		chosen[x.cpu] = x;
		sim.current = x.cpu;
		sim.steps++;
		set_gs(x.cpu);
		coroutine_switch(&sched_ctx, cpu_ctx[x.cpu]);
		sim.current = -1;
	}
}

static void replay(const struct sim_config *cfg, const struct sim_scenario *sc,
		   enum sim_variant v, unsigned nmis)
{
	enum sim_violation was = sim.violation;

	prefix_len = run_len + 1;
	pick_mode = PICK_PREFIX;
	sim.story = true;
	run_once(cfg, sc, v, nmis);
	sim.story = false;
	if (sim.violation != was)
		fprintf(stderr, "tlbsim: the replay did not reproduce the run\n");
}

void explore_exhaustive(const struct sim_config *cfg, const struct sim_scenario *sc,
			enum sim_variant v, unsigned preemptions, struct sim_result *r)
{
	memset(r, 0, sizeof(*r));
	preempt_bound = preemptions;
	prefix_len = 0;
	pick_mode = PICK_PREFIX;
	for (;;) {
		if (!run_once(cfg, sc, v, 1))
			r->bounded_out = true;
		r->runs++;
		r->steps += sim.steps;
		if (sim.steps > r->max_steps)
			r->max_steps = sim.steps;
		if (sim.violation) {
			r->violation = sim.violation;
			replay(cfg, sc, v, 1);
			return;
		}
		unsigned len = run_len < MAX_RUN_STEPS ? run_len : MAX_RUN_STEPS;
		int k = (int)len - 1;
		while (k >= 0 && choice[k] + 1 >= nopts[k])
			k--;
		if (k < 0)
			return;
		choice[k]++;
		prefix_len = (unsigned)k + 1;
	}
}

void explore_random(const struct sim_config *cfg, const struct sim_scenario *sc,
		    enum sim_variant v, uint64_t seed, uint64_t min_steps, struct sim_result *r)
{
	memset(r, 0, sizeof(*r));
	r->seed = seed;
	rng = seed ? seed : 1;
	preempt_bound = ~0u;
	while (r->steps < min_steps) {
		pick_mode = PICK_RANDOM;
		prefix_len = 0;
		if (!run_once(cfg, sc, v, 2))
			r->bounded_out = true;
		r->runs++;
		r->steps += sim.steps;
		if (sim.steps > r->max_steps)
			r->max_steps = sim.steps;
		if (sim.violation) {
			r->violation = sim.violation;
			replay(cfg, sc, v, 2);
			return;
		}
	}
}
