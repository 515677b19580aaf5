/*
 * The kernel command line parser.
 *
 * Every word lull knows is one row of cmdline_words: its kind says how the
 * value is checked, offset/size say where it goes in struct cmdline, and the
 * remaining fields say how the value in force is shown when a bad word is
 * ignored. A value is stored only once it has passed every check, so a bad
 * word leaves the earlier value (the default or an earlier repetition) alone.
 */
#include "kernel/cmdline.h"

#include <stdarg.h>
#include <stdint.h>

#include "kernel/format.h"
#include "kernel/string.h"

#define CMDLINE_SHOW_MAX 64	/* a bad word is quoted up to this many bytes */

struct cmdline boot_cmdline;

enum cmdline_kind {
	CMDLINE_ONOFF,		/* bool: word=on or word=off */
	CMDLINE_FLAG,		/* bool set to flag_value by the bare word */
	CMDLINE_UINT,		/* unsigned or unsigned long, decimal, min..max */
	CMDLINE_LIST,		/* names of [a-z0-9_] separated by commas */
	CMDLINE_NAME,		/* one name of [a-z0-9_-] */
	CMDLINE_TEXT,		/* any text; its owner checks it */
};

struct cmdline_word {
	const char *name;
	enum cmdline_kind kind;
	size_t offset, size;	/* the destination in struct cmdline */
	const char *shown_as;	/* the field's name in warnings, if not name */
	const char *unset;	/* how 0 or "" reads in warnings */
	bool flag_value;
	unsigned long min, max;
};

#define CMDLINE_FIELD(f) \
	.offset = offsetof(struct cmdline, f), .size = sizeof(((struct cmdline *)0)->f)

static const struct cmdline_word cmdline_words[] = {
	{ .name = "pti", .kind = CMDLINE_ONOFF, CMDLINE_FIELD(pti) },
	{ .name = "nopcid", .kind = CMDLINE_FLAG, CMDLINE_FIELD(pcid),
	  .shown_as = "pcid", .flag_value = false },
	{ .name = "coalesce_tlbi", .kind = CMDLINE_ONOFF, CMDLINE_FIELD(coalesce_tlbi) },
	{ .name = "loglevel", .kind = CMDLINE_UINT, CMDLINE_FIELD(loglevel),
	  .min = 0, .max = 7 },
	{ .name = "lazy_max_pages", .kind = CMDLINE_UINT, CMDLINE_FIELD(lazy_max_pages),
	  .min = 1, .max = ~0ul, .unset = "auto" },
	{ .name = "ktest", .kind = CMDLINE_LIST, CMDLINE_FIELD(ktest), .unset = "(none)" },
	{ .name = "experiment", .kind = CMDLINE_NAME, CMDLINE_FIELD(experiment),
	  .unset = "(none)" },
	{ .name = "nohz_full", .kind = CMDLINE_TEXT, CMDLINE_FIELD(nohz_full),
	  .unset = "(none)" },
	{ .name = "isolcpus", .kind = CMDLINE_TEXT, CMDLINE_FIELD(isolcpus),
	  .unset = "(none)" },
	{ .name = "smp_phantom_apic", .kind = CMDLINE_UINT, CMDLINE_FIELD(smp_phantom_apic),
	  .min = 1, .max = 0xfffffffe, .unset = "off" },
	{ .name = "coalesce_order", .kind = CMDLINE_NAME, CMDLINE_FIELD(coalesce_order),
	  .unset = "v8" },
	{ .name = "coalesce_fault", .kind = CMDLINE_NAME, CMDLINE_FIELD(coalesce_fault),
	  .unset = "none" },
	{ .name = "coalesce_window", .kind = CMDLINE_UINT, CMDLINE_FIELD(coalesce_window),
	  .min = 1, .max = 1000000, .unset = "off" },
	{ .name = "coalesce_stress", .kind = CMDLINE_UINT, CMDLINE_FIELD(coalesce_stress),
	  .min = 1, .max = 100000000, .unset = "10000" },
	{ .name = "experiment_flushes", .kind = CMDLINE_UINT, CMDLINE_FIELD(experiment_flushes),
	  .min = 1, .max = 100000000, .unset = "default" },
	{ .name = "experiment_threshold_us", .kind = CMDLINE_UINT,
	  CMDLINE_FIELD(experiment_threshold_us), .min = 1, .max = 1000000, .unset = "default" },
	{ .name = "shell", .kind = CMDLINE_ONOFF, CMDLINE_FIELD(shell) },
	{ .name = "serial", .kind = CMDLINE_ONOFF, CMDLINE_FIELD(serial) },
	{ .name = "trace", .kind = CMDLINE_UINT, CMDLINE_FIELD(trace),
	  .min = 0, .max = 1000000, .unset = "off" },
	{ .name = "fuzz_calls", .kind = CMDLINE_UINT, CMDLINE_FIELD(fuzz_calls),
	  .min = 1, .max = ~0ul, .unset = "default" },
	{ .name = "fuzz_seed", .kind = CMDLINE_UINT, CMDLINE_FIELD(fuzz_seed),
	  .min = 1, .max = 0xffffffff, .unset = "from the TSC" },
	{ .name = "soak_seconds", .kind = CMDLINE_UINT, CMDLINE_FIELD(soak_seconds),
	  .min = 1, .max = 86400 * 7, .unset = "default" },
};

