/*
 * The experiment's options: from this boot's command line, or from the
 * shell's `run` (kernel/experiment.h). A bad value gets a message naming
 * it and the default that replaces it.
 */
#include "kernel/experiment.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "kernel/string.h"
#include "smp/cpulist.h"
#include "smp/percpu.h"

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
