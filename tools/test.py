#!/usr/bin/env python3
"""make test: host unit tests, the tools' own tests, and the QEMU matrix.

    tools/test.py --host build/host/test_a ... --matrix tests/matrix.txt
    tools/test.py --matrix tests/matrix.txt --only bios-pc-1
    tools/test.py --model tests/model
    tools/test.py --tlbsim build/tlbsim/tlbsim

Host tests are cmocka binaries; each test case counts once. The tools' own
unit tests (tests/tools, stdlib unittest) run in-process. Each matrix line
(see tests/matrix.txt) builds an ISO, boots it with tools/qemu.sh (firmware
bochs: tools/bochs.sh, see tests/matrix-bochs.txt) and reads the kernel's
KTAP output from the serial log; with expect=pass each KTAP case counts once,
with expect=fail the whole line counts once (it must fail). Each variant of
a spin model (--model DIR: DIR/variants.txt, run by tools/model.py) counts
once, and so does each variant of the machine model (--tlbsim BINARY,
tests/tlbsim). Each row of a bad-boot-input table (--boot-input FILE, format in
tests/bad-boot-input.txt and tools/bootinput.py) boots once per firmware
it names and counts once.

Prints PASS/FAIL per binary and per config, and ends with exactly the line
"N passed, N failed" (", N skipped" when some were); exit status 1 on failure.
"""

import argparse
import io
import os
import re
import shutil
import shlex
import signal
import subprocess
import sys
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.dont_write_bytecode = True          # no __pycache__ in the source tree
sys.path.insert(0, str(ROOT / "tools"))
import bootinput  # noqa: E402
import ktap  # noqa: E402
import model  # noqa: E402

HOST_TIMEOUT = 120
DEADLINE = {"bios": 180, "uefi": 300, "bochs": 300}   # seconds per boot, emulated
CPU_MODEL = {"bios": "max", "uefi": "max", "bochs": "corei7_skylake_x"}
GRACE = 2.0         # after the KTAP output ends, time for the kernel to exit QEMU itself
POLL = 0.2
TAIL = 40
EXIT_PASS, EXIT_FAIL = 33, 35           # isa-debug-exit: (0x10 or 0x11) << 1 | 1


@dataclass
class Outcome:
    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    reason: str = ""                    # empty when it passed
    detail: list = field(default_factory=list)
    notes: list = field(default_factory=list)   # log lines asked for by @show=
    summary: str = ""                   # shown in place of "N tests" when it passed
    seconds: float = None               # a boot's wall-clock time, shown when known

    def show(self):
        if self.reason:
            lines = [f"FAIL {self.name}: {self.reason}"] + ["    | " + d for d in self.detail]
        else:
            extra = f", {self.skipped} skipped" if self.skipped else ""
            took = f", {self.seconds:.0f} s" if self.seconds is not None else ""
            lines = [f"PASS {self.name} ({self.summary or f'{self.passed + self.skipped} tests{extra}'}{took})"]
            lines += ["    > " + n for n in self.notes]
        print("\n".join(lines), flush=True)


# --- host tests ---------------------------------------------------------------

_CMOCKA = re.compile(r"^\[\s*(RUN|OK|FAILED|SKIPPED|ERROR)\s*\] (.*)$")
_CMOCKA_SUM = re.compile(r"^\[\s*(PASSED|FAILED|SKIPPED)\s*\] (\d+) test\(s\)")


def count_cmocka(output):
    """(passed, failed, skipped, names of failed tests) from cmocka's output."""
    passed = failed = skipped = 0
    bad = []
    running = None                      # a result line belongs to the RUN just before it
    summary = {"PASSED": 0, "FAILED": 0, "SKIPPED": 0}
    for line in output.splitlines():
        m = _CMOCKA_SUM.match(line)
        if m:
            summary[m.group(1)] += int(m.group(2))
            continue
        m = _CMOCKA.match(line)
        if not m:
            continue
        tag, name = m.group(1), m.group(2).strip()
        if tag == "RUN":
            if running:                 # the previous test never reported
                failed += 1
                bad.append(f"{running} (no result)")
            running = name
        elif name == running:
            running = None
            if tag == "OK":
                passed += 1
            elif tag == "SKIPPED":
                skipped += 1
            else:
                failed += 1
                bad.append(name)
    if running:                         # crashed inside this test
        failed += 1
        bad.append(f"{running} (crashed)")
    if passed + failed + skipped == 0:  # no per-test lines: trust the summary
        passed, failed, skipped = summary["PASSED"], summary["FAILED"], summary["SKIPPED"]
    failed = max(failed, summary["FAILED"])
    return passed, failed, skipped, bad


