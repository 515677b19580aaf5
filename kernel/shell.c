/*
 * The lull> shell on the console (serial, and the keyboard where there is
 * one). It runs in CPU 0's idle context once the boot-time experiment is
 * done, and halts between keystrokes: the serial and keyboard interrupts
 * are routed to CPU 0 and wake it.
 */
#include "kernel/shell.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "kernel/console.h"
#include "kernel/experiment.h"
#include "kernel/power.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/sched.h"
#include "kernel/shell_line.h"
#include "kernel/string.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "mm/ptdump.h"
#include "mm/pti.h"
#include "mm/uvm.h"
#include "mm/paging.h"
#include "mm/tlb.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/worker.h"

#define READ(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

struct shell_cmd {
	const char *name;
	const char *usage;
	bool (*fn)(const char *args);
};

static bool cmd_help(const char *args);

static bool no_args(const char *name, const char *args)
{
	if (!*args)
		return true;
	printk("%s: takes no arguments (got '%s')\n", name, args);
	return false;
}

static bool cmd_cpus(const char *args)
{
	unsigned cpu;

	if (!no_args("cpus", args))
		return false;
	printk("CPU  APIC  class         running          mode\n");
	for_each_cpu(cpu, &cpu_online_mask) {
		struct percpu *p = cpu_area[cpu];
		struct task *t = READ(p->current);
		uint64_t state = READ(p->ea->cr3_state);
		printk("%3u  %4u  %-12s  %-15s  %s\n", cpu, p->apic_id,
		       cpu_is_isolated(cpu) ? "isolated" : "housekeeping",
		       t && t != p->idle_task ? t->name : "(idle)",
		       state == CR3_STATE_USER ? "user" : "kernel");
	}
	printk("pti=%s pcid=%s coalesce_tlbi=%s, %u CPUs online\n", pti.pti ? "on" : "off",
	       pti.pcid ? "on" : "off", tlb_coalesce ? "on" : "off", smp_online_count());
	return true;
}

static bool cmd_stats(const char *args)
{
	struct tlb_stats s;
	unsigned cpu;

	if (!no_args("stats", args))
		return false;
	tlb_get_stats(&s);
	printk("kernel-range flushes %llu (%llu full), flush IPIs sent %llu (%llu to isolated "
	       "CPUs), skipped %llu\n", (unsigned long long)s.flushes, (unsigned long long)s.full,
	       (unsigned long long)s.ipis, (unsigned long long)s.ipis_isolated,
	       (unsigned long long)s.skipped);
	printk("spurious %llu, catch-ups %llu, entries up to date %llu, tasks alive %llu\n",
	       (unsigned long long)s.spurious, (unsigned long long)s.catchups,
	       (unsigned long long)s.uptodate, (unsigned long long)task_live());
	printk("CPU      entries   interrupts   flush IPIs    catch-ups     spurious        ticks\n");
	for_each_cpu(cpu, &cpu_online_mask) {
		struct percpu *p = cpu_area[cpu];
		printk("%3u%c %12llu %12llu %12llu %12llu %12llu %12llu\n", cpu,
		       cpu_is_isolated(cpu) ? '*' : ' ', (unsigned long long)percpu_entries(p),
		       (unsigned long long)percpu_irqs(p), (unsigned long long)READ(p->kflush_ipis),
		       (unsigned long long)READ(p->kflush_catchups),
		       (unsigned long long)READ(p->kflush_spurious),
		       (unsigned long long)READ(p->timer_ticks));
	}
	printk("(* isolated)\n");
	return true;
}

static bool cmd_run(const char *args)
{
	struct experiment_opts o = {
		.kind = EXPERIMENT_COALESCE, .flushes = EXPERIMENT_FLUSHES_DEFAULT,
		.threshold_us = EXPERIMENT_THRESHOLD_DEFAULT,
	};

	experiment_parse(args, &o);     /* bad words: a message each, and their defaults */
	return experiment_run(&o);
}

/* trace: dump the rings; trace on|off|clear. */
static bool cmd_trace(const char *args)
{
	if (!trace_available()) {
		printk("trace: no trace rings (boot with trace=N, N events per CPU)\n");
		return false;
	}
	if (!*args) {
		trace_dump();
		return true;
	}
	if (!strcmp(args, "on") || !strcmp(args, "off"))
		return trace_enable(args[1] == 'n');
	if (!strcmp(args, "clear"))
		return trace_clear();
	printk("trace: '%s': expected nothing, on, off or clear\n", args);
	return false;
}

