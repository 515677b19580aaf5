/*
 * The in-kernel test runner. Output, as KUnit prints it:
 *
 *   KTAP version 1
 *   1..2
 *       KTAP version 1
 *       # Subtest: boot
 *       1..3
 *       ok 1 memmap_sane
 *       not ok 2 page_permissions
 *       ok 3 breakpoint # SKIP reason
 *   not ok 1 boot
 *   ...
 *
 * Suites run one after another on the boot CPU.
 */
#include "kernel/ktest.h"
#include "smp/percpu.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "kernel/format.h"
#include "kernel/printk.h"
#include "kernel/string.h"

extern const struct ktest_suite __start_ktest_suites[], __stop_ktest_suites[];

static bool running;

bool ktest_running(void)
{
	return running;
}

void ktest_log(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printk_always("        # %s\n", line);
}

void ktest_fail_at(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk_always("        # %s:%d: %s\n", file, line, msg);
	t->failed = true;
}

/* Is name one of the comma-separated words of spec? */
static bool spec_names(const char *spec, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = spec; *p; ) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static bool selected(const struct ktest_suite *s, const char *spec)
{
	if (!strcmp(spec, "all"))
		return !s->negative && !s->long_run;
	return spec_names(spec, s->name);
}

static bool run_suite(const struct ktest_suite *s, unsigned number)
{
	unsigned failed = 0;

	printk_always("    KTAP version 1\n    # Subtest: %s\n    1..%zu\n", s->name, s->ncases);
	for (size_t i = 0; i < s->ncases; i++) {
		struct ktest t = { 0 };
		s->cases[i].run(&t);
		if (t.failed)
			failed++;
		if (t.skip_reason && !t.failed)
			printk_always("    ok %zu %s # SKIP %s\n", i + 1, s->cases[i].name, t.skip_reason);
		else
			printk_always("    %sok %zu %s\n", t.failed ? "not " : "", i + 1, s->cases[i].name);
	}
	printk_always("%sok %u %s\n", failed ? "not " : "", number, s->name);
	return failed == 0;
}

/* Words of spec that name no suite. */
static unsigned count_unknown(const char *spec, bool print, unsigned number)
{
	unsigned unknown = 0;

	for (const char *p = spec; *p && strcmp(spec, "all"); ) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool found = false;
		for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
			found |= strlen(s->name) == len && !strncmp(s->name, p, len);
		if (!found) {
			if (print)
				printk_always("not ok %u %.*s # no such suite\n", number + unknown, (int)len, p);
			unknown++;
		}
		p += len + (end ? 1 : 0);
	}
	return unknown;
}

bool ktest_run(const char *spec)
{
	unsigned total = 0, number = 0;
	bool ok = true;

	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		total += selected(s, spec);
	total += count_unknown(spec, false, 0);

	running = true;
	printk_always("KTAP version 1\n1..%u\n", total);
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		if (selected(s, spec))
			ok &= run_suite(s, ++number);
	if (count_unknown(spec, true, number + 1))
		ok = false;
	running = false;
	return ok;
}

uint64_t ktest_call_faulting(uint64_t addr)
{
	struct percpu *p = this_cpu();
	uint64_t before = p->fixup_count;

	/* The recovery point: resume at 1: on this stack (arch/x86_64/traps.c). */
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %c[rip](%[p])\n\t"
			 "movq %%rsp, %c[rsp](%[p])\n\t"
			 "call *%[code]\n"
			 "1:\n\t"
			 : : [p] "r"(p), [code] "r"(addr),
			   [rip] "i"(__builtin_offsetof(struct percpu, recover_rip)),
			   [rsp] "i"(__builtin_offsetof(struct percpu, recover_rsp))
			 : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	p->recover_rip = 0;
	return p->fixup_count != before ? p->fixup_vector : 0;
}

uint64_t ktest_frames_free_or_kmalloc(void)
{
	struct pmm_stats ps;
	struct kmalloc_stats ks;

	pmm_get_stats(&ps);
	kmalloc_get_stats(&ks);
	return ps.free_frames + ks.slabs + ks.large_pages;
}
