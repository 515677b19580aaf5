/*
 * The text of a trace dump (kernel/trace.h: trace_dump). docs/trace.md
 * describes the format and tools/trace.py parses it; a change here is a
 * change there, with the version in the begin line.
 *
 *   trace: begin version=1 tsc_khz=K cpus=N size=S base=B
 *   T cpu tsc type [arguments]          one per event, CPU by CPU, oldest first
 *   trace: cpu C kept K lost L          one per CPU
 *   trace: end events=E lost=L
 *
 * Event TSCs are printed minus B, the oldest one kept. Every line goes to
 * the serial console only: a machine reads it (kernel/printk.c:
 * printk_console).
 */
#include "kernel/trace.h"
#include "arch/x86_64/tsc.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/smp.h"

#define DUMP_CONSOLE "serial"

static const char *const type_names[TRACE_TYPES] = {
	[TRACE_ENTRY] = "entry", [TRACE_EXIT] = "exit", [TRACE_IPI_SENT] = "ipi_send",
	[TRACE_IPI_RECEIVED] = "ipi_recv", [TRACE_KFLUSH] = "kflush",
	[TRACE_CATCH_UP] = "catchup", [TRACE_TICK] = "tick", [TRACE_MARK] = "mark",
};
static const char *const entry_names[] = {
	[TRACE_FROM_SYSCALL] = "syscall", [TRACE_FROM_IRQ] = "irq",
	[TRACE_FROM_EXCEPTION] = "exception", [TRACE_FROM_NMI] = "nmi",
};
static const char *const ipi_names[IPI_KINDS] = {
	[IPI_CALL] = "call", [IPI_RESCHEDULE] = "resched", [IPI_NMI] = "nmi",
};

static const char *name_of(const char *const *names, unsigned count, unsigned i)
{
	return i < count && names[i] ? names[i] : "?";
}

#define NAME(table, i) name_of(table, sizeof(table) / sizeof(table[0]), i)

/* An event's arguments, with their leading space ("" if it has none). */
static void format_args(char *buf, size_t size, const struct trace_event *e)
{
	switch (e->type) {
	case TRACE_ENTRY:
		snprintf(buf, size, " %s %u", NAME(entry_names, e->a), e->c);
		break;
	case TRACE_IPI_SENT:
		snprintf(buf, size, " %u %s", e->b, NAME(ipi_names, e->a));
		break;
	case TRACE_IPI_RECEIVED:
		snprintf(buf, size, " %s", NAME(ipi_names, e->a));
		break;
	case TRACE_KFLUSH:
		if (e->a)
			snprintf(buf, size, " full %u", e->c);
		else
			snprintf(buf, size, " %u %u", e->b, e->c);
		break;
	case TRACE_CATCH_UP:
	case TRACE_MARK:
		snprintf(buf, size, " %u", e->c);
		break;
	default:
		buf[0] = 0;
	}
}

static uint64_t oldest_tsc(void)
{
	uint64_t base = UINT64_MAX;
	struct trace_event e;
	unsigned cpu;

	for_each_cpu(cpu, &cpu_online_mask)
		for (uint64_t i = 0; trace_get(cpu, i, &e); i++)
			if (e.tsc < base)
				base = e.tsc;
	return base == UINT64_MAX ? 0 : base;
}

uint64_t trace_print(void)
{
	uint64_t events = 0, lost = 0, base = oldest_tsc();
	struct trace_event e;
	char args[48];
	unsigned cpu;

	printk_console(DUMP_CONSOLE, "trace: begin version=1 tsc_khz=%llu cpus=%u size=%llu base=%llu\n",
		       (unsigned long long)tsc_khz, smp_online_count(),
		       (unsigned long long)trace_capacity(), (unsigned long long)base);
	for_each_cpu(cpu, &cpu_online_mask)
		for (uint64_t i = 0; trace_get(cpu, i, &e); i++, events++) {
			format_args(args, sizeof(args), &e);
			printk_console(DUMP_CONSOLE, "T %u %llu %s%s\n", cpu,
				       (unsigned long long)(e.tsc - base), NAME(type_names, e.type), args);
		}
	for_each_cpu(cpu, &cpu_online_mask) {
		printk_console(DUMP_CONSOLE, "trace: cpu %u kept %llu lost %llu\n", cpu,
			       (unsigned long long)trace_kept(cpu),
			       (unsigned long long)trace_lost(cpu));
		lost += trace_lost(cpu);
	}
	printk_console(DUMP_CONSOLE, "trace: end events=%llu lost=%llu\n",
		       (unsigned long long)events, (unsigned long long)lost);
	return events;
}
