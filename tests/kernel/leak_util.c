/*
 * The leak checks' counts (tests/kernel/leak_util.h).
 */
#include "tests/kernel/leak_util.h"
#include "kernel/ktest.h"
#include "kernel/task.h"
#include "mm/kmalloc.h"
#include "mm/uvm.h"
#include "mm/vmalloc.h"

void leak_snapshot(struct leak_snapshot *s)
{
	struct kmalloc_stats ks;
	struct vmalloc_stats vs;

	vm_unmap_aliases();
	kmalloc_get_stats(&ks);
	vmalloc_get_stats(&vs);
	*s = (struct leak_snapshot){
		.frames = ktest_frames_free_or_kmalloc(), .kmalloc_live = ks.allocs - ks.frees,
		.address_spaces = uvm_live(), .tasks = task_live(), .vmalloc_areas = vs.live_areas,
	};
	jit_get_stats(&s->jit);
}
