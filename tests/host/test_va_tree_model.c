/*
 * Seeded random runs of mm/va_tree.c against models:
 *  - a bool per page, where lowest fit is a plain scan of aligned
 *    addresses, with va_tree_check and a full snapshot (failed operations
 *    must not change one pointer) after every operation;
 *  - each alignment 4 KiB..2 MiB alone, against the sorted array of ranges
 *    in va_tree_fixture.h;
 *  - millions of mixed operations against that array, odd regions too
 *    (next to 0, at the top of the address space).
 * Seeds are printed; VA_SEED=n reruns one. With VALGRIND set the runs are
 * cut down twentyfold.
 */
#include "tests/host/va_tree_fixture.h"

/* --- the page model: a bool per page, brute-force lowest fit -------------- */

#define BM_PAGES 1024

static bool bm_free[BM_PAGES];
static uint64_t bm_base;

static bool bm_is_free(uint64_t addr)
{
	return addr >= bm_base && addr < bm_base + BM_PAGES * PAGE && bm_free[(addr - bm_base) / PAGE];
}

/* Try every aligned address in the window, lowest first. */
static uint64_t bm_lowest_fit(uint64_t size, uint64_t align, uint64_t vs, uint64_t ve)
{
	/* Nothing is free outside the region: skip the climb there. */
	if (vs < bm_base)
		vs = bm_base;
	if (ve > bm_base + BM_PAGES * PAGE)
		ve = bm_base + BM_PAGES * PAGE;
	for (uint64_t a = (vs + align - 1) / align * align; a + size <= ve && a >= vs; a += align) {
		uint64_t p = 0;

		while (p < size && bm_is_free(a + p))
			p += PAGE;
		if (p == size)
			return a;
	}
	return 0;
}

static void bm_compare(void)
{
	const struct va_node *v = va_tree_first(&tree);

	for (uint64_t p = 0; p < BM_PAGES; p++) {
		if (!bm_free[p])
			continue;
		uint64_t s = bm_base + p * PAGE;

		while (p < BM_PAGES && bm_free[p])
			p++;
		if (!v || v->start != s || v->end != bm_base + p * PAGE)
			FAIL("tree and page model differ at %#lx", s);
		v = va_tree_next(v);
	}
	if (v)
		FAIL("tree has an extra range [%#lx, %#lx)", v->start, v->end);
}

static void test_random_vs_pages(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree pages", &seeds, (int)scaled(40));
	uint64_t kinds[CLIP_KINDS] = { 0 }, merges[3] = { 0 };

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		seed_rng(seed);
		fresh_tree();
		/* 2 MiB aligned, or a few pages after, so big alignments straddle. */
		bm_base = BASE + (test_random() % 2 ? 0 : (1 + rnd_below(300)) * PAGE);
		memset(bm_free, 0, sizeof(bm_free));

		for (op_now = 0; op_now < 4000; op_now++) {
			uint64_t r = rnd_below(100);
			uint64_t p = rnd_below(BM_PAGES), len = 1 + rnd_below(test_random() % 4 ? 8 : 128);
			uint64_t s = bm_base + p * PAGE, e = s + len * PAGE;
			uint64_t base_end = bm_base + BM_PAGES * PAGE;
			enum clip kind;
			int m;

			if (e > base_end)
				e = base_end;
			if (r < 45) {
				/* Free: expect success iff no page of it is free. */
				bool any = false, left, right;

				for (uint64_t a = s; a < e; a += PAGE)
					any |= bm_is_free(a);
				left = bm_is_free(s - PAGE);
				right = bm_is_free(e);
				if (any)
					snap_take();
				int err = do_free(s, e, &m);

				if (err != (any ? VA_EOVERLAP : VA_OK))
					FAIL("free [%#lx, %#lx) returned %d", s, e, err);
				if (any) {
					snap_same("an overlapping free");
					continue;
				}
				if (m != left + right)
					FAIL("free [%#lx, %#lx) merged %d, want %d", s, e, m, left + right);
				merges[m]++;
				for (uint64_t a = s; a < e; a += PAGE)
					bm_free[(a - bm_base) / PAGE] = true;
			} else {
				uint64_t align = PAGE << rnd_below(10);	/* 4 KiB .. 2 MiB */
				uint64_t vs = 0, ve = TOP, size = len * PAGE;

				if (test_random() % 4 == 0) {
					vs = bm_base + (rnd_below(BM_PAGES + 20) - 10) * PAGE;
					ve = vs + rnd_below(BM_PAGES) * PAGE;
				}
				uint64_t want = bm_lowest_fit(size, align, vs, ve);

				snap_take();
				uint64_t got = do_alloc(size, align, vs, ve, true, &kind);

				if (got != want)
					FAIL("alloc %#lx align %#lx in [%#lx, %#lx): %#lx, want %#lx",
					     size, align, vs, ve, got, want);
				if (!got) {
					snap_same("a failed allocation");
					continue;
				}
				bool left = bm_is_free(got - PAGE), right = bm_is_free(got + size);
				enum clip want_kind = left && right ? CLIP_MIDDLE : left ? CLIP_RIGHT :
						      right ? CLIP_LEFT : CLIP_WHOLE;

				if (kind != (want_kind == CLIP_RIGHT ? CLIP_LEFT : want_kind))
					FAIL("alloc at %#lx: clip kind %d, want %d", got, kind, want_kind);
				kinds[want_kind]++;
				for (uint64_t a = got; a < got + size; a += PAGE)
					bm_free[(a - bm_base) / PAGE] = false;
			}
			check_tree();
			bm_compare();
		}
	}
	print_message("va_tree pages: clips whole %lu left %lu right %lu middle %lu; "
		      "frees merging 0: %lu 1: %lu 2: %lu\n", kinds[CLIP_WHOLE], kinds[CLIP_LEFT],
		      kinds[CLIP_RIGHT], kinds[CLIP_MIDDLE], merges[0], merges[1], merges[2]);
	for (int k = CLIP_WHOLE; k < CLIP_KINDS; k++)
		assert_true(kinds[k] > 0);
	assert_true(merges[0] && merges[1] && merges[2]);
}

