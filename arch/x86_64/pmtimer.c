/*
 * The ACPI PM timer (arch/x86_64/pmtimer.h).
 *
 * Some old chipsets latch the counter badly and now and then return a value
 * caught while it changed, which can be far off. As Linux does, read it
 * three times and accept the middle read only when the three are in order
 * (modulo the wrap); otherwise read again.
 */
#include "arch/x86_64/pmtimer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "kernel/printk.h"

/* Reads a 3.58 MHz counter that is running must see change within. */
#define PMTIMER_PROBE_READS 100000u

static uint16_t port;
static uint32_t mask;

bool pmtimer_init(uint16_t at, bool bits32)
{
	uint32_t m = bits32 ? 0xffffffffu : 0xffffffu;
	uint32_t first = inl(at) & m;

	/* A port with nothing behind it reads all ones and never changes. */
	for (uint32_t i = 0; i < PMTIMER_PROBE_READS; i++) {
		if ((inl(at) & m) != first) {
			port = at;
			mask = m;
			return true;
		}
		cpu_relax();
	}
	pr_warn("pmtimer: the PM timer at port %#x does not count; not used\n", at);
	return false;
}

bool pmtimer_present(void)
{
	return port != 0;
}

uint32_t pmtimer_read(void)
{
	uint32_t a, b, c;

	do {
		a = inl(port) & mask;
		b = inl(port) & mask;
		c = inl(port) & mask;
	} while (((b - a) & mask) > ((c - a) & mask));    /* b not between a and c */
	return b;
}

uint32_t pmtimer_mask(void)
{
	return mask;
}
