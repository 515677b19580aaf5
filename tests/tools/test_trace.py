"""Unit tests for tools/trace.py (run by make test, or:
python3 -m unittest discover -s tests/tools)."""

import contextlib
import importlib.util
import io
import json
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# Loaded by path under its own name: "trace" alone is a standard module.
_spec = importlib.util.spec_from_file_location(
    "lull_trace", os.path.join(HERE, "..", "..", "tools", "trace.py"))
trace = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(trace)

# Trimmed from a real run of suite trace (2 CPUs, CPU 1 isolated), with a
# user task's line and terminal escapes around it as a serial log has them.
LOG = """\
\x1b[H\x1b[J  Booting `lull'
trace: 4096 events per CPU (68 KiB each), recording
    ok 6 overflow_counts_lost_exactly
trace: begin version=1 tsc_khz=2000000 cpus=2 size=4096 base=17097972505
T 0 0 mark 1
T 0 1000 ipi_send 1 resched
T 0 4600 ipi_recv resched
T 0 5000 mark 2
T 0 83000 kflush 1 7
T 0 83300 kflush full 8
T 0 86000 ipi_send 1 resched
T 0 86400 ipi_recv resched
hello from task 3 on CPU 1
T 1 1200 ipi_recv resched\r
T 1 3600 exit
T 1 3800 entry syscall 3
T 1 3828 exit
T 1 4400 entry syscall 0
T 1 4500 ipi_send 0 resched
T 1 5300 exit
T 1 86200 entry irq 241
T 1 86280 catchup 8
T 1 86290 ipi_recv resched
T 1 86300 ipi_send 0 resched
trace: cpu 0 kept 8 lost 0
trace: cpu 1 kept 11 lost 0
trace: end events=19 lost=0
    ok 7 dump_of_the_protocol
"""

OVERFLOW = """\
trace: begin version=1 tsc_khz=1000000 cpus=1 size=16 base=5
T 0 0 mark 100
T 0 10 mark 101
trace: cpu 0 kept 2 lost 100
trace: end events=2 lost=100
"""


def lines(text):
    return text.splitlines(keepends=True)


def events_of(chrome, ph, tid=None):
    return [e for e in chrome["traceEvents"]
            if e["ph"] == ph and (tid is None or e["tid"] == tid)]


class ParseTest(unittest.TestCase):
    def test_block_amid_other_lines(self):
        dumps = trace.parse_log(lines(LOG))
        self.assertEqual(len(dumps), 1)
        d = dumps[0]
        self.assertTrue(d.complete)
        self.assertEqual((d.tsc_khz, d.cpus, d.size), (2000000, 2, 4096))
        self.assertEqual(len(d.events), 19)
        self.assertEqual(d.kept, {0: 8, 1: 11})
        self.assertEqual(d.problems(), [])
        e = d.events[8]
        self.assertEqual((e.cpu, e.tsc, e.kind), (1, 1200, "ipi_recv"))   # the CR is gone
        self.assertEqual(d.events[5].args, {"full": True, "pages": None, "gen": 8})
        self.assertEqual(d.events[10].args, {"from": "syscall", "detail": 3})

    def test_no_dump_is_an_error(self):
        with self.assertRaisesRegex(trace.TraceError, "no trace dump"):
            trace.pick(trace.parse_log(lines("KTAP version 1\nok 1 boot\n")), -1, "x.log")

    def test_last_dump_by_default_and_by_index(self):
        dumps = trace.parse_log(lines(OVERFLOW + LOG))
        self.assertEqual(len(dumps), 2)
        self.assertIs(trace.pick(dumps, -1, "x"), dumps[1])
        self.assertIs(trace.pick(dumps, 1, "x"), dumps[0])
        with self.assertRaisesRegex(trace.TraceError, "holds 2 dump"):
            trace.pick(dumps, 3, "x")

    def test_lost_events_are_reported_with_counts(self):
        d = trace.parse_log(lines(OVERFLOW))[0]
        self.assertEqual(d.lost, {0: 100})
        self.assertEqual(len(d.problems()), 1)
        self.assertIn("CPU 0 lost 100 events", d.problems()[0])
        self.assertIn("ring of 16", d.problems()[0])

    def test_truncated_dump(self):
        cut = LOG.split("T 1 86200")[0]
        d = trace.parse_log(lines(cut))[0]
        self.assertFalse(d.complete)
        self.assertEqual(len(d.events), 15)
        self.assertTrue(any("truncated" in p and "15 events read" in p for p in d.problems()))

    def test_a_second_begin_leaves_the_first_truncated(self):
        cut = LOG.split("trace: cpu 0")[0]
        d1, d2 = trace.parse_log(lines(cut + LOG))
        self.assertFalse(d1.complete)
        self.assertTrue(d2.complete)
        self.assertEqual(len(d2.events), 19)

    def test_garbled_event_lines_are_counted(self):
        bad = LOG.replace("T 1 3828 exit", "T 1 3828 entry bogus 3")
        d = trace.parse_log(lines(bad))[0]
        self.assertEqual(len(d.events), 18)
        self.assertEqual(len(d.bad), 1)
        text = "\n".join(d.problems())
        self.assertIn("not a trace event", text)
        self.assertIn("CPU 1: the dump lists 11 events, 10 were read", text)

    def test_other_format_versions_are_refused(self):
        with self.assertRaisesRegex(trace.TraceError, "version 2"):
            trace.parse_log(lines(LOG.replace("version=1", "version=2")))


