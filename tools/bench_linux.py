#!/usr/bin/env python3
"""make bench-linux: stock Linux's side of the kernel-TLB-flush experiment.

    tools/bench_linux.py                 -smp 8, CPUs 4-7 isolated
    CPUS="4 8" tools/bench_linux.py      one boot per CPU count

Boots Debian 12's own kernel (linux-image-amd64) in the QEMU that runs lull
(TCG with one host thread per vCPU, -cpu max, the same machine type and
memory), with an initramfs of busybox-static and two programs of
tools/linux/: cpu_spin busy-loops in user mode on every isolated CPU while
vfree_storm, on a housekeeping CPU, makes the kernel call
flush_tlb_kernel_range FLUSHES times (docs/bench-linux.md says how and why).
tools/linux/init reads /proc/interrupts and kprobe counters before and after
and prints them on the serial console; this script parses that block and
writes build/bench/linux.json and build/bench/linux.md.

Environment (defaults in brackets):
  CPUS [8]         CPU counts, one boot each: "8", "4 8"
  ISOLATE [upper half]  isolated CPUs, a Linux CPU list ("4-7", "2,3"), used
                   for every CPU count; by default CPUs N/2..N-1
  FLUSHES [20]     kernel-range flushes the storm causes per boot
  MEM [512M]  MACHINE [pc]   as tools/qemu.sh
  TIMEOUT [900]    seconds per boot before QEMU is killed
  LINUX_IMAGE      a versioned package (linux-image-6.1.0-56-amd64) instead
                   of the one linux-image-amd64 depends on
  LINUX_CACHE [build/linux-cache]  where the .debs and their files go

Packages come from `apt-get download` (apt-get update must have run once);
the serial log of each boot stays in build/linux-bench/serial-<cpus>.log.

linux.json, schema "lull-bench-linux/1":
  {"schema": "lull-bench-linux/1",
   "runs": [ one object per CPU count:
     {"cpus": 8, "isolated": "4-7", "storm_cpu": 0,
      "flushes_requested": 20,
      "qemu": {"machine", "accel", "cpu", "mem"},
      "kernel": {"package", "package_version", "release", "version",
                 "cmdline"},                       # as the kernel reports them
      "kernel_says": {"online", "nohz_full", "isolated", "meltdown",
                      "pti", "pcid", "invpcid"},   # the last three: booleans,
                                                   # from /proc/cpuinfo's flags
      "storm": {"maps", "flushes", "exit"},        # vfree_storm's own line
      "spinners": [{"cpu", "last_cpu"}],           # where each cpu_spin ran
      "calls": {"flush_tlb_kernel_range": n, "flush_tlb_all": n},
      "per_cpu": {"CAL": [...], "TLB": [...], "LOC": [...], "RES": [...],
                  ...every per-CPU row of /proc/interrupts...,
                  "do_kernel_range_flush": [...], "do_flush_tlb_all": [...],
                  "flush_tlb_kernel_range": [...]},  # callers, by CPU
      "isolated_totals": {"CAL", "TLB", "LOC", "RES", "flush_handlers",
                          "ipis"},                 # ipis = CAL + TLB
      "ipis_to_isolated_per_flush": x,             # ipis / calls of
                                                   # flush_tlb_kernel_range
      "ipis_per_isolated_cpu_per_flush": x,
      "warnings": ["..."]}]}
  Every counter is the difference between the "after" and "before" reads,
  per CPU in CPU order. flush_handlers counts runs of do_kernel_range_flush
  and do_flush_tlb_all on isolated CPUs; do_flush_tlb_all also serves
  flush_tlb_all, whose calls are listed (and warned about) separately.
"""

import gzip
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.dont_write_bytecode = True
SCHEMA = "lull-bench-linux/1"
MARK = "@@lull-bench-linux"
QEMU_ACCEL = "tcg,thread=multi"          # as tools/qemu.sh
QEMU_CPU = "max"
ISOLCPUS_FLAGS = "nohz,domain,managed_irq"
MAX_CPUS = 64                           # the most lull boots, and plenty under TCG

