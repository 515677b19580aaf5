/*
 * Framebuffer text console: light grey on black, a grid of font glyphs.
 *
 * It never writes outside the framebuffer: fbcon_init() checks that width
 * pixels fit in pitch, and after the initial clear of width x height
 * everything drawn lies in whole glyph cells (cols * font width pixels
 * across, rows * font height lines down, both rounded down). Scrolling
 * moves whole pitch-sized lines of that area, so it stays below
 * height * pitch bytes.
 */
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/font.h"
#include "kernel/console.h"
#include "kernel/string.h"

#define FBCON_TAB 8

static struct {
	volatile uint8_t *base;
	uint32_t pitch;
	uint32_t bytes_pp;	/* bytes per pixel: 4, 3 or 2 */
	uint32_t cols, rows;	/* text cells */
	/* Where the next glyph goes; col == cols means wrap before it. */
	uint32_t col, row;
	uint32_t fg, bg;	/* packed pixel values */
} fbcon;

/* Scale an 8-bit intensity to a channel of size bits at bit pos. */
static uint32_t fbcon_channel(uint8_t v, uint8_t pos, uint8_t size)
{
	uint32_t c = size <= 8 ? (uint32_t)v >> (8 - size) : (uint32_t)v << (size - 8);

	return c << pos;
}

static uint32_t fbcon_pack(const struct fb_info *fb, uint8_t r, uint8_t g, uint8_t b)
{
	return fbcon_channel(r, fb->red_pos, fb->red_size) |
	       fbcon_channel(g, fb->green_pos, fb->green_size) |
	       fbcon_channel(b, fb->blue_pos, fb->blue_size);
}

static bool fbcon_channel_ok(uint8_t pos, uint8_t size, uint8_t bpp)
{
	return size >= 1 && size <= 16 && pos + size <= bpp;
}

static void fbcon_put_pixel(volatile uint8_t *p, uint32_t v)
{
	switch (fbcon.bytes_pp) {
	case 4:
		*(volatile uint32_t *)p = v;
		break;
	case 3:
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	}
}

static uint32_t fbcon_get_pixel(const volatile uint8_t *p)
{
	switch (fbcon.bytes_pp) {
	case 4:
		return *(const volatile uint32_t *)p;
	case 3:
		return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
	default:
		return *(const volatile uint16_t *)p;
	}
}

/* Fill a rectangle given in pixels; callers keep it inside the screen. */
static void fbcon_fill(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t v)
{
	volatile uint8_t *line = fbcon.base + (size_t)y * fbcon.pitch +
				 (size_t)x * fbcon.bytes_pp;

	for (uint32_t j = 0; j < h; j++, line += fbcon.pitch)
		for (uint32_t i = 0; i < w; i++)
			fbcon_put_pixel(line + (size_t)i * fbcon.bytes_pp, v);
}

static const uint8_t *fbcon_glyph(uint8_t c)
{
	const struct psf_font *f = &font_default;
	uint32_t glyph = f->map[c] < f->glyph_count ? f->map[c] : 0;

	return f->glyphs + (size_t)glyph * f->bytes_per_glyph;
}

static volatile uint8_t *fbcon_cell(uint32_t col, uint32_t row)
{
	const struct psf_font *f = &font_default;

	return fbcon.base + (size_t)row * f->height * fbcon.pitch +
	       (size_t)col * f->width * fbcon.bytes_pp;
}

static void fbcon_draw(uint32_t col, uint32_t row, uint8_t c)
{
	const struct psf_font *f = &font_default;
	const uint8_t *bits = fbcon_glyph(c);
	volatile uint8_t *line = fbcon_cell(col, row);

	for (uint32_t y = 0; y < f->height; y++, line += fbcon.pitch, bits += f->bytes_per_row)
		for (uint32_t x = 0; x < f->width; x++) {
			bool on = bits[x / 8] & (0x80 >> (x % 8));

			fbcon_put_pixel(line + (size_t)x * fbcon.bytes_pp,
					on ? fbcon.fg : fbcon.bg);
		}
}