def run_host(binary):
    out = Outcome(name=os.path.relpath(binary, ROOT) if binary.is_relative_to(ROOT) else str(binary))
    if not binary.is_file():
        out.failed, out.reason = 1, "not found"
        return out
    # cmocka writes results with stdio: line-buffer them, or a crash loses
    # the lines saying which test it was in.
    cmd = [str(binary)]
    if shutil.which("stdbuf"):
        cmd = ["stdbuf", "-oL", "-eL"] + cmd
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="STDOUT")
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, env=env, timeout=HOST_TIMEOUT,
                           text=True, errors="replace")
        output, status = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        output = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        status = None
    except OSError as e:
        out.failed, out.reason = 1, f"cannot run: {e}"
        return out
    out.passed, out.failed, out.skipped, bad = count_cmocka(output)
    if status is None:
        out.failed = max(out.failed, 1)
        out.reason = f"timed out after {HOST_TIMEOUT} s"
    elif status != 0 and out.failed == 0:
        out.failed = 1
        out.reason = f"exit status {status} with no failed test reported"
    elif out.failed:
        out.reason = f"{out.failed} failed: " + ", ".join(bad[:5] or ["see output"])
    if status is not None and status < 0:
        out.reason += f" (killed by signal {-status})"
    if out.reason:
        out.detail = output.splitlines()[-TAIL:]
    return out


def run_tool_tests():
    """tests/tools (stdlib unittest), run in-process and counted."""
    out = Outcome(name="tools-unittest")
    start = ROOT / "tests" / "tools"
    stream = io.StringIO()
    suite = unittest.defaultTestLoader.discover(str(start), top_level_dir=str(start))
    result = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
    bad = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    out.skipped = len(result.skipped)
    out.failed = bad
    out.passed = result.testsRun - bad - out.skipped
    if bad:
        out.reason = f"{bad} failed"
        out.detail = stream.getvalue().splitlines()[-TAIL:]
    return out


def run_models(directory):
    """One Outcome per variant of a spin model (tools/model.py), as each ends."""
    for r in model.check_dir(directory):
        out = Outcome(name=f"model:{r.name}", summary=r.summary)
        if r.ok:
            out.passed = 1
        else:
            out.failed, out.reason, out.detail = 1, r.reason, r.detail
        yield out


# --- the machine model ---------------------------------------------------------

TLBSIM_TIMEOUT = 900
_TLBSIM = re.compile(r"^(PASS|FAIL) (tlbsim:\S+) \((.*)\)$")


def parse_tlbsim(output, status):
    """One Outcome per variant line of tests/tlbsim's output; a FAIL line's
    detail is what follows it (the story). A run that ends badly without a
    FAIL line, or prints no line at all, is a failure of its own."""
    outs = []
    for line in output.splitlines():
        m = _TLBSIM.match(line)
        if m:
            tag, name, text = m.groups()
            out = Outcome(name=name, summary=text)
            if tag == "PASS":
                out.passed = 1
            else:
                out.failed, out.reason = 1, text
            outs.append(out)
        elif outs and outs[-1].failed and not line.startswith("#"):
            outs[-1].detail.append(line)
    if not outs or (status != 0 and not any(o.failed for o in outs)):
        tail = output.splitlines()[-TAIL:]
        outs.append(Outcome(name="tlbsim", failed=1, detail=tail,
                            reason=f"exit status {status}" if outs else "no variant line"))
    return outs


