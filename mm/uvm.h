#pragma once
/*
 * User address spaces: the table pair of mm/pti.h, and the user memory in
 * it. Every user page is a frame of its own, owned by the address space
 * and freed with it; the tables of the user half are freed with it too.
 *
 * An address space belongs to one task and is loaded only on the CPU that
 * runs that task, so changes to it need only local TLB flushes; a CPU that
 * switches to another address space flushes the user translations it held
 * (kernel/sched.c, the as->id check).
 */
#include <stdbool.h>
#include <stdint.h>

struct addr_space {
	uint64_t pml4;          /* physical: kernel table; +4096 the user one */
	uint64_t id;            /* unique for the life of the system */
	uint64_t pages;         /* user pages mapped */
	uint64_t map_pages;     /* of which through map() */
	uint64_t map_next;      /* where map(0, ...) looks first */
	unsigned last_cpu;      /* where it was last loaded (kernel/sched.c) */
};

/* A new, empty address space, or NULL when memory ran out. */
struct addr_space *uvm_create(void);
/* Free every user page and table and the pair. It must not be loaded. */
void uvm_destroy(struct addr_space *as);

/* Map [va, va+size) to new zeroed frames with leaf flags (PTE_U is added);
 * all or nothing: -1 when memory ran out or something is already mapped. */
int uvm_alloc(struct addr_space *as, uint64_t va, uint64_t size, uint64_t flags);
/* Unmap [va, va+size) and free its frames; the number of pages that were
 * mapped. If as is loaded on this CPU its translations are flushed. */
uint64_t uvm_free(struct addr_space *as, uint64_t va, uint64_t size);
/* Is nothing mapped in [va, va+size)? Is all of it mapped? */
bool uvm_is_free(struct addr_space *as, uint64_t va, uint64_t size);
bool uvm_is_mapped(struct addr_space *as, uint64_t va, uint64_t size);
/* The leaf entry for va, or 0. */
uint64_t uvm_lookup(struct addr_space *as, uint64_t va);

/* CR3 values for as (mm/pti.h). */
uint64_t uvm_kernel_cr3(const struct addr_space *as);
uint64_t uvm_user_cr3(const struct addr_space *as);

/* How many address spaces exist now (tests check nothing leaks). */
uint64_t uvm_live(void);
