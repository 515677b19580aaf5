"""Parse KTAP version 1 test output as lull's kernel prints it on the serial port.

The layout is the one Linux KUnit prints:

    KTAP version 1
    1..2                        top-level plan: two suites
        KTAP version 1
        # Subtest: boot
        1..3                    the suite's plan: three cases
        ok 1 serial
        not ok 2 smp
        ok 3 pcid # SKIP no PCID under TCG
    not ok 1 boot               the suite's result, at top level
    ...

Each indented (4-space) result is one test case. Other kernel log lines may be
interleaved and are ignored, and so are deeper levels (a parameterised case's
own results): the case's line one level up already sums them up.

Use Parser.feed() line by line while the kernel runs (Parser.complete says when
the top-level plan is satisfied), then Parser.report() for the counts.
"""

import re
from dataclasses import dataclass, field

INDENT = 4

# Terminal control sequences GRUB and OVMF leave on the serial line, which
# can share a line with the kernel's first output.
_ESCAPES = re.compile(r"\x1b(\[[0-9;?=]*[A-Za-z]|[()][0-9A-Za-z]|[=>])")
_VERSION = re.compile(r"^KTAP version (\d+)$")
_PLAN = re.compile(r"^1\.\.(\d+)")
_RESULT = re.compile(r"^(ok|not ok) (\d+)(?: -)?(?: ([^#]*?))?\s*(?:#\s*(.*))?$")
_SUBTEST = re.compile(r"^# Subtest: (.*)$")


def clean(line):
    """One serial line without escape sequences, CRs or the trailing newline."""
    line = _ESCAPES.sub("", line.rstrip("\r\n"))
    return line.rsplit("\r", 1)[-1]     # a bare CR returns the cursor: keep what follows


@dataclass
class Case:
    number: int
    name: str
    ok: bool
    skip: bool = False

    @property
    def status(self):
        return "skip" if self.skip else "ok" if self.ok else "not ok"


@dataclass
class Suite:
    name: str = ""
    plan: int = None
    cases: list = field(default_factory=list)
    result: Case = None             # its top-level line; None while it runs


@dataclass
class Report:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)    # "suite.case: why", one per failed test
    problems: list = field(default_factory=list)    # what is wrong with the output itself
    not_ok_seen: bool = False

    @property
    def total(self):
        return self.passed + self.failed + self.skipped

    def fail(self, what):
        self.failed += 1
        self.failures.append(what)


def _result(text):
    m = _RESULT.match(text)
    if not m:
        return None
    directive = (m.group(4) or "").strip()
    return Case(number=int(m.group(2)), name=(m.group(3) or "").strip(),
                ok=m.group(1) == "ok",
                skip=directive.upper().startswith("SKIP"))


class Parser:
    """Incremental KTAP parser: feed() lines, then ask complete or report()."""

    def __init__(self):
        self.started = False
        self.plan = None
        self.suites = []            # one per top-level result, in order
        self.current = None         # the indented block being read
        self.not_ok_seen = False
        self.problems = []

    @property
    def complete(self):
        """True once the top-level plan is satisfied: nothing more will come."""
        return self.plan is not None and len(self.suites) >= self.plan

    def feed(self, line):
        line = clean(line)
        body = line.lstrip(" ")
        level = (len(line) - len(body)) // INDENT
        if not self.started:
            if level == 0 and _VERSION.match(body):
                self.started = True
            return
        if level == 0:
            self._top(body)
        elif level == 1:
            self._nested(body)

    def _top(self, body):
        if _VERSION.match(body):
            self.problems.append("a second top-level KTAP header (did the kernel restart?)")
            return
        m = _PLAN.match(body)
        if m and self.plan is None:
            self.plan = int(m.group(1))
            return
        case = _result(body)
        if case is None:
            return
        self.not_ok_seen |= not case.ok
        suite = self.current or Suite()
        suite.name = suite.name or case.name
        suite.result = case
        self.suites.append(suite)
        self.current = None

    def _nested(self, body):
        # A suite's block opens with its header or its "# Subtest:" line,
        # whichever comes first (KUnit's order changed over the years).
        if _VERSION.match(body):
            if not self._opening():
                self.current = Suite()
            return
        m = _SUBTEST.match(body)
        if m:
            if not self._opening() or self.current.name:
                self.current = Suite()
            self.current.name = m.group(1).strip()
            return
        if self.current is None:
            return                  # indented text outside any suite
        m = _PLAN.match(body)
        if m and self.current.plan is None and not self.current.cases:
            self.current.plan = int(m.group(1))
            return
        case = _result(body)
        if case is not None:
            self.not_ok_seen |= not case.ok
            self.current.cases.append(case)

    def _opening(self):
        """True while the current block has its header lines only."""
        c = self.current
        return c is not None and c.plan is None and not c.cases

    def report(self):
        """Counts and reasons for everything fed so far (the run is over)."""
        r = Report(not_ok_seen=self.not_ok_seen, problems=list(self.problems))
        if not self.started:
            r.problems.append("no KTAP output")
            return r
        suites = list(self.suites)
        if self.current is not None:
            suites.append(self.current)     # cut off while it ran
        for suite in suites:
            _count_suite(suite, r)
        if self.plan is None:
            r.problems.append("no top-level plan (1..N)")
        elif len(self.suites) < self.plan:
            r.problems.append(f"top-level plan 1..{self.plan} but "
                              f"{len(self.suites)} results")
            # Suites that never started count as one failure each; the one
            # that was cut off is already counted above.
            never_ran = self.plan - len(suites)
            for n in range(never_ran):
                r.fail(f"test {len(suites) + n + 1}: never ran")
        elif len(self.suites) > self.plan:
            r.problems.append(f"top-level plan 1..{self.plan} but "
                              f"{len(self.suites)} results")
        return r


def _count_suite(suite, r):
    name = suite.name or "?"
    failed_before = r.failed
    for case in suite.cases:
        if case.skip:
            r.skipped += 1
        elif case.ok:
            r.passed += 1
        else:
            r.fail(f"{name}.{case.name or case.number}: not ok")
    if suite.plan is not None and len(suite.cases) < suite.plan:
        missing = suite.plan - len(suite.cases)
        r.problems.append(f"{name}: plan 1..{suite.plan} but {len(suite.cases)} results")
        for n in range(missing):
            r.fail(f"{name}: case {len(suite.cases) + n + 1} missing")
    top = suite.result
    if top is None:
        r.problems.append(f"{name}: no top-level result (crashed?)")
        if r.failed == failed_before:
            r.fail(f"{name}: no result")
    elif not suite.cases and suite.plan is None:
        # A top-level test without cases is a test of its own.
        if top.skip:
            r.skipped += 1
        elif top.ok:
            r.passed += 1
        else:
            r.fail(f"{name}: not ok")
    elif not top.ok and not top.skip and r.failed == failed_before:
        r.fail(f"{name}: suite not ok though its cases passed")


def parse(lines):
    """Report for a whole log given as an iterable of lines."""
    p = Parser()
    for line in lines:
        p.feed(line)
    return p.report()
