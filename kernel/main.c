/*
 * kmain: the boot story of the boot CPU, from the first C instruction to
 * the tests or the idle loop. boot/entry32.asm and arch/x86_64/start64.asm
 * come before it; docs/boot.md walks through the whole path.
 */
#include "arch/x86_64/acpi_boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/ps2kbd.h"
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

/* Read GRUB's boot information while the early identity map still covers it. */
static void boot_info_load(uint32_t magic, uint64_t mbi_phys)
{
	if (magic != MB2_BOOTLOADER_MAGIC) {
		/* entry32.asm already checked; this guards against a bad hand-off. */
		pr_emerg("lull: bad multiboot2 magic %#x; halting\n", magic);
		cpu_halt_forever();
	}
	if (!mb2_parse((const void *)mbi_phys, mbi_phys, &boot_info, warn_line)) {
		pr_emerg("lull: the boot information is unreadable; halting\n");
		cpu_halt_forever();
	}
	if (boot_info.cmdline_cut)
		pr_warn("cmdline: longer than %d bytes; the rest is ignored\n", CMDLINE_MAX - 1);
	cmdline_parse(boot_info.cmdline, &boot_cmdline, warn_line);
	printk_console_level = (int)boot_cmdline.loglevel + 1;
}

/* The IDT, then this CPU's entry area: GDT, TSS, entry and IST stacks. */
static void trap_init(void)
{
	idt_init();
	if (!entry_area_create(0, &percpu_boot))
		panic("no memory for the boot CPU's entry area");
	entry_area_install(0);
}

/* The framebuffer (or VGA text) console; serial is already up. */
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
		if (fbcon_init(&info))
			return;
		why = "the framebuffer's format is not supported";
	} else if (fb->kind == FB_EGA_TEXT) {
		if (vgacon_init(phys_to_virt(fb->phys), fb->width, fb->height))
			return;
		why = "the VGA text screen is not usable";
	} else if (fb->kind == FB_INDEXED) {
		why = "the framebuffer uses indexed colour";
	}
	pr_info("console: serial only (%s)\n", why);
}

static void banner(void)
{
	struct pmm_stats ps;
	uint64_t us = tsc_to_us(rdtsc() - tsc_at_entry);

	pmm_get_stats(&ps);
	pr_info("lull %s on %s (%s, family %u model %u)\n", LULL_VERSION, boot_cpu.model,
		boot_cpu.vendor, boot_cpu.family, boot_cpu.model_id);
	pr_info("  firmware %s, loader '%s', %llu MiB usable, %llu MiB free\n",
		boot_info.efi ? "UEFI" : "BIOS", boot_info.loader,
		(unsigned long long)(ps.total_frames * PAGE_SIZE >> 20),
		(unsigned long long)(ps.free_frames * PAGE_SIZE >> 20));
	pr_info("  command line: '%s'\n", boot_info.cmdline);
	pr_info("  booted in %llu.%03llu ms (TSC, from the 32-bit entry)\n",
		(unsigned long long)(us / 1000), (unsigned long long)(us % 1000));
}

static void __attribute__((noreturn)) kmain_late(void);

void __attribute__((noreturn)) kmain(uint32_t magic, uint64_t mbi_phys, uint64_t tsc0)
{
	tsc_at_entry = tsc0;
	percpu_install(&percpu_boot);   /* %gs: this CPU's data */
	serial_init();                  /* COM1, if present: the log starts here */
	cpu_identify(&boot_cpu);        /* model and features */
	boot_info_load(magic, mbi_phys); /* multiboot2 tags, command line */
	pti_configure(boot_cmdline.pti, boot_cmdline.pcid); /* PTI and PCID: decided once */
	mem_init(&boot_info);           /* memory map, frames, kernel page tables */
	cpu_enable_protections();       /* WP, NX, SMEP, SMAP, UMIP */
	trap_init();                    /* IDT, entry area: GDT, TSS, entry stacks */
	pti_init();                     /* what user page tables map of the kernel */
	syscall_init_cpu();             /* SYSCALL's entry point */
	console_init();                 /* framebuffer or VGA text */
	acpi_init();                    /* MADT, HPET */
	if (acpi_ok && acpi.has_hpet)
		hpet_init(acpi.hpet_phys);  /* the reference clock */
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
