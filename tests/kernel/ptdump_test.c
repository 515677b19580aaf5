/*
 * ktest suite "ptdump": the real page tables, as ptdump prints them.
 *
 * Each case collects ptdump's text in a buffer and reads it back the way
 * a person would: the region headers, and per line the range, size, level
 * and flags. What it checks is the kernel's memory layout itself: the
 * image's text read-only and executable, everything else of it NX, no
 * page writable and executable, nothing of the kernel user-accessible,
 * and with PTI a user table that maps of the kernel the entry text and
 * the entry region only.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "kernel/ktest.h"
#include "kernel/string.h"
#include "kernel/syscall_abi.h"
#include "mm/kmalloc.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/ptdump.h"
#include "mm/tlb.h"
#include "mm/uvm.h"
#include "mm/vmalloc.h"

extern char _text_start[], _text_end[], __entry_text_start[], __entry_text_end[];
extern char _data_start[], _data_end[];

/* Far above anything vmalloc hands out, and apart from the paging suite's. */
#define SCRATCH  (VMALLOC_END - (128ull << 20))
#define TEXT_MAX (64 * 1024)

struct text {
	char *buf;
	size_t len;
	bool cut;               /* did not fit */
};

static void collect(void *arg, const char *line)
{
	struct text *x = arg;
	size_t n = strlen(line);

	if (x->len + n + 2 > TEXT_MAX) {
		x->cut = true;
		return;
	}
	memcpy(x->buf + x->len, line, n);
	x->len += n;
	x->buf[x->len++] = '\n';
	x->buf[x->len] = 0;
}

/* One line of ptdump's output, read back. */
struct run {
	char region[40];        /* the header above it */
	uint64_t start, end, size;
	char level[4];
	bool rw, usr, nx, wx;
};

static bool parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;

	if (s[0] != '0' || s[1] != 'x')
		return false;
	s += 2;
	*v = 0;
	for (; (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'); s++)
		*v = *v << 4 | (uint64_t)(*s <= '9' ? *s - '0' : *s - 'a' + 10);
	*p = s;
	return true;
}

/* Copy the next space-separated word of *p into w; false at the line's end. */
static bool word(const char **p, char *w, size_t size)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ')
		s++;
	if (!*s || *s == '\n')
		return false;
	while (*s && *s != ' ' && *s != '\n') {
		if (n + 1 < size)
			w[n++] = *s;
		s++;
	}
	w[n] = 0;
	*p = s;
	return true;
}

/* "4K" -> 4096 ... */
static uint64_t parse_size(const char *w)
{
	uint64_t v = 0;

	for (; *w >= '0' && *w <= '9'; w++)
		v = v * 10 + (uint64_t)(*w - '0');
	for (const char *u = "KMGTPE"; *u; u++) {
		v <<= 10;
		if (*w == *u)
			return v;
	}
	return 0;
}

/* Parse one line at *p (a header updates region); true for a run line. */
static bool parse_line(struct ktest *t, const char **p, char *region, struct run *r)
{
	const char *line = *p, *s = line, *eol = strchr(s, '\n');
	char w[16];

	*p = eol + 1;
	if (!strncmp(s, "---[ ", 5)) {
		size_t n = 0;
		for (s += 5; s < eol && strncmp(s, " ]---", 5) && n + 1 < 40; s++)
			region[n++] = *s;
		region[n] = 0;
		return false;
	}
	memset(r, 0, sizeof(*r));
	strlcpy(r->region, region, sizeof(r->region));
	if (!parse_hex(&s, &r->start) || *s++ != '-' || !parse_hex(&s, &r->end) ||
	    !word(&s, w, sizeof(w)) || !(r->size = parse_size(w)) ||
	    !word(&s, r->level, sizeof(r->level)) || !word(&s, w, sizeof(w))) {
		ktest_fail_at(t, __FILE__, __LINE__, "unreadable line: %.*s", (int)(eol - line), line);
		return false;
	}
	r->rw = !strcmp(w, "RW");
	while (word(&s, w, sizeof(w))) {
		r->usr |= !strcmp(w, "USR");
		r->nx |= !strcmp(w, "NX");
		r->wx |= !strcmp(w, "W+X");
	}
	if (r->end - r->start != r->size)
		ktest_fail_at(t, __FILE__, __LINE__, "%#llx-%#llx: size %llu does not match",
			      (unsigned long long)r->start, (unsigned long long)r->end,
			      (unsigned long long)r->size);
	return true;
}

/* What a dump held, per kind of region. */
struct tally {
	uint64_t runs, wx, usr;
	uint64_t bytes_text, bytes_entry_text, bytes_data, bytes_direct, bytes_other;
	uint64_t bad;           /* runs that broke their region's rule */
	uint64_t stray;         /* runs outside the known regions */
	uint64_t direct_first;  /* start of the first direct-map run */
};

static bool is(const struct run *r, const char *name)
{
	return !strcmp(r->region, name);
}

