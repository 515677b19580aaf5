#pragma once
/*
 * Copying to and from user memory. The range is checked against user
 * space first (so a user pointer can never name kernel memory), then
 * copied with the copy instruction in the exception table: a page that is
 * not mapped or not writable makes the copy fail instead of the kernel.
 * Under SMAP the copy runs between STAC and CLAC, the only kernel code that
 * may touch user pages.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does [addr, addr + len) lie inside user space (no wrap-around)? */
static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr < 0x0000800000000000ull && len <= 0x0000800000000000ull - addr;
}

/* 0, or -1 when the range is not user memory or part of it faults. */
int copy_from_user(void *dst, uint64_t src, size_t len);
int copy_to_user(uint64_t dst, const void *src, size_t len);

/* Tests: read one byte of user memory *without* STAC; the fault vector
 * (14 under SMAP), or 0 if the read went through. */
uint64_t user_read_without_stac(uint64_t addr);
