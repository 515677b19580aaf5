/*
 * The calls on filter programs (user/fuzz/fuzz.h): jit_load() from any
 * buffer with any count, jit_run() and jit_free() with any handle. The
 * model is which handles are live and, where the immediates loaded could
 * not change before the kernel read them, the sum each must return.
 */
#include "user/fuzz/fuzz.h"

/*
 * A load or a free that works is a kernel TLB flush on every CPU (two for
 * a load: read-only, then executable), milliseconds under emulation; a
 * load fails cheaply while all handles are taken. So the handle a free
 * names is live only once in FREE_LIVE_ODDS, which sets the pace of both.
 */
#define RUN_LIVE_ODDS  2
#define FREE_LIVE_ODDS 64

static bool live[SYS_JIT_HANDLES], known[SYS_JIT_HANDLES];
static uint32_t sums[SYS_JIT_HANDLES];
static unsigned nlive;

void op_jit_load(void)
{
	struct call c = call_new(SYS_JIT_LOAD);
	uint64_t p, n;

	if (below(2)) {                         /* the random immediates */
		uint64_t at = below(SYS_JIT_MAX_INSNS);
		p = (uint64_t)&imms[at];
		n = 1 + below(sizeof(imms) / 4 - at);
		imms[below(sizeof(imms) / 4)] = (uint32_t)rnd();
	} else {
		p = pick_pointer();
		n = pick_count(p);
	}
	bool n_ok = n >= 1 && n <= SYS_JIT_MAX_INSNS;
	enum content worst;
	bool mapped = n <= USER_END / 4 && in_user(p, 4 * n) && readable(p, 4 * n, &worst) == 4 * n;
	unsigned errs = (n_ok ? 0 : ERR(E_INVAL)) | (mapped ? 0 : ERR(E_FAULT)) |
			(nlive == SYS_JIT_HANDLES ? ERR(E_NOSPC) : 0);
	bool sum_known = n_ok && mapped && stable(p, 4 * n);
	uint32_t sum = 0;

	for (uint64_t i = 0; sum_known && i < n; i++) {
		uint32_t v;
		memcpy(&v, (const void *)(p + 4 * i), sizeof(v));
		sum += v;                       /* wraps, as the filter's add does */
	}
	c.a[0] = p;
	c.a[1] = n;
	int64_t got = fuzz_syscall(&c);
	if (errs) {
		/* Memory may run out before the copy that would fault. */
		expect_error(&c, got, errs == ERR(E_FAULT) ? errs | ERR(E_NOMEM) : errs);
		return;
	}
	if (got == -E_NOMEM)
		return;
	if (got < 0 || got >= SYS_JIT_HANDLES || live[got])
		broken(&c, got, "a free handle");
	live[got] = true;
	known[got] = sum_known;
	sums[got] = sum;
	nlive++;
}

void op_jit_run(void)
{
	struct call c = call_new(SYS_JIT_RUN);
	uint64_t h = pick_handle(live, RUN_LIVE_ODDS);

	c.a[0] = h;
	int64_t got = fuzz_syscall(&c);
	if (h >= SYS_JIT_HANDLES || !live[h])
		expect_error(&c, got, ERR(E_INVAL));
	else if (known[h])
		expect_value(&c, got, sums[h]);         /* zero-extended: never an error */
	else if (got < 0 || got > (int64_t)UINT32_MAX)
		broken(&c, got, "a 32-bit result");
}

void op_jit_free(void)
{
	struct call c = call_new(SYS_JIT_FREE);
	uint64_t h = pick_handle(live, FREE_LIVE_ODDS);

	c.a[0] = h;
	int64_t got = fuzz_syscall(&c);
	if (h >= SYS_JIT_HANDLES || !live[h]) {
		expect_error(&c, got, ERR(E_INVAL));
		return;
	}
	expect_value(&c, got, 0);
	live[h] = false;
	nlive--;
}
