/*
 * ktest suite "smp": every CPU the firmware listed is online, knows who it
 * is, and runs with the boot CPU's protections.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/entry_area.h"
#include "arch/x86_64/lapic.h"
#include "kernel/ktest.h"
#include "smp/ipi.h"
#include "smp/percpu.h"
#include "smp/smp.h"
#include "smp/worker.h"

static void all_listed_cpus_online(struct ktest *t)
{
	unsigned enabled = 0;

	if (acpi_ok)
		for (unsigned i = 0; i < acpi.ncpus; i++)
			enabled += acpi.cpus[i].enabled;
	else
		enabled = 1;
	/* nr_cpus may be larger: a CPU that never answered keeps its area. */
	KT_EXPECT_EQ(t, smp_online_count(), enabled);
	KT_EXPECT_EQ(t, cpumask_weight(&cpu_online_mask), enabled);
	KT_EXPECT(t, nr_cpus >= enabled);
}

static void apic_ids_distinct(struct ktest *t)
{
	for (unsigned a = 0; a < nr_cpus; a++) {
		KT_EXPECT_EQ(t, cpu_area[a]->cpu, a);
		for (unsigned b = a + 1; b < nr_cpus; b++)
			KT_EXPECT(t, cpu_area[a]->apic_id != cpu_area[b]->apic_id);
	}
}

struct identity {
	unsigned cpu;
	uint32_t apic_id;
	uint64_t cr4, cr0, efer, gs_base, gs_self;
	bool ran;
};

static struct identity seen[MAX_CPUS];

static void record_identity(void *arg)
{
	struct percpu *me = this_cpu();
	struct identity *id = &seen[me->cpu];

	id->cpu = me->cpu;
	id->apic_id = lapic_id();
	id->cr4 = read_cr4();
	id->cr0 = read_cr0();
	id->efer = rdmsr(MSR_EFER);
	id->gs_base = rdmsr(MSR_GS_BASE);
	id->gs_self = (uint64_t)this_cpu();
	id->ran = true;
}

static void each_cpu_knows_itself(struct ktest *t)
{
	unsigned c;

	for (c = 0; c < nr_cpus; c++)
		seen[c].ran = false;
	smp_run_everywhere(record_identity, 0);
	for_each_cpu(c, &cpu_online_mask) {
		KT_EXPECT(t, seen[c].ran);
		KT_EXPECT_EQ(t, seen[c].cpu, c);
		KT_EXPECT_EQ(t, seen[c].apic_id, cpu_area[c]->apic_id);
		/* GS base: the CPU's entry area, whose first word is its percpu. */
		KT_EXPECT_EQ(t, seen[c].gs_base, (uint64_t)cpu_area[c]->ea);
		KT_EXPECT_EQ(t, seen[c].gs_self, (uint64_t)cpu_area[c]);
	}
}

static void same_protections_everywhere(struct ktest *t)
{
	unsigned c;

	smp_run_everywhere(record_identity, 0);
	for_each_cpu(c, &cpu_online_mask) {
		KT_EXPECT_EQ(t, seen[c].cr4, seen[0].cr4);
		KT_EXPECT_EQ(t, seen[c].cr0, seen[0].cr0);
		KT_EXPECT_EQ(t, seen[c].efer, seen[0].efer);
	}
}

static const struct ktest_case smp_cases[] = {
	{ "all_listed_cpus_online", all_listed_cpus_online },
	{ "apic_ids_distinct", apic_ids_distinct },
	{ "each_cpu_knows_itself", each_cpu_knows_itself },
	{ "same_protections_everywhere", same_protections_everywhere },
};
KTEST_SUITE(smp_suite, "smp", smp_cases);
