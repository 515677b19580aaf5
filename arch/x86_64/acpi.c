/*
 * ACPI table parsing; see arch/x86_64/acpi.h. Layouts follow the ACPI 6.5
 * specification. Every table starts with a 36-byte header (signature,
 * length, revision, checksum, OEM ids); fields are little-endian and often
 * unaligned (the XSDT's 64-bit entries start at offset 36), so they are read
 * with memcpy.
 */
#include "arch/x86_64/acpi.h"
#include "kernel/format.h"
#include "kernel/string.h"

#define HDR_LEN      36
#define RSDP_V1_LEN  20
#define RSDP_V2_LEN  36
#define MADT_HDR_LEN 44      /* header, LAPIC address, flags */
#define HPET_LEN     56
#define FADT_BOOT_ARCH 109   /* IAPC_BOOT_ARCH, FADT revision 2 on */
#define FADT_PM_TMR_BLK 76   /* the PM timer's I/O port (ACPI 1.0 on) */
#define FADT_PM_TMR_LEN 91   /* 4 when there is a PM timer */
#define FADT_FLAGS     112
#define FADT_X_PM_TMR_BLK 208 /* the same as a Generic Address Structure (2.0 on) */
#define FADT_V1_LEN    116
#define FADT_TMR_VAL_EXT  (1u << 8)   /* a 32-bit counter, not 24 */
#define FADT_HW_REDUCED   (1u << 20)  /* no fixed hardware: no PM timer */
#define GAS_SYSTEM_IO  1

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_ADDR = 5,
       MADT_X2APIC = 9 };
#define MADT_CPU_ENABLED        (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* The shortest valid entry of each type lull reads; 0: not read. */
static const uint8_t madt_min_len[10] = {
	[MADT_LAPIC] = 8, [MADT_IOAPIC] = 12, [MADT_OVERRIDE] = 10,
	[MADT_LAPIC_ADDR] = 12, [MADT_X2APIC] = 16,
};

struct acpi_ctx {
	acpi_map_fn map;
	acpi_warn_fn warn;
	struct acpi_info *out;
	unsigned seen;          /* bit i: acpi_parsers[i]'s table was found */
	bool madt_found;
};

