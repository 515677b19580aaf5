#!/usr/bin/env python3
"""Turn lull's trace dump (a serial log) into a Perfetto timeline and a PNG.

    tools/trace.py LOG -o OUT.json [--png OUT.png] [--index N]

LOG is a serial log holding one or more dump blocks (kernel/trace.c prints
them; docs/trace.md describes the format), with any other lines around and
between them. The last dump is taken, or the N-th with --index (1 is the
first, -1 the last). OUT.json is Chrome trace-event JSON, which
ui.perfetto.dev opens ("Open trace file"):

  pid 0 "lull", one thread per CPU (tid = CPU number);
  "X"  kernel residency, from an entry from user mode to the exit back
       (a CPU that the trace shows only in the kernel: one span throughout);
  "i"  IPIs sent and received, kernel-range flushes, catch-ups, ticks, marks;
  "s"/"f" a flow from each IPI sent to its arrival on the target.

OUT.png (needs matplotlib: Debian's python3-matplotlib) draws one row per
CPU: kernel residency as bars, markers for the rest.

A log without a dump, a dump cut short and events lost to a full ring are
reported on stderr, with the counts.
"""

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ktap import clean  # noqa: E402  (the serial line cleaner make test uses)

_BEGIN = re.compile(r"^trace: begin version=(\d+) tsc_khz=(\d+) cpus=(\d+) size=(\d+) base=(\d+)$")
_CPU = re.compile(r"^trace: cpu (\d+) kept (\d+) lost (\d+)$")
_END = re.compile(r"^trace: end events=(\d+) lost=(\d+)$")
_EVENT = re.compile(r"^T (\d+) (\d+) (\S+)((?: \S+)*)$")

ENTRY_KINDS = ("syscall", "irq", "exception", "nmi")
IPI_KINDS = ("call", "resched", "nmi")


class TraceError(Exception):
    """A log the tool cannot turn into a trace (the message says why)."""


@dataclass
class Event:
    cpu: int
    tsc: int            # TSC ticks after the dump's base
    kind: str           # entry, exit, ipi_send, ipi_recv, kflush, catchup, tick, mark
    args: dict
    order: int          # position in the dump: keeps ties in the kernel's order


@dataclass
class Dump:
    line: int                                   # where its begin line is (1-based)
    tsc_khz: int
    cpus: int
    size: int
    events: list = field(default_factory=list)
    kept: dict = field(default_factory=dict)    # CPU -> events the kernel says it kept
    lost: dict = field(default_factory=dict)    # CPU -> events overwritten
    end_events: int = None                      # from the end line; None: no end line
    end_lost: int = None
    bad: list = field(default_factory=list)     # (line number, text) of unreadable event lines
    last_line: int = 0

    @property
    def complete(self):
        return self.end_events is not None

    def us(self, tsc):
        """TSC ticks to microseconds."""
        return round(tsc * 1000.0 / self.tsc_khz, 3)

    def problems(self):
        """What a reader must know before trusting this dump, one line each."""
        out = []
        if not self.complete:
            out.append(f"the dump is truncated: no 'trace: end' line after line {self.last_line} "
                       f"({len(self.events)} events read)")
        read = {}
        for e in self.events:
            read[e.cpu] = read.get(e.cpu, 0) + 1
        for cpu in sorted(self.kept):
            if read.get(cpu, 0) != self.kept[cpu]:
                out.append(f"CPU {cpu}: the dump lists {self.kept[cpu]} events, "
                           f"{read.get(cpu, 0)} were read")
        if self.complete and self.end_events != len(self.events):
            out.append(f"the end line counts {self.end_events} events, {len(self.events)} were read")
        for n, text in self.bad[:5]:
            out.append(f"line {n} is not a trace event: {text!r}")
        if len(self.bad) > 5:
            out.append(f"... and {len(self.bad) - 5} more unreadable lines")
        for cpu in sorted(self.lost):
            if self.lost[cpu]:
                out.append(f"CPU {cpu} lost {self.lost[cpu]} events: its ring of {self.size} "
                           f"overflowed and the oldest are gone (boot with a larger trace=N)")
        return out


