/*
 * nohz_full= and isolcpus= into the housekeeping partition; the words, the
 * types and the rules are in smp/housekeeping.h.
 *
 * Each word is parsed on its own into a set of CPUs to isolate and the
 * types to isolate them from; a word that is wrong is dropped whole, as
 * Linux drops it. The sets are then added up per type: a CPU is isolated
 * from t if any valid word isolates it from t. That sum is also how a
 * nohz_full= and an isolcpus=nohz that disagree are settled, where Linux
 * keeps the first and refuses the second.
 */
#include "smp/housekeeping.h"

#include <stdarg.h>
#include <stdbool.h>

#include "kernel/format.h"
#include "kernel/string.h"
#include "smp/cpulist.h"

#define HK_SHOW_MAX   64    /* a value or a flag is quoted up to this many bytes */
#define HK_LIST_SHOWN 96    /* a CPU list in a warning is cut at this size */
#define HK_LINE_MAX   384   /* one warning */

#define HK_BIT(t) (1u << (t))
#define HK_NOHZ_TYPES (HK_BIT(HK_TICK) | HK_BIT(HK_NOISE))

static const char *const hk_type_names[HK_TYPES] = {
	[HK_TICK] = "tick",
	[HK_NOISE] = "noise",
	[HK_IRQ] = "irq",
	[HK_UNBOUND] = "unbound",
};

/* The isolcpus= flags Linux documents; Linux skips others with a message. */
static const struct isolcpus_flag {
	const char *name;
	unsigned types;
} isolcpus_flags[] = {
	{ "nohz", HK_NOHZ_TYPES },
	{ "domain", HK_BIT(HK_UNBOUND) },
	{ "managed_irq", HK_BIT(HK_IRQ) },
};

#define NR_ISOLCPUS_FLAGS (sizeof(isolcpus_flags) / sizeof(isolcpus_flags[0]))

struct hk_parser {
	unsigned nr_cpus;
	struct cpumask online;  /* the CPUs that may be isolated or do housekeeping */
	void (*warn)(const char *msg);
};

