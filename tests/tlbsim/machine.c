/*
 * The simulated machine: CR3, CR4.PCIDE, the TLB as sets of frames each
 * (CPU, PCID, page) may hold, the walker, INVLPG and INVPCID, and the two
 * properties (sim.h). The MMU instructions act on the CPU whose coroutine
 * runs (sim.current); each one begins a step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tests/tlbsim/sim.h"
#include "mm/pti.h"
#include "smp/percpu.h"

struct sim sim;

static char story_buf[1 << 16];
static size_t story_len;

void story(const char *fmt, ...)
{
	va_list ap;

	if (!sim.story || story_len >= sizeof(story_buf) - 256)
		return;
	story_len += snprintf(story_buf + story_len, sizeof(story_buf) - story_len,
			      "%6llu  ", (unsigned long long)sim.steps);
	va_start(ap, fmt);
	story_len += vsnprintf(story_buf + story_len, sizeof(story_buf) - story_len, fmt, ap);
	va_end(ap);
	story_buf[story_len++] = '\n';
	story_buf[story_len] = 0;
}

const char *explore_story(void)
{
	return story_buf;
}

const char *violation_name(enum sim_violation v)
{
	static const char *const names[] = {
		[VIOL_NONE] = "none", [VIOL_STALE_ACCESS] = "stale_access",
		[VIOL_PROMISE] = "promise", [VIOL_MACHINE] = "machine",
	};
	return names[v];
}

void machine_violation(enum sim_violation v, const char *fmt, ...)
{
	va_list ap;

	if (sim.violation)
		return;
	sim.violation = v;
	va_start(ap, fmt);
	vsnprintf(sim.why, sizeof(sim.why), fmt, ap);
	va_end(ap);
	story("VIOLATION (%s): %s", violation_name(v), sim.why);
}

void machine_reset(const struct sim_config *cfg, const struct sim_scenario *sc,
		   enum sim_variant v)
{
	bool keep_story = sim.story;

	memset(&sim, 0, sizeof(sim));
	sim.story = keep_story;
	story_len = 0;
	story_buf[0] = 0;
	sim.cfg = cfg;
	sim.sc = sc;
	sim.variant = v;
	sim.ncpus = sc->cpus;
	sim.current = -1;
	for (unsigned i = 0; i < SIM_PAGES; i++)
		sim.pte[i] = i + 1;
	sim.next_frame = SIM_PAGES + 1;
	for (unsigned c = 0; c < sim.ncpus; c++) {
		/* As the AP trampoline and paging_init leave it: the kernel's
		 * table, untagged, PCIDE off, interrupts off until booted. */
		sim.cpu[c].cr3 = SIM_KERNEL_PML4;
		sim.cpu[c].pc = sc->prog[c];
	}
}

static unsigned pcid_of(const struct sim_cpu *p)
{
	return p->pcide ? (unsigned)(p->cr3 & 0xfff) : 0;
}

bool machine_maps_vmalloc(int cpu)
{
	return !(sim.cpu[cpu].cr3 & PTI_USER_BIT);  /* a user table maps none */
}

void machine_saturate(void)
{
	for (unsigned c = 0; c < sim.ncpus; c++) {
		struct sim_cpu *p = &sim.cpu[c];

		if (!machine_maps_vmalloc(c))
			continue;
		for (unsigned i = 0; i < SIM_PAGES; i++) {
			uint32_t bit = 1u << sim.pte[i];
			if (p->may[pcid_of(p)][i] & bit)
				continue;
			p->may[pcid_of(p)][i] |= bit;
			story("cpu%u  walker may fill page %u -> frame %u (PCID %u)", c, i,
			      sim.pte[i], pcid_of(p));
		}
	}
}

/*
 * The promise covers every translation the CPU can use: those of its
 * current PCID and global ones. Another PCID's are dormant; checked here
 * after every step, they are checked the moment a CR3 write with NOFLUSH
 * makes them current again (one without NOFLUSH drops them).
 */
void machine_check(void)
{
	for (unsigned c = 0; c < sim.ncpus; c++) {
		const struct sim_cpu *p = &sim.cpu[c];
		uint64_t seen = cpu_area[c]->kflush_seen;

		for (unsigned i = 0; i < SIM_PAGES; i++) {
			for (unsigned t = 0; t <= SIM_PCIDS; t++) {
				if (t < SIM_PCIDS && t != pcid_of(p))
					continue;       /* dormant: checked when loaded */
				uint32_t m = t < SIM_PCIDS ? p->may[t][i] : p->may_global[i];
				for (unsigned f = 1; f < SIM_FRAMES; f++) {
					if (!(m & (1u << f)) || !sim.revoked_gen[f] ||
					    sim.revoked_gen[f] > seen)
						continue;
					machine_violation(VIOL_PROMISE,
						"cpu%u: kflush_seen = %llu promises flush %llu applied, "
						"but its TLB may still hold page %u -> frame %u (%s %u)",
						c, (unsigned long long)seen,
						(unsigned long long)sim.revoked_gen[f], i, f,
						t < SIM_PCIDS ? "PCID" : "global", t);
					return;
				}
			}
		}
	}
}