def run_tlbsim(binary):
    """The machine model's variants (tests/tlbsim); TLBSIM_SEED replays."""
    stories = ROOT / "build" / "tlbsim" / "stories"
    stories.mkdir(parents=True, exist_ok=True)
    cmd = [str(binary), "--story-dir", str(stories)]
    if os.environ.get("TLBSIM_SEED"):
        cmd += ["--seed", os.environ["TLBSIM_SEED"]]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TLBSIM_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [Outcome(name="tlbsim", failed=1, reason=f"no end after {TLBSIM_TIMEOUT} s")]
    seed = next((ln for ln in p.stdout.splitlines() if ln.startswith("# tlbsim: seed")), "")
    if seed:
        print(seed, flush=True)
    return parse_tlbsim(p.stdout + p.stderr, p.returncode)


# --- the QEMU matrix ------------------------------------------------------------

@dataclass
class Config:
    name: str
    firmware: str
    machine: str
    cpus: str
    mem: str
    expect: str
    cmdline: str
    deadline: int
    logs: list = field(default_factory=list)   # texts the serial log must contain
    cpu_model: str = "max"
    shows: list = field(default_factory=list)  # texts whose log lines are printed
    entry: int = 0                              # the GRUB menu entry (iso/grub.cfg)
    qemu_args: list = field(default_factory=list)  # @qemu=ARGS, appended to QEMU's
    serial: str = "com1"        # @serial=: com1, none (no UART) or silent (lull must not use it)
    one_test: bool = False      # count the whole boot once (bad-boot-input rows)
    typed: str = ""             # @input=: what is typed on COM1 (commands joined by ;)


def parse_matrix(path):
    """Configs, and an Outcome per line that cannot be understood."""
    configs, broken = [], []
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path.name}:{n}"
        try:
            words = shlex.split(line)
        except ValueError as e:
            broken.append(Outcome(where, failed=1, reason=f"{where}: {e}"))
            continue
        if len(words) < 6:
            broken.append(Outcome(where, failed=1, reason="expected: name firmware machine cpus mem expect [cmdline...]"))
            continue
        name, firmware, machine, cpus, mem, expect = words[:6]
        # Words starting with @ are for the harness, not the kernel.
        pairs = [w[1:].split("=", 1) for w in words[6:] if w.startswith("@") and "=" in w]
        opts = {k: v for k, v in pairs if k not in ("log", "show", "qemu")}
        logs = [v for k, v in pairs if k == "log"]
        shows = [v for k, v in pairs if k == "show"]
        qemu_args = []
        try:
            for k, v in pairs:
                if k == "qemu":
                    qemu_args += shlex.split(v)
        except ValueError as e:
            broken.append(Outcome(name, failed=1, reason=f"{where}: @qemu: {e}"))
            continue
        cmdline = " ".join(w for w in words[6:] if not w.startswith("@"))
        problem = None
        bochs = firmware == "bochs"         # Bochs has one machine, and no -smp
        if firmware not in DEADLINE:
            problem = f"firmware {firmware!r}: expected bios, uefi or bochs"
        elif not (machine == "-" if bochs else machine.split(",")[0] in ("pc", "q35")):
            problem = f"machine {machine!r}: expected " + (
                "-" if bochs else "pc or q35, with QEMU machine options after a comma")
        elif expect not in ("pass", "fail", "halt", "exit"):
            problem = f"expect {expect!r}: expected pass, fail, halt or exit"
        elif name in (c.name for c in configs):
            problem = f"{name!r} is used twice (each names its own log)"
        elif not re.fullmatch(r"\d+" if bochs else r"\d+(,[a-z]+=\d+)*", cpus):
            problem = f"cpus {cpus!r}: expected a number" + ("" if bochs else " or a -smp value")
        elif "input" in opts and (bochs or "serial" in opts):
            problem = "@input is for QEMU lines with COM1"
        elif (set(opts) - {"timeout", "cpu", "serial", "entry", "input"}
              or not opts.get("timeout", "1").isdigit() or not opts.get("entry", "0").isdigit()):
            problem = (f"options {opts}: known are @timeout=SECONDS, @cpu=MODEL, @entry=N, "
                       "@log=TEXT, @show=TEXT, @qemu=ARGS, @serial=none|silent, @input=CMD;CMD")
        elif opts.get("serial", "com1") not in ("com1", "none", "silent"):
            problem = f"@serial={opts['serial']}: expected none or silent"
        elif bochs and (qemu_args or "serial" in opts):
            problem = "@qemu and @serial are for QEMU lines"
        elif expect == "halt" and not logs:
            problem = "expect=halt needs at least one @log=TEXT to wait for"
        if problem:
            broken.append(Outcome(name, failed=1, reason=f"{where}: {problem}"))
            continue
        deadline = int(opts.get("timeout", DEADLINE[firmware]))
        configs.append(Config(name, firmware, machine, cpus, mem, expect, cmdline, deadline,
                              logs, opts.get("cpu", CPU_MODEL[firmware]), shows,
                              entry=int(opts.get("entry", 0)), qemu_args=qemu_args,
                              serial=opts.get("serial", "com1"), typed=opts.get("input", "")))
    return configs, broken


