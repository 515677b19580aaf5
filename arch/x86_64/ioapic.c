/*
 * I/O APIC programming. Each has two registers: an index (IOREGSEL) and a
 * window (IOWIN); redirection entry n is the register pair 0x10 + 2n.
 *
 * An ISA IRQ is edge-triggered and active-high unless an interrupt source
 * override in the MADT says otherwise; the override may also move it to
 * another GSI (on PCs, IRQ 0 usually arrives on GSI 2).
 */
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/acpi_boot.h"
#include "kernel/printk.h"
#include "mm/ioremap.h"
#include "smp/spinlock.h"

#define IOREGSEL 0x00
#define IOWIN    0x10
#define REG_VER  0x01
#define REDIR(n) (0x10 + 2 * (n))

#define RED_MASKED     (1ull << 16)
#define RED_LEVEL      (1ull << 15)
#define RED_ACTIVE_LOW (1ull << 13)

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	unsigned inputs;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;
/* The index/window pair is shared state: one access at a time. */
static spinlock_t ioapic_lock = SPINLOCK_INIT;

static uint32_t rd(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void wr(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

static void write_entry(struct ioapic *io, unsigned n, uint64_t e)
{
	uint64_t flags = spin_lock_irqsave(&ioapic_lock);
	/* Masked first, so the entry never fires half-written. */
	wr(io, REDIR(n), (uint32_t)e | RED_MASKED);
	wr(io, REDIR(n) + 1, (uint32_t)(e >> 32));
	wr(io, REDIR(n), (uint32_t)e);
	spin_unlock_irqrestore(&ioapic_lock, flags);
}

void ioapic_init(void)
{
	if (!acpi_ok)
		return;
	for (unsigned i = 0; i < acpi.nioapics; i++) {
		struct ioapic *io = &ioapics[nioapics];
		io->regs = ioremap(acpi.ioapics[i].phys, 0x20);
		if (!io->regs)
			continue;
		io->gsi_base = acpi.ioapics[i].gsi_base;
		io->inputs = ((rd(io, REG_VER) >> 16) & 0xff) + 1;
		for (unsigned n = 0; n < io->inputs; n++)
			write_entry(io, n, RED_MASKED);
		pr_info("ioapic: id %u at %#x, GSIs %u-%u\n", acpi.ioapics[i].id,
			acpi.ioapics[i].phys, io->gsi_base, io->gsi_base + io->inputs - 1);
		nioapics++;
	}
}

/* The GSI and polarity/trigger bits of ISA irq. */
static uint32_t isa_gsi(unsigned irq, uint64_t *mode)
{
	*mode = 0;                               /* ISA default: edge, active high */
	for (unsigned i = 0; i < acpi.noverrides; i++) {
		const struct acpi_override *o = &acpi.overrides[i];
		if (o->bus != 0 || o->irq != irq)
			continue;
		if ((o->flags & 3) == 3)
			*mode |= RED_ACTIVE_LOW;
		if (((o->flags >> 2) & 3) == 3)
			*mode |= RED_LEVEL;
		return o->gsi;
	}
	return irq;
}

static struct ioapic *ioapic_for(uint32_t gsi, unsigned *input)
{
	for (unsigned i = 0; i < nioapics; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].inputs) {
			*input = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	}
	return 0;
}

bool ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t dest_apic_id)
{
	uint64_t mode;
	unsigned input;
	uint32_t gsi = isa_gsi(irq, &mode);
	struct ioapic *io = ioapic_for(gsi, &input);

	if (!io)
		return false;
	if (dest_apic_id > 0xff) {
		/* Physical destinations are 8 bits without interrupt remapping. */
		pr_warn("ioapic: APIC id %u cannot be an IRQ destination\n", dest_apic_id);
		return false;
	}
	write_entry(io, input, (uint64_t)dest_apic_id << 56 | mode | vector);
	return true;
}

void ioapic_mask_isa(unsigned irq)
{
	uint64_t mode;
	unsigned input;
	struct ioapic *io = ioapic_for(isa_gsi(irq, &mode), &input);

	if (io)
		write_entry(io, input, RED_MASKED);
}
