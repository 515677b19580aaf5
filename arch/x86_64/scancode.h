#pragma once
/*
 * PC keyboard scancode set 1 to ASCII: the bytes an i8042 with translation
 * on delivers for the keyboard on its first port, decoded one at a time.
 *
 * A key sends its make code when pressed and its break code (make | 0x80)
 * when released. Some keys send the prefix 0xe0 first (right Ctrl, keypad
 * Enter and slash, the arrows); Pause sends 0xe1 0x1d 0x45 0xe1 0x9d 0xc5
 * and nothing on release.
 *
 * Characters come out as a terminal sends them over a serial line, which
 * is also what Linux's console keymap gives: Enter '\r', Backspace DEL
 * (0x7f), Tab '\t', Escape 0x1b. Shift and Caps Lock choose the case
 * (Caps Lock affects letters only); Ctrl with a key whose character is a
 * letter or one of @ [ \ ] ^ _ gives the control character (Ctrl-C: 3).
 * The keypad gives its digits and operators whatever Num Lock says. Keys
 * without a character (arrows, function keys, Alt, the locks) give
 * nothing.
 *
 * Pure logic, no I/O: the host tests feed it byte sequences.
 */
#include <stdbool.h>
#include <stdint.h>

#define SCANCODE_ENTER     '\r'
#define SCANCODE_BACKSPACE 0x7f
#define SCANCODE_ESCAPE    0x1b

/* What the decoder remembers between bytes. Zeroed: no key down, Caps off. */
struct scancode_state {
	bool shift_left, shift_right;
	bool ctrl_left, ctrl_right;
	bool caps_lock;
	bool caps_down;         /* Caps Lock is held (it repeats its make code) */
	bool prefix_e0;         /* the previous byte was 0xe0 */
	uint8_t pause_left;     /* bytes of a Pause sequence still to swallow */
};

/* Feed the next byte from the keyboard: the character it completes, or -1. */
int scancode_feed(struct scancode_state *s, uint8_t byte);
