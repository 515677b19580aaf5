/*
 * The per-CPU trace rings (kernel/trace.h; docs/trace.md).
 *
 * Ownership. A ring's head and events are written by its own CPU while
 * recording is on, and by the CPU that holds control_lock while recording
 * is stopped and every CPU has been waited for (stop_and_wait). Nothing on
 * the recording path takes a lock or uses a locked instruction.
 *
 * A record (trace_write) runs with interrupts off, so an interrupt never
 * lands inside one. An NMI can: it may record too (an NMI from user mode,
 * the NMI IPI's arrival, a paranoid catch-up). So the slot is reserved
 * before it is filled, with one XADD without a LOCK prefix: one
 * instruction, so no interrupt or NMI on this CPU splits it, and no other
 * CPU writes head meanwhile. An NMI that comes after the reservation takes
 * the next slot, fills it and returns; the interrupted record then fills
 * its own. Both are kept; they may be out of TSC order by the NMI's length,
 * which tools/trace.py sorts out.
 *
 * Stopping (the dump, a clear, trace_enable(false)): trace_on := false,
 * then an IPI to every CPU, waited for (stop_and_wait). A CPU takes it only
 * between records, and loads trace_on false in any record after it.
 *
 * The dump's text is kernel/trace_print.c's.
 */
#include "kernel/trace.h"
#include "arch/x86_64/cpu.h"
#include "kernel/cmdline.h"
#include "kernel/printk.h"
#include "mm/pmm.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/spinlock.h"

/* Fewer slots than this and an NMI could wrap onto the slot it interrupted. */
#define TRACE_MIN_EVENTS 16
#define RFLAGS_IF        (1ull << 9)

struct trace_ring {
	uint64_t head;              /* events recorded since the last clear; next slot head % size */
	uint64_t size;              /* events it holds */
	struct trace_event events[];
};

bool trace_on;
static uint64_t ring_size;      /* 0: no rings. Set once by trace_init. */
static spinlock_t control_lock = SPINLOCK_INIT;

/*
 * Reserve the next slot: *p += 1, returning the old value, as one
 * instruction (see the top of this file for why no LOCK is needed).
 */
