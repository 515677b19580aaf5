/*
 * The ptdump walk and its output format (mm/ptdump.h).
 *
 * The walk visits the leaf entries in address order and hands each to
 * note(), which extends the open run or closes it (printing its line) and
 * opens another. A run closes when the next leaf does not follow it
 * directly, differs in level or attributes, or lies in another region.
 */
#include "mm/ptdump.h"
#include "kernel/format.h"
#include "mm/paging.h"

/* The leaf bits printed besides the effective W, U and NX. */
#define LEAF_BITS (PTE_PCD | PTE_PWT | PTE_G)

struct walker {
	const struct ptdump_request *req;
	struct ptdump_summary sum;
	unsigned cursor;        /* first region that does not end at or below the address */
	int64_t printed_key;    /* the region whose header came last, or -1 */
	bool open;              /* a run is open: */
	uint64_t start, last;   /*   its addresses, both included */
	uint64_t attrs;         /*   effective W, U, NX and the leaf's LEAF_BITS */
	int level;              /*   0: 4K pages, 1: 2M, 2: 1G */
	int64_t key;            /*   its region_key() */
};

static const char *const level_names[] = { "PT", "PD", "PDP" };

/*
 * Which region va lies in, as a number that grows with the address:
 * 2i + 1 inside region i, 2i in the gap before it. Addresses only grow
 * during a walk, so the cursor only moves forward.
 */
static int64_t region_key(struct walker *w, uint64_t va)
{
	const struct ptdump_request *r = w->req;

	while (w->cursor < r->nregions && va >= r->regions[w->cursor].end)
		w->cursor++;
	bool inside = w->cursor < r->nregions && va >= r->regions[w->cursor].start;
	return 2 * (int64_t)w->cursor + inside;
}

/* 4096 -> "4K", 2 MiB -> "2M", 1020 KiB -> "1020K": the largest exact unit. */
static void format_size(char *buf, size_t n, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	uint64_t v = bytes >> 10;
	unsigned u = 0;

	while (u + 2 < sizeof(units) && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%llu%c", (unsigned long long)v, units[u]);
}

static void emit(struct walker *w, const char *line)
{
	w->req->out(w->req->arg, line);
}

static void print_run(struct walker *w, bool wx)
{
	const struct ptdump_request *r = w->req;
	char size[16], line[128];
	uint64_t a = w->attrs;

	if (w->key != w->printed_key) {
		const char *name = w->key & 1 ? r->regions[w->key / 2].name
					      : "outside the known regions";
		snprintf(line, sizeof(line), "---[ %s ]---", name);
		emit(w, line);
		w->printed_key = w->key;
	}
	format_size(size, sizeof(size), w->last - w->start + 1);
	int n = snprintf(line, sizeof(line), "0x%016llx-0x%016llx %7s %-3s %s %s %s %s %s %s%s",
			 (unsigned long long)w->start, (unsigned long long)(w->last + 1),
			 size, level_names[w->level], a & PTE_W ? "RW" : "ro",
			 a & PTE_U ? "USR" : "   ", a & PTE_NX ? "NX" : "x ",
			 a & PTE_PCD ? "PCD" : "   ", a & PTE_PWT ? "PWT" : "   ",
			 a & PTE_G ? "G" : " ", wx ? " W+X" : "");
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = 0;
	emit(w, line);
}

/* Count the open run, print it if asked, and close it. */
static void close_run(struct walker *w)
{
	if (!w->open)
		return;
	uint64_t bytes = w->last - w->start + 1;
	bool wx = (w->attrs & PTE_W) && !(w->attrs & PTE_NX);

	w->open = false;
	w->sum.runs++;
	w->sum.bytes += bytes;
	if (wx) {
		w->sum.wx_runs++;
		w->sum.wx_bytes += bytes;
	}
	if (w->attrs & PTE_U) {
		w->sum.user_runs++;
		w->sum.user_bytes += bytes;
	}
	if (!(w->key & 1))
		w->sum.stray_runs++;
	if (w->req->out && (wx || !w->req->wx_only))
		print_run(w, wx);
}

/* The leaf mapping [va, last] at level with attributes attrs. */
static void note(struct walker *w, uint64_t va, uint64_t last, int level, uint64_t attrs)
{
	int64_t key = region_key(w, va);

	if (w->open && va == w->last + 1 && level == w->level && attrs == w->attrs &&
	    key == w->key) {
		w->last = last;
		return;
	}
	close_run(w);
	w->open = true;
	w->start = va;
	w->last = last;
	w->level = level;
	w->attrs = attrs;
	w->key = key;
}

/* Bits 48-63 copy bit 47: the top-level slots 256-511 are the kernel half. */
static uint64_t canonical(uint64_t va)
{
	return (va & (1ull << 47)) ? va | 0xffff000000000000ull : va;
}

/*
 * The table at phys, at level (3: the top), mapping from base. path holds
 * what the levels above allow: PTE_W and PTE_U while all of them set it,
 * PTE_NX once one of them does.
 */
static void walk(struct walker *w, uint64_t phys, int level, uint64_t base, uint64_t path)
{
	const uint64_t *t = w->req->table(phys & PTE_ADDR);
	uint64_t span = 1ull << (12 + 9 * level);
	uint64_t first = w->req->first, end = w->req->last;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t va = canonical(base + i * span), last = va + (span - 1);
		if (last < first || va > end)
			continue;
		/* RELAXED: another CPU may be changing it; either value is a
		 * mapping that existed (see mm/ptdump.h). */
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
		if (!(e & PTE_P))
			continue;
		uint64_t eff = (path & (e | ~(PTE_W | PTE_U))) | (e & PTE_NX);
		/* PS is the page size at levels 1 and 2; in a PT it is PAT. */
		bool leaf = level == 0 || (level < 3 && (e & PTE_PS));
		if (!leaf) {
			walk(w, e, level - 1, va, eff);
			continue;
		}
		note(w, va < first ? first : va, last > end ? end : last, level,
		     (eff & (PTE_W | PTE_U | PTE_NX)) | (e & LEAF_BITS));
	}
}

void ptdump_walk(const struct ptdump_request *req, struct ptdump_summary *sum)
{
	struct walker w = { .req = req, .printed_key = -1 };

	if (req->first <= req->last)
		walk(&w, req->top, 3, 0, PTE_W | PTE_U);
	close_run(&w);
	if (sum)
		*sum = w.sum;
}
