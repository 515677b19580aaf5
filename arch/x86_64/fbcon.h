#pragma once
/*
 * Text console on a linear framebuffer (the one GRUB or UEFI set up),
 * drawn with the built-in PSF font (arch/x86_64/font.h).
 */
#include <stdbool.h>
#include <stdint.h>

struct fb_info {
	uint64_t phys;
	void *virt;		/* mapped, at least pitch * height bytes */
	uint32_t pitch;		/* bytes from one pixel row to the next */
	uint32_t width, height;	/* pixels */
	uint8_t bpp;		/* bits per pixel */
	/* Direct RGB layout; all sizes 0 means indexed colour (unsupported). */
	uint8_t red_pos, red_size;
	uint8_t green_pos, green_size;
	uint8_t blue_pos, blue_size;
};

/*
 * Clear the screen and register the console. Returns false, having touched
 * nothing, for a framebuffer it cannot draw on: indexed colour, a depth
 * other than 32, 24 or 16 bpp, or less than one glyph of room.
 */
bool fbcon_init(const struct fb_info *fb);

/*
 * For the tests. fbcon_where: the text cell the next glyph goes to; false
 * when fbcon is not drawing. fbcon_cell_shows: do the framebuffer's pixels
 * at text cell (col, row) show glyph c, light grey on black?
 */
bool fbcon_where(uint32_t *col, uint32_t *row);
bool fbcon_cell_shows(uint32_t col, uint32_t row, uint8_t c);
