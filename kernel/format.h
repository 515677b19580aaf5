#pragma once
/*
 * printf-style formatting, freestanding (no floating point).
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z t,
 * flags - 0 + space #, width and precision (also as *).
 * Returns the length the full output would have, like C99 vsnprintf;
 * the buffer is always NUL-terminated when size > 0.
 */
#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