#define CMDLINE_NWORDS (sizeof(cmdline_words) / sizeof(cmdline_words[0]))

struct cmdline_state {
	struct cmdline *out;
	cmdline_warn_fn warn;
	int warnings;
	uint64_t stored;	/* bit i: cmdline_words[i] was stored already */
};

_Static_assert(CMDLINE_NWORDS <= 64, "struct cmdline_state.stored has a bit per word");

void cmdline_defaults(struct cmdline *out)
{
	*out = (struct cmdline){
		.pti = true,
		.pcid = true,
		.coalesce_tlbi = true,
		.loglevel = 6,
		.lazy_max_pages = 0,
		.shell = true,
		.serial = true,
	};
}

static __attribute__((format(printf, 2, 3)))
void cmdline_warn(struct cmdline_state *st, const char *fmt, ...)
{
	char line[CMDLINE_SHOW_MAX + CMDLINE_LIST_MAX + 160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	st->warnings++;
	if (st->warn)
		st->warn(line);
}

/* "pti=on", "lazy_max_pages=auto": the value in force, as a warning shows it. */
static void cmdline_show_kept(const struct cmdline_word *w, const struct cmdline *c,
			      char *buf, size_t size)
{
	const char *field = (const char *)c + w->offset;
	const char *name = w->shown_as ? w->shown_as : w->name;
	unsigned long v;

	switch (w->kind) {
	case CMDLINE_ONOFF:
	case CMDLINE_FLAG:
		snprintf(buf, size, "%s=%s", name, *(const bool *)field ? "on" : "off");
		break;
	case CMDLINE_UINT:
		v = w->size == sizeof(unsigned) ? *(const unsigned *)field :
						  *(const unsigned long *)field;
		if (v == 0 && w->unset)
			snprintf(buf, size, "%s=%s", name, w->unset);
		else
			snprintf(buf, size, "%s=%lu", name, v);
		break;
	default:
		snprintf(buf, size, "%s=%s", name, field[0] ? field : w->unset);
		break;
	}
}

/*
 * One line: the word as given (cut if long), what is wrong, what stays.
 * w is NULL for a word lull does not know.
 */
static void cmdline_reject(struct cmdline_state *st, const struct cmdline_word *w,
			   const char *word, size_t len, const char *problem)
{
	char kept[CMDLINE_LIST_MAX + 32];
	int shown = len > CMDLINE_SHOW_MAX ? CMDLINE_SHOW_MAX : (int)len;
	const char *cut = len > (size_t)shown ? "..." : "";

	if (w) {
		cmdline_show_kept(w, st->out, kept, sizeof(kept));
		cmdline_warn(st, "cmdline: %.*s%s: %s; keeping %s", shown, word, cut, problem, kept);
	} else {
		cmdline_warn(st, "cmdline: unknown word '%.*s%s' ignored", shown, word, cut);
	}
}

static bool cmdline_is_name_char(char c, bool dash_ok)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       (dash_ok && c == '-');
}

