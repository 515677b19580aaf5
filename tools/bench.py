#!/usr/bin/env python3
"""make bench: the experiment at several CPU counts, as JSON, markdown and plots.

    tools/bench.py                       CPU counts 2 4 8 16, then Bochs
    tools/bench.py --cpus 2,4 --flushes 300 --no-bochs
    tools/bench.py --render              results.md and plots from results.json
                                         (and build/bench/linux.json, if there)

For each CPU count N, boots lull in QEMU (tools/qemu.sh, TCG) with the upper
half of the CPUs isolated (nohz_full=N/2..N-1) and `shell=off`: the boot-time
experiment (kernel/experiment.c) runs its phases off, on and on+sys and
powers off. Its `result:` lines hold every counter; its progress lines give
isolated-CPU IPIs against flushes while a phase runs. Then boots Bochs
(Skylake-X with PCID, whose TSC counts instructions) with ktest=syscall for
the instructions of a null system call round trip under pti=on/off and
coalesce_tlbi=on/off. Runs one boot at a time: concurrent emulators on a
small host distort everything.

Writes build/bench/results.json (schema "lull-bench/1", docs/bench.md),
build/bench/results.md, and build/bench/ipis_vs_flushes.png and
ipis_per_flush.png (matplotlib, from Debian's python3-matplotlib; without
it the plots are skipped with a message). Serial logs stay in build/bench/.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
SCHEMA = "lull-bench/1"
sys.dont_write_bytecode = True

PHASES = ("off", "on", "on+sys")
# Round-trip configurations for Bochs: (label, extra command-line words).
ROUND_TRIPS = (
    ("pti=on, PCID, coalesce_tlbi=on", ""),
    ("pti=on, PCID, coalesce_tlbi=off", "coalesce_tlbi=off"),
    ("pti=on, no PCID, coalesce_tlbi=on", "nopcid"),
    ("pti=off", "pti=off"),
)

_RESULT = re.compile(r"result: (.*)$")
_PROGRESS = re.compile(r"experiment: phase (\S+): (\d+) of (\d+) flushes, (\d+) flush IPIs to isolated CPUs")
_ROUND_TRIP = re.compile(r"null syscall round trip: (-?\d+) TSC ticks \(pti=(\w+), pcid=(\w+), coalesce_tlbi=(\w+)\)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def fields(text):
    """'a=1 b=x' -> {'a': 1, 'b': 'x'} (numbers become ints)."""
    out = {}
    for word in text.split():
        if "=" not in word:
            continue
        k, v = word.split("=", 1)
        out[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    return out


def parse_experiment(text):
    """The experiment's figures from a serial log: {phase: {...}} or raise ValueError."""
    phases = {}
    ended = False
    for raw in text.splitlines():
        line = _ANSI.sub("", raw).rstrip("\r")
        m = _PROGRESS.search(line)
        if m:
            ph = phases.setdefault(m.group(1), {"per_cpu": [], "progress": [[0, 0]]})
            ph["progress"].append([int(m.group(2)), int(m.group(4))])
            continue
        m = _RESULT.search(line)
        if not m:
            continue
        if m.group(1).strip() == "end":
            ended = True
            continue
        f = fields(m.group(1))
        name = f.pop("phase", None)
        if name is None:
            raise ValueError(f"a result line without phase=: {line!r}")
        ph = phases.setdefault(name, {"per_cpu": [], "progress": [[0, 0]]})
        if "cpu" in f:
            ph["per_cpu"].append(f)
        else:
            ph.update(f)
    if not ended:
        raise ValueError("no 'result: end' line: the experiment did not finish")
    for name, ph in phases.items():
        if "flushes" not in ph:
            raise ValueError(f"phase {name}: no summary result line")
        ph["progress"].append([ph["flushes"], ph["ipis_isolated"]])
        ph.update(derive(ph))
    return phases


