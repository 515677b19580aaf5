/*
 * The partition in force (smp/isolation.h).
 */
#include "smp/isolation.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "smp/ipi.h"
#include "smp/percpu.h"

struct housekeeping housekeeping;

static void warn_line(const char *msg)
{
	pr_warn("%s\n", msg);
}

static void isolation_print(void)
{
	char line[160];

	for (int t = 0; t < HK_TYPES; t++) {
		housekeeping_format(&housekeeping, t, line, sizeof(line));
		pr_info("%s\n", line);
	}
}

void isolation_init(void)
{
	const struct cmdline *c = &boot_cmdline;

	housekeeping_parse(c->nohz_full[0] ? c->nohz_full : 0, c->isolcpus[0] ? c->isolcpus : 0,
			   nr_cpus, &cpu_online_mask, &housekeeping, warn_line);
	isolation_print();
}

static int warnings;

static void count_warning(const char *msg)
{
	warnings++;
	pr_warn("%s\n", msg);
}

bool isolation_set(const char *cpus)
{
	struct housekeeping hk;

	warnings = 0;
	housekeeping_parse(cpus, 0, nr_cpus, &cpu_online_mask, &hk, count_warning);
	if (warnings)
		return false;
	housekeeping = hk;
	isolation_print();
	return true;
}
