/*
 * CPU list parsing and printing; the syntax is in smp/cpulist.h. Each item
 * is parsed whole before it is checked, like Linux's bitmap_parselist, so
 * "5-3x" is reported for its garbage, not for its order.
 */
#include "smp/cpulist.h"
#include "kernel/format.h"
#include "kernel/string.h"

#define ITEM_SHOWN 40   /* longest item quoted in a message */

struct cpulist_parser {
	const char *item;       /* the item being parsed, for messages */
	size_t item_len;
	unsigned nr_cpus;
	char *err;
	size_t errlen;
};

/* Report a problem with the current item; returns rc. */
static int __attribute__((format(printf, 3, 4)))
item_error(const struct cpulist_parser *ps, int rc, const char *fmt, ...)
{
	char why[96];
	va_list ap;

	if (!ps->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "cpulist: item \"%.*s%s\": %s",
		 (int)(ps->item_len < ITEM_SHOWN ? ps->item_len : ITEM_SHOWN), ps->item,
		 ps->item_len > ITEM_SHOWN ? "..." : "", why);
	return rc;
}

static bool item_end(char c)
{
	return c == ',' || c == 0;
}

/* A decimal number or N at *p; moves *p past it. */
static int get_num(const struct cpulist_parser *ps, const char **p, unsigned *num)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s == 'N') {
		*num = ps->nr_cpus - 1;
		*p = s + 1;
		return 0;
	}
	if (*s < '0' || *s > '9') {
		if (item_end(*s))
			return item_error(ps, CPULIST_EINVAL, "a number is missing at the end");
		return item_error(ps, CPULIST_EINVAL, "expected a number or N at \"%.*s\"",
				  (int)(ps->item + ps->item_len - s), s);
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT32_MAX)
			return item_error(ps, CPULIST_EOVERFLOW, "number too large");
	}
	*num = (unsigned)v;
	*p = s;
	return 0;
}

/* Parse the item at p (ending at ',' or the end) and add its CPUs to m. */
static int parse_item(const struct cpulist_parser *ps, const char *p, struct cpumask *m)
{
	unsigned a, b, used = 0, group = 0;
	bool stride = false;
	int rc = get_num(ps, &p, &a);

	if (rc)
		return rc;
	b = a;
	if (*p == '-') {
		p++;
		if ((rc = get_num(ps, &p, &b)))
			return rc;
		if (*p == ':') {
			p++;
			if ((rc = get_num(ps, &p, &used)))
				return rc;
			if (*p != '/')
				return item_error(ps, CPULIST_EINVAL, "expected \"/\" after the %u", used);
			p++;
			if ((rc = get_num(ps, &p, &group)))
				return rc;
			stride = true;
		}
	}
	if (!item_end(*p))
		return item_error(ps, CPULIST_EINVAL, "unexpected \"%.*s\"",
				  (int)(ps->item + ps->item_len - p), p);
	if (b < a)
		return item_error(ps, CPULIST_EINVAL, "the range ends (%u) before it starts (%u)", b, a);
	if (stride && group == 0)
		return item_error(ps, CPULIST_EINVAL, "the group size is 0");
	if (stride && used > group)
		return item_error(ps, CPULIST_EINVAL, "uses %u CPUs of groups of only %u", used, group);
	if (ps->nr_cpus == 0)
		return item_error(ps, CPULIST_ERANGE, "there are no CPUs");
	if (b >= ps->nr_cpus)
		return item_error(ps, CPULIST_ERANGE, "CPU %u does not exist (CPUs are 0-%u)",
				  b, ps->nr_cpus - 1);
	if (!stride)            /* the whole range is one group */
		used = group = b - a + 1;
	/* 64-bit steps: g + group must not wrap for a group of 2^32 - 1. */
	for (uint64_t g = a; g <= b; g += group) {
		for (uint64_t cpu = g; cpu < g + used && cpu <= b; cpu++)
			cpumask_set(m, (unsigned)cpu);
	}
	return 0;
}

int cpulist_parse(const char *s, struct cpumask *out, unsigned nr_cpus, char *err, size_t errlen)
{
	struct cpulist_parser ps = {
		.nr_cpus = nr_cpus < NR_CPUS_MAX ? nr_cpus : NR_CPUS_MAX,
		.err = err, .errlen = errlen,
	};
	struct cpumask m;

	if (errlen)
		err[0] = 0;
	cpumask_clear(&m);
	for (const char *p = s; ; p++) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		int rc;

		if (n == 0) {
			if (errlen && !*s)
				snprintf(err, errlen, "cpulist: the list is empty");
			else if (errlen)
				snprintf(err, errlen, "cpulist: empty item at offset %zu (a stray comma?)",
					 (size_t)(p - s));
			return CPULIST_EINVAL;
		}
		ps.item = p;
		ps.item_len = n;
		if ((rc = parse_item(&ps, p, &m)))
			return rc;
		p += n;
		if (!*p)
			break;
	}
	*out = m;
	return 0;
}

int cpulist_format(const struct cpumask *m, char *buf, size_t len)
{
	size_t pos = 0;

	if (len)
		buf[0] = 0;
	for (unsigned a = cpumask_first(m), b; a < NR_CPUS_MAX; a = cpumask_next(m, b)) {
		/* Past the output's end, snprintf only counts. */
		char *at = pos < len ? buf + pos : NULL;
		size_t room = pos < len ? len - pos : 0;
		const char *sep = pos ? "," : "";

		for (b = a; cpumask_test(m, b + 1); b++)
			;
		if (a == b)
			pos += (size_t)snprintf(at, room, "%s%u", sep, a);
		else
			pos += (size_t)snprintf(at, room, "%s%u-%u", sep, a, b);
	}
	return (int)pos;
}