# The machine every bad-boot-input row boots: -smp 4, BIOS on pc, UEFI on q35.
BOOT_INPUT_MACHINE = {"bios": "pc", "uefi": "q35"}
BOOT_INPUT_CPUS, BOOT_INPUT_MEM = "4", "256M"


def parse_boot_input(path):
    """Configs for the rows of a bad-boot-input table (one per firmware each
    row names, NAME and NAME-uefi), and an Outcome per line in error."""
    rows, problems = bootinput.parse(path)
    configs = []
    for row in rows:
        for firmware in row.firmwares:
            suffix = "-uefi" if firmware == "uefi" and len(row.firmwares) > 1 else ""
            configs.append(Config(
                f"input-{row.name}{suffix}", firmware, BOOT_INPUT_MACHINE[firmware],
                BOOT_INPUT_CPUS, BOOT_INPUT_MEM, "pass", f"ktest=boot {row.cmdline}",
                DEADLINE[firmware], list(row.expect), CPU_MODEL[firmware], one_test=True))
    return configs, [Outcome(where, failed=1, reason=why) for where, why in problems]


def stop(proc):
    """End the emulator's whole process group: TERM, then KILL if it lingers.
    True when it had to: QEMU exits 0 on SIGTERM, which says nothing."""
    if proc.poll() is not None:
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(5)
            break
        except subprocess.TimeoutExpired:
            pass
    return True


class Watch:
    """Follows a growing serial log line by line, feeding the KTAP parser."""

    def __init__(self, path, logs=(), halt=False):
        self.path = path
        self.missing = list(logs)       # @log texts not seen yet
        self.halt = halt                # done once every @log text was seen
        self.offset = 0
        self.partial = ""
        self.parser = ktap.Parser()
        self.ended = None               # "KTAP END" or "Kernel panic" once seen

    def poll(self, final=False):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        text = self.partial + data.decode("utf-8", errors="replace")
        lines = text.split("\n")
        self.partial = lines.pop()
        if final and self.partial:
            lines.append(self.partial)
            self.partial = ""
        for line in lines:
            self.parser.feed(line)
            bare = ktap.clean(line)
            self.missing = [m for m in self.missing if m not in bare]
            for mark in ("KTAP END", "Kernel panic"):
                if bare.startswith(mark) and self.ended is None:
                    self.ended = mark

    @property
    def done(self):
        if self.halt:
            return not self.missing
        return self.parser.complete or self.ended is not None


SHELL_PROMPT = b"lull> "


def type_at_prompt(proc, log, lines):
    """Type the next of lines if the shell has printed a prompt for it
    (the first line at the first prompt); returns the lines still to type."""
    try:
        prompts = log.read_bytes().count(SHELL_PROMPT)
    except FileNotFoundError:
        return lines
    typed = getattr(proc, "lines_typed", 0)
    if prompts <= typed:
        return lines
    try:
        proc.stdin.write(lines[0].encode() + b"\r")
        proc.stdin.flush()
    except (BrokenPipeError, OSError):
        return []
    proc.lines_typed = typed + 1
    return lines[1:]