/* ptdump: the kernel half; ptdump user: what a user table maps; ptdump wx: the W^X check. */
static bool cmd_ptdump(const char *args)
{
	if (!*args) {
		ptdump(kernel_pml4_phys, PTDUMP_KERNEL_HALF, 0, 0, 0);
		return true;
	}
	if (!strcmp(args, "wx"))
		return ptdump_check_wx() == 0;
	if (strcmp(args, "user")) {
		printk("ptdump: '%s': expected nothing, user or wx\n", args);
		return false;
	}
	/* A fresh address space: its user table as every task's starts. */
	struct addr_space *as = uvm_create();
	if (!as) {
		printk("ptdump: out of memory for an address space\n");
		return false;
	}
	ptdump(ptdump_table(as, true), PTDUMP_USER_HALF | PTDUMP_KERNEL_HALF, 0, 0, 0);
	uvm_destroy(as);
	return true;
}

static bool cmd_reboot(const char *args)
{
	if (!no_args("reboot", args))
		return false;
	power_reboot();
}

static bool cmd_poweroff(const char *args)
{
	if (!no_args("poweroff", args))
		return false;
	power_off(true);
}

static const struct shell_cmd cmds[] = {
	{ "help", "", cmd_help },
	{ "cpus", "", cmd_cpus },
	{ "stats", "", cmd_stats },
	{ "run", "[coalesce|baseline] [flushes=N] [threshold=US] [isolate=LIST]", cmd_run },
	{ "trace", "[on|off|clear]", cmd_trace },
	{ "ptdump", "[user|wx]", cmd_ptdump },
	{ "reboot", "", cmd_reboot },
	{ "poweroff", "", cmd_poweroff },
};

static const char *const helps[] = {
	"this list",
	"online CPUs: class, what runs, user or kernel mode",
	"flush counters: in all and per CPU",
	"the experiment (docs/bench.md); options out of range get their default",
	"dump the trace rings over serial (tools/trace.py reads it), or switch them",
	"page tables: the kernel half, a user table, or the W^X check",
	"restart the machine",
	"power off (QEMU, Bochs; elsewhere halt)",
};

static bool cmd_help(const char *args)
{
	if (!no_args("help", args))
		return false;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printk("  %s%s%s\n      %s\n", cmds[i].name, cmds[i].usage[0] ? " " : "",
		       cmds[i].usage, helps[i]);
	return true;
}

bool shell_execute(const char *line)
{
	char word[16];
	size_t n = 0;

	while (*line == ' ')
		line++;
	while (line[n] && line[n] != ' ')
		n++;
	if (!n)
		return true;            /* an empty line */
	const char *args = line + n;
	while (*args == ' ')
		args++;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strlen(cmds[i].name) == n && !strncmp(cmds[i].name, line, n))
			return cmds[i].fn(args);
	snprintf(word, sizeof(word), "%.*s", (int)n, line);
	printk("%s%s: unknown command; try help\n", word, n >= sizeof(word) ? "..." : "");
	return false;
}

static void prompt(void)
{
	printk("lull> ");
}

void shell_run(void)
{
	struct shell_line l;
	size_t erased = 0;

	shell_line_reset(&l);
	printk("lull: shell on the console; type help\n");
	prompt();
	for (;;) {
		int c = console_getc();
		if (c < 0) {
			console_wait_input();   /* halt until a key (or another interrupt) */
			continue;
		}
		switch (shell_line_feed(&l, c, &erased)) {
		case SHELL_ECHO:
			printk("%c", c == '\t' ? ' ' : c);
			break;
		case SHELL_ERASE:
			printk("\b \b");
			break;
		case SHELL_KILL:
			while (erased--)
				printk("\b \b");
			break;
		case SHELL_CANCEL:
			printk("^C\n");
			prompt();
			break;
		case SHELL_FULL:
			printk("\a");
			break;
		case SHELL_DONE:
			printk("\n");
			if (l.overflowed)
				printk("line longer than %d bytes: cut\n", SHELL_LINE_MAX - 1);
			shell_execute(l.buf);
			shell_line_reset(&l);
			prompt();
			break;
		case SHELL_NOTHING:
			break;
		}
	}
}
