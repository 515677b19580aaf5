#pragma once
/*
 * The console font, a PSF font converted to C at build time by
 * tools/psf2c.py (build/gen/font.c). Glyphs are 1 bit per pixel, most
 * significant bit leftmost, each row padded to whole bytes.
 */
#include <stdint.h>

struct psf_font {
	uint32_t width;		/* pixels */
	uint32_t height;	/* pixels, = rows per glyph */
	uint32_t bytes_per_row;
	uint32_t bytes_per_glyph;
	uint32_t glyph_count;
	const uint8_t *glyphs;	/* glyph_count * bytes_per_glyph bytes */
	/*
	 * Glyph index for each Latin-1 byte: a font's glyphs need not be in
	 * code-point order, so this comes from its unicode table.
	 */
	uint16_t map[256];
};

extern const struct psf_font font_default;