def boot(cfg, iso, log, com1_log, qemu_out, interrupt):
    """Boot once; returns (QEMU exit status or None, timed out?, Watch).
    The kernel's output is read from log: COM1's, or with @serial=none or
    silent QEMU's debug console (port 0xe9), COM1's then going to com1_log."""
    log.unlink(missing_ok=True)
    com1_log.unlink(missing_ok=True)
    env = dict(os.environ, CPUS=cfg.cpus, MEM=cfg.mem, CPU_MODEL=cfg.cpu_model)
    extra = list(cfg.qemu_args)
    if cfg.firmware == "bochs":
        script = "bochs.sh"
        env.update(SERIAL_LOG=str(log))
    else:
        script = "qemu.sh"
        serial = {"com1": f"file:{log}", "none": "none", "silent": f"file:{com1_log}"}[cfg.serial]
        if cfg.serial != "com1":
            extra += ["-debugcon", f"file:{log}"]
        env.update(FIRMWARE=cfg.firmware, MACHINE=cfg.machine, SERIAL=serial,
                   DISPLAY_OPT="-display none")
    stdin, stdout, typing = subprocess.DEVNULL, None, []
    if cfg.typed:
        # COM1 on QEMU's stdio, stdin a pipe: each line is typed once the
        # shell has printed one more prompt, so that neither the firmware
        # nor GRUB (which read COM1 too) sees it, and lull's buffer holds
        # one line at a time.
        env.update(SERIAL="stdio")
        stdin, stdout, typing = subprocess.PIPE, open(log, "wb"), cfg.typed.split(";")
    with open(qemu_out, "w") as out:
        # A session of its own: stop() can then kill the emulator and anything
        # it started.
        proc = subprocess.Popen([str(ROOT / "tools" / script), str(iso)] + extra,
                                stdin=stdin, stdout=stdout or out,
                                stderr=out if stdout else subprocess.STDOUT,
                                env=env, cwd=ROOT, start_new_session=True)
    if stdout:
        stdout.close()
    watch = Watch(log, cfg.logs, halt=cfg.expect == "halt")
    deadline = time.monotonic() + cfg.deadline
    finish_by = None                    # set once the output is complete
    timed_out = False
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if interrupt.is_set():
                break
            if now > deadline:
                timed_out = True
                break
            if finish_by is not None and now > finish_by:
                break
            watch.poll()
            if typing:
                typing = type_at_prompt(proc, log, typing)
            if watch.done and finish_by is None:
                finish_by = now + GRACE
            time.sleep(POLL)
    finally:
        killed = stop(proc)
    watch.poll(final=True)
    return (None if killed else proc.returncode), timed_out, watch


