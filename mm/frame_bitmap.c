/*
 * The frame bitmap: one bit per 4 KiB frame, set = in use.
 *
 * Searches go a 64-bit word at a time: a word of all ones is 64 frames in
 * use, skipped with one compare, and the first free frame in a word is the
 * lowest zero bit (__builtin_ctzll, one instruction). The bits past nframes
 * in the last word are set at init and never cleared, so no search needs a
 * separate bound check for them.
 */
#include "mm/frame_bitmap.h"

#define FB_WORD_BITS 64

/* Not __builtin_popcountll: without -mpopcnt it is a libgcc call. */
static uint64_t fb_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* Bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static uint64_t fb_mask(unsigned lo, unsigned hi)
{
	uint64_t upto = hi == FB_WORD_BITS ? ~0ull : (1ull << hi) - 1;

	return upto & ~((1ull << lo) - 1);
}

static uint64_t fb_words(uint64_t nframes)
{
	return nframes / FB_WORD_BITS + (nframes % FB_WORD_BITS != 0);
}

uint64_t frame_bitmap_bytes(uint64_t nframes)
{
	return fb_words(nframes) * sizeof(uint64_t);
}

void frame_bitmap_init(struct frame_bitmap *fb, uint64_t *bits, uint64_t nframes)
{
	for (uint64_t w = 0; w < fb_words(nframes); w++)
		bits[w] = ~0ull;
	*fb = (struct frame_bitmap){ .bits = bits, .nframes = nframes };
}

/* Set (claim) or clear (release) [first, first+count), keeping nfree exact. */
static void fb_update(struct frame_bitmap *fb, uint64_t first, uint64_t count, bool claim)
{
	if (first >= fb->nframes)
		return;
	if (count > fb->nframes - first)
		count = fb->nframes - first;

	uint64_t end = first + count;

	while (first < end) {
		uint64_t w = first / FB_WORD_BITS;
		unsigned lo = first % FB_WORD_BITS;
		uint64_t left = end - w * FB_WORD_BITS;	/* bits from this word's start */
		unsigned hi = left >= FB_WORD_BITS ? FB_WORD_BITS : (unsigned)left;
		uint64_t m = fb_mask(lo, hi);

		if (claim) {
			fb->nfree -= fb_popcount(m & ~fb->bits[w]);
			fb->bits[w] |= m;
		} else {
			fb->nfree += fb_popcount(m & fb->bits[w]);
			fb->bits[w] &= ~m;
		}
		first = (w + 1) * FB_WORD_BITS;
	}
}

void frame_bitmap_release(struct frame_bitmap *fb, uint64_t first, uint64_t count)
{
	fb_update(fb, first, count, false);
}

void frame_bitmap_claim(struct frame_bitmap *fb, uint64_t first, uint64_t count)
{
	fb_update(fb, first, count, true);
}

/*
 * The first frame in [from, to) whose bit equals want_used, or to. The
 * search inverts each word when looking for free frames, so both searches
 * look for a set bit.
 */
static uint64_t fb_find(const struct frame_bitmap *fb, uint64_t from, uint64_t to,
			bool want_used)
{
	while (from < to) {
		uint64_t w = from / FB_WORD_BITS;
		uint64_t word = want_used ? fb->bits[w] : ~fb->bits[w];

		word &= ~0ull << (from % FB_WORD_BITS);
		if (word) {
			uint64_t hit = w * FB_WORD_BITS + (uint64_t)__builtin_ctzll(word);

			return hit < to ? hit : to;
		}
		from = (w + 1) * FB_WORD_BITS;
	}
	return to;
}

/* Next fit: search from next to the end, then wrap round to the start. */
uint64_t frame_bitmap_alloc(struct frame_bitmap *fb)
{
	if (fb->nfree == 0)
		return FRAME_NONE;
	uint64_t start = fb->next < fb->nframes ? fb->next : 0;
	uint64_t f = fb_find(fb, start, fb->nframes, false);

	if (f == fb->nframes) {
		f = fb_find(fb, 0, start, false);
		if (f == start)
			return FRAME_NONE;	/* only if nfree were wrong */
	}

	fb->bits[f / FB_WORD_BITS] |= 1ull << (f % FB_WORD_BITS);
	fb->nfree--;
	fb->next = f + 1 < fb->nframes ? f + 1 : 0;
	return f;
}

/*
 * First fit from frame 0: try the lowest aligned start; if a used frame
 * lies in the window, restart at the first free frame after it, aligned up.
 * Each step skips whole words of used frames, so a failed search costs
 * about one pass over the bitmap.
 */
uint64_t frame_bitmap_alloc_range(struct frame_bitmap *fb, uint64_t count,
				  uint64_t align, uint64_t limit)
{
	if (count == 0 || align == 0 || (align & (align - 1)))
		return FRAME_NONE;
	if (limit > fb->nframes)
		limit = fb->nframes;

	uint64_t start = 0;

	while (count <= limit && start <= limit - count) {
		uint64_t used = fb_find(fb, start, start + count, true);

		if (used == start + count) {
			fb_update(fb, start, count, true);
			return start;
		}
		uint64_t next_free = fb_find(fb, used + 1, limit, false);

		if (next_free > UINT64_MAX - (align - 1))
			break;
		start = (next_free + align - 1) & ~(align - 1);
	}
	return FRAME_NONE;
}

bool frame_bitmap_free(struct frame_bitmap *fb, uint64_t frame)
{
	if (frame >= fb->nframes || frame_bitmap_is_free(fb, frame))
		return false;
	fb->bits[frame / FB_WORD_BITS] &= ~(1ull << (frame % FB_WORD_BITS));
	fb->nfree++;
	return true;
}

bool frame_bitmap_is_free(const struct frame_bitmap *fb, uint64_t frame)
{
	return frame < fb->nframes &&
	       !(fb->bits[frame / FB_WORD_BITS] & (1ull << (frame % FB_WORD_BITS)));
}
