/*
 * The multiboot2 boot information: a header (total size, reserved), then
 * tags, each 8-byte aligned, each starting with (type, size), ending with a
 * tag of type 0. Only the tags lull uses are read; see kernel/multiboot2.h.
 */
#include "kernel/multiboot2.h"
#include "kernel/format.h"
#include "kernel/string.h"

enum {
	TAG_END = 0, TAG_CMDLINE = 1, TAG_LOADER = 2, TAG_MODULE = 3,
	TAG_MMAP = 6, TAG_FRAMEBUFFER = 8, TAG_ACPI_OLD = 14, TAG_ACPI_NEW = 15,
	TAG_EFI32 = 11, TAG_EFI64 = 12, TAG_EFI_MMAP = 17,
};

#define MBI_MAX_SIZE (1u << 20)    /* far beyond any real boot information */

struct tag {
	uint32_t type, size;
};

struct mmap_entry {
	uint64_t base, len;
	uint32_t type, reserved;
};

struct efi_desc {
	uint32_t type, pad;
	uint64_t phys, virt, pages, attr;
};

static void warnf(mb2_warn_fn warn, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(msg);
}

/* Copy a NUL-terminated string from a tag payload of len bytes. */
static void copy_str(char *dst, size_t cap, const uint8_t *src, size_t len, bool *cut)
{
	size_t n = strnlen((const char *)src, len);

	if (cut)
		*cut = n >= cap;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static enum memmap_type mb2_mem_type(uint32_t t)
{
	switch (t) {
	case 1: return MEMMAP_USABLE;
	case 3: return MEMMAP_ACPI_RECLAIM;
	case 4: return MEMMAP_ACPI_NVS;
	case 5: return MEMMAP_BAD;
	default: return MEMMAP_RESERVED;
	}
}

/* After ExitBootServices the loader's and boot services' memory is free. */
static enum memmap_type efi_mem_type(uint32_t t)
{
	switch (t) {
	case 1: case 2: case 3: case 4: case 7: return MEMMAP_USABLE;
	case 8: return MEMMAP_BAD;
	case 9: return MEMMAP_ACPI_RECLAIM;
	case 10: return MEMMAP_ACPI_NVS;
	default: return MEMMAP_RESERVED;
	}
}

static void parse_mmap(const uint8_t *p, uint32_t size, struct boot_info *bi, mb2_warn_fn warn)
{
	uint32_t esize = *(const uint32_t *)(p + 8);

	if (esize < sizeof(struct mmap_entry) || size < 16) {
		warnf(warn, "multiboot2: memory map tag has entry size %u; ignored", esize);
		return;
	}
	memmap_init(&bi->memmap);
	bi->memmap_efi = false;
	for (uint32_t off = 16; off + esize <= size; off += esize) {
		const struct mmap_entry *e = (const void *)(p + off);
		memmap_add(&bi->memmap, e->base, e->len, mb2_mem_type(e->type));
	}
}

static void parse_efi_mmap(const uint8_t *p, uint32_t size, struct boot_info *bi, mb2_warn_fn warn)
{
	uint32_t dsize = *(const uint32_t *)(p + 8);

	if (dsize < sizeof(struct efi_desc) || size < 16) {
		warnf(warn, "multiboot2: EFI memory map has descriptor size %u; ignored", dsize);
		return;
	}
	memmap_init(&bi->memmap);
	bi->memmap_efi = true;
	for (uint32_t off = 16; off + dsize <= size; off += dsize) {
		const struct efi_desc *d = (const void *)(p + off);
		if (d->pages > (UINT64_MAX >> 12))
			continue;
		memmap_add(&bi->memmap, d->phys, d->pages << 12, efi_mem_type(d->type));
	}
}

static void parse_framebuffer(const uint8_t *p, uint32_t size, struct boot_info *bi,
			      mb2_warn_fn warn)
{
	struct boot_framebuffer *fb = &bi->fb;

	if (size < 31) {
		warnf(warn, "multiboot2: framebuffer tag too short (%u bytes); ignored", size);
		return;
	}
	memset(fb, 0, sizeof(*fb));
	memcpy(&fb->phys, p + 8, 8);
	memcpy(&fb->pitch, p + 16, 4);
	memcpy(&fb->width, p + 20, 4);
	memcpy(&fb->height, p + 24, 4);
	fb->bpp = p[28];
	switch (p[29]) {
	case 0: fb->kind = FB_INDEXED; break;
	case 1:
		fb->kind = FB_RGB;
		/* GRUB's reserved field after the type is 16 bits: colours at 32. */
		if (size < 38) {
			warnf(warn, "multiboot2: RGB framebuffer without colour info; ignored");
			fb->kind = FB_NONE;
			return;
		}
		fb->red_pos = p[32 + 0];
		fb->red_size = p[32 + 1];
		fb->green_pos = p[32 + 2];
		fb->green_size = p[32 + 3];
		fb->blue_pos = p[32 + 4];
		fb->blue_size = p[32 + 5];
		break;
	case 2: fb->kind = FB_EGA_TEXT; break;
	default:
		warnf(warn, "multiboot2: framebuffer type %u unknown; ignored", p[29]);
		fb->kind = FB_NONE;
	}
}

static void parse_module(const uint8_t *p, uint32_t size, struct boot_info *bi, mb2_warn_fn warn)
{
	struct boot_module *m;

	if (size < 16)
		return;
	if (bi->nmodules == BOOT_MODULES_MAX) {
		warnf(warn, "multiboot2: more than %u modules; the rest ignored", BOOT_MODULES_MAX);
		return;
	}
	m = &bi->modules[bi->nmodules++];
	m->start = *(const uint32_t *)(p + 8);
	m->end = *(const uint32_t *)(p + 12);
	copy_str(m->name, sizeof(m->name), p + 16, size - 16, 0);
}

static void parse_rsdp(const uint8_t *p, uint32_t size, unsigned version, struct boot_info *bi)
{
	size_t want = version == 1 ? 20 : 36;

	/* The new (2.0) table wins over the old one whatever their order. */
	if (size < 8 + want || bi->rsdp_version > version)
		return;
	memcpy(bi->rsdp, p + 8, want);
	bi->rsdp_version = version;
}

bool mb2_parse(const void *mbi, uint64_t mbi_phys, struct boot_info *bi, mb2_warn_fn warn)
{
	const uint8_t *base = mbi;
	uint32_t total = *(const uint32_t *)base;
	bool have_bios_mmap = false;

	memset(bi, 0, sizeof(*bi));
	memmap_init(&bi->memmap);
	bi->mbi_phys = mbi_phys;
	if (total < 16 || total > MBI_MAX_SIZE) {
		warnf(warn, "multiboot2: boot information size %u is not believable", total);
		return false;
	}
	bi->mbi_size = total;

	for (uint32_t off = 8; ; ) {
		if (off + sizeof(struct tag) > total) {
			warnf(warn, "multiboot2: no end tag; stopped at offset %u", off);
			break;
		}
		const uint8_t *p = base + off;
		const struct tag *t = (const void *)p;
		if (t->type == TAG_END)
			break;
		if (t->size < sizeof(struct tag) || t->size > total - off) {
			warnf(warn, "multiboot2: tag %u at offset %u has size %u; stopped",
			      t->type, off, t->size);
			break;
		}
		switch (t->type) {
		case TAG_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), p + 8, t->size - 8,
				 &bi->cmdline_cut);
			break;
		case TAG_LOADER:
			copy_str(bi->loader, sizeof(bi->loader), p + 8, t->size - 8, 0);
			break;
		case TAG_MODULE:
			parse_module(p, t->size, bi, warn);
			break;
		case TAG_MMAP:
			parse_mmap(p, t->size, bi, warn);
			have_bios_mmap = bi->memmap.n > 0;
			break;
		case TAG_EFI_MMAP:
			/* GRUB's own map (tag 6) is derived from this one: prefer it. */
			if (!have_bios_mmap)
				parse_efi_mmap(p, t->size, bi, warn);
			break;
		case TAG_FRAMEBUFFER:
			parse_framebuffer(p, t->size, bi, warn);
			break;
		case TAG_EFI32:
		case TAG_EFI64:
			bi->efi = true;
			break;
		case TAG_ACPI_OLD:
			parse_rsdp(p, t->size, 1, bi);
			break;
		case TAG_ACPI_NEW:
			parse_rsdp(p, t->size, 2, bi);
			break;
		}
		off += (t->size + 7) & ~7u;
	}
	return true;
}
