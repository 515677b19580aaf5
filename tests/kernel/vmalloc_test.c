/*
 * ktest suite "vmalloc": concurrent use with content checks, guard pages,
 * use after free, a JIT's life cycle, exhaustion without leaks, bad frees,
 * lazy purging against eager flushing (figures), and the stale-translation
 * probe with its negative control.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "mm/vmalloc.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/worker.h"

/* Read a word, or note the fault: true if the read faulted. */
static bool read_faults(const volatile uint64_t *p, uint64_t *out)
{
	uint64_t before = this_cpu()->fixup_count, v = 0;

	__asm__ volatile("1: mov (%1), %0\n2:\n" EXTABLE(1b, 2b) : "+r"(v) : "r"(p) : "memory");
	if (out)
		*out = v;
	return this_cpu()->fixup_count != before;
}

static bool churn_ok[MAX_CPUS];

static void churn(void *arg)
{
	enum { LIVE = 16 };
	uint64_t *areas[LIVE] = { 0 }, sizes[LIVE] = { 0 };
	unsigned me = smp_processor_id();
	uint64_t x = 0x2545f4914f6cdd1dull * (me + 3);
	bool ok = true;

	for (int round = 0; round < 300; round++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned slot = x % LIVE;
		if (areas[slot]) {
			for (uint64_t i = 0; i < sizes[slot] / 8; i += 97)
				ok &= areas[slot][i] == (me << 24 | slot << 16 | i);
			vfree(areas[slot]);
		}
		sizes[slot] = (1 + (x >> 32) % 16) * PAGE_SIZE - (x & 7) * 8;
		areas[slot] = vmalloc(sizes[slot]);
		if (!areas[slot]) {
			ok = false;
			continue;
		}
		for (uint64_t i = 0; i < sizes[slot] / 8; i += 97)
			areas[slot][i] = me << 24 | slot << 16 | i;
	}
	for (unsigned slot = 0; slot < LIVE; slot++)
		vfree(areas[slot]);
	churn_ok[me] = ok;
}

static void concurrent_alloc_free(struct ktest *t)
{
	struct pmm_stats before, after;
	struct vmalloc_stats vs;
	unsigned cpu;

	vm_unmap_aliases();
	pmm_get_stats(&before);
	smp_run_everywhere(churn, 0);
	vm_unmap_aliases();
	pmm_get_stats(&after);
	vmalloc_get_stats(&vs);
	for_each_cpu(cpu, &cpu_online_mask)
		KT_EXPECT(t, churn_ok[cpu]);
	KT_EXPECT_EQ(t, vs.lazy_pages, 0);
	/* Frames for index nodes and slabs may stay; area frames all return. */
	KT_EXPECT(t, after.free_frames + 64 >= before.free_frames);
}

static void guard_page_faults(struct ktest *t)
{
	uint8_t *p = vmalloc(3 * PAGE_SIZE);

	KT_ASSERT(t, p != 0);
	KT_EXPECT(t, !read_faults((uint64_t *)(p + 3 * PAGE_SIZE - 8), 0));
	KT_EXPECT(t, read_faults((uint64_t *)(p + 3 * PAGE_SIZE), 0));
	KT_EXPECT_EQ(t, this_cpu()->fixup_cr2, (uint64_t)(p + 3 * PAGE_SIZE));
	vfree(p);
}

static void access_after_vfree_faults_once_purged(struct ktest *t)
{
	uint64_t *p = vmalloc(PAGE_SIZE);

	KT_ASSERT(t, p != 0);
	p[0] = 7;
	vfree(p);
	vm_unmap_aliases();
	KT_EXPECT(t, read_faults(p, 0));
	KT_EXPECT_EQ(t, this_cpu()->fixup_vector, VEC_PF);
}