void machine_access(int cpu, int page, const char *who)
{
	struct sim_cpu *p = &sim.cpu[cpu];
	uint32_t m;

	if (!machine_maps_vmalloc(cpu)) {
		machine_violation(VIOL_MACHINE, "cpu%d: %s reads page %d on a user table", cpu,
				  who, page);
		return;
	}
	/* Whatever the TLB may hold, or a walk now (saturate added that). */
	m = p->may[pcid_of(p)][page] | p->may_global[page] | (1u << sim.pte[page]);
	story("cpu%d  %s reads page %d (PCID %u)", cpu, who, page, pcid_of(p));
	for (unsigned f = 1; f < SIM_FRAMES; f++)
		if ((m & (1u << f)) && sim.revoked_done[f])
			machine_violation(VIOL_STALE_ACCESS,
				"cpu%d: %s may read page %d through frame %u, which flush %llu "
				"removed, and that flush has completed", cpu, who, page, f,
				(unsigned long long)sim.revoked_gen[f]);
}

/* --- the MMU instructions of arch/x86_64/mmu.h ------------------------- */

static struct sim_cpu *me(void)
{
	return &sim.cpu[sim.current];
}

uint64_t sim_read_cr3(void)
{
	return me()->cr3;
}

static void drop_pcid(struct sim_cpu *p, unsigned pcid)
{
	for (unsigned i = 0; i < SIM_PAGES; i++)
		p->may[pcid][i] = 0;
}

void sim_write_cr3(uint64_t v)
{
	struct sim_cpu *p;
	bool noflush = v >> 63;

	sim_yield();
	p = me();
	if (noflush && !p->pcide) {
		machine_violation(VIOL_MACHINE, "cpu%d: CR3 write with bit 63 and CR4.PCIDE off (#GP)",
				  sim.current);
		return;
	}
	p->cr3 = v & ~(1ull << 63);
	if (!p->pcide) {
		for (unsigned t = 0; t < SIM_PCIDS; t++)
			drop_pcid(p, t);         /* all non-global entries */
	} else if (!noflush) {
		drop_pcid(p, pcid_of(p));
	}
	story("cpu%d  CR3 := %#llx (%s table, PCID %u%s)", sim.current,
	      (unsigned long long)p->cr3, p->cr3 & PTI_USER_BIT ? "user" : "kernel", pcid_of(p),
	      !p->pcide ? ", PCIDE off: drops every entry" : noflush ? ", NOFLUSH"
							 : ": drops that PCID");
}

static int page_of(uint64_t va)
{
	uint64_t i = (va - SIM_VA(0)) / 4096;

	return va >= SIM_VA(0) && i < SIM_PAGES ? (int)i : -1;
}

void sim_invlpg(uint64_t va)
{
	struct sim_cpu *p;
	int i = page_of(va);

	sim_yield();
	p = me();
	story("cpu%d  INVLPG page %d (PCID %u)", sim.current, i, pcid_of(p));
	if (i < 0)
		return;
	p->may[pcid_of(p)][i] = 0;
	p->may_global[i] = 0;
}

void sim_invpcid(uint64_t type, uint64_t pcid, uint64_t addr)
{
	struct sim_cpu *p;
	int i = page_of(addr);

	sim_yield();
	p = me();
	story("cpu%d  INVPCID type %llu, PCID %llu", sim.current, (unsigned long long)type,
	      (unsigned long long)pcid);
	if (!sim.cfg->invpcid || !p->pcide || pcid >= 4096 || type > 3) {
		machine_violation(VIOL_MACHINE, "cpu%d: INVPCID type %llu PCID %llu: #UD or #GP "
				  "on this machine", sim.current, (unsigned long long)type,
				  (unsigned long long)pcid);
		return;
	}
	switch (type) {
	case 0:                 /* one address, one PCID, not global */
		if (i >= 0 && pcid < SIM_PCIDS)
			p->may[pcid][i] = 0;
		break;
	case 1:                 /* one PCID, not global */
		if (pcid < SIM_PCIDS)
			drop_pcid(p, (unsigned)pcid);
		break;
	case 2:                 /* everything, global entries included */
		for (unsigned j = 0; j < SIM_PAGES; j++)
			p->may_global[j] = 0;
		/* fall through */
	case 3:                 /* every PCID, not global */
		for (unsigned t = 0; t < SIM_PCIDS; t++)
			drop_pcid(p, t);
		break;
	}
}

/* CR4.PCIDE := 1 (arch/x86_64/cpu.c: cpu_enable_protections). */
void machine_set_pcide(int cpu)
{
	struct sim_cpu *p = &sim.cpu[cpu];

	if (p->cr3 & 0xfff) {
		machine_violation(VIOL_MACHINE, "cpu%d: CR4.PCIDE set with PCID %llu in CR3 (#GP)",
				  cpu, (unsigned long long)(p->cr3 & 0xfff));
		return;
	}
	/* Entries cached so far belong to PCID 0 from now on. */
	p->pcide = true;
	story("cpu%d  CR4.PCIDE := 1 (CR3 PCID 0)", cpu);
}
