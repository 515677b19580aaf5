/*
 * Host tests for arch/x86_64/scancode.c: scancode set 1 byte sequences
 * and the characters they must (and must not) give: rows with and without
 * Shift, Caps Lock, Ctrl, the 0xe0 and 0xe1 prefixes, the controller's own
 * answers, and every code pressed and released without a character above
 * 0x7f or a character on release.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "arch/x86_64/scancode.h"

static struct scancode_state st;
static char out[256];

/* Feed n bytes from a fresh or kept state; out gets the characters. */
static size_t feed(const uint8_t *b, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int c = scancode_feed(&st, b[i]);
		assert_true(c >= -1 && c <= 0x7f);
		if (c >= 0)
			out[len++] = (char)c;
	}
	out[len] = 0;
	return len;
}

#define FEED(...) feed((const uint8_t[]){ __VA_ARGS__ }, \
		       sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void fresh(void)
{
	memset(&st, 0, sizeof(st));
}

/* Press and release each key of a row: its characters, plain and shifted. */
static void rows(void **state)
{
	static const struct { uint8_t first; const char *plain, *shifted; } r[] = {
		{ 0x02, "1234567890-=", "!@#$%^&*()_+" },
		{ 0x10, "qwertyuiop[]", "QWERTYUIOP{}" },
		{ 0x1e, "asdfghjkl;'`", "ASDFGHJKL:\"~" },
		{ 0x2b, "\\zxcvbnm,./", "|ZXCVBNM<>?" },
		{ 0x47, "789-456+1230.", "789-456+1230." },
	};

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		for (int shift = 0; shift < 2; shift++) {
			const char *want = shift ? r[i].shifted : r[i].plain;
			size_t n = strlen(want);
			fresh();
			if (shift)
				FEED(0x2a);
			for (size_t k = 0; k < n; k++) {
				uint8_t code = (uint8_t)(r[i].first + k);
				assert_int_equal(FEED(code, code | 0x80), 1);
				assert_int_equal((unsigned char)out[0], (unsigned char)want[k]);
			}
		}
	}
}

static void special_keys(void **state)
{
	fresh();
	assert_int_equal(FEED(0x1c, 0x9c, 0x0e, 0x8e, 0x0f, 0x8f, 0x01, 0x81, 0x39, 0xb9,
			      0x37, 0xb7), 6);
	assert_string_equal(out, "\r\x7f\t\x1b *");
	/* Keys without a character: F1, F12, Alt, Num Lock, Scroll Lock. */
	assert_int_equal(FEED(0x3b, 0xbb, 0x58, 0xd8, 0x38, 0xb8, 0x45, 0xc5, 0x46, 0xc6), 0);
}

static void shift_both_sides(void **state)
{
	fresh();
	FEED(0x2a, 0x36, 0xaa);                  /* left released, right still down */
	assert_int_equal(FEED(0x1e), 1);
	assert_string_equal(out, "A");
	FEED(0xb6);
	assert_int_equal(FEED(0x1e), 1);
	assert_string_equal(out, "a");
}

static void caps_lock(void **state)
{
	fresh();
	FEED(0x3a, 0x3a, 0xba);                  /* held: repeats, toggles once */
	assert_true(st.caps_lock);
	assert_int_equal(FEED(0x1e, 0x02, 0x1a), 3);
	assert_string_equal(out, "A1[");         /* letters only */
	FEED(0x2a);
	assert_int_equal(FEED(0x1e, 0x02, 0x1a), 3);
	assert_string_equal(out, "a!{");         /* Shift undoes it for letters */
	FEED(0xaa, 0x3a, 0xba);
	assert_false(st.caps_lock);
	assert_int_equal(FEED(0x1e), 1);
	assert_string_equal(out, "a");
}

static void ctrl(void **state)
{
	fresh();
	FEED(0x1d);
	assert_int_equal(FEED(0x1e, 0x2e, 0x1a, 0x2b), 4);
	assert_memory_equal(out, "\x01\x03\x1b\x1c", 4);   /* ^A ^C ^[ ^\ */
	assert_int_equal(FEED(0x02), 1);
	assert_string_equal(out, "1");           /* no control character */
	FEED(0x3a, 0xba, 0x2a);                  /* Caps and Shift do not matter */
	assert_int_equal(FEED(0x2e), 1);
	assert_string_equal(out, "\x03");
	assert_int_equal(FEED(0x03), 1);         /* Shift 2 is @: ^@ is NUL */
	assert_int_equal(out[0], 0);
	FEED(0xaa, 0x3a, 0xba, 0x9d);
	assert_int_equal(FEED(0x2e), 1);
	assert_string_equal(out, "c");
	FEED(0xe0, 0x1d);                        /* right Ctrl */
	assert_true(st.ctrl_right);
	assert_int_equal(FEED(0x2e), 1);
	assert_string_equal(out, "\x03");
	FEED(0xe0, 0x9d);
	assert_false(st.ctrl_right);
	assert_false(st.ctrl_left);
}

static void prefixes(void **state)
{
	fresh();
	/* Arrows, Home, Delete: nothing; keypad Enter and slash: characters. */
	assert_int_equal(FEED(0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x4b, 0xe0, 0xcb,
			      0xe0, 0x47, 0xe0, 0xc7, 0xe0, 0x53, 0xe0, 0xd3), 0);
	assert_int_equal(FEED(0xe0, 0x1c, 0xe0, 0x9c, 0xe0, 0x35, 0xe0, 0xb5), 2);
	assert_string_equal(out, "\r/");
	/* Print Screen's fake Shift does not shift what follows. */
	assert_int_equal(FEED(0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa, 0x1e), 1);
	assert_string_equal(out, "a");
	/* A Shift held across grey keys with fake releases stays held. */
	FEED(0x2a, 0xe0, 0xaa, 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x2a);
	assert_int_equal(FEED(0x1e), 1);
	assert_string_equal(out, "A");
	FEED(0xaa);
	/* The prefix covers one byte only. */
	assert_int_equal(FEED(0xe0, 0x48, 0x1c), 1);
	assert_string_equal(out, "\r");
}

static void pause_is_swallowed(void **state)
{
	fresh();
	/* Its 0x1d would be Ctrl and its 0x45 Num Lock if read as keys. */
	assert_int_equal(FEED(0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x2e), 1);
	assert_string_equal(out, "c");
	assert_false(st.ctrl_left);
}

/* Answers of the keyboard, not keys: ACK, self-test passed, resend, echo,
 * errors. None gives a character. */
static void controller_answers(void **state)
{
	fresh();
	assert_int_equal(FEED(0xfa, 0xaa, 0xfe, 0xee, 0x00, 0xff, 0xfc), 0);
	assert_false(st.shift_left);
}

static void every_code(void **state)
{
	for (unsigned code = 0; code < 0x80; code++) {
		if ((code | 0x80) == 0xe0 || (code | 0x80) == 0xe1)
			continue;            /* those bytes are prefixes, not releases */
		fresh();
		FEED((uint8_t)code);
		fresh();
		assert_int_equal(scancode_feed(&st, (uint8_t)(code | 0x80)), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows),
		cmocka_unit_test(special_keys),
		cmocka_unit_test(shift_both_sides),
		cmocka_unit_test(caps_lock),
		cmocka_unit_test(ctrl),
		cmocka_unit_test(prefixes),
		cmocka_unit_test(pause_is_swallowed),
		cmocka_unit_test(controller_answers),
		cmocka_unit_test(every_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