static void fbcon_scroll(void)
{
	size_t row_bytes = (size_t)font_default.height * fbcon.pitch;

	/*
	 * Plain memmove, not volatile pixel stores, for speed: framebuffer
	 * memory has no side effects on access, only its final contents count.
	 */
	memmove((void *)fbcon.base, (const void *)(fbcon.base + row_bytes),
		row_bytes * (fbcon.rows - 1));
	fbcon_fill(0, (fbcon.rows - 1) * font_default.height,
		   fbcon.cols * font_default.width, font_default.height, fbcon.bg);
}

static void fbcon_newline(void)
{
	fbcon.col = 0;
	if (fbcon.row + 1 < fbcon.rows)
		fbcon.row++;
	else
		fbcon_scroll();
}

static void fbcon_putc(uint8_t c)
{
	switch (c) {
	case '\n':
		fbcon_newline();
		return;
	case '\r':
		fbcon.col = 0;
		return;
	case '\t':
		fbcon.col = (fbcon.col / FBCON_TAB + 1) * FBCON_TAB;
		if (fbcon.col > fbcon.cols)
			fbcon.col = fbcon.cols;
		return;
	case '\b':
		if (fbcon.col > 0)
			fbcon.col--;
		return;
	}
	/* Other control bytes (escape sequences) would only draw noise. */
	if (c < 0x20 || c == 0x7f)
		return;
	if (fbcon.col >= fbcon.cols)
		fbcon_newline();
	fbcon_draw(fbcon.col++, fbcon.row, c);
}

static void fbcon_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fbcon_putc((uint8_t)s[i]);
}

static struct console fbcon_console = { .name = "fbcon", .write = fbcon_write };

bool fbcon_init(const struct fb_info *fb)
{
	uint32_t bytes_pp = fb->bpp / 8;

	if (fb->bpp != 32 && fb->bpp != 24 && fb->bpp != 16)
		return false;
	if (!fbcon_channel_ok(fb->red_pos, fb->red_size, fb->bpp) ||
	    !fbcon_channel_ok(fb->green_pos, fb->green_size, fb->bpp) ||
	    !fbcon_channel_ok(fb->blue_pos, fb->blue_size, fb->bpp))
		return false;
	if (!fb->virt || (uint64_t)fb->width * bytes_pp > fb->pitch)
		return false;
	/* Wide pixel stores must be aligned: no firmware gives otherwise. */
	if (bytes_pp != 3 && ((uintptr_t)fb->virt % bytes_pp || fb->pitch % bytes_pp))
		return false;
	if (fb->width < font_default.width || fb->height < font_default.height)
		return false;

	fbcon.base = fb->virt;
	fbcon.pitch = fb->pitch;
	fbcon.bytes_pp = bytes_pp;
	fbcon.cols = fb->width / font_default.width;
	fbcon.rows = fb->height / font_default.height;
	fbcon.col = 0;
	fbcon.row = 0;
	fbcon.fg = fbcon_pack(fb, 0xaa, 0xaa, 0xaa);	/* VGA light grey */
	fbcon.bg = fbcon_pack(fb, 0, 0, 0);
	fbcon_fill(0, 0, fb->width, fb->height, fbcon.bg);
	console_register(&fbcon_console);
	return true;
}

bool fbcon_where(uint32_t *col, uint32_t *row)
{
	*col = fbcon.col;
	*row = fbcon.row;
	return fbcon.base != 0;
}

bool fbcon_cell_shows(uint32_t col, uint32_t row, uint8_t c)
{
	const struct psf_font *f = &font_default;
	const uint8_t *bits = fbcon_glyph(c);
	const volatile uint8_t *line;

	if (!fbcon.base || col >= fbcon.cols || row >= fbcon.rows)
		return false;
	line = fbcon_cell(col, row);
	for (uint32_t y = 0; y < f->height; y++, line += fbcon.pitch, bits += f->bytes_per_row)
		for (uint32_t x = 0; x < f->width; x++) {
			bool on = bits[x / 8] & (0x80 >> (x % 8));
			uint32_t want = on ? fbcon.fg : fbcon.bg;

			if (fbcon_get_pixel(line + (size_t)x * fbcon.bytes_pp) != want)
				return false;
		}
	return true;
}