def run_config(cfg, interrupt):
    out = Outcome(name=cfg.name)
    testdir = ROOT / "build" / "test"
    testdir.mkdir(parents=True, exist_ok=True)
    iso, log = testdir / f"{cfg.name}.iso", testdir / f"{cfg.name}.log"
    com1_log = testdir / f"{cfg.name}.com1.log"
    emulator = "bochs" if cfg.firmware == "bochs" else "qemu"
    qemu_out = testdir / f"{cfg.name}.{emulator}.txt"

    # GRUB boots the chosen entry at once, with no menu drawn. os.fsencode:
    # a command line may hold bytes past ASCII (bad-boot-input rows).
    env = dict(os.environ, GRUB_DEFAULT=str(cfg.entry), GRUB_TIMEOUT="0")
    mk = subprocess.run([str(ROOT / "tools" / "mkiso.sh"), "build/lull.elf",
                         os.fsencode(cfg.cmdline), str(iso)],
                        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                        errors="replace", env=env)
    if mk.returncode != 0:
        out.failed, out.reason = 1, "ISO build failed"
        out.detail = (mk.stdout + mk.stderr).splitlines()[-TAIL:]
        return out

    started = time.monotonic()
    status, timed_out, watch = boot(cfg, iso, log, com1_log, qemu_out, interrupt)
    seconds = out.seconds = time.monotonic() - started
    if emulator == "bochs":
        status = None                   # Bochs has no isa-debug-exit: KTAP is the verdict
    report = watch.parser.report()

    reasons = []
    if interrupt.is_set():
        reasons.append("interrupted")
    if timed_out:
        reasons.append(f"no complete KTAP output within {cfg.deadline} s")
    if watch.ended == "Kernel panic":
        reasons.append("kernel panic")
    if status == EXIT_FAIL and cfg.expect == "pass":
        reasons.append(f"kernel reported failure (QEMU exit {status})")
    elif status is not None and status not in (EXIT_PASS, EXIT_FAIL):
        reasons.append(f"QEMU exited with status {status}")

    missing = [f"no line with {m!r} in the log" for m in watch.missing]
    if cfg.serial == "silent":
        missing += com1_used(com1_log)
    if cfg.one_test:
        # One boot, one test: every expected text, a complete KTAP run, all ok.
        reasons += report.problems + missing
        if report.failures:
            reasons.append(f"{report.failed} failed: " + ", ".join(report.failures[:5]))
        out.passed, out.failed = (0, 1) if reasons else (1, 0)
        out.summary = f"{len(cfg.logs)} expected texts seen, {report.passed} KTAP cases ok"
    elif cfg.expect == "exit":
        # A run that is not a test suite (the experiment): it must leave
        # QEMU itself with the pass status, having printed every @log text.
        reasons = [r for r in reasons if not r.startswith("no complete KTAP")] + missing
        if timed_out:
            reasons.insert(0, f"did not power off within {cfg.deadline} s")
        elif status != EXIT_PASS:
            reasons.insert(0, f"QEMU exit status {status}, expected {EXIT_PASS}")
        out.passed, out.failed = (0, 1) if reasons else (1, 0)
    elif cfg.expect == "halt":
        # The machine must stop with a message, not run tests: one test.
        reasons = [r for r in reasons if not r.startswith("no complete KTAP")] + missing
        out.passed, out.failed = (0, 1) if reasons else (1, 0)
    elif cfg.expect == "fail":
        # The negative control: one test, passed when the run does fail,
        # by a 'not ok' or by a kernel panic.
        if not report.not_ok_seen and watch.ended != "Kernel panic":
            reasons.insert(0, "expected a 'not ok' or a panic, got neither")
        elif status == EXIT_PASS:
            reasons.insert(0, "'not ok' printed but the kernel exited with 'all passed'")
        else:
            reasons = missing
        out.passed, out.failed = (0, 1) if reasons else (1, 0)
    else:
        reasons += report.problems + missing
        if report.failures:
            reasons.append(f"{report.failed} failed: " + ", ".join(report.failures[:5])
                           + (", ..." if report.failed > 5 else ""))
        out.passed, out.failed, out.skipped = report.passed, report.failed, report.skipped
        if reasons and out.failed == 0:
            out.failed = 1              # the config itself failed: count it once

    if cfg.shows and log.exists():
        text = log.read_bytes().decode("utf-8", errors="replace")
        out.notes = [ktap.clean(x).strip() for x in text.splitlines()
                     if any(s in x for s in cfg.shows)]
    if reasons:
        out.reason = "; ".join(dict.fromkeys(reasons))
        out.detail = [f"serial log {log.relative_to(ROOT)} after {seconds:.0f} s, last {TAIL} lines:"]
        out.detail += tail(log)
        said = qemu_out.read_text(errors="replace").splitlines() if qemu_out.exists() else []
        said = [x for x in said if x.strip() and "terminating on signal" not in x]    # our own stop()
        if said:
            out.detail += [f"{emulator}:"] + said[-10:]
    return out


GRUB_HANDOFF = "Booting `lull"      # then the menu entry's title and a quote


