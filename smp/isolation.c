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

void isolation_init(void)
{
	const struct cmdline *c = &boot_cmdline;
	char line[160];

	housekeeping_parse(c->nohz_full[0] ? c->nohz_full : 0, c->isolcpus[0] ? c->isolcpus : 0,
			   nr_cpus, &cpu_online_mask, &housekeeping, warn_line);
	for (int t = 0; t < HK_TYPES; t++) {
		housekeeping_format(&housekeeping, t, line, sizeof(line));
		pr_info("%s\n", line);
	}
}
