#pragma once
/*
 * Calling functions on other CPUs, with the semantics of Linux's
 * kernel/smp.c:
 *
 *   smp_call_function_many_cond(mask, func, info, wait, cond)
 *       runs func(info) on every online CPU in mask, except the caller,
 *       for which cond(cpu, info) is true (cond NULL: all). With wait, it
 *       returns once every selected CPU has finished func; CPUs that cond
 *       rejected get no IPI and are never waited for.
 *   on_each_cpu_cond_mask(cond, func, info, wait, mask)
 *       the same, and also runs func on the caller (interrupts off) when
 *       the caller is in mask and cond accepts it.
 *   smp_call_function_single(cpu, func, info, wait)
 *       one CPU; on the caller itself it runs func directly.
 *
 * func runs in interrupt context on the target: short, no sleeping, no
 * waiting for other calls. A caller that waits must have interrupts on, or
 * two CPUs waiting for each other would deadlock.
 */
#include <stdbool.h>
#include "smp/cpumask.h"

typedef void (*smp_call_func_t)(void *info);
typedef bool (*smp_cond_func_t)(unsigned cpu, void *info);

/* CPUs that have finished bring-up. Written at boot, read-only after. */
extern struct cpumask cpu_online_mask;

/* Descriptors and vectors; after smp_init, before interrupts are enabled. */
void ipi_init(void);

void smp_call_function_many_cond(const struct cpumask *mask, smp_call_func_t func,
				 void *info, bool wait, smp_cond_func_t cond);
void on_each_cpu_cond_mask(smp_cond_func_t cond, smp_call_func_t func, void *info,
			   bool wait, const struct cpumask *mask);
void on_each_cpu(smp_call_func_t func, void *info, bool wait);
/* 0, or -1 when cpu is not online. */
int smp_call_function_single(unsigned cpu, smp_call_func_t func, void *info, bool wait);

/* Wake a CPU (its idle loop looks for work). */
void smp_send_reschedule(unsigned cpu);
/* What the reschedule IPI does on its target besides waking it (kernel/sched.c). */
extern void (*smp_reschedule_hook)(void);
/*
 * From panic: every other online CPU prints its backtrace from an NMI, one
 * after the other, then stops.
 */
void smp_stop_others_with_backtrace(void);
/* Ask cpu to print its backtrace from an NMI (the call watchdog uses it). */
void smp_nmi_backtrace(unsigned cpu);

/* A stuck call is reported after this long. */
#define CALL_WATCHDOG_MS 5000