/* --- mixed workloads against the range model ------------------------------ */

/*
 * One random operation on tree and model. Live areas are kept so frees
 * are real ones; some free only part of an area, some are double frees.
 */
struct workload {
	uint64_t lo, hi;		/* the region */
	uint64_t fixed_align;		/* 0: random alignments */
	uint64_t target;		/* live areas to aim for */
	uint64_t live_n;
	uint64_t kinds[CLIP_KINDS], merges[3], errors;
};

static uint64_t pick_align(const struct workload *w)
{
	uint64_t r = rnd_below(100);

	if (w->fixed_align)
		return w->fixed_align;
	return r < 50 ? PAGE : r < 92 ? PAGE << (1 + rnd_below(9)) : PAGE << (10 + rnd_below(9));
}

static void random_op(struct workload *w)
{
	uint64_t r = rnd_below(100), got, want;
	enum clip kind, want_kind;
	int m, want_m, err, want_err;

	if (r < 50 && (w->live_n < w->target || r < 20)) {
		uint64_t pages = test_random() % 8 ? 1 + rnd_below(16) : 1 + rnd_below(test_random() % 8 ? 64 : 2048);
		uint64_t size = pages * PAGE, align = pick_align(w), vs = 0, ve = TOP;
		bool spare = test_random() % 16 != 0;

		if (test_random() % 8 == 0) {
			vs = w->lo + rnd_below((w->hi - w->lo) / PAGE + 40) * PAGE - 20 * PAGE;
			ve = vs + rnd_below((w->hi - w->lo) / PAGE) * PAGE;
		} else if (test_random() % 8 == 0 && model_n) {
			/* A window ending where a free range does: right clips. */
			ve = model[rnd_below(model_n)].end;
			vs = ve - size - rnd_below(4) * PAGE;
		} else if (test_random() % 8 == 0 && model_n) {
			/* A free range's size, wherever it fits: whole takes. */
			const struct range *f = &model[rnd_below(model_n)];

			size = f->end - f->start;
		}
		want = model_alloc(size, align, vs, ve, spare, &want_kind);
		got = do_alloc(size, align, vs, ve, spare, &kind);
		if (got != want || kind != (want_kind == CLIP_RIGHT ? CLIP_LEFT : want_kind))
			FAIL("alloc %#lx align %#lx in [%#lx, %#lx)%s: %#lx (%d), want %#lx (%d)",
			     size, align, vs, ve, spare ? "" : " no spare", got, kind, want, want_kind);
		w->kinds[want_kind]++;
		if (got) {
			live_start[w->live_n] = got;
			live_size[w->live_n++] = size;
		}
	} else if (r < 88 && w->live_n) {
		uint64_t i = rnd_below(w->live_n), s = live_start[i], e = s + live_size[i];
		uint64_t pages = live_size[i] / PAGE;

		/* A third of the time only a head or a tail; the rest stays live. */
		if (pages > 1 && test_random() % 3 == 0) {
			uint64_t cut = s + (1 + rnd_below(pages - 1)) * PAGE;

			if (test_random() % 2) {
				live_start[i] = cut;
				e = cut;
			} else {
				s = cut;
			}
			live_size[i] -= e - s;
		} else {
			live_start[i] = live_start[--w->live_n];
			live_size[i] = live_size[w->live_n];
		}
		want_err = model_free(s, e, &want_m);
		err = do_free(s, e, &m);
		if (err || want_err || m != want_m)
			FAIL("free [%#lx, %#lx): %d merged %d, model %d merged %d",
			     s, e, err, m, want_err, want_m);
		w->merges[m]++;
	} else if (model_n) {
		/* A double free: a span with at least one free page in it. */
		const struct range *f = &model[rnd_below(model_n)];
		uint64_t p = f->start + rnd_below((f->end - f->start) / PAGE) * PAGE;
		uint64_t s = p - rnd_below(4) * PAGE, e = p + PAGE;

		if (s == 0 || s > p)
			s = p;
		if (e < TOP && test_random() % 2)
			e += rnd_below((TOP - e) / PAGE < 4 ? (TOP - e) / PAGE : 4) * PAGE;
		want_err = model_free(s, e, &want_m);
		err = do_free(s, e, &m);
		if (err != VA_EOVERLAP || want_err != VA_EOVERLAP)
			FAIL("double free [%#lx, %#lx): %d, model %d", s, e, err, want_err);
		w->errors++;
	}
	if (tree.nodes != model_n || tree.free_bytes != model_bytes)
		FAIL("tree %lu ranges %#lx bytes, model %zu ranges %#lx bytes",
		     tree.nodes, tree.free_bytes, model_n, model_bytes);
}

