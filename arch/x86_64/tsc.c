/*
 * TSC frequency. CPUID leaf 0x15 gives it exactly where the CPU reports its
 * crystal; otherwise count TSC cycles across a known interval of the HPET's
 * counter; then trust leaf 0x16's nominal base frequency; then count
 * against the PIT (channel 2, whose output can be polled through port 0x61
 * without any interrupt).
 */
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/io.h"
#include "kernel/printk.h"

#define PIT_HZ        1193182u
#define PIT_MS        20u
#define PIT_POLLS_MAX 10000000u

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

static uint64_t from_pit(void)
{
	uint32_t latch = PIT_HZ * PIT_MS / 1000;
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
		if (++polls == PIT_POLLS_MAX)
			return 0;
	t1 = rdtsc();
	return (t1 - t0) / PIT_MS;
}

static uint64_t from_hpet(void)
{
	uint64_t window = hpet_ticks_per_ms() * PIT_MS;
	uint64_t h0 = hpet_read(), t0 = rdtsc(), h1, t1;

	while ((h1 = hpet_read()) - h0 < window)
		cpu_relax();
	t1 = rdtsc();
	/* Scale by the ticks that really passed, not the ones asked for. */
	return (t1 - t0) * hpet_ticks_per_ms() / (h1 - h0);
}

void tsc_init(void)
{
	const char *how = "CPUID 0x15";

	/* Stated exactly, then measured against the HPET, then the nominal
	 * figure, then measured against the PIT. */
	tsc_khz = from_cpuid_15();
	if (!tsc_khz && hpet_present()) {
		tsc_khz = from_hpet();
		how = "HPET";
	}
	if (!tsc_khz && (tsc_khz = from_cpuid_16()))
		how = "CPUID 0x16";
	if (!tsc_khz) {
		tsc_khz = from_pit();
		how = "PIT";
	}
	if (!tsc_khz) {
		tsc_khz = 1000000;
		how = "a guess (no PIT answered)";
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
