/*
 * The calls on memory (user/fuzz/fuzz.h): write() with any buffer, map()
 * and unmap() of random ranges, each result decided from the model.
 */
#include "user/fuzz/fuzz.h"

/*
 * A write() either fails before the console sees a byte, or reads only
 * map()ed memory, all zero, which prints nothing (the console prints up to
 * the first zero byte). A buffer of the program's own bytes it does not
 * ask to print at all: it asks for none of them.
 */
void op_write(void)
{
	struct call c = call_new(SYS_WRITE);
	uint64_t buf = pick_pointer(), len = pick_length(buf);
	uint64_t n = len < SYS_WRITE_MAX ? len : SYS_WRITE_MAX, ok = 0;
	enum content worst;

	if (len && in_user(buf, len)) {
		ok = readable(buf, n, &worst);
		if (ok && worst != ZERO)
			len = 0;
	}
	c.a[0] = buf;
	c.a[1] = len;
	int64_t got = fuzz_syscall(&c);
	if (len == 0)
		expect_value(&c, got, 0);
	else if (!in_user(buf, len) || ok == 0)
		expect_error(&c, got, ERR(E_FAULT));
	else if (ok == n)
		expect_value(&c, got, (int64_t)n);      /* cut to SYS_WRITE_MAX */
	else if (!is_one_of(got, ERR(E_FAULT)) && (got <= 0 || (uint64_t)got > ok))
		broken(&c, got, "-E_FAULT, or a count no larger than the bytes mapped");
}

/* Fresh memory is zero, and writable if asked; the bytes tried are put back to zero. */
static void check_fresh(const struct call *c, uint64_t addr, uint64_t len, bool writable)
{
	volatile uint8_t *first = (volatile uint8_t *)addr, *last = first + len - 1;

	if (*first || *last)
		broken(c, (int64_t)addr, "zeroed memory");
	if (!writable)
		return;
	*first = 0xa5;
	*last = 0x5a;
	if (*first != 0xa5 || *last != 0x5a)
		broken(c, (int64_t)addr, "writable memory");
	*first = *last = 0;
}

void op_map(void)
{
	struct call c = call_new(SYS_MAP);
	uint64_t len = pick_map_length();
	bool wraps = len > -PAGE;               /* rounding up to pages overflows */
	uint64_t rlen = wraps ? 0 : page_up(len);
	uint64_t addr = below(2) ? 0 : pick_map_addr(rlen);
	uint64_t prot = below(8) ? below(4) : rnd();
	unsigned errs = 0;

	if (len == 0 || wraps || (prot & ~(uint64_t)(MAP_WRITE | MAP_EXEC)) || addr % PAGE) {
		errs = ERR(E_INVAL);
	} else {
		if (rlen > SYS_MAP_MAX || model.map_pages + rlen / PAGE > SYS_MAP_MAX / PAGE)
			errs |= ERR(E_NOMEM);
		if (addr && (!in_user(addr, rlen) || !is_free(addr, rlen)))
			errs |= ERR(E_INVAL);
	}
	if (!errs && model.nregions == MAX_REGIONS)
		return;                         /* the model is full: no call this step */
	c.a[0] = addr;
	c.a[1] = len;
	c.a[2] = prot;
	int64_t got = fuzz_syscall(&c);
	if (errs) {
		expect_error(&c, got, errs);
		return;
	}
	if (got == -E_NOMEM)
		return;                         /* memory ran out: allowed */
	if (addr && got != (int64_t)addr)
		broken(&c, got, "the address asked for");
	if (!addr && (got < (int64_t)USER_MAP_BASE || got % PAGE || !in_user(got, rlen) ||
		      !is_free(got, rlen)))
		broken(&c, got, "a free page-aligned range from USER_MAP_BASE up");
	region_add(got, got + rlen, prot & MAP_WRITE);
	check_fresh(&c, got, rlen, prot & MAP_WRITE);
}

void op_unmap(void)
{
	struct call c = call_new(SYS_UNMAP);
	struct area *r = model.nregions ? &model.regions[below(model.nregions)] : 0;
	uint64_t addr, len, pages = r ? (r->end - r->start) / PAGE : 0;

	switch (r ? below(8) : 7) {
	case 0:
	case 1:  addr = r->start, len = r->end - r->start; break;
	case 2:  addr = r->start, len = PAGE; break;
	case 3:  addr = r->end - PAGE, len = PAGE * (1 + below(2)); break;
	case 4:  addr = r->start + PAGE * below(pages), len = PAGE * (1 + below(2)); break;
	case 5:  addr = r->start - PAGE * below(2), len = r->end - r->start + PAGE; break;
	case 6:  addr = below(2) ? USER_IMAGE_BASE : model.stack.start, len = PAGE; break;
	default: addr = pick_pointer(), len = pick_length(addr); break;
	}
	bool wraps = len > -PAGE;
	uint64_t rlen = wraps ? 0 : page_up(len);
	bool ok = len && !wraps && addr % PAGE == 0 && in_user(addr, rlen) && from_map(addr, rlen);

	if (ok && model.nregions == MAX_REGIONS && splits(addr, addr + rlen))
		return;                         /* the model is full: no call this step */
	c.a[0] = addr;
	c.a[1] = len;
	int64_t got = fuzz_syscall(&c);
	if (!ok) {
		expect_error(&c, got, ERR(E_INVAL));
		return;
	}
	expect_value(&c, got, 0);
	region_remove(addr, addr + rlen);
}