static void jit_life_cycle(struct ktest *t)
{
	static const uint8_t code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };  /* mov eax, 42; ret */
	struct vmalloc_stats before, after;
	uint8_t *p = vmalloc(PAGE_SIZE);
	uint64_t v = 1;

	KT_ASSERT(t, p != 0);
	memcpy(p, code, sizeof(code));
	KT_EXPECT_EQ(t, set_memory_ro(p, 1), 0);
	KT_EXPECT_EQ(t, set_memory_x(p, 1), 0);
	KT_EXPECT_EQ(t, ((int (*)(void))p)(), 42);
	/* Read-only now: a write faults. */
	__asm__ volatile("1: movb $0x90, (%0)\n2:\n" EXTABLE(1b, 2b) : : "r"(p) : "memory");
	KT_EXPECT_EQ(t, this_cpu()->fixup_vector, VEC_PF);
	KT_EXPECT_EQ(t, p[0], 0xb8);
	/* Freeing executable memory flushes at once: no lazy stale mapping. */
	vmalloc_get_stats(&before);
	vfree(p);
	vmalloc_get_stats(&after);
	KT_EXPECT_EQ(t, after.purges, before.purges + 1);
	KT_EXPECT(t, read_faults((uint64_t *)p, &v));
	KT_EXPECT_EQ(t, set_memory_x((uint8_t *)0xffffc00000000000ull, 1), -1);
}

static void exhaustion_returns_null_and_leaks_nothing(struct ktest *t)
{
	struct pmm_stats before, after;
	struct vmalloc_stats vb, va;

	vm_unmap_aliases();
	pmm_get_stats(&before);
	vmalloc_get_stats(&vb);
	KT_EXPECT(t, vmalloc(before.free_frames * PAGE_SIZE + PAGE_SIZE) == 0);
	KT_EXPECT(t, vmalloc(0) == 0);
	KT_EXPECT(t, vmalloc(VMALLOC_SIZE) == 0);
	vm_unmap_aliases();
	pmm_get_stats(&after);
	vmalloc_get_stats(&va);
	KT_EXPECT_EQ(t, va.failed, vb.failed + 3);
	KT_EXPECT_EQ(t, va.live_areas, vb.live_areas);
	KT_EXPECT_EQ(t, after.free_frames, before.free_frames);
}

static void bad_vfree_reported(struct ktest *t)
{
	struct vmalloc_stats before, after;
	static uint64_t not_vmalloc;
	uint8_t *p = vmalloc(2 * PAGE_SIZE), *q;

	KT_ASSERT(t, p != 0);
	vmalloc_get_stats(&before);
	vfree(p + 8);                 /* misaligned */
	vfree(p + PAGE_SIZE);         /* inside the area */
	vfree(&not_vmalloc);          /* not vmalloc's */
	vfree(p);
	vfree(p);                     /* double */
	vmalloc_get_stats(&after);
	KT_EXPECT_EQ(t, after.bad_frees - before.bad_frees, 4);
	KT_EXPECT_EQ(t, after.frees - before.frees, 1);
	q = vmalloc(PAGE_SIZE);       /* still works */
	KT_EXPECT(t, q != 0);
	vfree(q);
}

/* Flushes per 10,000 vfree: lazy (purge when over the limit) vs eager. */
static void lazy_purge_coalesces_flushes(struct ktest *t)
{
	enum { N = 400 };
	struct tlb_stats t0, t1, t2;

	vm_unmap_aliases();
	tlb_get_stats(&t0);
	for (int i = 0; i < N; i++)
		vfree(vmalloc(PAGE_SIZE));
	vm_unmap_aliases();
	tlb_get_stats(&t1);
	for (int i = 0; i < N; i++) {
		vfree(vmalloc(PAGE_SIZE));
		vm_unmap_aliases();   /* eager: one flush per vfree */
	}
	tlb_get_stats(&t2);
	uint64_t lazy = t1.flushes - t0.flushes, eager = t2.flushes - t1.flushes;
	ktest_log("flushes per 10000 vfree: lazy %llu, eager %llu",
		  (unsigned long long)(lazy * 10000 / N), (unsigned long long)(eager * 10000 / N));
	KT_EXPECT_EQ(t, eager, N);
	KT_EXPECT(t, lazy * 4 < eager);
}

/* n single frames, or none. */
static bool pmm_alloc_many(uint64_t *f, int n)
{
	for (int i = 0; i < n; i++) {
		if (!(f[i] = pmm_alloc())) {
			while (i--)
				pmm_free(f[i]);
			return false;
		}
	}
	return true;
}