/* The rules of the kernel's own regions; a broken one is reported. */
static void check_kernel_run(struct ktest *t, const struct run *r, struct tally *y)
{
	bool ok = true;

	if (is(r, "kernel image: text")) {
		ok = !r->rw && !r->nx;
		y->bytes_text += r->size;
	} else if (is(r, "kernel image: entry text")) {
		ok = !r->rw && !r->nx;
		y->bytes_entry_text += r->size;
	} else if (is(r, "kernel image: rodata") || is(r, "kernel image: symbols")) {
		ok = !r->rw && r->nx;
	} else if (is(r, "kernel image: data, bss")) {
		ok = r->rw && r->nx;
		y->bytes_data += r->size;
	} else if (is(r, "direct map")) {
		ok = r->nx;
		if (!y->bytes_direct)
			y->direct_first = r->start;
		y->bytes_direct += r->size;
	} else if (is(r, "entry region") || is(r, "kstack pool") || is(r, "ioremap")) {
		ok = r->nx;
		y->bytes_other += r->size;
	} else if (is(r, "vmalloc")) {
		y->bytes_other += r->size;       /* filter programs are executable */
	} else {
		y->stray++;
	}
	if (!ok) {
		y->bad++;
		ktest_log("%s: %#llx-%#llx has the wrong permissions", r->region,
			  (unsigned long long)r->start, (unsigned long long)r->end);
	}
}

static struct tally read_dump(struct ktest *t, const struct text *x,
			      void (*check)(struct ktest *, const struct run *, struct tally *))
{
	struct tally y = { 0 };
	char region[40] = "";
	struct run r;

	for (const char *p = x->buf; *p; ) {
		if (!parse_line(t, &p, region, &r))
			continue;
		y.runs++;
		y.wx += r.wx || (r.rw && !r.nx);
		y.usr += r.usr;
		if (check)
			check(t, &r, &y);
	}
	return y;
}

static bool text_init(struct text *x)
{
	x->buf = kmalloc(TEXT_MAX);
	x->len = 0;
	x->cut = false;
	if (x->buf)
		x->buf[0] = 0;
	return x->buf != 0;
}

