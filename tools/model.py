#!/usr/bin/env python3
"""Model-check tests/model/flush.pml with spin, once per variant.

    tools/model.py [DIR] [--only NAME]

DIR (default tests/model) holds flush.pml and variants.txt; each line of
variants.txt names a variant, what it must give (pass or fail) and its -D
macros. For each, in build/model/<name>/: spin -a, gcc pan.c, ./pan.

  expect=pass  the exhaustive search (depth-first) reports "errors: 0" and
               never hit the depth limit ("max search depth too small").
               On an error, a breadth-first search finds the shortest trail,
               replayed as below.
  expect=fail  the search (breadth-first, so the trail is a shortest one)
               reports at least one error; the trail is replayed into
               build/model/<name>.trail.txt (the printf story, then every
               step of spin -t -p). A bug the model cannot see fails.

Never BITSTATE: every search is exhaustive. Partial-order reduction is off
(-DNOREDUCE) because the model's "provided" clause, which stops the CPU
while its NMI runs, is not sound under it.

tools/test.py --model DIR turns each variant into one test; alone, this
script prints the same PASS/FAIL lines and "N passed, N failed".
"""

import argparse
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = "flush.pml"
VARIANTS = "variants.txt"
DEPTH = 10000                   # pan -m: far above the ~300 steps the model needs
HASH = 22                       # pan -w: 2^22 slots, plenty for ~1M states
TIMEOUT = {"spin": 60, "gcc": 180, "pan": 300}
STEPS = 400                     # lines of spin -t -p kept in a trail file
CFLAGS = ["-O2", "-DSAFETY", "-DNOREDUCE"]

_NAME = re.compile(r"[a-z0-9_]+")
_FLAG = re.compile(r"-D[A-Za-z_][A-Za-z0-9_]*(=[A-Za-z0-9_]+)?")


@dataclass
class Variant:
    name: str
    expect: str                 # "pass" or "fail"
    flags: list


@dataclass
class Result:
    name: str
    ok: bool
    summary: str = ""           # for a pass: what was shown
    reason: str = ""            # for a failure: why
    detail: list = field(default_factory=list)
    seconds: float = 0.0

    def line(self):
        if self.ok:
            return f"PASS model:{self.name} ({self.summary})"
        return "\n".join([f"FAIL model:{self.name}: {self.reason}"]
                         + ["    | " + d for d in self.detail])


@dataclass
class PanStats:
    errors: int = None          # None: pan printed no "errors:" line
    states: int = None
    depth: int = None
    too_small: bool = False     # the depth limit cut the search short
    bitstate: bool = False      # not exhaustive


def parse_variants(path):
    """(variants, results for the lines that cannot be understood)."""
    variants, broken = [], []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path.name}:{n}"
        try:
            words = shlex.split(line)
        except ValueError as e:
            broken.append(Result(where, False, reason=f"{where}: {e}"))
            continue
        name = words[0]
        problem = None
        if len(words) < 2:
            problem = "expected: name pass|fail [-DMACRO ...]"
        elif not _NAME.fullmatch(name):
            problem = f"name {name!r}: lower case, digits and _ only"
        elif name in (v.name for v in variants):
            problem = f"{name!r} is used twice"
        elif words[1] not in ("pass", "fail"):
            problem = f"expect {words[1]!r}: expected pass or fail"
        else:
            bad = [w for w in words[2:] if not _FLAG.fullmatch(w)]
            if bad:
                problem = f"{' '.join(bad)}: only -DMACRO or -DMACRO=VALUE"
        if problem:
            broken.append(Result(name, False, reason=f"{where}: {problem}"))
            continue
        variants.append(Variant(name, words[1], words[2:]))
    return variants, broken


def parse_pan(text):
    s = PanStats()
    m = re.search(r"\berrors: (\d+)", text)
    if m:
        s.errors = int(m.group(1))
    m = re.search(r"^\s*(\d+) states, stored", text, re.M)
    if m:
        s.states = int(m.group(1))
    m = re.search(r"depth reached (\d+)", text)
    if m:
        s.depth = int(m.group(1))
    s.too_small = "search depth too small" in text
    s.bitstate = "Bit statespace search" in text
    return s


def judge(expect, stats):
    """(ok, why not) for a variant that expects pass or fail."""
    if stats.errors is None or stats.states is None:
        return False, "pan printed no 'errors:' or 'states, stored' line"
    if stats.bitstate:
        return False, "a bitstate search is not exhaustive"
    if expect == "pass":
        if stats.errors:
            return False, f"{stats.errors} error(s): the protocol is broken"
        if stats.too_small:
            return False, f"search depth too small (pan -m{DEPTH}): the search is incomplete"
        return True, ""
    if stats.errors == 0:
        return False, (f"no counterexample in {stats.states} states: "
                       "the model cannot see this bug")
    return True, ""