# kprobe event name (tools/linux/init) -> the kernel function it counts
PROBES = {"kflush": "flush_tlb_kernel_range", "flush_all": "flush_tlb_all",
          "do_range": "do_kernel_range_flush", "do_all": "do_flush_tlb_all"}
HISTS = ("kflush", "do_range", "do_all")          # counted per CPU as well
PROGRAMS = ("vfree_storm", "cpu_spin")            # tools/linux/<name>.c


class BenchError(Exception):
    """Something the user can fix; the message says what."""


# --- configuration --------------------------------------------------------------

def parse_cpulist(text):
    """'4-7' or '2,3,5-6' -> sorted list of CPU numbers."""
    cpus = set()
    text = text.strip()
    if not text:
        return []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m:
            raise ValueError(f"bad CPU list '{text}': '{part}' is not N or N-M")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise ValueError(f"bad CPU list '{text}': range {lo}-{hi} runs backwards")
        cpus.update(range(lo, hi + 1))
    return sorted(cpus)


def format_cpulist(cpus):
    """[4, 5, 6, 7, 9] -> '4-7,9', as Linux writes CPU lists."""
    out, cpus = [], sorted(set(cpus))
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(out)


@dataclass
class RunConfig:
    cpus: int
    isolated: list
    storm_cpu: int
    flushes: int

    def cmdline(self):
        iso = format_cpulist(self.isolated)
        # panic=1: a dead init reboots, and -no-reboot turns that into an exit.
        return (f"console=ttyS0 nohz_full={iso} isolcpus={ISOLCPUS_FLAGS},{iso} "
                f"pti=on panic=1 bench_storm_cpu={self.storm_cpu} "
                f"bench_isolated={','.join(map(str, self.isolated))} "
                f"bench_flushes={self.flushes}")


