/*
 * Filter programs (kernel/jit.h).
 *
 * The code, for immediates k1..kn:   xor eax, eax       31 c0
 *                                    add eax, k1        05 k1 (4 bytes)
 *                                    ...
 *                                    ret                c3
 */
#include "kernel/jit.h"
#include "arch/x86_64/usercopy.h"
#include "kernel/string.h"
#include "kernel/syscall_abi.h"
#include "kernel/task.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/vmalloc.h"

#define CODE_SIZE(n) (3 + 5 * (n))

static uint64_t loaded, freed;   /* atomic */

static void emit(uint8_t *code, const int32_t *imms, uint64_t n)
{
	uint8_t *p = code;

	*p++ = 0x31, *p++ = 0xc0;
	for (uint64_t i = 0; i < n; i++) {
		*p++ = 0x05;
		memcpy(p, &imms[i], 4);
		p += 4;
	}
	*p = 0xc3;
}

static int free_slot(struct task *t)
{
	for (int i = 0; i < SYS_JIT_HANDLES; i++)
		if (!t->jit[i])
			return i;
	return -1;
}

int64_t jit_load(struct task *t, uint64_t user_imms, uint64_t n)
{
	if (n == 0 || n > SYS_JIT_MAX_INSNS)
		return -E_INVAL;
	int slot = free_slot(t);
	if (slot < 0)
		return -E_NOSPC;
	int32_t *imms = kmalloc(n * sizeof(*imms));
	if (!imms)
		return -E_NOMEM;
	if (copy_from_user(imms, user_imms, n * sizeof(*imms))) {
		kfree(imms);
		return -E_FAULT;
	}
	size_t pages = (CODE_SIZE(n) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint8_t *code = vmalloc(pages * PAGE_SIZE);
	if (!code) {
		kfree(imms);
		return -E_NOMEM;
	}
	emit(code, imms, n);
	kfree(imms);
	/* Read-only first, then executable: never writable and executable. */
	if (set_memory_ro(code, pages) || set_memory_x(code, pages)) {
		vfree(code);
		return -E_NOMEM;
	}
	t->jit[slot] = code;
	__atomic_fetch_add(&loaded, 1, __ATOMIC_RELAXED);
	return slot;
}

static void *lookup(struct task *t, uint64_t handle)
{
	return handle < SYS_JIT_HANDLES ? t->jit[handle] : 0;
}

int64_t jit_run(struct task *t, uint64_t handle)
{
	uint32_t (*prog)(void) = (uint32_t (*)(void))lookup(t, handle);

	if (!prog)
		return -E_INVAL;
	return prog();
}

int64_t jit_free(struct task *t, uint64_t handle)
{
	void *code = lookup(t, handle);

	if (!code)
		return -E_INVAL;
	t->jit[handle] = 0;
	vfree(code);
	__atomic_fetch_add(&freed, 1, __ATOMIC_RELAXED);
	return 0;
}

void jit_release_all(struct task *t)
{
	for (uint64_t h = 0; h < SYS_JIT_HANDLES; h++)
		if (t->jit[h])
			jit_free(t, h);
}

void jit_get_stats(struct jit_stats *s)
{
	s->loaded = __atomic_load_n(&loaded, __ATOMIC_RELAXED);
	s->freed = __atomic_load_n(&freed, __ATOMIC_RELAXED);
}
