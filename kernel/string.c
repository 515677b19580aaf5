/*
 * The freestanding subset of <string.h>.
 *
 * The same object is linked into the host unit tests ahead of libc, so these
 * functions replace glibc's for the whole test program (cmocka included):
 * they must be exactly right, not just right for lull's own callers.
 *
 * memset, memcpy and memmove use the string instructions. Apart from being
 * fast enough on every CPU since Ivy Bridge (ERMS), that keeps the compiler
 * from recognising a byte loop here as "a memcpy" and compiling it into a
 * call to itself.
 */
#include "kernel/string.h"

#include <stdint.h>

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb"
			 : "+D"(d), "+c"(n)
			 : "a"(c)
			 : "memory");
	return dst;
}

/* Byte by byte, lowest address first, as the instruction defines it. */
static void string_copy_up(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(n)
			 : : "memory");
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	string_copy_up(dst, src, n);
	return dst;
}

/*
 * Copying forwards is safe unless dst starts inside [src, src+n); then copy
 * backwards, from the last byte down, with the direction flag set. The ABI
 * requires DF clear at every call boundary, so it is cleared again at once.
 */
void *memmove(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	if (d - s >= n) {	/* d < s wraps to a huge value: forwards */
		string_copy_up(dst, src, n);
		return dst;
	}

	unsigned char *dl = (unsigned char *)dst + n - 1;
	const unsigned char *sl = (const unsigned char *)src + n - 1;

	__asm__ volatile("std\n\trep movsb\n\tcld"
			 : "+D"(dl), "+S"(sl), "+c"(n)
			 : : "memory", "cc");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

/* Bytes compare as unsigned char, as C requires: "\xff" sorts after "a". */
int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x != y)
			return x < y ? -1 : 1;
		if (x == 0)
			break;
	}
	return 0;
}

/* Searching for '\0' finds the terminator, as C requires. */
char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (*s == 0)
			return NULL;
	}
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}
