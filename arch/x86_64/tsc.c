/*
 * TSC frequency.
 *
 * Stated figures come from CPUID: leaf 0x15 gives it exactly where the CPU
 * reports its crystal, leaf 0x16 gives the nominal base frequency. Measured
 * ones count TSC cycles across a known interval of a reference clock: the
 * HPET's counter, else the ACPI PM timer (firmware often hides the HPET),
 * else the PIT (channel 2, whose output can be polled through port 0x61
 * without any interrupt). The order:
 *
 *   CPUID 0x15, HPET, PM timer, CPUID 0x16, PIT
 *
 * A stated figure is not taken on trust when a reference clock can check
 * it: emulators report a model's figures whatever their TSC does (Bochs's
 * TSC counts instructions, yet its Ice Lake model states 1.5 GHz in leaf
 * 0x15), and firmware can be wrong. If it disagrees with the measurement
 * by more than TSC_TOLERANCE_PCT, the measurement wins, with a warning.
 */
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/pmtimer.h"
#include "kernel/printk.h"

#define PIT_HZ        1193182u
#define CALIBRATE_MS  20u
#define CHECK_MS      5u        /* a stated figure's check: 1% is far above its noise */
#define POLLS_MAX     10000000u
#define TSC_TOLERANCE_PCT 2u

uint64_t tsc_khz;
uint64_t tsc_at_entry;

/* Exact, where the CPU states its crystal frequency. */
static uint64_t from_cpuid_15(void)
{
	uint32_t a, b, c, d;

	if (boot_cpu.max_leaf >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (uint64_t)c * b / a / 1000;
	}
	return 0;
}

/* Nominal only: emulators report a model's figure whatever their TSC does. */
static uint64_t from_cpuid_16(void)
{
	uint32_t a, b, c, d;

	if (boot_cpu.max_leaf >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a & 0xffff)
			return (uint64_t)(a & 0xffff) * 1000;
	}
	return 0;
}

static uint64_t from_pit(unsigned ms)
{
	uint32_t latch = PIT_HZ * ms / 1000;
	uint64_t t0, t1;
	uint32_t polls = 0;

	/* Gate channel 2 on, speaker off; mode 0 (count down once), binary. */
	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0);
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	t0 = rdtsc();
	/* OUT2 (bit 5) rises when the count reaches zero. */
	while (!(inb(0x61) & 0x20))
		if (++polls == POLLS_MAX)
			return 0;
	t1 = rdtsc();
	return (t1 - t0) / ms;
}

static uint64_t from_hpet(unsigned ms)
{
	uint64_t window = hpet_ticks_per_ms() * ms;
	uint64_t h0 = hpet_read(), t0 = rdtsc(), h1, t1;
	uint32_t polls = 0;

	while ((h1 = hpet_read()) - h0 < window) {
		if (++polls == POLLS_MAX)
			return 0;
		cpu_relax();
	}
	t1 = rdtsc();
	/* Scale by the ticks that really passed, not the ones asked for. */
	return (t1 - t0) * hpet_ticks_per_ms() / (h1 - h0);
}

static uint64_t from_pmtimer(unsigned ms)
{
	uint32_t window = PMTIMER_HZ / 1000 * ms, mask = pmtimer_mask();
	uint32_t p0 = pmtimer_read(), p1, polls = 0;
	uint64_t t0 = rdtsc(), t1;

	/* Differences modulo the counter's width: a 24-bit one wraps every 4.7 s. */
	while (((p1 = pmtimer_read()) - p0) % (mask + 1ull) < window) {
		if (++polls == POLLS_MAX)
			return 0;
		cpu_relax();
	}
	t1 = rdtsc();
	return (t1 - t0) * PMTIMER_HZ / 1000 / ((p1 - p0) % (mask + 1ull));
}

/* Measured against the first reference clock there is; 0 if none answered. */
static uint64_t measure(unsigned ms, const char **how)
{
	uint64_t khz = 0;

	if (hpet_present() && (khz = from_hpet(ms))) {
		*how = "HPET";
		return khz;
	}
	if (pmtimer_present() && (khz = from_pmtimer(ms))) {
		*how = "ACPI PM timer";
		return khz;
	}
	return 0;
}

/* A stated figure, checked against a reference clock where there is one. */
static uint64_t checked(uint64_t stated, const char *source, const char **how)
{
	const char *ref;
	uint64_t seen = measure(CHECK_MS, &ref), diff;

	*how = source;
	if (!seen)
		return stated;
	diff = seen > stated ? seen - stated : stated - seen;
	if (diff * 100 <= stated * TSC_TOLERANCE_PCT)
		return stated;
	pr_warn("tsc: %s states %llu.%03llu MHz but the %s measures %llu.%03llu MHz; "
		"using the measurement\n", source, (unsigned long long)(stated / 1000),
		(unsigned long long)(stated % 1000), ref, (unsigned long long)(seen / 1000),
		(unsigned long long)(seen % 1000));
	/* Measure again over the full window: the check's is short. */
	return measure(CALIBRATE_MS, how);
}

void tsc_init(void)
{
	const char *how = "";

	if ((tsc_khz = from_cpuid_15()))
		tsc_khz = checked(tsc_khz, "CPUID 0x15", &how);
	if (!tsc_khz)
		tsc_khz = measure(CALIBRATE_MS, &how);
	if (!tsc_khz && (tsc_khz = from_cpuid_16()))
		how = "CPUID 0x16";
	if (!tsc_khz && (tsc_khz = from_pit(CALIBRATE_MS)))
		how = "PIT";
	if (!tsc_khz) {
		tsc_khz = 1000000;
		how = "a guess (no reference clock answered)";
		pr_warn("tsc: could not measure the TSC; assuming 1 GHz\n");
	}
	pr_info("tsc: %llu.%03llu MHz, from %s\n", (unsigned long long)(tsc_khz / 1000),
		(unsigned long long)(tsc_khz % 1000), how);
}

uint64_t tsc_to_us(uint64_t cycles)
{
	return tsc_khz ? cycles * 1000 / tsc_khz : 0;
}

void udelay(uint64_t us)
{
	uint64_t start = rdtsc(), cycles = us * tsc_khz / 1000;

	while (rdtsc() - start < cycles)
		cpu_relax();
}
