#pragma once
/*
 * CPU lists as the command line writes them (nohz_full=, isolcpus=), in
 * Linux's bitmap_parselist syntax:
 *
 *   list  := item { "," item }
 *   item  := cpu | cpu "-" cpu | cpu "-" cpu ":" used "/" group
 *   cpu   := decimal | "N"          (N: the last CPU, nr_cpus - 1)
 *
 * "A-B:U/G" takes, from each group of G CPUs starting at A, the first U
 * that are not past B: "0-9:2/5" is 0,1,5,6. N may stand for any number,
 * as in Linux. Unlike Linux, an empty list is an error: an empty
 * nohz_full= is more likely a typo than a wish.
 */
#include <stddef.h>
#include "smp/cpumask.h"

enum cpulist_error {
	CPULIST_EINVAL = -1,     /* not the syntax above */
	CPULIST_ERANGE = -2,     /* a CPU that does not exist */
	CPULIST_EOVERFLOW = -3,  /* a number that does not fit in 32 bits */
};

/*
 * Parse s into *out for a machine with nr_cpus CPUs (capped at
 * NR_CPUS_MAX). Returns 0, or a cpulist_error with a one-line message in
 * err (when errlen > 0) that quotes the offending item; *out is written
 * only on success.
 */
int cpulist_parse(const char *s, struct cpumask *out, unsigned nr_cpus, char *err,
		  size_t errlen);

/*
 * Write m as a list ("0-3,5,7-8"; "" when empty) into buf, always
 * NUL-terminated when len > 0. Returns the length the whole list needs,
 * like snprintf: the output was cut when that is >= len.
 */
int cpulist_format(const struct cpumask *m, char *buf, size_t len);