/* Decimal digits only: no sign, no spaces, no 0x; false on overflow. */
static bool cmdline_parse_uint(const char *s, size_t len, unsigned long *out)
{
	unsigned long v = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (~0ul - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool cmdline_valid_list(const char *s, size_t len)
{
	size_t item = 0;	/* length of the current item */

	for (size_t i = 0; i < len; i++) {
		if (s[i] == ',') {
			if (item == 0)
				return false;
			item = 0;
		} else if (cmdline_is_name_char(s[i], false)) {
			item++;
		} else {
			return false;
		}
	}
	return item > 0;
}

/*
 * Check value v (vlen bytes) for word w and store it. Returns NULL when it
 * was stored, or else what is wrong with it (in why, if formatted there).
 */
static const char *cmdline_apply(const struct cmdline_word *w, struct cmdline *c,
				 const char *v, size_t vlen, char *why, size_t why_size)
{
	char *field = (char *)c + w->offset;
	unsigned long n;

	if (vlen == 0)
		return "empty value";

	switch (w->kind) {
	case CMDLINE_ONOFF:
		if (vlen == 2 && !strncmp(v, "on", 2))
			*(bool *)field = true;
		else if (vlen == 3 && !strncmp(v, "off", 3))
			*(bool *)field = false;
		else
			return "expected on or off";
		return NULL;
	case CMDLINE_UINT:
		if (!cmdline_parse_uint(v, vlen, &n) || n < w->min || n > w->max) {
			snprintf(why, why_size, "expected a decimal number from %lu to %lu",
				 w->min, w->max);
			return why;
		}
		if (w->size == sizeof(unsigned))
			*(unsigned *)field = (unsigned)n;
		else
			*(unsigned long *)field = n;
		return NULL;
	default:
		break;
	}

	/* The text kinds: fit the buffer with its NUL, then the kind's syntax. */
	if (vlen >= w->size) {
		snprintf(why, why_size, "value longer than %zu bytes", w->size - 1);
		return why;
	}
	if (w->kind == CMDLINE_LIST && !cmdline_valid_list(v, vlen))
		return "expected names of a-z 0-9 _ separated by commas, or all";
	for (size_t i = 0; w->kind == CMDLINE_NAME && i < vlen; i++) {
		if (!cmdline_is_name_char(v[i], true))
			return "expected a name of a-z 0-9 _ -";
	}
	memcpy(field, v, vlen);
	field[vlen] = 0;
	return NULL;
}

static void cmdline_word(struct cmdline_state *st, const char *word, size_t len)
{
	size_t nlen = 0;

	while (nlen < len && word[nlen] != '=')
		nlen++;
	bool has_value = nlen < len;

	for (size_t i = 0; i < CMDLINE_NWORDS; i++) {
		const struct cmdline_word *w = &cmdline_words[i];
		const char *problem = NULL;
		char why[80], was[CMDLINE_LIST_MAX + 32], now[CMDLINE_LIST_MAX + 32];

		if (strlen(w->name) != nlen || strncmp(w->name, word, nlen))
			continue;
		cmdline_show_kept(w, st->out, was, sizeof(was));
		if (w->kind == CMDLINE_FLAG && has_value)
			problem = "takes no value";
		else if (w->kind == CMDLINE_FLAG)
			*(bool *)((char *)st->out + w->offset) = w->flag_value;
		else if (!has_value)
			problem = "missing =value";
		else
			problem = cmdline_apply(w, st->out, word + nlen + 1, len - nlen - 1,
						why, sizeof(why));
		if (problem) {
			cmdline_reject(st, w, word, len, problem);
			return;
		}
		/*
		 * The later word wins, as in Linux, but two fragments of a
		 * command line pasted together can hide which one that is:
		 * say so when a repetition changes the value in force.
		 */
		cmdline_show_kept(w, st->out, now, sizeof(now));
		if ((st->stored & (1ull << i)) && strcmp(was, now))
			cmdline_warn(st, "cmdline: %s overrides the earlier %s", now, was);
		st->stored |= 1ull << i;
		return;
	}
	cmdline_reject(st, NULL, word, len, NULL);
}

/* Whitespace separates words; so do other unprintable bytes, with a warning. */
static bool cmdline_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int cmdline_parse(const char *text, struct cmdline *out, cmdline_warn_fn warn)
{
	struct cmdline_state st = { .out = out, .warn = warn };
	bool garbage_seen = false;

	cmdline_defaults(out);
	if (!text)
		return 0;

	size_t end = strnlen(text, CMDLINE_MAX);

	if (end == CMDLINE_MAX) {
		end = CMDLINE_MAX - 1;
		cmdline_warn(&st, "cmdline: longer than %d bytes; only the first %d are parsed",
			     CMDLINE_MAX - 1, CMDLINE_MAX - 1);
	}

	size_t start = 0;

	for (size_t i = 0; i <= end; i++) {
		unsigned char c = i < end ? (unsigned char)text[i] : ' ';

		if (c > ' ' && c < 0x7f)
			continue;	/* printable: part of a word */
		if (!cmdline_is_space(c) && !garbage_seen) {
			garbage_seen = true;
			cmdline_warn(&st, "cmdline: non-printable byte 0x%02x at offset %zu "
				     "read as a space (further ones silently)", c, i);
		}
		if (i > start)
			cmdline_word(&st, text + start, i - start);
		start = i + 1;
	}
	return st.warnings;
}

/* How many bytes c takes when shown: itself, or \xHH. */
static size_t cmdline_shown_len(unsigned char c)
{
	return c >= ' ' && c < 0x7f && c != '\\' ? 1 : 4;
}

void cmdline_printable(const char *text, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)text;
	size_t o = 0, whole = 0, room;

	if (!size)
		return;
	for (size_t i = 0; p[i]; i++)
		whole += cmdline_shown_len(p[i]);
	/* All of it, or as much as leaves room for "..." (and the NUL). */
	room = whole < size ? whole : (size > 4 ? size - 4 : 0);
	for (; *p && o + cmdline_shown_len(*p) <= room; p++) {
		if (cmdline_shown_len(*p) == 1) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	if (*p && o + 3 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}