def derive(ph):
    """The figures docs/bench.md explains, from one phase's counters."""
    iso = [c for c in ph["per_cpu"] if c["class"] == "isolated"]
    n = len(iso) or 1
    flushes = ph["flushes"] or 1
    entries = sum(c["entries"] for c in iso)
    catchups = sum(c["catchups"] for c in iso)
    span = sum(c["span_ns"] for c in iso if c["probe"])
    gap = sum(c["gap_ns"] for c in iso if c["probe"])
    return {
        "isolated_cpus": len(iso),
        "isolated_flush_ipis": sum(c["flush_ipis"] for c in iso),
        "isolated_entries": entries,
        "isolated_catchups": catchups,
        "isolated_interrupts": sum(c["irqs"] for c in iso),
        "ipis_to_isolated_per_flush": round(sum(c["flush_ipis"] for c in iso) / flushes, 4),
        "ipis_per_isolated_cpu_per_flush": round(sum(c["flush_ipis"] for c in iso) / flushes / n, 4),
        "catchups_per_entry": round(catchups / entries, 4) if entries else None,
        "probe_gaps": sum(c["gaps"] for c in iso),
        "probe_max_gap_ns": max((c["max_gap_ns"] for c in iso), default=0),
        "probe_available": round((span - gap) / span, 4) if span else None,
    }


def parse_round_trip(text):
    for raw in text.splitlines():
        m = _ROUND_TRIP.search(_ANSI.sub("", raw))
        if m:
            return {"instructions": int(m.group(1)), "pti": m.group(2) == "on",
                    "pcid": m.group(3) == "on", "coalesce_tlbi": m.group(4) == "on"}
    return None


# --- running ----------------------------------------------------------------------

def make_iso(cmdline, iso):
    env = dict(os.environ, GRUB_DEFAULT="0", GRUB_TIMEOUT="0")
    subprocess.run([str(ROOT / "tools" / "mkiso.sh"), "build/lull.elf", cmdline, str(iso)],
                   cwd=ROOT, env=env, check=True, stdin=subprocess.DEVNULL)


