/*
 * panic() and backtraces.
 *
 * The kernel is built with frame pointers, so each frame starts with the
 * caller's RBP and the return address. The walk checks every frame pointer
 * before reading through it: it must be aligned, in the kernel half, mapped,
 * and above the last one (stacks grow down, so callers' frames lie higher).
 */
#include "kernel/panic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "kernel/ktest.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/symbols.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "smp/ipi.h"
#include "smp/percpu.h"

#define BACKTRACE_MAX 32

static bool readable(uint64_t addr)
{
	uint64_t flags = addr < KERNEL_VMA && addr < DIRECT_MAP_BASE ? 0 : 1;

	if (!flags || !direct_map_live)
		return flags && addr >= KERNEL_VMA;
	return paging_lookup(read_cr3() & PTE_ADDR, addr, 0) &&
	       paging_lookup(read_cr3() & PTE_ADDR, addr + 15, 0);
}

static void print_address(uint64_t addr)
{
	uint64_t off, size;
	const char *name = symbol_lookup(addr, &off, &size);

	if (name)
		printk(KERN_EMERG "  [<%016llx>] %s+%#llx/%#llx\n", (unsigned long long)addr,
		       name, (unsigned long long)off, (unsigned long long)size);
	else
		printk(KERN_EMERG "  [<%016llx>] ?\n", (unsigned long long)addr);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	printk(KERN_EMERG "Call trace:\n");
	print_address(rip);
	for (int depth = 0; depth < BACKTRACE_MAX && rbp; depth++) {
		if (rbp % 8 || !readable(rbp))
			break;
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < KERNEL_VMA)
			break;
		/* A return address points after the call: name the call. */
		print_address(ret - 1);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static void __attribute__((noreturn)) panic_finish(void)
{
	smp_stop_others_with_backtrace();
	if (ktest_running())
		printk_always("KTAP END: kernel panic during tests\n");
	power_off(false);
}

/* The CPU that panicked first (-1: none). Only it reports and stops the
 * others; a second CPU that panics meanwhile just stops, and is then
 * reported by the NMI backtrace the first one asks of it. */
static int panic_cpu = -1;

static void panic_header(const char *fmt, va_list ap)
{
	int none = -1, me = (int)smp_processor_id();

	irq_disable();
	if (!__atomic_compare_exchange_n(&panic_cpu, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (none == me) {       /* the report itself faulted: stop here */
			printk(KERN_EMERG "Kernel panic on CPU %d while panicking; halted\n", me);
			cpu_halt_forever();
		}
		for (;;)                /* NMIs stay open for the first CPU's request */
			__asm__ volatile("hlt");
	}
	printk_enter_panic();
	printk(KERN_EMERG "Kernel panic on CPU %u: ", smp_processor_id());
	vprintk(fmt, ap);
	printk(KERN_EMERG "\n");
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uint64_t rbp;

	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	backtrace_print((uint64_t)__builtin_return_address(0), ((uint64_t *)rbp)[0]);
	panic_finish();
}

void panic_trap(const struct trap_frame *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	panic_header(fmt, ap);
	va_end(ap);
	trap_dump(f);
	backtrace_print(f->rip, f->rbp);
	panic_finish();
}