class ChromeTest(unittest.TestCase):
    def setUp(self):
        self.dump = trace.parse_log(lines(LOG))[0]
        self.chrome = trace.chrome_trace(self.dump, "x.log")

    def test_shape(self):
        json.dumps(self.chrome)                          # serialisable as it is
        meta = events_of(self.chrome, "M")
        self.assertIn({"ph": "M", "name": "process_name", "pid": 0, "tid": 0,
                       "args": {"name": "lull"}}, meta)
        names = {e["tid"]: e["args"]["name"] for e in meta if e["name"] == "thread_name"}
        self.assertEqual(names, {0: "CPU 0", 1: "CPU 1"})
        for e in self.chrome["traceEvents"]:
            self.assertEqual(e["pid"], 0)
            if e["ph"] != "M":
                self.assertIsInstance(e["ts"], float)

    def test_residency_spans(self):
        spans = [(e["name"], e["ts"], e["dur"]) for e in events_of(self.chrome, "X", 1)]
        # tsc_khz 2000000: 2000 ticks per microsecond.
        self.assertEqual(spans, [
            ("kernel", 0.6, 1.2),            # in the kernel before its first exit
            ("syscall 3", 1.9, 0.014),
            ("syscall 0", 2.2, 0.45),        # exit(), then idle, up to the next task's exit
            ("irq 241", 43.1, 0.1),          # no exit: lasts to the end of the dump
        ])
        # CPU 0 never left the kernel: one span over the whole dump.
        self.assertEqual([(e["ts"], e["dur"]) for e in events_of(self.chrome, "X", 0)],
                         [(0.0, 43.2)])

    def test_instants(self):
        inst = events_of(self.chrome, "i")
        self.assertEqual(len(inst), 13)                  # all but entries and exits
        self.assertTrue(all(e["s"] == "t" for e in inst))
        names = [e["name"] for e in events_of(self.chrome, "i", 0)]
        self.assertIn("kernel flush 1 page, gen 7", names)
        self.assertIn("kernel flush full, gen 8", names)
        self.assertIn("catch-up to gen 8", [e["name"] for e in events_of(self.chrome, "i", 1)])

    def test_flows_pair_sends_with_arrivals(self):
        starts = {e["id"]: e for e in events_of(self.chrome, "s")}
        ends = {e["id"]: e for e in events_of(self.chrome, "f")}
        self.assertEqual(set(starts), set(ends))
        pairs = sorted((s["tid"], s["ts"], ends[i]["tid"], ends[i]["ts"]) for i, s in starts.items())
        self.assertEqual(pairs, [(0, 0.5, 1, 0.6), (0, 43.0, 1, 43.145),
                                 (1, 2.25, 0, 2.3), (1, 43.15, 0, 43.2)])
        for i, f in ends.items():
            self.assertEqual(f["bp"], "e")
            self.assertEqual(f["name"], starts[i]["name"])

    def test_merged_ipis_end_at_one_arrival(self):
        log = """\
trace: begin version=1 tsc_khz=1000000 cpus=2 size=64 base=0
T 0 0 ipi_send 1 call
T 0 10 ipi_send 1 call
T 1 5 tick
T 1 20 ipi_recv call
T 0 30 ipi_send 1 call
trace: cpu 0 kept 3 lost 0
trace: cpu 1 kept 2 lost 7
trace: end events=5 lost=7
"""
        got = trace.flows(trace.parse_log(lines(log))[0])
        # CPU 1 lost events: the first send predates what it kept, and
        # its arrival may be among the lost; the last has no arrival yet.
        self.assertEqual(got, [(0, 10, 1, 20, "call")])
        two = log.replace("lost 7", "lost 0").replace("lost=7", "lost=0")
        got = trace.flows(trace.parse_log(lines(two))[0])
        # Nothing lost: both sends before the arrival end there (merged).
        self.assertEqual(got, [(0, 0, 1, 20, "call"), (0, 10, 1, 20, "call")])

    def test_paranoid_catch_up_opens_the_nmi_span(self):
        log = """\
trace: begin version=1 tsc_khz=1000 cpus=1 size=64 base=0
T 0 0 exit
T 0 10 catchup 4
T 0 12 entry nmi 2
T 0 20 ipi_recv nmi
T 0 30 exit
trace: cpu 0 kept 5 lost 0
trace: end events=5 lost=0
"""
        d = trace.parse_log(lines(log))[0]
        self.assertEqual([(s[1], s[2], s[3]) for s in trace.residency(d)], [(10, 30, "nmi")])


