/*
 * printf and puts for user programs, on the kernel's own vsnprintf
 * (kernel/format.c, compiled again for ring 3): one formatting engine, one
 * set of host tests, the same conversions on both sides of the boundary.
 */
#include "user/lib/lull.h"

int vprintf(const char *fmt, va_list ap)
{
	char buf[PRINT_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;	/* cut, as the header says */
	return (int)sys_write(buf, (uint64_t)n);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
