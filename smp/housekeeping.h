#pragma once
/*
 * The housekeeping / isolated CPU partition, from nohz_full= and isolcpus=,
 * as Linux's kernel/sched/isolation.c computes it. Pure: it builds for the
 * kernel and for the host tests alike.
 *
 * A housekeeping type is a kind of kernel work; hk[t] is the CPUs that do
 * it. A CPU left out of hk[t] is isolated from t: lull keeps that work off
 * it. How Linux's types map onto lull's (Linux 6.15 folded the nohz_full
 * ones into HK_TYPE_KERNEL_NOISE; older kernels list them one by one):
 *
 *   HK_TICK      Linux TICK: the periodic tick.
 *   HK_NOISE     Linux TIMER, RCU, MISC, WQ, KTHREAD: timers, RCU
 *                callbacks, kernel threads, per-CPU workqueue work.
 *   HK_IRQ       Linux MANAGED_IRQ: device interrupts.
 *   HK_UNBOUND   Linux DOMAIN: scheduler domains, load balancing and
 *                unbound work.
 *
 * The words that set them (Documentation/admin-guide/kernel-parameters.txt):
 *
 *   nohz_full=L                  L isolated from HK_TICK and HK_NOISE
 *   isolcpus=[flag,...]L         per flag: nohz -> HK_TICK + HK_NOISE,
 *                                domain -> HK_UNBOUND,
 *                                managed_irq -> HK_IRQ;
 *                                no known flag at all means domain
 *
 * L is a CPU list (smp/cpulist.h). As in Linux, nohz_full= does not isolate
 * from HK_UNBOUND: isolcpus=domain does that.
 */
#include <stddef.h>
#include "smp/cpumask.h"

enum hk_type {
	HK_TICK,
	HK_NOISE,
	HK_IRQ,
	HK_UNBOUND,
	HK_TYPES
};

struct housekeeping {
	struct cpumask hk[HK_TYPES];    /* CPUs doing type t housekeeping */
	struct cpumask isolated;        /* CPUs isolated from at least one type */
};

/*
 * Compute *out for a machine of nr_cpus CPUs (capped at NR_CPUS_MAX), of
 * which those in *online run (NULL: all of them), from the values of
 * nohz_full= and isolcpus=. NULL means the word was not
 * given; "" means it was given with an empty value, which is warned about.
 * struct cmdline keeps "" for a word not given and has already warned
 * about an empty one, so its caller passes `c->nohz_full[0] ? c->nohz_full
 * : NULL`.
 *
 * Every problem gives one line to warn (which may be NULL) and a sane
 * result; *out is always written:
 *  - a list that does not parse, or names a CPU at or past nr_cpus: that
 *    word is ignored;
 *  - an empty value, or isolcpus= flags with no list: that word is ignored;
 *  - an unknown isolcpus= flag: skipped;
 *  - CPU 0, the boot CPU, in a list: it stays housekeeping for every type;
 *  - a CPU in a list that exists but is not online: left out (it runs
 *    nothing); CPUs not online do no housekeeping either;
 *  - isolcpus= flags none of which is known: as no flag (domain), said so;
 *  - nohz_full= and isolcpus=nohz with different lists: both apply, so the
 *    union is isolated from HK_TICK and HK_NOISE (Linux refuses the second);
 *  - a type left with no housekeeping CPU: no isolation at all.
 */
void housekeeping_parse(const char *nohz_full, const char *isolcpus, unsigned nr_cpus,
			const struct cpumask *online, struct housekeeping *out,
			void (*warn)(const char *msg));

/* "tick", "noise", "irq", "unbound"; "?" for anything else. */
const char *housekeeping_type_name(enum hk_type t);

/*
 * One line for the boot log, without a newline: "housekeeping tick: 0-3
 * (isolated 4-7)", or "housekeeping irq: 0-7" when no CPU is isolated from
 * t. Always NUL-terminated when len > 0; returns the length the whole line
 * needs, like snprintf.
 */
int housekeeping_format(const struct housekeeping *hk, enum hk_type t, char *buf, size_t len);
