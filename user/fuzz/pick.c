/*
 * Random numbers and the arguments made of them (user/fuzz/fuzz.h). Each
 * picker mixes the values that matter at a boundary -- NULL, kernel and
 * non-canonical addresses, the top of user space, the edges of what the
 * program has mapped, lengths that wrap, numbers that are small once cut
 * to 32 bits -- with plain random ones and valid ones.
 */
#include "user/fuzz/fuzz.h"

static uint64_t rng;

/* xorshift64* (Marsaglia's xorshift, Vigna's multiplier): the run follows from the seed. */
uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

uint64_t below(uint64_t n)
{
	return rnd() % n;
}

void rnd_seed(uint32_t seed)
{
	rng = (uint64_t)seed << 32 | 0x9e3779b9u;   /* never zero: a fixed point of xorshift */
	for (int i = 0; i < 8; i++)
		rnd();
}

static struct area *any_region(void)
{
	return model.nregions ? &model.regions[below(model.nregions)] : 0;
}

uint64_t pick_kernel(void)
{
	switch (below(4)) {
	case 0:  return 0xffff800000000000ull + (rnd() & 0x7fffffffffull);  /* direct map */
	case 1:  return 0xfffffe8000000000ull + (rnd() & 0xfffff);          /* entry region */
	case 2:  return 0xffffffff80000000ull + (rnd() & 0x3ffffff);        /* kernel image */
	default: return 0xffff800000000000ull | rnd();                      /* anywhere there */
	}
}

uint64_t pick_pointer(void)
{
	struct area *r = any_region();
	uint64_t image_len = model.image_rw.end - USER_IMAGE_BASE;

	switch (below(13)) {
	case 0:  return 0;
	case 1:  return below(16 * PAGE);                       /* NULL's neighbours */
	case 2:  return pick_kernel();
	case 3:  return USER_END + below(0xffff000000000000ull - USER_END); /* non-canonical */
	case 4:  return USER_END - 1 - below(2 * PAGE);         /* the top of user space */
	case 5:  return r ? r->end - below(64) : USER_MAP_BASE; /* a region's last bytes, or past */
	case 6:  return r ? r->start - 1 - below(64) : USER_MAP_BASE - 1;  /* just below one */
	case 7:  return USER_IMAGE_BASE - PAGE + below(image_len + 2 * PAGE);
	case 8:  return model.stack.start - PAGE + below(USER_STACK_SIZE + 2 * PAGE);
	case 9:  return (uint64_t)imms + below(sizeof(imms));
	case 10: return rnd() & (USER_END - 1);
	case 11: return rnd();
	default: return r ? r->start + below(r->end - r->start) : below(PAGE);
	}
}

uint64_t pick_length(uint64_t p)
{
	struct area *r = area_at(p);

	switch (below(12)) {
	case 0:  return 0;
	case 1:  return 1 + below(16);
	case 2:  return 255 + below(3);
	case 3:  return PAGE - 1 + below(3);
	case 4:  return below(1 << 16);
	case 5:  return USER_END - p + below(2);       /* to the end of user space, or one more */
	case 6:  return -p + below(2);                 /* p + length wraps to 0 or 1 */
	case 7:  return -1 - below(PAGE);              /* "negative" */
	case 8:  return 1ull << (32 + below(32));
	case 9:  return (1ull << 32) + below(16);      /* small if cut to 32 bits */
	case 10: return r ? r->end - p - 1 + below(3) : 1;  /* to its area's end, -1..+1 */
	default: return 1 + below(PAGE);
	}
}

uint64_t pick_count(uint64_t p)
{
	struct area *r = area_at(p);

	switch (below(10)) {
	case 0:  return 0;
	case 1:  return 1 + below(16);
	case 2:  return SYS_JIT_MAX_INSNS - 1 + below(3);
	case 3:  return 1 + below(SYS_JIT_MAX_INSNS);
	case 4:  return -1 - below(4);
	case 5:  return (1ull << 32) + below(4);       /* small if cut to 32 bits */
	case 6:  return (1ull << 62) + below(4);       /* 4n wraps to a few bytes */
	case 7:  return r ? (r->end - p) / 4 + below(2) : 1;  /* to its area's end, or across */
	case 8:  return rnd();
	default: return 1 + below(8);
	}
}

/* The first handle from a random one on that is live (or not); -1 if none. */
static int64_t handle_where(const bool live[SYS_JIT_HANDLES], bool want)
{
	uint64_t k = below(SYS_JIT_HANDLES);

	for (unsigned i = 0; i < SYS_JIT_HANDLES; i++)
		if (live[(k + i) % SYS_JIT_HANDLES] == want)
			return (int64_t)((k + i) % SYS_JIT_HANDLES);
	return -1;
}

uint64_t pick_handle(const bool live[SYS_JIT_HANDLES], unsigned live_odds)
{
	int64_t h;

	if (below(live_odds) == 0 && (h = handle_where(live, true)) >= 0)
		return (uint64_t)h;
	switch (below(5)) {
	case 0:  h = handle_where(live, false);        /* not live; past the last if all are */
		 return h >= 0 ? (uint64_t)h : SYS_JIT_HANDLES;
	case 1:  return SYS_JIT_HANDLES + below(4);    /* just past the last */
	case 2:  return -1 - below(4);
	case 3:  return (1ull << 32) + below(SYS_JIT_HANDLES);  /* a handle if cut to 32 bits */
	default: return rnd();
	}
}

uint64_t pick_map_length(void)
{
	uint64_t rest = SYS_MAP_MAX / PAGE - model.map_pages;

	switch (below(16)) {
	case 0:  return 0;
	case 1:  return below(2) ? SYS_MAP_MAX + PAGE * below(2)     /* the limit, or over it */
				 : (rest + below(2)) * PAGE;          /* the budget left, or over */
	case 2:  return -1 - below(PAGE + 1);          /* rounding up wraps past 2^64, or not */
	case 3:  return rnd();
	case 4:
	case 5:  return 1 + below(16 * PAGE);          /* not whole pages */
	case 6:
	case 7:  return (1 + below(64)) * PAGE;
	default: return (1 + below(4)) * PAGE;
	}
}

uint64_t pick_map_addr(uint64_t len)
{
	struct area *r = any_region();

	switch (below(12)) {
	case 0:  return r ? r->end : USER_MAP_BASE;              /* right after a region */
	case 1:  return r ? r->start - len : USER_MAP_BASE;      /* right before one */
	case 2:  return r ? r->start + PAGE * below((r->end - r->start) / PAGE) : USER_MAP_BASE;
	case 3:  return USER_MAP_BASE + PAGE * below(256);
	case 4:  return USER_END - len + PAGE * below(2);        /* the top, or across it */
	case 5:  return PAGE * below(1024);                      /* low memory (0: placed) */
	case 6:  return model.image_rw.end - PAGE * below(2);    /* after the image, or on it */
	case 7:  return model.stack.start - len + PAGE * below(2); /* below the stack, or on it */
	case 8:  return USER_STACK_TOP + PAGE * below(4);        /* above the stack */
	case 9:  return pick_kernel() & ~(PAGE - 1);
	case 10: return rnd() & (USER_END - 1) & ~(PAGE - 1);
	default: return pick_pointer();                          /* mostly misaligned */
	}
}
