/*
 * vsnprintf: printf-style formatting without floating point.
 *
 * Output goes through fmt_put(), which stores a byte only while there is
 * room for it and the terminating NUL but always counts it: that count is
 * the C99 return value, the length the whole output would have had.
 */
#include "kernel/format.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/string.h"

#define FMT_INT_MAX 0x7fffffff

struct fmt_out {
	char *buf;
	size_t size;
	size_t pos;	/* bytes produced so far, stored or not */
};

enum fmt_length { FMT_LEN_INT, FMT_LEN_HH, FMT_LEN_H, FMT_LEN_L, FMT_LEN_LL,
		  FMT_LEN_Z, FMT_LEN_T };

struct fmt_spec {
	bool left, zero, plus, space, alt;
	int width;		/* 0: none */
	int prec;		/* -1: none given */
	enum fmt_length len;
	char conv;
};

static void fmt_put(struct fmt_out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void fmt_repeat(struct fmt_out *o, char c, int n)
{
	for (; n > 0; n--)
		fmt_put(o, c);
}

static void fmt_string(struct fmt_out *o, const struct fmt_spec *sp,
		       const char *s, size_t n)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		fmt_repeat(o, ' ', pad);
	for (size_t i = 0; i < n; i++)
		fmt_put(o, s[i]);
	if (sp->left)
		fmt_repeat(o, ' ', pad);
}

/*
 * One integer, laid out as C99 says:
 *   [spaces] [sign] [0x] [zeros] digits [spaces (with -)]
 * Precision is the minimum number of digits (and a zero value with
 * precision 0 prints no digits); the 0 flag pads with zeros only when no
 * precision is given; # adds 0x to non-zero hex and a leading 0 to octal.
 */
static void fmt_integer(struct fmt_out *o, const struct fmt_spec *sp,
			uint64_t mag, bool negative)
{
	const char *set = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = sp->conv == 'o' ? 8 : (sp->conv == 'x' || sp->conv == 'X' ||
					      sp->conv == 'p') ? 16 : 10;
	char digits[24];	/* 22 octal digits hold 64 bits */
	int nd = 0;

	for (uint64_t v = mag; v; v /= base)
		digits[nd++] = set[v % base];

	int prec = sp->prec < 0 ? 1 : sp->prec;
	int zeros = prec > nd ? prec - nd : 0;

	if (sp->alt && base == 8 && zeros == 0)
		zeros = 1;

	const char *sign = negative ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	const char *prefix = "";

	if (sp->conv == 'p')
		prefix = "0x";
	else if (sp->alt && base == 16 && mag != 0)
		prefix = sp->conv == 'X' ? "0X" : "0x";

	long body = (long)strlen(sign) + (long)strlen(prefix) + zeros + nd;
	int pad = sp->width > body ? (int)(sp->width - body) : 0;

	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;	/* no overflow: without a precision, zeros <= 1 */
		pad = 0;
	}
	if (!sp->left)
		fmt_repeat(o, ' ', pad);
	for (; *sign; sign++)
		fmt_put(o, *sign);
	for (; *prefix; prefix++)
		fmt_put(o, *prefix);
	fmt_repeat(o, '0', zeros);
	while (nd > 0)
		fmt_put(o, digits[--nd]);
	if (sp->left)
		fmt_repeat(o, ' ', pad);
}

static int64_t fmt_signed_arg(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case FMT_LEN_HH: return (signed char)va_arg(*ap, int);
	case FMT_LEN_H:  return (short)va_arg(*ap, int);
	case FMT_LEN_L:  return va_arg(*ap, long);
	case FMT_LEN_LL: return va_arg(*ap, long long);
	case FMT_LEN_Z:  return (int64_t)va_arg(*ap, size_t);
	case FMT_LEN_T:  return va_arg(*ap, ptrdiff_t);
	default:         return va_arg(*ap, int);
	}
}

