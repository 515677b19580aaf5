/*
 * Host tests for mm/uvm.c's uvm_free: a user page's translation is
 * flushed before its frame goes back to the frame allocator, so no frame
 * handed out again is reachable through this CPU's TLB. uvm.c is built
 * against the machine model's arch/x86_64/mmu.h (tests/tlbsim/include);
 * the page-table, frame and PTI calls it makes are recorded here, in
 * order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>

#include "mm/paging.h"
#include "mm/pmm.h"
#include "mm/pti.h"
#include "mm/uvm.h"
#include "kernel/syscall_abi.h"

#define PML4 0x400000ull
#define PAGES 4

/* What uvm_free did, in order: 'U'nmap, 'F'lush, 'R'elease a frame. */
static char events[64];
static unsigned nevents;
static bool mapped[PAGES];

static void record(char e)
{
	if (nevents < sizeof(events) - 1)
		events[nevents++] = e;
}

uint64_t sim_read_cr3(void) { return PML4 | PCID_KERNEL; }
void sim_write_cr3(uint64_t v) { }
void sim_invlpg(uint64_t va) { }
void sim_invpcid(uint64_t type, uint64_t pcid, uint64_t addr) { }

uint64_t paging_unmap(uint64_t pml4, uint64_t va)
{
	unsigned i = (unsigned)((va - USER_MAP_BASE) / PAGE_SIZE);

	record('U');
	if (i >= PAGES || !mapped[i])
		return 0;
	mapped[i] = false;
	return (0x1000000ull + i * PAGE_SIZE) | PTE_P | PTE_W | PTE_U;
}

void pti_flush_user_page(uint64_t va) { record('F'); }
void pmm_free(uint64_t phys) { record('R'); }

/* The rest of what uvm.c links against; uvm_free calls none of it. */
struct pti_config pti;
uint64_t kernel_pml4_phys, direct_map_bytes;
bool direct_map_live;
void *kzalloc(size_t size) { return 0; }
void kfree(void *p) { }
uint64_t pmm_alloc(void) { return 0; }
uint64_t pmm_alloc_range(uint64_t count, uint64_t align, uint64_t limit) { return 0; }
void pmm_free_range(uint64_t phys, uint64_t count) { }
int paging_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags) { return -1; }
uint64_t paging_lookup(uint64_t pml4, uint64_t va, uint64_t *size) { return 0; }
void pti_fill_user_top(uint64_t *top) { }
uint64_t pti_kernel_cr3(uint64_t pml4) { return pml4; }
uint64_t pti_user_cr3(uint64_t pml4) { return pml4; }
int printk(const char *fmt, ...) { return 0; }

static void setup_space(struct addr_space *as)
{
	*as = (struct addr_space){ .pml4 = PML4, .pages = PAGES };
	for (unsigned i = 0; i < PAGES; i++)
		mapped[i] = true;
	nevents = 0;
	events[0] = 0;
}

static void test_flush_before_free(void **state)
{
	struct addr_space as;

	setup_space(&as);
	assert_int_equal(uvm_free(&as, USER_MAP_BASE, 2 * PAGE_SIZE), 2);
	events[nevents] = 0;
	/* Each page: unmap, flush its translation, then free its frame. */
	assert_string_equal(events, "UFRUFR");
	assert_int_equal(as.pages, PAGES - 2);
}

static void test_unmapped_pages_skipped(void **state)
{
	struct addr_space as;

	setup_space(&as);
	mapped[1] = false;
	assert_int_equal(uvm_free(&as, USER_MAP_BASE, 3 * PAGE_SIZE), 2);
	events[nevents] = 0;
	assert_string_equal(events, "UFRUUFR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flush_before_free),
		cmocka_unit_test(test_unmapped_pages_skipped),
	};
	return cmocka_run_group_tests(tests, 0, 0);
}
