#pragma once
/*
 * tlbsim: a machine model that runs lull's own protocol code.
 *
 * mm/tlb.c (the sender's condition, the flush IPI, the catch-up) and
 * mm/pti_cr3.c (the CR3 values and loads) are compiled for the host and
 * linked against a simulated x86-64 of up to SIM_CPUS CPUs. Each CPU runs
 * its program (cpu_programs.c) as a coroutine; every instruction group
 * that touches shared state or the TLB is a step, and a scheduler
 * (explore.c) picks which CPU takes the next step, which pending flush
 * IPI is delivered and where an NMI lands: every interleaving up to a
 * bound, or random ones from a printed seed.
 *
 * What the model keeps, as the SDM describes it and real CPUs do: a TLB
 * tagged by PCID, with global entries; CR3 writes with and without
 * NOFLUSH; INVLPG; INVPCID types 0-3; a walker that may fill any page the
 * loaded table maps at any moment (a speculative fill needs no access).
 * That last one is modelled exactly by keeping, per CPU, PCID and page,
 * the *set* of frames the TLB may hold: every step adds what the loaded
 * table maps, flushes remove. Memory is sequentially consistent: store
 * buffers and barriers are the spin model's (tests/model/), not this one's.
 *
 * The pages: SIM_PAGES vmalloc pages, mapped by the kernel table (and by
 * every address space's kernel table, which shares the kernel half), never
 * by a user table. Frames are numbered and never reused, so a stale
 * translation is never confused with a new one.
 *
 * The properties, checked after every step:
 *   stale_access: no access uses a translation that a completed
 *     flush_tlb_kernel_range() removed;
 *   promise: kflush_seen = g on a CPU means every flush up to generation g
 *     is applied there: no translation such a flush removed is usable
 *     there, in the current PCID, globally, or in a PCID the moment a CR3
 *     write with NOFLUSH loads it again.
 */
#include <stdbool.h>
#include <stdint.h>

#define SIM_CPUS   3
#define SIM_PAGES  2
#define SIM_PCIDS  4        /* 0 and lull's PCID_KERNEL 1, PCID_USER 2 */
#define SIM_FRAMES 32       /* frame ids 1..31: bits of a may-set */
#define SIM_VA(i)  (0xffffc90000000000ull + (uint64_t)(i) * 4096)
#define SIM_AS_PML4 0x200000ull     /* the task's table pair */
#define SIM_KERNEL_PML4 0x100000ull /* the kernel's own table */

/* How the simulated machine and kernel are configured (main.c). */
struct sim_config {
	const char *name;
	bool pti, pcid, invpcid, coalesce;
};

/* A broken variant of the code, kept to show the model catches it. */
enum sim_variant {
	VAR_CORRECT,
	VAR_PCID0_BEHIND_BRANCH,    /* the kernel stays in PCID 0 after PCIDE */
	VAR_NOPCID_BOOKKEEPING,     /* catch-up records without a flush (no PCID) */
	VAR_V7_ORDER,               /* coalesce_order=v7, through tlb_inject_fault */
	VAR_NO_CATCH_UP,            /* coalesce_fault=no_catch_up */
};

enum sim_violation { VIOL_NONE, VIOL_STALE_ACCESS, VIOL_PROMISE, VIOL_MACHINE };

/* One program step of a CPU (cpu_programs.c runs them). */
enum sim_op {
	OP_END, OP_BOOT, OP_ACCESS, OP_FLUSH, OP_TASK, OP_ROUND_TRIP, OP_TASK_END,
	OP_IDLE,
};
struct sim_step { enum sim_op op; int arg; };

struct sim_scenario {
	const char *name;
	unsigned cpus;
	unsigned isolated_mask;     /* CPUs isolated (nohz_full=) */
	unsigned nmi_mask;          /* CPUs an NMI may land on */
	struct sim_step prog[SIM_CPUS][16];
};

struct sim_call {                   /* a flush IPI queued for a CPU */
	void (*func)(void *);
	void *info;
	int from;
	bool queued, done;
};

struct sim_cpu {
	uint64_t cr3;               /* without bit 63, as a CR3 read shows it */
	bool pcide;
	bool user_mode;
	bool irq_on;
	bool in_nmi;
	bool idt_live;              /* lull's handlers installed: NMIs land */
	uint32_t may[SIM_PCIDS][SIM_PAGES];  /* frames the TLB may hold */
	uint32_t may_global[SIM_PAGES];
	struct sim_call calls[SIM_CPUS];     /* by sending CPU */
	const struct sim_step *pc;
	bool finished;
	bool (*blocked)(int cpu);            /* waiting: not runnable while true */
	int pending_revoke;                  /* frame this CPU's flush removes */
};

struct sim {
	const struct sim_config *cfg;
	const struct sim_scenario *sc;
	enum sim_variant variant;
	unsigned ncpus;
	struct sim_cpu cpu[SIM_CPUS];
	unsigned pte[SIM_PAGES];             /* frame id the page maps */
	unsigned next_frame;
	uint64_t revoked_gen[SIM_FRAMES];    /* generation of the flush removing it */
	bool revoked_done[SIM_FRAMES];       /* that flush has completed */
	int current;                         /* CPU whose coroutine runs, or -1 */
	unsigned nmis_left;
	uint64_t steps;
	enum sim_violation violation;
	char why[512];
	bool story;                          /* record the story (a replay) */
};
extern struct sim sim;

/* machine.c */
void machine_reset(const struct sim_config *cfg, const struct sim_scenario *sc,
		   enum sim_variant v);
void machine_saturate(void);         /* the walker's possible fills */
void machine_check(void);            /* the promise, every CPU */
void machine_access(int cpu, int page, const char *who);
bool machine_maps_vmalloc(int cpu);
void machine_set_pcide(int cpu);
void machine_violation(enum sim_violation v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void story(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *violation_name(enum sim_violation v);

/* explore.c: the coroutines and the scheduler */
void sim_yield(void);                /* end of a step: the scheduler decides */
void sim_wait(bool (*blocked)(int cpu));
struct sim_result {
	enum sim_violation violation;
	uint64_t runs, steps, max_steps;
	bool bounded_out;                /* a search bound cut the exploration */
	uint64_t seed;
};
void explore_exhaustive(const struct sim_config *cfg, const struct sim_scenario *sc,
			enum sim_variant v, unsigned preemptions, struct sim_result *r);
void explore_random(const struct sim_config *cfg, const struct sim_scenario *sc,
		    enum sim_variant v, uint64_t seed, uint64_t min_steps,
		    struct sim_result *r);
const char *explore_story(void);     /* of the last failing run, replayed */

/* cpu_programs.c */
void programs_boot(void);            /* kernel state and per-CPU areas */
void program_run(int cpu);           /* the coroutine's body */
void interrupt_deliver(int cpu, int from);
void interrupt_nmi(int cpu);
