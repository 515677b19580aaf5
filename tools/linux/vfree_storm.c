/*
 * vfree_storm: make stock Linux call flush_tlb_kernel_range, from user space,
 * on one CPU, until it has done so a given number of times.
 *
 *   vfree_storm CPU FLUSHES
 *
 * Runs inside the initramfs of tools/bench_linux.py, as root, on Debian 12's
 * 6.1 kernel. Prints one line "storm maps=N flushes=M" and exits 0 once the
 * kprobe event "kflush" on flush_tlb_kernel_range (set up by tools/linux/init)
 * has counted FLUSHES more hits than when it started.
 *
 * Why BPF array maps, and not the JIT: a classic-BPF socket filter is JITed
 * into a chunk of a 2 MiB bpf_prog_pack. On this kernel a pack is already
 * live after boot and is never freed while one program sits in it, so a
 * filter attach and close only takes and returns a chunk: no set_memory_*,
 * no vfree of executable memory, no flush. What each attach does vfree is its
 * one-page struct bpf_prog, and vfree only queues the area as "lazy": the
 * unmap and the flush wait until lazy_max_pages (fls(online CPUs) * 32 MiB)
 * of freed vmalloc space has piled up, when a purge worker unmaps it all and
 * calls flush_tlb_kernel_range once for the whole batch. That is the path
 * this program drives, fast: an array map larger than 32 KiB is vmalloc'ed,
 * so creating and closing a 1 MiB map hands 258 pages of vmalloc space (the
 * values, the map's header, a guard page) to the lazy list.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROFILE "/sys/kernel/tracing/kprobe_profile"
#define EVENT "kflush"

/* 256 one-page values: 1 MiB, far above the 32 KiB under which the kernel
 * would kmalloc the array instead of vmalloc'ing it. */
#define MAP_VALUE_SIZE 4096
#define MAP_ENTRIES 256

/* Maps between two reads of the counter: a read costs a file open and a
 * parse, a purge needs at least 32 MiB (32 maps) of lazy space. */
#define CHECK_EVERY 8

/* A purge needs at most fls(CPUs) * 32 MiB = 224 maps up to 64 CPUs; a
 * thousand maps per flush without one means the kernel does not flush here. */
#define MAX_MAPS_PER_FLUSH 1024

static void die(const char *what)
{
	fprintf(stderr, "vfree_storm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse_count(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Hits of EVENT in kprobe_profile, whose lines read "  name  nhit  nmiss". */
static long kflush_hits(void)
{
	FILE *f = fopen(PROFILE, "r");
	if (!f)
		die("open " PROFILE);
	char name[128];
	long hits, misses;
	long found = -1;
	while (fscanf(f, "%127s %ld %ld", name, &hits, &misses) == 3) {
		if (strcmp(name, EVENT) == 0) {
			found = hits;
			break;
		}
	}
	fclose(f);
	if (found < 0) {
		fprintf(stderr, "vfree_storm: no kprobe event '%s' in %s\n", EVENT, PROFILE);
		exit(1);
	}
	return found;
}

/* Create and close one array map: a vmalloc now, a vfree once the map's
 * last reference is dropped (a work item, on this CPU). */
static void map_churn(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = MAP_VALUE_SIZE;
	attr.max_entries = MAP_ENTRIES;
	int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		die("BPF_MAP_CREATE");
	close(fd);
}

int main(int argc, char **argv)
{
	long cpu, flushes;

	if (argc != 3 || parse_count(argv[1], CPU_SETSIZE - 1, &cpu) ||
	    parse_count(argv[2], 1000000, &flushes)) {
		fprintf(stderr, "usage: vfree_storm CPU FLUSHES\n");
		return 2;
	}

	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");

	long start = kflush_hits();
	long done = 0, maps = 0;
	long max_maps = (flushes + 1) * MAX_MAPS_PER_FLUSH;
	while (done < flushes) {
		if (maps >= max_maps) {
			fprintf(stderr, "vfree_storm: %ld maps gave %ld of %ld flushes; "
				"this kernel does not purge lazily freed vmalloc space as expected\n",
				maps, done, flushes);
			return 1;
		}
		map_churn();
		maps++;
		if (maps % CHECK_EVERY == 0)
			done = kflush_hits() - start;
	}
	printf("storm maps=%ld flushes=%ld\n", maps, done);
	return 0;
}