static uint64_t fmt_unsigned_arg(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case FMT_LEN_HH: return (unsigned char)va_arg(*ap, unsigned);
	case FMT_LEN_H:  return (unsigned short)va_arg(*ap, unsigned);
	case FMT_LEN_L:  return va_arg(*ap, unsigned long);
	case FMT_LEN_LL: return va_arg(*ap, unsigned long long);
	case FMT_LEN_Z:  return va_arg(*ap, size_t);
	case FMT_LEN_T:  return (uint64_t)va_arg(*ap, ptrdiff_t);
	default:         return va_arg(*ap, unsigned);
	}
}

/* A decimal field width or precision; absurd values are clamped to INT_MAX. */
static int fmt_number(const char **f)
{
	int n = 0;

	for (; **f >= '0' && **f <= '9'; (*f)++)
		n = n > (FMT_INT_MAX - 9) / 10 ? FMT_INT_MAX : n * 10 + (**f - '0');
	return n;
}

/* Parse flags, width, precision and length after a '%'; *f ends on the conversion. */
static void fmt_parse(const char **f, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .prec = -1 };
	for (;; (*f)++) {
		switch (**f) {
		case '-': sp->left = true; continue;
		case '0': sp->zero = true; continue;
		case '+': sp->plus = true; continue;
		case ' ': sp->space = true; continue;
		case '#': sp->alt = true; continue;
		}
		break;
	}
	if (**f == '*') {
		int w = va_arg(*ap, int);	/* negative: the - flag and |w| */

		(*f)++;
		sp->left |= w < 0;
		sp->width = w < 0 ? (w < -FMT_INT_MAX ? FMT_INT_MAX : -w) : w;
	} else {
		sp->width = fmt_number(f);
	}
	if (**f == '.') {
		(*f)++;
		if (**f == '*') {
			int p = va_arg(*ap, int);	/* negative: as if none */

			(*f)++;
			sp->prec = p < 0 ? -1 : p;
		} else {
			sp->prec = fmt_number(f);
		}
	}
	switch (**f) {
	case 'h':
		(*f)++;
		sp->len = **f == 'h' ? ((*f)++, FMT_LEN_HH) : FMT_LEN_H;
		break;
	case 'l':
		(*f)++;
		sp->len = **f == 'l' ? ((*f)++, FMT_LEN_LL) : FMT_LEN_L;
		break;
	case 'z': (*f)++; sp->len = FMT_LEN_Z; break;
	case 't': (*f)++; sp->len = FMT_LEN_T; break;
	}
	sp->conv = **f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size };
	struct fmt_spec sp;
	va_list args;

	/* A copy that helpers can take by pointer: va_list may be an array type. */
	va_copy(args, ap);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			fmt_put(&o, *f);
			continue;
		}
		const char *start = f++;

		fmt_parse(&f, &sp, &args);
		switch (sp.conv) {
		case 'd':
		case 'i': {
			int64_t v = fmt_signed_arg(&args, sp.len);

			fmt_integer(&o, &sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			sp.plus = sp.space = false;	/* signs are for %d and %i only */
			fmt_integer(&o, &sp, fmt_unsigned_arg(&args, sp.len), false);
			break;
		case 'p':
			sp = (struct fmt_spec){ .left = sp.left, .width = sp.width,
						.prec = 16, .conv = 'p' };
			fmt_integer(&o, &sp, (uintptr_t)va_arg(args, void *), false);
			break;
		case 's': {
			const char *s = va_arg(args, const char *);

			if (!s)
				s = "(null)";
			fmt_string(&o, &sp, s, sp.prec < 0 ? strlen(s) : strnlen(s, (size_t)sp.prec));
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);

			fmt_string(&o, &sp, &c, 1);
			break;
		}
		case '%':
			fmt_put(&o, '%');
			break;
		default:
			/* Unknown or missing conversion: print it as written, take no argument. */
			for (; start <= f && *start; start++)
				fmt_put(&o, *start);
			if (!*f)
				f--;	/* the loop's f++ must not step past the NUL */
			break;
		}
	}
	va_end(args);
	if (size > 0)
		buf[o.pos < size ? o.pos : size - 1] = 0;
	return o.pos > FMT_INT_MAX ? -1 : (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
