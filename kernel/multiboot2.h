#pragma once
/*
 * What GRUB told lull, parsed from the multiboot2 boot information.
 *
 * mb2_parse() copies everything lull needs into a struct boot_info, so that
 * the boot information itself is not needed once the early page tables
 * (which map it) are gone. It trusts nothing: every tag's size is checked
 * against the total, and a malformed tag ends the parse with a warning.
 */
#include <stdbool.h>
#include <stdint.h>
#include "kernel/cmdline.h"
#include "mm/memmap.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define BOOT_MODULES_MAX 16

enum fb_kind { FB_NONE, FB_INDEXED, FB_RGB, FB_EGA_TEXT };

struct boot_framebuffer {
	enum fb_kind kind;
	uint64_t phys;
	uint32_t pitch, width, height;
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

struct boot_module {
	uint64_t start, end;
	char name[64];
};

struct boot_info {
	uint64_t mbi_phys, mbi_size;
	char cmdline[CMDLINE_MAX];
	bool cmdline_cut;              /* longer than CMDLINE_MAX - 1 */
	char loader[64];
	struct memmap memmap;          /* raw: not yet sanitised */
	bool memmap_efi;               /* built from the EFI memory map tag */
	bool efi;                      /* booted by UEFI firmware */
	struct boot_framebuffer fb;
	uint8_t rsdp[36];              /* a copy; rsdp_version 0 = none given */
	unsigned rsdp_version;         /* 1: ACPI 1.0 (20 bytes), 2: 2.0+ (36) */
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned nmodules;
};

typedef void (*mb2_warn_fn)(const char *msg);

/*
 * Parse the boot information at mbi (mapped, readable) whose physical address
 * is mbi_phys. Returns false when there is nothing usable at all (bad total
 * size); otherwise true, with warnings for what was skipped.
 */
bool mb2_parse(const void *mbi, uint64_t mbi_phys, struct boot_info *out,
	       mb2_warn_fn warn);

/* This boot's information, filled in by kmain() (kernel only). */
extern struct boot_info boot_info;
