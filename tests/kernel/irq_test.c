/*
 * ktest suite "irq": a device interrupt travels UART -> I/O APIC -> the
 * boot CPU's LAPIC; every CPU's LAPIC timer fires in one-shot and periodic
 * mode and falls silent when stopped. Counts only: no test here asserts a
 * time.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/tsc.h"
#include "kernel/ktest.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/worker.h"

/* Spin with interrupts on until *counter moves past start, for up to ms. */
static bool wait_past(volatile uint64_t *counter, uint64_t start, uint64_t ms)
{
	uint64_t end = rdtsc() + ms * tsc_khz;

	while (*counter == start && rdtsc() < end)
		cpu_relax();
	return *counter != start;
}

static void serial_irq_through_ioapic(struct ktest *t)
{
	const char msg[] = "lull";
	char got[sizeof(msg)] = { 0 };
	uint64_t irqs = serial_irqs;

	if (!serial_present())
		KT_SKIP(t, "no serial port");
	while (serial_getc() >= 0)
		;
	/* In loopback mode the UART receives what it sends, and raises its
	 * receive interrupt as for a byte from the wire. Drain first: bytes
	 * of the log still in the transmitter would loop back instead. */
	serial_drain();
	serial_set_loopback(true);
	for (unsigned i = 0; i < sizeof(msg) - 1; i++)
		serial_put_raw((uint8_t)msg[i]);
	for (unsigned i = 0; i < sizeof(msg) - 1; i++) {
		int c;
		uint64_t end = rdtsc() + 2000 * tsc_khz;
		while ((c = serial_getc()) < 0 && rdtsc() < end)
			cpu_relax();
		got[i] = (char)c;
	}
	serial_set_loopback(false);
	KT_EXPECT(t, serial_irqs > irqs);
	for (unsigned i = 0; i < sizeof(msg) - 1; i++)
		KT_EXPECT_EQ(t, got[i], msg[i]);
}

static bool timer_ok[MAX_CPUS];

/* On each CPU: one one-shot interrupt, then a periodic run, then silence. */
static void exercise_timer(void *arg)
{
	struct percpu *me = this_cpu();
	volatile uint64_t *ticks = &me->timer_ticks;
	uint64_t start = *ticks, stopped;
	bool ok = true;

	timer_oneshot_us(1000);
	ok &= wait_past(ticks, start, 2000);
	start = *ticks;
	udelay(20000);                            /* a one-shot fires once */
	ok &= *ticks == start;

	timer_periodic_hz(1000);
	for (int i = 0; i < 5 && ok; i++) {
		start = *ticks;
		ok &= wait_past(ticks, start, 2000);
	}
	timer_stop();
	udelay(2000);                             /* one in flight may still land */
	stopped = *ticks;
	udelay(20000);
	ok &= *ticks == stopped;
	timer_ok[me->cpu] = ok;
}

static void timers_on_every_cpu(struct ktest *t)
{
	unsigned cpu;

	for (cpu = 0; cpu < nr_cpus; cpu++)
		timer_ok[cpu] = false;
	smp_run_everywhere(exercise_timer, 0);
	for_each_cpu(cpu, &cpu_online_mask) {
		if (!timer_ok[cpu])
			ktest_log("CPU %u: timer misbehaved", cpu);
		KT_EXPECT(t, timer_ok[cpu]);
	}
}

static const struct ktest_case irq_cases[] = {
	{ "serial_irq_through_ioapic", serial_irq_through_ioapic },
	{ "timers_on_every_cpu", timers_on_every_cpu },
};
KTEST_SUITE(irq_suite, "irq", irq_cases);