def run(cmd, cwd, timeout):
    """(exit status or None on timeout, output)."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors="replace",
                           timeout=timeout)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out


def tail(text, n=20):
    return text.splitlines()[-n:]


def shown(path):
    """A path as a report shows it: from the tree's top when inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def write_trail(v, work, pan_out, path):
    """Replay work/flush.pml.trail: the story (the model's printf lines),
    then every step. Returns the first story lines, for a report."""
    story_st, story = run(["spin", "-t"] + v.flags + [MODEL], work, TIMEOUT["spin"])
    steps_st, steps = run(["spin", "-t", "-p"] + v.flags + [MODEL], work, TIMEOUT["spin"])
    # The story ends where the final state dump begins.
    story_lines = []
    for line in story.splitlines():
        if line.startswith("#processes"):
            break
        story_lines.append(line.strip())
    step_lines = steps.splitlines()
    cut = len(step_lines) - STEPS
    violated = [x.strip() for x in pan_out.splitlines() if re.match(r"pan:\d+:", x)]
    with open(path, "w") as f:
        f.write(f"# model:{v.name}: spin {' '.join(v.flags) or '(no flags)'} "
                f"{MODEL}, expect={v.expect}\n")
        for x in violated[:3]:
            f.write(f"# {x}\n")
        f.write(f"# replay: cd {shown(work)} && spin -t -p {' '.join(v.flags)} {MODEL}\n")
        f.write("# mem[] addresses: 0,1 PTE of page 0,1; 2 kflush_gen; 3 cr3_state "
                "(0 KERNEL, 1 USER); 4,5 DONE of sender 0,1. TLB/PTE: 0 EMPTY, 1 OLD, 2 NEW.\n")
        f.write("\n== story (spin -t: the model's printf lines, in order) ==\n")
        f.write("\n".join(story_lines) + "\n")
        f.write(f"\n== steps (spin -t -p, first {min(STEPS, len(step_lines))} lines) ==\n")
        f.write("\n".join(step_lines[:STEPS]) + "\n")
        if cut > 0:
            f.write(f"... {cut} more lines: run the replay command above\n")
    return story_lines


def search(work, bfs):
    """Build pan (breadth-first when bfs) and run it: (why not, output)."""
    exe = "pan.bfs" if bfs else "pan"
    cflags = CFLAGS + (["-DBFS"] if bfs else [])
    st, out = run(["gcc"] + cflags + ["-o", exe, "pan.c"], work, TIMEOUT["gcc"])
    if st != 0:
        return ("gcc pan.c failed" if st is not None else "gcc pan.c timed out"), out
    st, out = run([f"./{exe}", f"-m{DEPTH}", f"-w{HASH}"], work, TIMEOUT["pan"])
    (work / f"{exe}.out").write_text(out)
    if st is None:
        return f"pan timed out after {TIMEOUT['pan']} s", out
    return "", out


def check_variant(v, model_dir, out_dir):
    started = time.monotonic()
    work = out_dir / v.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copy(model_dir / MODEL, work / MODEL)
    trail_txt = out_dir / f"{v.name}.trail.txt"
    trail_txt.unlink(missing_ok=True)

    def failed(reason, detail=()):
        return Result(v.name, False, reason=reason, detail=list(detail),
                      seconds=time.monotonic() - started)

    st, out = run(["spin"] + v.flags + ["-a", MODEL], work, TIMEOUT["spin"])
    if st != 0:
        return failed("spin -a failed" if st is not None else "spin -a timed out", tail(out))
    # A variant that must fail is searched breadth-first: its trail is then
    # a shortest one. One that must pass is searched depth-first, and again
    # breadth-first only if it fails, for the same reason.
    bfs = v.expect == "fail"
    why, pan_out = search(work, bfs)
    if why:
        return failed(why, tail(pan_out))
    stats = parse_pan(pan_out)
    ok, why = judge(v.expect, stats)
    if not ok and stats.errors and not bfs:
        bfs = True
        more, bfs_out = search(work, bfs)
        if not more and parse_pan(bfs_out).errors:
            pan_out = bfs_out
    story = []
    if stats.errors and (work / f"{MODEL}.trail").exists():
        story = write_trail(v, work, pan_out, trail_txt)
    seconds = time.monotonic() - started
    if not ok:
        first = work / ("pan.bfs.out" if v.expect == "fail" else "pan.out")
        detail = [f"pan: {stats.states} states stored, depth reached {stats.depth}, "
                  f"{seconds:.1f} s; output in {shown(first)}"]
        if story:
            detail += [f"trail: {shown(trail_txt)}, it begins:"] + story[:30]
        return failed(why, detail)
    if v.expect == "pass":
        summary = f"{stats.errors} errors, {stats.states} states, depth {stats.depth}, {seconds:.1f} s"
    else:
        summary = f"counterexample found: {shown(trail_txt)}, {seconds:.1f} s"
    return Result(v.name, True, summary=summary, seconds=seconds)


def check_dir(model_dir, only=None, out_dir=None):
    """Yields one Result per variant of model_dir/variants.txt, as each ends."""
    model_dir = Path(model_dir).resolve()
    out_dir = Path(out_dir) if out_dir else ROOT / "build" / "model"
    listing = model_dir / VARIANTS
    if not listing.is_file() or not (model_dir / MODEL).is_file():
        yield Result(model_dir.name, False, reason=f"{model_dir} has no {VARIANTS} or no {MODEL}")
        return
    missing = [t for t in ("spin", "gcc") if not shutil.which(t)]
    if missing:
        yield Result(model_dir.name, False, reason=f"{', '.join(missing)} not found (tools/deps.sh)")
        return
    variants, broken = parse_variants(listing)
    yield from broken
    if only:
        variants = [v for v in variants if v.name == only]
    for v in variants:
        yield check_variant(v, model_dir, out_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", type=Path, default=ROOT / "tests" / "model")
    ap.add_argument("--only", metavar="NAME", help="check this variant only")
    args = ap.parse_args()
    passed = failed = 0
    for r in check_dir(args.dir, args.only):
        print(r.line(), flush=True)
        passed += r.ok
        failed += not r.ok
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
