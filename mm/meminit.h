#pragma once
#include "kernel/multiboot2.h"

/*
 * From the firmware's memory map to working memory management: sanitise
 * the map, reserve lull's own ranges, start the frame allocator and switch
 * to the kernel's page tables. Halts with a message when there is no
 * usable memory to run in.
 */
void mem_init(struct boot_info *bi);
