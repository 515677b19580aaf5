/*
 * The HPET: only its main counter is used, as a reference clock for the
 * TSC. Its period is given in femtoseconds in the capabilities register.
 */
#include "arch/x86_64/hpet.h"
#include "kernel/printk.h"
#include "mm/ioremap.h"

#define HPET_CAP       0x000
#define HPET_CONFIG    0x010
#define HPET_COUNTER   0x0f0
#define HPET_ENABLE    1ull
#define FS_PER_MS      1000000000000ull
#define MAX_PERIOD_FS  100000000ull     /* the spec's limit: 100 ns */

static volatile uint64_t *regs;
static uint64_t ticks_per_ms;

bool hpet_init(uint64_t phys)
{
	uint64_t period;

	regs = ioremap(phys, 0x400);
	if (!regs)
		return false;
	period = regs[HPET_CAP / 8] >> 32;
	if (period == 0 || period > MAX_PERIOD_FS) {
		pr_warn("hpet: period %llu fs is not valid; not used\n", (unsigned long long)period);
		regs = 0;
		return false;
	}
	ticks_per_ms = FS_PER_MS / period;
	regs[HPET_CONFIG / 8] |= HPET_ENABLE;
	pr_info("hpet: %llu.%03llu MHz counter\n", (unsigned long long)(ticks_per_ms / 1000),
		(unsigned long long)(ticks_per_ms % 1000));
	return true;
}

bool hpet_present(void)
{
	return regs != 0;
}

uint64_t hpet_read(void)
{
	return regs[HPET_COUNTER / 8];
}

uint64_t hpet_ticks_per_ms(void)
{
	return ticks_per_ms;
}
