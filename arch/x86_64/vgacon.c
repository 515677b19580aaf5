/*
 * VGA text-mode console: each cell is a character byte and an attribute
 * byte; 0x07 is light grey on black. The screen's character set is code
 * page 437, not Latin-1, so bytes >= 0x80 are translated.
 */
#include "arch/x86_64/vgacon.h"
#include "arch/x86_64/io.h"
#include "kernel/console.h"

#define VGACON_ATTR 0x07
#define VGACON_TAB 8
#define CRTC_INDEX 0x3d4
#define CRTC_DATA 0x3d5
#define CRTC_CURSOR_HIGH 0x0e
#define CRTC_CURSOR_LOW 0x0f

/* Latin-1 0xa0-0xff in code page 437; '?' where it has no such character. */
static const uint8_t vgacon_cp437[96] = {
	0xff, 0xad, 0x9b, 0x9c, '?', 0x9d, '?', '?',	/* a0 */
	'?', '?', 0xa6, 0xae, 0xaa, '?', '?', '?',	/* a8 */
	0xf8, 0xf1, 0xfd, '?', '?', 0xe6, '?', 0xfa,	/* b0 */
	'?', '?', 0xa7, 0xaf, 0xac, 0xab, '?', 0xa8,	/* b8 */
	'?', '?', '?', '?', 0x8e, 0x8f, 0x92, 0x80,	/* c0 */
	'?', 0x90, '?', '?', '?', '?', '?', '?',	/* c8 */
	'?', 0xa5, '?', '?', '?', '?', 0x99, '?',	/* d0 */
	'?', '?', '?', '?', 0x9a, '?', '?', 0xe1,	/* d8 */
	0x85, 0xa0, 0x83, '?', 0x84, 0x86, 0x91, 0x87,	/* e0 */
	0x8a, 0x82, 0x88, 0x89, 0x8d, 0xa1, 0x8c, 0x8b,	/* e8 */
	'?', 0xa4, 0x95, 0xa2, 0x93, '?', 0x94, 0xf6,	/* f0 */
	'?', 0x97, 0xa3, 0x96, 0x81, '?', '?', 0x98,	/* f8 */
};

static struct {
	volatile uint16_t *text;
	unsigned cols, rows;
	/* Where the next character goes; col == cols means wrap before it. */
	unsigned col, row;
} vgacon;

static uint16_t vgacon_cell(uint8_t c)
{
	return (uint16_t)(VGACON_ATTR << 8 | c);
}

static void vgacon_clear_row(unsigned row)
{
	for (unsigned i = 0; i < vgacon.cols; i++)
		vgacon.text[row * vgacon.cols + i] = vgacon_cell(' ');
}

static void vgacon_newline(void)
{
	vgacon.col = 0;
	if (vgacon.row + 1 < vgacon.rows) {
		vgacon.row++;
		return;
	}
	for (unsigned i = 0; i < (vgacon.rows - 1) * vgacon.cols; i++)
		vgacon.text[i] = vgacon.text[i + vgacon.cols];
	vgacon_clear_row(vgacon.rows - 1);
}

static void vgacon_putc(uint8_t c)
{
	switch (c) {
	case '\n':
		vgacon_newline();
		return;
	case '\r':
		vgacon.col = 0;
		return;
	case '\t':
		vgacon.col = (vgacon.col / VGACON_TAB + 1) * VGACON_TAB;
		if (vgacon.col > vgacon.cols)
			vgacon.col = vgacon.cols;
		return;
	case '\b':
		if (vgacon.col > 0)
			vgacon.col--;
		return;
	}
	/* Other control bytes draw CP437 symbols (smileys, arrows): noise. */
	if (c < 0x20 || c == 0x7f)
		return;
	if (c >= 0x80)
		c = c >= 0xa0 ? vgacon_cp437[c - 0xa0] : '?';
	if (vgacon.col >= vgacon.cols)
		vgacon_newline();
	vgacon.text[vgacon.row * vgacon.cols + vgacon.col++] = vgacon_cell(c);
}

/* Port I/O is slow under virtualisation: callers move the cursor once per write. */
static void vgacon_move_cursor(void)
{
	unsigned col = vgacon.col < vgacon.cols ? vgacon.col : vgacon.cols - 1;
	uint16_t pos = (uint16_t)(vgacon.row * vgacon.cols + col);

	outb(CRTC_INDEX, CRTC_CURSOR_HIGH);
	outb(CRTC_DATA, (uint8_t)(pos >> 8));
	outb(CRTC_INDEX, CRTC_CURSOR_LOW);
	outb(CRTC_DATA, (uint8_t)pos);
}

static void vgacon_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vgacon_putc((uint8_t)s[i]);
	vgacon_move_cursor();
}

static struct console vgacon_console = { .name = "vgacon", .write = vgacon_write };

bool vgacon_init(volatile uint16_t *text, unsigned cols, unsigned rows)
{
	/* The CRTC cursor location register is 16 bits wide. */
	if (!text || cols == 0 || rows == 0 || (uint64_t)cols * rows > 0x10000)
		return false;
	vgacon.text = text;
	vgacon.cols = cols;
	vgacon.rows = rows;
	vgacon.col = 0;
	vgacon.row = 0;
	for (unsigned r = 0; r < rows; r++)
		vgacon_clear_row(r);
	vgacon_move_cursor();
	console_register(&vgacon_console);
	return true;
}
