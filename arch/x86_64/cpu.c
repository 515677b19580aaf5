/*
 * CPU identification and the protection bits lull enables.
 */
#include "arch/x86_64/cpu.h"
#include "mm/pti.h"
#include "kernel/string.h"

struct cpu_info boot_cpu;

static const char *const feature_names[CPU_FEATURE_COUNT] = {
	[CPU_NX] = "nx",           [CPU_PGE] = "pge",
	[CPU_PDPE1GB] = "pdpe1gb", [CPU_SMEP] = "smep",
	[CPU_SMAP] = "smap",       [CPU_UMIP] = "umip",
	[CPU_PCID] = "pcid",       [CPU_INVPCID] = "invpcid",
	[CPU_X2APIC] = "x2apic",   [CPU_TSC_INVARIANT] = "invtsc",
	[CPU_HYPERVISOR] = "hypervisor",
};

const char *cpu_feature_name(enum cpu_feature f)
{
	return f < CPU_FEATURE_COUNT ? feature_names[f] : "?";
}

static void set_if(struct cpu_info *ci, enum cpu_feature f, uint32_t reg, int bit)
{
	if (reg & (1u << bit))
		ci->features |= 1ull << f;
}

void cpu_identify(struct cpu_info *ci)
{
	uint32_t a, b, c, d;

	memset(ci, 0, sizeof(*ci));
	cpuid(0, 0, &a, &b, &c, &d);
	ci->max_leaf = a;
	memcpy(ci->vendor + 0, &b, 4);
	memcpy(ci->vendor + 4, &d, 4);
	memcpy(ci->vendor + 8, &c, 4);

	cpuid(1, 0, &a, &b, &c, &d);
	ci->stepping = a & 0xf;
	ci->model_id = (a >> 4) & 0xf;
	ci->family = (a >> 8) & 0xf;
	if (ci->family == 0xf)
		ci->family += (a >> 20) & 0xff;
	if (ci->family >= 6)
		ci->model_id |= ((a >> 16) & 0xf) << 4;
	set_if(ci, CPU_PCID, c, 17);
	set_if(ci, CPU_X2APIC, c, 21);
	set_if(ci, CPU_HYPERVISOR, c, 31);
	set_if(ci, CPU_PGE, d, 13);

	if (ci->max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		set_if(ci, CPU_SMEP, b, 7);
		set_if(ci, CPU_INVPCID, b, 10);
		set_if(ci, CPU_SMAP, b, 20);
		set_if(ci, CPU_UMIP, c, 2);
	}

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	ci->max_ext_leaf = a;
	if (ci->max_ext_leaf >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		set_if(ci, CPU_NX, d, 20);
		set_if(ci, CPU_PDPE1GB, d, 26);
	}
	if (ci->max_ext_leaf >= 0x80000004) {
		uint32_t *m = (uint32_t *)ci->model;
		for (uint32_t leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &m[leaf * 4], &m[leaf * 4 + 1],
			      &m[leaf * 4 + 2], &m[leaf * 4 + 3]);
		ci->model[48] = 0;
		/* Intel pads the brand string with leading spaces, AMD with trailing ones. */
		size_t lead = 0, end;
		while (ci->model[lead] == ' ')
			lead++;
		memmove(ci->model, ci->model + lead, sizeof(ci->model) - lead);
		for (end = strlen(ci->model); end > 0 && ci->model[end - 1] == ' '; end--)
			ci->model[end - 1] = 0;
	} else {
		strlcpy(ci->model, "unknown model", sizeof(ci->model));
	}
	if (ci->max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		set_if(ci, CPU_TSC_INVARIANT, d, 8);
	}
	ci->phys_addr_bits = 36;
	if (ci->max_ext_leaf >= 0x80000008) {
		cpuid(0x80000008, 0, &a, &b, &c, &d);
		ci->phys_addr_bits = a & 0xff;
	}
}

bool cpu_has(enum cpu_feature f)
{
	return boot_cpu.features & (1ull << f);
}

void cpu_enable_protections(void)
{
	/* NE: x87 errors as #MF, not the PC's IRQ 13; MP with it, as usual. */
	uint64_t cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	/* OSFXSR and OSXMMEXCPT let user programs use SSE; the kernel does not. */
	uint64_t cr4 = CR4_PAE | CR4_MCE | CR4_OSFXSR | CR4_OSXMMEXCPT;

	if (cpu_has(CPU_SMEP))
		cr4 |= CR4_SMEP;
	/* With SMAP on, any kernel access to user pages needs STAC/CLAC. */
	if (cpu_has(CPU_SMAP))
		cr4 |= CR4_SMAP;
	if (cpu_has(CPU_UMIP))
		cr4 |= CR4_UMIP;
	/* PCIDs (mm/pti.h). Turning PCIDE on needs CR3's PCID field at 0,
	 * which holds here: every CPU arrives with an untagged CR3. */
	if (pti.pcid)
		cr4 |= CR4_PCIDE;
	write_cr0(cr0);
	write_cr4(cr4);
	pti_enter_kernel_pcid();        /* and out of PCID 0 at once */
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}