static void __attribute__((format(printf, 2, 3)))
warnf(const struct acpi_ctx *c, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (!c->warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->warn(msg);
}

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* ACPI checksums make the bytes sum to 0 mod 256. */
static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Why the RSDP at p is unusable, or NULL when it is valid. */
static const char *rsdp_problem(const uint8_t *p)
{
	if (memcmp(p, "RSD PTR ", 8) != 0)
		return "has no \"RSD PTR \" signature";
	if (acpi_sum(p, RSDP_V1_LEN) != 0)
		return "has a bad checksum";
	if (p[15] < 2)
		return NULL;
	/* Only the 36 bytes lull knows are kept, so only they are summed. */
	if (rd32(p + 20) < RSDP_V2_LEN)
		return "is an ACPI 2.0 RSDP shorter than 36 bytes";
	if (acpi_sum(p, RSDP_V2_LEN) != 0)
		return "has a bad extended checksum";
	return NULL;
}

/* The first valid RSDP on a 16-byte boundary in [base, base + len), or 0. */
static uint64_t scan_range(acpi_map_fn map, uint64_t base, uint64_t len)
{
	const uint8_t *area = map(base, len);

	for (uint64_t off = 0; area && off < len; off += 16) {
		const uint8_t *p;

		if (memcmp(area + off, "RSD PTR ", 8) != 0)
			continue;
		/* The candidate may run past the area: map it on its own. */
		p = map(base + off, area[off + 15] >= 2 ? RSDP_V2_LEN : RSDP_V1_LEN);
		if (p && !rsdp_problem(p))
			return base + off;
	}
	return 0;
}

uint64_t acpi_scan_rsdp(acpi_map_fn map)
{
	const uint8_t *bda = map(0x40e, 2);
	uint64_t ebda = bda ? (uint64_t)rd16(bda) << 4 : 0, found = 0;

	/* The BDA word is the EBDA's segment; it must lie in conventional
	 * memory above the IVT and BDA, or it is not one. */
	if (ebda >= 0x400 && ebda < 0xa0000)
		found = scan_range(map, ebda, 0xa0000 - ebda < 1024 ? 0xa0000 - ebda : 1024);
	return found ? found : scan_range(map, 0xe0000, 0x20000);
}

/* A signature fit to print: bytes that are not printable become '?'. */
static void sig_str(char out[5], const uint8_t *sig)
{
	for (int i = 0; i < 4; i++)
		out[i] = sig[i] >= 0x20 && sig[i] < 0x7f ? (char)sig[i] : '?';
	out[4] = 0;
}

/*
 * Map the table at phys with its full length once its length, checksum and
 * (when want is given) signature are checked. On failure: warn, naming the
 * table and the consequence (then), and return NULL.
 */
static const uint8_t *map_table(const struct acpi_ctx *c, uint64_t phys, const char *want,
				const char *then, uint32_t *lenp)
{
	const uint8_t *t = c->map(phys, HDR_LEN);
	char sig[5] = "????", why[48];
	uint32_t len;

	if (!t) {
		snprintf(why, sizeof(why), "cannot be mapped");
	} else {
		sig_str(sig, t);
		len = rd32(t + 4);
		if (want && memcmp(t, want, 4) != 0)
			snprintf(why, sizeof(why), "is not the %s", want);
		else if (len < HDR_LEN || len > ACPI_TABLE_MAX)
			snprintf(why, sizeof(why), "has length %u", len);
		else if (!(t = c->map(phys, len)))
			snprintf(why, sizeof(why), "cannot be mapped whole (%u bytes)", len);
		else if (acpi_sum(t, len) != 0)
			snprintf(why, sizeof(why), "has a bad checksum");
		else {
			*lenp = len;
			return t;
		}
	}
	warnf(c, "acpi: table %s at %#llx %s; %s", sig, (unsigned long long)phys, why, then);
	return NULL;
}

int acpi_cpu_index(const struct acpi_info *info, uint32_t apic_id)
{
	for (unsigned i = 0; i < info->ncpus; i++) {
		if (info->cpus[i].apic_id == apic_id)
			return (int)i;
	}
	return -1;
}

static void add_cpu(struct acpi_ctx *c, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2)
{
	struct acpi_info *out = c->out;
	bool enabled = flags & MADT_CPU_ENABLED;

	if (!enabled && !(flags & MADT_CPU_ONLINE_CAPABLE)) {
		out->cpus_disabled++;
		return;
	}
	/* Firmware that lists a CPU in both an xAPIC and an x2APIC entry
	 * would otherwise have lull start it twice. */
	if (acpi_cpu_index(out, apic_id) >= 0) {
		warnf(c, "acpi: APIC id %u is listed twice; the second entry is ignored", apic_id);
		return;
	}
	if (out->ncpus == ACPI_MAX_CPUS) {
		out->cpus_dropped++;
		return;
	}
	out->cpus[out->ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id, .acpi_uid = uid, .enabled = enabled,
		.online_capable = !enabled, .from_x2apic_entry = x2,
	};
}

static void madt_entry(struct acpi_ctx *c, const uint8_t *e)
{
	struct acpi_info *out = c->out;

	switch (e[0]) {
	case MADT_LAPIC:
		add_cpu(c, e[3], e[2], rd32(e + 4), false);
		break;
	case MADT_X2APIC:
		add_cpu(c, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
		break;
	case MADT_IOAPIC:
		if (out->nioapics == ACPI_MAX_IOAPICS) {
			out->ioapics_dropped++;
			break;
		}
		out->ioapics[out->nioapics++] = (struct acpi_ioapic){
			.id = e[2], .phys = rd32(e + 4), .gsi_base = rd32(e + 8),
		};
		break;
	case MADT_OVERRIDE:
		if (out->noverrides == ACPI_MAX_OVERRIDES) {
			out->overrides_dropped++;
			break;
		}
		out->overrides[out->noverrides++] = (struct acpi_override){
			.bus = e[2], .irq = e[3], .gsi = rd32(e + 4), .flags = rd16(e + 8),
		};
		break;
	case MADT_LAPIC_ADDR:
		out->lapic_phys = rd64(e + 4);
		break;
	}
}

static void warn_dropped(const struct acpi_ctx *c, unsigned dropped, unsigned max, const char *what)
{
	if (dropped)
		warnf(c, "acpi: %u %s beyond the %u supported are ignored", dropped, what, max);
}

static void parse_madt(struct acpi_ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *out = c->out;

	if (len < MADT_HDR_LEN) {
		warnf(c, "acpi: MADT is only %u bytes; ignored", len);
		return;
	}
	c->madt_found = true;
	out->lapic_phys = rd32(t + 36);
	out->pcat_compat = rd32(t + 40) & 1;
	for (uint32_t off = MADT_HDR_LEN; off < len; off += t[off + 1]) {
		const uint8_t *e = t + off;
		uint8_t elen = len - off >= 2 ? e[1] : 0;

		if (elen < 2 || elen > len - off) {
			warnf(c, "acpi: MADT entry at offset %u (type %u) has length %u; "
			      "the rest of the MADT is ignored", off, e[0], elen);
			break;
		}
		if (e[0] < sizeof(madt_min_len) && elen < madt_min_len[e[0]]) {
			warnf(c, "acpi: MADT entry at offset %u (type %u) is only %u bytes; skipped",
			      off, e[0], elen);
			continue;
		}
		madt_entry(c, e);
	}
	if (out->cpus_dropped)
		warnf(c, "acpi: %u CPUs beyond the %u supported; booting the supported ones",
		      out->cpus_dropped, ACPI_MAX_CPUS);
	warn_dropped(c, out->ioapics_dropped, ACPI_MAX_IOAPICS, "I/O APICs");
	warn_dropped(c, out->overrides_dropped, ACPI_MAX_OVERRIDES, "interrupt overrides");
}

static void parse_hpet(struct acpi_ctx *c, const uint8_t *t, uint32_t len)
{
	uint64_t addr;

	if (len < HPET_LEN) {
		warnf(c, "acpi: HPET table is only %u bytes; ignored", len);
		return;
	}
	/* Generic Address Structure at 40: space id, widths, then the address. */
	addr = rd64(t + 44);
	if (t[40] != 0 || addr == 0) {
		warnf(c, "acpi: HPET at %#llx in address space %u is not in memory; ignored",
		      (unsigned long long)addr, t[40]);
		return;
	}
	c->out->has_hpet = true;
	c->out->hpet_phys = addr;
}

/*
 * The ACPI PM timer: a 3.579545 MHz counter at an I/O port, which every
 * ACPI PC but a hardware-reduced one has. The 64-bit X_PM_TMR_BLK wins
 * over the 32-bit PM_TMR_BLK where it is filled in; lull reads the timer
 * with port I/O only, so a timer in memory space is reported and unused.
 */
static void parse_pm_timer(struct acpi_ctx *c, const uint8_t *t, uint32_t len)
{
	uint32_t flags = rd32(t + FADT_FLAGS);
	uint64_t port = 0;

	if (flags & FADT_HW_REDUCED)
		return;
	if (t[8] >= 2 && len >= FADT_X_PM_TMR_BLK + 12 && rd64(t + FADT_X_PM_TMR_BLK + 4)) {
		port = rd64(t + FADT_X_PM_TMR_BLK + 4);
		if (t[FADT_X_PM_TMR_BLK] != GAS_SYSTEM_IO) {
			warnf(c, "acpi: PM timer at %#llx in address space %u is not in I/O space; "
			      "not used", (unsigned long long)port, t[FADT_X_PM_TMR_BLK]);
			return;
		}
	} else if (t[FADT_PM_TMR_LEN] == 4) {
		port = rd32(t + FADT_PM_TMR_BLK);
	}
	if (!port)
		return;
	if (port > 0xfffc) {
		warnf(c, "acpi: PM timer at port %#llx is past the I/O space; not used",
		      (unsigned long long)port);
		return;
	}
	c->out->pm_timer_port = (uint16_t)port;
	c->out->pm_timer_32bit = flags & FADT_TMR_VAL_EXT;
}

static void parse_fadt(struct acpi_ctx *c, const uint8_t *t, uint32_t len)
{
	c->out->fadt_found = true;
	/* ACPI 1.0 FADTs (revision 1) have a reserved byte there. */
	if (t[8] >= 2 && len >= FADT_BOOT_ARCH + 2) {
		c->out->boot_arch_valid = true;
		c->out->boot_arch = rd16(t + FADT_BOOT_ARCH);
	}
	if (len >= FADT_V1_LEN)
		parse_pm_timer(c, t, len);
	else
		warnf(c, "acpi: FADT is only %u bytes; no PM timer read from it", len);
}

/* The tables lull reads; the first valid one of each kind is used. */
static const struct {
	char sig[5];
	void (*parse)(struct acpi_ctx *c, const uint8_t *t, uint32_t len);
} acpi_parsers[] = { { "APIC", parse_madt }, { "HPET", parse_hpet }, { "FACP", parse_fadt } };

/* Only those tables are checked and mapped whole: a bad SSDT is no concern. */
static void parse_table(struct acpi_ctx *c, uint64_t phys)
{
	const uint8_t *t = c->map(phys, HDR_LEN);
	uint32_t len;

	if (!t) {
		warnf(c, "acpi: table at %#llx cannot be mapped; skipped", (unsigned long long)phys);
		return;
	}
	for (unsigned i = 0; i < sizeof(acpi_parsers) / sizeof(acpi_parsers[0]); i++) {
		if (memcmp(t, acpi_parsers[i].sig, 4) != 0 || (c->seen & (1u << i)))
			continue;
		t = map_table(c, phys, acpi_parsers[i].sig, "skipped", &len);
		if (t) {
			c->seen |= 1u << i;
			acpi_parsers[i].parse(c, t, len);
		}
		return;
	}
}

/* Walk the XSDT, or the RSDT when there is no valid XSDT. */
static bool walk_root(struct acpi_ctx *c, const uint8_t *rsdp)
{
	uint64_t xsdt = rsdp[15] >= 2 ? rd64(rsdp + 24) : 0;
	uint32_t rsdt = rd32(rsdp + 16), len = 0, esize = 8;
	const uint8_t *root = NULL;

	if (xsdt)
		root = map_table(c, xsdt, "XSDT", rsdt ? "using the RSDT" : "no ACPI tables", &len);
	if (root) {
		c->out->xsdt_used = true;
	} else if (rsdt) {
		esize = 4;
		root = map_table(c, rsdt, "RSDT", "no ACPI tables", &len);
	} else if (!xsdt) {
		warnf(c, "acpi: the RSDP points to no root table");
	}
	if (!root)
		return false;
	for (uint32_t off = HDR_LEN; off + esize <= len; off += esize) {
		uint64_t phys = esize == 8 ? rd64(root + off) : rd32(root + off);

		if (phys)       /* some firmware leaves empty slots */
			parse_table(c, phys);
	}
	return true;
}

bool acpi_parse(const void *rsdp, acpi_map_fn map, struct acpi_info *out, acpi_warn_fn warn)
{
	struct acpi_ctx c = { .map = map, .warn = warn, .out = out };
	const uint8_t *r = rsdp;
	const char *why;

	memset(out, 0, sizeof(*out));
	why = rsdp_problem(r);
	if (why) {
		warnf(&c, "acpi: the RSDP %s; ACPI not used", why);
		return false;
	}
	memcpy(out->oem_id, r + 9, 6);
	out->revision = r[15];
	if (!walk_root(&c, r))
		return false;
	if (!c.madt_found) {
		warnf(&c, "acpi: no valid MADT; only the boot CPU will run");
		return false;
	}
	return true;
}
