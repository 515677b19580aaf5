/*
 * The fuzzer's model of its own address space (user/fuzz/fuzz.h): the
 * image's segments and the stack, as the kernel's loader maps them
 * (kernel/exec.c), and the regions map() gave, as unmap() cut them. From
 * it the fuzzer decides what each call must return.
 */
#include "user/fuzz/fuzz.h"

/* The ends of text + rodata and of the whole image, from user/user.ld. */
extern const char user_rodata_end[], user_image_end[];

struct model model;
uint32_t imms[SYS_JIT_MAX_INSNS + 8];

uint64_t page_up(uint64_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

void model_init(void)
{
	model.image_ro = (struct area){ USER_IMAGE_BASE, page_up((uint64_t)user_rodata_end),
					FIXED, false };
	model.image_rw = (struct area){ model.image_ro.end, page_up((uint64_t)user_image_end),
					CHANGING, true };
	model.stack = (struct area){ USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP,
				     CHANGING, true };
}

bool in_user(uint64_t a, uint64_t len)
{
	return a < USER_END && len <= USER_END - a;
}

struct area *area_at(uint64_t a)
{
	struct area *const fixed[] = { &model.image_ro, &model.image_rw, &model.stack };

	for (unsigned i = 0; i < 3; i++)
		if (a >= fixed[i]->start && a < fixed[i]->end)
			return fixed[i];
	for (unsigned i = 0; i < model.nregions; i++)
		if (a >= model.regions[i].start && a < model.regions[i].end)
			return &model.regions[i];
	return 0;
}

uint64_t readable(uint64_t a, uint64_t len, enum content *worst)
{
	uint64_t p = a;
	struct area *r;

	*worst = ZERO;
	while (p - a < len && (r = area_at(p))) {
		if (r->content > *worst)
			*worst = r->content;
		p = r->end;
	}
	return p - a < len ? p - a : len;
}

bool stable(uint64_t p, uint64_t len)
{
	uint64_t base = (uint64_t)imms;
	enum content worst;

	if (p >= base && len <= sizeof(imms) && p - base <= sizeof(imms) - len)
		return true;
	return readable(p, len, &worst) == len && worst != CHANGING;
}

static bool overlaps(const struct area *r, uint64_t a, uint64_t len)
{
	return a < r->end && r->start < a + len;
}

bool is_free(uint64_t a, uint64_t len)
{
	if (overlaps(&model.image_ro, a, len) || overlaps(&model.image_rw, a, len) ||
	    overlaps(&model.stack, a, len))
		return false;
	for (unsigned i = 0; i < model.nregions; i++)
		if (overlaps(&model.regions[i], a, len))
			return false;
	return true;
}

bool from_map(uint64_t a, uint64_t len)
{
	struct area *r;

	for (uint64_t p = a; p < a + len; p = r->end)
		if (!(r = area_at(p)) || r->content != ZERO)
			return false;
	return true;
}

bool splits(uint64_t a, uint64_t b)
{
	for (unsigned i = 0; i < model.nregions; i++)
		if (model.regions[i].start < a && model.regions[i].end > b)
			return true;
	return false;
}

void region_add(uint64_t start, uint64_t end, bool writable)
{
	model.regions[model.nregions++] = (struct area){ start, end, ZERO, writable };
	model.map_pages += (end - start) / PAGE;
}

void region_remove(uint64_t a, uint64_t b)
{
	struct area *regions = model.regions;

	for (unsigned i = 0; i < model.nregions;) {
		struct area *r = &regions[i];

		if (r->end <= a || r->start >= b) {
			i++;
		} else if (r->start < a && r->end > b) {
			regions[model.nregions++] = (struct area){ b, r->end, ZERO, r->writable };
			r->end = a;
			i++;
		} else if (r->start < a) {
			r->end = a;
			i++;
		} else if (r->end > b) {
			r->start = b;
			i++;
		} else {
			*r = regions[--model.nregions];  /* look at the one moved here next */
		}
	}
	model.map_pages -= (b - a) / PAGE;
}