def _int(text):
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def parse_event(kind, words):
    """The arguments of one event line as a dict; ValueError if malformed."""
    if kind == "entry" and len(words) == 2 and words[0] in ENTRY_KINDS:
        return {"from": words[0], "detail": _int(words[1])}
    if kind in ("exit", "tick") and not words:
        return {}
    if kind == "ipi_send" and len(words) == 2 and words[1] in IPI_KINDS:
        return {"target": _int(words[0]), "ipi": words[1]}
    if kind == "ipi_recv" and len(words) == 1 and words[0] in IPI_KINDS:
        return {"ipi": words[0]}
    if kind == "kflush" and len(words) == 2:
        full = words[0] == "full"
        return {"full": full, "pages": None if full else _int(words[0]), "gen": _int(words[1])}
    if kind in ("catchup", "mark") and len(words) == 1:
        return {"gen" if kind == "catchup" else "value": _int(words[0])}
    raise ValueError(kind)


def parse_log(lines):
    """Every dump block in the log's lines, in order."""
    dumps, cur = [], None
    for n, raw in enumerate(lines, 1):
        line = clean(raw).strip()
        m = _BEGIN.match(line)
        if m:
            version, khz, cpus, size, _base = (int(x) for x in m.groups())
            if version != 1:
                raise TraceError(f"line {n}: dump format version {version}; this tool reads version 1")
            if khz == 0:
                raise TraceError(f"line {n}: tsc_khz=0: the kernel did not know its TSC frequency")
            cur = Dump(line=n, tsc_khz=khz, cpus=cpus, size=size, last_line=n)
            dumps.append(cur)
            continue
        if cur is None or cur.complete:
            continue
        if line.startswith("T "):
            m = _EVENT.match(line)
            try:
                if not m:
                    raise ValueError(line)
                cpu, tsc, kind = int(m.group(1)), int(m.group(2)), m.group(3)
                args = parse_event(kind, m.group(4).split())
            except ValueError:
                cur.bad.append((n, line))
                continue
            cur.events.append(Event(cpu, tsc, kind, args, len(cur.events)))
            cur.last_line = n
        elif _CPU.match(line):
            cpu, kept, lost = (int(x) for x in _CPU.match(line).groups())
            cur.kept[cpu], cur.lost[cpu] = kept, lost
            cur.last_line = n
        elif _END.match(line):
            cur.end_events, cur.end_lost = (int(x) for x in _END.match(line).groups())
            cur.last_line = n
    return dumps


def pick(dumps, index, source):
    if not dumps:
        raise TraceError(f"{source} holds no trace dump (no 'trace: begin' line): boot lull with "
                         "trace=N and dump it (docs/trace.md)")
    if index == 0 or not -len(dumps) <= index <= len(dumps):
        raise TraceError(f"{source} holds {len(dumps)} dump(s); --index {index} is not one of them")
    return dumps[index - 1 if index > 0 else index]


# --- the timeline: what each CPU did, from the events ---------------------------

def by_cpu(dump):
    """CPU -> its events in time order (the kernel's order for equal TSCs)."""
    cpus = {}
    for e in dump.events:
        cpus.setdefault(e.cpu, []).append(e)
    for evs in cpus.values():
        evs.sort(key=lambda e: (e.tsc, e.order))
    return cpus


def residency(dump):
    """Kernel residency spans per CPU: (cpu, start, end, name, args), TSC ticks.

    From each entry from user mode to the next exit. Every event is
    recorded in the kernel, so an event seen while the CPU was last known
    in user mode (or before anything is known) opens a span too: before a
    CPU's first exit, and in a paranoid entry whose catch-up is recorded
    before the entry itself; an entry that follows names that span. A span
    that no exit closes lasts to the end of the dump; a CPU with events but
    neither entry nor exit never left the kernel.
    """
    end = max((e.tsc for e in dump.events), default=0)
    spans = []
    for cpu, evs in sorted(by_cpu(dump).items()):
        start, name, args, by_entry = None, "kernel", {}, False
        for e in evs:
            if e.kind == "entry":
                if start is not None and by_entry:      # no exit in between: close it here
                    spans.append((cpu, start, e.tsc, name, args))
                    start = None
                if start is None:
                    start = e.tsc
                name = e.args["from"] if e.args["from"] == "nmi" else \
                    f"{e.args['from']} {e.args['detail']}"
                args, by_entry = dict(e.args), True
            elif e.kind == "exit":
                if start is not None:
                    spans.append((cpu, start, e.tsc, name, args))
                start = None
            elif start is None:
                start, name, args, by_entry = e.tsc, "kernel", {}, False
        if start is not None:
            spans.append((cpu, start, end, name, args))
    return [s for s in spans if s[2] > s[1]]


