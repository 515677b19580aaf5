/*
 * noise (arg = PROBE_ARG(threshold, sys_every)): a noise probe in the style of
 * Linux's osnoise tracer. It reads the TSC in a tight loop; a delta over
 * the threshold is a gap, time the CPU spent elsewhere (in the kernel, or,
 * under an emulator, in the host). It counts the gaps, their sum and the
 * largest, and publishes the figures in a page shared with the kernel
 * (SYS_SHARE, struct probe_page), so that the kernel reads them without
 * ever interrupting this CPU. After its start-up calls it makes no system
 * call (unless sys_every asks for one every sys_every publications, to
 * measure what kernel entries cost) until the kernel sets `stop`: then it
 * publishes the final figures, sets `done` and exits.
 *
 * Exit: 0, 1 if the shared page could not be set up.
 */
#include "user/lib/lull.h"

#define PUBLISH_EVERY 256       /* loops between two publications (a power of two) */

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Plain stores: the kernel reads each word whole; `done` orders the final set. */
static void publish(volatile struct probe_page *p, uint64_t loops, uint64_t gaps,
		    uint64_t gap_ticks, uint64_t max_gap, uint64_t now)
{
	p->loops = loops;
	p->gaps = gaps;
	p->gap_ticks = gap_ticks;
	p->max_gap = max_gap;
	p->last_tsc = now;
}

int main(uint64_t arg)
{
	uint64_t threshold = arg & PROBE_THRESHOLD_MASK, sys_every = arg >> 40, published = 0;
	int64_t page = sys_map(0, 4096, MAP_WRITE);

	if (page < 0 || sys_share((void *)page) < 0) {
		printf("noise: cannot share a page with the kernel (%ld)\n", page);
		return 1;
	}
	volatile struct probe_page *p = (volatile struct probe_page *)page;
	uint64_t loops = 0, gaps = 0, gap_ticks = 0, max_gap = 0;
	uint64_t prev = rdtsc(), now = prev;

	p->start_tsc = prev;
	for (;;) {
		now = rdtsc();
		uint64_t d = now - prev;

		if (d > threshold) {
			gaps++;
			gap_ticks += d;
			if (d > max_gap)
				max_gap = d;
		}
		prev = now;
		if (++loops % PUBLISH_EVERY)
			continue;
		publish(p, loops, gaps, gap_ticks, max_gap, now);
		/* Acquire: pairs with the kernel's release store of `stop`. */
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
			break;
		if (sys_every && ++published % sys_every == 0) {
			sys_getcpu();
			prev = rdtsc();         /* the call itself is not a gap */
		}
	}
	publish(p, loops, gaps, gap_ticks, max_gap, now);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);  /* the figures above are final */
	return 0;
}
