#pragma once
/*
 * The core of the physical frame allocator: one bit per 4 KiB frame,
 * set = in use. Pure logic (no locking, no kernel calls) so that host unit
 * tests run it; mm/pmm.c wraps it with a lock and the boot-time set-up.
 */
#include <stdbool.h>
#include <stdint.h>

#define FRAME_SIZE 4096ull
#define FRAME_NONE UINT64_MAX

struct frame_bitmap {
	uint64_t *bits;      /* nframes bits, caller-provided storage */
	uint64_t nframes;
	uint64_t nfree;
	uint64_t next;       /* where the next search starts (next fit) */
};

/* Storage needed for nframes frames, in bytes (a multiple of 8). */
uint64_t frame_bitmap_bytes(uint64_t nframes);
/* Start with every frame in use. */
void frame_bitmap_init(struct frame_bitmap *fb, uint64_t *bits, uint64_t nframes);
/* Mark [first, first+count) free / in use; frames beyond nframes are ignored. */
void frame_bitmap_release(struct frame_bitmap *fb, uint64_t first, uint64_t count);
void frame_bitmap_claim(struct frame_bitmap *fb, uint64_t first, uint64_t count);
/* One free frame, or FRAME_NONE. */
uint64_t frame_bitmap_alloc(struct frame_bitmap *fb);
/*
 * count contiguous free frames whose first frame number is a multiple of
 * align (a power of two) and whose last frame is below limit; FRAME_NONE
 * if there is no such run.
 */
uint64_t frame_bitmap_alloc_range(struct frame_bitmap *fb, uint64_t count,
				  uint64_t align, uint64_t limit);
/* Free one frame. Returns false (and changes nothing) if it was already free
 * or is out of range: the caller reports the double or bad free. */
bool frame_bitmap_free(struct frame_bitmap *fb, uint64_t frame);
bool frame_bitmap_is_free(const struct frame_bitmap *fb, uint64_t frame);
