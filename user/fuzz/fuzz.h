#pragma once
/*
 * The parts of the fuzz program (user/fuzz.c; see its opening comment):
 * the checked system call (call.c), the model of its own address space
 * (model.c), the random arguments (pick.c), and the calls on memory
 * (memory.c) and on filter programs (jit.c).
 */
#include <stdbool.h>

#include "user/lib/lull.h"

#define PAGE      4096ull
#define USER_END  0x0000800000000000ull    /* the first address past user space */
#define ERR(e)    (1u << (e))

/* --- call.c: one system call, checked ---------------------------------------- */

struct call {
	uint64_t nr, a[6];
};

extern uint32_t fuzz_seed;
extern uint64_t fuzz_step, fuzz_calls;

/* A call with all six argument registers random: the unused ones must not matter. */
struct call call_new(uint64_t nr);
/* Make it; a register the ABI keeps that changed is a broken promise. */
int64_t fuzz_syscall(const struct call *c);
/* Print the broken promise (seed, step, call, arguments, result, want) and exit(1). */
__attribute__((noreturn)) void broken(const struct call *c, int64_t got, const char *want);
bool is_one_of(int64_t got, unsigned errs);
/* got must be minus one of the numbers in errs (ERR(E_FAULT) | ...). */
void expect_error(const struct call *c, int64_t got, unsigned errs);
void expect_value(const struct call *c, int64_t got, int64_t want);

/* --- model.c: what the program has mapped ------------------------------------ */

/* What an area holds: zero (map()ed), bytes that never change, or anything. */
enum content { ZERO, FIXED, CHANGING };

struct area {
	uint64_t start, end;
	enum content content;
	bool writable;
};

#define MAX_REGIONS 128

struct model {
	struct area image_ro, image_rw, stack;  /* text+rodata, data+bss, the stack */
	struct area regions[MAX_REGIONS];       /* what map() gave, all zero */
	unsigned nregions;
	uint64_t map_pages;                     /* their pages, against SYS_MAP_MAX */
};
extern struct model model;
/* Immediates for jit_load: random, and not written while a call reads them. */
extern uint32_t imms[SYS_JIT_MAX_INSNS + 8];

void model_init(void);
uint64_t page_up(uint64_t a);
/* The kernel's own test: [a, a + len) inside user space, no wrap-around. */
bool in_user(uint64_t a, uint64_t len);
struct area *area_at(uint64_t a);
/* How many bytes from a on, up to len (in_user), are mapped; *worst: what they hold. */
uint64_t readable(uint64_t a, uint64_t len, enum content *worst);
/* Do [p, p + len) hold the same bytes until the next call reads them? */
bool stable(uint64_t p, uint64_t len);
/* Nothing in [a, a + len) (in_user): a map() there must work. */
bool is_free(uint64_t a, uint64_t len);
/* All of [a, a + len) came from map(): unmap() must take it. */
bool from_map(uint64_t a, uint64_t len);
/* Would taking [a, b) out cut a region in two (one more entry)? */
bool splits(uint64_t a, uint64_t b);
void region_add(uint64_t start, uint64_t end, bool writable);
void region_remove(uint64_t a, uint64_t b);

/* --- pick.c: random numbers and arguments ----------------------------------- */

void rnd_seed(uint32_t seed);
uint64_t rnd(void);
uint64_t below(uint64_t n);
uint64_t pick_kernel(void);
uint64_t pick_pointer(void);
uint64_t pick_length(uint64_t p);              /* for a buffer at p */
uint64_t pick_count(uint64_t p);               /* immediates at p */
uint64_t pick_map_length(void);
uint64_t pick_map_addr(uint64_t len);          /* for len (page-rounded) bytes */
/* A live handle once in live_odds picks, else one that is not (or just not a handle). */
uint64_t pick_handle(const bool live[SYS_JIT_HANDLES], unsigned live_odds);

/* --- memory.c and jit.c: the calls ------------------------------------------ */

void op_write(void);
void op_map(void);
void op_unmap(void);
void op_jit_load(void);
void op_jit_run(void);
void op_jit_free(void);
