/*
 * Building and walking page tables. See mm/paging.h for the kernel's layout.
 */
#include "mm/paging.h"
#include "mm/pmm.h"
#include "arch/x86_64/cpu.h"
#include "kernel/printk.h"

uint64_t kernel_pml4_phys;
uint64_t direct_map_bytes;

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[], _ksymtab_start[], _kernel_end[];

static inline uint64_t *table(uint64_t phys)
{
	return phys_to_virt(phys & PTE_ADDR);
}

static unsigned index_of(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/*
 * The entry for va at the given level (0 = PT, 3 = PML4), creating the
 * tables above it; NULL if a table could not be allocated or a large page
 * is in the way.
 */
static uint64_t *walk_create(uint64_t pml4_phys, uint64_t va, int level)
{
	uint64_t *t = table(pml4_phys);

	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[index_of(va, l)];
		uint64_t old = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		if (!(old & PTE_P)) {
			uint64_t page = pmm_alloc();
			if (!page)
				return 0;
			/* Upper levels allow everything their range may need;
			 * the leaf entries decide. */
			uint64_t new = page | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
			/*
			 * Other CPUs map into the same kernel tables at the same
			 * time (vmalloc, stacks): a plain store could replace a
			 * table another CPU has just installed and mapped pages
			 * in. The CAS installs ours only if the slot is still
			 * empty; RELEASE publishes the zeroed table with it.
			 */
			if (__atomic_compare_exchange_n(e, &old, new, false, __ATOMIC_RELEASE,
							__ATOMIC_ACQUIRE))
				old = new;
			else
				pmm_free(page);  /* lost the race: use the winner's */
		}
		if (old & PTE_PS)
			return 0;
		t = table(old);
	}
	return &t[index_of(va, level)];
}

int paging_map(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *e = walk_create(pml4_phys, va, 0);

	if (!e)
		return -1;
	*e = (pa & PTE_ADDR) | flags;
	return 0;
}

uint64_t paging_lookup(uint64_t pml4_phys, uint64_t va, uint64_t *page_size)
{
	uint64_t *t = table(pml4_phys);

	for (int l = 3; l >= 0; l--) {
		uint64_t e = t[index_of(va, l)];
		if (!(e & PTE_P)) {
			if (page_size)          /* the hole's size: walkers skip it whole */
				*page_size = 1ull << (12 + 9 * l);
			return 0;
		}
		if (l == 0 || (e & PTE_PS)) {
			if (page_size)
				*page_size = 1ull << (12 + 9 * l);
			return e;
		}
		t = table(e);
	}
	return 0;
}

uint64_t paging_unmap(uint64_t pml4_phys, uint64_t va)
{
	uint64_t *t = table(pml4_phys);

	for (int l = 3; l > 0; l--) {
		uint64_t e = t[index_of(va, l)];
		if (!(e & PTE_P) || (e & PTE_PS))
			return 0;
		t = table(e);
	}
	uint64_t old = t[index_of(va, 0)];
	t[index_of(va, 0)] = 0;
	return old;
}

static void map_kernel_range(char *start, char *end, uint64_t flags)
{
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE)
		if (paging_map(kernel_pml4_phys, va, va - KERNEL_VMA, flags))
			goto oom;
	return;
oom:
	pr_emerg("paging: out of memory while mapping the kernel\n");
	cpu_halt_forever();
}

/* The direct map, with 1 GiB pages where the CPU has them, else 2 MiB. */
static void map_direct(uint64_t bytes)
{
	bool gb = cpu_has(CPU_PDPE1GB);
	uint64_t step = gb ? (1ull << 30) : (2ull << 20);
	int level = gb ? 2 : 1;

	for (uint64_t pa = 0; pa < bytes; pa += step) {
		uint64_t *e = walk_create(kernel_pml4_phys, DIRECT_MAP_BASE + pa, level);
		if (!e) {
			pr_emerg("paging: out of memory while building the direct map\n");
			cpu_halt_forever();
		}
		*e = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
	}
}

/*
 * Give every top-level slot of the kernel half its next-level table now.
 * Each address space copies these 256 entries when it is created
 * (mm/uvm.c); since they never change afterwards, whatever the kernel maps
 * later (vmalloc, stacks, entry areas) appears in every address space at
 * once. 1 MiB of tables, once.
 */
static void prealloc_kernel_half(void)
{
	uint64_t *top = table(kernel_pml4_phys);

	for (int i = 256; i < 512; i++) {
		if (top[i] & PTE_P)
			continue;
		uint64_t page = pmm_alloc();
		if (!page) {
			pr_emerg("paging: out of memory for the kernel half's tables\n");
			cpu_halt_forever();
		}
		top[i] = page | PTE_P | PTE_W;
	}
}

void paging_init(uint64_t direct_bytes)
{
	/* The even page of an 8 KiB-aligned pair: bit 12 of CR3 clear, as a
	 * kernel table's must be (mm/pti.h; a paranoid entry takes bit 12 for
	 * "a user table is loaded"). The odd page has no use here. */
	kernel_pml4_phys = pmm_alloc_range(2, 2 * PAGE_SIZE, PMM_EARLY_LIMIT);
	if (!kernel_pml4_phys) {
		pr_emerg("paging: no memory for the top-level table\n");
		cpu_halt_forever();
	}
	pmm_free(kernel_pml4_phys + PAGE_SIZE);
	map_kernel_range(_text_start, _text_end, PAGE_KERNEL_RX);
	map_kernel_range(_rodata_start, _rodata_end, PAGE_KERNEL_RO);
	map_kernel_range(_data_start, _data_end, PAGE_KERNEL_RW);
	map_kernel_range(_ksymtab_start, _kernel_end, PAGE_KERNEL_RO);
	map_direct(direct_bytes);
	direct_map_bytes = direct_bytes;
	prealloc_kernel_half();

	/* The early tables map all of this too (RWX), so the switch is seamless;
	 * the CR3 write flushes every non-global translation, early ones included. */
	write_cr3(kernel_pml4_phys);
	direct_map_live = true;
	pmm_use_direct_map();
}
