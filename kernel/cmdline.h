#pragma once
/*
 * The kernel command line: a strict parser for the words lull knows.
 * Words follow Linux where Linux has one (nohz_full=, isolcpus=, pti=,
 * nopcid, loglevel=); the rest are lull's own. An unknown word or a bad
 * value is reported through the warn callback, naming the word and the
 * default that stays in force; parsing then goes on with the next word.
 * A word given again takes the later value, as in Linux, with a warning
 * when that changes the value in force.
 */
#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX        1024   /* longer command lines are cut, with a warning */
#define CMDLINE_LIST_MAX   256    /* ktest=, nohz_full=, isolcpus= values */
#define CMDLINE_NAME_MAX   32     /* experiment= */

struct cmdline {
	bool pti;                   /* pti=on|off, default on */
	bool pcid;                  /* nopcid clears it, default on */
	bool coalesce_tlbi;         /* coalesce_tlbi=on|off, default on */
	unsigned loglevel;          /* loglevel=0..7, default 6 (info) */
	unsigned long lazy_max_pages; /* lazy_max_pages=N, 0 = scale with CPUs */
	char ktest[CMDLINE_LIST_MAX];      /* ktest=a,b|all; empty: no tests */
	char experiment[CMDLINE_NAME_MAX]; /* experiment=name; empty: coalesce (see below) */
	/* CPU lists are kept as text here and checked by the code that owns them. */
	char nohz_full[CMDLINE_LIST_MAX];
	char isolcpus[CMDLINE_LIST_MAX];
	/*
	 * Fault injection, for tests: smp_phantom_apic=ID makes the boot CPU
	 * also try to start a CPU with this APIC id, which the MADT does not
	 * list, so the AP time-out path runs. 0: off.
	 */
	unsigned smp_phantom_apic;
	/*
	 * Fault injection into the deferred-flush protocol (mm/tlb.c), for
	 * tests and teaching: coalesce_order=v7 (v8 is right),
	 * coalesce_fault=no_entry_barrier|no_sender_barrier|nmi_restores_user|no_catch_up,
	 * coalesce_window=US (widen the v7 window and touch a vmalloc page in it).
	 */
	char coalesce_order[CMDLINE_NAME_MAX];
	char coalesce_fault[CMDLINE_NAME_MAX];
	unsigned coalesce_window;
	/* Kernel flushes the coalesce_stress suite does (0: its default). */
	unsigned coalesce_stress;
	/*
	 * The boot-time experiment (kernel/experiment.c): experiment=coalesce
	 * (coalescing off, then on; the default without ktest=), baseline (off
	 * only) or none; flushes per phase and the noise probe's gap threshold
	 * (0: the experiment's defaults, which also replace values out of range).
	 */
	unsigned experiment_flushes;
	unsigned experiment_threshold_us;
	bool shell;                 /* shell=on|off: the lull> prompt after the experiment, else power off */
	bool serial;                /* serial=on|off: off never touches COM1 (machines without one) */
	unsigned trace;             /* trace=N: events per CPU in the trace ring, 0 = off */
	/* The syscall fuzzer (suite fuzz): calls in all, and the first seed (32 bits; 0: from the TSC). */
	unsigned long fuzz_calls;
	unsigned long fuzz_seed;
	unsigned soak_seconds;      /* suite soak: how long (0: its default) */
};

typedef void (*cmdline_warn_fn)(const char *msg);

/* Fill *out with the defaults. */
void cmdline_defaults(struct cmdline *out);
/*
 * Parse text (may be NULL or empty) into *out, starting from the defaults.
 * Returns the number of warnings given.
 */
int cmdline_parse(const char *text, struct cmdline *out, cmdline_warn_fn warn);

/*
 * text as a console may show it: bytes outside printable ASCII, and the
 * backslash, become \xHH, so that a stray escape byte cannot drive the
 * terminal. What does not fit in size bytes is cut, ending "..."; out is
 * always NUL-terminated when size > 0.
 */
void cmdline_printable(const char *text, char *out, size_t size);

/* The parsed command line of this boot (kernel only). */
extern struct cmdline boot_cmdline;