def flows(dump):
    """IPIs sent paired with their arrival: (sender, send tsc, target, arrival tsc, kind).

    Each arrival on a CPU answers every IPI of its kind sent to that CPU
    since the previous arrival (the local APIC merges an IPI that comes
    while the same vector is still pending). Sends with no arrival after
    them are left unpaired, and so are those sent before the first event
    kept by a target that lost events: their arrival may be among the lost.
    """
    cpus = by_cpu(dump)
    pending = {}
    for cpu, evs in cpus.items():
        for e in evs:
            if e.kind == "ipi_send":
                pending.setdefault((e.args["target"], e.args["ipi"]), []).append(e)
    out = []
    for key, sends in pending.items():
        target, kind = key
        evs = cpus.get(target, [])
        if dump.lost.get(target) and evs:
            sends = [s for s in sends if s.tsc >= evs[0].tsc]
        sends = sorted(sends, key=lambda s: s.tsc)
        i = 0
        for r in evs:
            if r.kind != "ipi_recv" or r.args["ipi"] != kind:
                continue
            while i < len(sends) and sends[i].tsc <= r.tsc:
                out.append((sends[i].cpu, sends[i].tsc, target, r.tsc, kind))
                i += 1
    return sorted(out, key=lambda f: (f[1], f[0]))


def instant_name(e):
    a = e.args
    if e.kind == "ipi_send":
        return f"IPI {a['ipi']} -> CPU {a['target']}"
    if e.kind == "ipi_recv":
        return f"IPI {a['ipi']} received"
    if e.kind == "kflush":
        what = "full" if a["full"] else f"{a['pages']} page{'s' if a['pages'] != 1 else ''}"
        return f"kernel flush {what}, gen {a['gen']}"
    if e.kind == "catchup":
        return f"catch-up to gen {a['gen']}"
    if e.kind == "mark":
        return f"mark {a['value']}"
    return e.kind


CATEGORY = {"ipi_send": "ipi", "ipi_recv": "ipi", "kflush": "flush", "catchup": "flush",
            "tick": "tick", "mark": "mark"}


def chrome_trace(dump, source=""):
    """The dump as a Chrome trace-event JSON object (a dict)."""
    cpus = sorted(set(dump.kept) | {e.cpu for e in dump.events})
    out = [{"ph": "M", "name": "process_name", "pid": 0, "tid": 0, "args": {"name": "lull"}}]
    for cpu in cpus:
        out.append({"ph": "M", "name": "thread_name", "pid": 0, "tid": cpu,
                    "args": {"name": f"CPU {cpu}"}})
        out.append({"ph": "M", "name": "thread_sort_index", "pid": 0, "tid": cpu,
                    "args": {"sort_index": cpu}})
    # Spans first: an instant at a span's start then nests inside it.
    for cpu, start, end, name, args in residency(dump):
        out.append({"ph": "X", "name": name, "cat": "kernel", "pid": 0, "tid": cpu,
                    "ts": dump.us(start), "dur": round(dump.us(end) - dump.us(start), 3),
                    "args": args})
    for e in sorted(dump.events, key=lambda e: (e.tsc, e.order)):
        if e.kind in CATEGORY:
            out.append({"ph": "i", "s": "t", "name": instant_name(e), "cat": CATEGORY[e.kind],
                        "pid": 0, "tid": e.cpu, "ts": dump.us(e.tsc), "args": dict(e.args)})
    for n, (src, t0, dst, t1, kind) in enumerate(flows(dump), 1):
        name = f"IPI {kind}"
        out.append({"ph": "s", "id": n, "name": name, "cat": "ipi", "pid": 0, "tid": src,
                    "ts": dump.us(t0)})
        out.append({"ph": "f", "bp": "e", "id": n, "name": name, "cat": "ipi", "pid": 0,
                    "tid": dst, "ts": dump.us(t1)})
    return {"traceEvents": out, "displayTimeUnit": "ns",
            "otherData": {"source": str(source), "tsc_khz": dump.tsc_khz, "ring_size": dump.size,
                          "lost": {str(c): n for c, n in sorted(dump.lost.items())},
                          "complete": dump.complete}}


# --- the PNG ----------------------------------------------------------------------