def plan_runs(env):
    """One RunConfig per CPU count of CPUS=, checked; BenchError if unusable."""
    counts = []
    for word in env.get("CPUS", "8").replace(",", " ").split():
        if not word.isdigit() or not 2 <= int(word) <= MAX_CPUS:
            raise BenchError(f"CPUS={env.get('CPUS')!r}: each count must be a number "
                             f"from 2 to {MAX_CPUS} (one boot per count, e.g. CPUS=\"4 8\")")
        counts.append(int(word))
    if not counts:
        raise BenchError("CPUS= is empty: give one or more CPU counts, e.g. CPUS=\"4 8\"")
    flushes = env.get("FLUSHES", "20")
    if not flushes.isdigit() or not 1 <= int(flushes) <= 10000:
        raise BenchError(f"FLUSHES={flushes!r}: expected a number from 1 to 10000")
    runs = []
    for n in counts:
        if env.get("ISOLATE"):
            try:
                isolated = parse_cpulist(env["ISOLATE"])
            except ValueError as e:
                raise BenchError(f"ISOLATE: {e}") from None
        else:
            isolated = list(range(n // 2, n))
        if not isolated or isolated[-1] >= n:
            raise BenchError(f"ISOLATE={format_cpulist(isolated) or '(empty)'} with {n} CPUs: "
                             f"name one or more CPUs from 1 to {n - 1}")
        housekeeping = [c for c in range(n) if c not in isolated]
        if 0 not in housekeeping:
            # nohz_full never takes the boot CPU: Linux would ignore the request.
            raise BenchError(f"ISOLATE={format_cpulist(isolated)}: CPU 0 must stay a "
                             f"housekeeping CPU (Linux keeps the timekeeping duty there)")
        runs.append(RunConfig(n, isolated, housekeeping[0], int(flushes)))
    return runs


# --- packages -------------------------------------------------------------------

def _run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def resolve_image_package(env):
    """The versioned kernel package: LINUX_IMAGE, or what linux-image-amd64 depends on."""
    if env.get("LINUX_IMAGE"):
        return env["LINUX_IMAGE"]
    try:
        p = _run(["apt-cache", "depends", "linux-image-amd64"])
    except OSError as e:
        raise BenchError(f"cannot run apt-cache ({e}): this tool needs Debian's apt") from None
    name = image_dependency(p.stdout)
    if p.returncode != 0 or not name:
        raise BenchError("apt does not know linux-image-amd64: run `apt-get update` (as root) "
                         "on a Debian 12 host, or name the package: LINUX_IMAGE=linux-image-6.1.0-NN-amd64")
    return name


def image_dependency(apt_cache_output):
    """The linux-image-<version>-amd64 package in `apt-cache depends` output, or None."""
    for line in apt_cache_output.splitlines():
        m = re.match(r"\s*Depends:\s*(linux-image-\d\S*-amd64)\s*$", line)
        if m:
            return m.group(1)
    return None


def fetch_deb(pkg, debs):
    """The cached .deb of pkg, downloaded with apt-get download when missing."""
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{pkg}_*.deb"))
    if found:
        return found[-1]
    print(f"bench-linux: apt-get download {pkg}", file=sys.stderr, flush=True)
    # _apt cannot write into a root-owned build tree; apt then downloads as
    # root and says so on stderr, which is harmless.
    p = _run(["apt-get", "download", pkg], cwd=debs)
    found = sorted(debs.glob(f"{pkg}_*.deb"))
    if p.returncode != 0 or not found:
        raise BenchError(f"apt-get download {pkg} failed:\n{p.stderr.strip()}\n"
                         f"Run `apt-get update` (as root) so apt knows Debian 12's packages "
                         f"and can reach deb.debian.org, or put {pkg}'s .deb into {debs}.")
    return found[-1]


def deb_field(deb, name):
    return _run(["dpkg-deb", "-f", str(deb), name]).stdout.strip()


def extract(deb, members, dest):
    """The files of deb whose path starts with one of members, under dest.

    dpkg-deb -x would unpack the whole package (400 MB of modules for the
    kernel); its --fsys-tarfile gives the same files as a tar stream."""
    done = dest / ".extracted"
    if done.exists():
        return
    dest.mkdir(parents=True, exist_ok=True)
    p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    # The "data" filter refuses absolute paths and links out of dest.
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(fileobj=p.stdout, mode="r|") as tar:
        for m in tar:
            path = m.name.removeprefix("./")
            if m.isfile() and any(path.startswith(w) for w in members):
                tar.extract(m, dest, **safe)
    if p.wait() != 0:
        raise BenchError(f"dpkg-deb --fsys-tarfile {deb} failed: is the .deb complete?")
    done.touch()


# --- initramfs --------------------------------------------------------------------

class Cpio:
    """A cpio archive in the "newc" format the kernel unpacks, built in memory.

    Each entry: a 110-byte ASCII header (magic 070701 and 13 eight-digit hex
    fields), the NUL-terminated name, padding to 4 bytes, the data, padding
    to 4 bytes. Owners are root and times are 0, so the same inputs give the
    same bytes. Device nodes need no privilege here, unlike with mknod."""

    def __init__(self):
        self.parts = []
        self.ino = 0

    def add(self, name, mode, data=b"", rdev=(0, 0)):
        self.ino += 1
        raw = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(raw), 0)
        entry = ("070701" + "".join(f"{v:08x}" for v in fields)).encode() + raw
        entry += b"\0" * (-len(entry) % 4) + data
        self.parts.append(entry + b"\0" * (-len(entry) % 4))

    def dir(self, name):
        self.add(name, 0o040755)

    def file(self, name, data, mode=0o755):
        self.add(name, 0o100000 | mode, data)

    def chardev(self, name, major, minor):
        self.add(name, 0o020600, rdev=(major, minor))

    def bytes(self):
        trailer = Cpio()
        trailer.add("TRAILER!!!", 0)
        return b"".join(self.parts + trailer.parts)


def build_initramfs(busybox, programs, init, out):
    """busybox-static, the benchmark's programs and /init, as cpio + gzip."""
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)      # init's stdio before devtmpfs is mounted
    c.file("bin/busybox", busybox.read_bytes())
    for p in programs:
        c.file(f"bin/{p.name}", p.read_bytes())
    c.file("init", init.read_bytes())
    data = gzip.compress(c.bytes(), compresslevel=6, mtime=0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def compile_programs(work):
    """tools/linux/*.c as static host binaries (the initramfs has no libc)."""
    cc = os.environ.get("HOSTCC", "gcc")
    outs = []
    for name in PROGRAMS:
        src, out = ROOT / "tools" / "linux" / f"{name}.c", work / name
        if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
            p = _run([cc, "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(out), str(src)])
            if p.returncode != 0:
                raise BenchError(f"{cc} -static {src} failed (libc6-dev gives the static "
                                 f"libc):\n{p.stderr.strip()}")
        outs.append(out)
    return outs


# --- the serial block ---------------------------------------------------------------

def parse_block(text):
    """Sections of the block tools/linux/init printed: {name: [lines]}.

    Raises BenchError when the block is missing or cut short, or when init
    reported an error."""
    sections, current, seen_end = None, None, False
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith(MARK + " "):
            word = line[len(MARK) + 1:].strip()
            if word == "begin":
                sections, current = {}, None
                continue
            if word == "error" and sections is None:
                sections = {}               # init failed before the block began
            if sections is None:
                continue
            if word == "end":
                seen_end = True
                break
            current = word
            sections[current] = []
        elif sections is not None and current is not None:
            sections[current].append(line)
    if sections is None:
        raise BenchError("no benchmark block on the serial console (did the kernel boot "
                         "and run /init? see the log's tail)")
    if "error" in sections:
        raise BenchError("the benchmark's init failed: " + " ".join(sections["error"]).strip())
    if not seen_end:
        raise BenchError("the benchmark block was cut short (no end marker)")
    return sections


def parse_interrupts(lines):
    """Per-CPU rows of /proc/interrupts: ({label: [count per CPU]}, CPU count).

    Numbered rows are device interrupts; rows such as ERR and MIS hold one
    system-wide number; both are left out."""
    rows, ncpu = {}, None
    for line in lines:
        words = line.split()
        if not words:
            continue
        if ncpu is None:
            if all(re.fullmatch(r"CPU\d+", w) for w in words):
                ncpu = len(words)
            continue
        label = words[0].rstrip(":")
        if not words[0].endswith(":") or label.isdigit():
            continue
        counts = words[1:1 + ncpu]
        if len(counts) == ncpu and all(w.isdigit() for w in counts):
            rows[label] = [int(w) for w in counts]
    if ncpu is None:
        raise BenchError("no CPU header in /proc/interrupts")
    return rows, ncpu


def parse_kprobe_profile(lines):
    """kprobe_profile ("name  hits  misses" per line) -> {name: hits}."""
    hits = {}
    for line in lines:
        m = re.fullmatch(r"\s*(\S+)\s+(\d+)\s+(\d+)\s*", line)
        if m:
            hits[m.group(1)] = int(m.group(2))
    return hits


def parse_hist(lines):
    """A hist trigger keyed on common_cpu -> {cpu: hitcount}."""
    counts = {}
    for line in lines:
        m = re.search(r"\{\s*common_cpu:\s*(\d+)\s*\}\s*hitcount:\s*(\d+)", line)
        if m:
            counts[int(m.group(1))] = int(m.group(2))
    return counts


def _one_line(sections, name):
    return " ".join(sections.get(name, [])).strip()


def summarize(cfg, sections, package, package_version, qemu):
    """The JSON record of one boot (see the schema at the top)."""
    before, ncpu = parse_interrupts(sections.get("interrupts-before", []))
    after, ncpu_after = parse_interrupts(sections.get("interrupts-after", []))
    if ncpu != cfg.cpus or ncpu_after != cfg.cpus:
        raise BenchError(f"/proc/interrupts shows {ncpu} CPUs, the run asked for {cfg.cpus} "
                         f"(did some CPU fail to come up?)")
    per_cpu = {k: [a - b for a, b in zip(after[k], before[k])] for k in after if k in before}
    for need in ("CAL", "TLB"):
        if need not in per_cpu:
            raise BenchError(f"/proc/interrupts has no {need} row")

    kp_before = parse_kprobe_profile(sections.get("kprobes-before", []))
    kp_after = parse_kprobe_profile(sections.get("kprobes-after", []))
    calls = {}
    for event, func in PROBES.items():
        if event not in kp_before or event not in kp_after:
            raise BenchError(f"kprobe_profile has no event {event} ({func})")
        calls[func] = kp_after[event] - kp_before[event]
    for event in HISTS:
        b = parse_hist(sections.get(f"hist-{event}-before", []))
        a = parse_hist(sections.get(f"hist-{event}-after", []))
        per_cpu[PROBES[event]] = [a.get(c, 0) - b.get(c, 0) for c in range(ncpu)]

    storm = _one_line(sections, "storm")
    m = re.search(r"storm maps=(\d+) flushes=(\d+)", storm)
    exit_m = re.search(r"exit (\d+)", storm)
    storm_rec = {"maps": int(m.group(1)) if m else None,
                 "flushes": int(m.group(2)) if m else None,
                 "exit": int(exit_m.group(1)) if exit_m else None}
    if storm_rec["exit"] != 0:
        raise BenchError(f"vfree_storm failed: {storm or '(no output)'}")

    spinners = []
    spin_lines = [s.split() for s in sections.get("spin", []) if s.strip()]
    for cpu, words in zip(cfg.isolated, spin_lines):
        last = int(words[1]) if len(words) == 2 and words[1].isdigit() else None
        spinners.append({"cpu": cpu, "last_cpu": last})

    iso = cfg.isolated
    totals = {k: sum(per_cpu[k][c] for c in iso) for k in ("CAL", "TLB", "LOC", "RES") if k in per_cpu}
    totals["flush_handlers"] = sum(per_cpu["do_kernel_range_flush"][c] + per_cpu["do_flush_tlb_all"][c]
                                   for c in iso)
    totals["ipis"] = totals["CAL"] + totals["TLB"]
    flushes = calls["flush_tlb_kernel_range"]
    ratio = totals["ipis"] / flushes if flushes else None

    says = {k: _one_line(sections, k) for k in ("online", "nohz_full", "isolated", "meltdown")}
    flags = _one_line(sections, "cpu_flags").partition(":")[2].split()
    for f in ("pti", "pcid", "invpcid"):
        says[f] = f in flags
    warnings = check(cfg, says, calls, totals, spinners, len(spin_lines))
    return {
        "cpus": cfg.cpus,
        "isolated": format_cpulist(iso),
        "storm_cpu": cfg.storm_cpu,
        "flushes_requested": cfg.flushes,
        "qemu": qemu,
        "kernel": {"package": package, "package_version": package_version,
                   "release": _one_line(sections, "release"),
                   "version": _one_line(sections, "version"),
                   "cmdline": _one_line(sections, "cmdline")},
        "kernel_says": says,
        "storm": storm_rec,
        "spinners": spinners,
        "calls": calls,
        "per_cpu": per_cpu,
        "isolated_totals": totals,
        "ipis_to_isolated_per_flush": ratio,
        "ipis_per_isolated_cpu_per_flush": ratio / len(iso) if ratio is not None else None,
        "warnings": warnings,
    }


def check(cfg, says, calls, totals, spinners, nspin):
    """What makes the figures mean less than they seem, in words."""
    w = []
    want = format_cpulist(cfg.isolated)
    if says["nohz_full"] != want:
        w.append(f"the kernel's nohz_full is '{says['nohz_full']}', not {want}: "
                 f"the isolated CPUs may keep their tick")
    if says["isolated"] != want:
        w.append(f"the kernel's isolated CPUs are '{says['isolated']}', not {want}")
    if not says["pti"]:
        w.append("page-table isolation is off (no 'pti' in /proc/cpuinfo's flags)")
    if nspin != len(cfg.isolated):
        w.append(f"{nspin} spinners reported for {len(cfg.isolated)} isolated CPUs")
    for s in spinners:
        if s["last_cpu"] != s["cpu"]:
            w.append(f"the spinner for CPU {s['cpu']} last ran on CPU {s['last_cpu']}")
    if calls["flush_tlb_kernel_range"] == 0:
        w.append("no flush_tlb_kernel_range call in the window: no ratio")
    if calls["flush_tlb_all"]:
        w.append(f"{calls['flush_tlb_all']} flush_tlb_all calls in the window: their IPIs "
                 f"are in CAL and in the do_flush_tlb_all runs too")
    if totals.get("LOC"):
        w.append(f"{totals['LOC']} local timer interrupts on isolated CPUs: the tick did not stop")
    return w


def to_json(obj):
    """JSON with two-space indents, but each list of numbers on one line."""
    text = json.dumps(obj, indent=2)
    number_list = re.compile(r"\[\n\s*((?:-?[\d.]+,\n\s*)*-?[\d.]+)\n\s*\]")
    return number_list.sub(lambda m: "[" + re.sub(r",\n\s*", ", ", m.group(1)) + "]", text) + "\n"


# --- markdown -------------------------------------------------------------------------

def _fmt(x):
    return "-" if x is None else f"{x:.2f}"


def render_markdown(runs):
    """The fragment of build/bench/results.md for stock Linux."""
    out = ["### Stock Linux", ""]
    if runs:
        k = runs[0]["kernel"]
        out += [f"Debian's {k['package']} {k['package_version']} ({k['release']}) in QEMU "
                f"({runs[0]['qemu']['accel']}, -cpu {runs[0]['qemu']['cpu']}, "
                f"machine {runs[0]['qemu']['machine']}, {runs[0]['qemu']['mem']}), "
                f"`nohz_full=` and `isolcpus={ISOLCPUS_FLAGS},` the isolated CPUs, `pti=on`. "
                f"A busy loop in user mode on each isolated CPU; BPF array maps created and "
                f"closed on a housekeeping CPU until the lazy vmalloc purge has called "
                f"`flush_tlb_kernel_range` the requested number of times. IPIs are the "
                f"isolated CPUs' CAL (function call) and TLB (shootdown) rows of "
                f"/proc/interrupts; flush handlers are kprobe hits of do_kernel_range_flush "
                f"and do_flush_tlb_all on those CPUs (docs/bench-linux.md).", ""]
    out += ["| CPUs | isolated | flush_tlb_kernel_range calls | IPIs to isolated CPUs | "
            "IPIs per flush | per isolated CPU per flush | flush handlers on isolated | "
            "ticks on isolated |",
            "|---|---|---|---|---|---|---|---|"]
    for r in runs:
        t = r["isolated_totals"]
        out.append(f"| {r['cpus']} | {r['isolated']} | {r['calls']['flush_tlb_kernel_range']} | "
                   f"{t['ipis']} (CAL {t['CAL']}, TLB {t['TLB']}) | "
                   f"{_fmt(r['ipis_to_isolated_per_flush'])} | "
                   f"{_fmt(r['ipis_per_isolated_cpu_per_flush'])} | {t['flush_handlers']} | "
                   f"{t.get('LOC', '-')} |")
    for r in runs:
        for w in r["warnings"]:
            out.append(f"\n- {r['cpus']} CPUs: {w}")
    return "\n".join(out) + "\n"


# --- running --------------------------------------------------------------------------

def boot(cfg, kernel, initrd, log, env):
    """One QEMU boot; returns the serial log's text."""
    timeout = int(env.get("TIMEOUT", "900"))
    cmd = ["qemu-system-x86_64", "-machine", env.get("MACHINE", "pc"),
           "-accel", QEMU_ACCEL, "-cpu", QEMU_CPU, "-smp", str(cfg.cpus),
           "-m", env.get("MEM", "512M"), "-display", "none", "-no-reboot",
           "-serial", f"file:{log}", "-monitor", "none",
           "-kernel", str(kernel), "-initrd", str(initrd), "-append", cfg.cmdline()]
    print(f"bench-linux: booting {cfg.cpus} CPUs, isolated {format_cpulist(cfg.isolated)}, "
          f"{cfg.flushes} flushes (up to {timeout} s)", file=sys.stderr, flush=True)
    log.unlink(missing_ok=True)
    start = time.monotonic()
    with subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as q:
        try:
            output, _ = q.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            q.kill()
            q.communicate()
            raise BenchError(f"QEMU still running after {timeout} s (TIMEOUT=); "
                             f"serial log: {log}") from None
    print(f"bench-linux: {cfg.cpus} CPUs done in {time.monotonic() - start:.0f} s",
          file=sys.stderr, flush=True)
    if q.returncode != 0:
        raise BenchError(f"QEMU exited with status {q.returncode}: {output.strip()}")
    return log.read_text(errors="replace") if log.exists() else ""


def tail(text, n=30):
    return "\n".join("    | " + line for line in text.splitlines()[-n:])


def main():
    env = dict(os.environ)
    try:
        runs = plan_runs(env)
        cache = Path(env.get("LINUX_CACHE", ROOT / "build" / "linux-cache"))
        work, out = ROOT / "build" / "linux-bench", ROOT / "build" / "bench"
        work.mkdir(parents=True, exist_ok=True)

        image = resolve_image_package(env)
        image_deb = fetch_deb(image, cache / "debs")
        busybox_deb = fetch_deb("busybox-static", cache / "debs")
        version = deb_field(image_deb, "Version")
        kroot = cache / image_deb.stem
        extract(image_deb, ["boot/vmlinuz-", "boot/config-"], kroot)
        extract(busybox_deb, ["bin/busybox"], cache / busybox_deb.stem)
        kernels = sorted((kroot / "boot").glob("vmlinuz-*"))
        if not kernels:
            raise BenchError(f"{image_deb.name} holds no boot/vmlinuz-*: is {image} a kernel image?")

        programs = compile_programs(work)
        initrd = work / "initramfs.cpio.gz"
        build_initramfs(cache / busybox_deb.stem / "bin" / "busybox", programs,
                        ROOT / "tools" / "linux" / "init", initrd)

        qemu = {"machine": env.get("MACHINE", "pc"), "accel": QEMU_ACCEL,
                "cpu": QEMU_CPU, "mem": env.get("MEM", "512M")}
        records = []
        for cfg in runs:
            log = work / f"serial-{cfg.cpus}.log"
            text = boot(cfg, kernels[-1], initrd, log, env)
            try:
                rec = summarize(cfg, parse_block(text), image, version, qemu)
            except BenchError as e:
                raise BenchError(f"{cfg.cpus} CPUs: {e}\n  serial log {log}, last lines:\n"
                                 f"{tail(text)}") from None
            records.append(rec)
            t = rec["isolated_totals"]
            print(f"bench-linux: {cfg.cpus} CPUs: {rec['calls']['flush_tlb_kernel_range']} "
                  f"kernel-range flushes, {t['ipis']} IPIs to isolated CPUs "
                  f"{rec['isolated']}: {_fmt(rec['ipis_to_isolated_per_flush'])} per flush",
                  file=sys.stderr, flush=True)
            for w in rec["warnings"]:
                print(f"bench-linux: warning: {w}", file=sys.stderr)

        out.mkdir(parents=True, exist_ok=True)
        (out / "linux.json").write_text(to_json({"schema": SCHEMA, "runs": records}))
        (out / "linux.md").write_text(render_markdown(records))
        print(f"bench-linux: wrote {out / 'linux.json'} and {out / 'linux.md'}", file=sys.stderr)
    except BenchError as e:
        print(f"bench-linux: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
