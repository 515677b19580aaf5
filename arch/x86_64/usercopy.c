/*
 * User copies (arch/x86_64/usercopy.h). STAC and CLAC exist only on CPUs
 * with SMAP (they are #UD elsewhere), so they are issued only when
 * cpu_enable_protections() turned SMAP on.
 */
#include "arch/x86_64/usercopy.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "smp/percpu.h"

static inline void user_access_begin(void)
{
	if (cpu_has(CPU_SMAP))
		__asm__ volatile("stac" ::: "memory");
}

static inline void user_access_end(void)
{
	if (cpu_has(CPU_SMAP))
		__asm__ volatile("clac" ::: "memory");
}

/* rep movsb that may fault: 0 if it completed, -1 if it faulted. */
static int copy_guarded(void *dst, const void *src, size_t len)
{
	int err = 0;

	user_access_begin();
	__asm__ volatile("1: rep movsb\n"
			 "2:\n"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: movl $-1, %0\n"
			 "   jmp 2b\n"
			 ".popsection\n"
			 EXTABLE(1b, 3b)
			 : "+r"(err), "+D"(dst), "+S"(src), "+c"(len)
			 : : "memory");
	user_access_end();
	return err;
}

int copy_from_user(void *dst, uint64_t src, size_t len)
{
	if (!user_range_ok(src, len))
		return -1;
	return copy_guarded(dst, (const void *)src, len);
}

int copy_to_user(uint64_t dst, const void *src, size_t len)
{
	if (!user_range_ok(dst, len))
		return -1;
	return copy_guarded((void *)dst, src, len);
}

uint64_t user_read_without_stac(uint64_t addr)
{
	uint64_t before = this_cpu()->fixup_count;
	uint8_t v;

	__asm__ volatile("1: movb (%1), %0\n2:\n" EXTABLE(1b, 2b)
			 : "=r"(v) : "r"(addr) : "memory");
	(void)v;
	return this_cpu()->fixup_count != before ? this_cpu()->fixup_vector : 0;
}