/* Run ops operations on a fresh tree over [lo, hi); check every every-th. */
static void run_workload(struct workload *w, uint64_t seed, long ops, long every)
{
	int m;

	seed_rng(seed);
	fresh_tree();
	model_reset();
	w->live_n = 0;
	assert_int_equal(do_free(w->lo, w->hi, &m), VA_OK);
	model_free(w->lo, w->hi, &m);
	for (op_now = 0; op_now < ops; op_now++) {
		random_op(w);
		if (op_now % every == 0) {
			check_tree();
			model_compare();
		}
	}
	check_tree();
	model_compare();
	/* Give everything back: one range again. */
	while (w->live_n) {
		w->live_n--;
		if (do_free(live_start[w->live_n], live_start[w->live_n] + live_size[w->live_n], &m))
			FAIL("final free failed");
	}
	EXPECT(w->lo, w->hi);
}

static void test_each_alignment(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree alignments", &seeds, 2);
	uint64_t kinds[CLIP_KINDS] = { 0 };

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		for (uint64_t align = PAGE; align <= 2 * MB; align *= 2) {
			struct workload w = {
				.lo = BASE + 3 * PAGE, .hi = BASE + 64 * MB + 5 * PAGE,
				.fixed_align = align, .target = 40 + seed % 200,
			};

			run_workload(&w, seed * 64 + align / PAGE, scaled(8000), 1);
			if (w.kinds[CLIP_WHOLE] + w.kinds[CLIP_LEFT] + w.kinds[CLIP_RIGHT] +
			    w.kinds[CLIP_MIDDLE] < (uint64_t)scaled(1000))
				FAIL("align %#lx: too few allocations succeeded", align);
			for (int k = 0; k < CLIP_KINDS; k++)
				kinds[k] += w.kinds[k];
		}
	}
	for (int k = CLIP_WHOLE; k < CLIP_KINDS; k++)
		assert_true(kinds[k] > 0);
}

/*
 * The long run. Regions: lull's vmalloc space, one just above 0, one
 * against the top of the address space (aligning up there overflows).
 */
static void test_random_long(void **state)
{
	int seeds;
	uint64_t first = seed_first("va_tree long", &seeds, 12);
	long ops = scaled(300000);
	uint64_t total = 0, kinds[CLIP_KINDS] = { 0 }, merges[3] = { 0 }, errors = 0;

	for (uint64_t seed = first; seed < first + (uint64_t)seeds; seed++) {
		uint64_t size = (64 * MB) << (seed % 4);
		uint64_t lo = seed % 3 == 0 ? PAGE : seed % 3 == 1 ? BASE : TOP - size;
		struct workload w = {
			.lo = lo, .hi = lo + size, .target = 100 + (seed * 577) % 2000,
		};

		run_workload(&w, seed, ops, 4096);
		total += (uint64_t)ops;
		errors += w.errors;
		for (int k = 0; k < CLIP_KINDS; k++)
			kinds[k] += w.kinds[k];
		for (int k = 0; k < 3; k++)
			merges[k] += w.merges[k];
	}
	print_message("va_tree long: %lu operations; allocations failed %lu, whole %lu, "
		      "left %lu, right %lu, middle %lu; frees merging 0: %lu 1: %lu 2: %lu; "
		      "double frees %lu\n", total, kinds[CLIP_NONE], kinds[CLIP_WHOLE],
		      kinds[CLIP_LEFT], kinds[CLIP_RIGHT], kinds[CLIP_MIDDLE], merges[0],
		      merges[1], merges[2], errors);
	for (int k = 0; k < CLIP_KINDS; k++)
		assert_true(kinds[k] > 0);
	assert_true(merges[0] && merges[1] && merges[2] && errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_vs_pages),
		cmocka_unit_test(test_each_alignment),
		cmocka_unit_test(test_random_long),
	};

	return cmocka_run_group_tests_name("mm/va_tree.c", tests, NULL, NULL);
}
