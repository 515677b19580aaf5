/*
 * kmain: the boot story of the boot CPU, from the first C instruction to
 * the tests or the idle loop. boot/entry32.asm and arch/x86_64/start64.asm
 * come before it; docs/boot.md walks through the whole path.
 */
#include "arch/x86_64/acpi_boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/debugcon.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/ps2kbd.h"
#include "arch/x86_64/pmtimer.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vgacon.h"
#include "kernel/cmdline.h"
#include "kernel/experiment.h"
#include "kernel/ktest.h"
#include "kernel/multiboot2.h"
#include "kernel/panic.h"
#include "kernel/power.h"
#include "kernel/sched.h"
#include "kernel/shell.h"
#include "kernel/task.h"
#include "kernel/trace.h"
#include "kernel/printk.h"
#include "mm/kstack.h"
#include "mm/meminit.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/vmalloc.h"
#include "smp/percpu.h"
#include "mm/tlb.h"
#include "smp/ipi.h"
#include "smp/isolation.h"
#include "smp/smp.h"
#include "smp/worker.h"

#define LULL_VERSION "0.1"

struct boot_info boot_info;

static void warn_line(const char *msg)
{
	pr_warn("%s\n", msg);
}

/*
 * Read GRUB's boot information while the early identity map still covers
 * it. False when it cannot be read; the command line then holds the
 * defaults, so that the consoles can still say why lull stops.
 */
static bool boot_info_load(uint32_t magic, uint64_t mbi_phys)
{
	if (magic != MB2_BOOTLOADER_MAGIC) {
		/* entry32.asm already checked; this guards against a bad hand-off. */
		pr_emerg("lull: bad multiboot2 magic %#x; halting\n", magic);
		cmdline_defaults(&boot_cmdline);
		return false;
	}
	if (!mb2_parse((const void *)mbi_phys, mbi_phys, &boot_info, warn_line)) {
		pr_emerg("lull: the boot information is unreadable; halting\n");
		cmdline_defaults(&boot_cmdline);
		return false;
	}
	if (boot_info.cmdline_cut)
		pr_warn("cmdline: longer than %d bytes; the rest is ignored\n", CMDLINE_MAX - 1);
	cmdline_parse(boot_info.cmdline, &boot_cmdline, warn_line);
	printk_console_level = (int)boot_cmdline.loglevel + 1;
	return true;
}

/*
 * The consoles that need no memory set-up: the emulators' debug port and
 * COM1. They start only once the command line is known, because serial=off
 * must keep lull off COM1 altogether (a machine may have something else
 * there, or nothing); what was printed before waits in printk's buffer
 * and is replayed to each console as it registers.
 */
static void early_console_init(void)
{
	debugcon_init();
	if (!boot_cmdline.serial)
		pr_notice("serial: off (serial=off); COM1 is not touched\n");
	else if (!serial_init())
		pr_notice("serial: no UART answers at COM1\n");
}

/* The IDT, then this CPU's entry area: GDT, TSS, entry and IST stacks. */
static void trap_init(void)
{
	idt_init();
	if (!entry_area_create(0, &percpu_boot))
		panic("no memory for the boot CPU's entry area");
	entry_area_install(0);
}

/* The framebuffer (or VGA text) console, and a line saying which it is. */
static void console_init(void)
{
	const struct boot_framebuffer *fb = &boot_info.fb;
	const char *why = "the boot loader gave no framebuffer";

	if (fb->kind == FB_RGB) {
		struct fb_info info = {
			.phys = fb->phys, .virt = phys_to_virt(fb->phys), .pitch = fb->pitch,
			.width = fb->width, .height = fb->height, .bpp = fb->bpp,
			.red_pos = fb->red_pos, .red_size = fb->red_size,
			.green_pos = fb->green_pos, .green_size = fb->green_size,
			.blue_pos = fb->blue_pos, .blue_size = fb->blue_size,
		};
		if (fbcon_init(&info)) {
			pr_info("console: framebuffer %ux%u, %u bpp\n", fb->width, fb->height, fb->bpp);
			return;
		}
		why = "the framebuffer's format is not supported";
	} else if (fb->kind == FB_EGA_TEXT) {
		if (vgacon_init(phys_to_virt(fb->phys), fb->width, fb->height)) {
			pr_info("console: VGA text %ux%u\n", fb->width, fb->height);
			return;
		}
		why = "the VGA text screen is not usable";
	} else if (fb->kind == FB_INDEXED) {
		why = "the framebuffer uses indexed colour";
	}
	pr_info("console: no screen (%s)%s\n", why,
		serial_present() ? "; serial only" : "");
}

