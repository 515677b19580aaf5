/*
 * Local APIC access. xAPIC: 32-bit registers at 16-byte strides in an
 * uncached page. x2APIC: the same register at MSR 0x800 + offset / 16, the
 * ICR as one 64-bit MSR, and 32-bit APIC ids.
 */
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "kernel/printk.h"
#include "mm/ioremap.h"

#define MSR_APIC_BASE      0x1b
#define APIC_BASE_ENABLE   (1ull << 11)
#define APIC_BASE_X2APIC   (1ull << 10)

enum {
	REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_EOI = 0xb0,
	REG_SVR = 0xf0, REG_ESR = 0x280, REG_ICR_LO = 0x300, REG_ICR_HI = 0x310,
	REG_LVT_TIMER = 0x320, REG_LVT_LINT0 = 0x350, REG_LVT_LINT1 = 0x360,
	REG_LVT_ERROR = 0x370, REG_TIMER_INIT = 0x380, REG_TIMER_CUR = 0x390,
	REG_TIMER_DIV = 0x3e0,
};

#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define ICR_PENDING       (1u << 12)
#define ICR_LEVEL_ASSERT  (1u << 14)
#define ICR_FIXED         (0u << 8)
#define ICR_NMI           (4u << 8)
#define ICR_INIT          (5u << 8)
#define ICR_STARTUP       (6u << 8)
#define TIMER_DIV_16      0x3

static volatile uint32_t *mmio;
static bool x2apic;

static uint32_t rd(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

void lapic_setup(uint64_t phys, bool allow_x2apic)
{
	x2apic = allow_x2apic && cpu_has(CPU_X2APIC);
	if (!x2apic) {
		mmio = ioremap(phys, 0x1000);
		if (!mmio)
			cpu_halt_forever();
	}
	pr_info("lapic: %s mode%s\n", x2apic ? "x2APIC" : "xAPIC",
		x2apic ? "" : " (registers in memory)");
}

void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	/* x2APIC is entered from enabled xAPIC mode, in one more write. */
	wrmsr(MSR_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
	wr(REG_TPR, 0);                                 /* accept every priority */
	wr(REG_LVT_LINT0, LVT_MASKED);                  /* legacy PIC line: unused */
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_LVT_ERROR, VEC_APIC_ERROR);
	wr(REG_ESR, 0);                                 /* ESR is written before read */
	wr(REG_ESR, 0);
	wr(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();                                    /* drop anything left pending */
}

bool lapic_x2apic(void)
{
	return x2apic;
}

uint32_t lapic_id(void)
{
	return x2apic ? rd(REG_ID) : rd(REG_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

static void send_icr(uint32_t apic_id, uint32_t low)
{
	if (x2apic) {
		/*
		 * In x2APIC mode the ICR write is not serialising: without a
		 * fence the IPI could overtake this CPU's earlier stores, and
		 * the target could read stale data (call descriptors). MFENCE
		 * orders the stores, LFENCE keeps the WRMSR after it.
		 */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(0x800 + (REG_ICR_LO >> 4), ((uint64_t)apic_id << 32) | low);
		return;
	}
	/*
	 * xAPIC: uncached MMIO stores are ordered after earlier stores. The
	 * ICR is two registers: an interrupt handler that sent an IPI between
	 * the two writes would leave its destination in ICR_HI, and this IPI
	 * would go there instead. Interrupts are off across the pair (NMIs
	 * only send IPIs on the way to a stop, when no IPI is expected).
	 */
	uint64_t flags = irq_save();
	for (int i = 0; i < 1000000 && (rd(REG_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	wr(REG_ICR_HI, apic_id << 24);
	wr(REG_ICR_LO, low);
	irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send_icr(apic_id, ICR_FIXED | vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	send_icr(apic_id, ICR_NMI);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	send_icr(apic_id, ICR_STARTUP | page);
}

void lapic_timer_oneshot(uint32_t ticks)
{
	wr(REG_TIMER_DIV, TIMER_DIV_16);
	wr(REG_LVT_TIMER, VEC_TIMER);
	wr(REG_TIMER_INIT, ticks);
}

void lapic_timer_periodic(uint32_t ticks)
{
	wr(REG_TIMER_DIV, TIMER_DIV_16);
	wr(REG_LVT_TIMER, VEC_TIMER | LVT_TIMER_PERIODIC);
	wr(REG_TIMER_INIT, ticks);
}

void lapic_timer_stop(void)
{
	wr(REG_LVT_TIMER, LVT_MASKED);
	wr(REG_TIMER_INIT, 0);
}

uint32_t lapic_timer_measure(uint64_t tsc_cycles)
{
	uint64_t start;
	uint32_t left;

	/* Masked: it counts, but raises no interrupt. */
	wr(REG_TIMER_DIV, TIMER_DIV_16);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_INIT, UINT32_MAX);
	start = rdtsc();
	while (rdtsc() - start < tsc_cycles)
		cpu_relax();
	left = rd(REG_TIMER_CUR);
	lapic_timer_stop();
	return UINT32_MAX - left;
}

uint32_t lapic_timer_current(void)
{
	return rd(REG_TIMER_CUR);
}

uint32_t lapic_read_errors(void)
{
	wr(REG_ESR, 0);
	return rd(REG_ESR);
}