static void pmm_free_many(const uint64_t *f, int n)
{
	for (int i = 0; i < n; i++)
		pmm_free(f[i]);
}

/*
 * The stale-translation probe: CPU 1 reads through PROBE_PAGES vmalloc
 * pages that map frames A; the range is unmapped, purged and mapped again,
 * at the same address, to frames B; CPU 1 reads again and must see every
 * B. Without the flush (the negative control) CPU 1 must see some A: it
 * proves the probe can see a stale entry. Several pages, because a TLB
 * may evict one entry for another in between (Bochs's is direct-mapped),
 * and one survivor is enough to show the staleness.
 */
#define PROBE_PAGES 8

struct probe_io {
	uint64_t *va;
	uint64_t seen[PROBE_PAGES];
};

static void read_on_cpu(void *info)
{
	struct probe_io *io = info;

	for (int i = 0; i < PROBE_PAGES; i++)
		io->seen[i] = *(volatile uint64_t *)((uint64_t)io->va + i * PAGE_SIZE);
}

/* How many pages CPU 1 still read through a stale translation; -1 on error. */
static int probe(bool skip_flush, bool *same_va)
{
	uint64_t a[PROBE_PAGES], b[PROBE_PAGES];
	struct probe_io io;
	int stale = 0;

	*same_va = false;
	if (!pmm_alloc_many(a, PROBE_PAGES))
		return -1;
	if (!pmm_alloc_many(b, PROBE_PAGES)) {
		pmm_free_many(a, PROBE_PAGES);
		return -1;
	}
	for (int i = 0; i < PROBE_PAGES; i++) {
		*(uint64_t *)phys_to_virt(a[i]) = 0xaaaa;
		*(uint64_t *)phys_to_virt(b[i]) = 0xbbbb;
	}
	vm_unmap_aliases();
	io.va = vmap(a, PROBE_PAGES);
	smp_call_function_single(1, read_on_cpu, &io, true);   /* CPU 1 caches va -> A */
	uint64_t *first = io.va;
	vunmap(io.va);
	vmalloc_fault_skip_flush = skip_flush;
	vm_unmap_aliases();
	vmalloc_fault_skip_flush = false;
	io.va = vmap(b, PROBE_PAGES);
	*same_va = io.va == first;
	smp_call_function_single(1, read_on_cpu, &io, true);
	vunmap(io.va);
	vm_unmap_aliases();
	for (int i = 0; i < PROBE_PAGES; i++)
		stale += io.seen[i] == 0xaaaa;
	pmm_free_many(a, PROBE_PAGES);
	pmm_free_many(b, PROBE_PAGES);
	return stale;
}

static void stale_translation_probe(struct ktest *t)
{
	bool same;

	if (cpumask_weight(&cpu_online_mask) < 2)
		KT_SKIP(t, "needs two CPUs");
	KT_EXPECT_EQ(t, probe(false, &same), 0);
	KT_EXPECT(t, same);
}

static void probe_sees_stale_without_flush(struct ktest *t)
{
	bool same;
	int stale;

	if (cpumask_weight(&cpu_online_mask) < 2)
		KT_SKIP(t, "needs two CPUs");
	stale = probe(true, &same);
	ktest_log("%d of %d pages read stale without the flush", stale, PROBE_PAGES);
	KT_EXPECT(t, stale > 0);
	KT_EXPECT(t, same);
}

static const struct ktest_case vmalloc_cases[] = {
	{ "guard_page_faults", guard_page_faults },
	{ "access_after_vfree_faults_once_purged", access_after_vfree_faults_once_purged },
	{ "jit_life_cycle", jit_life_cycle },
	{ "bad_vfree_reported", bad_vfree_reported },
	{ "exhaustion_returns_null_and_leaks_nothing", exhaustion_returns_null_and_leaks_nothing },
	{ "concurrent_alloc_free", concurrent_alloc_free },
	{ "lazy_purge_coalesces_flushes", lazy_purge_coalesces_flushes },
	{ "stale_translation_probe", stale_translation_probe },
	{ "probe_sees_stale_without_flush", probe_sees_stale_without_flush },
};
KTEST_SUITE(vmalloc_suite, "vmalloc", vmalloc_cases);