def boot(script, iso, env, timeout, log):
    log.unlink(missing_ok=True)
    try:
        subprocess.run([str(ROOT / "tools" / script), str(iso)], cwd=ROOT, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired:
        print(f"bench: {log.name}: no power-off within {timeout} s; reading what there is",
              flush=True)
    return log.read_text(errors="replace") if log.exists() else ""


def upper_half(cpus):
    lo = cpus - cpus // 2
    return f"{lo}-{cpus - 1}" if cpus - 1 > lo else str(lo)


def run_experiment(cpus, flushes, timeout):
    iso, log = OUT / f"lull-{cpus}.iso", OUT / f"experiment-{cpus}.log"
    isolated = upper_half(cpus)
    cmdline = f"shell=off experiment_flushes={flushes} nohz_full={isolated}"
    make_iso(cmdline, iso)
    env = dict(os.environ, CPUS=str(cpus), MEM="1G" if cpus > 8 else "512M",
               MACHINE="q35", FIRMWARE="bios", SERIAL=f"file:{log}", DISPLAY_OPT="-display none")
    print(f"bench: {cpus} CPUs, isolated {isolated}, {flushes} flushes per phase ...", flush=True)
    text = boot("qemu.sh", iso, env, timeout, log)
    run = {"cpus": cpus, "isolated": isolated, "flushes_per_phase": flushes,
           "cmdline": cmdline, "emulator": "qemu-tcg", "log": str(log.relative_to(ROOT))}
    try:
        run["phases"] = parse_experiment(text)
    except ValueError as e:
        run["error"] = str(e)
        print(f"bench: {cpus} CPUs: {e} (see {log})", flush=True)
    return run


def run_round_trips(timeout):
    out = []
    for label, words in ROUND_TRIPS:
        iso, log = OUT / "bochs-rt.iso", OUT / f"bochs-rt-{len(out)}.log"
        make_iso(f"ktest=syscall {words}".strip(), iso)
        env = dict(os.environ, CPUS="1", MEM="128", SERIAL_LOG=str(log))
        print(f"bench: Bochs, {label} ...", flush=True)
        rt = parse_round_trip(boot("bochs.sh", iso, env, timeout, log))
        if rt is None:
            print(f"bench: Bochs, {label}: no round-trip figure (see {log})", flush=True)
            out.append({"label": label, "error": "no figure", "log": str(log.relative_to(ROOT))})
        else:
            out.append({"label": label, **rt, "log": str(log.relative_to(ROOT))})
    return out


# --- rendering -------------------------------------------------------------------

def fmt(v, digits=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def render_md(results, linux):
    ok = [r for r in results["runs"] if "phases" in r]
    lines = ["# lull bench results", "",
             f"Generated {results['generated']} on {results['host']}; every figure is a count "
             "from the kernel's own counters (docs/bench.md explains each).", ""]
    lines += ["## Flush IPIs reaching isolated CPUs", "",
              "| CPUs | isolated | flushes/phase | IPIs to isolated CPUs per flush, off | on | on+sys "
              "| per isolated CPU per flush, off | on | interrupts on isolated CPUs, off | on |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in ok:
        p = r["phases"]
        get = lambda ph, k: p.get(ph, {}).get(k)
        lines.append(f"| {r['cpus']} | {r['isolated']} | {r['flushes_per_phase']} | "
                     f"{fmt(get('off', 'ipis_to_isolated_per_flush'))} | "
                     f"{fmt(get('on', 'ipis_to_isolated_per_flush'))} | "
                     f"{fmt(get('on+sys', 'ipis_to_isolated_per_flush'))} | "
                     f"{fmt(get('off', 'ipis_per_isolated_cpu_per_flush'))} | "
                     f"{fmt(get('on', 'ipis_per_isolated_cpu_per_flush'))} | "
                     f"{fmt(get('off', 'isolated_interrupts'))} | "
                     f"{fmt(get('on', 'isolated_interrupts'))} |")
    for r in results["runs"]:
        if "error" in r:
            lines.append(f"\n{r['cpus']} CPUs: no figures ({r['error']}).")
    lines += ["", "## Catch-up flushes per kernel entry (phase on+sys)", "",
              "Isolated CPUs make a system call every few thousand probe loops while the storm "
              "runs. Flush-on-every-entry (RFC v7) flushes once per entry: 1.00.", "",
              "| CPUs | entries | catch-up flushes | per entry | RFC v7 |", "|---|---|---|---|---|"]
    for r in ok:
        ph = r["phases"].get("on+sys")
        if ph:
            lines.append(f"| {r['cpus']} | {ph['isolated_entries']} | {ph['isolated_catchups']} | "
                         f"{fmt(ph['catchups_per_entry'], 4)} | 1.00 |")
    lines += ["", "## Noise probe (emulated: timing is host noise; see docs/bench.md)", "",
              "| CPUs | phase | gaps | largest gap (us) | time available |", "|---|---|---|---|---|"]
    for r in ok:
        for name in PHASES:
            ph = r["phases"].get(name)
            if ph:
                avail = ph["probe_available"]
                lines.append(f"| {r['cpus']} | {name} | {ph['probe_gaps']} | "
                             f"{ph['probe_max_gap_ns'] // 1000} | "
                             f"{'-' if avail is None else f'{avail * 100:.2f} %'} |")
    lines += ["", "## Instructions per null system call round trip (Bochs, Skylake-X)", ""]
    if results.get("round_trips"):
        lines += ["| configuration | instructions |", "|---|---|"]
        for rt in results["round_trips"]:
            lines.append(f"| {rt['label']} | {rt.get('instructions', 'no figure')} |")
        lines += ["", "The loop's own three instructions are included. TLB refills, the real "
                  "cost of PTI, do not show in an instruction count."]
    else:
        lines.append("Not measured in this run (--no-bochs).")
    lines += ["", "## Stock Linux beside lull", ""]
    if linux:
        lines.append("IPIs reaching isolated CPUs per kernel-range flush:")
        lines += ["", "| CPUs | isolated | Linux 6.1 (stock, pti=on) | lull, coalesce_tlbi=off | "
                  "lull, coalesce_tlbi=on |", "|---|---|---|---|---|"]
        by_cpus = {r["cpus"]: r for r in ok}
        for lr in linux.get("runs", []):
            mine = by_cpus.get(lr.get("cpus"), {}).get("phases", {})
            lines.append(f"| {lr.get('cpus')} | {lr.get('isolated')} | "
                         f"{fmt(lr.get('ipis_to_isolated_per_flush'))} | "
                         f"{fmt(mine.get('off', {}).get('ipis_to_isolated_per_flush'))} | "
                         f"{fmt(mine.get('on', {}).get('ipis_to_isolated_per_flush'))} |")
        md = OUT / "linux.md"
        if md.exists():
            lines += ["", md.read_text().strip()]
    else:
        lines.append("No build/bench/linux.json: run `make bench-linux` (docs/bench-linux.md).")
    return "\n".join(lines) + "\n"


def render_plots(results, linux):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: no matplotlib (Debian: python3-matplotlib); plots skipped", flush=True)
        return []
    ok = [r for r in results["runs"] if "phases" in r]
    if not ok:
        return []
    written = []
    fig, axes = plt.subplots(1, len(ok), figsize=(4.2 * len(ok), 3.8), squeeze=False)
    for ax, r in zip(axes[0], ok):
        for name, style, label in (("off", "r-o", "coalesce_tlbi=off"),
                                   ("on", "g-o", "coalesce_tlbi=on"),
                                   ("on+sys", "b--.", "on, probes making system calls")):
            ph = r["phases"].get(name)
            if not ph:
                continue
            xs, ys = zip(*ph["progress"])
            ax.plot(xs, ys, style, markersize=3, label=label)
        ax.set_title(f"{r['cpus']} CPUs, isolated {r['isolated']}")
        ax.set_xlabel("kernel-range flushes")
        ax.set_ylabel("flush IPIs to isolated CPUs")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path = OUT / "ipis_vs_flushes.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    labels = [str(r["cpus"]) for r in ok]
    xs = range(len(ok))
    off = [r["phases"].get("off", {}).get("ipis_to_isolated_per_flush", 0) for r in ok]
    on = [r["phases"].get("on", {}).get("ipis_to_isolated_per_flush", 0) for r in ok]
    ax.bar([x - 0.27 for x in xs], off, 0.27, label="lull, coalesce_tlbi=off", color="tab:red")
    ax.bar(list(xs), on, 0.27, label="lull, coalesce_tlbi=on", color="tab:green")
    if linux:
        lin = {lr.get("cpus"): lr.get("ipis_to_isolated_per_flush", 0) for lr in linux.get("runs", [])}
        ax.bar([x + 0.27 for x in xs], [lin.get(r["cpus"], 0) for r in ok], 0.27,
               label="stock Linux 6.1", color="tab:gray")
    ax.set_xticks(list(xs), labels)
    ax.set_xlabel("CPUs (upper half isolated)")
    ax.set_ylabel("IPIs to isolated CPUs per flush")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = OUT / "ipis_per_flush.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def render():
    results = json.loads((OUT / "results.json").read_text())
    linux_path = OUT / "linux.json"
    linux = json.loads(linux_path.read_text()) if linux_path.exists() else None
    (OUT / "results.md").write_text(render_md(results, linux))
    written = render_plots(results, linux)
    print("bench: wrote " + ", ".join(str(p.relative_to(ROOT)) for p in
                                      [OUT / "results.md", *written]), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cpus", default=os.environ.get("BENCH_CPUS", "2,4,8,16"),
                    help="CPU counts, comma-separated (default 2,4,8,16)")
    ap.add_argument("--flushes", type=int, default=int(os.environ.get("BENCH_FLUSHES", "300")),
                    help="kernel flushes per phase (default 300)")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per boot")
    ap.add_argument("--no-bochs", action="store_true", help="skip the round-trip figures")
    ap.add_argument("--render", action="store_true",
                    help="only re-render results.md and the plots from results.json")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.render:
        if not (OUT / "results.json").exists():
            print("bench: no build/bench/results.json yet (run make bench)", flush=True)
            return 0
        render()
        return 0
    try:
        counts = [int(c) for c in re.split(r"[,\s]+", args.cpus.strip()) if c]
    except ValueError:
        ap.error(f"--cpus {args.cpus!r}: expected numbers such as 2,4,8")
    if not counts or any(c < 2 or c > 64 for c in counts):
        ap.error("--cpus: each count from 2 to 64 (one CPU must be isolated, CPU 0 not)")
    if not 30 <= args.flushes <= 1000000:
        ap.error("--flushes: from 30 to 1000000")
    if not (ROOT / "build" / "lull.elf").exists():
        ap.error("build/lull.elf is missing (run make)")
    results = {"schema": SCHEMA, "generated": datetime.datetime.now().isoformat(timespec="seconds"),
               "host": os.uname().nodename, "runs": [], "round_trips": []}
    for n in counts:
        results["runs"].append(run_experiment(n, args.flushes, args.timeout))
    if not args.no_bochs:
        results["round_trips"] = run_round_trips(args.timeout)
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    render()
    failed = [r["cpus"] for r in results["runs"] if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