static inline uint64_t local_fetch_inc(uint64_t *p)
{
	uint64_t v = 1;

	__asm__ volatile("xaddq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

void trace_write(enum trace_type type, unsigned a, unsigned b, uint32_t c)
{
	uint64_t tsc = rdtsc();
	uint64_t flags = irq_save();
	struct trace_ring *r;

	/* Checked again with interrupts off: stop_and_wait relies on it.
	 * ACQUIRE pairs with the RELEASE stores of trace_on below, so the
	 * ring (and a clear's head = 0) is seen as it was set up. */
	if (__atomic_load_n(&trace_on, __ATOMIC_ACQUIRE) && (r = this_cpu()->trace)) {
		struct trace_event *e = &r->events[local_fetch_inc(&r->head) % r->size];

		e->tsc = tsc;
		e->type = (uint8_t)type;
		e->a = (uint8_t)a;
		e->b = (uint16_t)b;
		e->c = c;
	}
	irq_restore(flags);
}

static struct trace_ring *ring_of(unsigned cpu)
{
	return cpu < nr_cpus && cpu_area[cpu] ? cpu_area[cpu]->trace : 0;
}

static uint64_t ring_pages(uint64_t events)
{
	uint64_t bytes = sizeof(struct trace_ring) + events * sizeof(struct trace_event);

	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/*
 * From the direct map, never vmalloc: an entry records before its
 * catch-up flush, when only vmalloc translations may still be stale.
 */
void trace_init(void)
{
	uint64_t n = boot_cmdline.trace, pages;
	unsigned cpu, done = 0;

	if (!n)
		return;
	if (n < TRACE_MIN_EVENTS) {
		pr_warn("trace: trace=%llu is below %d events per CPU; using %d\n",
			(unsigned long long)n, TRACE_MIN_EVENTS, TRACE_MIN_EVENTS);
		n = TRACE_MIN_EVENTS;
	}
	pages = ring_pages(n);
	for_each_cpu(cpu, &cpu_online_mask) {
		uint64_t phys = pmm_alloc_range(pages, PAGE_SIZE, UINT64_MAX);
		if (!phys)
			break;
		struct trace_ring *r = phys_to_virt(phys);
		r->size = n;            /* head: 0, the frames come zeroed */
		cpu_area[cpu]->trace = r;
		done++;
	}
	if (done < smp_online_count()) {
		pr_warn("trace: no memory for %llu events per CPU (%llu KiB on each of %u CPUs); "
			"tracing stays off\n", (unsigned long long)n,
			(unsigned long long)(pages * PAGE_SIZE / 1024), smp_online_count());
		for_each_cpu(cpu, &cpu_online_mask)
			if (cpu_area[cpu]->trace) {
				pmm_free_range(virt_to_phys(cpu_area[cpu]->trace), pages);
				cpu_area[cpu]->trace = 0;
			}
		return;
	}
	ring_size = n;
	pr_info("trace: %llu events per CPU (%llu KiB each), recording\n",
		(unsigned long long)n, (unsigned long long)(pages * PAGE_SIZE / 1024));
	__atomic_store_n(&trace_on, true, __ATOMIC_RELEASE);   /* pairs with trace_write() */
}

bool trace_available(void)
{
	return ring_size != 0;
}

uint64_t trace_capacity(void)
{
	return ring_size;
}

static void nothing(void *info)
{
}

/*
 * Stop recording and wait until no CPU is inside a record; false (still
 * stopped, but not waited for) if interrupts are off, as waiting for other
 * CPUs then could deadlock. The store of false comes before the call's
 * RELEASE push (smp/ipi.c: queue_push), which pairs with the ACQUIRE of
 * the target's handler: every record the target starts after the call
 * reads false. A record runs with interrupts off, so one in progress ended
 * before the target took the call (an NMI's too: an NMI runs to its end
 * before the CPU takes an interrupt). The call's completion (desc_unlock,
 * RELEASE; desc_wait, ACQUIRE) makes every event it wrote visible here.
 */
static bool stop_and_wait(void)
{
	__atomic_store_n(&trace_on, false, __ATOMIC_RELEASE);
	if (!(read_rflags() & RFLAGS_IF))
		return false;
	on_each_cpu(nothing, 0, true);
	return true;
}

bool trace_enable(bool on)
{
	bool ok = true;

	if (!ring_size)
		return !on;
	/* Stopping with interrupts off cannot wait, so it takes no lock
	 * either: the holder may be waiting for this CPU to take its IPI. */
	if (!on && !(read_rflags() & RFLAGS_IF))
		return stop_and_wait();
	spin_lock(&control_lock);
	if (on)
		__atomic_store_n(&trace_on, true, __ATOMIC_RELEASE);  /* pairs with trace_write() */
	else
		ok = stop_and_wait();
	spin_unlock(&control_lock);
	return ok;
}

bool trace_clear(void)
{
	unsigned cpu;

	if (!ring_size)
		return false;
	spin_lock(&control_lock);
	bool was_on = __atomic_load_n(&trace_on, __ATOMIC_RELAXED);
	bool ok = stop_and_wait();
	if (ok)
		for_each_cpu(cpu, &cpu_online_mask)
			cpu_area[cpu]->trace->head = 0;
	if (was_on)
		__atomic_store_n(&trace_on, true, __ATOMIC_RELEASE);  /* pairs with trace_write() */
	spin_unlock(&control_lock);
	return ok;
}

uint64_t trace_kept(unsigned cpu)
{
	struct trace_ring *r = ring_of(cpu);

	return !r ? 0 : r->head < r->size ? r->head : r->size;
}

uint64_t trace_lost(unsigned cpu)
{
	struct trace_ring *r = ring_of(cpu);

	return r && r->head > r->size ? r->head - r->size : 0;
}

bool trace_get(unsigned cpu, uint64_t i, struct trace_event *e)
{
	struct trace_ring *r = ring_of(cpu);

	if (!r || i >= trace_kept(cpu))
		return false;
	*e = r->events[(r->head - trace_kept(cpu) + i) % r->size];
	return true;
}

uint64_t trace_dump(void)
{
	uint64_t events = 0;

	if (!ring_size) {
		pr_info("trace: no trace rings (trace=0, or no memory for them): nothing to dump\n");
		return 0;
	}
	spin_lock(&control_lock);
	bool was_on = __atomic_load_n(&trace_on, __ATOMIC_RELAXED);
	if (stop_and_wait())
		events = trace_print();
	else
		pr_err("trace: a dump needs interrupts on; not dumped\n");
	if (was_on)
		__atomic_store_n(&trace_on, true, __ATOMIC_RELEASE);  /* pairs with trace_write() */
	spin_unlock(&control_lock);
	return events;
}
