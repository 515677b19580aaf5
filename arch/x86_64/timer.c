/*
 * The LAPIC timer, calibrated once on the boot CPU: every CPU's LAPIC
 * timer runs from the same bus clock, so one figure serves all.
 */
#include "arch/x86_64/timer.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "kernel/printk.h"
#include "kernel/trace.h"
#include "smp/percpu.h"

#define CALIBRATE_MS 10

static uint64_t ticks_per_ms;
void (*timer_tick_hook)(void);

static void timer_irq(struct trap_frame *f)
{
	this_cpu()->timer_ticks++;
	trace_tick();
	if (timer_tick_hook)
		timer_tick_hook();
}

void timer_init(void)
{
	ticks_per_ms = lapic_timer_measure(CALIBRATE_MS * tsc_khz) / CALIBRATE_MS;
	if (!ticks_per_ms) {
		pr_warn("timer: the LAPIC timer did not count; assuming 100 MHz\n");
		ticks_per_ms = 100000 / 16;
	}
	irq_register(VEC_TIMER, timer_irq);
	pr_info("timer: LAPIC timer %llu ticks/ms (divide by 16)\n",
		(unsigned long long)ticks_per_ms);
}

uint64_t timer_ticks_per_ms(void)
{
	return ticks_per_ms;
}

static uint32_t clamp_ticks(uint64_t ticks)
{
	if (ticks == 0)
		return 1;
	return ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks;
}

void timer_periodic_hz(unsigned hz)
{
	lapic_timer_periodic(clamp_ticks(ticks_per_ms * 1000 / (hz ? hz : 1)));
}

void timer_oneshot_us(uint64_t us)
{
	lapic_timer_oneshot(clamp_ticks(ticks_per_ms * us / 1000));
}

void timer_stop(void)
{
	lapic_timer_stop();
}