static void banner(void)
{
	static char shown[400];        /* the command line, within one printk line */
	struct pmm_stats ps;
	uint64_t us = tsc_to_us(rdtsc() - tsc_at_entry);

	pmm_get_stats(&ps);
	pr_info("lull %s on %s (%s, family %u model %u)\n", LULL_VERSION, boot_cpu.model,
		boot_cpu.vendor, boot_cpu.family, boot_cpu.model_id);
	pr_info("  firmware %s, loader '%s', %llu MiB usable, %llu MiB free\n",
		boot_info.efi ? "UEFI" : "BIOS", boot_info.loader,
		(unsigned long long)(ps.total_frames * PAGE_SIZE >> 20),
		(unsigned long long)(ps.free_frames * PAGE_SIZE >> 20));
	cmdline_printable(boot_info.cmdline, shown, sizeof(shown));
	pr_info("  command line: '%s'\n", shown);
	pr_info("  booted in %llu.%03llu ms (TSC, from the 32-bit entry)\n",
		(unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
}

static void __attribute__((noreturn)) kmain_late(void);

void __attribute__((noreturn)) kmain(uint32_t magic, uint64_t mbi_phys, uint64_t tsc0)
{
	tsc_at_entry = tsc0;
	percpu_install(&percpu_boot);   /* %gs: this CPU's data */
	cpu_identify(&boot_cpu);        /* model and features */
	bool loaded = boot_info_load(magic, mbi_phys); /* multiboot2 tags, command line */
	early_console_init();           /* debug port, COM1 unless serial=off: the log shows */
	if (!loaded)
		cpu_halt_forever();
	pti_configure(boot_cmdline.pti, boot_cmdline.pcid); /* PTI and PCID: decided once */
	mem_init(&boot_info);           /* memory map, frames, kernel page tables */
	cpu_enable_protections();       /* WP, NX, SMEP, SMAP, UMIP; PCIDs */
	trap_init();                    /* IDT, entry area: GDT, TSS, entry stacks */
	pti_init();                     /* what user page tables map of the kernel */
	syscall_init_cpu();             /* SYSCALL's entry point */
	console_init();                 /* framebuffer or VGA text */
	acpi_init();                    /* MADT, HPET */
	if (acpi_ok && acpi.has_hpet)
		hpet_init(acpi.hpet_phys);  /* the reference clock, */
	if (acpi_ok && acpi.pm_timer_port) /* or the one firmware never hides */
		pmtimer_init(acpi.pm_timer_port, acpi.pm_timer_32bit);
	tsc_init();                     /* TSC frequency */
	banner();
	sched_init();                   /* run queues, before any CPU can take tasks */
	smp_init(true);                 /* LAPIC, the other CPUs */
	ipi_init();                     /* call-function IPIs, NMI backtraces */
	timer_init();                   /* LAPIC timer calibration */
	vmalloc_init(boot_cmdline.lazy_max_pages, smp_online_count()); /* the vmalloc region */
	isolation_init();               /* housekeeping and isolated CPUs */
	trace_init();                   /* trace=N: the per-CPU trace rings */
	tlb_protocol_init();            /* coalesce_tlbi: the deferred-flush protocol */
	ioapic_init();                  /* device interrupts: */
	if (serial_present() && ioapic_route_isa(4, VEC_SERIAL, percpu_boot.apic_id))
		serial_enable_rx_irq(VEC_SERIAL);   /* COM1 input to the boot CPU */
	if (ps2kbd_init() && ioapic_route_isa(1, VEC_KEYBOARD, percpu_boot.apic_id))
		ps2kbd_enable_irq(VEC_KEYBOARD);    /* and the PS/2 keyboard's */

	/* Leave the boot stack for a kernel stack with a guard page. */
	uint64_t top = kstack_alloc();
	if (!top)
		panic("no memory for the boot CPU's kernel stack");
	percpu_boot.kstack_top = top;
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "call *%1"
			 : : "r"(top), "r"(kmain_late) : "memory");
	__builtin_unreachable();
}

static void __attribute__((noreturn)) kmain_late(void)
{
	sched_init_cpu();               /* this context is CPU 0's idle task */
	irq_enable();
	if (boot_cmdline.ktest[0])
		power_off(ktest_run(boot_cmdline.ktest));

	struct experiment_opts opts;
	experiment_boot_opts(&opts);
	bool ok = experiment_run(&opts);
	if (!boot_cmdline.shell)
		power_off(ok);
	shell_run();
}