MARKERS = [  # kind, marker, colour, label, vertical offset in the row
    ("tick", "|", "0.55", "tick", 0.0),
    ("ipi_send", ">", "tab:blue", "IPI sent", 0.22),
    ("ipi_recv", "<", "tab:purple", "IPI received", -0.22),
    ("kflush", "v", "tab:red", "kernel-range flush", 0.22),
    ("catchup", "^", "tab:green", "catch-up flush", -0.22),
    ("mark", "*", "black", "mark", 0.0),
]


def draw_png(dump, path, title=""):
    """One row per CPU: residency bars and event markers. ImportError without matplotlib."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    cpus = sorted(set(dump.kept) | {e.cpu for e in dump.events})
    row = {cpu: i for i, cpu in enumerate(cpus)}
    fig, ax = plt.subplots(figsize=(14, 1.6 + 0.7 * max(len(cpus), 1)))
    bars = {}
    for cpu, start, end, _name, _args in residency(dump):
        bars.setdefault(cpu, []).append((dump.us(start), max(dump.us(end) - dump.us(start), 0.001)))
    for cpu, spans in bars.items():
        ax.broken_barh(spans, (row[cpu] - 0.3, 0.6), facecolors="tab:orange", alpha=0.45,
                       label="in the kernel" if cpu == cpus[0] or len(bars) == 1 else None)
    links = [[(dump.us(t0), row[src] + 0.22), (dump.us(t1), row[dst] - 0.22)]
             for src, t0, dst, t1, _kind in flows(dump) if src in row and dst in row]
    if links:
        ax.add_collection(LineCollection(links, colors="tab:blue", linewidths=0.6, alpha=0.5,
                                         label="IPI sent -> received"))
    for kind, marker, colour, label, dy in MARKERS:
        xs = [dump.us(e.tsc) for e in dump.events if e.kind == kind]
        ys = [row[e.cpu] + dy for e in dump.events if e.kind == kind]
        if xs:
            ax.scatter(xs, ys, marker=marker, c=colour, s=28, label=label, zorder=3)
    ax.set_yticks(range(len(cpus)))
    ax.set_yticklabels([f"CPU {c}" for c in cpus])
    ax.set_ylim(len(cpus) - 0.5, -0.5)          # CPU 0 on top
    ax.set_xlabel("time (µs since the oldest event kept)")
    lost = sum(dump.lost.values())
    ax.set_title(title or f"lull trace: {len(cpus)} CPUs, {len(dump.events)} events"
                 + (f", {lost} lost" if lost else "") + ("" if dump.complete else ", truncated"))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="serial log holding a trace dump")
    ap.add_argument("-o", "--output", required=True, help="Chrome trace-event JSON to write")
    ap.add_argument("--png", help="also draw the timeline into this PNG (needs matplotlib)")
    ap.add_argument("--index", type=int, default=-1,
                    help="which dump of the log: 1 the first, -1 the last (default)")
    args = ap.parse_args(argv)
    me = Path(sys.argv[0]).name if argv is None else "trace.py"

    try:
        with open(args.log, errors="replace") as f:
            dumps = parse_log(f)
        dump = pick(dumps, args.index, args.log)
    except (OSError, TraceError) as e:
        print(f"{me}: {e}", file=sys.stderr)
        return 1
    number = dumps.index(dump) + 1
    for p in dump.problems():
        print(f"{me}: warning: dump {number} (line {dump.line}): {p}", file=sys.stderr)
    trace = chrome_trace(dump, args.log)
    try:
        with open(args.output, "w") as f:
            json.dump(trace, f, indent=None, separators=(",", ":"))
            f.write("\n")
    except OSError as e:
        print(f"{me}: cannot write {args.output}: {e}", file=sys.stderr)
        return 1
    span = dump.us(max((e.tsc for e in dump.events), default=0))
    nflows = sum(1 for e in trace["traceEvents"] if e["ph"] == "s")
    print(f"{me}: dump {number} of {len(dumps)} in {args.log}: {len(dump.kept) or dump.cpus} CPUs, "
          f"{len(dump.events)} events over {span:.3f} us, {sum(dump.lost.values())} lost; "
          f"wrote {args.output} ({len(trace['traceEvents'])} trace events, {nflows} IPI flows)")
    if args.png:
        try:
            draw_png(dump, args.png)
        except ImportError:
            print(f"{me}: matplotlib is not installed (Debian: python3-matplotlib, or "
                  f"tools/deps.sh); {args.png} not written", file=sys.stderr)
            return 1
        except OSError as e:
            print(f"{me}: cannot write {args.png}: {e}", file=sys.stderr)
            return 1
        print(f"{me}: wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
