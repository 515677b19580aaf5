/*
 * ktest suite "kmalloc": every size class and large sizes, from every CPU
 * at once with content checks; frames all come back; double, foreign and
 * misaligned frees are refused; a write after free is caught (debug builds).
 */
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/worker.h"

#define LIVE 64

static bool churn_ok[MAX_CPUS];

/* Sizes 1..6000, each object filled with a pattern of its owner and slot. */
static void churn(void *arg)
{
	static uint8_t *objs[MAX_CPUS][LIVE];
	static size_t sizes[MAX_CPUS][LIVE];
	unsigned me = smp_processor_id();
	uint64_t x = 0x9e3779b97f4a7c15ull * (me + 1);
	bool ok = true;

	/* 8000 allocations in all: the class locks convoy under emulation
	 * (see spinlock_test.c), so the work per CPU shrinks as CPUs grow. */
	unsigned rounds = 8000 / cpumask_weight(&cpu_online_mask);

	for (unsigned round = 0; round < rounds; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned slot = x % LIVE;
		uint8_t *o = objs[me][slot];
		if (o) {
			for (size_t i = 0; i < sizes[me][slot]; i++)
				ok &= o[i] == (uint8_t)(me * 31 + slot + i);
			kfree(o);
		}
		size_t size = 1 + (x >> 20) % (x & 1 ? 300 : 6000);
		o = kmalloc(size);
		objs[me][slot] = o;
		sizes[me][slot] = size;
		if (!o) {
			ok = false;
			continue;
		}
		for (size_t i = 0; i < size; i++)
			o[i] = (uint8_t)(me * 31 + slot + i);
	}
	for (unsigned slot = 0; slot < LIVE; slot++) {
		kfree(objs[me][slot]);
		objs[me][slot] = 0;
	}
	churn_ok[me] = ok;
}

static void concurrent_churn(struct ktest *t)
{
	struct kmalloc_stats before, after;
	unsigned cpu;

	kmalloc_get_stats(&before);
	smp_run_everywhere(churn, 0);
	kmalloc_get_stats(&after);
	for_each_cpu(cpu, &cpu_online_mask)
		KT_EXPECT(t, churn_ok[cpu]);
	KT_EXPECT_EQ(t, after.allocs - before.allocs, after.frees - before.frees);
	KT_EXPECT_EQ(t, after.large_pages, before.large_pages);
	KT_EXPECT_EQ(t, after.bad_frees, before.bad_frees);
	KT_EXPECT_EQ(t, after.poison_damaged, before.poison_damaged);
	KT_EXPECT(t, after.slabs <= before.slabs + 8);    /* at most one kept per class */
}

static void alignment_and_zeroing(struct ktest *t)
{
	for (size_t size = 1; size <= 8192; size = size * 3 + 1) {
		uint8_t *p = kzalloc(size);
		KT_ASSERT(t, p != 0);
		KT_EXPECT_EQ(t, (uint64_t)p % 16, 0);
		for (size_t i = 0; i < size; i++)
			KT_EXPECT(t, p[i] == 0);
		kfree(p);
	}
	kfree(0);
}

static void bad_frees_refused(struct ktest *t)
{
	struct kmalloc_stats before, after;
	static uint64_t not_heap;
	char *p = kmalloc(100), *big = kmalloc(10000);

	KT_ASSERT(t, p && big);
	kmalloc_get_stats(&before);
	kfree(p + 8);                 /* inside an object */
	kfree(&not_heap);             /* not a kmalloc address at all */
	kfree(big + 64);              /* inside a large allocation */
	kfree(p);
	kfree(p);                     /* double */
	kfree(big);
	kfree(big);                   /* double, large */
	kmalloc_get_stats(&after);
	KT_EXPECT_EQ(t, after.bad_frees - before.bad_frees, 5);
	KT_EXPECT_EQ(t, after.frees - before.frees, 2);
}

static void exhaustion_fails_cleanly(struct ktest *t)
{
	struct pmm_stats before, after;

	pmm_get_stats(&before);
	KT_EXPECT(t, kmalloc(before.total_frames * PAGE_SIZE * 2) == 0);
	KT_EXPECT(t, kmalloc((size_t)1 << 50) == 0);
	pmm_get_stats(&after);
	KT_EXPECT_EQ(t, after.free_frames, before.free_frames);
}

static void write_after_free_caught(struct ktest *t)
{
#ifdef LULL_DEBUG
	struct kmalloc_stats before, after;
	/* A class no other test is using now, so the same object comes back. */
	volatile uint8_t *p = kmalloc(1500), *q;

	KT_ASSERT(t, p != 0);
	kmalloc_get_stats(&before);
	kfree((void *)p);
	p[100] = 0x42;                /* the bug */
	q = kmalloc(1500);
	kmalloc_get_stats(&after);
	KT_EXPECT(t, q == p);
	KT_EXPECT_EQ(t, after.poison_damaged, before.poison_damaged + 1);
	kfree((void *)q);
#else
	KT_SKIP(t, "poisoning is a debug-build feature");
#endif
}

static const struct ktest_case kmalloc_cases[] = {
	{ "alignment_and_zeroing", alignment_and_zeroing },
	{ "concurrent_churn", concurrent_churn },
	{ "bad_frees_refused", bad_frees_refused },
	{ "exhaustion_fails_cleanly", exhaustion_fails_cleanly },
	{ "write_after_free_caught", write_after_free_caught },
};
KTEST_SUITE(kmalloc_suite, "kmalloc", kmalloc_cases);
