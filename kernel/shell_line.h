#pragma once
/*
 * The shell's line editor, pure (no I/O; host-tested in
 * tests/host/test_shell_line.c): bytes in, a finished line or what to
 * echo out. It knows printable ASCII, backspace/delete, Ctrl-C, Ctrl-U
 * and CR or LF (CR LF, as terminals send, counts once).
 */
#include <stdbool.h>
#include <stddef.h>

#define SHELL_LINE_MAX 128          /* bytes of a line, NUL included */

struct shell_line {
	char buf[SHELL_LINE_MAX];
	size_t len;
	bool last_cr;               /* the previous byte was CR: an LF after it is not a line */
	bool overflowed;            /* bytes were dropped from this line */
};

enum shell_key {
	SHELL_NOTHING,              /* nothing to show */
	SHELL_ECHO,                 /* show the byte */
	SHELL_ERASE,                /* erase one character on screen */
	SHELL_KILL,                 /* erase `erased` characters on screen */
	SHELL_CANCEL,               /* ^C: the line is dropped; a new prompt */
	SHELL_FULL,                 /* the line is full: the byte was dropped (bell) */
	SHELL_DONE,                 /* a line is ready in buf (NUL-terminated) */
};

void shell_line_reset(struct shell_line *l);
/* Feed one byte; *erased says how many characters SHELL_KILL erased. */
enum shell_key shell_line_feed(struct shell_line *l, int c, size_t *erased);
