/*
 * One system call, checked (user/fuzz/fuzz.h): the registers the ABI keeps,
 * and the helpers that compare a result with what the ABI promises.
 */
#include "user/fuzz/fuzz.h"

uint32_t fuzz_seed;
uint64_t fuzz_step, fuzz_calls;

static const char *const call_names[SYS_COUNT] = {
	"exit", "write", "yield", "getcpu", "pin", "clock", "sleep", "map", "unmap",
	"jit_load", "jit_run", "jit_free", "taskid",
};

struct call call_new(uint64_t nr)
{
	return (struct call){ nr, { rnd(), rnd(), rnd(), rnd(), rnd(), rnd() } };
}

/*
 * Made as user/lib/syscall.h makes it, but with every register the ABI
 * keeps (all but RAX, RCX and R11) holding a known value that must still
 * be there after it: the six argument registers and RBX, R12-R15 (RBP and
 * RSP the compiler keeps for itself).
 */
int64_t fuzz_syscall(const struct call *c)
{
	const uint64_t keep[5] = { rnd(), rnd(), rnd(), rnd(), rnd() };
	uint64_t rax = c->nr, rdi = c->a[0], rsi = c->a[1], rdx = c->a[2], rbx = keep[0];
	register uint64_t r10 __asm__("r10") = c->a[3];
	register uint64_t r8 __asm__("r8") = c->a[4];
	register uint64_t r9 __asm__("r9") = c->a[5];
	register uint64_t r12 __asm__("r12") = keep[1];
	register uint64_t r13 __asm__("r13") = keep[2];
	register uint64_t r14 __asm__("r14") = keep[3];
	register uint64_t r15 __asm__("r15") = keep[4];

	fuzz_calls++;
	__asm__ volatile("syscall"
			 : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8),
			   "+r"(r9), "+b"(rbx), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
			 :
			 : "rcx", "r11", "memory");
	if (rdi != c->a[0] || rsi != c->a[1] || rdx != c->a[2] || r10 != c->a[3] ||
	    r8 != c->a[4] || r9 != c->a[5] || rbx != keep[0] || r12 != keep[1] ||
	    r13 != keep[2] || r14 != keep[3] || r15 != keep[4])
		broken(c, (int64_t)rax, "every register but RAX, RCX and R11 kept");
	return (int64_t)rax;
}

void broken(const struct call *c, int64_t got, const char *want)
{
	printf("fuzz: broken promise: seed %u step %lu: %s(%#lx, %#lx, %#lx) [nr %#lx] = %ld; "
	       "expected %s\n", fuzz_seed, fuzz_step,
	       c->nr < SYS_COUNT ? call_names[c->nr] : "unknown", c->a[0], c->a[1], c->a[2],
	       c->nr, got, want);
	sys_exit(1);
}

bool is_one_of(int64_t got, unsigned errs)
{
	return got < 0 && got > -32 && (errs & ERR(-got));
}

void expect_error(const struct call *c, int64_t got, unsigned errs)
{
	static const struct { int e; const char *name; } known[] = {
		{ E_FAULT, "-E_FAULT" }, { E_INVAL, "-E_INVAL" },
		{ E_NOMEM, "-E_NOMEM" }, { E_NOSPC, "-E_NOSPC" },
	};
	char text[64] = "";

	if (is_one_of(got, errs))
		return;
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (errs & ERR(known[i].e))
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
				 text[0] ? " or " : "", known[i].name);
	broken(c, got, text);
}

void expect_value(const struct call *c, int64_t got, int64_t want)
{
	char text[32];

	if (got == want)
		return;
	snprintf(text, sizeof(text), "%ld", want);
	broken(c, got, text);
}
