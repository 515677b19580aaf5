/*
 * Scancode set 1 to ASCII (arch/x86_64/scancode.h), for a US keyboard.
 */
#include "arch/x86_64/scancode.h"

#define BREAK        0x80   /* set in a release's code */
#define PREFIX_E0    0xe0
#define PREFIX_PAUSE 0xe1

/* Make codes of the keys the decoder tracks or treats specially. */
enum {
	KEY_ESCAPE = 0x01, KEY_BACKSPACE = 0x0e, KEY_TAB = 0x0f, KEY_ENTER = 0x1c,
	KEY_CTRL = 0x1d, KEY_SHIFT_LEFT = 0x2a, KEY_SLASH = 0x35,
	KEY_SHIFT_RIGHT = 0x36, KEY_KEYPAD_STAR = 0x37, KEY_SPACE = 0x39,
	KEY_CAPS_LOCK = 0x3a,
};

/*
 * The keys in a row of the keyboard have consecutive make codes; each row
 * is its characters without and with Shift.
 */
static const struct {
	uint8_t first;
	const char *plain, *shifted;
} rows[] = {
	{ 0x02, "1234567890-=", "!@#$%^&*()_+" },
	{ 0x10, "qwertyuiop[]", "QWERTYUIOP{}" },
	{ 0x1e, "asdfghjkl;'`", "ASDFGHJKL:\"~" },
	{ 0x2b, "\\zxcvbnm,./", "|ZXCVBNM<>?" },
	{ 0x47, "789-456+1230.", "789-456+1230." },   /* the keypad */
};

/* The character of the key with make code `code`, or -1 if it has none. */
static int key_char(uint8_t code, bool shift)
{
	switch (code) {
	case KEY_ESCAPE: return SCANCODE_ESCAPE;
	case KEY_BACKSPACE: return SCANCODE_BACKSPACE;
	case KEY_TAB: return '\t';
	case KEY_ENTER: return SCANCODE_ENTER;
	case KEY_KEYPAD_STAR: return '*';
	case KEY_SPACE: return ' ';
	}
	for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *chars = shift ? rows[i].shifted : rows[i].plain;
		unsigned n = 0;
		while (chars[n])
			n++;
		if (code >= rows[i].first && code < rows[i].first + n)
			return (unsigned char)chars[code - rows[i].first];
	}
	return -1;
}

/* A key that came after 0xe0: keypad Enter and slash give characters. */
static int prefixed_char(uint8_t code)
{
	if (code == KEY_ENTER)
		return SCANCODE_ENTER;
	if (code == KEY_SLASH)
		return '/';
	return -1;               /* arrows, Home, End, ...: no character */
}

/* Shift, Ctrl and Caps Lock: true if `code` was one of them. */
static bool track_modifier(struct scancode_state *s, uint8_t code, bool down, bool e0)
{
	switch (code) {
	case KEY_SHIFT_LEFT:
	case KEY_SHIFT_RIGHT:
		/* 0xe0 0x2a and friends are fake shifts that some keys send
		 * around themselves (Print Screen, the grey arrows): not a
		 * Shift the user pressed. */
		if (!e0)
			*(code == KEY_SHIFT_LEFT ? &s->shift_left : &s->shift_right) = down;
		return true;
	case KEY_CTRL:
		*(e0 ? &s->ctrl_right : &s->ctrl_left) = down;
		return true;
	case KEY_CAPS_LOCK:
		/* A held key repeats its make code: toggle on the first only. */
		if (down && !s->caps_down)
			s->caps_lock = !s->caps_lock;
		s->caps_down = down;
		return true;
	}
	return false;
}

int scancode_feed(struct scancode_state *s, uint8_t byte)
{
	if (s->pause_left) {
		s->pause_left--;
		return -1;
	}
	if (byte == PREFIX_PAUSE) {
		s->pause_left = 2;   /* 0xe1 0x1d 0x45, then 0xe1 0x9d 0xc5 */
		s->prefix_e0 = false;
		return -1;
	}
	if (byte == PREFIX_E0) {
		s->prefix_e0 = true;
		return -1;
	}

	bool e0 = s->prefix_e0, down = !(byte & BREAK);
	uint8_t code = byte & ~BREAK;

	s->prefix_e0 = false;
	if (track_modifier(s, code, down, e0) || !down)
		return -1;
	if (e0)
		return prefixed_char(code);

	int c = key_char(code, s->shift_left || s->shift_right);
	if (c < 0)
		return -1;
	bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
	if (s->caps_lock && letter)
		c ^= 'a' ^ 'A';      /* Caps Lock flips the case Shift chose */
	if (s->ctrl_left || s->ctrl_right) {
		if (letter)
			c &= ~('a' ^ 'A');
		if (c >= '@' && c <= '_')
			return c & 0x1f;
	}
	return c;
}