def com1_used(path):
    """Why COM1's log shows that lull wrote to it ([] if it did not): all
    that may follow GRUB's last line there ("Booting `TITLE'") is the end of
    that line."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ["no COM1 log"]
    at = text.rfind(GRUB_HANDOFF)
    if at < 0:
        return [f"GRUB's {GRUB_HANDOFF!r} is not in COM1's log: cannot tell who wrote what"]
    end = text.find("'", at + len(GRUB_HANDOFF))
    after = text[end + 1:].strip() if end >= 0 else ""
    if after:
        return [f"lull wrote to COM1: {ktap.clean(after.splitlines()[0])[:80]!r}"]
    return []


def tail(path):
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ["(no serial log)"]
    return [ktap.clean(line) for line in text.splitlines()[-TAIL:]]


# --- main -------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", nargs="*", default=[], metavar="BINARY", help="cmocka test binaries")
    ap.add_argument("--matrix", type=Path, action="append", default=[],
                    help="QEMU or Bochs configurations (tests/matrix.txt); may repeat")
    ap.add_argument("--boot-input", type=Path, action="append", default=[], metavar="FILE",
                    help="bad-boot-input table (tests/bad-boot-input.txt): a boot per row; may repeat")
    ap.add_argument("--model", type=Path, action="append", default=[], metavar="DIR",
                    help="spin models: DIR/variants.txt (tests/model); may repeat")
    ap.add_argument("--tlbsim", type=Path, metavar="BINARY",
                    help="the machine model (build/tlbsim/tlbsim): one result per variant")
    ap.add_argument("--only", metavar="NAME", help="run this matrix line only (no host, tools or model tests)")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="QEMU runs at once (default 2)")
    ap.add_argument("--keep-going", action=argparse.BooleanOptionalAction, default=True,
                    help="after a failure, run the rest (default); --no-keep-going stops")
    args = ap.parse_args()

    outcomes = []
    halted = False                      # a failure under --no-keep-going: start nothing new
    interrupt = threading.Event()       # Ctrl-C: running boots stop and kill their QEMU

    def record(outcome):
        nonlocal halted
        outcome.show()
        outcomes.append(outcome)
        halted |= bool(outcome.failed) and not args.keep_going

    configs, broken = [], []
    sources = [(p, parse_matrix) for p in args.matrix] + [(p, parse_boot_input) for p in args.boot_input]
    for path, parse in sources:
        more, bad = parse(path)
        clash = {c.name for c in configs} & {c.name for c in more}
        configs += [c for c in more if c.name not in clash]
        broken += bad + [Outcome(n, failed=1, reason=f"{path.name}: {n!r} is used twice") for n in clash]
    if args.only:
        configs = [c for c in configs if c.name == args.only]
        if not configs:
            ap.error(f"--only {args.only}: no such line in "
                     f"{', '.join(map(str, args.matrix + args.boot_input))}")
        broken = []
    else:
        for binary in args.host:
            if not halted:
                record(run_host(Path(binary).resolve()))
        # --model or --tlbsim alone (make model, make tlbsim) runs the models only.
        if not halted and (args.host or args.matrix or args.boot_input or
                           not (args.model or args.tlbsim)):
            record(run_tool_tests())
        if args.tlbsim and not halted:
            for outcome in run_tlbsim(args.tlbsim.resolve()):
                record(outcome)
        for directory in args.model:
            for outcome in run_models(directory):
                if halted:
                    break
                record(outcome)
    for b in broken:
        record(b)

    if configs and not halted:
        print(f"matrix: {len(configs)} configs, {args.jobs} at a time", flush=True)
        pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
        futures = [pool.submit(run_config, c, interrupt) for c in configs]
        try:
            for f in as_completed(futures):
                if not f.cancelled():
                    record(f.result())
                if halted:
                    for other in futures:
                        other.cancel()
        except KeyboardInterrupt:
            interrupt.set()
            for other in futures:
                other.cancel()
            pool.shutdown(wait=True)
            print("interrupted", file=sys.stderr)
            return 130
        pool.shutdown(wait=True)

    passed = sum(o.passed for o in outcomes)
    failed = sum(o.failed for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
