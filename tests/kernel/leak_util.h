#pragma once
/*
 * What the leak checks of the suites count (user, fuzz, soak): take a
 * snapshot before a run and after it; code that frees all it took leaves
 * every count as it was. Warm the caches the run may grow first.
 */
#include <stdint.h>
#include "kernel/jit.h"

struct leak_snapshot {
	uint64_t frames;            /* free, or held by kmalloc (ktest_frames_free_or_kmalloc) */
	uint64_t kmalloc_live, address_spaces, tasks, vmalloc_areas;
	struct jit_stats jit;       /* filter programs loaded and freed */
};

/* Purges lazily freed vmalloc areas first: they hold frames until then. */
void leak_snapshot(struct leak_snapshot *s);