static void __attribute__((format(printf, 2, 3)))
hk_warn(const struct hk_parser *ps, const char *fmt, ...)
{
	char line[HK_LINE_MAX];
	va_list ap;

	if (!ps->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ps->warn(line);
}

/* How much of s (n bytes) a warning quotes, and the mark for the cut. */
static int hk_shown(size_t n)
{
	return n > HK_SHOW_MAX ? HK_SHOW_MAX : (int)n;
}

static const char *hk_cut(size_t n)
{
	return n > HK_SHOW_MAX ? "..." : "";
}

/* m as a list for a warning: "none" when empty, "..." at the end if cut. */
static const char *hk_show_list(const struct cpumask *m, char *buf, size_t len)
{
	if (cpumask_empty(m))
		strlcpy(buf, "none", len);
	else if ((size_t)cpulist_format(m, buf, len) >= len)
		strlcpy(buf + len - 4, "...", 4);
	return buf;
}

/* False, after a warning, when word was given with an empty value. */
static bool hk_has_value(const struct hk_parser *ps, const char *word, const char *value)
{
	if (*value)
		return true;
	hk_warn(ps, "housekeeping: %s=: empty value; ignored", word);
	return false;
}

/*
 * The CPU list of word=value (list points into value) into *out, without
 * CPU 0. False, after a warning, when the whole word is to be ignored.
 */
static bool hk_parse_list(const struct hk_parser *ps, const char *word, const char *value,
			  const char *list, struct cpumask *out)
{
	size_t n = strlen(value);
	char err[128], rest[HK_LIST_SHOWN];

	if (cpulist_parse(list, out, ps->nr_cpus, err, sizeof(err))) {
		hk_warn(ps, "housekeeping: %s=%.*s%s: %s; ignored", word, hk_shown(n), value,
			hk_cut(n), err);
		return false;
	}
	/*
	 * The boot CPU runs the boot and owns the global timekeeping; Linux
	 * keeps it housekeeping only when no other would be left, lull always.
	 */
	if (cpumask_test(out, 0)) {
		cpumask_clear_cpu(out, 0);
		hk_warn(ps, "housekeeping: %s=%.*s%s: CPU 0 (the boot CPU) always does "
			"housekeeping; isolating %s", word, hk_shown(n), value, hk_cut(n),
			hk_show_list(out, rest, sizeof(rest)));
	}
	/*
	 * A CPU that exists but did not come up runs nothing: isolating it
	 * would only have its users (the tests, the experiment) wait for it.
	 */
	struct cpumask offline;
	char gone[HK_LIST_SHOWN];

	if (cpumask_andnot(&offline, out, &ps->online)) {
		cpumask_and(out, out, &ps->online);
		hk_warn(ps, "housekeeping: %s=%.*s%s: CPU(s) %s not online, left out; isolating %s",
			word, hk_shown(n), value, hk_cut(n),
			hk_show_list(&offline, gone, sizeof(gone)),
			hk_show_list(out, rest, sizeof(rest)));
	}
	return true;
}

static const struct isolcpus_flag *isolcpus_find_flag(const char *s, size_t n)
{
	for (size_t i = 0; i < NR_ISOLCPUS_FLAGS; i++) {
		if (strlen(isolcpus_flags[i].name) == n && !strncmp(isolcpus_flags[i].name, s, n))
			return &isolcpus_flags[i];
	}
	return NULL;
}

/*
 * isolcpus=[flag,...]list: the flags are the leading items that start with
 * a lower-case letter (a list starts with a digit or N). Fills *out and
 * *types; false, after a warning, when the word is to be ignored.
 */
static bool hk_parse_isolcpus(const struct hk_parser *ps, const char *value,
			      struct cpumask *out, unsigned *types)
{
	const char *p = value;
	size_t vn = strlen(value);

	*types = 0;
	while (*p >= 'a' && *p <= 'z') {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const struct isolcpus_flag *f = isolcpus_find_flag(p, n);

		if (f)
			*types |= f->types;
		else
			hk_warn(ps, "housekeeping: isolcpus=%.*s%s: unknown flag '%.*s%s' ignored",
				hk_shown(vn), value, hk_cut(vn), hk_shown(n), p, hk_cut(n));
		p += n;
		if (*p == ',')
			p++;
	}
	/* Linux: isolcpus= without a known flag means domain. */
	if (!*types && p != value && *p)
		hk_warn(ps, "housekeeping: isolcpus=%.*s%s: no known flag; isolating from "
			"unbound work (domain), as with no flag", hk_shown(vn), value, hk_cut(vn));
	if (!*types)
		*types = HK_BIT(HK_UNBOUND);
	if (!*p) {
		hk_warn(ps, "housekeeping: isolcpus=%.*s%s: no CPU list after the flags; ignored",
			hk_shown(vn), value, hk_cut(vn));
		return false;
	}
	return hk_parse_list(ps, "isolcpus", value, p, out);
}

void housekeeping_parse(const char *nohz_full, const char *isolcpus, unsigned nr_cpus,
			const struct cpumask *online, struct housekeeping *out,
			void (*warn)(const char *msg))
{
	struct hk_parser ps = {
		.nr_cpus = nr_cpus < NR_CPUS_MAX ? nr_cpus : NR_CPUS_MAX,
		.warn = warn,
	};
	struct cpumask removed[HK_TYPES], nohz_cpus, iso_cpus, all;
	bool have_nohz = false, have_iso = false;
	unsigned iso_types = 0;

	cpumask_setall(&all, ps.nr_cpus);
	if (online)
		cpumask_and(&all, &all, online);
	ps.online = all;
	cpumask_clear(&nohz_cpus);
	cpumask_clear(&iso_cpus);
	if (nohz_full && hk_has_value(&ps, "nohz_full", nohz_full))
		have_nohz = hk_parse_list(&ps, "nohz_full", nohz_full, nohz_full, &nohz_cpus);
	if (isolcpus && hk_has_value(&ps, "isolcpus", isolcpus))
		have_iso = hk_parse_isolcpus(&ps, isolcpus, &iso_cpus, &iso_types);

	for (unsigned t = 0; t < HK_TYPES; t++) {
		cpumask_clear(&removed[t]);
		if (have_nohz && (HK_NOHZ_TYPES & HK_BIT(t)))
			cpumask_or(&removed[t], &removed[t], &nohz_cpus);
		if (have_iso && (iso_types & HK_BIT(t)))
			cpumask_or(&removed[t], &removed[t], &iso_cpus);
	}
	if (have_nohz && have_iso && (iso_types & HK_NOHZ_TYPES) &&
	    !cpumask_equal(&nohz_cpus, &iso_cpus)) {
		char a[HK_LIST_SHOWN], b[HK_LIST_SHOWN], u[HK_LIST_SHOWN];

		hk_warn(&ps, "housekeeping: nohz_full= isolates %s but isolcpus=nohz %s; "
			"isolating their union %s from tick and noise",
			hk_show_list(&nohz_cpus, a, sizeof(a)), hk_show_list(&iso_cpus, b, sizeof(b)),
			hk_show_list(&removed[HK_TICK], u, sizeof(u)));
	}

	cpumask_clear(&out->isolated);
	for (unsigned t = 0; t < HK_TYPES; t++) {
		cpumask_andnot(&out->hk[t], &all, &removed[t]);
		cpumask_or(&out->isolated, &out->isolated, &removed[t]);
	}
	/*
	 * Some CPU must still do each kind of work. CPU 0 is never in a
	 * removed set, so this holds unless that rule changes; if it did not
	 * hold, isolating nothing is the safe answer.
	 */
	for (unsigned t = 0; t < HK_TYPES; t++) {
		if (cpumask_empty(&removed[t]) || !cpumask_empty(&out->hk[t]))
			continue;
		hk_warn(&ps, "housekeeping: no CPU left for %s housekeeping; isolating none",
			hk_type_names[t]);
		for (unsigned u = 0; u < HK_TYPES; u++)
			out->hk[u] = all;
		cpumask_clear(&out->isolated);
		break;
	}
}

const char *housekeeping_type_name(enum hk_type t)
{
	return (unsigned)t < HK_TYPES ? hk_type_names[t] : "?";
}

/* Append m as a list at *pos, counting past len like snprintf. */
static void hk_put_list(const struct cpumask *m, char *buf, size_t len, size_t *pos)
{
	char *at = *pos < len ? buf + *pos : NULL;
	size_t room = *pos < len ? len - *pos : 0;

	if (cpumask_empty(m))
		*pos += (size_t)snprintf(at, room, "none");
	else
		*pos += (size_t)cpulist_format(m, at, room);
}

static void hk_put_text(const char *s, char *buf, size_t len, size_t *pos)
{
	*pos += (size_t)snprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0,
				 "%s", s);
}

int housekeeping_format(const struct housekeeping *hk, enum hk_type t, char *buf, size_t len)
{
	struct cpumask off;     /* isolated from t: every such CPU is in hk->isolated */
	size_t pos = 0;

	if (len)
		buf[0] = 0;
	if ((unsigned)t >= HK_TYPES)
		return 0;
	hk_put_text("housekeeping ", buf, len, &pos);
	hk_put_text(hk_type_names[t], buf, len, &pos);
	hk_put_text(": ", buf, len, &pos);
	hk_put_list(&hk->hk[t], buf, len, &pos);
	if (cpumask_andnot(&off, &hk->isolated, &hk->hk[t])) {
		hk_put_text(" (isolated ", buf, len, &pos);
		hk_put_list(&off, buf, len, &pos);
		hk_put_text(")", buf, len, &pos);
	}
	return (int)pos;
}