static uint64_t page_end(const char *end)
{
	return ((uint64_t)end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static void kernel_half_layout(struct ktest *t)
{
	struct ptdump_summary sum;
	struct text x;

	KT_ASSERT(t, text_init(&x));
	ptdump(kernel_pml4_phys, PTDUMP_KERNEL_HALF, collect, &x, &sum);
	KT_EXPECT(t, !x.cut);
	struct tally y = read_dump(t, &x, check_kernel_run);

	ktest_log("kernel half: %llu ranges, %llu KiB mapped",
		  (unsigned long long)y.runs, (unsigned long long)(sum.bytes >> 10));
	KT_EXPECT_EQ(t, y.runs, sum.runs);
	KT_EXPECT_EQ(t, y.bad, 0);
	KT_EXPECT_EQ(t, y.stray, 0);
	KT_EXPECT_EQ(t, sum.stray_runs, 0);
	KT_EXPECT_EQ(t, y.wx, 0);
	KT_EXPECT_EQ(t, sum.wx_runs, 0);
	KT_EXPECT_EQ(t, y.usr, 0);
	KT_EXPECT_EQ(t, sum.user_runs, 0);
	/* Every page of the image's parts is mapped, and the direct map whole. */
	KT_EXPECT_EQ(t, y.bytes_text + y.bytes_entry_text,
		     page_end(_text_end) - (uint64_t)_text_start);
	KT_EXPECT_EQ(t, y.bytes_entry_text,
		     (uint64_t)(__entry_text_end - __entry_text_start));
	KT_EXPECT_EQ(t, y.bytes_data, page_end(_data_end) - (uint64_t)_data_start);
	KT_EXPECT_EQ(t, y.direct_first, DIRECT_MAP_BASE);
	KT_EXPECT_EQ(t, y.bytes_direct, direct_map_bytes);
	KT_EXPECT(t, y.bytes_other > 0);            /* stacks, entry areas at least */
	KT_EXPECT_EQ(t, ptdump_check_wx(), 0);
	kfree(x.buf);
}

/* Negative control: a planted W+X page is found, and named. */
static void wx_check_finds_planted_page(struct ktest *t)
{
	uint64_t frame = pmm_alloc();
	struct ptdump_summary sum;
	struct text x;

	KT_ASSERT(t, frame != 0);
	KT_ASSERT(t, text_init(&x));
	KT_ASSERT(t, paging_map(kernel_pml4_phys, SCRATCH, frame, PTE_P | PTE_W) == 0);
	ktest_log("a W+X page planted at %#llx; the check must report it",
		  (unsigned long long)SCRATCH);
	KT_EXPECT_EQ(t, ptdump_check_wx(), 1);
	ptdump(kernel_pml4_phys, PTDUMP_KERNEL_HALF, collect, &x, &sum);
	struct tally y = read_dump(t, &x, 0);
	KT_EXPECT_EQ(t, y.wx, 1);
	KT_EXPECT_EQ(t, sum.wx_runs, 1);
	KT_EXPECT_EQ(t, sum.wx_bytes, PAGE_SIZE);

	paging_unmap(kernel_pml4_phys, SCRATCH);
	flush_tlb_kernel_range(SCRATCH, SCRATCH + PAGE_SIZE);
	pmm_free(frame);
	KT_EXPECT_EQ(t, ptdump_check_wx(), 0);
	kfree(x.buf);
}

/* In a user table only the entry text and the entry region may appear. */
static void check_user_table_run(struct ktest *t, const struct run *r, struct tally *y)
{
	if (is(r, "kernel image: entry text")) {
		y->bytes_entry_text += r->size;
		if (r->rw || r->nx)
			y->bad++;
	} else if (is(r, "entry region")) {
		y->bytes_other += r->size;
		if (!r->nx)
			y->bad++;
	} else {
		y->stray++;
		ktest_log("the user table maps %#llx-%#llx (%s)", (unsigned long long)r->start,
			  (unsigned long long)r->end, r->region);
	}
}

/* A user half: the program's page (read-only, executable), and the stack's. */
static void check_user_half_run(struct ktest *t, const struct run *r, struct tally *y)
{
	if (is(r, "user: program image") && r->start == USER_IMAGE_BASE && r->usr && !r->rw)
		y->bytes_text += r->size;
	else if (is(r, "user: stack") && r->end == USER_STACK_TOP && r->usr && r->rw && r->nx)
		y->bytes_data += r->size;
	else
		y->stray++;
	if (!r->nx)
		y->bytes_other += r->size;              /* executable user bytes */
}

static void user_table_view(struct ktest *t)
{
	struct addr_space *as = uvm_create();
	struct ptdump_summary sum;
	struct tally y;
	struct text x;

	KT_ASSERT(t, as != 0);
	KT_ASSERT(t, text_init(&x));
	KT_ASSERT(t, uvm_alloc(as, USER_IMAGE_BASE, PAGE_SIZE, 0) == 0);
	KT_ASSERT(t, uvm_alloc(as, USER_STACK_TOP - PAGE_SIZE, PAGE_SIZE, PTE_W | PTE_NX) == 0);

	/* What user code runs on: its own two pages, executable where asked. */
	ptdump(ptdump_table(as, true), PTDUMP_USER_HALF, collect, &x, &sum);
	y = read_dump(t, &x, check_user_half_run);
	KT_EXPECT_EQ(t, y.runs, 2);
	KT_EXPECT_EQ(t, y.stray, 0);
	KT_EXPECT_EQ(t, y.bytes_text, PAGE_SIZE);
	KT_EXPECT_EQ(t, y.bytes_data, PAGE_SIZE);
	KT_EXPECT_EQ(t, y.bytes_other, PAGE_SIZE);
	KT_EXPECT_EQ(t, sum.user_bytes, 2 * PAGE_SIZE);

	/* The kernel table maps the same pages, NX with PTI (mm/uvm.c). */
	x.len = 0;
	x.buf[0] = 0;
	ptdump(ptdump_table(as, false), PTDUMP_USER_HALF, collect, &x, &sum);
	y = read_dump(t, &x, check_user_half_run);
	KT_EXPECT_EQ(t, y.runs, 2);
	KT_EXPECT_EQ(t, y.bytes_other, pti.pti ? 0 : PAGE_SIZE);

	if (!pti.pti) {
		ktest_log("pti=off: one table, nothing more to compare");
	} else {
		x.len = 0;
		x.buf[0] = 0;
		ptdump(ptdump_table(as, true), PTDUMP_KERNEL_HALF, collect, &x, &sum);
		y = read_dump(t, &x, check_user_table_run);
		ktest_log("the user table maps %llu ranges of the kernel, %llu KiB",
			  (unsigned long long)y.runs, (unsigned long long)(sum.bytes >> 10));
		KT_EXPECT_EQ(t, y.stray, 0);
		KT_EXPECT_EQ(t, y.bad, 0);
		KT_EXPECT_EQ(t, y.usr, 0);
		KT_EXPECT_EQ(t, y.wx, 0);
		KT_EXPECT_EQ(t, y.bytes_entry_text,
			     (uint64_t)(__entry_text_end - __entry_text_start));
		KT_EXPECT(t, y.bytes_other > 0);
	}
	kfree(x.buf);
	uvm_destroy(as);
}

static const struct ktest_case ptdump_cases[] = {
	{ "kernel_half_layout", kernel_half_layout },
	{ "wx_check_finds_planted_page", wx_check_finds_planted_page },
	{ "user_table_view", user_table_view },
};
KTEST_SUITE(ptdump_suite, "ptdump", ptdump_cases);
