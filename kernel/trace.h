#pragma once
/*
 * The trace: a ring of fixed-size events per CPU, recorded at the points
 * where the deferred-flush protocol does its work (entries from user mode,
 * exits, IPIs, kernel-range flushes, catch-ups, ticks), dumped over the
 * serial port and turned into a timeline on the host by tools/trace.py.
 * docs/trace.md is the walkthrough.
 *
 * Each CPU writes only its own ring, with no lock and no locked
 * instruction (kernel/trace.c says how an NMI and a dump stay safe).
 * trace=N on the command line gives every CPU N events and starts
 * recording at boot; trace=0, the default, allocates nothing, and every
 * hook below then costs one load and one branch.
 */
#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/traps.h"
#include "mm/tlb.h"

enum trace_type {
	TRACE_ENTRY = 1,    /* from user mode; a: enum trace_entry_kind, c: syscall nr or vector */
	TRACE_EXIT,         /* back to user mode */
	TRACE_IPI_SENT,     /* a: enum ipi_kind (smp/percpu.h), b: target CPU */
	TRACE_IPI_RECEIVED, /* a: enum ipi_kind */
	TRACE_KFLUSH,       /* flush_tlb_kernel_range: a: 1 if full, b: pages (capped), c: generation */
	TRACE_CATCH_UP,     /* an entry behind kflush_gen flushed: c: generation caught up to */
	TRACE_TICK,         /* the LAPIC timer interrupt */
	TRACE_MARK,         /* c: a value of the caller's (tests, experiment phases) */
	TRACE_TYPES
};

enum trace_entry_kind { TRACE_FROM_SYSCALL, TRACE_FROM_IRQ, TRACE_FROM_EXCEPTION, TRACE_FROM_NMI };

/* 16 bytes: four to a cache line. Generations keep their low 32 bits. */
struct trace_event {
	uint64_t tsc;
	uint8_t type;
	uint8_t a;
	uint16_t b;
	uint32_t c;
};
_Static_assert(sizeof(struct trace_event) == 16, "a trace event is 16 bytes");

/*
 * Recording is on: written by trace_enable() and friends (RELEASE), read
 * by every hook. The hooks' own load is relaxed, a plain load; trace_write
 * loads it again with ACQUIRE before it touches the ring.
 */
extern bool trace_on;

void trace_write(enum trace_type type, unsigned a, unsigned b, uint32_t c);

static inline bool trace_recording(void)
{
	return __builtin_expect(__atomic_load_n(&trace_on, __ATOMIC_RELAXED), 0);
}

/* The hooks, one line at each call site. */
static inline void trace_syscall_entry(uint64_t nr)
{
	if (trace_recording())
		trace_write(TRACE_ENTRY, TRACE_FROM_SYSCALL, 0, (uint32_t)nr);
}

/* An entry from user mode through the IDT: the vector says what kind. */
static inline void trace_trap_entry(uint64_t vector)
{
	if (trace_recording())
		trace_write(TRACE_ENTRY, vector == VEC_NMI ? TRACE_FROM_NMI :
			    vector >= VEC_FIRST_IRQ ? TRACE_FROM_IRQ : TRACE_FROM_EXCEPTION,
			    0, (uint32_t)vector);
}

static inline void trace_exit(void)
{
	if (trace_recording())
		trace_write(TRACE_EXIT, 0, 0, 0);
}

static inline void trace_ipi_sent(unsigned cpu, unsigned kind)
{
	if (trace_recording())
		trace_write(TRACE_IPI_SENT, kind, cpu, 0);
}

static inline void trace_ipi_received(unsigned kind)
{
	if (trace_recording())
		trace_write(TRACE_IPI_RECEIVED, kind, 0, 0);
}

/* A kernel-range flush of pages pages: full above the ceiling, as
 * tlb_flush_local_range() decides (mm/tlb.c). */
static inline void trace_kflush(uint64_t pages, uint64_t gen)
{
	if (trace_recording())
		trace_write(TRACE_KFLUSH, pages > TLB_FLUSH_CEILING,
			    pages > 0xffff ? 0xffff : (unsigned)pages, (uint32_t)gen);
}

static inline void trace_catch_up(uint64_t gen)
{
	if (trace_recording())
		trace_write(TRACE_CATCH_UP, 0, 0, (uint32_t)gen);
}

static inline void trace_tick(void)
{
	if (trace_recording())
		trace_write(TRACE_TICK, 0, 0, 0);
}

static inline void trace_mark(uint32_t value)
{
	if (trace_recording())
		trace_write(TRACE_MARK, 0, 0, value);
}

/*
 * Control, serialised by a lock in trace.c, with interrupts on: stopping
 * (and so clearing and dumping) waits for every CPU to take an IPI. The
 * one exception is trace_enable(false), below.
 */

/* Allocate every online CPU's ring (boot CPU, after smp, ipi and isolation). */
void trace_init(void);
/* Rings exist (trace=N, N > 0, and the allocation worked). */
bool trace_available(void);
/* Events per CPU (0: no rings). */
uint64_t trace_capacity(void);
/*
 * Start or stop recording; false if there are no rings to record into.
 * Once stopping returns true, no CPU is in the middle of a record, and
 * none starts one. With interrupts off it cannot wait for the others:
 * this CPU stops at once, and it returns false (call it again with
 * interrupts on before reading other CPUs' rings).
 */
bool trace_enable(bool on);
/* Empty every ring and zero the lost counts (recording resumes if it was on). */
bool trace_clear(void);
/*
 * Print every ring over the serial console (every console if there is
 * none): the block of docs/trace.md, read by tools/trace.py. Recording
 * stops while it reads and resumes if it was on; the rings are kept.
 * Returns the number of event lines printed.
 */
uint64_t trace_dump(void);

/*
 * What a ring holds, for tests and the dump: valid while recording is stopped. kept:
 * events still in cpu's ring; lost: events overwritten since the last
 * clear. trace_get: the i-th kept event, oldest first.
 */
uint64_t trace_kept(unsigned cpu);
uint64_t trace_lost(unsigned cpu);
bool trace_get(unsigned cpu, uint64_t i, struct trace_event *e);

/* The dump's text, of rings already stopped (kernel/trace_print.c, for
 * trace_dump): the number of event lines printed. */
uint64_t trace_print(void);