class MainTest(unittest.TestCase):
    def run_main(self, log_text, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "serial.log")
            out = os.path.join(tmp, "out.json")
            with open(log, "w") as f:
                f.write(log_text)
            stdout, stderr = io.StringIO(), io.StringIO()
            args = [log, "-o", out] + [a.replace("TMP", tmp) for a in extra]
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                status = trace.main(args)
            written = {}
            for name in os.listdir(tmp):
                with open(os.path.join(tmp, name), "rb") as f:
                    written[name] = f.read()
            return status, stdout.getvalue(), stderr.getvalue(), written

    def test_no_dump(self):
        status, _, err, written = self.run_main("lull: boot complete\n")
        self.assertEqual(status, 1)
        self.assertIn("no trace dump", err)
        self.assertNotIn("out.json", written)

    def test_writes_json_and_reports_lost(self):
        status, out, err, written = self.run_main(LOG + OVERFLOW)
        self.assertEqual(status, 0)
        self.assertIn("dump 2 of 2", out)
        self.assertIn("CPU 0 lost 100 events", err)
        chrome = json.loads(written["out.json"])
        self.assertEqual(chrome["otherData"]["lost"], {"0": 100})
        self.assertEqual(len(events_of(chrome, "i")), 2)

    def test_truncated_still_converts_with_a_warning(self):
        status, _, err, written = self.run_main(LOG.split("trace: cpu 0")[0])
        self.assertEqual(status, 0)
        self.assertIn("truncated", err)
        self.assertFalse(json.loads(written["out.json"])["otherData"]["complete"])

    def test_png_is_written(self):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.skipTest("matplotlib is not installed (python3-matplotlib)")
        status, out, _, written = self.run_main(LOG, "--png", "TMP/out.png")
        self.assertEqual(status, 0)
        self.assertTrue(written["out.png"].startswith(b"\x89PNG\r\n\x1a\n"))
        self.assertGreater(len(written["out.png"]), 5000)


if __name__ == "__main__":
    unittest.main()
