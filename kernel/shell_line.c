/*
 * The shell's line editor (kernel/shell_line.h).
 */
#include "kernel/shell_line.h"

#define CTRL(c) ((c) & 0x1f)

void shell_line_reset(struct shell_line *l)
{
	l->len = 0;
	l->buf[0] = 0;
	l->overflowed = false;
}

enum shell_key shell_line_feed(struct shell_line *l, int c, size_t *erased)
{
	bool after_cr = l->last_cr;

	l->last_cr = c == '\r';
	switch (c) {
	case '\n':
		if (after_cr)
			return SHELL_NOTHING;   /* the LF of a CR LF */
		/* fall through */
	case '\r':
		l->buf[l->len] = 0;
		return SHELL_DONE;
	case '\b':
	case 0x7f:
		if (!l->len)
			return SHELL_NOTHING;
		l->buf[--l->len] = 0;
		return SHELL_ERASE;
	case CTRL('c'):
		shell_line_reset(l);
		return SHELL_CANCEL;
	case CTRL('u'):
		*erased = l->len;
		shell_line_reset(l);
		return SHELL_KILL;
	case '\t':
		c = ' ';                /* no completion: a tab is a space */
		break;
	default:
		break;
	}
	if (c < ' ' || c > '~')
		return SHELL_NOTHING;   /* other control bytes, escape sequences, 8-bit */
	if (l->len + 1 >= SHELL_LINE_MAX) {
		l->overflowed = true;
		return SHELL_FULL;
	}
	l->buf[l->len++] = (char)c;
	l->buf[l->len] = 0;
	return SHELL_ECHO;
}
